//! The files a domain's build generates, as the redirect checks see them.
//!
//! Every rule table keeps them for the whole build, and a 100,000-page site has
//! 100,000 of them: as `RequestPath`s (a string per segment, in a tree) they
//! took about 230 bytes each. Here each is its canonical request path
//! (`/warranty/index.html`), written one after another in a single string in
//! sorted order, and found by the hash of its segments. A page's file ends in
//! `/index.html`: that is a bit beside the path, not 11 bytes of it. In sorted
//! order a path mostly begins as the one before it does (`/products/p00001`,
//! `/products/p00002`): each is written as how much of the one before it
//! keeps, then the rest (1.2 of 1.6 MB less at 100,000 pages).

use std::cmp::Ordering;
use std::fmt::Write;

use hashbrown::HashTable;

use super::index::PathHash;
use super::pattern::RequestPath;

/// A set of request paths, iterated in [`RequestPath`]'s order (segment by
/// segment, so `/a/b` comes before `/a-b`, as in a walk of the folders).
#[derive(Debug, Clone, Default)]
pub struct FileSet {
    /// Each path as it is written (`RequestPath`'s `Display`), sorted by
    /// [`compare_entries`], one after another, without the `/index.html` it
    /// ends with (see `ends`): a string of its own would cost more than the
    /// path. Each is written as a [`Stems`] entry: how many bytes it keeps of
    /// the one before, then the rest.
    text: Box<str>,
    /// Where each path ends in `text`, with [`INDEX_BIT`] set when the path
    /// goes on with `/index.html`.
    ends: Vec<u32>,
    /// Each path's place in `ends`, by the hash of its segments. Most paths a
    /// check asks about are not files: the hash says so without building the
    /// path, and a hit is compared with the string in place.
    places: HashTable<u32>,
}

impl PartialEq for FileSet {
    fn eq(&self, other: &FileSet) -> bool {
        self.text == other.text && self.ends == other.ends
    }
}

impl Eq for FileSet {}

/// The segments and trailing slash of a path written by `RequestPath`'s
/// `Display`: `/` is the root, `/a/b/` has two segments and a trailing slash.
fn parts(written: &str) -> (impl Iterator<Item = &str>, bool) {
    let inner = written.strip_prefix('/').unwrap_or(written);
    let trailing_slash = inner.ends_with('/');
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let segments = inner.split('/').filter(move |_| !inner.is_empty());
    (segments, trailing_slash)
}

/// What a path ends with when it is a page's file: kept as [`INDEX_BIT`].
const INDEX: &str = "/index.html";

/// Set in an entry's end when its path goes on with [`INDEX`]: the text
/// stays under 2 GiB.
const INDEX_BIT: u32 = 1 << 31;

/// The segments and trailing slash of an entry: its `stem` as written, then
/// `index.html` when it is a page's file (`index`).
fn entry_parts(stem: &str, index: bool) -> (impl Iterator<Item = &str>, bool) {
    let (segments, trailing_slash) = parts(stem);
    let index = index.then_some(&INDEX[1..]);
    (segments.chain(index), trailing_slash && index.is_none())
}

/// How two entries order: as the paths they stand for, written out.
fn compare_entries(a: (&str, bool), b: (&str, bool)) -> Ordering {
    let (a_segments, a_slash) = entry_parts(a.0, a.1);
    let (b_segments, b_slash) = entry_parts(b.0, b.1);
    a_segments.cmp(b_segments).then(a_slash.cmp(&b_slash))
}

fn parse_entry((stem, index): (&str, bool)) -> RequestPath {
    let (segments, trailing_slash) = entry_parts(stem, index);
    RequestPath {
        segments: segments.map(str::to_string).collect(),
        trailing_slash,
    }
}

/// The stems of a set's paths, each written after the one before it as how
/// many bytes it keeps of it (one ASCII character, under [`Stems::MOST_KEPT`])
/// and what follows them. Every [`Stems::RESTART`]th keeps none, so that a
/// stem is read from at most that many entries.
struct Stems;

impl Stems {
    const RESTART: usize = 16;
    /// Kept in one ASCII character, so that the text stays a `str`.
    const MOST_KEPT: usize = 127;

    /// Writes `stem`, the `place`th, after `before` (the one before it).
    fn write(text: &mut String, place: usize, before: &str, stem: &str) {
        let mut kept = if place.is_multiple_of(Self::RESTART) {
            0
        } else {
            let common = before.bytes().zip(stem.bytes()).take_while(|(a, b)| a == b);
            common.count().min(Self::MOST_KEPT)
        };
        // What follows must be text on its own.
        while !stem.is_char_boundary(kept) {
            kept -= 1;
        }
        text.push(char::from(kept as u8));
        text.push_str(&stem[kept..]);
    }

    /// Makes `stem` the stem written at `start..end`, from the one before it.
    fn read(stem: &mut String, text: &str, start: usize, end: usize) {
        let entry = &text[start..end];
        let kept = entry
            .as_bytes()
            .first()
            .map_or(0, |&kept| usize::from(kept));
        stem.truncate(kept);
        stem.push_str(entry.get(1..).unwrap_or_default());
    }
}

/// The entry at `place` in order: its stem, read from `text` (whose entries
/// end at `ends`) into `stem`, and whether it goes on with `/index.html`.
fn entry_at<'s>(text: &str, ends: &[u32], place: usize, stem: &'s mut String) -> (&'s str, bool) {
    stem.clear();
    let first = place - place % Stems::RESTART;
    let mut start = first
        .checked_sub(1)
        .map_or(0, |before| (ends[before] & !INDEX_BIT) as usize);
    for &end in &ends[first..=place] {
        let end = (end & !INDEX_BIT) as usize;
        Stems::read(stem, text, start, end);
        start = end;
    }
    (stem, ends[place] & INDEX_BIT != 0)
}

fn hash_entry((stem, index): (&str, bool)) -> u64 {
    let (segments, trailing_slash) = entry_parts(stem, index);
    PathHash::new().segments(segments).finish(trailing_slash)
}

/// A path asked about as it is found, without a copy: the segments of `parent`,
/// then `last` (a stem and a suffix, so `x` + `.html` needs no new string).
struct Probe<'a> {
    parent: &'a [String],
    last: Option<(&'a str, &'a str)>,
    trailing_slash: bool,
}

impl Probe<'_> {
    fn hash(&self) -> u64 {
        let mut hash = PathHash::new().segments(self.parent.iter().map(String::as_str));
        if let Some((stem, suffix)) = self.last {
            hash = hash
                .bytes(stem.as_bytes())
                .bytes(suffix.as_bytes())
                .end_segment();
        }
        hash.finish(self.trailing_slash)
    }

    fn is(&self, (stem, index): (&str, bool)) -> bool {
        let (mut segments, trailing_slash) = entry_parts(stem, index);
        if trailing_slash != self.trailing_slash {
            return false;
        }
        let parent_matches = self
            .parent
            .iter()
            .all(|segment| segments.next() == Some(segment.as_str()));
        let last_matches = match (self.last, segments.next()) {
            (Some((stem, suffix)), Some(segment)) => {
                segment.len() == stem.len() + suffix.len()
                    && segment.starts_with(stem)
                    && segment.ends_with(suffix)
            }
            (None, None) => true,
            _ => false,
        };
        parent_matches && last_matches && segments.next().is_none()
    }
}

impl FileSet {
    pub fn contains(&self, path: &RequestPath) -> bool {
        self.place_of(path).is_some()
    }

    /// Where `path` is among the files, in order: from 0 to [`FileSet::len`].
    pub fn place_of(&self, path: &RequestPath) -> Option<usize> {
        self.find(Probe {
            parent: &path.segments,
            last: None,
            trailing_slash: path.trailing_slash,
        })
    }

    fn find(&self, probe: Probe) -> Option<usize> {
        let mut stem = String::new();
        self.places
            .find(probe.hash(), |&place| {
                probe.is(self.entry(place as usize, &mut stem))
            })
            .map(|&place| place as usize)
    }

    /// Whether the set has `parent` + `last` (`last` split as a stem and a
    /// suffix), with or without a trailing slash.
    pub fn holds(
        &self,
        parent: &[String],
        last: Option<(&str, &str)>,
        trailing_slash: bool,
    ) -> bool {
        self.find(Probe {
            parent,
            last,
            trailing_slash,
        })
        .is_some()
    }

    /// Each path, in order. Made as it is read: the set keeps strings only.
    pub fn iter(&self) -> impl Iterator<Item = RequestPath> + '_ {
        let mut stem = String::new();
        (0..self.len()).map(move |place| parse_entry(self.entry(place, &mut stem)))
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn entry<'s>(&self, place: usize, stem: &'s mut String) -> (&'s str, bool) {
        entry_at(&self.text, &self.ends, place, stem)
    }
}

impl FromIterator<RequestPath> for FileSet {
    /// Files have a name, so each path is written as one string that reads back
    /// as the same path (only the root, which no file is, has two spellings).
    fn from_iter<I: IntoIterator<Item = RequestPath>>(paths: I) -> FileSet {
        // Written one after another in the order given, without the
        // `/index.html` they end with, then sorted by where each is: a string
        // per path would cost more than the paths, at the moment the site
        // holds the most.
        let mut written = String::new();
        let mut spans: Vec<(u32, u32)> = Vec::new();
        for path in paths.into_iter().filter(|path| !path.segments.is_empty()) {
            let start = written.len();
            // A `String` takes any text.
            let _ = write!(written, "{path}");
            let index = written.ends_with(INDEX);
            if index {
                written.truncate(written.len() - INDEX.len());
            }
            let end = offset(written.len());
            assert!(end & INDEX_BIT == 0, "under 2 GB of file names");
            spans.push((offset(start), if index { end | INDEX_BIT } else { end }));
        }
        let at = |(start, end): (u32, u32)| {
            let stem = &written[start as usize..(end & !INDEX_BIT) as usize];
            (stem, end & INDEX_BIT != 0)
        };
        spans.sort_unstable_by(|&a, &b| compare_entries(at(a), at(b)));
        spans.dedup_by(|a, b| at(*a) == at(*b));
        let mut text = String::new();
        let mut ends = Vec::with_capacity(spans.len());
        let mut before = "";
        for (place, &span) in spans.iter().enumerate() {
            let (stem, index) = at(span);
            Stems::write(&mut text, place, before, stem);
            ends.push(offset(text.len()) | if index { INDEX_BIT } else { 0 });
            before = stem;
        }
        drop((written, spans));
        let mut set = FileSet {
            text: text.into_boxed_str(),
            places: HashTable::with_capacity(ends.len()),
            ends,
        };
        let FileSet { text, ends, places } = &mut set;
        // Read in order, each stem from the one before it.
        let mut stem = String::new();
        for place in 0..ends.len() {
            let start = place
                .checked_sub(1)
                .map_or(0, |before| (ends[before] & !INDEX_BIT) as usize);
            Stems::read(&mut stem, text, start, (ends[place] & !INDEX_BIT) as usize);
            let hash = hash_entry((&stem, ends[place] & INDEX_BIT != 0));
            let place = u32::try_from(place).expect("fewer than 4 billion files");
            places.insert_unique(hash, place, |&at| {
                hash_entry(entry_at(text, ends, at as usize, &mut String::new()))
            });
        }
        set
    }
}

/// A place in the text of a set's paths, in 32 bits.
fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("under 4 GB of file names")
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
            // A folder named `index.html`: not the page's file.
            "/a/index.html/",
        ];
        let expected: BTreeSet<RequestPath> = written.iter().map(|p| path(p)).collect();
        let files: FileSet = written.iter().map(|p| path(p)).collect();
        assert_eq!(files.len(), expected.len());
        assert_eq!(
            files.iter().collect::<Vec<_>>(),
            expected.iter().cloned().collect::<Vec<_>>()
        );
        for (place, file) in expected.iter().enumerate() {
            assert!(files.contains(file), "{file}");
            assert_eq!(files.place_of(file), Some(place), "{file}");
        }
        for other in [
            "/a/b",
            "/a",
            "/a/b/index.htm",
            "/a-b/",
            "/zz/index.html",
            "/a/b/index.html/",
            "/a/b/index",
            "/ab.html/index.html",
        ] {
            assert!(!files.contains(&path(other)), "{other}");
        }
        // Probed as a parent and a last segment in two parts, as `served` asks.
        let parent = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(files.holds(&parent(&["a", "b"]), Some(("index", ".html")), false));
        assert!(files.holds(&parent(&["a"]), Some(("b", "")), true));
        assert!(files.holds(&parent(&[]), Some(("ab", ".html")), false));
        assert!(!files.holds(&parent(&["a"]), Some(("b", "")), false));
        assert!(!files.holds(&parent(&["a"]), Some(("ind", "ex.htm")), false));
        assert!(!files.holds(&parent(&["a", "b"]), None, false));
        assert!(!files.holds(&parent(&["a", "b", "index.html"]), Some(("x", "")), false));
    }

    #[test]
    fn paths_written_from_the_one_before_read_back_whole_from_any_place() {
        // More than a restart's worth, with long common beginnings (past what
        // one character can say), accented ones and none.
        let long = "x".repeat(200);
        let mut written: Vec<String> = (0..40)
            .map(|n| format!("/products/p{n:05}/index.html"))
            .collect();
        written.extend((0..20).map(|n| format!("/{long}/{n}.html")));
        written.extend(["/é/index.html", "/è/index.html", "/éa.html", "/a.html"].map(String::from));
        let expected: BTreeSet<RequestPath> = written.iter().map(|p| path(p)).collect();
        let files: FileSet = written.iter().map(|p| path(p)).collect();
        assert_eq!(
            files.iter().collect::<Vec<_>>(),
            expected.iter().cloned().collect::<Vec<_>>()
        );
        // Each read alone, not after the one before it.
        for (place, file) in expected.iter().enumerate().rev() {
            assert_eq!(files.place_of(file), Some(place), "{file}");
        }
        assert!(!files.contains(&path("/products/p00040/index.html")));
        let whole: usize = expected.iter().map(|p| p.to_string().len()).sum();
        assert!(
            files.text.len() * 2 < whole,
            "{} of {whole}",
            files.text.len()
        );
    }

    #[test]
    fn a_stem_keeps_whole_characters_of_the_one_before() {
        // `é` and `è` share their first byte: it is not kept alone.
        let stems = [
            "/é",
            "/è",
            "/èa",
            &"y".repeat(300),
            &format!("{}z", "y".repeat(300)),
        ];
        let mut text = String::new();
        let mut ends = Vec::new();
        for (place, stem) in stems.iter().enumerate() {
            let before = place.checked_sub(1).map_or("", |b| stems[b]);
            Stems::write(&mut text, place, before, stem);
            ends.push(offset(text.len()));
        }
        for (place, stem) in stems.iter().enumerate() {
            assert_eq!(entry_at(&text, &ends, place, &mut String::new()).0, *stem);
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
