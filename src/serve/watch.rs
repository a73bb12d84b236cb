//! Watching the site folder: debounced file events (an editor's write-then-rename
//! save arrives as one change), filtered to the files a build reads, each batch
//! followed by one rebuild on a thread of its own.

use std::path::{Component, Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

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
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
}

impl Watcher {
    pub fn start(root: &Path, shared: Arc<Shared>, verbose: bool) -> Result<Watcher, Diagnostic> {
        // Events carry absolute paths: compare them with an absolute root.
        let root = &root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let (events, batches) = mpsc::channel::<Vec<PathBuf>>();
        let watched_root = root.to_path_buf();
        let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
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
        })
        .map_err(|e| Diagnostic::error("serve::watch", format!("cannot watch files: {e}")))?;
        for (path, mode) in watched_paths(root) {
            debouncer.watch(&path, mode).map_err(|e| {
                Diagnostic::error(
                    "serve::watch",
                    format!("cannot watch {}: {e}", path.display()),
                )
                .help("check that the folder exists and can be read")
            })?;
        }
        let root: PathBuf = root.to_path_buf();
        std::thread::spawn(move || {
            while let Ok(mut changed) = batches.recv() {
                // Saves that arrived while rebuilding need only one more rebuild.
                while let Ok(more) = batches.try_recv() {
                    changed.extend(more);
                }
                changed.sort();
                changed.dedup();
                let change = InputChange::classify(&root, &changed);
                rebuild(&shared, &root, &change, verbose);
            }
        });
        Ok(Watcher {
            _debouncer: debouncer,
        })
    }
}

/// The root itself (for site.yaml) and, recursively, every folder in it except
/// build output, dependencies and hidden folders: `target/` alone could use up
/// the system's inotify watches.
fn watched_paths(root: &Path) -> Vec<(PathBuf, RecursiveMode)> {
    let mut paths = vec![(root.to_path_buf(), RecursiveMode::NonRecursive)];
    let mut folders: Vec<PathBuf> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.path())
        .filter(|path| is_site_input(root, &path.join("x")))
        .collect();
    folders.sort();
    paths.extend(folders.into_iter().map(|p| (p, RecursiveMode::Recursive)));
    paths
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
    let temporary = name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913";
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
