//! Which folder a build may replace.
//!
//! `build` replaces its output folder as a whole, so pointing `--output` at the
//! wrong place must never cost the user a file. A folder is replaced only when it
//! is missing, empty, or carries the [`MARKER`] that handover leaves at the top of
//! every output it writes (beside the domain folders, so no CDN deploys it). The
//! site root, anything that contains it, and every input folder are refused even
//! with the marker: no flag overrides that.

use std::path::{Component, Path, PathBuf};

use crate::config::SiteConfig;
use crate::diagnostics::Diagnostic;

/// The file at the top of every output folder handover writes.
pub const MARKER: &str = ".handover-output";

/// The marker's text: it says why it is there.
pub fn marker_text() -> String {
    format!(
        "This folder was written by handover {}.\n\
         `handover build` replaces it as a whole: keep nothing else in it.\n",
        env!("CARGO_PKG_VERSION")
    )
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
