//! Fixture sites under `tests/fixtures/<name>/` are built with the real binary and
//! every output file is compared with `tests/fixtures/<name>/expected/`.
//!
//! A file that differs, is missing, or is no longer produced fails the test. After a
//! deliberate change, regenerate with `UPDATE_GOLDEN=1 cargo test --test golden` and
//! review the diff before committing.

mod common;

use std::path::Path;

use common::{fixtures, read_tree, run, stderr};

fn check_fixture(name: &str) {
    let site = fixtures().join("fixtures").join(name);
    let scratch = tempfile::tempdir().unwrap();
    // Not the temporary folder itself: the record of the build goes beside it.
    let out = scratch.path().join("public");
    let output = run(&site, &["build", "--output", out.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{name} failed to build:\n{}",
        stderr(&output)
    );
    let actual = read_tree(&out);
    let expected_dir = site.join("expected");

    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&expected_dir);
        for (relative, bytes) in &actual {
            let path = expected_dir.join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        return;
    }

    let expected = read_tree(&expected_dir);
    let mut problems = Vec::new();
    for (relative, bytes) in &actual {
        match expected.get(relative) {
            None => problems.push(format!("new file, not in expected/: {relative}")),
            Some(want) if want != bytes => problems.push(format!(
                "{relative} differs:\n--- expected\n{}\n--- actual\n{}",
                String::from_utf8_lossy(want),
                String::from_utf8_lossy(bytes)
            )),
            Some(_) => {}
        }
    }
    for relative in expected.keys() {
        if !actual.contains_key(relative) {
            problems.push(format!("stale golden, no longer produced: {relative}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{name}: {} problem(s) (UPDATE_GOLDEN=1 regenerates after a deliberate change)\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn multi_locale_site_with_fallbacks() {
    check_fixture("multi");
}

#[test]
fn cloudflare_site_with_a_bulk_redirects_list() {
    check_fixture("cloudflare");
}

#[test]
fn every_fixture_has_a_test() {
    let dir = fixtures().join("fixtures");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let this_file = std::fs::read_to_string(
        Path::new(file!())
            .file_name()
            .map(|f| fixtures().join(f))
            .unwrap(),
    )
    .unwrap();
    // `check` is a site with problems on purpose: tests/check.rs tests it.
    for name in names.iter().filter(|n| *n != "check") {
        assert!(
            this_file.contains(&format!("check_fixture(\"{name}\")")),
            "tests/fixtures/{name} has no test in tests/golden.rs"
        );
    }
}
