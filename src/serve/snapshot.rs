//! What `serve` answers from: the last good build, held in memory, and the
//! problems of the last build if it failed.
//!
//! A rebuild runs the same pipeline as `build` into a [`MemorySink`]; `public/` is
//! never touched. The files that changed are compared byte for byte so only the
//! tabs showing them reload.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::config::Locale;
use crate::diagnostics::{Diagnostic, Report};
use crate::output::MemorySink;
use crate::pipeline::{InputChange, Site};

/// (domain, path inside the domain folder, e.g. `warranty/index.html`).
pub type FileKey = (String, String);

/// One region as the preview shows it.
#[derive(Debug, Clone)]
pub struct RegionInfo {
    pub id: String,
    pub domain: String,
    pub locales: Vec<Locale>,
}

/// A successful build, in memory.
pub struct Build {
    /// The loaded site, kept so the next change re-reads only what it touched.
    pub site: Arc<Site>,
    pub files: HashMap<FileKey, Arc<[u8]>>,
    pub regions: Vec<RegionInfo>,
    pub warnings: Vec<Diagnostic>,
    /// How many files this build rendered (the rest came from the one before).
    pub rendered: usize,
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
/// needs, starting from the last good build.
pub fn build_in_memory(
    root: &Path,
    previous: Option<&Build>,
    change: &InputChange,
) -> Result<Build, Report> {
    let (site, only) = match previous {
        Some(previous) => previous.site.updated(change).map_err(Report::new)?,
        None => (Site::load(root).map_err(Report::new)?, None),
    };
    let sink = MemorySink::default();
    let outputs = only.unwrap_or_else(|| site.outputs());
    let mut problems = site.render_outputs(&outputs, &sink);
    problems.extend(site.warnings.iter().cloned());
    let (errors, warnings): (Vec<_>, Vec<_>) = problems.into_iter().partition(Diagnostic::is_error);
    if !errors.is_empty() {
        return Err(Report::new(errors));
    }
    let rendered = outputs.len();
    let mut files: HashMap<FileKey, Arc<[u8]>> = match previous {
        Some(previous) if rendered < site.outputs().len() => previous.files.clone(),
        _ => HashMap::new(),
    };
    files.extend(
        sink.into_files()
            .into_iter()
            .map(|(key, bytes)| (key, Arc::from(bytes))),
    );
    let regions = site
        .model
        .config
        .regions
        .iter()
        .map(|r| RegionInfo {
            id: r.id.to_string(),
            domain: r.domain.clone(),
            locales: r.locales.clone(),
        })
        .collect();
    Ok(Build {
        files,
        regions,
        warnings,
        rendered,
        site: Arc::new(site),
    })
}

impl Snapshot {
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
                        Change {
                            generation,
                            everything: recovered
                                || rules_changed
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

fn changed_files(old: &Build, new: &Build) -> BTreeSet<FileKey> {
    let mut changed: BTreeSet<FileKey> = new
        .files
        .iter()
        .filter(|(key, bytes)| old.files.get(*key) != Some(*bytes))
        .map(|(key, _)| key.clone())
        .collect();
    changed.extend(
        old.files
            .keys()
            .filter(|k| !new.files.contains_key(*k))
            .cloned(),
    );
    changed
}
