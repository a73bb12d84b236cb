//! [`SitePath`]: a path inside one domain's output folder that cannot escape it.
//!
//! Slugs, locale prefixes and asset names all become `SitePath`s before anything is
//! written, so `..`, absolute paths, backslashes, NUL and other control characters
//! are refused in one place.

use std::fmt;
use std::path::{Path, PathBuf};

/// A relative path of checked segments; the empty path is the domain root.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SitePath {
    segments: Vec<String>,
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
        let mut segments = Vec::new();
        for segment in path.split('/') {
            check_segment(segment)?;
            segments.push(segment.to_string());
        }
        Ok(SitePath { segments })
    }

    /// Parses a URL path such as `/warranty/` or `/` (leading slash required).
    pub fn from_url_path(path: &str) -> Result<Self, String> {
        let inner = path
            .strip_prefix('/')
            .ok_or_else(|| "must start with `/`".to_string())?;
        SitePath::parse(inner.strip_suffix('/').unwrap_or(inner))
    }

    pub fn join(&self, other: &SitePath) -> SitePath {
        let mut segments = self.segments.clone();
        segments.extend(other.segments.iter().cloned());
        SitePath { segments }
    }

    /// Appends one segment that has already been checked by the caller's type
    /// (a locale tag, a file name); it is checked again here all the same.
    pub fn child(&self, segment: &str) -> Result<SitePath, String> {
        check_segment(segment)?;
        let mut segments = self.segments.clone();
        segments.push(segment.to_string());
        Ok(SitePath { segments })
    }

    /// How many segments: 0 for the root, 1 for `warranty`, 2 for `products/x`.
    pub fn depth(&self) -> usize {
        self.segments.len()
    }

    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The URL of the folder: `/`, `/fr-be/garantie/`.
    pub fn dir_url(&self) -> String {
        if self.segments.is_empty() {
            "/".to_string()
        } else {
            format!("/{}/", self.segments.join("/"))
        }
    }

    /// The URL of the file: `/style.css`.
    pub fn file_url(&self) -> String {
        format!("/{}", self.segments.join("/"))
    }

    /// The file's place under `root`; by construction it stays inside.
    pub fn under(&self, root: &Path) -> PathBuf {
        let mut path = root.to_path_buf();
        path.extend(&self.segments);
        path
    }

    /// The path's folders from the top, ending with the path itself:
    /// `a/b` gives `a`, `a/b`.
    pub fn prefixes(&self) -> impl Iterator<Item = SitePath> + '_ {
        (1..=self.segments.len()).map(|end| SitePath {
            segments: self.segments[..end].to_vec(),
        })
    }

    /// Comparison key for case-insensitive file systems and CDNs.
    pub fn folded(&self) -> String {
        self.segments.join("/").to_lowercase()
    }
}

impl fmt::Display for SitePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.segments.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
