//! Cloudflare's trailing-slash twins. Netlify matches `/x` and `/x/` with one
//! rule; Cloudflare matches the path exactly, so an old URL linked both ways
//! would answer 404 on one spelling. For every rule handover adds the other
//! spelling right after it (`/x` -> `/x/`, `/p/:m` -> `/p/:m/`, and `/s/*` ->
//! `/s`, which the splat does not match there), unless:
//!
//! - the other spelling is a page of the site (the twin would hide it; the CDN's
//!   own 308 between `/x` and `/x/` then applies, and `check` reports a rule that
//!   only one spelling reaches),
//! - a rule for the other spelling is written already (it decides),
//! - the twin would send a request to itself.

use std::collections::BTreeSet;

use super::pattern::{Pattern, RequestPath};
use super::{Destination, Rule, RuleKind, RuleTable, Served};

/// The table's rules with each twin after its rule, and the twins' indexes.
pub fn with_slash_twins(table: &RuleTable) -> (Vec<Rule>, BTreeSet<usize>) {
    let written: BTreeSet<&Pattern> = table.rules.iter().map(|r| &r.from).collect();
    let mut rules = Vec::with_capacity(table.rules.len() * 2);
    let mut twins = BTreeSet::new();
    let mut added: BTreeSet<Pattern> = BTreeSet::new();
    for rule in &table.rules {
        rules.push(rule.clone());
        let Some(twin) = twin_of(rule) else {
            continue;
        };
        if written.contains(&twin.from)
            || added.contains(&twin.from)
            || hides_a_page(table, &twin.from)
            || goes_to_itself(&twin)
        {
            continue;
        }
        added.insert(twin.from.clone());
        twins.insert(rules.len());
        rules.push(twin);
    }
    (rules, twins)
}

/// The rule for the other spelling of `rule`'s source.
pub fn twin_of(rule: &Rule) -> Option<Rule> {
    if rule.kind == RuleKind::Unmatched || rule.from.segments.is_empty() {
        return None;
    }
    let mut from = rule.from.clone();
    let to = if from.splat {
        // `/s/*` matches `/s/` and below on Cloudflare, never `/s`: the twin is
        // `/s` with an empty splat.
        from.splat = false;
        from.trailing_slash = false;
        match &rule.to {
            Destination::External(url) => Destination::External(url.replace(":splat", "")),
            Destination::Internal(path) => {
                let path = path.replace("/:splat", "/").replace(":splat", "");
                Destination::Internal(path.replace("//", "/"))
            }
        }
    } else {
        from.trailing_slash = !from.trailing_slash;
        rule.to.clone()
    };
    Some(Rule {
        from,
        to,
        ..rule.clone()
    })
}

/// Would the twin catch a URL that serves a page?
fn hides_a_page(table: &RuleTable, from: &Pattern) -> bool {
    match from.as_request() {
        Some(path) => matches!(table.served(&path), Served::File(_)),
        None => table.files.iter().any(|file| {
            super::checks::serving_urls(&file)
                .iter()
                .any(|url| from.matches(url, true).is_some())
        }),
    }
}

fn goes_to_itself(twin: &Rule) -> bool {
    let (Some(from), Destination::Internal(to)) = (twin.from.as_request(), &twin.to) else {
        return false;
    };
    RequestPath::parse(to).is_ok_and(|to| to == from)
}
