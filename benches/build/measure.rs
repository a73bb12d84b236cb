//! Timing a command as a child process, with its own peak memory (`wait4`'s
//! `ru_maxrss`: the child's peak resident set, not this process's), and the
//! floor: reading every input and copying the output, in this process.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One finished run of a child process.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub wall: Duration,
    /// Peak resident memory of the child, in MiB.
    pub peak_mib: f64,
    /// CPU time (user + system) the child used: wall x cores busy.
    pub cpu: Duration,
}

impl Run {
    /// How many cores were busy on average.
    pub fn cores(&self) -> f64 {
        self.cpu.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }
}

/// Runs `command` to its end, with standard output discarded; panics (with its
/// standard error) when it fails: a benchmark of a failing build is a bug.
// The child is reaped by wait4 (for its resource usage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
pub fn run(command: &mut Command) -> Run {
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    // The pipe is read on a thread so a chatty child never blocks on it.
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let (status, usage) = wait_with_usage(child.id());
    let wall = started.elapsed();
    let stderr = reader.join().unwrap_or_default();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{command:?} failed ({status}):\n{stderr}"
    );
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    Run {
        wall,
        // Linux reports ru_maxrss in KiB.
        peak_mib: usage.ru_maxrss as f64 / 1024.0,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
    }
}

/// Waits for the child `pid` and returns its wait status and resource usage.
fn wait_with_usage(pid: u32) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: `rusage` is plain old data that wait4 fills in; the pid is our
    // child's, and std's `Child` is never waited on after this.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let result = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if result == pid as libc::pid_t {
            return (status, usage);
        }
        let error = std::io::Error::last_os_error();
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::Interrupted,
            "wait4 failed: {error}"
        );
    }
}

/// The floor: the I/O any generator does. Reads every file under `inputs`, then
/// copies `output` file by file into `copy` (what `cp -r` does). Returns the time
/// and the number of files read and written.
pub fn floor(inputs: &[&Path], output: &Path, copy: &Path) -> (Duration, usize, usize) {
    let _ = std::fs::remove_dir_all(copy);
    let started = Instant::now();
    let mut read = 0;
    let mut bytes = 0usize;
    for input in inputs {
        for entry in walkdir::WalkDir::new(input)
            .into_iter()
            .filter_map(Result::ok)
        {
            if entry.file_type().is_file() {
                bytes += std::fs::read(entry.path()).map_or(0, |b| b.len());
                read += 1;
            }
        }
    }
    let mut written = 0;
    for entry in walkdir::WalkDir::new(output)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = copy.join(entry.path().strip_prefix(output).expect("under output"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("create a folder of the copy");
        } else if entry.file_type().is_file() {
            std::fs::write(&target, std::fs::read(entry.path()).expect("read output"))
                .expect("write the copy");
            written += 1;
        }
    }
    let elapsed = started.elapsed();
    std::hint::black_box(bytes);
    let _ = std::fs::remove_dir_all(copy);
    (elapsed, read, written)
}

/// Markdown alone: pulldown-cmark turning every page's body under `content` into
/// HTML, with handover's options, on all cores, and nothing else: no front
/// matter, templates, links or files (the pages are read before the clock
/// starts). No build of these pages with this stack can take less CPU than
/// this; the build's figure against the floor is to be read beside it.
pub fn markdown_alone(content: &Path) -> Duration {
    use rayon::prelude::*;
    let bodies: Vec<String> = walkdir::WalkDir::new(content)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|e| e == "md"))
        .map(|entry| {
            let text = std::fs::read_to_string(entry.path()).expect("read a page");
            body_of(&text).to_owned()
        })
        .collect();
    let options = handover::raw_html::markdown_options();
    let started = Instant::now();
    let bytes: usize = bodies
        .par_iter()
        .map(|body| {
            let mut html = String::with_capacity(body.len() * 3 / 2);
            pulldown_cmark::html::push_html(
                &mut html,
                pulldown_cmark::Parser::new_ext(body, options),
            );
            html.len()
        })
        .sum();
    let elapsed = started.elapsed();
    std::hint::black_box(bytes);
    elapsed
}

/// Pages alone: what no build of these pages can skip, done on all cores and
/// nothing else. Each page under `content` is read, its body turned into HTML
/// by pulldown-cmark with handover's options, and written to a folder of its
/// own under `out` (as `index.html`), as the floor's copy writes it. No front
/// matter is parsed, no template, link or redirect is looked at, and only the
/// pages are written (no sitemaps, 404 pages or assets). `out` is removed
/// before and after.
pub fn pages_alone(content: &Path, out: &Path) -> Duration {
    use rayon::prelude::*;
    let _ = std::fs::remove_dir_all(out);
    let options = handover::raw_html::markdown_options();
    let started = Instant::now();
    let pages: Vec<std::path::PathBuf> = walkdir::WalkDir::new(content)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|e| e == "md"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    pages.par_iter().for_each(|page| {
        let text = std::fs::read_to_string(page).expect("read a page");
        let body = body_of(&text);
        let mut html = String::with_capacity(body.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(body, options));
        let relative = page.strip_prefix(content).expect("under content");
        let folder = out.join(relative.with_extension(""));
        std::fs::create_dir_all(&folder).expect("create a page's folder");
        std::fs::write(folder.join("index.html"), html).expect("write a page");
    });
    let elapsed = started.elapsed();
    let _ = std::fs::remove_dir_all(out);
    elapsed
}

/// A page's Markdown after its front matter (`---` lines around YAML).
fn body_of(text: &str) -> &str {
    text.strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text, |(_, body)| body)
}

/// The median of some values (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The `p`-th percentile (0-100) by nearest rank.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A process's current and peak resident memory (`VmRSS`, `VmHWM`), in MiB.
pub fn memory_of(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_and_percentile() {
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(super::percentile(&values, 99.0), 99.0);
        assert_eq!(super::percentile(&values, 100.0), 100.0);
    }
}
