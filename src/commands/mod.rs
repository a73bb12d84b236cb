//! The command line: one clap struct per command, each with a `run()`.
//!
//! Exit codes are the same everywhere: 0 when the site is fine, 1 when it has
//! problems, 2 when the command itself could not run (bad arguments, no site).

pub mod build;
pub mod new;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diagnostics::{self, Format, Report};

/// Builds the notice a brand's regional websites show when they close and hand over
/// to another site, and the redirects that send every old URL to its new home.
#[derive(Debug, Parser)]
#[command(name = "handover", version, propagate_version = true)]
pub struct Cli {
    /// The site folder (the one with site.yaml).
    #[arg(long, global = true, default_value = ".")]
    pub root: PathBuf,

    /// How to print problems: for people, as JSON, or as GitHub Actions annotations.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Build(build::BuildArgs),
    New(new::NewArgs),
}

/// The process exit code for a finished command.
pub enum Status {
    Clean,
    Problems,
    CouldNotRun,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Clean => ExitCode::SUCCESS,
            Status::Problems => ExitCode::from(1),
            Status::CouldNotRun => ExitCode::from(2),
        }
    }
}

impl Cli {
    pub fn run(self) -> ExitCode {
        let status = match &self.command {
            Command::Build(args) => args.run(&self),
            Command::New(args) => args.run(&self),
        };
        status.into()
    }
}

/// Prints a report's diagnostics in the chosen format (JSON is printed by the caller,
/// inside its own document).
pub fn print_diagnostics(report: &Report, format: Format) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    match format {
        Format::Human => {
            let colour = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            for diagnostic in &report.diagnostics {
                let text = if colour {
                    diagnostics::render_human_styled(diagnostic)
                } else {
                    diagnostics::render_human(diagnostic)
                };
                let _ = writeln!(err, "{text}");
            }
        }
        Format::Github => {
            let _ = std::io::stdout().write_all(diagnostics::render_github(report).as_bytes());
        }
        Format::Json => {}
    }
}

/// Prints one JSON document on standard output.
pub fn print_json(value: &serde_json::Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string());
    println!("{text}");
}
