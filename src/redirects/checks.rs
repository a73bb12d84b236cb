//! Build-time checks of one region's rule table: what the target CDN cannot
//! express, duplicates and shadowed rules, rules hiding generated pages, loops,
//! chains, destinations that go nowhere, and Cloudflare's limits.

use super::lookup::{resolve, End, Resolution};
use super::pattern::{placeholders, RequestPath};
use super::write::{line_for, ordered};
use super::{Destination, Rule, RuleKind, RuleTable, Target};
use crate::diagnostics::Diagnostic;

pub const CLOUDFLARE_STATIC_LIMIT: usize = 2_000;
pub const CLOUDFLARE_DYNAMIC_LIMIT: usize = 100;
pub const CLOUDFLARE_LINE_LIMIT: usize = 2_000;

/// Every problem with `table`. `bulk` is Cloudflare's Bulk Redirects output.
pub fn check(table: &RuleTable, bulk: bool) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for rule in &table.rules {
        problems.extend(target_problem(rule, table.target));
    }
    for &(later, earlier) in table.shadowed() {
        problems.push(shadow_problem(table, later, earlier));
    }
    for (index, rule) in table.rules.iter().enumerate() {
        problems.extend(hidden_page(table, index, rule));
        problems.extend(destination_problem(table, rule));
    }
    problems.extend(limit_problems(table, bulk));
    problems
}

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
        return None;
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
    let mut first_static = std::collections::HashMap::new();
    for (index, rule) in table.rules.iter().enumerate() {
        if rule.kind == RuleKind::Unmatched {
            continue;
        }
        let earlier_dynamic = table.dynamic_rules().iter().take_while(|&&d| d < index);
        match rule.from.as_request() {
            Some(path) => {
                let caught = earlier_dynamic
                    .copied()
                    .find(|&d| table.rules[d].from.matches(&path, exact).is_some());
                let duplicate = first_static.get(&super::key(&path, table.target)).copied();
                match caught.into_iter().chain(duplicate).min() {
                    Some(earlier) => found.push((index, earlier)),
                    None => {
                        first_static.insert(super::key(&path, table.target), index);
                    }
                }
            }
            None => {
                let caught = earlier_dynamic
                    .copied()
                    .find(|&d| table.rules[d].from.covers(&rule.from, exact));
                if let Some(earlier) = caught {
                    found.push((index, earlier));
                }
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
    if rule.kind == RuleKind::Unmatched {
        return None;
    }
    let serves_files_first = table.target == Target::Netlify && !rule.force;
    let hidden = match rule.from.as_request() {
        Some(path) => table.file_for(&path),
        None if serves_files_first => None,
        None => table
            .files
            .iter()
            .find(|file| {
                // The cheap match first: sites can have tens of thousands of files.
                page_urls(file).iter().any(|url| {
                    rule.from.matches(url, table.target.exact_slash()).is_some()
                        && table
                            .first_match(url)
                            .is_some_and(|(first, _)| first == index)
                })
            })
            .cloned(),
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

/// The URLs a generated file answers: `/x/index.html` also as `/x/`.
fn page_urls(file: &RequestPath) -> Vec<RequestPath> {
    let mut urls = vec![file.clone()];
    if file.segments.last().is_some_and(|s| s == "index.html") {
        urls.push(RequestPath {
            segments: file.segments[..file.segments.len() - 1].to_vec(),
            trailing_slash: true,
        });
    }
    urls
}

/// Where the rule's destination leads: loops, chains, and paths that go nowhere.
fn destination_problem(table: &RuleTable, rule: &Rule) -> Option<Diagnostic> {
    let Destination::Internal(to) = &rule.to else {
        return None;
    };
    let example = rule.from.example();
    let resolution = resolve(table, &example);
    if resolution.end == End::Loop {
        return Some(error_at(
            rule,
            "redirects::loop",
            format!(
                "redirect loop on {}: {}",
                table.domain,
                describe_chain(&resolution)
            ),
            "send one of these rules to the page or URL that replaces it, not back into the loop",
        ));
    }
    if !placeholders(to).is_empty() {
        return None;
    }
    let target = RequestPath::parse(to).ok()?;
    let onward = resolve(table, &target);
    // A 404/410 from the unmatched policy (or any rule) is not a page either.
    let lands_on_page = matches!(
        onward.end,
        End::File { status: 200, .. } | End::External { .. }
    );
    match onward.end {
        _ if !lands_on_page && rule.kind != RuleKind::Unmatched => Some(error_at(
            rule,
            "redirects::destination",
            format!(
                "`{}` goes to {to}, which is not a page of {} and no rule sends further",
                rule.from, table.domain
            ),
            "point it at a generated page (e.g. `/`) or an absolute https:// URL",
        )),
        _ if rule.is_redirect() && onward.redirect_hops() > 0 => Some(
            Diagnostic::warning(
                "redirects::chain",
                format!(
                    "`{}` goes to {to}, which redirects again: {}; written as one hop",
                    rule.from,
                    describe_chain(&onward)
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
    for hop in &resolution.hops {
        text.push_str(&format!(" -> {} ({})", hop.location, hop.status));
    }
    if resolution.end == End::Loop {
        text.push_str(" -> ...");
    }
    text
}

/// Cloudflare's budget: 2,000 static + 100 dynamic rules, 2,000 characters a line.
fn limit_problems(table: &RuleTable, bulk: bool) -> Vec<Diagnostic> {
    if table.target != Target::Cloudflare {
        return Vec::new();
    }
    let mut problems = Vec::new();
    let (statics, dynamics) = ordered(table, bulk);
    for &index in statics.iter().chain(&dynamics) {
        let line = line_for(table, index);
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
