//! Where rendered files go, and the per-domain files that are not pages.
//!
//! A build may only replace a folder it wrote ([`guard`]); it writes into a staging
//! folder next to `public/` and swaps it in only when every file was written
//! ([`staging`]), so a failed build leaves the previous `public/` as it was. `serve`
//! and `check` use other [`Sink`]s (memory, the link collector) with the same
//! pipeline. Aggregates (sitemap, headers) are sorted so the bytes never depend on
//! thread scheduling or file-system order.

pub mod guard;
pub mod previous;
pub mod staging;
pub mod unchanged;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::diagnostics::Diagnostic;
use crate::fs;
use crate::paths::SitePath;

/// Receives every output file, from many threads at once.
pub trait Sink: Sync {
    fn write(&self, domain: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic>;

    /// Whether this sink does anything with the file at `path`.
    fn wants(&self, _path: &SitePath) -> bool {
        true
    }

    /// Writes a file given as pieces, in order. A region's sitemap of 25,000
    /// pages is about 10 MB: a sink that writes to disk writes each piece as
    /// it comes instead of holding the whole text. Other sinks get it whole,
    /// if they want it: the pieces are made as they are taken, and `check`'s
    /// link check, which wants pages only, held each sitemap whole for
    /// nothing (19 MB at 100,000 pages).
    fn write_pieces(
        &self,
        domain: &str,
        path: &SitePath,
        pieces: &mut dyn Iterator<Item = String>,
    ) -> Result<(), Diagnostic> {
        if !self.wants(path) {
            return Ok(());
        }
        let whole: String = pieces.collect();
        self.write(domain, path, whole.as_bytes())
    }
}

/// Writes under a folder: `<root>/<domain>/<path>`, linking the files whose
/// bytes did not change from the previous output instead ([`previous`]).
///
/// The first file that cannot be written stops the writing (a full disk would
/// otherwise give one error per file); rendering goes on, so the report can say
/// how much the build needed. [`DirSink::finish`] gives that one problem.
pub struct DirSink {
    root: PathBuf,
    previous: Option<previous::PreviousOutput>,
    /// Files linked from the previous output rather than written.
    reused: AtomicU64,
    written: AtomicU64,
    unwritten: AtomicU64,
    /// Nanoseconds spent writing, summed over threads (`--timings`).
    write_nanos: AtomicU64,
    first_failure: Mutex<Option<(PathBuf, std::io::Error)>>,
}

impl DirSink {
    pub fn new(root: PathBuf) -> Self {
        DirSink::reusing(root, None)
    }

    /// Writes under `root`, linking unchanged files from `previous`.
    pub fn reusing(root: PathBuf, previous: Option<previous::PreviousOutput>) -> Self {
        DirSink {
            root,
            previous,
            reused: AtomicU64::new(0),
            written: AtomicU64::new(0),
            unwritten: AtomicU64::new(0),
            write_nanos: AtomicU64::new(0),
            first_failure: Mutex::new(None),
        }
    }

    fn failed(&self) -> bool {
        self.first_failure
            .lock()
            .map(|first| first.is_some())
            .unwrap_or(true)
    }

    /// How many files were linked from the previous output.
    pub fn reused(&self) -> u64 {
        self.reused.load(Ordering::Relaxed)
    }

    fn write_file(&self, relative: &str, path: &Path, bytes: &[u8]) {
        let size = bytes.len() as u64;
        if self.failed() {
            self.unwritten.fetch_add(size, Ordering::Relaxed);
            return;
        }
        let started = std::time::Instant::now();
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                let same = self
                    .previous
                    .as_ref()
                    .is_some_and(|previous| previous.link_if_same(relative, bytes, path));
                if same {
                    self.reused.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                } else {
                    write_fresh(path, bytes)
                }
            });
        self.record(path, size, started, result);
    }

    /// Like [`DirSink::write_file`], for a file given as pieces: they are
    /// written as they come, then the file is compared with the previous
    /// output's, whose file is linked in its place when they are the same.
    fn write_file_pieces(
        &self,
        relative: &str,
        path: &Path,
        pieces: &mut dyn Iterator<Item = String>,
    ) {
        let rest = |pieces: &mut dyn Iterator<Item = String>| -> u64 {
            pieces.map(|piece| piece.len() as u64).sum()
        };
        if self.failed() {
            self.unwritten.fetch_add(rest(pieces), Ordering::Relaxed);
            return;
        }
        let started = std::time::Instant::now();
        let mut size = 0;
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| write_fresh_pieces(path, pieces, &mut size))
            .map(|()| {
                let same = self
                    .previous
                    .as_ref()
                    .is_some_and(|previous| previous.link_if_same_file(relative, path, size));
                if same {
                    self.reused.fetch_add(1, Ordering::Relaxed);
                }
            });
        if result.is_err() {
            // What the build needed, for the disk-full message.
            size += rest(pieces);
        }
        self.record(path, size, started, result);
    }

    /// Counts a file written (or not) and keeps the first failure.
    fn record(
        &self,
        path: &Path,
        size: u64,
        started: std::time::Instant,
        result: std::io::Result<()>,
    ) {
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.write_nanos.fetch_add(nanos, Ordering::Relaxed);
        match result {
            Ok(()) => {
                self.written.fetch_add(size, Ordering::Relaxed);
            }
            Err(error) => {
                self.unwritten.fetch_add(size, Ordering::Relaxed);
                if let Ok(mut first) = self.first_failure.lock() {
                    first.get_or_insert((path.to_path_buf(), error));
                }
            }
        }
    }

    /// The time spent writing files, summed over the threads that wrote them.
    pub fn write_time(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.write_nanos.load(Ordering::Relaxed))
    }

    /// The one problem that stopped the writing, if any.
    pub fn finish(&self) -> Option<Diagnostic> {
        let mut first = self.first_failure.lock().ok()?;
        let (path, error) = first.take()?;
        let shown = path.display().to_string();
        let written = self.written.load(Ordering::Relaxed);
        let needed = written + self.unwritten.load(Ordering::Relaxed);
        let disk_full = matches!(
            error.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        );
        Some(if disk_full {
            Diagnostic::error(
                "output::disk-full",
                format!(
                    "the disk is full: the build needs {} and only {} could be written",
                    human_size(needed),
                    human_size(written)
                ),
            )
            .help(format!(
                "free at least {} on the disk that holds {}, or build elsewhere with --output",
                human_size(needed - written),
                self.root.parent().unwrap_or(&self.root).display()
            ))
        } else {
            fs::io_error(&error, &shown, "write")
        })
    }
}

/// Writes `bytes` to a new file at `path`, never into an existing one: a file
/// already there may be a hard link to the live output ([`previous`]), whose
/// bytes must not change before the swap (nor after: the new output shares it).
fn write_fresh(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    create_fresh(path)?.write_all(bytes)
}

/// A new file at `path` (see [`write_fresh`]).
fn create_fresh(path: &Path) -> std::io::Result<std::fs::File> {
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    };
    match create() {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(path)?;
            create()
        }
        other => other,
    }
}

/// Writes `pieces` in turn to a new file at `path`, as [`write_fresh`] does,
/// adding each piece's length to `size` once it is written.
fn write_fresh_pieces(
    path: &Path,
    pieces: &mut dyn Iterator<Item = String>,
    size: &mut u64,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = create_fresh(path)?;
    for piece in pieces {
        file.write_all(piece.as_bytes())?;
        *size += piece.len() as u64;
    }
    Ok(())
}

/// `2.4 MB`, `512 KB`, `37 bytes`.
fn human_size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{} KB", bytes.div_ceil(1_000)),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

impl DirSink {
    /// Where `path` of `domain` goes, relative to `root` and below it. A domain
    /// was checked to be a hostname, a path to hold no `..`: both stay inside.
    fn place(&self, domain: &str, path: &SitePath) -> Result<(SitePath, PathBuf), Diagnostic> {
        let domain_dir = SitePath::root()
            .child(domain)
            .map_err(|why| Diagnostic::error("output::path", format!("domain `{domain}` {why}")))?;
        let relative = domain_dir.join(path);
        let file = relative.under(&self.root);
        Ok((relative, file))
    }

    /// Links `path` of `domain` from the previous output, unread: for a file
    /// known to be what this build would write. False when there is no such
    /// file to link, or it could not be linked: the caller then writes it.
    pub fn link_unchanged(&self, domain: &str, path: &SitePath) -> bool {
        let (Some(previous), Ok((relative, file))) = (&self.previous, self.place(domain, path))
        else {
            return false;
        };
        if self.failed() {
            return false;
        }
        let started = std::time::Instant::now();
        let mut linked = false;
        staging::while_not_interrupted(|| {
            linked = file
                .parent()
                .is_some_and(|dir| std::fs::create_dir_all(dir).is_ok())
                && previous.link_unchanged(&relative.to_string(), &file);
        });
        if linked {
            self.reused.fetch_add(1, Ordering::Relaxed);
            self.record(&file, 0, started, Ok(()));
        }
        linked
    }

    /// The bytes of `path` of `domain` in the previous output.
    pub fn read_previous(&self, domain: &str, path: &SitePath) -> Option<Vec<u8>> {
        let (relative, _) = self.place(domain, path).ok()?;
        self.previous.as_ref()?.read(&relative.to_string())
    }
}

impl Sink for DirSink {
    fn write(&self, domain: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic> {
        let (relative, file) = self.place(domain, path)?;
        staging::while_not_interrupted(|| self.write_file(&relative.to_string(), &file, bytes));
        Ok(())
    }

    fn write_pieces(
        &self,
        domain: &str,
        path: &SitePath,
        pieces: &mut dyn Iterator<Item = String>,
    ) -> Result<(), Diagnostic> {
        let (relative, file) = self.place(domain, path)?;
        staging::while_not_interrupted(|| {
            self.write_file_pieces(&relative.to_string(), &file, pieces);
        });
        Ok(())
    }
}

/// Gives every file to two sinks: `build` writes files and keeps their links for
/// the link check in one render.
pub struct Both<'a>(pub &'a dyn Sink, pub &'a dyn Sink);

impl Sink for Both<'_> {
    fn write(&self, domain: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.0.write(domain, path, bytes)?;
        self.1.write(domain, path, bytes)
    }

    fn wants(&self, path: &SitePath) -> bool {
        self.0.wants(path) || self.1.wants(path)
    }

    /// Pieces go on as pieces to the one sink that wants the file (the link
    /// check wants pages only), and whole to both when both do.
    fn write_pieces(
        &self,
        domain: &str,
        path: &SitePath,
        pieces: &mut dyn Iterator<Item = String>,
    ) -> Result<(), Diagnostic> {
        match (self.0.wants(path), self.1.wants(path)) {
            (true, false) => self.0.write_pieces(domain, path, pieces),
            (false, true) => self.1.write_pieces(domain, path, pieces),
            (false, false) => Ok(()),
            (true, true) => {
                let whole: String = pieces.collect();
                self.write(domain, path, whole.as_bytes())
            }
        }
    }
}

/// One URL of the sitemap with its alternates.
pub struct SitemapEntry {
    pub url: String,
    /// The page's `updated:` date, as `<lastmod>`.
    pub lastmod: Option<String>,
    /// (hreflang, url), including the entry itself and `x-default`.
    pub alternates: Vec<(String, String)>,
}

/// A rendered file's bytes as text. They come from a `String`, so the check
/// is one fast pass; anything else is shown with U+FFFD where it is not UTF-8.
pub fn text_of(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// How much one sitemap file may hold: a region with more URLs gets several
/// files and a sitemap index that names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SitemapLimits {
    pub urls: usize,
    /// Uncompressed.
    pub bytes: usize,
}

impl Default for SitemapLimits {
    /// sitemaps.org's: 50,000 URLs and 50 MB (52,428,800 bytes).
    fn default() -> Self {
        SitemapLimits {
            urls: 50_000,
            bytes: 52_428_800,
        }
    }
}

/// The file name of part `part` (from 0) of a sitemap split in several.
pub fn sitemap_part_name(part: usize) -> String {
    format!("sitemap-{}.xml", part + 1)
}

/// `sitemap.xml` of a region whose URLs are split over `parts` files: the
/// sitemap index that names them, which `robots.txt` points to.
pub fn sitemap_index(domain: &str, parts: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for part in 0..parts {
        let url = format!("https://{domain}/{}", sitemap_part_name(part));
        let _ = writeln!(
            out,
            "  <sitemap>\n    <loc>{}</loc>\n  </sitemap>",
            xml_escape(&encode_path(&url))
        );
    }
    out.push_str("</sitemapindex>\n");
    out
}

/// How long `url` is once written in a sitemap (encoded, then escaped).
pub fn sitemap_url_len(url: &str) -> usize {
    let plain = |b: &u8| b.is_ascii_alphanumeric() || b"-_./:~".contains(b);
    if url.bytes().all(|b| plain(&b)) {
        url.len()
    } else {
        xml_escape(&encode_path(url)).len()
    }
}

/// `sitemap.xml` written one entry at a time, so a region of 25,000 pages
/// never holds all its entries besides the file's text.
pub struct Sitemap {
    out: String,
}

impl Sitemap {
    pub fn new() -> Self {
        Sitemap {
            out: String::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
                 xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
            ),
        }
    }

    /// Adds the next entry: entries are added in the order of their URLs.
    pub fn add(&mut self, entry: SitemapEntry) {
        // Pushed piece by piece, each URL escaped only when it needs it: a
        // sitemap entry per page, with an alternate per region.
        let out = &mut self.out;
        out.push_str("  <url>\n    <loc>");
        out.push_str(&xml_escape(&encode_path(&entry.url)));
        out.push_str("</loc>\n");
        if let Some(date) = &entry.lastmod {
            out.push_str("    <lastmod>");
            out.push_str(&xml_escape(date));
            out.push_str("</lastmod>\n");
        }
        let mut alternates = entry.alternates;
        alternates.sort();
        for (hreflang, url) in alternates {
            out.push_str("    <xhtml:link rel=\"alternate\" hreflang=\"");
            out.push_str(&xml_escape(&hreflang));
            out.push_str("\" href=\"");
            out.push_str(&xml_escape(&encode_path(&url)));
            out.push_str("\"/>\n");
        }
        out.push_str("  </url>\n");
    }

    /// The length of the text added and not yet taken.
    pub fn pending(&self) -> usize {
        self.out.len()
    }

    /// The text added since the last call, to be written before what follows.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    pub fn finish(mut self) -> String {
        self.out.push_str(Self::END);
        self.out
    }

    const END: &str = "</urlset>\n";

    /// The most bytes a sitemap of `urls` entries takes, when no URL is
    /// longer than `url_len` once written ([`sitemap_url_len`]), no entry has
    /// more than `alternates` alternates, and no `hreflang` is longer than
    /// `hreflang_len`: measured on the longest entry [`Sitemap::add`] can
    /// write, so that the bound follows the format.
    pub fn bound(urls: usize, url_len: usize, alternates: usize, hreflang_len: usize) -> usize {
        let url = format!("https://{}", "a".repeat(url_len.saturating_sub(8)));
        let longest = SitemapEntry {
            url: url.clone(),
            lastmod: Some("9999-12-31".to_string()),
            alternates: vec![("a".repeat(hreflang_len), url); alternates],
        };
        let mut one = Sitemap { out: String::new() };
        one.add(longest);
        Sitemap::new().out.len() + urls * one.out.len() + Self::END.len()
    }
}

impl Default for Sitemap {
    fn default() -> Self {
        Self::new()
    }
}

/// Characters a URL path cannot hold as they are (RFC 3986); anything not ASCII is
/// encoded too. `%` is kept, so an encoded path stays as it is.
const PATH_ENCODE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// `https://fr.example/données/` -> `https://fr.example/donn%C3%A9es/`: sitemaps
/// must hold URLs as RFC 3986 writes them. Only the path is encoded.
fn encode_path(url: &str) -> Cow<'_, str> {
    let host_start = url.find("://").map_or(0, |i| i + 3);
    let path_start = url[host_start..]
        .find('/')
        .map_or(url.len(), |i| host_start + i);
    let path_end = url[path_start..]
        .find(['?', '#'])
        .map_or(url.len(), |i| path_start + i);
    let path: Cow<str> =
        percent_encoding::utf8_percent_encode(&url[path_start..path_end], PATH_ENCODE).into();
    match path {
        Cow::Borrowed(_) => Cow::Borrowed(url),
        Cow::Owned(path) => Cow::Owned([&url[..path_start], &path, &url[path_end..]].concat()),
    }
}

fn xml_escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"']) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

pub fn robots(domain: &str) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: https://{domain}/sitemap.xml\n")
}

/// The headers every file of a domain is served with (`serve` sends them too, so
/// what the CDN blocks, the preview blocks).
pub const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    (
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    ),
    ("Strict-Transport-Security", "max-age=31536000"),
];

/// No script, no frame, no form, styles and images from the domain itself.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `_headers`: security headers everywhere; a year of immutable caching only for
/// fingerprinted files (HTML keeps the CDN default, which revalidates). Netlify and
/// Cloudflare both apply every matching rule, so `/*` carries no Cache-Control that
/// would be merged with the assets' one.
pub fn headers(fingerprinted: &[SitePath]) -> String {
    let mut out = String::from("# Generated by handover.\n/*\n");
    for (name, value) in SECURITY_HEADERS {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    let mut paths: Vec<String> = fingerprinted.iter().map(|path| path.file_url()).collect();
    paths.sort();
    for path in paths {
        out.push_str(&format!(
            "{path}\n  Cache-Control: public, max-age=31536000, immutable\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sitemap.xml` of `entries`, sorted by URL as the pipeline sorts them.
    fn sitemap(mut entries: Vec<SitemapEntry>) -> String {
        entries.sort_by(|a, b| a.url.cmp(&b.url));
        let mut sitemap = Sitemap::new();
        for entry in entries {
            sitemap.add(entry);
        }
        sitemap.finish()
    }

    /// A sink that takes files whole gets a file in pieces whole, and one it
    /// does not want is never made.
    #[test]
    fn pieces_are_made_only_for_a_sink_that_wants_them() {
        struct Pages(std::sync::Mutex<Vec<String>>);
        impl Sink for Pages {
            fn write(&self, _: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic> {
                let text = String::from_utf8(bytes.to_vec()).unwrap();
                self.0.lock().unwrap().push(format!("{path}: {text}"));
                Ok(())
            }
            fn wants(&self, path: &SitePath) -> bool {
                path.file_url().ends_with(".html")
            }
        }
        let sink = Pages(std::sync::Mutex::new(Vec::new()));
        let made = std::cell::Cell::new(0);
        let mut pieces = ["<p>", "one", "</p>"].into_iter().map(|piece| {
            made.set(made.get() + 1);
            piece.to_string()
        });
        let page = SitePath::parse("a/index.html").unwrap();
        sink.write_pieces("uk", &page, &mut pieces).unwrap();
        assert_eq!(*sink.0.lock().unwrap(), ["a/index.html: <p>one</p>"]);
        assert_eq!(made.get(), 3);
        let mut pieces = ["<urlset>", "</urlset>"].into_iter().map(|piece| {
            made.set(made.get() + 1);
            piece.to_string()
        });
        let sitemap = SitePath::parse("sitemap.xml").unwrap();
        sink.write_pieces("uk", &sitemap, &mut pieces).unwrap();
        assert_eq!(made.get(), 3, "no piece of a file the sink does not want");
        assert_eq!(sink.0.lock().unwrap().len(), 1);
    }

    /// A file already in the folder may be a hard link to the live output: a
    /// write replaces it with a new file and leaves the other name's bytes alone.
    #[cfg(unix)]
    #[test]
    fn a_write_never_goes_into_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.html");
        std::fs::write(&live, "live").unwrap();
        let staged = dir.path().join("staging/uk/index.html");
        std::fs::create_dir_all(staged.parent().unwrap()).unwrap();
        std::fs::hard_link(&live, &staged).unwrap();
        let sink = DirSink::new(dir.path().join("staging"));
        sink.write("uk", &SitePath::parse("index.html").unwrap(), b"new bytes")
            .unwrap();
        assert!(sink.finish().is_none());
        assert_eq!(std::fs::read(&staged).unwrap(), b"new bytes");
        assert_eq!(std::fs::read(&live).unwrap(), b"live");
    }

    /// A file given in pieces is the file given whole; over a previous output
    /// with the same bytes, the old file is kept (its inode and time).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_in_pieces_is_written_whole_and_reuses_the_same_old_file() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let pieces = || ["<urlset>", "", "<url/>", "</urlset>\n"].map(String::from);
        let path = SitePath::parse("sitemap.xml").unwrap();
        let first = DirSink::new(dir.path().join("public"));
        first
            .write_pieces("uk", &path, &mut pieces().into_iter())
            .unwrap();
        assert!(first.finish().is_none());
        let old = dir.path().join("public/uk/sitemap.xml");
        assert_eq!(std::fs::read_to_string(&old).unwrap(), pieces().concat());

        let fresh = std::fs::metadata(&old).unwrap();
        let previous = previous::PreviousOutput::open(&dir.path().join("public"), &fresh);
        let second = DirSink::reusing(dir.path().join("staging"), previous);
        second
            .write_pieces("uk", &path, &mut pieces().into_iter())
            .unwrap();
        let changed = SitePath::parse("other.xml").unwrap();
        second
            .write_pieces("uk", &changed, &mut pieces().into_iter())
            .unwrap();
        assert!(second.finish().is_none());
        assert_eq!(second.reused(), 1);
        let new = std::fs::metadata(dir.path().join("staging/uk/sitemap.xml")).unwrap();
        assert_eq!((new.dev(), new.ino()), (fresh.dev(), fresh.ino()));
        let other = dir.path().join("staging/uk/other.xml");
        assert_eq!(std::fs::read_to_string(other).unwrap(), pieces().concat());
    }

    #[test]
    fn sitemap_is_sorted_and_escaped() {
        let xml = sitemap(vec![
            SitemapEntry {
                url: "https://b.example/".into(),
                lastmod: Some("2025-01-09".into()),
                alternates: vec![],
            },
            SitemapEntry {
                url: "https://a.example/?a&b".into(),
                lastmod: None,
                alternates: vec![("x-default".into(), "https://a.example/".into())],
            },
        ]);
        let a = xml.find("a.example/?a&amp;b").unwrap();
        let b = xml.find("b.example").unwrap();
        assert!(a < b);
        assert!(xml.contains("hreflang=\"x-default\""));
        assert!(xml.contains("<loc>https://b.example/</loc>\n    <lastmod>2025-01-09</lastmod>\n"));
        assert_eq!(xml.matches("<lastmod>").count(), 1);
    }

    #[test]
    fn sitemap_urls_are_percent_encoded() {
        let xml = sitemap(vec![SitemapEntry {
            url: "https://fr.example/fr-fr/données/".into(),
            lastmod: None,
            alternates: vec![("fr-FR".into(), "https://fr.example/fr-fr/données/".into())],
        }]);
        assert!(
            xml.contains("<loc>https://fr.example/fr-fr/donn%C3%A9es/</loc>"),
            "{xml}"
        );
        assert!(xml.contains("href=\"https://fr.example/fr-fr/donn%C3%A9es/\""));
        assert!(!xml.contains('é'));
        assert_eq!(
            encode_path("https://a.example/x%20y/?q=é"),
            "https://a.example/x%20y/?q=é"
        );
    }

    #[test]
    fn only_fingerprinted_files_are_cached_for_a_year() {
        let text = headers(&[SitePath::parse("style.0123456789.css").unwrap()]);
        assert!(text.contains(
            "/style.0123456789.css\n  Cache-Control: public, max-age=31536000, immutable"
        ));
        assert_eq!(text.matches("Cache-Control").count(), 1);
    }
}
