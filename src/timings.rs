//! `handover build --timings`: the wall time and peak memory of each stage.
//!
//! Each stage is timed where the pipeline runs it. Peak memory is the process's
//! peak resident set during the stage: on Linux the peak is reset at the start of
//! the stage (`/proc/self/clear_refs`) and read at its end (`VmHWM`), so each
//! stage shows its own peak, not the build's so far. Elsewhere no memory is shown.
//! When timings are off, a stage costs one branch.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One stage as measured.
#[derive(Debug, Clone, PartialEq)]
pub struct StageTime {
    pub name: &'static str,
    pub wall: Duration,
    /// Peak resident memory during the stage, in bytes (`None` where the system
    /// does not tell).
    pub peak: Option<u64>,
    /// Resident memory at its end, in bytes.
    pub resident: Option<u64>,
    /// Extra figures the stage reports (`write` time inside `render`).
    pub note: Option<String>,
}

/// The stages of one build, in the order they ran.
#[derive(Debug, Default)]
pub struct Timings {
    enabled: bool,
    stages: Mutex<Vec<StageTime>>,
}

impl Timings {
    /// Records stages.
    pub fn on() -> Timings {
        Timings {
            enabled: true,
            stages: Mutex::new(Vec::new()),
        }
    }

    /// Records nothing.
    pub fn off() -> Timings {
        Timings::default()
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Runs `work` as the stage `name`.
    pub fn stage<T>(&self, name: &'static str, work: impl FnOnce() -> T) -> T {
        if !self.enabled {
            return work();
        }
        reset_peak();
        let started = Instant::now();
        let value = work();
        let wall = started.elapsed();
        let (resident, peak) = memory();
        self.push(StageTime {
            name,
            wall,
            peak,
            resident,
            note: None,
        });
        value
    }

    /// Adds a note to the last stage called `name`.
    pub fn note(&self, name: &'static str, note: String) {
        if !self.enabled {
            return;
        }
        if let Ok(mut stages) = self.stages.lock() {
            if let Some(stage) = stages.iter_mut().rev().find(|s| s.name == name) {
                stage.note = Some(note);
            }
        }
    }

    /// A stage that runs in several steps (planning, then the model) adds up.
    fn push(&self, stage: StageTime) {
        if let Ok(mut stages) = self.stages.lock() {
            match stages.iter_mut().find(|s| s.name == stage.name) {
                Some(same) => {
                    same.wall += stage.wall;
                    same.peak = same.peak.max(stage.peak);
                    same.resident = stage.resident;
                }
                None => stages.push(stage),
            }
        }
    }

    /// The stages measured so far.
    pub fn stages(&self) -> Vec<StageTime> {
        self.stages.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The table `--timings` prints.
    pub fn table(&self) -> String {
        let stages = self.stages();
        let total: Duration = stages.iter().map(|s| s.wall).sum();
        let mut out = format!(
            "{:<10} {:>10} {:>6} {:>12}\n",
            "stage", "time", "share", "peak memory"
        );
        let mib = |bytes: Option<u64>| match bytes {
            Some(bytes) => format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0)),
            None => "-".to_string(),
        };
        for stage in &stages {
            out.push_str(&format!(
                "{:<10} {:>7.1} ms {:>5.0}% {:>12}",
                stage.name,
                stage.wall.as_secs_f64() * 1e3,
                stage.wall.as_secs_f64() / total.as_secs_f64().max(1e-9) * 100.0,
                mib(stage.peak),
            ));
            if let Some(note) = &stage.note {
                out.push_str(&format!("  ({note})"));
            }
            out.push('\n');
        }
        let peak = stages.iter().filter_map(|s| s.peak).max();
        out.push_str(&format!(
            "{:<10} {:>7.1} ms {:>6} {:>12}\n",
            "total",
            total.as_secs_f64() * 1e3,
            "",
            mib(peak)
        ));
        out
    }
}

/// Resets the process's peak resident set to its current size (Linux 4.0+).
fn reset_peak() {
    #[cfg(target_os = "linux")]
    {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }
}

/// (resident, peak resident) in bytes.
fn memory() -> (Option<u64>, Option<u64>) {
    #[cfg(target_os = "linux")]
    {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|kib| kib * 1024)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
    #[cfg(not(target_os = "linux"))]
    {
        (None, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_recorded_in_order_with_their_memory() {
        let timings = Timings::on();
        let value = timings.stage("load", || {
            std::thread::sleep(Duration::from_millis(5));
            7
        });
        assert_eq!(value, 7);
        // 64 MiB touched inside the stage shows in its peak.
        timings.stage("render", || {
            let block = vec![1u8; 64 << 20];
            std::hint::black_box(&block);
        });
        timings.note("render", "write 1.0 ms".to_string());
        timings.stage("load", || ());
        let stages = timings.stages();
        assert_eq!(
            stages.iter().map(|s| s.name).collect::<Vec<_>>(),
            ["load", "render"]
        );
        assert!(stages[0].wall >= Duration::from_millis(5));
        assert_eq!(stages[1].note.as_deref(), Some("write 1.0 ms"));
        if cfg!(target_os = "linux") {
            let render = stages[1].peak.unwrap();
            assert!(render >= 64 << 20, "{render}");
        }
        let table = timings.table();
        assert!(table.contains("load") && table.contains("total"), "{table}");
    }

    #[test]
    fn off_records_nothing() {
        let timings = Timings::off();
        assert_eq!(timings.stage("load", || 1), 1);
        assert!(timings.stages().is_empty());
    }
}
