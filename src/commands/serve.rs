//! `handover serve`: the live preview.

use std::net::IpAddr;

use clap::Args;

use super::{print_diagnostics, require_site, Cli, Status};
use crate::diagnostics::Report;
use crate::serve::{start, ServeOptions};

/// Serves every regional domain on its own origin, rebuilding and reloading on save.
///
/// Pages are built in memory: `public/` is never touched. Old URLs are answered by
/// the same redirect rules as the generated `_redirects`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port (each region is http://<region>.localhost:<port>/).
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,

    /// The address to listen on. Anything but loopback shows the preview to the
    /// network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Preview drafts too, each marked as a draft on its page (`build` never
    /// publishes them).
    #[arg(long)]
    pub drafts: bool,
}

impl ServeArgs {
    pub fn run(&self, cli: &Cli) -> Status {
        if let Err(status) = require_site(cli) {
            return status;
        }
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                eprintln!("error: cannot start the server's runtime: {error}");
                return Status::CouldNotRun;
            }
        };
        runtime.block_on(self.serve(cli))
    }

    async fn serve(&self, cli: &Cli) -> Status {
        let options = ServeOptions {
            root: cli.root.clone(),
            bind: self.bind,
            port: self.port,
            verbose: true,
            idle_timeout: crate::serve::IDLE_TIMEOUT,
            drafts: self.drafts,
        };
        let server = match start(options).await {
            Ok(server) => server,
            Err(problem) => {
                print_diagnostics(&Report::new(vec![problem]), cli.format);
                return Status::CouldNotRun;
            }
        };
        let _ = tokio::signal::ctrl_c().await;
        eprintln!("stopping");
        server.stop().await;
        Status::Clean
    }
}
