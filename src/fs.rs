//! File-system calls that name the path in their errors.
//!
//! Every read and write in handover goes through here, so a failure always tells the
//! user which file, relative to the site root, and what to do.

use std::path::Path;

use crate::diagnostics::Diagnostic;

/// Reads a UTF-8 file; `shown` is the path as the user knows it.
pub fn read_to_string(path: &Path, shown: &str) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|error| io_error(&error, shown, "read"))?;
    String::from_utf8(bytes).map_err(|error| {
        Diagnostic::error("io::not-utf8", format!("{shown} is not valid UTF-8 text"))
            .in_file(shown)
            .help(format!(
                "save the file as UTF-8 (the first bad byte is at offset {})",
                error.utf8_error().valid_up_to()
            ))
    })
}

pub fn read(path: &Path, shown: &str) -> Result<Vec<u8>, Diagnostic> {
    std::fs::read(path).map_err(|error| io_error(&error, shown, "read"))
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|error| io_error(&error, &parent.display().to_string(), "create"))?;
    }
    std::fs::write(path, bytes)
        .map_err(|error| io_error(&error, &path.display().to_string(), "write"))
}

/// The names of the sub-folders of `dir`, sorted; empty when it cannot be read.
pub fn folder_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

/// The path relative to `root` with `/` separators, as shown to users.
pub fn shown_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

pub fn io_error(error: &std::io::Error, shown: &str, verb: &str) -> Diagnostic {
    let help = match error.kind() {
        std::io::ErrorKind::NotFound => "check the path; handover looks relative to the site root",
        std::io::ErrorKind::PermissionDenied => "check the file's permissions",
        _ => "check the disk and the path",
    };
    Diagnostic::error("io::failed", format!("could not {verb} {shown}: {error}"))
        .in_file(shown)
        .help(help)
}
