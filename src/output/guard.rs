//! Which folder a build may replace.
//!
//! `build` replaces its output folder as a whole, so pointing `--output` at the
//! wrong place must never cost the user a file. A folder is replaced only when it
//! is missing, empty, or carries the [`MARKER`] that handover leaves at the top of
//! every output it writes (beside the domain folders, so no CDN deploys it);
//! and even then the swap stops at a file added or changed in it since the
//! build that left the marker ([`lost_by_replacing`]). The site root, anything
//! that contains it, and every input folder are refused even with the marker:
//! no flag overrides that.

use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::diagnostics::Diagnostic;

/// The file at the top of every output folder handover writes.
pub const MARKER: &str = ".handover-output";

/// The marker's text: it says why it is there. Its modification time says
/// when the build had written every file of the folder (after its last
/// change, before the next tick of the file system's clock), so that the next
/// build can tell a file added or changed since. The time is not in the text:
/// the same site builds to the same bytes.
pub fn marker_text() -> String {
    format!(
        "This folder was written by handover {}.\n\
         `handover build` replaces it as a whole: keep nothing else in it.\n\
         {WRITTEN_AT}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The marker's line that says its modification time means something.
const WRITTEN_AT: &str = "A build stops rather than lose a file added or changed here after this file's modification time.";

/// When the build that wrote the marker at `marker` had written its folder;
/// `None` for a marker of a handover that did not say.
fn written_at(marker: &Path) -> Option<SystemTime> {
    let text = std::fs::read_to_string(marker).ok()?;
    if !text.lines().any(|line| line == WRITTEN_AT) {
        return None;
    }
    std::fs::symlink_metadata(marker).ok()?.modified().ok()
}

/// An output folder the build may replace: absolute, symlinks resolved.
#[derive(Debug, Clone)]
pub struct ClaimedOutput {
    pub path: PathBuf,
}

/// Checks that `output` may be replaced by a build of the site in `config`.
/// Refusals are meant for exit code 2: the command cannot run as asked.
pub fn claim(output: &Path, config: &SiteConfig) -> Result<ClaimedOutput, Diagnostic> {
    let shown = output.display().to_string();
    if output.is_symlink() {
        return Err(refusal(
            format!("the output folder {shown} is a symbolic link"),
            "give the folder it points to with --output, so it is clear what is replaced",
        ));
    }
    let path = resolve(output).map_err(|error| {
        refusal(
            format!("could not find where {shown} is: {error}"),
            "check the path given with --output",
        )
    })?;
    let root = resolve(&config.root).unwrap_or_else(|_| config.root.clone());
    if root.starts_with(&path) {
        return Err(refusal(
            format!("the output folder {shown} holds the site itself"),
            "build into a folder of its own, e.g. --output public (the default)",
        ));
    }
    for input in input_paths(config) {
        let input = resolve(&input).unwrap_or(input);
        if path.starts_with(&input) || input.starts_with(&path) {
            let name = crate::fs::shown_path(&root, &input);
            return Err(refusal(
                format!("the output folder {shown} would replace the site's input {name}"),
                "build into a folder that holds no input, e.g. --output public (the default)",
            ));
        }
    }
    check_existing(&path, &shown, config)?;
    Ok(ClaimedOutput { path })
}

/// The inputs a build reads: every folder and file `site.yaml` points at.
pub fn input_paths(config: &SiteConfig) -> Vec<PathBuf> {
    let root = &config.root;
    let mut inputs = vec![
        root.join(crate::config::CONFIG_FILE),
        root.join(crate::content::CONTENT_DIR),
        root.join(crate::i18n::LOCALES_DIR),
        root.join("themes"),
        root.join("redirects"),
    ];
    for name in config.csv_maps() {
        let file = root.join(&name.value);
        if let Some(folder) = file.parent().filter(|folder| *folder != root.as_path()) {
            inputs.push(folder.to_path_buf());
        }
        inputs.push(file);
    }
    inputs
}

/// An existing output must be a plain folder handover wrote, on the same file
/// system as its parent (a mount point cannot be swapped).
fn check_existing(path: &Path, shown: &str, config: &SiteConfig) -> Result<(), Diagnostic> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(refusal(
                format!("could not read {shown}: {error}"),
                "check the path given with --output and its permissions",
            ))
        }
    };
    if !metadata.is_dir() {
        return Err(refusal(
            format!("the output {shown} is a file, not a folder"),
            "give a folder with --output",
        ));
    }
    if is_mount_point(path, &metadata) {
        return Err(refusal(
            format!("the output folder {shown} is a mount point"),
            format!(
                "a build replaces its output folder as a whole, which a mount point cannot be: \
                 build into a folder inside it, e.g. --output {}",
                path.join("site").display()
            ),
        ));
    }
    if path.join(MARKER).is_file() || is_earlier_output(path, config) {
        return Ok(());
    }
    let entries = first_entries(path);
    if entries.is_empty() {
        return Ok(());
    }
    Err(refusal(
        format!(
            "the output folder {shown} holds files that handover did not write: {}",
            entries.join(", ")
        ),
        format!(
            "handover replaces only a folder it wrote (one with a `{MARKER}` file): \
             choose another --output, or move these files away yourself"
        ),
    ))
}

/// What replacing `output` with `staged` would lose: the files (and symbolic
/// links) in it added or changed since the build that left its marker (their
/// status time is later than the marker says: a verification file dropped
/// into a domain folder, a page edited in place) that `staged` does not hold
/// with the same bytes. By path relative to `output`, sorted. A file removed
/// by hand costs nothing, and neither does one whose owner or permissions
/// changed: the build writes its bytes again. Call with the output's lock
/// held, so that no other build is changing it.
pub fn lost_by_replacing(output: &Path, staged: &Path) -> Vec<String> {
    let Some(written_at) = written_at(&output.join(MARKER)) else {
        // No record of when: output of a handover that did not say, replaced
        // as before (or no output at all).
        return Vec::new();
    };
    lost_files(output, staged, written_at)
}

/// When the build that wrote `output` had written it, if its marker says.
pub fn written_at_of(output: &Path) -> Option<SystemTime> {
    written_at(&output.join(MARKER))
}

/// `staged` keeps the bytes of the old file at `old`: it is the same file
/// (linked from the old output, which changed its status time) or a regular
/// file with the same bytes.
fn kept_in(old: &Path, old_metadata: &std::fs::Metadata, staged: &Path) -> bool {
    let Ok(new_metadata) = std::fs::symlink_metadata(staged) else {
        return false;
    };
    if same_file(old_metadata, &new_metadata) {
        return true;
    }
    old_metadata.is_file()
        && new_metadata.is_file()
        && old_metadata.len() == new_metadata.len()
        && matches!((std::fs::read(old), std::fs::read(staged)), (Ok(a), Ok(b)) if a == b)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// The refusal for files a build would lose ([`lost_by_replacing`]).
pub fn refuse_to_lose(shown: &str, lost: &[String]) -> Diagnostic {
    refusal(
        format!(
            "the output folder {shown} holds files added or changed after handover wrote it, which the build would lose: {}",
            first_five(lost)
        ),
        format!(
            "move them out of {shown} to keep them, or delete them (the build writes its own files again); \
             {WHERE_FILES_GO}"
        ),
    )
}

/// Where a file to publish beside the site goes, since not in the output.
const WHERE_FILES_GO: &str = "a file to serve beside the site belongs in the deploy step, added to a copy of the domain folder, \
     and a search engine's verification can be a meta tag in the theme's templates";

/// The warning for files added to the output `now` in place while a build
/// ran, after it had looked for them: they were moved with the old output,
/// and kept in `kept_in` rather than removed with it.
pub fn kept_beside(now: &Path, kept_in: &Path, kept: &[String]) -> Diagnostic {
    Diagnostic::warning(
        "output::kept-beside",
        format!(
            "files were added to or changed in {} while the build ran, after it had checked the folder; \
             they are not in the new output but were kept in {}: {}",
            now.display(),
            kept_in.display(),
            first_five(kept)
        ),
    )
    .help(format!(
        "move them where they belong and delete {}: a build replaces its output folder as a whole, \
         so nothing should be added to it while one runs; {WHERE_FILES_GO}",
        kept_in.display()
    ))
}

/// Up to five of `names`, and how many more.
fn first_five(names: &[String]) -> String {
    let more = names.len().saturating_sub(5);
    let mut shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
    let rest = format!("and {more} more");
    if more > 0 {
        shown.push(&rest);
    }
    shown.join(", ")
}

/// The files (and symbolic links) under `output` changed after `time` that
/// `staged` does not keep ([`kept_in`]), by path relative to `output`,
/// sorted; the marker (and its probe) aside. Folders are not counted: one changes when a file
/// in it is removed, which loses nothing. Read on every core: an output of
/// 100,000 pages holds as many files.
fn lost_files(output: &Path, staged: &Path, time: SystemTime) -> Vec<String> {
    sweep(output, staged, time, false)
}

/// Removes `output`, which `staged` replaced, but for the files
/// [`lost_by_replacing`] would find after `time`: it then holds only them,
/// and its marker. Returns them.
pub fn remove_all_but_lost(output: &Path, staged: &Path, time: SystemTime) -> Vec<String> {
    sweep(output, staged, time, true)
}

/// Finds the files lost by replacing `output` with `staged` ([`lost_files`]),
/// and with `remove`, removes everything else as it goes (a file is looked
/// at just before it would be removed), and `output` when nothing is lost.
fn sweep(output: &Path, staged: &Path, time: SystemTime, remove: bool) -> Vec<String> {
    let tops: Vec<PathBuf> = std::fs::read_dir(output)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .collect();
    // The marker, and the probe that timed it if a build died there.
    let ours = |top: &Path| {
        top.file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with(MARKER))
    };
    let mut lost: Vec<String> = tops
        .par_iter()
        .filter(|top| !ours(top))
        .flat_map_iter(|top| {
            let mut lost = Vec::new();
            let entries = walkdir::WalkDir::new(top)
                .follow_links(false)
                .contents_first(remove);
            for entry in entries.into_iter().flatten() {
                if entry.file_type().is_dir() {
                    if remove {
                        // Fails, as it should, when a file in it is lost.
                        let _ = std::fs::remove_dir(entry.path());
                    }
                    continue;
                }
                match lost_file(&entry, output, staged, time) {
                    Some(name) => lost.push(name),
                    None if remove => {
                        let _ = std::fs::remove_file(entry.path());
                    }
                    None => {}
                }
            }
            lost
        })
        .collect();
    // The marker goes last: a folder of lost files keeps the time they are
    // compared with.
    if remove && lost.is_empty() {
        for top in tops.iter().filter(|top| ours(top)) {
            let _ = std::fs::remove_file(top);
        }
        let _ = std::fs::remove_dir(output);
    }
    lost.sort();
    lost
}

/// The path of `entry` relative to `output` when it changed after `time` and
/// `staged` does not keep it ([`kept_in`]).
fn lost_file(
    entry: &walkdir::DirEntry,
    output: &Path,
    staged: &Path,
    time: SystemTime,
) -> Option<String> {
    let metadata = entry.metadata().ok()?;
    if crate::fs::change_time(&metadata) <= time {
        return None;
    }
    let relative = entry.path().strip_prefix(output).ok()?;
    let kept = kept_in(entry.path(), &metadata, &staged.join(relative));
    (!kept).then(|| relative.to_string_lossy().into_owned())
}

/// Output written before handover left its marker: nothing but folders named
/// after the site's domains (and the Cloudflare bulk lists), each with the
/// `_redirects` handover writes. Upgrading must not make the user delete it.
fn is_earlier_output(path: &Path, config: &SiteConfig) -> bool {
    let Ok(entries) = std::fs::read_dir(path) else {
        return false;
    };
    let mut domains = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if name == crate::pipeline::CLOUDFLARE_BULK_DIR && is_dir {
            continue;
        }
        let ours = is_dir
            && config.regions.iter().any(|r| r.domain == name)
            && std::fs::read_to_string(entry.path().join("_redirects"))
                .is_ok_and(|text| text.starts_with("# Generated by handover"));
        if !ours {
            return false;
        }
        domains += 1;
    }
    domains > 0
}

/// Up to five names in `dir`, sorted, and how many more there are.
fn first_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let more = names.len().saturating_sub(5);
    names.truncate(5);
    if more > 0 {
        names.push(format!("and {more} more"));
    }
    names
}

#[cfg(unix)]
fn is_mount_point(path: &Path, metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let parent = path.parent().unwrap_or(path);
    match std::fs::metadata(parent) {
        Ok(parent) => parent.dev() != metadata.dev() || parent.ino() == metadata.ino(),
        Err(_) => false,
    }
}

#[cfg(not(unix))]
fn is_mount_point(_path: &Path, _metadata: &std::fs::Metadata) -> bool {
    false
}

fn refusal(message: String, help: impl Into<String>) -> Diagnostic {
    Diagnostic::error("output::refused", message).help(help)
}

/// The absolute path with every symlink of its existing part resolved, and the
/// rest (which does not exist yet) appended with `.` and `..` applied.
pub fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let components: Vec<Component> = absolute.components().collect();
    for existing in (1..=components.len()).rev() {
        let prefix: PathBuf = components[..existing].iter().collect();
        let Ok(mut resolved) = prefix.canonicalize() else {
            continue;
        };
        for component in &components[existing..] {
            match component {
                Component::ParentDir => {
                    resolved.pop();
                }
                Component::CurDir => {}
                other => resolved.push(other),
            }
        }
        return Ok(resolved);
    }
    Ok(absolute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_changed_since_the_marker_and_not_staged_as_they_are_would_be_lost() {
        let dir = tempfile::tempdir().unwrap();
        let (output, staged) = (dir.path().join("out"), dir.path().join("staged"));
        for folder in [&output, &staged] {
            std::fs::create_dir_all(folder.join("a.example/page")).unwrap();
            std::fs::write(folder.join("a.example/page/index.html"), "page").unwrap();
        }
        std::fs::write(output.join("a.example/old.html"), "removed from the site").unwrap();
        // As a build marks its folder: after its last change, in a later tick.
        std::thread::sleep(std::time::Duration::from_millis(30));
        std::fs::write(output.join(MARKER), marker_text()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert!(lost_by_replacing(&output, &staged).is_empty());
        // Added by hand; edited to other bytes; edited to the bytes the build
        // writes anyway; a folder added empty.
        std::fs::write(output.join("a.example/google1.html"), "verify").unwrap();
        std::fs::write(output.join("a.example/page/index.html"), "fixed").unwrap();
        std::fs::create_dir(output.join("a.example/empty")).unwrap();
        assert_eq!(
            lost_by_replacing(&output, &staged),
            ["a.example/google1.html", "a.example/page/index.html"]
        );
        std::fs::write(output.join("a.example/page/index.html"), "page").unwrap();
        assert_eq!(
            lost_by_replacing(&output, &staged),
            ["a.example/google1.html"]
        );
        // The marker of an older handover, whose time meant nothing: nothing
        // is known.
        let old = marker_text().replace(WRITTEN_AT, "");
        std::fs::write(output.join(MARKER), old).unwrap();
        std::fs::File::options()
            .write(true)
            .open(output.join(MARKER))
            .unwrap()
            .set_modified(SystemTime::UNIX_EPOCH)
            .unwrap();
        assert!(lost_by_replacing(&output, &staged).is_empty());
        // Its time, once it says that it means something.
        std::fs::write(output.join(MARKER), marker_text()).unwrap();
        assert_eq!(
            written_at(&output.join(MARKER)).map(|t| t > SystemTime::UNIX_EPOCH),
            Some(true)
        );
    }

    #[test]
    fn resolve_applies_dot_dot_past_the_existing_part() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        assert_eq!(
            resolve(&dir.path().join("new/../other")).unwrap(),
            base.join("other")
        );
        assert_eq!(resolve(&dir.path().join(".")).unwrap(), base);
    }

    #[cfg(unix)]
    #[test]
    fn resolve_follows_links_of_the_existing_part() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        std::fs::create_dir(base.join("real")).unwrap();
        std::os::unix::fs::symlink(base.join("real"), base.join("link")).unwrap();
        assert_eq!(
            resolve(&base.join("link/public")).unwrap(),
            base.join("real/public")
        );
    }
}
