//! The files a domain's build generates, as the redirect checks see them.
//!
//! Every rule table keeps them for the whole build, and a 100,000-page site has
//! 100,000 of them: as `RequestPath`s (a string per segment, in a tree) they
//! took about 230 bytes each. Here each is one string, its canonical request
//! path (`/warranty/index.html`), in a sorted list.

use std::cmp::Ordering;

use super::pattern::RequestPath;

/// A set of request paths, iterated in [`RequestPath`]'s order (segment by
/// segment, so `/a/b` comes before `/a-b`, as in a walk of the folders).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    /// Each path as it is written (`RequestPath`'s `Display`), sorted by
    /// [`compare`].
    paths: Vec<Box<str>>,
}

/// The segments and trailing slash of a path written by `RequestPath`'s
/// `Display`: `/` is the root, `/a/b/` has two segments and a trailing slash.
fn parts(written: &str) -> (impl Iterator<Item = &str>, bool) {
    let inner = written.strip_prefix('/').unwrap_or(written);
    let trailing_slash = inner.ends_with('/');
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let segments = inner.split('/').filter(move |_| !inner.is_empty());
    (segments, trailing_slash)
}

/// Orders a written path against a request path as `RequestPath`'s derived
/// `Ord` orders two request paths: segments first, then the trailing slash.
fn compare(written: &str, path: &RequestPath) -> Ordering {
    let (segments, trailing_slash) = parts(written);
    segments
        .cmp(path.segments.iter().map(String::as_str))
        .then(trailing_slash.cmp(&path.trailing_slash))
}

fn compare_written(a: &str, b: &str) -> Ordering {
    let (a_segments, a_slash) = parts(a);
    let (b_segments, b_slash) = parts(b);
    a_segments.cmp(b_segments).then(a_slash.cmp(&b_slash))
}

fn parse_written(written: &str) -> RequestPath {
    let (segments, trailing_slash) = parts(written);
    RequestPath {
        segments: segments.map(str::to_string).collect(),
        trailing_slash,
    }
}

impl FileSet {
    pub fn contains(&self, path: &RequestPath) -> bool {
        self.paths
            .binary_search_by(|written| compare(written, path))
            .is_ok()
    }

    /// Each path, in order. Made as it is read: the set keeps strings only.
    pub fn iter(&self) -> impl Iterator<Item = RequestPath> + '_ {
        self.paths.iter().map(|written| parse_written(written))
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

impl FromIterator<RequestPath> for FileSet {
    /// Files have a name, so each path is written as one string that reads back
    /// as the same path (only the root, which no file is, has two spellings).
    fn from_iter<I: IntoIterator<Item = RequestPath>>(paths: I) -> FileSet {
        let mut paths: Vec<Box<str>> = paths
            .into_iter()
            .filter(|path| !path.segments.is_empty())
            .map(|path| path.to_string().into_boxed_str())
            .collect();
        paths.sort_unstable_by(|a, b| compare_written(a, b));
        paths.dedup();
        paths.shrink_to_fit();
        FileSet { paths }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn path(text: &str) -> RequestPath {
        RequestPath::parse(text).expect("valid")
    }

    #[test]
    fn files_come_back_as_they_went_in_and_in_request_path_order() {
        let written = [
            "/a-b/index.html",
            "/a/b/index.html",
            "/a/index.html",
            "/ab.html",
            "/a/b/",
            "/caf%C3%A9/index.html",
            "/a/index.html",
            "/404.html",
        ];
        let expected: BTreeSet<RequestPath> = written.iter().map(|p| path(p)).collect();
        let files: FileSet = written.iter().map(|p| path(p)).collect();
        assert_eq!(files.len(), expected.len());
        assert_eq!(
            files.iter().collect::<Vec<_>>(),
            expected.iter().cloned().collect::<Vec<_>>()
        );
        for file in &expected {
            assert!(files.contains(file), "{file}");
        }
        for other in ["/a/b", "/a", "/a/b/index.htm", "/a-b/", "/zz/index.html"] {
            assert!(!files.contains(&path(other)), "{other}");
        }
    }

    #[test]
    fn the_root_is_not_a_file() {
        let files: FileSet = [path("/"), path("/index.html")].into_iter().collect();
        assert_eq!(files.len(), 1);
        assert!(!files.contains(&path("/")));
        assert!(files.contains(&path("/index.html")));
    }
}
