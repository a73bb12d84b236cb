//! An unchanged site is not built again.
//!
//! After a successful build, a small record is written beside the output folder
//! (`.<name>.cache`, never inside it, so no CDN deploys it): a fingerprint of
//! everything the build depended on, a fingerprint of the output folder as the
//! build left it, and the build's report. The next build compares:
//!
//! - the inputs: every file and folder under the site's inputs (`site.yaml`,
//!   `content/`, `locales/`, `themes/`, `redirects/`, each CSV map `site.yaml`
//!   names), by path, size, modification and change time, and inode, through
//!   symbolic links;
//! - the binary (its version and the executable file's size, time and inode),
//!   and what else decides the bytes: `--as-of` or today's date;
//! - the output folder: every entry by path, size, time and inode, so a file
//!   removed there by hand is put back by the next build (one added or edited
//!   there stops it: see [`crate::output::guard::lost_by_replacing`]).
//!
//! When all of them match, the output is already what a build would write: the
//! build leaves it as it is and shows the report of the build that wrote it. Any
//! difference, and any doubt (a record that cannot be read, an input modified
//! within a second of the fingerprint, where a coarse file system clock could hide
//! a second edit), means a full build: a stale record can cost time, never bytes.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, Related, Report, Severity, SourceFile, Span};
use crate::redirects::phase::IsoDate;

/// Bumped when the record's meaning changes.
const FORMAT: u32 = 3;

/// Inputs modified this close to the fingerprint are not trusted to be unchanged.
const RACY: Duration = Duration::from_secs(1);

/// What the build's bytes depend on, as of before it read anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    inputs: String,
    binary: String,
    date: String,
    /// False when an input was modified too recently to be trusted, or the
    /// binary's own file could not be read.
    trusted: bool,
}

/// What the record holds.
#[derive(Serialize, Deserialize)]
struct Record {
    format: u32,
    binary: String,
    date: String,
    inputs: String,
    output: String,
    files: usize,
    domains: Vec<String>,
    diagnostics: Vec<StoredDiagnostic>,
}

/// What an unchanged build reports: the report of the build that wrote the output.
pub struct Unchanged {
    pub report: Report,
    pub files: usize,
    pub domains: Vec<String>,
}

impl Fingerprint {
    /// Fingerprints the inputs of the site in `config`, built for `as_of`.
    pub fn of(config: &SiteConfig, inputs: &[PathBuf], as_of: Option<IsoDate>) -> Fingerprint {
        let started = SystemTime::now();
        let mut hash = Sha256::new();
        let mut newest = SystemTime::UNIX_EPOCH;
        hash.update(config.root.to_string_lossy().as_bytes());
        hash.update([0]);
        for input in inputs {
            let shown = crate::fs::shown_path(&config.root, input);
            hash.update(shown.as_bytes());
            hash.update([0]);
            // A symbolic link is read through by the build: what it points at
            // is the input (a link that changes target changes the identity).
            let tree = Tree::of(input, true, &[]);
            hash.update(tree.digest);
            newest = newest.max(tree.newest);
            // A missing input is a state of its own.
            hash.update(if input.exists() { b"+" } else { b"-" });
        }
        // A binary that cannot tell what file it is could be replaced unseen.
        let binary = binary_identity();
        let trusted = newest + RACY < started && binary.is_some();
        Fingerprint {
            inputs: hex(&hash.finalize()),
            binary: binary.unwrap_or_default(),
            date: as_of.unwrap_or_else(IsoDate::today).to_string(),
            trusted,
        }
    }
}

/// The record beside `target`.
fn record_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".to_string());
    target.with_file_name(format!(".{name}.cache"))
}

/// The build that wrote `target` had this fingerprint and the output is still
/// as it left it: its report. Call with the output's lock held.
pub fn check(target: &Path, fingerprint: &Fingerprint) -> Option<Unchanged> {
    if !fingerprint.trusted {
        return None;
    }
    let text = std::fs::read_to_string(record_path(target)).ok()?;
    let record: Record = serde_json::from_str(&text).ok()?;
    let same = record.format == FORMAT
        && record.binary == fingerprint.binary
        && record.date == fingerprint.date
        && record.inputs == fingerprint.inputs
        && Some(record.output) == output_fingerprint(target);
    if !same {
        return None;
    }
    Some(Unchanged {
        report: Report::new(
            record
                .diagnostics
                .into_iter()
                .map(StoredDiagnostic::into_diagnostic)
                .collect(),
        ),
        files: record.files,
        domains: record.domains,
    })
}

/// Records a successful build of `fingerprint` into `target`, with its report.
/// Best effort: without a record the next build is a full one.
pub fn remember(
    target: &Path,
    fingerprint: &Fingerprint,
    report: &Report,
    files: usize,
    domains: &[String],
) {
    let path = record_path(target);
    if !fingerprint.trusted {
        let _ = std::fs::remove_file(&path);
        return;
    }
    let Some(output) = output_fingerprint(target) else {
        return;
    };
    let record = Record {
        format: FORMAT,
        binary: fingerprint.binary.clone(),
        date: fingerprint.date.clone(),
        inputs: fingerprint.inputs.clone(),
        output,
        files,
        domains: domains.to_vec(),
        diagnostics: report
            .diagnostics
            .iter()
            .map(StoredDiagnostic::from)
            .collect(),
    };
    let Ok(text) = serde_json::to_string(&record) else {
        return;
    };
    // Written aside and renamed: a reader sees the old record or the new one.
    let temporary = path.with_extension(format!("cache-{}", std::process::id()));
    if std::fs::write(&temporary, text).is_ok() && std::fs::rename(&temporary, &path).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}

/// Every entry of the output folder by path and identity; `None` when it cannot
/// be read.
fn output_fingerprint(target: &Path) -> Option<String> {
    let tree = Tree::of(target, false, &[]);
    tree.complete.then(|| hex(&tree.digest))
}

/// What a fingerprint learns from a file or a folder and all it holds.
struct Tree {
    /// Each entry's name and identity, a folder's entries in name order.
    digest: [u8; 32],
    /// The latest modification or change time in the tree.
    newest: SystemTime,
    /// False when an entry could not be read.
    complete: bool,
}

impl Tree {
    /// The tree at `path`, through symbolic links if `follow_links`. The entries
    /// of a folder are read on every core: at 40,000 pages the fingerprints are
    /// some 80,000 stats and 40,000 folder reads, which one core spends a
    /// second on. `ancestors` are the folders above (device, inode), to stop at
    /// a link that leads back into one of them.
    fn of(path: &Path, follow_links: bool, ancestors: &[(u64, u64)]) -> Tree {
        let metadata = if follow_links {
            std::fs::metadata(path)
        } else {
            std::fs::symlink_metadata(path)
        };
        let Ok(metadata) = metadata else {
            return Tree::unreadable();
        };
        let mut hash = Sha256::new();
        hash.update(identity(&metadata).as_bytes());
        let mut tree = Tree {
            digest: [0; 32],
            newest: metadata
                .modified()
                .unwrap_or(SystemTime::UNIX_EPOCH)
                .max(crate::fs::change_time(&metadata)),
            complete: true,
        };
        let folder = folder_identity(&metadata);
        if metadata.is_dir() && !folder.is_some_and(|folder| ancestors.contains(&folder)) {
            let Ok(entries) = std::fs::read_dir(path) else {
                return Tree::unreadable();
            };
            let names: Result<Vec<_>, _> = entries
                .map(|entry| entry.map(|entry| entry.file_name()))
                .collect();
            let Ok(mut names) = names else {
                return Tree::unreadable();
            };
            names.sort();
            let ancestors = [ancestors, &folder.into_iter().collect::<Vec<_>>()].concat();
            let children: Vec<Tree> = names
                .par_iter()
                .map(|name| Tree::of(&path.join(name), follow_links, &ancestors))
                .collect();
            for (name, child) in names.iter().zip(children) {
                hash.update(name.to_string_lossy().as_bytes());
                hash.update([0]);
                hash.update(child.digest);
                tree.newest = tree.newest.max(child.newest);
                tree.complete &= child.complete;
            }
        }
        tree.digest = hash.finalize().into();
        tree
    }

    fn unreadable() -> Tree {
        Tree {
            digest: Sha256::digest(b"unreadable").into(),
            newest: SystemTime::UNIX_EPOCH,
            complete: false,
        }
    }
}

#[cfg(unix)]
fn folder_identity(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

/// Unknown: a link back into a folder is then followed until the OS refuses
/// the path.
#[cfg(not(unix))]
fn folder_identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Type, size, modification and change time, inode and permissions.
fn identity(metadata: &std::fs::Metadata) -> String {
    let nanos = |time: std::io::Result<SystemTime>| {
        time.ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos())
    };
    let kind = if metadata.is_dir() {
        'd'
    } else if metadata.is_symlink() {
        'l'
    } else {
        'f'
    };
    format!(
        "{kind} {} {} {} {}\0",
        metadata.len(),
        nanos(metadata.modified()),
        nanos(Ok(crate::fs::change_time(metadata))),
        unix_identity(metadata)
    )
}

#[cfg(unix)]
fn unix_identity(metadata: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{}:{}:{:o}",
        metadata.dev(),
        metadata.ino(),
        metadata.mode()
    )
}

#[cfg(not(unix))]
fn unix_identity(metadata: &std::fs::Metadata) -> String {
    format!("{}", metadata.permissions().readonly())
}

/// This binary: its version and the executable file's identity, so a rebuilt
/// handover (even of the same version) never trusts an older record.
fn binary_identity() -> Option<String> {
    let executable = std::env::current_exe().and_then(std::fs::metadata).ok()?;
    Some(format!(
        "handover {} {}",
        env!("CARGO_PKG_VERSION"),
        identity(&executable)
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A diagnostic as the record keeps it: its text, and for a span the file's
/// text up to the end of the span's last line (what the snippet shows).
#[derive(Serialize, Deserialize)]
struct StoredDiagnostic {
    error: bool,
    code: String,
    message: String,
    file: Option<String>,
    help: Option<String>,
    span: Option<StoredSpan>,
    related: Vec<StoredRelated>,
}

/// Another place the diagnostic involves.
#[derive(Serialize, Deserialize)]
struct StoredRelated {
    file: String,
    label: String,
    span: Option<StoredSpan>,
}

#[derive(Serialize, Deserialize)]
struct StoredSpan {
    file: String,
    text: String,
    offset: usize,
    len: usize,
}

impl StoredSpan {
    fn of(span: &Span) -> StoredSpan {
        let text = &span.file.text;
        let end = (span.offset + span.len).min(text.len());
        let line_end = text
            .get(end..)
            .and_then(|rest| rest.find('\n'))
            .map_or(text.len(), |at| end + at);
        StoredSpan {
            file: span.file.name.to_string(),
            text: text.get(..line_end).unwrap_or(text).to_string(),
            offset: span.offset,
            len: span.len,
        }
    }

    fn into_span(self) -> Span {
        let file = SourceFile::new(self.file, self.text);
        Span::new(&file, self.offset, self.len)
    }
}

impl From<&Diagnostic> for StoredDiagnostic {
    fn from(diagnostic: &Diagnostic) -> Self {
        StoredDiagnostic {
            error: diagnostic.is_error(),
            code: diagnostic.code.to_string(),
            message: diagnostic.message.clone(),
            file: diagnostic.file.clone(),
            help: diagnostic.help.clone(),
            span: diagnostic.span.as_deref().map(StoredSpan::of),
            related: diagnostic
                .related
                .iter()
                .map(|related| StoredRelated {
                    file: related.file.clone(),
                    label: related.label.clone(),
                    span: related.span.as_deref().map(StoredSpan::of),
                })
                .collect(),
        }
    }
}

impl StoredDiagnostic {
    fn into_diagnostic(self) -> Diagnostic {
        let code = intern(self.code);
        let mut diagnostic = if self.error {
            Diagnostic::error(code, self.message)
        } else {
            Diagnostic::warning(code, self.message)
        };
        debug_assert_eq!(
            diagnostic.is_error(),
            diagnostic.severity == Severity::Error
        );
        if let Some(span) = self.span {
            diagnostic = diagnostic.at(span.into_span());
        }
        diagnostic.related = self
            .related
            .into_iter()
            .map(|related| Related {
                span: related.span.map(|span| Box::new(span.into_span())),
                file: related.file,
                label: related.label,
            })
            .collect();
        diagnostic.file = self.file.or(diagnostic.file);
        diagnostic.help = self.help;
        diagnostic
    }
}

/// Diagnostic codes are `&'static str`: a code read back is kept once for the
/// life of the process.
fn intern(code: String) -> &'static str {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static CODES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut codes = CODES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = codes.get(code.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(code.into_boxed_str());
    codes.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{render_human, Diagnostic};

    #[cfg(unix)]
    #[test]
    fn a_tree_digest_sees_a_deep_change_and_stops_at_a_link_back_up() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("content/en/products");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("a.md"), "one").unwrap();
        std::os::unix::fs::symlink(dir.path().join("content"), deep.join("loop")).unwrap();
        let before = Tree::of(dir.path(), true, &[]);
        assert!(before.complete);
        assert_eq!(before.digest, Tree::of(dir.path(), true, &[]).digest);
        std::fs::write(deep.join("a.md"), "two!").unwrap();
        let after = Tree::of(dir.path(), true, &[]);
        assert_ne!(before.digest, after.digest);
        std::fs::remove_file(deep.join("a.md")).unwrap();
        assert!(!Tree::of(&deep.join("a.md"), true, &[]).complete);
    }

    #[test]
    fn a_stored_diagnostic_reads_back_as_it_renders() {
        let file = SourceFile::new(
            "content/en/help.md",
            "---\ntitle: Help\ndescripton: x\n---\nBody\nmore\n",
        );
        let original = Diagnostic::warning("content::front-matter", "unknown key `descripton`")
            .at(Span::new(&file, 16, 10))
            .help("did you mean `description`?");
        let stored = StoredDiagnostic::from(&original);
        // A diagnostic keeps only its line, after the lines before it.
        assert_eq!(stored.span.as_ref().unwrap().text, "\n\ndescripton: x");
        let json = serde_json::to_string(&stored).unwrap();
        let back: StoredDiagnostic = serde_json::from_str(&json).unwrap();
        let back = back.into_diagnostic();
        assert_eq!(render_human(&back), render_human(&original));
        assert_eq!(back.code, "content::front-matter");
        assert!(!back.is_error());

        let other = SourceFile::new("content/en/aide.md", "---\nslug: help\n---\n");
        let twice = Diagnostic::error("content::slug-collision", "two pages claim /help/")
            .at(Span::new(&file, 4, 11))
            .also_at(Span::new(&other, 4, 10), "also claims it")
            .also_in("content/en/third.md", "and this one");
        let back = StoredDiagnostic::from(&twice).into_diagnostic();
        assert_eq!(render_human(&back), render_human(&twice));
        assert_eq!(back.related.len(), 2);

        let plain = Diagnostic::error("build::threads", "no threads").in_file("site.yaml");
        let back = StoredDiagnostic::from(&plain).into_diagnostic();
        assert_eq!(render_human(&back), render_human(&plain));
    }
}
