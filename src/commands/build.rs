//! `handover build`: renders every region into `public/<domain>/`.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::{print_diagnostics, print_json, require_site, Cli, Status};
use crate::dates::IsoDate;
use crate::diagnostics::{json_diagnostics, Diagnostic, Format, Report};
use crate::pipeline::{build, BuildOptions};

/// Builds every regional domain into its own folder, ready to deploy.
///
/// The output is built in a staging folder and replaces the old one only when the
/// whole build succeeded: a failed build leaves it exactly as it was.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Where to write the domain folders [default: <root>/public].
    #[arg(long, short)]
    pub output: Option<PathBuf>,

    /// Render threads [default: one per core]. The output is the same for any number.
    #[arg(long, short)]
    pub jobs: Option<usize>,

    /// Build as on this date (YYYY-MM-DD) instead of today: previews the redirects
    /// phase of a region whose `notice_until` has not come yet.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<IsoDate>,

    /// Print the time and peak memory of each stage (load, plan, parse, redirects,
    /// render and write, check, swap) after the build.
    #[arg(long)]
    pub timings: bool,
}

fn parse_date(text: &str) -> Result<IsoDate, String> {
    IsoDate::parse(text).map_err(|why| why.message(text))
}

impl BuildArgs {
    pub fn run(&self, cli: &Cli) -> Status {
        if let Err(status) = require_site(cli) {
            return status;
        }
        if self.jobs == Some(0) {
            eprintln!("error: --jobs must be at least 1");
            return Status::CouldNotRun;
        }
        let output = self
            .output
            .clone()
            .unwrap_or_else(|| cli.root.join("public"));
        let options = BuildOptions {
            root: cli.root.clone(),
            output: output.clone(),
            jobs: self.jobs,
            as_of: self.as_of,
            timings: self.timings,
        };
        crate::output::staging::remove_staging_on_interrupt();
        let summary = match build(&options) {
            Ok(summary) => summary,
            Err(problem) => return could_not_run(&problem, cli.format),
        };
        let ok = !summary.report.has_errors();
        print_diagnostics(&summary.report.shown_for_build(), cli.format);
        match cli.format {
            Format::Json => print_json(&json!({
                "ok": ok,
                "errors": summary.report.errors(),
                "warnings": summary.report.warnings(),
                "files": summary.files,
                "kept_pages": summary.kept_pages,
                "output": output.display().to_string(),
                "domains": summary.domains,
                "diagnostics": json_diagnostics(&summary.report),
                "timings": self.timings.then(|| timings_json(&summary.timings)),
            })),
            _ if ok => eprintln!(
                "built {} domain{} ({} files) into {} ({}){}",
                summary.domains.len(),
                if summary.domains.len() == 1 { "" } else { "s" },
                summary.files,
                output.display(),
                summary.report.summary(),
                match summary.kept_pages {
                    _ if summary.unchanged => {
                        "; nothing changed since the last build, so nothing was written".to_string()
                    }
                    0 => String::new(),
                    1 => "; 1 page, unchanged since the last build, was kept as it was".to_string(),
                    kept => format!(
                        "; {kept} pages, unchanged since the last build, were kept as they were"
                    ),
                }
            ),
            _ => {
                let shown = summary.report.shown_for_build();
                let hidden = summary.report.warnings() - shown.warnings();
                let warnings = match hidden {
                    0 => String::new(),
                    1 => " (and 1 warning, not shown: `handover check` lists it)".to_string(),
                    n => format!(" (and {n} warnings, not shown: `handover check` lists them)"),
                };
                let errors = summary.report.errors();
                eprintln!(
                    "error: build failed with {errors} error{}{warnings}; {} was left as it was",
                    if errors == 1 { "" } else { "s" },
                    output.display()
                )
            }
        }
        if self.timings && cli.format != Format::Json {
            eprint!("{}", summary.timings.table());
        }
        if ok {
            Status::Clean
        } else {
            Status::Problems
        }
    }
}

/// Each stage as `{stage, ms, peak_bytes}`.
fn timings_json(timings: &crate::timings::Timings) -> serde_json::Value {
    timings
        .stages()
        .iter()
        .map(|stage| {
            json!({
                "stage": stage.name,
                "ms": stage.wall.as_secs_f64() * 1e3,
                "peak_bytes": stage.peak,
                "note": stage.note,
            })
        })
        .collect()
}

/// The build did not start: say why, in the chosen format, and exit 2.
fn could_not_run(problem: &Diagnostic, format: Format) -> Status {
    let report = Report::new(vec![problem.clone()]);
    print_diagnostics(&report, format);
    if format == Format::Json {
        print_json(&json!({
            "ok": false,
            "diagnostics": json_diagnostics(&report),
        }));
    } else {
        eprintln!("error: nothing was built and nothing was changed");
    }
    Status::CouldNotRun
}
