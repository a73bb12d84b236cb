//! What a build promises about its own cost: `--timings` names every stage with
//! its time and memory.

mod common;

use common::{fixtures, run, stderr, stdout};

fn multi() -> std::path::PathBuf {
    fixtures().join("fixtures/multi")
}

#[test]
fn timings_show_every_stage_with_time_and_memory() {
    let out = tempfile::tempdir().unwrap();
    let output_dir = out.path().join("public");
    let output = run(
        &multi(),
        &["build", "--timings", "-o", output_dir.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    for stage in [
        "load",
        "plan",
        "parse",
        "redirects",
        "render",
        "check",
        "swap",
        "total",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(stage))
            .unwrap_or_else(|| panic!("no `{stage}` line in:\n{text}"));
        assert!(line.contains(" ms"), "{line}");
        if cfg!(target_os = "linux") {
            assert!(line.contains(" MiB"), "{line}");
        }
    }
    assert!(text.contains("writing took"), "{text}");

    let output = run(
        &multi(),
        &[
            "--format",
            "json",
            "build",
            "--timings",
            "-o",
            output_dir.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let stages: Vec<&str> = json["timings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "load",
            "plan",
            "parse",
            "redirects",
            "swap",
            "render",
            "check"
        ]
    );

    // Without the flag, nothing more is printed.
    let output = run(&multi(), &["build", "-o", output_dir.to_str().unwrap()]);
    assert!(!stderr(&output).contains("peak memory"));
}
