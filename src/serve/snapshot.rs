//! What `serve` answers from: the last good build, held in memory, and the
//! problems of the last build if it failed.
//!
//! A rebuild runs the same pipeline as `build` into a [`PackingSink`]; `public/` is
//! never touched. The files that changed are compared byte for byte so only the
//! tabs showing them reload. The rendered site is then checked as `build` checks
//! it (links over every page, translations, drafts, descriptions): its errors are
//! what a build would refuse, and its warnings are sorted by the page they concern,
//! so the preview shows each page's own.
//!
//! The check reads every page, so it runs after the new pages are served (see
//! [`check`]): an edit shows at once, and its verdict follows when the check ends.
//! Until then a build carries the last check's findings.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::check::links::{attribute_values, LinkSink};
use crate::config::Locale;
use crate::diagnostics::{Diagnostic, Report};
use crate::output::Sink;
use crate::paths::SitePath;
use crate::pipeline::{InputChange, Output, Site};

pub use super::files::{FileKey, Files, PackingSink};

/// One region as the preview shows it.
#[derive(Debug, Clone)]
pub struct RegionInfo {
    pub id: String,
    pub domain: String,
    pub locales: Vec<Locale>,
}

/// A successful build, in memory.
#[derive(Clone)]
pub struct Build {
    /// The loaded site, kept so the next change re-reads only what it touched.
    pub site: Arc<Site>,
    pub files: Files,
    pub regions: Vec<RegionInfo>,
    /// What the check of the rendered site found: errors (which `build` would
    /// refuse) and warnings. Until this build is checked, the last check's.
    pub report: Report,
    /// Whether `report` and `notes` are this build's own (see [`check`]).
    pub checked: bool,
    /// What rendering found (warnings: errors fail the build), for the check.
    rendering: Vec<Diagnostic>,
    /// The warnings about each page, by its file.
    pub notes: HashMap<FileKey, Vec<Diagnostic>>,
    /// The files of draft pages (rendered by `serve --drafts` only).
    pub drafts: BTreeSet<FileKey>,
    /// How many files this build rendered (the rest came from the one before).
    pub rendered: usize,
    /// The files rendered again, when the others came from the build before.
    again: Option<Vec<FileKey>>,
    /// Every file of the site, while none is rendered yet: each is rendered
    /// when it is asked for (see [`Build::unrendered`]).
    unrendered: Option<Arc<HashMap<FileKey, Output>>>,
}

impl Build {
    /// A loaded site whose files are not rendered yet: the preview answers
    /// from it while the first whole render runs, rendering each file asked
    /// for, so a large site's first page does not wait for every other.
    fn unrendered(site: Arc<Site>) -> Build {
        let outputs = site.outputs().into_iter().map(|output| {
            let (folder, path) = site.destination(&output);
            ((folder, path.to_string()), output)
        });
        Build {
            files: Files::default(),
            regions: regions_of(&site),
            report: Report::new(site.warnings.clone()),
            checked: false,
            rendering: Vec::new(),
            notes: HashMap::new(),
            drafts: draft_files(&site),
            rendered: 0,
            again: None,
            unrendered: Some(Arc::new(outputs.collect())),
            site,
        }
    }

    /// The file `key`, rendered now, when this build renders its files on
    /// request (`None`: it has no such file, or holds its files rendered).
    pub fn render_now(&self, key: &FileKey) -> Option<Result<Vec<u8>, Report>> {
        let output = self.unrendered.as_ref()?.get(key)?;
        Some(
            self.site
                .render(output)
                .map(|rendered| rendered.bytes)
                .map_err(Report::new),
        )
    }

    /// The errors a `build` would refuse the site for, if any.
    pub fn refused(&self) -> Option<Report> {
        self.report.has_errors().then(|| Report {
            diagnostics: self
                .report
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect(),
        })
    }
}

/// What the server shows now.
#[derive(Default)]
pub struct Snapshot {
    /// The last good build (absent until one succeeds).
    pub good: Option<Arc<Build>>,
    /// The problems of the last build, when it failed.
    pub failure: Option<Arc<Report>>,
    pub generation: u64,
}

/// What a rebuild changed, sent to every open tab.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub generation: u64,
    /// Files whose bytes differ (added, removed or edited).
    pub files: BTreeSet<FileKey>,
    /// Every tab reloads: the build failed, recovered, or the rules changed.
    pub everything: bool,
}

/// Runs the pipeline into memory: everything, or after `change` only what it
/// needs, starting from the last good build. The build is not checked yet: it
/// carries the last build's findings.
///
/// `loaded` gets the site before it is rendered, when it is loaded afresh, as
/// a build whose files render on request ([`Build::render_now`]).
pub fn build_in_memory(
    root: &Path,
    previous: Option<&Build>,
    change: &InputChange,
    drafts: bool,
    loaded: &dyn Fn(Build),
) -> Result<Build, Report> {
    let (site, only) = match previous {
        Some(previous) => previous.site.updated(change).map_err(Report::new)?,
        None => (
            Site::load_previewing(root, drafts).map_err(Report::new)?,
            None,
        ),
    };
    let site = Arc::new(site);
    if previous.is_none() {
        loaded(Build::unrendered(site.clone()));
        // Tests ask for pages while the render runs.
        crate::output::staging::test_pause("HANDOVER_TEST_PAUSE_BEFORE_RENDER_MS");
    }
    let sink = PackingSink::default();
    // Some pages again (their bodies changed), or every file.
    let partial = only.is_some();
    let outputs = only.unwrap_or_else(|| site.outputs());
    let mut problems = site.render_outputs(&outputs, &sink);
    problems.extend(site.warnings.iter().cloned());
    let errors: Vec<Diagnostic> = problems.iter().filter(|d| d.is_error()).cloned().collect();
    if !errors.is_empty() {
        return Err(Report::new(errors));
    }
    let rendered = outputs.len();
    let fresh = sink.into_files();
    let (files, again, drafts) = match previous {
        Some(previous) if partial => {
            let again = fresh.iter().map(|(key, _)| key.clone()).collect();
            // The pages' front matter is as it was: so are the drafts.
            (
                previous.files.with(fresh),
                Some(again),
                previous.drafts.clone(),
            )
        }
        _ => (
            Files::new(fresh.into_iter().collect()),
            None,
            draft_files(&site),
        ),
    };
    let regions = regions_of(&site);
    let (report, notes) = match previous {
        Some(previous) => (previous.report.clone(), previous.notes.clone()),
        None => (Report::new(problems.clone()), HashMap::new()),
    };
    Ok(Build {
        files,
        regions,
        report,
        checked: false,
        rendering: problems,
        notes,
        drafts,
        rendered,
        again,
        site,
        unrendered: None,
    })
}

fn regions_of(site: &Site) -> Vec<RegionInfo> {
    site.model
        .config
        .regions
        .iter()
        .map(|r| RegionInfo {
            id: r.id.to_string(),
            domain: r.domain.clone(),
            locales: r.locales.clone(),
        })
        .collect()
}

/// The files of draft pages.
fn draft_files(site: &Site) -> BTreeSet<FileKey> {
    site.model
        .plan
        .jobs
        .iter()
        .filter(|job| site.model.head(job).draft)
        .map(|job| file_key(site, job))
        .collect()
}

/// `build` with its own findings: the rendered site checked as `build` checks it
/// (links over every page, translations, drafts, descriptions).
pub fn check(root: &Path, build: &Build) -> Build {
    let report = check_rendered(root, &build.site, &build.files, build.rendering.clone());
    let notes = page_notes(&build.site, &build.files, &report);
    Build {
        report,
        notes,
        checked: true,
        ..build.clone()
    }
}

/// Checks the rendered site as `build` does, with the links of every page (also
/// those a partial rebuild took from the build before).
fn check_rendered(root: &Path, site: &Site, files: &Files, problems: Vec<Diagnostic>) -> Report {
    let links = LinkSink::new(site);
    // Every page's links, read again on each rebuild: spread over the cores.
    let all: Vec<_> = files.iter().collect();
    all.par_iter().for_each(|((domain, path), packed)| {
        if let (true, Ok(path)) = (path.ends_with(".html"), SitePath::parse(path)) {
            let _ = links.write(domain, &path, &packed.unpack());
        }
    });
    // Compared with the last build in public/, as `check` does.
    crate::check::validate(
        root,
        Some(site),
        problems,
        Some(links),
        &root.join("public"),
    )
    .report
}

fn file_key(site: &Site, job: &crate::plan::PageJob) -> FileKey {
    (
        site.model.region(job.region()).domain.clone(),
        site.model.page_output(job).to_string(),
    )
}

/// The warnings each page's preview shows: those about its Markdown file (or the
/// file its locale lacks, when another language's page is shown), about its
/// locale's messages shown in another language, and about links its HTML holds.
fn page_notes(site: &Site, files: &Files, report: &Report) -> HashMap<FileKey, Vec<Diagnostic>> {
    let warnings: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .collect();
    let mut notes: HashMap<FileKey, Vec<Diagnostic>> = HashMap::new();
    for job in &site.model.plan.jobs {
        let key = file_key(site, job);
        let source = &*site.model.head(job).file_name();
        let (plan, locale) = (&site.model.plan, site.model.plan.locale(job));
        let own_locale_file = format!("content/{locale}/{}.md", plan.name(job));
        let messages = format!("{}/{locale}", crate::i18n::LOCALES_DIR);
        let mut links: Option<Vec<String>> = None;
        let found: Vec<Diagnostic> = warnings
            .iter()
            .filter(|d| {
                let file = d.file.as_deref().unwrap_or("");
                if file == source || file == own_locale_file || file == messages {
                    return true;
                }
                let Some(link) = d
                    .code
                    .strip_prefix("links::")
                    .and(d.message.split('`').nth(1))
                else {
                    return false;
                };
                let links = links.get_or_insert_with(|| {
                    files.get(&key).map_or_else(Vec::new, |html| {
                        let html = html.unpack();
                        attribute_values(&crate::output::text_of(&html), &["href", "src"])
                    })
                });
                links.iter().any(|l| l == link)
            })
            .map(|d| (*d).clone())
            .collect();
        if !found.is_empty() {
            notes.insert(key, found);
        }
    }
    notes
}

impl Snapshot {
    /// Takes the check of the build of `generation`; returns what changed for
    /// the open tabs, or `None` when a newer build has replaced it (its own
    /// check follows).
    pub fn checked(&mut self, generation: u64, checked: Build) -> Option<Change> {
        if generation != self.generation || self.failure.is_some() {
            return None;
        }
        let old = self.good.replace(Arc::new(checked))?;
        let new = self.good.as_ref()?;
        Some(Change {
            generation,
            files: BTreeSet::new(),
            // Every page may show the problems that came or went.
            everything: shown(&old.report) != shown(&new.report),
        })
    }

    /// Takes a rebuild's result; returns what changed for the open tabs.
    pub fn update(&mut self, result: Result<Build, Report>) -> Change {
        self.generation += 1;
        let generation = self.generation;
        match result {
            Err(report) => {
                self.failure = Some(Arc::new(report));
                Change {
                    generation,
                    files: BTreeSet::new(),
                    everything: true,
                }
            }
            Ok(build) => {
                let recovered = self.failure.take().is_some();
                let change = match &self.good {
                    Some(old) => {
                        let files = changed_files(old, &build);
                        // New rules can turn any open page into a redirect.
                        let rules_changed = files.iter().any(|(_, path)| path == "_redirects");
                        // Other pages may show the problems that came or went.
                        let problems_changed = shown(&old.report) != shown(&build.report);
                        Change {
                            generation,
                            everything: recovered
                                || rules_changed
                                || problems_changed
                                || old.regions.len() != build.regions.len(),
                            files,
                        }
                    }
                    None => Change {
                        generation,
                        files: BTreeSet::new(),
                        everything: true,
                    },
                };
                self.good = Some(Arc::new(build));
                change
            }
        }
    }
}

/// A report as the preview shows it, to tell whether it changed.
fn shown(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(crate::diagnostics::render_human)
        .collect()
}

fn changed_files(old: &Build, new: &Build) -> BTreeSet<FileKey> {
    if let Some(again) = &new.again {
        // The others are the same files as before.
        return again
            .iter()
            .filter(|key| old.files.get(key) != new.files.get(key))
            .cloned()
            .collect();
    }
    let mut changed: BTreeSet<FileKey> = new
        .files
        .iter()
        .filter(|(key, bytes)| old.files.get(key) != Some(*bytes))
        .map(|(key, _)| key.clone())
        .collect();
    changed.extend(
        old.files
            .keys()
            .filter(|k| !new.files.contains_key(k))
            .cloned(),
    );
    changed
}
