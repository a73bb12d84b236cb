//! Prints the translation checks of a site as JSON, a stand-in until `handover check`
//! exists: `cargo run -q --example check_translations -- <site root>`.
//!
//! Output: `{"diagnostics": [...], "coverage": [...]}`, the diagnostics in the shape
//! of `--format json`. Exits 1 when there are errors, 2 when the site cannot be read.

use std::path::PathBuf;
use std::process::ExitCode;

use handover::check::translations::check_translations;
use handover::diagnostics::{json_diagnostics, render_human, Report};

fn main() -> ExitCode {
    let root = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let config = match handover::config::load(&root) {
        Ok(config) => config,
        Err(problems) => {
            for problem in &problems {
                eprint!("{}", render_human(problem));
            }
            return ExitCode::from(2);
        }
    };
    let checked = check_translations(&config);
    let coverage: Vec<serde_json::Value> = checked
        .coverage
        .iter()
        .map(|c| {
            serde_json::json!({
                "locale": c.locale.as_str(),
                "translated": c.translated,
                "total": c.total,
            })
        })
        .collect();
    let report = Report::new(checked.diagnostics);
    let json = serde_json::json!({
        "diagnostics": json_diagnostics(&report),
        "coverage": coverage,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&json).expect("JSON values serialize")
    );
    if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
