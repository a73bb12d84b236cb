//! The command line: one clap struct per command, each with a `run()`.
//!
//! Exit codes are the same everywhere: 0 when the site is fine, 1 when it has
//! problems, 2 when the command itself could not run (bad arguments, no site).

// The commands' doc comments are their `--help` text, where `<root>` and
// `<port>` name a value the user gives, not an HTML tag.
#![allow(rustdoc::invalid_html_tags)]

pub mod build;
pub mod check;
pub mod new;
pub mod redirects;
pub mod serve;

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
    Check(check::CheckArgs),
    New(new::NewArgs),
    Redirects(redirects::RedirectsArgs),
    Serve(serve::ServeArgs),
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
            Command::Check(args) => args.run(&self),
            Command::New(args) => args.run(&self),
            Command::Redirects(args) => args.run(&self),
            Command::Serve(args) => args.run(&self),
        };
        status.into()
    }
}

/// How many problems with one code the terminal shows. A mistake in a shared
/// template or a rule repeats on every page: one broken link on each page of a
/// 100,000-page domain printed 1.6 million lines, which hide the one fix they
/// call for. The rest are counted; JSON lists every one.
const SHOWN_PER_CODE: usize = 1_000;

/// The diagnostics the terminal shows, in order, and how many more of each
/// code are not shown.
fn shown_in_terminal(
    report: &Report,
) -> (Vec<&diagnostics::Diagnostic>, Vec<(&'static str, usize)>) {
    let mut seen: std::collections::BTreeMap<&'static str, usize> = Default::default();
    let shown = report
        .diagnostics
        .iter()
        .filter(|diagnostic| {
            let count = seen.entry(diagnostic.code).or_default();
            *count += 1;
            *count <= SHOWN_PER_CODE
        })
        .collect();
    let hidden = seen
        .into_iter()
        .filter(|(_, count)| *count > SHOWN_PER_CODE)
        .map(|(code, count)| (code, count - SHOWN_PER_CODE))
        .collect();
    (shown, hidden)
}

/// Prints a report's diagnostics in the chosen format (JSON is printed by the caller,
/// inside its own document).
pub fn print_diagnostics(report: &Report, format: Format) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    match format {
        Format::Human => {
            let colour = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let (shown, hidden) = shown_in_terminal(report);
            for diagnostic in shown {
                let text = if colour {
                    diagnostics::render_human_styled(diagnostic)
                } else {
                    diagnostics::render_human(diagnostic)
                };
                let _ = writeln!(err, "{text}");
            }
            for (code, more) in hidden {
                let _ = writeln!(
                    err,
                    "note: {more} more `{code}` problems are not shown (the first {SHOWN_PER_CODE} are above): `--format json` lists every one\n"
                );
            }
        }
        Format::Github => {
            let _ = std::io::stdout().write_all(diagnostics::render_github(report).as_bytes());
        }
        Format::Json => {}
    }
}

/// Exit 2 with a hint when `--root` has no `site.yaml`.
pub fn require_site(cli: &Cli) -> Result<(), Status> {
    if cli.root.join(crate::config::CONFIG_FILE).is_file() {
        return Ok(());
    }
    eprintln!(
        "error: no site.yaml in {}\n  = help: run handover in the site folder, or pass --root <folder>",
        cli.root.display()
    );
    Err(Status::CouldNotRun)
}

/// Loads the site for a command that reads it; on failure prints why and gives
/// the exit status (2 with no site, 1 when the site has errors).
pub fn load_site(cli: &Cli) -> Result<crate::pipeline::Site, Status> {
    require_site(cli)?;
    crate::pipeline::Site::load(&cli.root).map_err(|problems| {
        let report = Report::new(problems);
        print_diagnostics(&report, cli.format);
        if cli.format == Format::Json {
            print_json(&serde_json::json!({
                "ok": false,
                "diagnostics": diagnostics::json_diagnostics(&report),
            }));
        } else {
            eprintln!("error: the site has {}", report.summary());
        }
        Status::Problems
    })
}

/// Prints one JSON document on standard output.
pub fn print_json(value: &serde_json::Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_string());
    println!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostic;

    #[test]
    fn the_terminal_shows_a_thousand_problems_of_a_code_and_counts_the_rest() {
        let mut problems: Vec<Diagnostic> = (0..1_003)
            .map(|n| {
                Diagnostic::error("links::broken", format!("link {n:04}"))
                    .in_file(format!("content/en/p{n:04}.md"))
            })
            .collect();
        problems.push(Diagnostic::error("content::date", "bad date").in_file("content/en/a.md"));
        problems.push(
            Diagnostic::warning("content::fallback", "falls back").in_file("content/fr/b.md"),
        );
        let report = Report::new(problems);
        let (shown, hidden) = shown_in_terminal(&report);
        assert_eq!(shown.len(), 1_002);
        assert_eq!(hidden, [("links::broken", 3)]);
        let links: Vec<&str> = shown
            .iter()
            .filter(|d| d.code == "links::broken")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(links.first(), Some(&"link 0000"));
        assert_eq!(links.last(), Some(&"link 0999"));
        assert!(shown.iter().any(|d| d.code == "content::date"));
        assert!(shown.iter().any(|d| d.code == "content::fallback"));
        // Below the limit nothing is hidden.
        let one = Report::new(vec![Diagnostic::error("x::y", "one")]);
        let (shown, hidden) = shown_in_terminal(&one);
        assert_eq!((shown.len(), hidden.len()), (1, 0));
    }
}
