//! Shared helpers for the integration tests: run the real binary on a site folder.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn handover() -> Command {
    Command::new(env!("CARGO_BIN_EXE_handover"))
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// Runs `handover --root <root> <args>`.
pub fn run(root: &Path, args: &[&str]) -> Output {
    handover()
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .expect("the handover binary runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every file under `dir`, by relative path with `/`, with its bytes.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("readable tree");
        if entry.file_type().is_file() {
            let relative = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.insert(relative, std::fs::read(entry.path()).unwrap());
        }
    }
    files
}

/// Copies a folder (a fixture site) so a test can change it.
pub fn copy_tree(from: &Path, to: &Path) {
    for (relative, bytes) in read_tree(from) {
        if relative.starts_with("expected/") {
            continue;
        }
        let target = to.join(&relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
}

/// The broken site of `tests/errors/<case>/`: the `multi` fixture, less the paths
/// listed in the case's `remove` file (one per line), plus the case's files
/// (except `expected.txt` and `remove`).
pub fn error_case_site(case: &str) -> tempfile::TempDir {
    let overlay = fixtures().join("errors").join(case);
    let site = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("fixtures/multi"), site.path());
    if let Ok(list) = std::fs::read_to_string(overlay.join("remove")) {
        for relative in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let target = site.path().join(relative);
            if target.is_dir() {
                std::fs::remove_dir_all(&target).unwrap();
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::remove_file(&target).unwrap();
            }
        }
    }
    for (relative, bytes) in read_tree(&overlay) {
        if relative != "expected.txt" && relative != "remove" {
            let target = site.path().join(&relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, bytes).unwrap();
        }
    }
    site
}
