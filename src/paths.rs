//! [`SitePath`]: a path inside one domain's output folder that cannot escape it.
//!
//! Slugs, locale prefixes and asset names all become `SitePath`s before anything is
//! written, so `..`, absolute paths, backslashes, NUL and other control characters
//! are refused in one place.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::text_list::{TextAt, TextList};

/// A relative path of checked segments; the empty path is the domain root.
///
/// The segments are kept joined by `/` in one string (a segment cannot hold
/// `/`): every page holds a few paths, and one allocation each instead of one
/// per segment matters at 100,000 pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SitePath {
    joined: Box<str>,
}

/// A [`SitePath`] borrowed, as `str` is to `String`: from a path, or from a
/// [`SitePathList`]. Made only of text a `SitePath` was made of, so its
/// segments are as checked.
#[derive(Debug, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct SitePathStr(str);

impl SitePathStr {
    /// `joined` as a path: only ever text a `SitePath` holds (or held).
    fn of_checked(joined: &str) -> &SitePathStr {
        // SAFETY: `SitePathStr` is `repr(transparent)` over `str`: the two
        // pointers have the same layout and metadata (the length).
        unsafe { &*(joined as *const str as *const SitePathStr) }
    }

    /// The path as owned.
    pub fn to_path(&self) -> SitePath {
        SitePath {
            joined: self.0.into(),
        }
    }
}

impl std::ops::Deref for SitePath {
    type Target = SitePathStr;

    fn deref(&self) -> &SitePathStr {
        SitePathStr::of_checked(&self.joined)
    }
}

/// Ordered segment by segment (`a/b` before `a-b`, as in a walk of the
/// folders), not as the joined text.
impl Ord for SitePathStr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.segments().cmp(other.segments())
    }
}

impl PartialOrd for SitePathStr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SitePath {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl PartialOrd for SitePath {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Paths one after another in one text ([`TextList`]): a locale's slugs,
/// kept for every page until the build ends, in one allocation rather than
/// one each.
#[derive(Debug, Clone, Default)]
pub struct SitePathList {
    texts: TextList,
}

/// Where a path is in a [`SitePathList`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathAt(TextAt);

impl SitePathList {
    /// Keeps `path`; `None` once the list would pass 4 GiB.
    pub fn push(&mut self, path: &SitePathStr) -> Option<PathAt> {
        // No segment holds a NUL ([`check_segment`] refuses control
        // characters), the list's separator.
        self.texts.push(&path.0).map(PathAt)
    }

    /// The path at `at`: `None` unless `at` is a place this list gave, whole
    /// between two of its NULs, so that no other text reads as a path.
    pub fn get(&self, at: PathAt) -> Option<&SitePathStr> {
        self.texts.get(at.0).map(SitePathStr::of_checked)
    }

    /// Gives back the room of the doubling that grew it.
    pub fn shrink_to_fit(&mut self) {
        self.texts.shrink_to_fit();
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

    /// Parses a URL path such as `/warranty/` or `/` (leading slash required).
    pub fn from_url_path(path: &str) -> Result<Self, String> {
        let inner = path
            .strip_prefix('/')
            .ok_or_else(|| "must start with `/`".to_string())?;
        SitePath::parse(inner.strip_suffix('/').unwrap_or(inner))
    }
}

impl SitePathStr {
    /// The segments from the top: none for the root.
    fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|s| !s.is_empty())
    }

    pub fn join(&self, other: &SitePathStr) -> SitePath {
        match (self.is_root(), other.is_root()) {
            (true, _) => other.to_path(),
            (_, true) => self.to_path(),
            _ => SitePath {
                joined: format!("{}/{}", &self.0, &other.0).into(),
            },
        }
    }

    /// Appends one segment that has already been checked by the caller's type
    /// (a locale tag, a file name); it is checked again here all the same.
    pub fn child(&self, segment: &str) -> Result<SitePath, String> {
        check_segment(segment)?;
        Ok(self.join(SitePathStr::of_checked(segment)))
    }

    /// How many segments: 0 for the root, 1 for `warranty`, 2 for `products/x`.
    pub fn depth(&self) -> usize {
        self.segments().count()
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The last segment: `x` of `products/x`; none for the root.
    pub fn last_segment(&self) -> Option<&str> {
        self.0.rsplit('/').next().filter(|last| !last.is_empty())
    }

    /// The URL of the folder: `/`, `/fr-be/garantie/`.
    pub fn dir_url(&self) -> String {
        if self.is_root() {
            "/".to_string()
        } else {
            format!("/{}/", &self.0)
        }
    }

    /// How `self.join(slug).dir_url()` orders against `other.join(other_slug)
    /// .dir_url()`, without writing either: a sitemap sorts every page of a
    /// domain by URL, and the URLs written out took 1.6 MB a domain at
    /// 100,000 pages.
    pub fn cmp_joined_dir_url(
        &self,
        slug: &SitePathStr,
        other: &SitePathStr,
        other_slug: &SitePathStr,
    ) -> std::cmp::Ordering {
        cmp_concatenated(
            &self.dir_url_pieces(slug),
            &other.dir_url_pieces(other_slug),
        )
    }

    /// `self.join(slug).dir_url()` in pieces.
    fn dir_url_pieces<'a>(&'a self, slug: &'a SitePathStr) -> [&'a str; 5] {
        match (self.is_root(), slug.is_root()) {
            (true, true) => ["/", "", "", "", ""],
            (false, true) => ["/", &self.0, "/", "", ""],
            (true, false) => ["/", &slug.0, "/", "", ""],
            (false, false) => ["/", &self.0, "/", &slug.0, "/"],
        }
    }

    /// The URL of the file: `/style.css`.
    pub fn file_url(&self) -> String {
        format!("/{}", &self.0)
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
        let ends = self.0.match_indices('/').map(|(at, _)| at);
        ends.chain((!self.is_root()).then_some(self.0.len()))
            .map(|end| SitePath {
                joined: self.0[..end].into(),
            })
    }

    /// Comparison key for case-insensitive file systems and CDNs.
    pub fn folded(&self) -> String {
        self.0.to_lowercase()
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

impl fmt::Display for SitePathStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
    fn a_list_gives_back_each_path_it_kept_and_nothing_else() {
        let mut list = SitePathList::default();
        let paths =
            ["products/a..b", "", "x", "products/p00001"].map(|p| SitePath::parse(p).unwrap());
        let places: Vec<PathAt> = paths.iter().map(|p| list.push(p).unwrap()).collect();
        for (path, at) in paths.iter().zip(&places) {
            assert_eq!(list.get(*at), Some(&**path));
            assert_eq!(list.get(*at).unwrap().to_path(), *path);
        }
        // A place that is not one the list gave: part of a path (`..` of
        // `a..b` must not read as a path), before the first, or past the end.
        let at = places[0].0;
        let forged = [
            at.shifted(5),
            at.shifted(9),
            at.shifted(1),
            at.shifted(-1),
            at.shifted(1000),
        ];
        for forged in forged {
            assert_eq!(list.get(PathAt(forged)), None, "{forged:?}");
        }
    }

    #[test]
    fn folding_finds_case_collisions() {
        let a = SitePath::parse("About").unwrap();
        let b = SitePath::parse("about").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.folded(), b.folded());
    }
}
