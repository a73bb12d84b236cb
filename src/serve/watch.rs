//! Watching the site folder: debounced file events (an editor's write-then-rename
//! save arrives as one change), filtered to the files a build reads, each batch
//! followed by one rebuild on a thread of its own.
//!
//! Only what a build reads is watched, without following links, and an input
//! folder that is deleted and created again (`rm -rf content && cp -r backup
//! content`, or `mv content.new content`) is watched again before the rebuild.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use notify_debouncer_full::notify::{self, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer_opt, DebounceEventResult, Debouncer, RecommendedCache};

use super::{rebuild, Shared};
use crate::diagnostics::Diagnostic;
use crate::pipeline::InputChange;

/// Short enough to feel instant, long enough to merge a save's events.
const DEBOUNCE: Duration = Duration::from_millis(15);

/// Folders a build never reads (its own output among them); hidden folders (`.git`,
/// a build's `.public.staging-*`) are skipped too.
const IGNORED_DIRS: [&str; 3] = ["public", "target", "node_modules"];

/// Keeps the watch alive; dropping it stops watching.
pub struct Watcher {
    _watched: Arc<Mutex<Watched>>,
}

/// The debouncer and the input folders it watches, by the identity of the folder
/// it watched: a folder deleted and created again, or replaced by a rename, is a
/// new folder that needs a new watch.
struct Watched {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    folders: BTreeMap<PathBuf, FolderId>,
}

impl Watcher {
    pub fn start(root: &Path, shared: Arc<Shared>) -> Result<Watcher, Diagnostic> {
        // Events carry absolute paths: compare them with an absolute root.
        let root = &root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let (events, batches) = mpsc::channel::<Vec<PathBuf>>();
        let watched_root = root.to_path_buf();
        let handler = move |result: DebounceEventResult| {
            let Ok(found) = result else { return };
            // Reading files (the rebuild itself) raises access events: only
            // changes count.
            let changed: Vec<PathBuf> = found
                .iter()
                .filter(|event| !event.kind.is_access() && !event.kind.is_other())
                .flat_map(|event| event.paths.iter())
                .filter(|path| is_site_input(&watched_root, path))
                .cloned()
                .collect();
            if !changed.is_empty() {
                let _ = events.send(changed);
            }
        };
        // A link under content/ (to /usr, say) is not an input: never walk into it.
        let config = notify::Config::default().with_follow_symlinks(false);
        let mut debouncer =
            new_debouncer_opt(DEBOUNCE, None, handler, RecommendedCache::new(), config).map_err(
                |e| Diagnostic::error("serve::watch", format!("cannot watch files: {e}")),
            )?;
        // site.yaml, and input folders created or replaced later.
        debouncer
            .watch(root, RecursiveMode::NonRecursive)
            .map_err(|e| {
                Diagnostic::error(
                    "serve::watch",
                    format!("cannot watch {}: {e}", root.display()),
                )
                .help("check that the folder exists and can be read")
            })?;
        let watched = Arc::new(Mutex::new(Watched {
            debouncer,
            folders: BTreeMap::new(),
        }));
        lock(&watched).refresh(root);
        let root: PathBuf = root.to_path_buf();
        let rewatch = watched.clone();
        std::thread::spawn(move || {
            while let Ok(mut changed) = batches.recv() {
                // Saves that arrived while rebuilding need only one more rebuild.
                while let Ok(more) = batches.try_recv() {
                    changed.extend(more);
                }
                changed.sort();
                changed.dedup();
                // Before the rebuild reads them, so no save in a new folder is missed.
                lock(&rewatch).refresh(&root);
                let change = InputChange::classify(&root, &changed);
                rebuild(&shared, &root, &change);
            }
        });
        Ok(Watcher { _watched: watched })
    }
}

fn lock(watched: &Mutex<Watched>) -> std::sync::MutexGuard<'_, Watched> {
    watched.lock().unwrap_or_else(|e| e.into_inner())
}

impl Watched {
    /// Watches every input folder as it is now: new and replaced folders get a
    /// watch, removed ones lose theirs.
    fn refresh(&mut self, root: &Path) {
        for folder in input_folders(root) {
            let now = FolderId::of(&folder);
            if now.is_some() && self.folders.get(&folder) == now.as_ref() {
                continue;
            }
            if self.folders.remove(&folder).is_some() {
                let _ = self.debouncer.unwatch(&folder);
            }
            if let Some(id) = now {
                if self
                    .debouncer
                    .watch(&folder, RecursiveMode::Recursive)
                    .is_ok()
                {
                    self.folders.insert(folder, id);
                }
            }
        }
    }
}

/// The folders a build reads: `content/`, `locales/`, `themes/`, `redirects/`,
/// and the folder of each CSV map `site.yaml` names (when it loads).
fn input_folders(root: &Path) -> BTreeSet<PathBuf> {
    let mut folders: BTreeSet<PathBuf> = [
        crate::content::CONTENT_DIR,
        crate::i18n::LOCALES_DIR,
        "themes",
        "redirects",
    ]
    .iter()
    .map(|name| root.join(name))
    .collect();
    if let Ok(config) = crate::config::load(root) {
        for name in config.csv_maps() {
            if let Ok(path) = crate::paths::SitePath::parse(&name.value) {
                if let Some(folder) = path.under(root).parent().filter(|f| *f != root) {
                    folders.insert(folder.to_path_buf());
                }
            }
        }
    }
    folders
}

/// A folder's identity on disk; `None` when it is missing or not a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FolderId(u64, u64);

impl FolderId {
    #[cfg(unix)]
    fn of(path: &Path) -> Option<FolderId> {
        use std::os::unix::fs::MetadataExt;
        let metadata = std::fs::symlink_metadata(path).ok()?;
        metadata
            .is_dir()
            .then(|| FolderId(metadata.dev(), metadata.ino()))
    }

    #[cfg(not(unix))]
    fn of(path: &Path) -> Option<FolderId> {
        let metadata = std::fs::symlink_metadata(path).ok()?;
        let created = metadata.created().ok()?;
        let nanos = created
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        metadata.is_dir().then(|| FolderId(nanos as u64, 0))
    }
}

/// Site files, not editor swap files, backups or build output.
pub fn is_site_input(root: &Path, path: &Path) -> bool {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut components = relative.components().peekable();
    if let Some(Component::Normal(first)) = components.peek() {
        let first = first.to_string_lossy();
        if IGNORED_DIRS.contains(&first.as_ref()) || first.starts_with('.') {
            return false;
        }
    }
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary =
        name.starts_with('.') || name.ends_with(".tmp") || crate::fs::is_editor_temporary(&name);
    !temporary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_site_inputs_trigger_a_rebuild() {
        let root = Path::new("/site");
        assert!(is_site_input(root, Path::new("/site/content/en/index.md")));
        assert!(is_site_input(root, Path::new("/site/site.yaml")));
        assert!(!is_site_input(
            root,
            Path::new("/site/public/uk.po.co/index.html")
        ));
        assert!(!is_site_input(
            root,
            Path::new("/site/content/en/.index.md.swp")
        ));
        assert!(!is_site_input(
            root,
            Path::new("/site/content/en/index.md~")
        ));
        assert!(!is_site_input(root, Path::new("/site/content/en/4913")));
        assert!(!is_site_input(root, Path::new("/site/target/debug/x")));
        assert!(!is_site_input(
            root,
            Path::new("/site/.public.staging-7/uk/index.html")
        ));
    }
}
