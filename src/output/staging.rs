//! The staging folder a build writes into, and the swap that puts it in place.
//!
//! A build writes everything into `.<name>.staging-<pid>` beside the output folder
//! (same file system, so the swap is a rename), then exchanges the two in one
//! system call (`renameat2` with `RENAME_EXCHANGE` on Linux): the output folder is
//! always either the old complete output or the new one, even if the process is
//! killed. Systems without an atomic exchange get two renames; a crash between them
//! leaves the previous output in `.<name>.old-<pid>` and the next build starts clean.
//!
//! One build at a time writes to an output: a lock file beside it (`.<name>.lock`)
//! makes a second build wait. Holding the lock also proves that staging folders
//! left by a killed build are stale, so they are removed. Ctrl-C and SIGTERM
//! remove the staging folder of the build they interrupt.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::SystemTime;

use super::guard::{ClaimedOutput, MARKER};
use super::previous::PreviousOutput;
use crate::diagnostics::Diagnostic;
use crate::fs;
use rayon::prelude::*;

/// The output's lock, held: no other build writes to this output meanwhile.
/// Taken before anything is decided about the output (an unchanged site is
/// recognised under it too); a [`Staging`] folder keeps it until the swap.
pub struct LockedOutput {
    target: PathBuf,
    id: u64,
    _lock: OutputLock,
}

impl LockedOutput {
    /// Takes the output's lock, waiting for another build to finish.
    pub fn acquire(claimed: &ClaimedOutput) -> Result<LockedOutput, Diagnostic> {
        let target = claimed.path.clone();
        let parent = target.parent().unwrap_or(Path::new("/")).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|error| cannot_write_beside(&error, &target))?;
        let lock = OutputLock::acquire(&parent, &file_name(&target))?;
        let id = register(None, &lock.path);
        Ok(LockedOutput {
            target,
            id,
            _lock: lock,
        })
    }

    /// The output folder.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

impl Drop for LockedOutput {
    fn drop(&mut self) {
        unregister(self.id);
    }
}

/// A staging folder beside the output, swapped in on success.
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    id: u64,
    /// The output being replaced, to link unchanged files from.
    previous: Option<PreviousOutput>,
    locked: LockedOutput,
    /// Files found in folders that killed builds left, kept ([`remove_replaced`]).
    kept: Vec<Diagnostic>,
    /// When [`Staging::would_lose`] looked, as the file system stamps times.
    checked_from: Option<SystemTime>,
}

/// A swapped-in output: its lock, still held, and the files found in the old
/// output (or in folders killed builds left) that were kept rather than lost.
pub struct Committed {
    pub locked: LockedOutput,
    pub kept: Vec<Diagnostic>,
}

impl Staging {
    /// Takes the output's lock (waiting for another build), clears what killed
    /// builds left, checks that the old output can be removed after the swap, and
    /// creates the staging folder (its marker is written by [`Staging::commit`]).
    pub fn create(claimed: &ClaimedOutput) -> Result<Staging, Diagnostic> {
        Staging::create_in(LockedOutput::acquire(claimed)?)
    }

    /// [`Staging::create`] with the lock already held.
    pub fn create_in(locked: LockedOutput) -> Result<Staging, Diagnostic> {
        let target = locked.target.clone();
        let kept = remove_stale_siblings(&target);
        check_removable(&target)?;
        let dir = sibling(&target, "staging", std::process::id());
        std::fs::create_dir(&dir).map_err(|error| cannot_write_beside(&error, &target))?;
        register_as(locked.id, &dir);
        let mut staging = Staging {
            dir,
            target,
            id: locked.id,
            previous: None,
            locked,
            kept,
            checked_from: None,
        };
        // A file written here shows the owner and permissions every written
        // file gets: the old files to reuse must have the same.
        let probe = staging.dir.join(".handover-probe");
        fs::write(&probe, b"")?;
        let fresh = std::fs::metadata(&probe);
        let _ = std::fs::remove_file(&probe);
        staging.previous = fresh
            .ok()
            .and_then(|fresh| PreviousOutput::open(&staging.target, &fresh));
        Ok(staging)
    }

    /// The output folder this staging folder replaces.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// What the swap would lose ([`super::guard::lost_by_replacing`]). Notes
    /// when it looked: what changes after is kept when the old output is
    /// removed after the swap (see `remove_replaced`).
    pub fn would_lose(&mut self) -> Vec<String> {
        self.checked_from = stamp_in(&self.target);
        super::guard::lost_by_replacing(&self.target, &self.dir)
    }

    /// The output folder this staging folder will replace, to reuse its
    /// unchanged files (once).
    pub fn previous(&mut self) -> Option<PreviousOutput> {
        self.previous.take()
    }

    /// Replaces the target with the staged folder and removes the old output.
    /// Gives back the output's lock, still held, so what follows the swap (the
    /// record of what was built) is written before another build starts, with
    /// a warning for each folder of files that were kept rather than lost
    /// (see `remove_replaced`).
    /// When it fails, the error comes with those warnings.
    pub fn commit(self) -> Result<Committed, Vec<Diagnostic>> {
        // Its time is set again after the swap (see `mark_written`).
        let marker = super::guard::marker_text();
        if let Err(problem) = fs::write(&self.dir.join(MARKER), marker.as_bytes()) {
            let mut problems = vec![problem];
            problems.extend(self.abandon());
            return Err(problems);
        }
        pause_before_swap();
        let replaced = {
            // No interrupt handler runs while the folders change places.
            let _writes = WRITES.write().unwrap_or_else(|e| e.into_inner());
            let swapped = swap(&self.dir, &self.target);
            // After the swap, the handler leaves the old output alone: it may
            // hold a file added while the build ran, which the next build's
            // removal of stale folders keeps as this one's would.
            keep_only_lock(self.id);
            swapped
        };
        let mut kept = self.kept;
        match replaced {
            Ok(Some(old)) => {
                test_pause("HANDOVER_TEST_PAUSE_AFTER_SWAP_MS");
                // An interrupt waits for the removal to finish.
                while_not_interrupted(|| {
                    kept.extend(remove_replaced(&old, &self.target, self.checked_from));
                });
                // Removing the old names of the files linked from it changed
                // their status time: the marker's time is set after it.
                mark_written(&self.target);
            }
            Ok(None) => mark_written(&self.target),
            Err(error) => {
                let _ = std::fs::remove_dir_all(&self.dir);
                let problem = fs::io_error(&error, &self.target.display().to_string(), "replace");
                return Err([vec![problem], kept].concat());
            }
        }
        Ok(Committed {
            locked: self.locked,
            kept,
        })
    }

    /// Removes the staged folder, leaving the target untouched. Gives back the
    /// warnings about files kept from folders killed builds left: a failed
    /// build still says where they are.
    #[must_use = "a failed build still says where kept files are"]
    pub fn abandon(self) -> Vec<Diagnostic> {
        keep_only_lock(self.id);
        let _ = std::fs::remove_dir_all(&self.dir);
        self.kept
    }
}

/// Sets the output's marker's modification time to when the build had made
/// its last change there (after the old output's removal, which changes the
/// status of the files linked from it). Best effort: a marker left with an
/// earlier time makes the next build refuse files it reused, never lose one.
fn mark_written(output: &Path) {
    let Some(written_at) = stamp_in(output) else {
        return;
    };
    if let Ok(marker) = std::fs::File::options()
        .write(true)
        .open(output.join(MARKER))
    {
        let _ = marker.set_modified(written_at);
    }
}

/// [`last_change_stamped`] in `folder`, by a probe named after the marker
/// (which the scans for lost files skip).
fn stamp_in(folder: &Path) -> Option<SystemTime> {
    let probe = folder.join(format!("{MARKER}.{}", std::process::id()));
    let stamped = last_change_stamped(&probe);
    let _ = std::fs::remove_file(&probe);
    stamped
}

/// A status time no earlier than any change made so far, and earlier than
/// any change made after this returns, as the file system at `probe` stamps
/// them. It stamps with a clock that moves in ticks (4 ms at 250 Hz; a second
/// or two on some file systems), so a change in the same tick would get the
/// same time: the probe is written until its time moves past the first one.
fn last_change_stamped(probe: &Path) -> Option<SystemTime> {
    let stamp = || -> Option<SystemTime> {
        std::fs::write(probe, b".").ok()?;
        let metadata = std::fs::symlink_metadata(probe).ok()?;
        Some(crate::fs::change_time(&metadata))
    };
    let first = stamp()?;
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(3) {
        std::thread::sleep(std::time::Duration::from_millis(1));
        if stamp()? > first {
            return Some(first);
        }
    }
    None
}

/// Removes a folder this build owns, its top-level folders (one per domain) on
/// every core: at 40,000 pages a one-core removal of the old output takes
/// longer than a second. Each part goes through `remove_dir_all`, which does
/// not follow a symbolic link.
fn remove_folder(folder: &Path) {
    if let Ok(entries) = std::fs::read_dir(folder) {
        let parts: Vec<PathBuf> = entries
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
            .map(|entry| entry.path())
            .collect();
        parts.par_iter().for_each(|part| {
            let _ = std::fs::remove_dir_all(part);
        });
    }
    let _ = std::fs::remove_dir_all(folder);
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".to_string())
}

/// `.<name>.<kind>-<pid>` next to `target`.
fn sibling(target: &Path, kind: &str, pid: u32) -> PathBuf {
    target.with_file_name(format!(".{}.{kind}-{pid}", file_name(target)))
}

/// Removes `.<name>.staging-<pid>` and `.<name>.old-<pid>` folders that builds
/// killed before they could clean up left beside the output, but for the
/// files in them a build would have kept ([`remove_replaced`]). Only called
/// with the output's lock held, so no running build owns them.
fn remove_stale_siblings(target: &Path) -> Vec<Diagnostic> {
    let name = file_name(target);
    let Some(parent) = target.parent() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut kept = Vec::new();
    for entry in entries.flatten() {
        let entry_name = entry.file_name().to_string_lossy().into_owned();
        let stale = ["staging", "old"].iter().any(|kind| {
            entry_name
                .strip_prefix(&format!(".{name}.{kind}-"))
                .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        });
        if stale && entry.file_type().is_ok_and(|t| t.is_dir()) {
            kept.extend(remove_replaced(&entry.path(), target, None));
        }
    }
    kept
}

/// Removes `old`, an output that `now` replaced, but for what replacing it
/// would have lost: files added to the output, or edited there, while a
/// build ran, after the build had looked for them (since `checked_from`), or
/// in a folder a build killed after the swap left (since its marker's time,
/// [`super::guard::lost_by_replacing`]). Those are kept in a folder beside
/// the output, named in the warning returned.
fn remove_replaced(old: &Path, now: &Path, checked_from: Option<SystemTime>) -> Option<Diagnostic> {
    let Some(since) = checked_from.or_else(|| super::guard::written_at_of(old)) else {
        // An output of a handover that did not say when it was written.
        remove_folder(old);
        return None;
    };
    let added = super::guard::remove_all_but_lost(old, now, since);
    if added.is_empty() {
        return None;
    }
    let kept_in = unused_name(now, "kept");
    let kept_in = match std::fs::rename(old, &kept_in) {
        Ok(()) => {
            // The user's folder now: it is no output.
            let _ = std::fs::remove_file(kept_in.join(MARKER));
            kept_in
        }
        // Left where it is, hidden, with the marker that says since when
        // files are kept: the next build keeps them too.
        Err(_) => old.to_path_buf(),
    };
    Some(super::guard::kept_beside(now, &kept_in, &added))
}

/// `<name>.<kind>-<pid>` beside `target`, visible, with `-<n>` added when
/// that is taken.
fn unused_name(target: &Path, kind: &str) -> PathBuf {
    let base = format!("{}.{kind}-{}", file_name(target), std::process::id());
    (1..)
        .map(|n| match n {
            1 => target.with_file_name(&base),
            n => target.with_file_name(format!("{base}-{n}")),
        })
        .find(|path| std::fs::symlink_metadata(path).is_err())
        .expect("an unused name")
}

/// After the swap the old output is deleted: every folder in it must let us.
/// Checked before anything is built, so a read-only output fails up front.
fn check_removable(target: &Path) -> Result<(), Diagnostic> {
    if !target.is_dir() {
        return Ok(());
    }
    let not_writable = |path: &Path| (!writable(path)).then(|| path.to_path_buf());
    let first = not_writable(target).or_else(|| {
        fs::find_under(target, &|path, kind| {
            kind.is_dir().then(|| not_writable(path)).flatten()
        })
        .into_iter()
        .next()
    });
    if let Some(folder) = first {
        return Err(Diagnostic::error(
            "output::not-writable",
            format!(
                "{} cannot be changed: its permissions forbid writing",
                folder.display()
            ),
        )
        .help(format!(
            "give yourself write permission on {} (e.g. `chmod -R u+w {}`), \
             or build elsewhere with --output",
            target.display(),
            target.display()
        )));
    }
    Ok(())
}

#[cfg(unix)]
fn writable(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::WRITE_OK).is_ok()
}

#[cfg(not(unix))]
fn writable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.permissions().readonly())
}

fn cannot_write_beside(error: &std::io::Error, target: &Path) -> Diagnostic {
    let parent = target.parent().unwrap_or(target);
    Diagnostic::error(
        "output::not-writable",
        format!("cannot write beside {}: {error}", target.display()),
    )
    .help(format!(
        "a build is written next to its output, then swapped in: {} must be writable, \
         or build elsewhere with --output",
        parent.display()
    ))
}

/// Puts `staged` at `target`; returns where the previous output now is.
#[cfg(target_os = "linux")]
fn swap(staged: &Path, target: &Path) -> std::io::Result<Option<PathBuf>> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    let flags = if target.exists() {
        RenameFlags::EXCHANGE
    } else {
        RenameFlags::NOREPLACE
    };
    match renameat_with(CWD, staged, CWD, target, flags) {
        Ok(()) if flags == RenameFlags::EXCHANGE => Ok(Some(staged.to_path_buf())),
        Ok(()) => Ok(None),
        // File systems without renameat2 flags (some network ones) get the fallback.
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS | rustix::io::Errno::OPNOTSUPP) => {
            swap_by_two_renames(staged, target)
        }
        Err(errno) => Err(errno.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(staged: &Path, target: &Path) -> std::io::Result<Option<PathBuf>> {
    swap_by_two_renames(staged, target)
}

/// The portable swap: move the old output aside, move the new one in. A crash
/// between the two leaves no output folder, but both copies stay on disk.
fn swap_by_two_renames(staged: &Path, target: &Path) -> std::io::Result<Option<PathBuf>> {
    if !target.exists() {
        std::fs::rename(staged, target)?;
        return Ok(None);
    }
    let old = sibling(target, "old", std::process::id());
    std::fs::rename(target, &old)?;
    if let Err(error) = std::fs::rename(staged, target) {
        let _ = std::fs::rename(&old, target);
        return Err(error);
    }
    Ok(Some(old))
}

/// Tests kill a build at the moment of the swap: in debug builds,
/// `HANDOVER_TEST_PAUSE_BEFORE_SWAP_MS` holds it there.
fn pause_before_swap() {
    test_pause("HANDOVER_TEST_PAUSE_BEFORE_SWAP_MS");
}

/// In debug builds, waits the milliseconds the environment `variable` holds:
/// tests catch a build at a given moment.
pub fn test_pause(variable: &str) {
    if cfg!(debug_assertions) {
        if let Some(ms) = std::env::var(variable).ok().and_then(|v| v.parse().ok()) {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
}

/// `.<name>.lock` beside the output, held for the whole build. It is removed
/// before it is released; a build that waited on a removed file takes the lock
/// again on the new one, so the file on disk is always the one that counts.
struct OutputLock {
    path: PathBuf,
    file: File,
}

impl OutputLock {
    fn acquire(parent: &Path, name: &str) -> Result<OutputLock, Diagnostic> {
        let path = parent.join(format!(".{name}.lock"));
        let mut told = false;
        loop {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&path)
                .map_err(|error| cannot_write_beside(&error, &parent.join(name)))?;
            if file.try_lock().is_err() {
                if !told {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    eprintln!(
                        "waiting for another build writing to {} ({})",
                        parent.join(name).display(),
                        match holder.trim() {
                            "" => "a handover process".to_string(),
                            pid => format!("process {pid}"),
                        }
                    );
                    told = true;
                }
                file.lock()
                    .map_err(|error| cannot_write_beside(&error, &parent.join(name)))?;
            }
            if same_file(&file, &path) {
                let mut lock = OutputLock { path, file };
                let _ = lock.file.set_len(0);
                let _ = write!(lock.file, "{}", std::process::id());
                return Ok(lock);
            }
        }
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still held: see the type's comment.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Staging folders of this process (or the old output they became after the
/// swap) and their output's lock file, for the interrupt handler.
static ACTIVE: Mutex<BTreeMap<u64, (Option<PathBuf>, PathBuf)>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);
/// Every file write holds it for reading; the interrupt handler and the swap
/// hold it for writing, so no write lands in a folder being removed or moved.
/// `true` once interrupted.
static WRITES: RwLock<bool> = RwLock::new(false);

fn register(dir: Option<&Path>, lock: &Path) -> u64 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    ACTIVE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(id, (dir.map(Path::to_path_buf), lock.to_path_buf()));
    id
}

fn register_as(id: u64, dir: &Path) {
    if let Some(entry) = ACTIVE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_mut(&id)
    {
        entry.0 = Some(dir.to_path_buf());
    }
}

/// After the swap or abandon: only the lock is left for the interrupt handler.
fn keep_only_lock(id: u64) {
    if let Some(entry) = ACTIVE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_mut(&id)
    {
        entry.0 = None;
    }
}

fn unregister(id: u64) {
    ACTIVE.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
}

/// Runs `write` unless the build was interrupted; false when it was.
pub fn while_not_interrupted(write: impl FnOnce()) -> bool {
    let interrupted = WRITES.read().unwrap_or_else(|e| e.into_inner());
    if *interrupted {
        return false;
    }
    write();
    true
}

/// On Ctrl-C, SIGTERM or SIGHUP: wait for the writes in progress, remove every
/// staging folder of this process, and exit with 130. The output is untouched.
pub fn remove_staging_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        let mut interrupted = WRITES.write().unwrap_or_else(|e| e.into_inner());
        *interrupted = true;
        let active = std::mem::take(&mut *ACTIVE.lock().unwrap_or_else(|e| e.into_inner()));
        for (dir, lock) in active.values() {
            if let Some(dir) = dir {
                let _ = std::fs::remove_dir_all(dir);
            }
            // Still held by this process until it exits: see `OutputLock`.
            let _ = std::fs::remove_file(lock);
        }
        eprintln!("interrupted: the build was stopped and its staging folder removed");
        std::process::exit(130);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(path: &Path) -> ClaimedOutput {
        ClaimedOutput {
            path: path.to_path_buf(),
        }
    }

    fn siblings(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_build_leaves_the_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        std::fs::create_dir_all(target.join("old")).unwrap();
        std::fs::write(target.join("old/index.html"), "before").unwrap();
        let staging = Staging::create(&claimed(&target)).unwrap();
        std::fs::write(staging.dir.join("half"), "x").unwrap();
        assert!(staging.abandon().is_empty());
        assert_eq!(
            std::fs::read_to_string(target.join("old/index.html")).unwrap(),
            "before"
        );
        let staging = Staging::create(&claimed(&target)).unwrap();
        std::fs::write(staging.dir.join("new"), "after").unwrap();
        staging.commit().unwrap();
        assert!(!target.join("old").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("new")).unwrap(),
            "after"
        );
        assert!(target.join(MARKER).is_file());
        assert_eq!(siblings(dir.path()), ["public"], "nothing left behind");
    }

    #[test]
    fn folders_left_by_killed_builds_are_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        for stale in [
            ".public.staging-1",
            ".public.old-4242",
            ".public.staging-77",
        ] {
            std::fs::create_dir_all(dir.path().join(stale).join("www.example")).unwrap();
        }
        // Not ours: similar names that handover never writes.
        std::fs::create_dir(dir.path().join(".public.staging-notes")).unwrap();
        std::fs::write(dir.path().join(".public.old-1"), "a file").unwrap();
        std::fs::write(dir.path().join(".public.lock"), "1").unwrap();
        let staging = Staging::create(&claimed(&target)).unwrap();
        staging.commit().unwrap();
        assert_eq!(
            siblings(dir.path()),
            [".public.old-1", ".public.staging-notes", "public"]
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_swap_is_one_exchange_that_leaves_the_old_output_beside() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        let staged = dir.path().join("staged");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("v"), "old").unwrap();
        std::fs::create_dir(&staged).unwrap();
        std::fs::write(staged.join("v"), "new").unwrap();
        let old = swap(&staged, &target).unwrap().unwrap();
        assert_eq!(
            old, staged,
            "the old output takes the staging folder's place"
        );
        assert_eq!(std::fs::read_to_string(target.join("v")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(old.join("v")).unwrap(), "old");
    }

    /// An old output beside `now`, its marker timed at `written_at`: a file
    /// linked into `now`, one `now` holds with the same bytes, one it holds
    /// with others, and one it does not hold.
    #[cfg(unix)]
    fn replaced_output(dir: &Path, written_at: std::time::SystemTime) -> (PathBuf, PathBuf) {
        let (old, now) = (dir.join(".public.staging-1"), dir.join("public"));
        for folder in [&old, &now] {
            std::fs::create_dir_all(folder.join("www.example/help")).unwrap();
        }
        std::fs::write(old.join("www.example/linked.html"), "linked").unwrap();
        std::fs::hard_link(
            old.join("www.example/linked.html"),
            now.join("www.example/linked.html"),
        )
        .unwrap();
        for (name, old_bytes, new_bytes) in [
            ("www.example/same.html", "same", "same"),
            ("www.example/help/index.html", "before", "after"),
        ] {
            std::fs::write(old.join(name), old_bytes).unwrap();
            std::fs::write(now.join(name), new_bytes).unwrap();
        }
        std::fs::write(old.join("www.example/google1234.html"), "verify").unwrap();
        std::fs::write(old.join(MARKER), super::super::guard::marker_text()).unwrap();
        std::fs::File::options()
            .write(true)
            .open(old.join(MARKER))
            .unwrap()
            .set_modified(written_at)
            .unwrap();
        (old, now)
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_output_is_removed_but_for_what_changed_after_its_build_and_is_not_kept() {
        let hour = std::time::Duration::from_secs(3600);
        // Its build was after every file's last change: all go.
        let dir = tempfile::tempdir().unwrap();
        let (old, now) = replaced_output(dir.path(), std::time::SystemTime::now() + hour);
        assert!(remove_replaced(&old, &now, None).is_none());
        assert_eq!(siblings(dir.path()), ["public"]);
        // Its build was before: what `now` does not hold as it is stays, in
        // a folder that says so.
        let dir = tempfile::tempdir().unwrap();
        let (old, now) = replaced_output(dir.path(), std::time::SystemTime::now() - hour);
        let warning = remove_replaced(&old, &now, None).expect("files kept");
        let kept_in = format!("public.kept-{}", std::process::id());
        assert_eq!(siblings(dir.path()), ["public", kept_in.as_str()]);
        let kept: Vec<String> = walkdir::WalkDir::new(dir.path().join(&kept_in))
            .min_depth(1)
            .sort_by_file_name()
            .into_iter()
            .map(|entry| {
                entry
                    .unwrap()
                    .path()
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        let kept_in = |name: &str| format!("{kept_in}/{name}");
        assert_eq!(
            kept,
            [
                kept_in("www.example"),
                kept_in("www.example/google1234.html"),
                kept_in("www.example/help"),
                kept_in("www.example/help/index.html"),
            ]
        );
        assert!(
            warning
                .message
                .contains("www.example/google1234.html, www.example/help/index.html"),
            "{}",
            warning.message
        );
        assert_eq!(
            std::fs::read_to_string(now.join("www.example/linked.html")).unwrap(),
            "linked"
        );
    }

    #[test]
    fn the_lock_file_is_gone_after_the_build() {
        let dir = tempfile::tempdir().unwrap();
        let lock = OutputLock::acquire(dir.path(), "public").unwrap();
        assert!(dir.path().join(".public.lock").is_file());
        drop(lock);
        assert!(siblings(dir.path()).is_empty());
    }
}
