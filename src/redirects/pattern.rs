//! Paths and patterns of redirect rules, normalised once.
//!
//! Every path is percent-decoded and re-encoded the same way (case kept), so
//! `/été` and `/%C3%A9t%C3%A9` are one rule, and nothing that could break a
//! `_redirects` line (spaces, `#`, control characters) is ever written raw: spaces
//! and `#` are encoded, control characters, `..` and `//` are refused.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::Target;

/// Characters written as themselves in a path segment; everything else is
/// percent-encoded (`:` and `*` too, so a literal can never read as a placeholder).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'@');

/// One segment of a source pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// Matched exactly; stored percent-encoded in the canonical form.
    Literal(String),
    /// `:name`: any one segment.
    Param(String),
}

/// A rule's source: `/a/:b/*`, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern {
    pub segments: Vec<Segment>,
    /// Ends with `*`: matches any rest, including nothing.
    pub splat: bool,
    /// Written with a trailing `/` (Cloudflare tells `/x` and `/x/` apart; Netlify
    /// does not).
    pub trailing_slash: bool,
}

/// A request path, normalised like a pattern's literals.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestPath {
    pub segments: Vec<String>,
    pub trailing_slash: bool,
}

/// What a match bound: `:name` values and the `*` rest.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Captures {
    pub params: BTreeMap<String, String>,
    pub splat: Option<String>,
}

/// Characters no `_redirects` token may hold raw: what any CDN's parser could read
/// as a separator or drop. JavaScript's `\s` (Netlify's and Cloudflare's parsers
/// split on it) is Unicode `White_Space` plus U+FEFF; the other invisible format
/// characters (U+180E, zero-width spaces and joiners, bidi controls) are refused
/// too: pasted from a spreadsheet, they make a URL that looks right and is not.
pub fn is_invisible(c: char) -> bool {
    // Asked of every character of every rule: ASCII (nearly all) is decided by
    // one comparison, as the general test below would (a test checks it).
    if c.is_ascii() {
        return c <= ' ' || c == '\x7f';
    }
    is_invisible_unicode(c)
}

fn is_invisible_unicode(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The grammar of every token handover writes to `_redirects`: printable ASCII
/// only (`!` to `~`), so no parser can split, drop or re-read it. Non-ASCII is
/// percent-encoded before it gets here.
pub fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| (b'!'..=b'~').contains(&b))
}

/// `U+FEFF (an invisible character)`: how a refused character is named in errors.
pub fn describe_char(c: char) -> String {
    let name = match c {
        ' ' => "a space",
        '\t' => "a tab",
        '\n' | '\r' => "a line break",
        '\u{FEFF}' => "a byte-order mark, invisible",
        '\u{00A0}' => "a no-break space",
        c if c.is_whitespace() => "a space character",
        c if c.is_control() => "a control character",
        _ => "an invisible character",
    };
    format!("U+{:04X} ({name})", c as u32)
}

/// A segment that normalising leaves as it is: no `%` to decode, only bytes
/// written as themselves, and not `.` or `..`. Most paths are such, and skip the
/// decoding and re-encoding.
fn is_canonical(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || PLAIN_PUNCTUATION.contains(&b))
}

/// The punctuation [`SEGMENT`] leaves unencoded (a test keeps the two in step).
const PLAIN_PUNCTUATION: &[u8] = b"-._~!$&'()+,;=@";

/// Decodes and re-encodes one literal segment.
pub fn normalise_segment(raw: &str) -> Result<String, String> {
    if is_canonical(raw) {
        return Ok(raw.to_string());
    }
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| format!("`{raw}` has a percent-encoding that is not UTF-8"))?;
    if let Some(c) = decoded.chars().find(|c| c.is_control()) {
        return Err(format!(
            "contains the control character {c:?}, which cannot be part of a URL path"
        ));
    }
    if decoded == "." || decoded == ".." {
        return Err(format!("contains `{decoded}`, which would leave the site"));
    }
    Ok(utf8_percent_encode(&decoded, SEGMENT).to_string())
}

pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits `/a/b/` into its segments and trailing slash; refuses what no request
/// path can hold.
fn split_path(path: &str) -> Result<(Vec<&str>, bool), String> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err("must start with `/`".to_string());
    };
    if path.contains('?') {
        return Err("contains `?`: rules match paths, not query strings".to_string());
    }
    if path.contains('#') {
        return Err("contains `#`: a #fragment is never sent to the server".to_string());
    }
    if let Some(c) = path.chars().find(|&c| is_invisible(c)) {
        return Err(format!(
            "contains {}: write spaces as %20 and leave out invisible characters",
            describe_char(c)
        ));
    }
    if rest.is_empty() {
        return Ok((Vec::new(), false));
    }
    let trailing_slash = rest.ends_with('/');
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segments: Vec<&str> = rest.split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err("has an empty segment (`//`)".to_string());
    }
    Ok((segments, trailing_slash))
}

impl Pattern {
    /// Parses a source such as `/product/:model` or `/news/*`.
    pub fn parse(source: &str) -> Result<Pattern, String> {
        let (raw, trailing_slash) = split_path(source)?;
        let mut segments = Vec::with_capacity(raw.len());
        let mut splat = false;
        for (index, raw_segment) in raw.iter().enumerate() {
            if *raw_segment == "*" {
                if index + 1 != raw.len() {
                    return Err(
                        "has a `*` before the end: a `*` can only be the last segment (`/news/*`)"
                            .to_string(),
                    );
                }
                splat = true;
            } else if raw_segment.contains('*') {
                return Err(
                    "has a `*` inside a segment: write it as a whole last segment (`/news/*`)"
                        .to_string(),
                );
            } else if let Some(name) = raw_segment.strip_prefix(':') {
                if !is_name(name) || name == "splat" {
                    return Err(format!(
                        "has the placeholder `:{name}`: a name starts with a letter and holds letters, digits and `_` (`:splat` is reserved for `*`)"
                    ));
                }
                segments.push(Segment::Param(name.to_string()));
            } else {
                segments.push(Segment::Literal(normalise_segment(raw_segment)?));
            }
        }
        Ok(Pattern {
            segments,
            splat,
            trailing_slash: trailing_slash && !splat,
        })
    }

    /// A literal segment holding a percent-encoded character.
    pub fn has_encoded_literal(&self) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::Literal(text) if text.contains('%')))
    }

    /// No placeholder and no splat: one exact path.
    pub fn is_static(&self) -> bool {
        !self.splat
            && self
                .segments
                .iter()
                .all(|s| matches!(s, Segment::Literal(_)))
    }

    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// The path this static pattern matches.
    pub fn as_request(&self) -> Option<RequestPath> {
        self.is_static().then(|| RequestPath {
            segments: self
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Literal(text) => text.clone(),
                    Segment::Param(_) => unreachable!("static"),
                })
                .collect(),
            trailing_slash: self.trailing_slash,
        })
    }

    /// A path this pattern matches, for checking where dynamic rules lead.
    pub fn example(&self) -> RequestPath {
        let mut segments: Vec<String> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(text) => text.clone(),
                Segment::Param(name) => format!("example-{name}"),
            })
            .collect();
        if self.splat {
            segments.push("example".to_string());
        }
        RequestPath {
            segments,
            trailing_slash: self.trailing_slash,
        }
    }

    /// Matches a request. `exact_slash` is Cloudflare's rule: `/x` and `/x/` differ.
    pub fn matches(&self, path: &RequestPath, exact_slash: bool) -> Option<Captures> {
        let fixed = self.segments.len();
        if self.splat {
            if path.segments.len() < fixed {
                return None;
            }
            // Cloudflare's `/news/*` needs at least `/news/`; Netlify's also takes `/news`.
            if exact_slash && path.segments.len() == fixed && !path.trailing_slash && fixed > 0 {
                return None;
            }
        } else if path.segments.len() != fixed
            || (exact_slash && path.trailing_slash != self.trailing_slash)
        {
            return None;
        }
        let mut captures = Captures::default();
        for (segment, actual) in self.segments.iter().zip(&path.segments) {
            match segment {
                Segment::Literal(text) if text == actual => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => {
                    captures.params.insert(name.clone(), actual.clone());
                }
            }
        }
        if self.splat {
            let mut rest = path.segments[fixed..].join("/");
            if path.trailing_slash && !rest.is_empty() {
                rest.push('/');
            }
            captures.splat = Some(rest);
        }
        Some(captures)
    }

    /// Does every path `later` matches also match `self`? (Then `later`, placed after
    /// `self`, can never be reached.)
    pub fn covers(&self, later: &Pattern, exact_slash: bool) -> bool {
        let (mine, theirs) = (self.segments.len(), later.segments.len());
        if self.splat {
            if theirs < mine {
                return false;
            }
        } else if later.splat
            || mine != theirs
            || (exact_slash && self.trailing_slash != later.trailing_slash)
        {
            return false;
        }
        self.segments
            .iter()
            .zip(&later.segments)
            .all(|(a, b)| match (a, b) {
                (Segment::Param(_), _) => true,
                (Segment::Literal(x), Segment::Literal(y)) => x == y,
                (Segment::Literal(_), Segment::Param(_)) => false,
            })
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => write!(f, "/{text}")?,
                Segment::Param(name) => write!(f, "/:{name}")?,
            }
        }
        if self.splat {
            f.write_str("/*")
        } else if self.segments.is_empty() || self.trailing_slash {
            f.write_str("/")
        } else {
            Ok(())
        }
    }
}

impl RequestPath {
    /// Parses the path of a request (no query: the caller strips it).
    pub fn parse(path: &str) -> Result<RequestPath, String> {
        let (raw, trailing_slash) = split_path(path)?;
        let segments = raw
            .iter()
            .map(|s| normalise_segment(s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RequestPath {
            segments,
            trailing_slash,
        })
    }

    /// A request path as the target CDN matches it against rules. Cloudflare
    /// compares the path exactly as sent: no decoding, and `//` kept (an empty
    /// segment matches no rule). Netlify decodes it first (`%2F` becomes a `/`,
    /// `%70` a `p`), drops `.` segments and merges `//` inside the path, and
    /// matches the result.
    pub fn parse_request(raw: &str, target: Target) -> Result<RequestPath, String> {
        let Some(rest) = raw.strip_prefix('/') else {
            return Err("must start with `/`".to_string());
        };
        if let Some(c) = raw.chars().find(|&c| is_invisible(c)) {
            return Err(format!("contains {}", describe_char(c)));
        }
        let decoded;
        let rest = match target {
            Target::Cloudflare => rest,
            Target::Netlify => {
                decoded = percent_decode_str(rest)
                    .decode_utf8()
                    .map_err(|_| format!("`{raw}` has a percent-encoding that is not UTF-8"))?
                    .into_owned();
                &decoded
            }
        };
        if rest.is_empty() {
            return Ok(RequestPath {
                segments: Vec::new(),
                trailing_slash: false,
            });
        }
        let trailing_slash = rest.ends_with('/');
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut segments: Vec<String> = Vec::new();
        let last = rest.split('/').count() - 1;
        for (index, segment) in rest.split('/').enumerate() {
            match (target, segment) {
                (Target::Cloudflare, _) => segments.push(segment.to_string()),
                // Netlify merges `//` inside a path (`/product//x` is
                // `/product/x`), not at its end (`/store//` matches no `/store`).
                (Target::Netlify, "") if index != last => {}
                (Target::Netlify, ".") => {}
                (Target::Netlify, "..") => {
                    segments.pop();
                }
                (Target::Netlify, _) => {
                    segments.push(utf8_percent_encode(segment, SEGMENT).to_string())
                }
            }
        }
        Ok(RequestPath {
            segments,
            trailing_slash,
        })
    }

    /// The path a CDN looks a file up by: decoded and re-encoded the canonical
    /// way, `//` and `.` collapsed (both CDNs do this for files).
    pub fn normalised(&self) -> Cow<'_, RequestPath> {
        let unchanged = self.segments.iter().all(|s| is_canonical(s))
            && (!self.trailing_slash || !self.segments.is_empty());
        if unchanged {
            return Cow::Borrowed(self);
        }
        let mut segments = Vec::new();
        for segment in &self.segments {
            match segment.as_str() {
                "" | "." | "%2E" | "%2e" => {}
                ".." => {
                    segments.pop();
                }
                other => {
                    segments.push(normalise_segment(other).unwrap_or_else(|_| other.to_string()))
                }
            }
        }
        Cow::Owned(RequestPath {
            trailing_slash: self.trailing_slash && !segments.is_empty(),
            segments,
        })
    }

    /// The same path as a Netlify-style key: the trailing slash does not count.
    pub fn without_slash(&self) -> RequestPath {
        RequestPath {
            segments: self.segments.clone(),
            trailing_slash: false,
        }
    }
}

impl RequestPath {
    /// The path as text, as [`Display`](fmt::Display) writes it, made in one
    /// allocation: every link the build checks ends in one.
    pub fn text(&self) -> String {
        let len = self.segments.iter().map(|s| s.len() + 1).sum::<usize>() + 1;
        let mut text = String::with_capacity(len);
        for segment in &self.segments {
            text.push('/');
            text.push_str(segment);
        }
        if self.segments.is_empty() || self.trailing_slash {
            text.push('/');
        }
        text
    }
}

impl fmt::Display for RequestPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// Puts captures into a destination: `:name` and `:splat`.
pub fn substitute(destination: &str, captures: &Captures) -> String {
    let mut out = String::with_capacity(destination.len() + 16);
    let mut rest = destination;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        let value = if name == "splat" {
            captures.splat.as_deref()
        } else if is_name(name) {
            captures.params.get(name).map(String::as_str)
        } else {
            None
        };
        match value {
            Some(value) => out.push_str(value),
            None => {
                out.push(':');
                out.push_str(name);
            }
        }
        rest = &after[name_len..];
    }
    out.push_str(rest);
    out
}

/// The placeholders a destination uses (`:splat` included).
pub fn placeholders(destination: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = destination;
    while let Some(at) = rest.find(':') {
        let after = &rest[at + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if is_name(&after[..len]) {
            found.push(&after[..len]);
        }
        rest = &after[len..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RequestPath {
        RequestPath::parse(path).unwrap()
    }

    #[test]
    fn two_spellings_of_one_path_are_one_path() {
        assert_eq!(request("/été"), request("/%C3%A9t%C3%A9"));
        assert_eq!(request("/été").to_string(), "/%C3%A9t%C3%A9");
        assert_eq!(request("/a%20b").to_string(), "/a%20b");
        assert_eq!(request("/a%2fb").to_string(), "/a%2Fb");
        assert_ne!(request("/Case"), request("/case"), "case is kept");
    }

    #[test]
    fn what_could_break_a_line_is_encoded_or_refused() {
        assert!(Pattern::parse("/a b").is_err());
        assert!(Pattern::parse("/a\nb").is_err());
        assert!(Pattern::parse("/a#b").is_err());
        assert!(Pattern::parse("/a%0Ab").unwrap_err().contains("control"));
        assert_eq!(Pattern::parse("/a%23b").unwrap().to_string(), "/a%23b");
        assert_eq!(Pattern::parse("/a%3Ab").unwrap().to_string(), "/a%3Ab");
        assert!(Pattern::parse("/a/%2e%2e/b").unwrap_err().contains(".."));
        assert!(Pattern::parse("/a//b").is_err());
        assert!(Pattern::parse("a").is_err());
    }

    #[test]
    fn placeholders_and_splats() {
        let p = Pattern::parse("/product/:model").unwrap();
        let c = p.matches(&request("/product/x7-pro"), false).unwrap();
        assert_eq!(c.params["model"], "x7-pro");
        assert!(p.matches(&request("/product/a/b"), false).is_none());
        let s = Pattern::parse("/news/*").unwrap();
        assert_eq!(
            s.matches(&request("/news/2024/a/"), false).unwrap().splat,
            Some("2024/a/".to_string())
        );
        assert!(s.matches(&request("/news"), false).is_some());
        assert!(s.matches(&request("/news"), true).is_none());
        assert!(s.matches(&request("/news/"), true).is_some());
        assert!(Pattern::parse("/a/*/b").is_err());
        assert!(Pattern::parse("/a*").is_err());
        assert!(Pattern::parse("/:splat").is_err());
    }

    #[test]
    fn trailing_slash_counts_only_on_cloudflare() {
        let p = Pattern::parse("/x/").unwrap();
        assert!(p.matches(&request("/x"), false).is_some());
        assert!(p.matches(&request("/x"), true).is_none());
        assert!(p.matches(&request("/x/"), true).is_some());
    }

    #[test]
    fn requests_as_each_cdn_reads_them() {
        let cf = |p: &str| {
            RequestPath::parse_request(p, Target::Cloudflare)
                .unwrap()
                .to_string()
        };
        let nl = |p: &str| {
            RequestPath::parse_request(p, Target::Netlify)
                .unwrap()
                .to_string()
        };
        // Cloudflare: exactly as sent.
        assert_eq!(cf("/%73tore"), "/%73tore");
        assert_eq!(cf("/caf%c3%a9"), "/caf%c3%a9");
        assert_eq!(cf("/product//x"), "/product//x");
        assert_eq!(cf("/a%2Fb"), "/a%2Fb");
        // Netlify: decoded, `%2F` splits, `//` inside merged, `.` dropped.
        assert_eq!(nl("/%73tore"), "/store");
        assert_eq!(nl("/caf%c3%a9"), "/caf%C3%A9");
        assert_eq!(nl("/product//x"), "/product/x");
        assert_eq!(nl("/a%2Fb"), "/a/b");
        assert_eq!(nl("/p/%2e"), "/p");
        assert_eq!(nl("/store//"), "/store//");
    }

    #[test]
    fn the_fast_path_knows_what_segment_encodes() {
        for b in 0..=127u8 {
            let text = (b as char).to_string();
            let kept = utf8_percent_encode(&text, SEGMENT).to_string() == text;
            let plain = b.is_ascii_alphanumeric() || PLAIN_PUNCTUATION.contains(&b);
            assert_eq!(kept, plain, "byte {b}");
        }
        for raw in ["a", "x7-pro", "%41", ".", "..", "a%20b", "caf%c3%a9", "a b"] {
            if is_canonical(raw) {
                assert_eq!(normalise_segment(raw).unwrap(), raw);
            }
        }
    }

    #[test]
    fn ascii_invisibles_are_the_unicode_ones() {
        for c in (0..=127u8).map(char::from) {
            assert_eq!(is_invisible(c), is_invisible_unicode(c), "{c:?}");
        }
    }

    #[test]
    fn covering() {
        let all = Pattern::parse("/*").unwrap();
        let product = Pattern::parse("/product/:model").unwrap();
        let one = Pattern::parse("/product/x7").unwrap();
        assert!(all.covers(&product, false));
        assert!(product.covers(&one, false));
        assert!(!one.covers(&product, false));
        assert!(!product.covers(&all, false));
    }

    #[test]
    fn substitution() {
        let p = Pattern::parse("/p/:model/*").unwrap();
        let c = p.matches(&request("/p/x7/a/b"), false).unwrap();
        assert_eq!(
            substitute("https://s.example/:model/:splat?q=:nope", &c),
            "https://s.example/x7/a/b?q=:nope"
        );
        assert_eq!(
            placeholders("https://s.example:443/:model/:splat"),
            ["model", "splat"]
        );
    }
}
