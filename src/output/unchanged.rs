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
//!
//! The record also keeps the inputs but the text of pages ([`Fingerprint`]'s
//! `rest`), what the site's files show of its pages ([`Content::shape`]) and
//! each page's text by hash ([`PageText`]). When only the text of pages
//! differs, the build renders those pages only ([`Reuse::Pages`]): a page's
//! text is then all that can make its file differ from the last build's.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::SiteConfig;
use crate::content::{Content, SourcePage};
use crate::dates::IsoDate;
use crate::diagnostics::{Diagnostic, Related, Report, Severity, SourceFile, Span};

/// Bumped when the record's meaning changes.
const FORMAT: u32 = 5;

/// Inputs modified this close to the fingerprint are not trusted to be unchanged.
const RACY: Duration = Duration::from_secs(1);

/// What the build's bytes depend on, as of before it read anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    inputs: String,
    /// The inputs but the text of the Markdown files under `content/` (each
    /// still counted by its name): when only that text changed, a build
    /// renders again only the pages whose text is not the text recorded.
    rest: String,
    binary: String,
    date: String,
    /// False when an input was modified too recently to be trusted, or the
    /// binary's own file could not be read.
    trusted: bool,
}

/// What the record holds: its pages' texts as `T`, written from the pages
/// ([`PagesInHex`]) and read back as text.
#[derive(Serialize, Deserialize)]
struct Record<T = String> {
    format: u32,
    binary: String,
    date: String,
    inputs: String,
    rest: String,
    output: String,
    /// The pages of the build, when their render had nothing to say (so the
    /// pages a next build does not render again have nothing to say either).
    pages: Option<StoredPages<T>>,
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
        let (mut hash, mut rest) = (Sha256::new(), Sha256::new());
        let mut newest = SystemTime::UNIX_EPOCH;
        let content = config.root.join(crate::content::CONTENT_DIR);
        for hash in [&mut hash, &mut rest] {
            hash.update(config.root.to_string_lossy().as_bytes());
            hash.update([0]);
        }
        for input in inputs {
            let shown = crate::fs::shown_path(&config.root, input);
            // A symbolic link is read through by the build: what it points at
            // is the input (a link that changes target changes the identity).
            let walk = if *input == content {
                Walk::Pages
            } else {
                Walk::Input
            };
            let tree = Tree::of(input, walk, &[]);
            newest = newest.max(tree.newest);
            for (hash, digest) in [(&mut hash, tree.digest), (&mut rest, tree.rest)] {
                hash.update(shown.as_bytes());
                hash.update([0]);
                hash.update(digest);
                // A missing input is a state of its own.
                hash.update(if input.exists() { b"+" } else { b"-" });
            }
        }
        // A binary that cannot tell what file it is could be replaced unseen.
        let binary = binary_identity();
        let trusted = newest + RACY < started && binary.is_some();
        Fingerprint {
            inputs: hex(&hash.finalize()),
            rest: hex(&rest.finalize()),
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

/// The [`Content::shape`] of a build's site, and each page's text as
/// [`PageText`]s in hex, in the order of [`Content::all`].
#[derive(Serialize, Deserialize)]
struct StoredPages<T> {
    shape: String,
    texts: T,
}

/// The pages' texts of a site, written as hex straight into the record, as
/// each page is read back: at 100,000 pages the text is 4.8 MB and the
/// pages' [`PageText`]s 2.4 MB, which the build need not hold at its end,
/// when it holds the most. Sorted as they are read.
struct PagesInHex<'a>(&'a Content);

impl Serialize for PagesInHex<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl std::fmt::Display for PagesInHex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_hex(f, self.0.all().map(|page| PageText::of(&page)))
    }
}

/// Each of `pages` in 48 hex digits.
fn write_hex(
    out: &mut impl std::fmt::Write,
    pages: impl Iterator<Item = PageText>,
) -> std::fmt::Result {
    for page in pages {
        for part in page.0 {
            write!(out, "{part:016x}")?;
        }
    }
    Ok(())
}

/// What a build may take from the build that wrote the output.
pub enum Reuse {
    /// Every file: nothing changed.
    Unchanged(Unchanged),
    /// The files of pages whose text did not change, when the pages' front
    /// matter did not either ([`LastPages`]).
    Pages(LastPages),
    /// Nothing: a full build.
    Nothing,
}

/// The pages of the build that wrote the output, whose every other input
/// was as this build's, and whose render had nothing to say (so that the
/// pages this build does not render have nothing to say either).
pub struct LastPages {
    shape: String,
    /// Sorted.
    pages: Vec<PageText>,
}

/// A page's file and text, by hashes: its file name's, and its text's length
/// and hash ([`SourcePage::text_identity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageText([u64; 3]);

impl PageText {
    pub fn of(page: &SourcePage) -> PageText {
        use std::hash::Hasher;
        let mut name = rustc_hash::FxHasher::default();
        name.write(page.file_name().as_bytes());
        let (len, hash) = page.text_identity();
        PageText([name.finish(), len, hash])
    }

    /// The pages [`PagesInHex`] wrote, sorted; `None` when the text is not
    /// what it writes.
    fn from_hex(text: &str) -> Option<Vec<PageText>> {
        if !text.len().is_multiple_of(48) || !text.is_ascii() {
            return None;
        }
        let part = |at: usize| u64::from_str_radix(&text[at..at + 16], 16).ok();
        // Kept while the pages are rendered: room for them all at once, not
        // a doubling's spare room.
        let mut pages = Vec::with_capacity(text.len() / 48);
        for at in (0..text.len()).step_by(48) {
            pages.push(PageText([part(at)?, part(at + 16)?, part(at + 32)?]));
        }
        pages.sort_unstable();
        Some(pages)
    }
}

impl LastPages {
    /// Whether the site's pages show the others what they showed in the last
    /// build (see [`Content::shape`]).
    pub fn same_shape(&self, shape: &str) -> bool {
        self.shape == shape
    }

    /// Whether `page` has the text it had in the last build.
    pub fn unchanged(&self, page: &SourcePage) -> bool {
        self.pages.binary_search(&PageText::of(page)).is_ok()
    }
}

/// What the build that wrote `target` leaves this one to do, from its record
/// and the output as it is now. Call with the output's lock held.
pub fn reuse(target: &Path, fingerprint: &Fingerprint) -> Reuse {
    if !fingerprint.trusted {
        return Reuse::Nothing;
    }
    let Ok(text) = std::fs::read_to_string(record_path(target)) else {
        return Reuse::Nothing;
    };
    // The pages' texts borrowed from the record's text (hex holds nothing to
    // unescape), not copied: 4.8 MB at 100,000 pages.
    let Ok(record) = serde_json::from_str::<Record<&str>>(&text) else {
        return Reuse::Nothing;
    };
    let same = record.format == FORMAT
        && record.binary == fingerprint.binary
        && record.date == fingerprint.date
        && record.rest == fingerprint.rest;
    if !same {
        return Reuse::Nothing;
    }
    let reuse = if record.inputs == fingerprint.inputs {
        Reuse::Unchanged(Unchanged {
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
    } else {
        let last = record.pages.and_then(|stored| {
            let pages = PageText::from_hex(stored.texts)?;
            Some(LastPages {
                shape: stored.shape,
                pages,
            })
        });
        match last {
            Some(last) => Reuse::Pages(last),
            None => return Reuse::Nothing,
        }
    };
    // The record's text is freed before the output is walked.
    let output = record.output;
    drop(text);
    if Some(output) != output_fingerprint(target) {
        return Reuse::Nothing;
    }
    reuse
}

/// Records a successful build of `fingerprint` into `target`, with its report
/// and, when their render had nothing to say, its `pages` and their
/// [`Content::shape`]. Best effort: without a record the next build is a
/// full one.
pub fn remember(
    target: &Path,
    fingerprint: &Fingerprint,
    report: &Report,
    pages: Option<(&str, &Content)>,
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
        rest: fingerprint.rest.clone(),
        output,
        pages: pages.map(|(shape, content)| StoredPages {
            shape: shape.to_string(),
            texts: PagesInHex(content),
        }),
        files,
        domains: domains.to_vec(),
        diagnostics: report
            .diagnostics
            .iter()
            .map(StoredDiagnostic::from)
            .collect(),
    };
    // Written aside and renamed: a reader sees the old record or the new one.
    let temporary = path.with_extension(format!("cache-{}", std::process::id()));
    let written = std::fs::File::create(&temporary).is_ok_and(|file| {
        let mut file = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut file, &record).is_ok()
            && std::io::Write::flush(&mut file).is_ok()
    });
    if !(written && std::fs::rename(&temporary, &path).is_ok()) {
        let _ = std::fs::remove_file(&temporary);
    }
}

/// Every entry of the output folder by path and identity; `None` when it cannot
/// be read.
fn output_fingerprint(target: &Path) -> Option<String> {
    let tree = Tree::of(target, Walk::Output, &[]);
    tree.complete.then(|| hex(&tree.digest))
}

/// How a [`Tree`] is walked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// An input, read through symbolic links as the build reads it, without
    /// the files editors keep beside the ones they edit.
    Input,
    /// `content/`, as an input, whose Markdown files and folders count in
    /// [`Tree::rest`] by name only.
    Pages,
    /// The output: every entry, links as links.
    Output,
}

/// What a fingerprint learns from a file or a folder and all it holds.
struct Tree {
    /// Each entry's name and identity, a folder's entries in name order.
    digest: [u8; 32],
    /// The same, but for pages' Markdown files and their folders, which count
    /// by name only.
    rest: [u8; 32],
    /// The latest modification or change time in the tree.
    newest: SystemTime,
    /// False when an entry could not be read.
    complete: bool,
}

impl Tree {
    /// Entries of a folder walked at once.
    const CHUNK: usize = 1024;

    /// The tree at `path`, walked as [`Walk`] says. The entries of a folder
    /// are read on every core: at 40,000 pages the fingerprints are some
    /// 80,000 stats and 40,000 folder reads, which one core spends a second
    /// on. `ancestors` are the folders above (device, inode), to stop at a
    /// link that leads back into one of them.
    fn of(path: &Path, walk: Walk, ancestors: &[(u64, u64)]) -> Tree {
        let (follow_links, pages) = (walk != Walk::Output, walk == Walk::Pages);
        let metadata = if follow_links {
            std::fs::metadata(path)
        } else {
            std::fs::symlink_metadata(path)
        };
        let Ok(metadata) = metadata else {
            return Tree::unreadable();
        };
        let mut hash = Sha256::new();
        let mut rest = Sha256::new();
        let own = identity(&metadata);
        hash.update(own.as_bytes());
        // A folder's own times change when a page in it is saved by renaming
        // a new file over it, as many editors do: its entries tell the rest.
        let shown_by_name = if !pages {
            None
        } else if metadata.is_dir() {
            Some("folder\0")
        } else if metadata.is_file() && path.extension().is_some_and(|e| e == "md") {
            Some("page\0")
        } else {
            None
        };
        rest.update(shown_by_name.map_or(own.as_bytes(), str::as_bytes));
        let mut tree = Tree {
            digest: [0; 32],
            rest: [0; 32],
            newest: metadata
                .modified()
                .unwrap_or(SystemTime::UNIX_EPOCH)
                .max(crate::fs::change_time(&metadata)),
            complete: true,
        };
        let folder = folder_identity(&metadata);
        if metadata.is_dir() && !folder.is_some_and(|folder| ancestors.contains(&folder)) {
            let Ok(mut entries) = std::fs::read_dir(path) else {
                return Tree::unreadable();
            };
            let ancestors = [ancestors, &folder.into_iter().collect::<Vec<_>>()].concat();
            // Each entry's name and tree hashed on its own and added up, so
            // that the folder's digest does not depend on the order the
            // system lists them in, and its entries are read a chunk at a
            // time, not sorted all at once: a folder of 25,000 pages'
            // folders took 1 MB of names, at the end of a build that holds
            // the most.
            let (mut digests, mut rests) = (Sum::default(), Sum::default());
            loop {
                let names: Result<Vec<_>, _> = entries
                    .by_ref()
                    .take(Self::CHUNK)
                    .map(|entry| entry.map(|entry| entry.file_name()))
                    .collect();
                let Ok(mut names) = names else {
                    return Tree::unreadable();
                };
                if names.is_empty() {
                    break;
                }
                // Not read by the build: a page open in vim or Emacs leaves the
                // build's inputs as they are. In the output, such a file would be
                // deployed: it counts there.
                if walk != Walk::Output {
                    names.retain(|name| !name.to_str().is_some_and(crate::fs::is_editor_temporary));
                }
                let children: Vec<Tree> = names
                    .par_iter()
                    .map(|name| Tree::of(&path.join(name), walk, &ancestors))
                    .collect();
                for (name, child) in names.iter().zip(children) {
                    let name = name.to_string_lossy();
                    digests.add(&entry_digest(&name, &child.digest));
                    rests.add(&entry_digest(&name, &child.rest));
                    tree.newest = tree.newest.max(child.newest);
                    tree.complete &= child.complete;
                }
            }
            hash.update(digests.to_bytes());
            rest.update(rests.to_bytes());
        }
        tree.digest = hash.finalize().into();
        tree.rest = rest.finalize().into();
        tree
    }

    fn unreadable() -> Tree {
        Tree {
            digest: Sha256::digest(b"unreadable").into(),
            rest: Sha256::digest(b"unreadable").into(),
            newest: SystemTime::UNIX_EPOCH,
            complete: false,
        }
    }
}

/// The digest of a folder's entry: its name, then its tree's digest.
fn entry_digest(name: &str, digest: &[u8; 32]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(name.as_bytes());
    hash.update([0]);
    hash.update(digest);
    hash.finalize().into()
}

/// Digests added up as 256-bit numbers: the same in any order.
#[derive(Default)]
struct Sum([u64; 4]);

impl Sum {
    fn add(&mut self, digest: &[u8; 32]) {
        let mut carry = false;
        for (limb, bytes) in self.0.iter_mut().zip(digest.chunks_exact(8)) {
            let part = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
            let (sum, over) = limb.overflowing_add(part);
            let (sum, over_again) = sum.overflowing_add(u64::from(carry));
            *limb = sum;
            carry = over || over_again;
        }
    }

    fn to_bytes(&self) -> [u8; 32] {
        let mut bytes = [0; 32];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        bytes
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

/// Type, size, modification and change time, inode and permissions, as the
/// bytes hashed for a file of a tree: written out, not formatted as text,
/// which took 1% of a full build's CPU time (two trees of 40,000 files).
fn identity(metadata: &std::fs::Metadata) -> Identity {
    let mut identity = Identity::default();
    if metadata.is_dir() {
        // A folder counts by its entries, each by name and identity. Its own
        // times change with any file made and removed in it, such as the
        // swap file of a page open in vim, which is not an input.
        identity.push(b"d");
    } else {
        let nanos = |time: std::io::Result<SystemTime>| {
            time.ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos())
        };
        identity.push(if metadata.is_symlink() { b"l" } else { b"f" });
        identity.push(&metadata.len().to_le_bytes());
        identity.push(&nanos(metadata.modified()).to_le_bytes());
        identity.push(&nanos(Ok(crate::fs::change_time(metadata))).to_le_bytes());
    }
    push_unix_identity(&mut identity, metadata);
    identity
}

/// A file's [`identity`]: at most a kind, three numbers of 8 or 16 bytes and
/// the device, inode and mode.
struct Identity {
    bytes: [u8; 61],
    len: usize,
}

impl Default for Identity {
    fn default() -> Identity {
        Identity {
            bytes: [0; 61],
            len: 0,
        }
    }
}

impl Identity {
    fn push(&mut self, bytes: &[u8]) {
        self.bytes[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

#[cfg(unix)]
fn push_unix_identity(identity: &mut Identity, metadata: &std::fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    identity.push(&metadata.dev().to_le_bytes());
    identity.push(&metadata.ino().to_le_bytes());
    identity.push(&metadata.mode().to_le_bytes());
}

#[cfg(not(unix))]
fn push_unix_identity(identity: &mut Identity, metadata: &std::fs::Metadata) {
    identity.push(&[u8::from(metadata.permissions().readonly())]);
}

/// This binary: its version and the executable file's identity, so a rebuilt
/// handover (even of the same version) never trusts an older record.
fn binary_identity() -> Option<String> {
    let executable = std::env::current_exe().and_then(std::fs::metadata).ok()?;
    Some(format!(
        "handover {} {}",
        env!("CARGO_PKG_VERSION"),
        hex(identity(&executable).as_bytes())
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
        let before = Tree::of(dir.path(), Walk::Input, &[]);
        assert!(before.complete);
        assert_eq!(before.digest, Tree::of(dir.path(), Walk::Input, &[]).digest);
        std::fs::write(deep.join("a.md"), "two!").unwrap();
        let after = Tree::of(dir.path(), Walk::Input, &[]);
        assert_ne!(before.digest, after.digest);
        std::fs::remove_file(deep.join("a.md")).unwrap();
        assert!(!Tree::of(&deep.join("a.md"), Walk::Input, &[]).complete);
    }

    #[cfg(unix)]
    #[test]
    fn the_rest_of_the_inputs_sees_every_change_but_a_pages_text() {
        let dir = tempfile::tempdir().unwrap();
        let en = dir.path().join("en");
        std::fs::create_dir_all(&en).unwrap();
        std::fs::write(en.join("a.md"), "one").unwrap();
        std::fs::write(en.join("photo.png"), "png").unwrap();
        let tree = || Tree::of(dir.path(), Walk::Pages, &[]);
        let before = tree();

        // A page saved by renaming a new file over it: its text and its
        // folder's times change, not the rest.
        std::fs::write(en.join(".a.md.new"), "two!").unwrap();
        std::fs::rename(en.join(".a.md.new"), en.join("a.md")).unwrap();
        let saved = tree();
        assert_ne!(saved.digest, before.digest);
        assert_eq!(saved.rest, before.rest);

        // A page more, an image changed: the rest changes.
        std::fs::write(en.join("b.md"), "new").unwrap();
        assert_ne!(tree().rest, saved.rest);
        let added = tree();
        std::fs::write(en.join("photo.png"), "png, edited").unwrap();
        assert_ne!(tree().rest, added.rest);

        // Outside `content/`, a Markdown file is an input like any other.
        let outside = Tree::of(dir.path(), Walk::Input, &[]);
        std::fs::write(en.join("a.md"), "three").unwrap();
        assert_ne!(Tree::of(dir.path(), Walk::Input, &[]).rest, outside.rest);
    }

    #[cfg(unix)]
    #[test]
    fn an_editors_temporary_files_are_not_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let en = dir.path().join("en");
        std::fs::create_dir_all(&en).unwrap();
        std::fs::write(en.join("a.md"), "one").unwrap();
        let tree = || Tree::of(dir.path(), Walk::Pages, &[]);
        let before = tree();
        let output = || Tree::of(dir.path(), Walk::Output, &[]).digest;
        let output_before = output();

        // Emacs's lock (a link that leads nowhere) and auto-save, vim's swap
        // file, a backup: the page is open, not changed.
        std::os::unix::fs::symlink("editor@host.1234:1700000000", en.join(".#a.md")).unwrap();
        std::fs::write(en.join("#a.md#"), "one, unsaved").unwrap();
        std::fs::write(en.join(".a.md.swp"), "swap").unwrap();
        std::fs::write(en.join("a.md~"), "backup").unwrap();
        let open = tree();
        assert!(open.complete);
        assert_eq!(open.digest, before.digest);
        assert_eq!(open.rest, before.rest);
        // In an output, they would be deployed: they count.
        assert_ne!(output(), output_before);

        // A file that is not an editor's, hidden or not, is an input.
        std::fs::write(en.join(".photo.png"), "png").unwrap();
        assert_ne!(tree().digest, before.digest);
    }

    #[test]
    fn a_folders_entries_add_up_the_same_in_any_order_and_no_other_way() {
        let entries = [("a", [1; 32]), ("b", [0xff; 32]), ("c", [0x80; 32])];
        let sum = |order: &[usize]| {
            let mut sum = Sum::default();
            for &i in order {
                sum.add(&entry_digest(entries[i].0, &entries[i].1));
            }
            sum.to_bytes()
        };
        assert_eq!(sum(&[0, 1, 2]), sum(&[2, 0, 1]));
        assert_ne!(sum(&[0, 1]), sum(&[0, 2]));
        assert_ne!(sum(&[0, 1]), sum(&[0, 1, 2]));
        // The same tree under another name is another entry.
        let renamed = entry_digest("a2", &entries[0].1);
        assert_ne!(renamed, entry_digest("a", &entries[0].1));
        // A carry goes on to the next 64 bits.
        let mut carried = Sum([u64::MAX, 0, 0, 0]);
        let mut one = [0; 32];
        one[0] = 1;
        carried.add(&one);
        assert_eq!(carried.0, [0, 1, 0, 0]);
    }

    #[test]
    fn page_texts_read_back_as_written_and_sorted() {
        let pages = [PageText([7, 0x1234, 42]), PageText([0, 1, u64::MAX])];
        let mut hex = String::new();
        write_hex(&mut hex, pages.into_iter()).unwrap();
        assert_eq!(hex.len(), 96);
        assert_eq!(
            PageText::from_hex(&hex),
            Some(vec![PageText([0, 1, u64::MAX]), PageText([7, 0x1234, 42])])
        );
        assert_eq!(PageText::from_hex(""), Some(Vec::new()));
        assert_eq!(PageText::from_hex(&hex[1..]), None);
        assert_eq!(PageText::from_hex(&"z".repeat(48)), None);
        assert_eq!(PageText::from_hex(&"é".repeat(24)), None);
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
