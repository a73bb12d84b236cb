//! What the benchmarks share: writing the generated site, and peak memory.

use std::path::Path;
use std::time::{Duration, Instant};

use handover::pipeline::{build, BuildOptions};

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The process's peak resident memory so far (Linux `VmHWM`), in MiB.
pub fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The first numeric argument (`cargo bench --bench x -- 10000`), or `default`.
pub fn size_argument(default: usize) -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default)
}

/// Builds the site at `site` into `output` with every core, and times it; a
/// benchmark of a site that does not build is a bug in the benchmark.
pub fn timed_build(site: &Path, output: &Path) -> Duration {
    let started = Instant::now();
    let summary = build(&BuildOptions {
        root: site.to_path_buf(),
        output: output.to_path_buf(),
        jobs: None,
        as_of: None,
        timings: false,
    })
    .unwrap_or_else(|problem| panic!("the build could not run: {problem:?}"));
    let elapsed = started.elapsed();
    assert!(
        !summary.report.has_errors(),
        "{:?}",
        summary.report.diagnostics.first()
    );
    elapsed
}
