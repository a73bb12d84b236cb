//! [`SitePath`]: a path inside one domain's output folder that cannot escape it.
//!
//! Slugs, locale prefixes and asset names all become `SitePath`s before anything is
//! written, so `..`, absolute paths, backslashes, NUL and other control characters
//! are refused in one place.

use std::fmt;
use std::path::{Path, PathBuf};

/// A relative path of checked segments; the empty path is the domain root.
///
/// The segments are kept joined by `/` in one string (a segment cannot hold
/// `/`): every page holds a few paths, and one allocation each instead of one
/// per segment matters at 100,000 pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SitePath {
    joined: Box<str>,
}

/// Ordered segment by segment (`a/b` before `a-b`, as in a walk of the
/// folders), not as the joined text.
impl Ord for SitePath {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.segments().cmp(other.segments())
    }
}

impl PartialOrd for SitePath {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The longest file name common file systems (ext4, APFS, NTFS) accept, in bytes.
pub const MAX_SEGMENT_BYTES: usize = 255;

/// Why a path was refused, in words for the person who wrote it.
pub fn check_segment(segment: &str) -> Result<(), String> {
    if segment.is_empty() {
        return Err("has an empty segment (`//`)".to_string());
    }
    if segment == "." || segment == ".." {
        return Err(format!(
            "contains `{segment}`, which would leave the site folder"
        ));
    }
    if let Some(c) = segment.chars().find(|c| {
        c.is_control()
            || matches!(
                c,
                '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '#' | '%'
            )
    }) {
        return Err(format!(
            "contains the character {c:?}, which is not allowed in a path"
        ));
    }
    if segment.chars().any(char::is_whitespace) {
        return Err("contains a space: use `-` between words".to_string());
    }
    if segment.len() > MAX_SEGMENT_BYTES {
        return Err(format!(
            "has a part of {} bytes; file systems refuse names over {MAX_SEGMENT_BYTES}",
            segment.len()
        ));
    }
    Ok(())
}

impl SitePath {
    pub fn root() -> Self {
        SitePath::default()
    }

    /// Parses `a/b/c` (leading and trailing `/` are not allowed; use [`SitePath::from_url_path`]
    /// for `/a/b/`).
    pub fn parse(path: &str) -> Result<Self, String> {
        if path.is_empty() {
            return Ok(SitePath::root());
        }
        if path.starts_with('/') {
            return Err(
                "starts with `/`: write it relative, without the leading slash".to_string(),
            );
        }
        for segment in path.split('/') {
            check_segment(segment)?;
        }
        Ok(SitePath {
            joined: path.into(),
        })
    }

    /// The segments from the top: none for the root.
    fn segments(&self) -> impl Iterator<Item = &str> {
        self.joined.split('/').filter(|s| !s.is_empty())
    }

    /// Parses a URL path such as `/warranty/` or `/` (leading slash required).
    pub fn from_url_path(path: &str) -> Result<Self, String> {
        let inner = path
            .strip_prefix('/')
            .ok_or_else(|| "must start with `/`".to_string())?;
        SitePath::parse(inner.strip_suffix('/').unwrap_or(inner))
    }

    pub fn join(&self, other: &SitePath) -> SitePath {
        match (self.is_root(), other.is_root()) {
            (true, _) => other.clone(),
            (_, true) => self.clone(),
            _ => SitePath {
                joined: format!("{}/{}", self.joined, other.joined).into(),
            },
        }
    }

    /// Appends one segment that has already been checked by the caller's type
    /// (a locale tag, a file name); it is checked again here all the same.
    pub fn child(&self, segment: &str) -> Result<SitePath, String> {
        check_segment(segment)?;
        Ok(self.join(&SitePath {
            joined: segment.into(),
        }))
    }

    /// How many segments: 0 for the root, 1 for `warranty`, 2 for `products/x`.
    pub fn depth(&self) -> usize {
        self.segments().count()
    }

    pub fn is_root(&self) -> bool {
        self.joined.is_empty()
    }

    /// The URL of the folder: `/`, `/fr-be/garantie/`.
    pub fn dir_url(&self) -> String {
        if self.is_root() {
            "/".to_string()
        } else {
            format!("/{}/", self.joined)
        }
    }

    /// How `self.join(slug).dir_url()` orders against `other.join(other_slug)
    /// .dir_url()`, without writing either: a sitemap sorts every page of a
    /// domain by URL, and the URLs written out took 1.6 MB a domain at
    /// 100,000 pages.
    pub fn cmp_joined_dir_url(
        &self,
        slug: &SitePath,
        other: &SitePath,
        other_slug: &SitePath,
    ) -> std::cmp::Ordering {
        cmp_concatenated(
            &self.dir_url_pieces(slug),
            &other.dir_url_pieces(other_slug),
        )
    }

    /// `self.join(slug).dir_url()` in pieces.
    fn dir_url_pieces<'a>(&'a self, slug: &'a SitePath) -> [&'a str; 5] {
        match (self.is_root(), slug.is_root()) {
            (true, true) => ["/", "", "", "", ""],
            (false, true) => ["/", &self.joined, "/", "", ""],
            (true, false) => ["/", &slug.joined, "/", "", ""],
            (false, false) => ["/", &self.joined, "/", &slug.joined, "/"],
        }
    }

    /// The URL of the file: `/style.css`.
    pub fn file_url(&self) -> String {
        format!("/{}", self.joined)
    }

    /// The file's place under `root`; by construction it stays inside.
    pub fn under(&self, root: &Path) -> PathBuf {
        let mut path = root.to_path_buf();
        path.extend(self.segments());
        path
    }

    /// The path's folders from the top, ending with the path itself:
    /// `a/b` gives `a`, `a/b`.
    pub fn prefixes(&self) -> impl Iterator<Item = SitePath> + '_ {
        let ends = self.joined.match_indices('/').map(|(at, _)| at);
        ends.chain((!self.is_root()).then_some(self.joined.len()))
            .map(|end| SitePath {
                joined: self.joined[..end].into(),
            })
    }

    /// Comparison key for case-insensitive file systems and CDNs.
    pub fn folded(&self) -> String {
        self.joined.to_lowercase()
    }
}

/// How the texts `a` put one after another order against those of `b`.
fn cmp_concatenated(a: &[&str], b: &[&str]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut a, mut b) = (
        a.iter().map(|s| s.as_bytes()),
        b.iter().map(|s| s.as_bytes()),
    );
    let (mut x, mut y): (&[u8], &[u8]) = (&[], &[]);
    loop {
        while x.is_empty() {
            let Some(next) = a.next() else { break };
            x = next;
        }
        while y.is_empty() {
            let Some(next) = b.next() else { break };
            y = next;
        }
        if x.is_empty() || y.is_empty() {
            return x.is_empty().cmp(&y.is_empty()).reverse();
        }
        let common = x.len().min(y.len());
        match x[..common].cmp(&y[..common]) {
            Ordering::Equal => (x, y) = (&x[common..], &y[common..]),
            unequal => return unequal,
        }
    }
}

impl fmt::Display for SitePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.joined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_folders_order_as_their_urls_written_out() {
        let paths: Vec<SitePath> = ["", "a", "a-b", "a/b", "a/b/c", "ab", "fr-be", "é", "a/é"]
            .iter()
            .map(|p| {
                if p.is_empty() {
                    SitePath::root()
                } else {
                    SitePath::parse(p).unwrap()
                }
            })
            .collect();
        for root in &paths {
            for slug in &paths {
                for other in &paths {
                    for other_slug in &paths {
                        let written = root.join(slug).dir_url();
                        let other_written = other.join(other_slug).dir_url();
                        assert_eq!(
                            root.cmp_joined_dir_url(slug, other, other_slug),
                            written.cmp(&other_written),
                            "{written} against {other_written}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn nothing_escapes() {
        for bad in [
            "..",
            "a/../b",
            "/etc/passwd",
            "a\\b",
            "a\0b",
            "a//b",
            "./a",
            "C:/x",
            "a b",
            "%2e%2e",
        ] {
            assert!(SitePath::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn urls_and_files() {
        let path = SitePath::parse("fr-be/garantie").unwrap();
        assert_eq!(path.dir_url(), "/fr-be/garantie/");
        assert_eq!(SitePath::root().dir_url(), "/");
        assert_eq!(SitePath::from_url_path("/fr-be/garantie/").unwrap(), path);
        assert_eq!(
            path.under(Path::new("/out")),
            PathBuf::from("/out/fr-be/garantie")
        );
    }

    #[test]
    fn names_too_long_for_a_file_system_are_refused() {
        assert!(SitePath::parse(&"a".repeat(255)).is_ok());
        let error = SitePath::parse(&format!("x/{}", "a".repeat(256))).unwrap_err();
        assert_eq!(
            error,
            "has a part of 256 bytes; file systems refuse names over 255"
        );
    }

    #[test]
    fn paths_are_ordered_segment_by_segment_and_join_as_segments() {
        let parse = |p| SitePath::parse(p).unwrap();
        assert!(parse("a/b") < parse("a-b"));
        assert!(parse("a") < parse("a/b"));
        assert!(SitePath::root() < parse("a"));
        assert_eq!(SitePath::root().depth(), 0);
        assert_eq!(parse("a/b").depth(), 2);
        assert_eq!(SitePath::root().join(&parse("a")), parse("a"));
        assert_eq!(parse("a").join(&SitePath::root()), parse("a"));
        assert_eq!(parse("a").child("b").unwrap(), parse("a/b"));
        assert!(parse("a").child("..").is_err());
        assert_eq!(SitePath::root().prefixes().count(), 0);
        assert_eq!(SitePath::root().to_string(), "");
        assert_eq!(SitePath::root().file_url(), "/");
    }

    #[test]
    fn prefixes_run_from_the_top() {
        let path = SitePath::parse("a/b/c").unwrap();
        let prefixes: Vec<String> = path.prefixes().map(|p| p.to_string()).collect();
        assert_eq!(prefixes, ["a", "a/b", "a/b/c"]);
    }

    #[test]
    fn folding_finds_case_collisions() {
        let a = SitePath::parse("About").unwrap();
        let b = SitePath::parse("about").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.folded(), b.folded());
    }
}
