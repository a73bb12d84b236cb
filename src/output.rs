//! Where rendered files go, and the per-domain files that are not pages.
//!
//! A build writes into a staging folder next to `public/` and swaps it in only when
//! every file was written, so a failed build leaves the previous `public/` as it
//! was. `serve` and `check` use other [`Sink`]s (memory, the link collector) with the same
//! pipeline. Aggregates (sitemap, headers) are sorted so the bytes never depend on
//! thread scheduling or file-system order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::diagnostics::Diagnostic;
use crate::fs;
use crate::paths::SitePath;

/// Receives every output file, from many threads at once.
pub trait Sink: Sync {
    fn write(&self, domain: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic>;
}

/// Writes under a folder: `<root>/<domain>/<path>`.
pub struct DirSink {
    root: PathBuf,
}

impl DirSink {
    pub fn new(root: PathBuf) -> Self {
        DirSink { root }
    }
}

impl Sink for DirSink {
    fn write(&self, domain: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic> {
        // A domain was checked to be a hostname, a path to hold no `..`: both stay
        // inside `root`.
        let domain_dir = SitePath::root()
            .child(domain)
            .map_err(|why| Diagnostic::error("output::path", format!("domain `{domain}` {why}")))?;
        fs::write(&domain_dir.join(path).under(&self.root), bytes)
    }
}

/// Keeps every file in memory: `serve` answers from it.
#[derive(Default)]
pub struct MemorySink {
    pub files: Mutex<BTreeMap<(String, String), Vec<u8>>>,
}

impl MemorySink {
    pub fn into_files(self) -> BTreeMap<(String, String), Vec<u8>> {
        self.files.into_inner().unwrap_or_default()
    }
}

impl Sink for MemorySink {
    fn write(&self, domain: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic> {
        let mut files = self
            .files
            .lock()
            .map_err(|_| Diagnostic::error("output::memory", "a render thread panicked"))?;
        files.insert((domain.to_string(), path.to_string()), bytes.to_vec());
        Ok(())
    }
}

/// A staging folder beside the final output, swapped in on success.
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
}

impl Staging {
    /// Creates `<target>.staging-<pid>` next to `target` (same file system, so the
    /// swap is a rename).
    pub fn create(target: &Path) -> Result<Staging, Diagnostic> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".to_string());
        let dir = target.with_file_name(format!(".{name}.staging-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| fs::io_error(&e, &dir.display().to_string(), "clear"))?;
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| fs::io_error(&e, &dir.display().to_string(), "create"))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
        })
    }

    /// Replaces the target with the staged folder.
    pub fn commit(self) -> Result<(), Diagnostic> {
        let old = self.target.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let had_previous = self.target.exists();
        if had_previous {
            std::fs::rename(&self.target, &old)
                .map_err(|e| fs::io_error(&e, &self.target.display().to_string(), "move aside"))?;
        }
        if let Err(error) = std::fs::rename(&self.dir, &self.target) {
            if had_previous {
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(fs::io_error(
                &error,
                &self.target.display().to_string(),
                "replace",
            ));
        }
        if had_previous {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    }

    /// Removes the staged folder, leaving the target untouched.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
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

/// `sitemap.xml` with `xhtml:link` alternates, sorted by URL.
pub fn sitemap(mut entries: Vec<SitemapEntry>) -> String {
    entries.sort_by(|a, b| a.url.cmp(&b.url));
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for entry in entries {
        out.push_str("  <url>\n");
        out.push_str(&format!("    <loc>{}</loc>\n", xml_escape(&entry.url)));
        if let Some(date) = &entry.lastmod {
            out.push_str(&format!("    <lastmod>{}</lastmod>\n", xml_escape(date)));
        }
        let mut alternates = entry.alternates;
        alternates.sort();
        for (hreflang, url) in alternates {
            out.push_str(&format!(
                "    <xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>\n",
                xml_escape(&hreflang),
                xml_escape(&url)
            ));
        }
        out.push_str("  </url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn robots(domain: &str) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: https://{domain}/sitemap.xml\n")
}

/// `_headers`: security headers everywhere; a year of immutable caching only for
/// fingerprinted files (HTML keeps the CDN default, which revalidates). Netlify and
/// Cloudflare both apply every matching rule, so `/*` carries no Cache-Control that
/// would be merged with the assets' one.
pub fn headers(fingerprinted: &[SitePath]) -> String {
    let mut out = String::from(
        "# Generated by handover.\n\
         /*\n  \
         X-Content-Type-Options: nosniff\n  \
         Referrer-Policy: strict-origin-when-cross-origin\n  \
         X-Frame-Options: DENY\n  \
         Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'\n  \
         Permissions-Policy: camera=(), microphone=(), geolocation=(), interest-cohort=()\n  \
         Strict-Transport-Security: max-age=31536000\n",
    );
    let mut paths: Vec<String> = fingerprinted.iter().map(SitePath::file_url).collect();
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
    fn only_fingerprinted_files_are_cached_for_a_year() {
        let text = headers(&[SitePath::parse("style.0123456789.css").unwrap()]);
        assert!(text.contains(
            "/style.0123456789.css\n  Cache-Control: public, max-age=31536000, immutable"
        ));
        assert_eq!(text.matches("Cache-Control").count(), 1);
    }

    #[test]
    fn a_failed_build_leaves_the_target_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("public");
        std::fs::create_dir_all(target.join("old")).unwrap();
        std::fs::write(target.join("old/index.html"), "before").unwrap();
        let staging = Staging::create(&target).unwrap();
        std::fs::write(staging.dir.join("half"), "x").unwrap();
        staging.abandon();
        assert_eq!(
            std::fs::read_to_string(target.join("old/index.html")).unwrap(),
            "before"
        );
        let staging = Staging::create(&target).unwrap();
        std::fs::write(staging.dir.join("new"), "after").unwrap();
        staging.commit().unwrap();
        assert!(!target.join("old").exists());
        assert_eq!(
            std::fs::read_to_string(target.join("new")).unwrap(),
            "after"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no staging or old folder left behind");
    }
}
