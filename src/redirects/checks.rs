//! Build-time checks of one region's rule table: what the target CDN cannot
//! express, duplicates and shadowed rules, rules hiding generated pages, loops,
//! chains, destinations that go nowhere, and Cloudflare's limits.

use std::collections::HashMap;

use super::index::PathIndex;
use super::lookup::{on_site, resolve_in, End, Options, Resolution};
use super::pattern::{placeholders, RequestPath};
use super::write::{self, ordered};
use super::{Destination, Rule, RuleKind, RuleTable, Served, Target};
use crate::diagnostics::Diagnostic;

pub const CLOUDFLARE_STATIC_LIMIT: usize = 2_000;
pub const CLOUDFLARE_DYNAMIC_LIMIT: usize = 100;
pub const CLOUDFLARE_LINE_LIMIT: usize = 1_000;

/// Every problem with `table`, on its own (the tests' entry point; the build
/// checks each table with [`check_table`] and then all of them with
/// [`check_destinations`], which follows destinations onto the other domains).
pub fn check(table: &RuleTable, bulk: bool) -> Vec<Diagnostic> {
    let mut problems = check_table(table, bulk);
    problems.extend(check_destinations(std::slice::from_ref(table), 0));
    problems
}

/// The problems one table has by itself: what the target cannot express,
/// shadowed rules, rules hiding pages, one-spelling rules and limits.
pub fn check_table(table: &RuleTable, bulk: bool) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (index, rule) in table.rules.iter().enumerate() {
        if !table.twins.contains(&index) {
            problems.extend(target_problem(rule, table.target));
        }
    }
    for &(later, earlier) in table.shadowed() {
        // A twin only adds a spelling: if an earlier rule answers it, fine.
        if !table.twins.contains(&later) {
            problems.push(shadow_problem(table, later, earlier));
        }
    }
    for (index, rule) in table.rules.iter().enumerate() {
        problems.extend(hidden_page(table, index, rule));
        problems.extend(one_spelling(table, index, rule));
        problems.extend(unmatchable(table, rule));
    }
    problems.extend(limit_problems(table, bulk));
    problems
}

/// Where the rules of `tables[index]` lead, following absolute destinations on
/// any domain of the site: loops (also across domains), dead ends, chains.
pub fn check_destinations(tables: &[RuleTable], index: usize) -> Vec<Diagnostic> {
    let table = &tables[index];
    let mut onward = Onward::default();
    table
        .rules
        .iter()
        .enumerate()
        .filter(|(i, _)| !table.twins.contains(i))
        .filter_map(|(_, rule)| destination_problem(tables, index, rule, &mut onward))
        .collect()
}

/// Where each destination leads, followed once: thousands of rows of a map
/// often share one destination (`/`, a store's home), and its chain is the same
/// for all of them.
type Onward = HashMap<(usize, RequestPath), Resolution>;

fn error_at(
    rule: &Rule,
    code: &'static str,
    message: String,
    help: impl Into<String>,
) -> Diagnostic {
    Diagnostic::error(code, message)
        .at(rule.span.clone())
        .help(help)
}

/// A rule the target's `_redirects` dialect cannot hold.
fn target_problem(rule: &Rule, target: Target) -> Option<Diagnostic> {
    let code = "redirects::unsupported";
    let gone = matches!(rule.status, 404 | 410);
    if gone && matches!(rule.to, Destination::External(_)) {
        return Some(error_at(
            rule,
            code,
            format!("a {} rule cannot point to another site", rule.status),
            "a 404 or 410 shows a page of this site: point it at a path such as `/404.html`",
        ));
    }
    if target != Target::Cloudflare {
        let proxies = rule.status == 200 && matches!(rule.to, Destination::External(_));
        return proxies.then(|| {
            Diagnostic::warning(
                "redirects::proxy",
                format!(
                    "`{}` is a 200 rewrite to {}: Netlify proxies that site, and the visitor stays on this domain",
                    rule.from, rule.to
                ),
            )
            .at(rule.span.clone())
            .help("use 301 to send visitors to the other site; keep 200 only if serving its pages here is what you want")
        });
    }
    if rule.force {
        return Some(error_at(
            rule,
            code,
            "Cloudflare has no `force` (`!`)".to_string(),
            "remove `force`: Cloudflare rules apply even where a page exists",
        ));
    }
    if gone {
        return Some(error_at(
            rule,
            code,
            format!("Cloudflare cannot answer {} from `_redirects`", rule.status),
            "leave the path out: Cloudflare serves 404.html with status 404 for any unknown path",
        ));
    }
    if rule.status == 200 && matches!(rule.to, Destination::External(_)) {
        return Some(error_at(
            rule,
            code,
            "Cloudflare only rewrites (200) to a path of the same site".to_string(),
            "use 301 to send visitors to another site",
        ));
    }
    None
}

/// (later, earlier): `later` can never be reached because `earlier` catches every
/// request it would. Rules of the unmatched policy are a fallback, not checked.
pub fn shadowed(table: &RuleTable) -> Vec<(usize, usize)> {
    let exact = table.target.exact_slash();
    let mut found = Vec::new();
    // Indexes rules, not copies of their paths: a CSV map has tens of thousands.
    let mut first_static = PathIndex::with_capacity(table.rules.len(), exact);
    for (index, rule) in table.rules.iter().enumerate() {
        if rule.kind == RuleKind::Unmatched {
            continue;
        }
        let mut earlier_dynamic = table
            .dynamic_rules()
            .iter()
            .copied()
            .take_while(|&d| d < index)
            .peekable();
        if rule.from.is_static() {
            // The path is built only when a dynamic rule comes before.
            let caught = earlier_dynamic.peek().is_some().then(|| {
                let path = rule.from.as_request().expect("static");
                earlier_dynamic.find(|&d| table.rules[d].from.matches(&path, exact).is_some())
            });
            let duplicate = first_static.earlier(&table.rules, index);
            match caught.flatten().into_iter().chain(duplicate).min() {
                Some(earlier) => found.push((index, earlier)),
                None => first_static.insert(&table.rules, index),
            }
        } else {
            let caught = earlier_dynamic.find(|&d| table.rules[d].from.covers(&rule.from, exact));
            if let Some(earlier) = caught {
                found.push((index, earlier));
            }
        }
    }
    found
}

fn shadow_problem(table: &RuleTable, later: usize, earlier: usize) -> Diagnostic {
    let (rule, first) = (&table.rules[later], &table.rules[earlier]);
    let place = first.span.position();
    let where_ = format!("{}:{}:{}", place.file, place.line, place.column);
    let same = rule.from == first.from && rule.to == first.to && rule.status == first.status;
    let message = if same {
        format!(
            "`{}` is given twice on {} (first at {where_})",
            rule.from, table.domain
        )
    } else if rule.from == first.from {
        format!(
            "`{}` has two different destinations on {}: the first, at {where_}, wins",
            rule.from, table.domain
        )
    } else {
        format!(
            "no request can reach `{}` on {}: `{}` at {where_} catches it first",
            rule.from, table.domain, first.from
        )
    };
    // A region may override a shared rule on purpose: that is worth a warning only.
    let overriding = rule.kind.is_shared() && !first.kind.is_shared();
    let diagnostic = if overriding {
        Diagnostic::warning(
            "redirects::shadowed",
            format!("{message}; the shared rule is not written for this region"),
        )
    } else {
        Diagnostic::error("redirects::shadowed", message)
    };
    diagnostic.at(rule.span.clone()).help(if same {
        "remove one of the two".to_string()
    } else {
        format!("remove this rule, or move it before `{}`", first.from)
    })
}

/// A rule that keeps a generated page from being seen, or never fires because the
/// page is served instead.
fn hidden_page(table: &RuleTable, index: usize, rule: &Rule) -> Option<Diagnostic> {
    // After `notice_until` the notice's pages redirect on purpose.
    if matches!(rule.kind, RuleKind::Unmatched | RuleKind::NoticeEnded)
        || table.twins.contains(&index)
    {
        return None;
    }
    let serves_files_first = table.target == Target::Netlify && !rule.force;
    let hidden = match rule.from.as_request() {
        // Netlify serves a page at every spelling; Cloudflare only at one, and
        // answers the others (`/warranty` for `/warranty/`) with its own 308, which
        // a rule may replace without hiding anything.
        Some(path) if table.target == Target::Cloudflare => match table.served(&path) {
            Served::File(file) => Some(file),
            _ => None,
        },
        Some(path) => table.file_for(&path),
        None if serves_files_first => None,
        None => table.files.iter().find(|file| {
            // The cheap match first: sites can have tens of thousands of files.
            serving_urls(file).iter().any(|url| {
                rule.from.matches(url, table.target.exact_slash()).is_some()
                    && matches!(table.served(url), Served::File(_))
                    && table
                        .first_match(url)
                        .is_some_and(|(first, _)| first == index)
            })
        }),
    }?;
    let code = "redirects::hides-page";
    Some(if serves_files_first {
        error_at(
            rule,
            code,
            format!(
                "`{}` never applies on {}: the page {hidden} is served there first",
                rule.from, table.domain
            ),
            "remove the rule (or the alias), or give the page another slug",
        )
    } else {
        error_at(
            rule,
            code,
            format!(
                "`{}` hides the generated page {hidden} on {}",
                rule.from, table.domain
            ),
            "narrow the rule so it leaves the page alone, or remove the page",
        )
    })
}

/// The URLs a generated file may answer: `/x/index.html` also as `/x/`, `/x.html`
/// also as `/x`.
pub fn serving_urls(file: &RequestPath) -> Vec<RequestPath> {
    let mut urls = vec![file.clone()];
    let Some((last, parent)) = file.segments.split_last() else {
        return urls;
    };
    if last == "index.html" {
        urls.push(RequestPath {
            segments: parent.to_vec(),
            trailing_slash: true,
        });
    } else if let Some(stem) = last.strip_suffix(".html") {
        let mut segments = parent.to_vec();
        segments.push(stem.to_string());
        urls.push(RequestPath {
            segments,
            trailing_slash: false,
        });
    }
    urls
}

/// Cloudflare: a static rule whose other spelling is a page (so no twin could be
/// written) answers one spelling of the old URL while the other shows the page.
fn one_spelling(table: &RuleTable, index: usize, rule: &Rule) -> Option<Diagnostic> {
    if table.target != Target::Cloudflare
        || rule.kind == RuleKind::Unmatched
        || table.twins.contains(&index)
    {
        return None;
    }
    let path = rule.from.as_request()?;
    if path.segments.is_empty() {
        return None;
    }
    let other = RequestPath {
        segments: path.segments.clone(),
        trailing_slash: !path.trailing_slash,
    };
    if table.first_match(&other).is_some() {
        return None;
    }
    let Served::File(page) = table.served(&other) else {
        return None;
    };
    // `/warranty -> /warranty/` only says what Cloudflare's own 308 says.
    if let Destination::Internal(to) = &rule.to {
        if RequestPath::parse(to).is_ok_and(|to| table.file_for(&to).as_ref() == Some(&page)) {
            return None;
        }
    }
    Some(
        Diagnostic::warning(
            "redirects::one-spelling",
            format!(
                "on {} (Cloudflare) only `{path}` goes to {}: `{other}` is the page {page}",
                table.domain, rule.to
            ),
        )
        .at(rule.span.clone())
        .help("if old links used both spellings, give the page another slug, or send this rule to the page"),
    )
}

/// Netlify: a source with a percent-encoded character never matches.
fn unmatchable(table: &RuleTable, rule: &Rule) -> Option<Diagnostic> {
    if rule.can_match(table.target) {
        return None;
    }
    Some(
        Diagnostic::warning(
            "redirects::unmatchable",
            format!(
                "`{}` does not match on Netlify: its runtime (measured on `netlify dev`) decodes the request path (`%C3%A9` becomes `é`) before comparing it with the rule as written",
                rule.from
            ),
        )
        .at(rule.span.clone())
        .help("the old URL answers 404 on Netlify; `_redirects` holds only ASCII, so rename the path or serve it from a page alias on Cloudflare"),
    )
}

/// Where the rule's destination leads: loops, chains, and paths that go nowhere.
fn destination_problem(
    tables: &[RuleTable],
    at: usize,
    rule: &Rule,
    resolved: &mut Onward,
) -> Option<Diagnostic> {
    let table = &tables[at];
    let to = rule.to.as_str();
    let stays_on_site = match &rule.to {
        Destination::Internal(_) => true,
        Destination::External(url) => rule.is_redirect() && on_site(tables, url).is_some(),
    };
    if !stays_on_site {
        return None;
    }
    let options = Options::default();
    let example = rule.from.example();
    let resolution = resolve_in(tables, at, &example, &options);
    if resolution.end == End::Loop {
        let across = resolution.hops.iter().any(|h| h.domain != table.domain);
        return Some(error_at(
            rule,
            "redirects::loop",
            format!(
                "redirect loop {}{}: {}",
                if across {
                    "across domains, from "
                } else {
                    "on "
                },
                table.domain,
                describe_chain(&resolution)
            ),
            "send one of these rules to the page or URL that replaces it, not back into the loop",
        ));
    }
    if !placeholders(to).is_empty() {
        return None;
    }
    let (onward_table, target) = match &rule.to {
        Destination::Internal(path) => (at, RequestPath::parse(path).ok()?),
        Destination::External(url) => {
            let (index, path, _) = on_site(tables, url)?;
            (index, path)
        }
    };
    let onward = &*resolved
        .entry((onward_table, target))
        .or_insert_with_key(|(table, target)| resolve_in(tables, *table, target, &options));
    // A 404/410 from the unmatched policy (or any rule) is not a page either.
    let lands_on_page = matches!(
        onward.end,
        End::File { status: 200, .. } | End::External { .. }
    );
    let domain = &tables[onward_table].domain;
    match onward.end {
        _ if !lands_on_page && rule.kind != RuleKind::Unmatched => Some(error_at(
            rule,
            "redirects::destination",
            format!(
                "`{}` goes to {to}, which is not a page of {domain} and no rule sends further",
                rule.from
            ),
            "point it at a generated page (e.g. `/`) or an absolute https:// URL",
        )),
        // Every notice page redirects after `notice_until`: rules that led there
        // follow on purpose, and are written as one hop.
        _ if onward
            .hops
            .first()
            .and_then(|h| h.rule)
            .is_some_and(|r| tables[onward_table].rules[r].kind == RuleKind::NoticeEnded) =>
        {
            None
        }
        _ if rule.is_redirect() && onward.redirect_hops() > 0 => Some(
            Diagnostic::warning(
                "redirects::chain",
                format!(
                    "`{}` goes to {to}, which redirects again: {}{}",
                    rule.from,
                    describe_chain(onward),
                    if onward_table == at {
                        "; written as one hop"
                    } else {
                        ""
                    }
                ),
            )
            .at(rule.span.clone())
            .help("point the rule at the final address yourself to make this warning go away"),
        ),
        _ => None,
    }
}

pub fn describe_chain(resolution: &Resolution) -> String {
    let mut text = resolution.request.clone();
    let start = resolution.hops.first().map(|h| h.domain.as_str());
    for hop in &resolution.hops {
        let location = match hop.location.strip_prefix('/') {
            Some(path) if start != Some(hop.domain.as_str()) => {
                format!("https://{}/{path}", hop.domain)
            }
            _ => hop.location.clone(),
        };
        text.push_str(&format!(" -> {location} ({})", hop.status));
    }
    if resolution.end == End::Loop {
        text.push_str(" -> ...");
    }
    text
}

/// Cloudflare's budget: 2,000 static + 100 dynamic rules, 1,000 characters a line.
fn limit_problems(table: &RuleTable, bulk: bool) -> Vec<Diagnostic> {
    if table.target != Target::Cloudflare {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let (statics, dynamics) = ordered(table, bulk);
    let mut resolved = write::Onward::new();
    for &index in statics.iter().chain(&dynamics) {
        let line = write::line_with(table, index, &mut resolved);
        if line.chars().count() > CLOUDFLARE_LINE_LIMIT {
            let rule = &table.rules[index];
            problems.push(error_at(rule, "redirects::limit",
                format!("this rule's line is {} characters; Cloudflare ignores lines over {CLOUDFLARE_LINE_LIMIT}", line.chars().count()),
                "shorten the destination URL"));
        }
    }
    let over = |kind: &str, count: usize, limit: usize, first_over: usize, help: &str| {
        error_at(
            &table.rules[first_over],
            "redirects::limit",
            format!(
                "{} has {count} {kind} rules; Cloudflare takes at most {limit} (this is rule {})",
                table.domain,
                limit + 1
            ),
            help.to_string(),
        )
    };
    if statics.len() > CLOUDFLARE_STATIC_LIMIT {
        problems.push(over("static", statics.len(), CLOUDFLARE_STATIC_LIMIT, statics[CLOUDFLARE_STATIC_LIMIT],
            "set `cloudflare_bulk: true` under the top-level `redirects:` in site.yaml: static rules are then written to public/_cloudflare-bulk/<domain>.csv for Cloudflare Bulk Redirects, which takes thousands"));
    }
    if dynamics.len() > CLOUDFLARE_DYNAMIC_LIMIT {
        problems.push(over("dynamic", dynamics.len(), CLOUDFLARE_DYNAMIC_LIMIT, dynamics[CLOUDFLARE_DYNAMIC_LIMIT],
            "merge patterns (one `/product/:model` instead of one per range), or list the paths as static rules"));
    }
    problems
}
