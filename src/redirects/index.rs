//! Lookups by path that copy no path. A region can hold 100,000 CSV rows, and
//! every check and writer looks paths up: keyed by cloned `RequestPath`s (one
//! `String` per segment), the copies, their hashing and their drops were most of
//! a build's redirect time. Here the tables hold rule indexes or hashes only, and
//! hash and compare the segments where they already are.

use hashbrown::HashTable;

use super::pattern::{Pattern, RequestPath, Segment};
use super::Rule;

/// A hash of a path's segments and, where it counts, its trailing slash. It is
/// computed byte by byte, so `["a", "b.html"]` hashes the same whether `b.html`
/// is one string or `b` followed by `.html` (what [`super::files::FileSet`]
/// probes).
#[derive(Clone, Copy)]
pub(super) struct PathHash(u64);

impl PathHash {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    pub(super) fn new() -> PathHash {
        PathHash(0)
    }

    pub(super) fn bytes(mut self, bytes: &[u8]) -> PathHash {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(Self::SEED);
        }
        self
    }

    /// Ends a segment: 0xFF never occurs in UTF-8, so no two lists of segments
    /// run together into the same bytes.
    pub(super) fn end_segment(self) -> PathHash {
        self.bytes(&[0xFF])
    }

    pub(super) fn segments<'s>(self, segments: impl IntoIterator<Item = &'s str>) -> PathHash {
        segments.into_iter().fold(self, |hash, segment| {
            hash.bytes(segment.as_bytes()).end_segment()
        })
    }

    pub(super) fn finish(self, trailing_slash: bool) -> u64 {
        self.bytes(&[u8::from(trailing_slash)]).0
    }
}

/// The literal segments of a static pattern (`None` for a dynamic one).
fn literals(pattern: &Pattern) -> Option<impl Iterator<Item = &str> + Clone> {
    pattern.is_static().then(|| {
        pattern.segments.iter().map(|segment| match segment {
            Segment::Literal(text) => text.as_str(),
            Segment::Param(_) => unreachable!("static"),
        })
    })
}

/// The hash of a static rule's path, as [`PathIndex`] keys it.
fn rule_hash(rule: &Rule, exact_slash: bool) -> u64 {
    let segments = literals(&rule.from).expect("only static rules are indexed");
    PathHash::new()
        .segments(segments)
        .finish(exact_slash && rule.from.trailing_slash)
}

/// Static rules by the path they match, first occurrence kept. Netlify ignores
/// the trailing slash (`exact_slash` false); Cloudflare does not. It holds
/// indexes only: every call takes the same rule list it was built from.
#[derive(Debug, Clone, Default)]
pub struct PathIndex {
    table: HashTable<usize>,
    exact_slash: bool,
}

impl PathIndex {
    /// An index for up to `capacity` rules: sized once, it never rehashes.
    pub fn with_capacity(capacity: usize, exact_slash: bool) -> PathIndex {
        PathIndex {
            table: HashTable::with_capacity(capacity),
            exact_slash,
        }
    }

    /// Do the static `rule` and `path` (segments, trailing slash) match alike?
    fn same<'s>(
        &self,
        rule: &Rule,
        mut segments: impl Iterator<Item = &'s str>,
        trailing_slash: bool,
    ) -> bool {
        let Some(mut mine) = literals(&rule.from) else {
            return false;
        };
        (!self.exact_slash || rule.from.trailing_slash == trailing_slash)
            && mine.by_ref().zip(segments.by_ref()).all(|(a, b)| a == b)
            && mine.next().is_none()
            && segments.next().is_none()
    }

    /// The first indexed rule matching `path`.
    pub fn get(&self, rules: &[Rule], path: &RequestPath) -> Option<usize> {
        let segments = || path.segments.iter().map(String::as_str);
        let hash = PathHash::new()
            .segments(segments())
            .finish(self.exact_slash && path.trailing_slash);
        self.table
            .find(hash, |&i| {
                self.same(&rules[i], segments(), path.trailing_slash)
            })
            .copied()
    }

    /// Indexes the static rule `rules[index]` unless a rule for its path is
    /// indexed already; returns that earlier rule.
    pub fn first_or_insert(&mut self, rules: &[Rule], index: usize) -> Option<usize> {
        let earlier = self.earlier(rules, index);
        if earlier.is_none() {
            self.insert(rules, index);
        }
        earlier
    }

    /// Indexes the static rule `rules[index]`, whose path [`Self::earlier`]
    /// found no rule for.
    pub fn insert(&mut self, rules: &[Rule], index: usize) {
        let exact_slash = self.exact_slash;
        let hash = rule_hash(&rules[index], exact_slash);
        self.table
            .insert_unique(hash, index, |&i| rule_hash(&rules[i], exact_slash));
    }

    /// The indexed rule for the path of the static rule `rules[index]`.
    pub fn earlier(&self, rules: &[Rule], index: usize) -> Option<usize> {
        let rule = &rules[index];
        let segments = literals(&rule.from).expect("only static rules are indexed");
        let hash = rule_hash(rule, self.exact_slash);
        self.table
            .find(hash, |&i| {
                self.same(&rules[i], segments.clone(), rule.from.trailing_slash)
            })
            .copied()
    }
}
