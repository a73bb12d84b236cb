//! `handover build`: load, render into a staging folder beside the output,
//! check, and swap the staging folder into place only when nothing failed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use super::{Output, Site};
use crate::check::{self, links::LinkSink};
use crate::config;
use crate::diagnostics::{Diagnostic, Report};
use crate::output::staging::{LockedOutput, Staging};
use crate::output::unchanged::{self, Fingerprint, LastPages, Reuse};
use crate::output::{self, guard, DirSink};
use crate::paths::SitePath;
use crate::timings::Timings;

/// What a build was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub output: PathBuf,
    /// Render threads; `None` uses every core.
    pub jobs: Option<usize>,
    /// The date the notice phases are computed for (`--as-of`); `None`: today.
    pub as_of: Option<crate::dates::IsoDate>,
    /// Measure each stage (`--timings`).
    pub timings: bool,
}

/// What a build did.
#[derive(Debug)]
pub struct BuildSummary {
    pub report: Report,
    pub files: usize,
    pub domains: Vec<String>,
    /// Nothing changed since the build that wrote the output: it was left as
    /// it is, and the report is that build's.
    pub unchanged: bool,
    /// Pages whose text and every other input were as the last build's: their
    /// files were linked from the output, not rendered again.
    pub kept_pages: usize,
    /// Each stage's time and memory, when asked for.
    pub timings: Timings,
}

/// Loads, renders into a staging folder, and swaps it into place on success.
/// `Err` when the build cannot run as asked (an output folder it may not
/// replace, no way to write beside it): nothing was touched.
pub fn build(options: &BuildOptions) -> Result<BuildSummary, Diagnostic> {
    let run = || build_inner(options);
    match options.jobs {
        Some(threads) => match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(run),
            Err(error) => Err(Diagnostic::error(
                "build::threads",
                format!("could not start {threads} threads: {error}"),
            )),
        },
        None => run(),
    }
}

fn failed(problems: Vec<Diagnostic>, timings: Timings) -> BuildSummary {
    failed_with(Report::new(problems), timings)
}

fn failed_with(report: Report, timings: Timings) -> BuildSummary {
    BuildSummary {
        report,
        files: 0,
        domains: Vec::new(),
        unchanged: false,
        kept_pages: 0,
        timings,
    }
}

fn build_inner(options: &BuildOptions) -> Result<BuildSummary, Diagnostic> {
    let timings = if options.timings {
        Timings::on()
    } else {
        Timings::off()
    };
    let mut config = match timings.stage("load", || config::load(&options.root)) {
        Ok(config) => config,
        Err(problems) => return Ok(failed(problems, timings)),
    };
    config.redirects.as_of = options.as_of;
    // Before any work: a folder the build may not replace stops it here.
    let claimed = guard::claim(&options.output, &config)?;
    // No other build changes the output from here on.
    let locked = LockedOutput::acquire(&claimed)?;
    let fingerprint = timings.stage("fingerprint", || {
        let inputs = guard::input_paths(&config);
        Fingerprint::of(&config, &inputs, config.redirects.as_of)
    });
    let reuse = timings.stage("fingerprint", || {
        unchanged::reuse(locked.target(), &fingerprint)
    });
    let last_pages = match reuse {
        Reuse::Pages(last) => Some(last),
        Reuse::Nothing => None,
        Reuse::Unchanged(same) => {
            timings.note(
                "fingerprint",
                "nothing changed since the last build: the output was left as it is".to_string(),
            );
            return Ok(BuildSummary {
                report: same.report,
                files: same.files,
                domains: same.domains,
                unchanged: true,
                kept_pages: 0,
                timings,
            });
        }
    };
    // Loaded as `check` loads it, so the two report the same problems.
    let (site, mut problems) = Site::load_from(config, true, &timings);
    let links = site.as_ref().map(LinkSink::new);
    // The site's shape, once its render had nothing to say: the record keeps
    // its pages for the next build to reuse.
    let (mut kept_pages, mut clean_shape) = (0, None);
    let staging = match (&site, &links) {
        (Some(site), Some(links)) if !problems.iter().any(Diagnostic::is_error) => {
            let mut staging = timings.stage("swap", || Staging::create_in(locked))?;
            let files = DirSink::reusing(staging.dir.clone(), staging.previous());
            // Moved here, so that it is freed once the pages are rendered.
            let shape = site.model.content.shape();
            let last = last_pages.filter(|last| last.same_shape(&shape));
            let rendered = timings.stage("render", || match last {
                Some(last) => render_changed_pages(site, last, &files, links),
                None => RenderOutcome::all(site.render_all(&output::Both(&files, links))),
            });
            clean_shape = rendered.problems.is_empty().then_some(shape);
            problems.extend(rendered.problems);
            kept_pages = rendered.kept_pages;
            timings.note(
                "render",
                format!(
                    "written as rendered: {:.1} ms of thread time; {} unchanged files linked from the last output",
                    files.write_time().as_secs_f64() * 1e3,
                    files.reused()
                ),
            );
            problems.extend(files.finish());
            Some(staging)
        }
        // Nothing will be written: render only what the link check needs.
        (Some(site), Some(links)) => {
            problems.extend(timings.stage("render", || site.render_all(links)));
            None
        }
        _ => None,
    };
    let report = timings
        .stage("check", || {
            check::validate(
                &options.root,
                site.as_ref(),
                problems,
                links,
                &options.output,
            )
        })
        .report;
    let (Some(site), Some(mut staging)) = (site, staging) else {
        return Ok(failed_with(report, timings));
    };
    if report.has_errors() {
        let kept = staging.abandon();
        let report = Report::new(report.diagnostics.into_iter().chain(kept).collect());
        return Ok(failed_with(report, timings));
    }
    // Checked at the end, with the lock held: the files to keep are known.
    let lost = timings.stage("swap", || staging.would_lose());
    if !lost.is_empty() {
        // Only a killed build's folder of kept files, visible beside the
        // output, goes unsaid here: the refusal is one error.
        let _kept = staging.abandon();
        let shown = options.output.display().to_string();
        return Err(guard::refuse_to_lose(&shown, &lost));
    }
    let committed = match timings.stage("swap", || staging.commit()) {
        Ok(committed) => committed,
        Err(problems) => return Ok(failed(problems, timings)),
    };
    let locked = committed.locked;
    let files = site.output_count();
    let domains: Vec<String> = site
        .model
        .config
        .regions
        .iter()
        .map(|r| r.domain.clone())
        .collect();
    // Only the pages' records are needed from here: the rest of the site is
    // freed before the output is walked for its fingerprint, which would
    // otherwise add to the most the build holds.
    let content = Arc::clone(&site.model.content);
    free(site);
    timings.stage("fingerprint", || {
        unchanged::remember(
            locked.target(),
            &fingerprint,
            &report,
            clean_shape.as_deref().map(|shape| (shape, &*content)),
            files,
            &domains,
        )
    });
    drop(locked);
    // Said by this build only: not remembered for an unchanged build to repeat.
    let report = Report::new(
        report
            .diagnostics
            .into_iter()
            .chain(committed.kept)
            .collect(),
    );
    Ok(BuildSummary {
        files,
        domains,
        unchanged: false,
        kept_pages,
        report,
        timings,
    })
}

/// Frees a built site. A rule table holds a few allocations per rule
/// (100,000 rows make half a million): freed on every core, not one after
/// the other.
fn free(site: Site) {
    if let Ok(tables) = Arc::try_unwrap(site.redirects) {
        tables.into_par_iter().for_each(drop);
    }
}

/// What the render gave: its problems, and how many pages it kept from the
/// last build instead of rendering them.
struct RenderOutcome {
    problems: Vec<Diagnostic>,
    kept_pages: usize,
}

impl RenderOutcome {
    fn all(problems: Vec<Diagnostic>) -> RenderOutcome {
        RenderOutcome {
            problems,
            kept_pages: 0,
        }
    }
}

/// Renders the outputs of a site whose every input but the text of some pages
/// is as the last build's ([`LastPages`]): every file but the pages whose text
/// did not change, which are linked from the last output as they are.
///
/// The fragment links of the pages rendered to those not rendered are checked
/// against the ids of the last output's pages. When a page rendered again lost
/// an id its last version had, a page not rendered may link to it
/// (`#fragment`): the fragment links of every page kept are then checked
/// too, read from its file. Its other links lead where they led.
fn render_changed_pages(
    site: &Site,
    last: LastPages,
    files: &DirSink,
    links: &LinkSink,
) -> RenderOutcome {
    let jobs = &site.model.plan.jobs;
    // Asked three times of each page below: once, as each asks its page's
    // record read back from the build's temporary file.
    let unchanged: Vec<bool> = jobs
        .par_iter()
        .map(|job| last.unchanged(&site.model.source(job)))
        .collect();
    // Not held through the render: 24 bytes a page, where the answers are one.
    drop(last);
    let kept = |index: usize| unchanged[index];
    let sink = output::Both(files, links);
    let mut problems = site.render_every_output_but(&kept, &sink);
    let page = |index: usize| site.destination(&Output::Page(index));
    let lost_an_id = (0..jobs.len())
        .into_par_iter()
        .filter(|index| !kept(*index))
        .any(|index| {
            let (domain, path) = page(index);
            let old = files.read_previous(&domain, &path);
            let new = links.ids_of(jobs[index].region(), &path.file_url());
            lost_ids(old.as_deref(), new.as_deref())
        });
    let linked = AtomicUsize::new(0);
    let unlinked = (0..jobs.len())
        .into_par_iter()
        .filter(|index| kept(*index))
        .filter(|index| {
            let (domain, path) = page(*index);
            let done = if lost_an_id {
                keep_checked(files, links, &domain, &path)
            } else {
                files.link_unchanged(&domain, &path)
            };
            linked.fetch_add(usize::from(done), Ordering::Relaxed);
            !done
        })
        .map(Output::Page);
    problems.extend(site.render_each(unlinked, &sink));
    problems.extend(site.model.translations.fallback_warnings());
    links.check_waiting_with(|region, file| {
        let domain = &site.model.region(region).domain;
        let path = SitePath::parse(file.trim_start_matches('/')).ok()?;
        files.read_previous(domain, &path)
    });
    RenderOutcome {
        problems,
        kept_pages: linked.into_inner(),
    }
}

/// Links a kept page's file from the last output, and checks its `#fragment`
/// links from its bytes. Read before it is linked: a file linked into the
/// staging folder cannot be written there again, so one that cannot be read
/// is rendered.
fn keep_checked(files: &DirSink, links: &LinkSink, domain: &str, path: &SitePath) -> bool {
    let Some(bytes) = files.read_previous(domain, path) else {
        return false;
    };
    if !files.link_unchanged(domain, path) {
        return false;
    }
    links.kept(domain, path, &bytes);
    true
}

/// Whether a page's last version (`old`, its HTML) had an id that its new one
/// (`new`, its ids) has not; true when either is unknown.
fn lost_ids(old: Option<&[u8]>, new: Option<&[String]>) -> bool {
    let (Some(old), Some(new)) = (old, new) else {
        return true;
    };
    let new: std::collections::HashSet<&str> = new.iter().map(String::as_str).collect();
    check::links::ids_in(&output::text_of(old))
        .iter()
        .any(|id| !new.contains(id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_loses_an_id_only_when_its_last_version_had_one_it_lacks() {
        let ids = |list: &[&str]| list.iter().map(|id| id.to_string()).collect::<Vec<_>>();
        let old = br#"<h2 id="a">A</h2><p id="b">B</p>"#.as_slice();
        assert!(!lost_ids(Some(old), Some(&ids(&["a", "b"]))));
        assert!(!lost_ids(Some(old), Some(&ids(&["b", "a", "c"]))));
        assert!(lost_ids(Some(old), Some(&ids(&["a"]))));
        assert!(lost_ids(Some(old), Some(&ids(&["a", "B"]))));
        assert!(!lost_ids(Some(b"<p>none</p>"), Some(&[])));
        assert!(lost_ids(None, Some(&ids(&["a"]))));
        assert!(lost_ids(Some(old), None));
    }
}
