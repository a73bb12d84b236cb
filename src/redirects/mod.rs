//! The redirect engine: one rule table per region, from every source of rules,
//! checked for what the target CDN can express, then written for it.
//!
//! Sources, in the order a request meets them: page aliases, the region's CSV
//! maps, the region's rules, the shared CSV maps, the shared rules (with the
//! region's values), and last the policy for anything unmatched. Writing puts static rules
//! before dynamic ones (Cloudflare counts a rule as dynamic once any earlier rule
//! has a splat); that keeps the meaning because a static rule that an earlier
//! dynamic rule catches is reported as shadowed.

pub mod checks;
pub mod files;
pub mod index;
pub mod lookup;
pub mod pattern;
pub mod phase;
pub mod rules;
pub mod twins;
pub mod write;

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::diagnostics::Span;
use files::FileSet;
use index::PathIndex;
use pattern::{Pattern, RequestPath};

/// The CDN whose `_redirects` dialect, defaults and limits apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Netlify,
    Cloudflare,
}

impl Target {
    /// Cloudflare matches `/x` and `/x/` as different paths; Netlify does not.
    pub fn exact_slash(self) -> bool {
        self == Target::Cloudflare
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::Netlify => "Netlify",
            Target::Cloudflare => "Cloudflare",
        }
    }
}

/// `redirects:` in `site.yaml`, at the top (shared) or in a region.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectsConfig {
    #[serde(default)]
    pub rules: Vec<Spanned<RawRule>>,
    #[serde(default)]
    pub csv: Vec<Spanned<String>>,
    /// What a path no rule and no page matches gets. A region may override it.
    #[serde(default)]
    pub unmatched: Option<Spanned<Unmatched>>,
    /// A region only: the path its old site lived under (`/global/`). Every shared
    /// rule, shared CSV row and page alias also applies under it
    /// (`/product/:model` and `/global/product/:model`).
    #[serde(default)]
    pub old_prefix: Option<Spanned<String>>,
    /// When the notice phase ends (`2025-06-30`): before that date the notice's
    /// pages are served; from it on, every notice page 301s to the region's
    /// `new_home`. At the top level, the default for every region.
    #[serde(default)]
    pub notice_until: Option<Spanned<String>>,
    /// The date the phases are computed for: the build's `--as-of`, or today.
    #[serde(skip)]
    pub as_of: Option<crate::dates::IsoDate>,
    /// Cloudflare only: write static rules as a Bulk Redirects CSV instead of
    /// `_redirects`, for maps past Cloudflare's 2,000-rule limit. Top level only.
    #[serde(default)]
    pub cloudflare_bulk: Option<Spanned<bool>>,
}

/// One rule as written in `site.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub status: Spanned<u16>,
    #[serde(default)]
    pub force: bool,
}

/// The policy for unmatched paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Unmatched {
    /// The domain's not-found notice, with a real 404 status.
    #[default]
    Notice,
    /// A 301 to the region's `new_home`.
    NewHome,
}

/// Where a rule came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    /// A notice page after `notice_until`: it redirects to `new_home`.
    NoticeEnded,
    Alias,
    Region,
    RegionCsv,
    Shared,
    SharedCsv,
    Unmatched,
}

impl RuleKind {
    pub fn describe(self) -> &'static str {
        match self {
            RuleKind::NoticeEnded => "notice page after notice_until",
            RuleKind::Alias => "page alias",
            RuleKind::Region => "region rule",
            RuleKind::RegionCsv => "region CSV map",
            RuleKind::Shared => "shared rule",
            RuleKind::SharedCsv => "shared CSV map",
            RuleKind::Unmatched => "unmatched policy",
        }
    }

    pub fn is_shared(self) -> bool {
        matches!(self, RuleKind::Shared | RuleKind::SharedCsv)
    }
}

/// Where a rule sends a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Destination {
    /// `https://...`, possibly with `:placeholders`.
    External(String),
    /// A path on the same domain, normalised, possibly with `:placeholders`.
    Internal(String),
}

impl Destination {
    pub fn as_str(&self) -> &str {
        match self {
            Destination::External(url) | Destination::Internal(url) => url,
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One resolved rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub from: Pattern,
    pub to: Destination,
    pub status: u16,
    pub force: bool,
    pub kind: RuleKind,
    pub span: Span,
}

impl Rule {
    pub fn is_redirect(&self) -> bool {
        (300..400).contains(&self.status)
    }

    /// Netlify compares the decoded request path with the rule as written, so a
    /// source with a percent-encoded character (`/caf%C3%A9`) never matches there.
    pub fn can_match(&self, target: Target) -> bool {
        target != Target::Netlify || !self.from.has_encoded_literal()
    }
}

/// One region's rules, in the order a request meets them, with the files the
/// build generates for that domain (a rule must not hide them).
#[derive(Debug, Clone)]
pub struct RuleTable {
    pub region: usize,
    pub domain: String,
    pub target: Target,
    pub rules: Vec<Rule>,
    /// Generated files as request paths (`/warranty/index.html`).
    pub files: FileSet,
    /// Rules handover added: Cloudflare's trailing-slash twin of the rule before.
    pub twins: BTreeSet<usize>,
    /// Static rules by the path they match (first occurrence wins).
    statics: PathIndex,
    /// Indexes of the dynamic rules, in order.
    dynamics: Vec<usize>,
    /// (later, earlier) pairs of rules never reached: computed once, used by the
    /// checks and every writer.
    shadowed: std::sync::OnceLock<Vec<(usize, usize)>>,
}

impl RuleTable {
    pub fn new(
        region: usize,
        domain: String,
        target: Target,
        rules: Vec<Rule>,
        files: FileSet,
    ) -> RuleTable {
        let table = RuleTable::build(region, domain, target, rules, files, BTreeSet::new());
        if target != Target::Cloudflare {
            return table;
        }
        let (rules, twins) = twins::with_slash_twins(&table);
        RuleTable::build(region, table.domain, target, rules, table.files, twins)
    }

    fn build(
        region: usize,
        domain: String,
        target: Target,
        rules: Vec<Rule>,
        files: FileSet,
        twins: BTreeSet<usize>,
    ) -> RuleTable {
        let mut statics = PathIndex::with_capacity(rules.len(), target.exact_slash());
        let mut dynamics = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            if !rule.can_match(target) {
                continue;
            }
            if rule.from.is_static() {
                statics.first_or_insert(&rules, index);
            } else {
                dynamics.push(index);
            }
        }
        RuleTable {
            region,
            domain,
            target,
            rules,
            files,
            twins,
            statics,
            dynamics,
            shadowed: std::sync::OnceLock::new(),
        }
    }

    /// (later, earlier): `later` can never be reached because `earlier` catches
    /// every request it would.
    pub fn shadowed(&self) -> &[(usize, usize)] {
        self.shadowed.get_or_init(|| checks::shadowed(self))
    }

    /// The first rule (in order) matching `path`, with its captures.
    pub fn first_match(&self, path: &RequestPath) -> Option<(usize, pattern::Captures)> {
        let exact = self.statics.get(&self.rules, path);
        let before_exact = exact.unwrap_or(usize::MAX);
        let dynamic = self
            .dynamics
            .iter()
            .take_while(|&&index| index < before_exact)
            .find_map(|&index| {
                self.rules[index]
                    .from
                    .matches(path, self.target.exact_slash())
                    .map(|c| (index, c))
            });
        match (exact, dynamic) {
            (_, Some(found)) => Some(found),
            (Some(index), None) => Some((index, pattern::Captures::default())),
            (None, None) => None,
        }
    }

    /// The generated file a request path is served from, if any, whatever the
    /// spelling (`/x`, `/x/` and `/x.html`): what a rule on that path competes with.
    pub fn file_for(&self, path: &RequestPath) -> Option<RequestPath> {
        match self.served(path) {
            Served::File(file) => Some(file),
            Served::Slash(location) => {
                let next = RequestPath::parse(&location).ok()?;
                match self.served(&next) {
                    Served::File(file) => Some(file),
                    _ => None,
                }
            }
            Served::Nothing => None,
        }
    }

    /// What the CDN does with a path no rule answers. Netlify serves a folder's
    /// `index.html` at `/x` and `/x/`, and `x.html` at `/x`, `/x/` and `/x.html`.
    /// Cloudflare (`html_handling: auto-trailing-slash`) serves `/x/` for a folder
    /// and `/x` for `x.html`, and answers the other spellings with a 308 to them;
    /// it decodes the path to find a file, but not to match a rule.
    pub fn served(&self, path: &RequestPath) -> Served {
        let path = path.normalised();
        let segments = &path.segments;
        // Probed for every rule: the set answers without a copy of the path.
        let has =
            |parent: &[String], last: Option<(&str, &str)>| self.files.holds(parent, last, false);
        let file = |parent: &[String], last| Served::File(joined(parent, last));
        let slash = |segments: &[String], trailing_slash: bool| {
            Served::Slash(
                RequestPath {
                    segments: segments.to_vec(),
                    trailing_slash,
                }
                .to_string(),
            )
        };
        let index = Some(("index.html", ""));
        // `x.html` for `/x`, as (parent, (stem, suffix)).
        let html = || {
            segments
                .split_last()
                .map(|(last, parent)| (parent, Some((last.as_str(), ".html"))))
                .filter(|&(parent, last)| has(parent, last))
        };
        match self.target {
            Target::Netlify => {
                if !path.trailing_slash && !segments.is_empty() && has(segments, None) {
                    file(segments, None)
                } else if has(segments, index) {
                    file(segments, index)
                } else if let Some((parent, last)) = html() {
                    file(parent, last)
                } else {
                    Served::Nothing
                }
            }
            Target::Cloudflare => {
                if path.trailing_slash || segments.is_empty() {
                    if has(segments, index) {
                        file(segments, index)
                    } else if html().is_some() {
                        slash(segments, false)
                    } else {
                        Served::Nothing
                    }
                } else if has(segments, None) {
                    let last = segments.last().map(String::as_str).unwrap_or("");
                    let parent = &segments[..segments.len() - 1];
                    if last == "index.html" {
                        slash(parent, true)
                    } else if let Some(stem) = last.strip_suffix(".html") {
                        let mut segments = parent.to_vec();
                        segments.push(stem.to_string());
                        slash(&segments, false)
                    } else {
                        file(segments, None)
                    }
                } else if let Some((parent, last)) = html() {
                    file(parent, last)
                } else if has(segments, index) {
                    slash(segments, true)
                } else {
                    Served::Nothing
                }
            }
        }
    }

    pub fn dynamic_rules(&self) -> &[usize] {
        &self.dynamics
    }
}

/// What the CDN serves for a path that no rule answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    File(RequestPath),
    /// Cloudflare's automatic 308 to the path's other spelling.
    Slash(String),
    Nothing,
}

/// `parent` + `last` (a stem and a suffix) as a file path.
fn joined(parent: &[String], last: Option<(&str, &str)>) -> RequestPath {
    let mut segments = parent.to_vec();
    if let Some((stem, suffix)) = last {
        segments.push([stem, suffix].concat());
    }
    RequestPath {
        segments,
        trailing_slash: false,
    }
}

/// The key a static rule is found by: Netlify ignores the trailing slash.
pub fn key(path: &RequestPath, target: Target) -> RequestPath {
    if target.exact_slash() {
        path.clone()
    } else {
        path.without_slash()
    }
}

#[cfg(test)]
mod tests;
