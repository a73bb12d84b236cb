//! `handover check`: every problem with the site, for editors, translators and CI.

use clap::Args;
use serde_json::json;

use super::{print_diagnostics, print_json, require_site, Cli, Status};
use crate::check::{check_site, CheckReport};
use crate::diagnostics::{json_diagnostics, Format};
use crate::redirects::phase::Phase;

/// Reports everything wrong with the site without writing anything: what `build`
/// would fail on, translations compared with the reference locale, unused and
/// undefined messages, pages, drafts and links.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Treat warnings as errors (exit 1 when there is any).
    #[arg(long)]
    pub strict: bool,
}

impl CheckArgs {
    pub fn run(&self, cli: &Cli) -> Status {
        if let Err(status) = require_site(cli) {
            return status;
        }
        let found = check_site(&cli.root);
        let report = &found.report;
        let failed = report.has_errors() || (self.strict && report.warnings() > 0);
        print_diagnostics(report, cli.format);
        match cli.format {
            Format::Json => print_json(&json!({
                "ok": !failed,
                "strict": self.strict,
                "errors": report.errors(),
                "warnings": report.warnings(),
                "diagnostics": json_diagnostics(report),
                "coverage": found.coverage,
                "phases": found
                    .phases
                    .iter()
                    .map(|(region, phase)| json!({ "region": region, "phase": phase }))
                    .collect::<Vec<_>>(),
            })),
            _ => eprint!("{}", summary(&found, self.strict)),
        }
        if failed {
            Status::Problems
        } else {
            Status::Clean
        }
    }
}

/// The coverage table and the closing count.
fn summary(found: &CheckReport, strict: bool) -> String {
    let mut text = String::from("coverage     messages          pages\n");
    for row in &found.coverage {
        let percent = |done: usize, total: usize| (done * 100).checked_div(total).unwrap_or(100);
        text.push_str(&format!(
            "  {:<10} {:>4}/{:<4} {:>3}%   {:>3}/{:<3} {:>3}%\n",
            row.locale,
            row.messages_translated,
            row.messages_total,
            percent(row.messages_translated, row.messages_total),
            row.pages_present,
            row.pages_total,
            percent(row.pages_present, row.pages_total),
        ));
    }
    if found
        .phases
        .iter()
        .any(|(_, p)| !matches!(p, Phase::Notice { until: None }))
    {
        for (region, phase) in &found.phases {
            text.push_str(&format!("phase        {region:<10} {}\n", phase.describe()));
        }
    }
    let report = &found.report;
    let verdict = if report.diagnostics.is_empty() {
        "check: no problems".to_string()
    } else if strict && report.warnings() > 0 {
        format!(
            "check: {} (--strict: warnings count as errors)",
            report.summary()
        )
    } else {
        format!("check: {}", report.summary())
    };
    text.push_str(&verdict);
    text.push('\n');
    text
}
