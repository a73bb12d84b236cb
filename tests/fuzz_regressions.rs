//! Replays what the fuzzers keep: every file of `fuzz/corpus/<target>/` (the seed
//! corpus) and `fuzz/regressions/<target>/` (inputs that once broke an invariant)
//! through the same invariant checks the fuzz targets run (`src/fuzzing.rs`). CI
//! runs these instead of the fuzzers.

use std::path::Path;

#[test]
fn every_kept_input_holds_every_invariant() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for (name, check) in handover::fuzzing::TARGETS {
        for kind in ["corpus", "regressions"] {
            let dir = fuzz.join(kind).join(name);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            files.sort();
            for file in files {
                let data = std::fs::read(&file).unwrap();
                let result = std::panic::catch_unwind(|| check(&data));
                assert!(result.is_ok(), "{} breaks `{name}`", file.display());
                replayed += 1;
            }
        }
    }
    assert!(
        replayed > 50,
        "only {replayed} inputs: is fuzz/corpus there?"
    );
}

#[test]
fn every_fuzz_target_has_a_seed_corpus() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, _) in handover::fuzzing::TARGETS {
        let seeds = std::fs::read_dir(fuzz.join("corpus").join(name))
            .map(|e| e.count())
            .unwrap_or(0);
        assert!(seeds > 0, "fuzz/corpus/{name} is empty");
        assert!(
            fuzz.join("fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "no fuzz target {name}"
        );
    }
}
