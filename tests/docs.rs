//! The README and `docs/` as a reader tries them: every command in their code
//! blocks runs as written, on a fresh copy of the bundled site, and where a block
//! shows the output, the output is what the command prints.
//!
//! - `console` blocks: each `$ command` line runs; the lines after it, up to the
//!   next `$`, are its expected output (stdout and stderr as a terminal shows
//!   them). A line that is only `...` stands for any number of lines, and `...`
//!   inside a line for any text (timings). `handover serve` is stopped once its
//!   start-up lines have been compared.
//! - `sh` blocks and the single-line `run:` steps of a GitHub Actions workflow in
//!   a `yaml` block: each command runs and must exit 0.
//! - `handover ...` runs the binary under test; `cargo run --release -- ...` is the
//!   same binary, run the way the README's set-up does it.
//! - Any other command (`cargo test`, `npm ci`, `scripts/check-site public`) must
//!   be one that `.ci/run` runs as written (`--locked` aside), or its block must be
//!   marked, on the line before it, `<!-- not run in CI: <why> -->` (a deploy that
//!   needs an account, a benchmark that takes minutes). A new command that is
//!   neither fails this test.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const MARKER: &str = "<!-- not run in CI:";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files a reader follows.
fn documents() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// A fenced code block: where it starts, its language, its lines (the fence's
/// indentation removed), and the reason it is not run, if it is marked.
#[derive(Debug)]
struct Block {
    place: String,
    lang: String,
    lines: Vec<String>,
    not_run: Option<String>,
}

fn blocks(file: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(file).unwrap();
    let shown = file
        .strip_prefix(repo())
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if let Some(lang) = trimmed.strip_prefix("```") {
            let indent = lines[i].len() - trimmed.len();
            let start = i;
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && lines[i].trim() != "```" {
                let line = lines[i];
                body.push(line.get(indent..).unwrap_or(line.trim_start()).to_string());
                i += 1;
            }
            let before = lines[..start]
                .iter()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim());
            let not_run = before
                .and_then(|l| l.strip_prefix(MARKER))
                .map(|reason| reason.trim_end_matches("-->").trim().to_string());
            found.push(Block {
                place: format!("{shown}:{}", start + 1),
                lang: lang.trim().to_string(),
                lines: body,
                not_run,
            });
        }
        i += 1;
    }
    found
}

/// A command and, for `console` blocks, the output shown under it.
#[derive(Debug)]
struct Step {
    place: String,
    command: String,
    expected: Option<Vec<String>>,
}

fn steps(block: &Block) -> Vec<Step> {
    let mut steps = Vec::new();
    match block.lang.as_str() {
        "console" => {
            for line in &block.lines {
                if let Some(command) = line.strip_prefix("$ ") {
                    steps.push(Step {
                        place: block.place.clone(),
                        command: command.to_string(),
                        expected: Some(Vec::new()),
                    });
                } else if let Some(Step {
                    expected: Some(out),
                    ..
                }) = steps.last_mut()
                {
                    out.push(line.clone());
                }
            }
        }
        "sh" => {
            for line in &block.lines {
                let command = strip_comment(line);
                if !command.is_empty() {
                    steps.push(Step {
                        place: block.place.clone(),
                        command,
                        expected: None,
                    });
                }
            }
        }
        "yaml" if block.lines.iter().any(|l| l.trim() == "jobs:") => {
            for line in &block.lines {
                let trimmed = line.trim_start().trim_start_matches("- ");
                if let Some(command) = trimmed.strip_prefix("run: ") {
                    // Multi-line steps (`run: >`) deploy with secrets; they are
                    // documented, not run.
                    if !command.starts_with('>') && !command.starts_with('|') {
                        steps.push(Step {
                            place: block.place.clone(),
                            command: command.trim().to_string(),
                            expected: None,
                        });
                    }
                }
            }
        }
        _ => {}
    }
    steps
}

/// The command without a trailing `# comment` (outside quotes).
fn strip_comment(line: &str) -> String {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return line[..at].trim().to_string(),
            _ => {}
        }
        previous = c;
    }
    line.trim().to_string()
}

/// Runs the binary under test (`handover`, `cargo run --release --`).
fn runs_handover(command: &str) -> bool {
    command.starts_with("handover ") || command.starts_with("cargo run --release -- ")
}

/// What `.ci/run` runs, one command a line, with `--locked` taken out (it only
/// makes cargo refuse a stale Cargo.lock).
fn ci_commands() -> Vec<String> {
    std::fs::read_to_string(repo().join(".ci/run"))
        .unwrap()
        .lines()
        .map(|l| l.trim().replace(" --locked", ""))
        .collect()
}

/// A fresh copy of the bundled site (and the test fixtures the docs point at).
fn site_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(repo().join("site.yaml"), dir.path().join("site.yaml")).unwrap();
    for folder in [
        "content",
        "locales",
        "themes",
        "redirects",
        "tests/fixtures",
    ] {
        common::copy_tree(&repo().join(folder), &dir.path().join(folder));
    }
    dir
}

/// `bash -c` in the site copy, with `handover` on the PATH and `cargo run --release
/// --` answered by the same binary.
fn shell(site: &Path, command: &str) -> Command {
    let bin = Path::new(env!("CARGO_BIN_EXE_handover"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!(
        "set -o pipefail\n\
         cargo() {{ if [ \"$1 $2 $3\" = 'run --release --' ]; then shift 3; handover \"$@\"; \
         else echo \"docs test: cannot run cargo $*\" >&2; return 97; fi; }}\n\
         exec 2>&1\n{command}\n"
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .current_dir(site)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

/// Whether `actual` matches `expected`, where a `...` line is any lines and a
/// `...` inside a line is any text.
fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && matches(rest, more)),
    }
}

fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("...").collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || actual.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    if !actual.ends_with(last) {
        return false;
    }
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

fn normalise(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Runs a long-running command (`handover serve`) until it has printed what the
/// block shows, then stops it.
fn run_until_shown(site: &Path, step: &Step, expected: &[String]) -> Result<(), String> {
    let mut child = shell(site, &format!("exec {}", step.command))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if send.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut lines = Vec::new();
    let shown = loop {
        if matches(expected, &normalise(&lines.join("\n"))) {
            break true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match receive.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(_) => break false,
        }
    };
    child.kill().ok();
    child.wait().ok();
    if shown {
        Ok(())
    } else {
        Err(difference(step, expected, &normalise(&lines.join("\n"))))
    }
}

fn difference(step: &Step, expected: &[String], actual: &[String]) -> String {
    format!(
        "{}: `{}` printed something else.\n--- shown in the docs\n{}\n--- printed\n{}\n",
        step.place,
        step.command,
        expected.join("\n"),
        actual.join("\n")
    )
}

fn run_step(site: &Path, step: &Step) -> Result<(), String> {
    if let Some(expected) = &step.expected {
        let expected = normalise(&expected.join("\n"));
        if step.command.starts_with("handover serve") {
            return run_until_shown(site, step, &expected);
        }
        let output = shell(site, &step.command).output().unwrap();
        let actual = normalise(&String::from_utf8_lossy(&output.stdout));
        if !matches(&expected, &actual) {
            return Err(difference(step, &expected, &actual));
        }
        return Ok(());
    }
    let output = shell(site, &step.command).output().unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: `{}` exited with {}:\n{}",
            step.place,
            step.command,
            output.status,
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}

#[test]
fn every_command_in_the_readme_and_docs_runs_as_written() {
    let ci = ci_commands();
    let mut problems = Vec::new();
    let (mut ran, mut in_ci, mut not_run) = (0, 0, 0);
    for file in documents() {
        for block in blocks(&file) {
            let steps = steps(&block);
            if steps.is_empty() {
                continue;
            }
            if let Some(reason) = &block.not_run {
                assert!(
                    !reason.is_empty(),
                    "{}: say why the block is not run",
                    block.place
                );
                not_run += steps.len();
                continue;
            }
            let site = site_copy();
            for step in &steps {
                if runs_handover(&step.command) {
                    ran += 1;
                    if let Err(problem) = run_step(site.path(), step) {
                        problems.push(problem);
                    }
                } else if ci.contains(&step.command.replace(" --locked", "")) {
                    in_ci += 1;
                } else {
                    problems.push(format!(
                        "{}: `{}` is neither a handover command nor run by .ci/run as written; \
                         run it there, or mark the block `{MARKER} <why> -->`",
                        step.place, step.command
                    ));
                }
            }
        }
    }
    eprintln!("docs: {ran} commands run here, {in_ci} run by .ci/run, {not_run} marked as not run");
    assert!(ran > 10, "only {ran} commands found: is the parser broken?");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn elisions_match_any_lines_and_any_text_but_nothing_else() {
    let lines = |text: &str| text.lines().map(str::to_string).collect::<Vec<_>>();
    assert!(matches(&lines("a\n...\nd"), &lines("a\nb\nc\nd")));
    assert!(matches(&lines("a\n...\nd"), &lines("a\nd")));
    assert!(!matches(&lines("a\n...\nd"), &lines("a\nb\nc")));
    assert!(matches(&lines("built in ... ms"), &lines("built in 12 ms")));
    assert!(!matches(&lines("built in ... ms"), &lines("built in 12 s")));
    assert!(!matches(&lines("x"), &lines("x\ny")));
    assert_eq!(strip_comment("handover check   # people"), "handover check");
    assert_eq!(strip_comment("jq -r '.a # b'"), "jq -r '.a # b'");
}
