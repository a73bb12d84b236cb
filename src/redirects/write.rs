//! Writing a rule table: `_redirects` for Netlify or Cloudflare, Cloudflare Bulk
//! Redirects CSV, and `vercel.json` for hosts outside the two.
//!
//! Static rules come first (Cloudflare's budget counts a rule as dynamic once an
//! earlier one has a splat), rules that can never apply are left out, and a chain
//! through other rules of the table is written as one hop.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use serde_json::json;

use super::lookup::{resolve, End, Resolution};
use super::pattern::{placeholders, Pattern, RequestPath, Segment};
use super::{Destination, RuleTable, Target};

/// The rules that get written, as (static, dynamic) indexes in order. With `bulk`,
/// static redirects go to the Bulk Redirects CSV instead.
pub fn ordered(table: &RuleTable, bulk: bool) -> (Vec<usize>, Vec<usize>) {
    let skipped: BTreeSet<usize> = table.shadowed().iter().map(|&(later, _)| later).collect();
    let mut statics = Vec::new();
    let mut dynamics = Vec::new();
    for (index, rule) in table.rules.iter().enumerate() {
        if skipped.contains(&index) {
            continue;
        }
        if !rule.from.is_static() {
            dynamics.push(index);
        } else if !(bulk && in_bulk(table, index)) {
            statics.push(index);
        }
    }
    (statics, dynamics)
}

/// Bulk Redirects take static 301/302/307/308 rules.
fn in_bulk(table: &RuleTable, index: usize) -> bool {
    let rule = &table.rules[index];
    rule.from.is_static() && matches!(rule.status, 301 | 302 | 307 | 308)
}

/// What a rule is written as once chains through the table are collapsed into
/// one hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub to: String,
    pub status: u16,
}

fn is_permanent(status: u16) -> bool {
    matches!(status, 301 | 308)
}

/// Where a rule sends a request once chains through the table are followed, and
/// with which status: a collapsed chain stays permanent only when every hop was
/// (a 301 followed by a 302 is written as a 302, a 308 followed by a 307 as a 307),
/// so no browser or search engine caches for good what was meant for now.
pub fn written(table: &RuleTable, index: usize) -> Written {
    written_with(table, index, &mut Onward::new())
}

/// [`written`], for a writer going through many rules with one `resolved`.
fn written_with<'t>(table: &'t RuleTable, index: usize, resolved: &mut Onward<'t>) -> Written {
    collapsed(table, index, resolved).unwrap_or_else(|| {
        let rule = &table.rules[index];
        Written {
            to: rule.to.as_str().to_string(),
            status: rule.status,
        }
    })
}

/// Where each internal destination leads, followed once per file written: many
/// rows of a map share a destination, and so its chain.
pub type Onward<'t> = HashMap<&'t str, Resolution>;

/// [`written`] when a chain collapses; `None` when the rule is written as it is
/// (most rules: then the writers copy nothing).
fn collapsed<'t>(table: &'t RuleTable, index: usize, resolved: &mut Onward<'t>) -> Option<Written> {
    let rule = &table.rules[index];
    let Destination::Internal(to) = &rule.to else {
        return None;
    };
    if !rule.is_redirect() || !placeholders(to).is_empty() {
        return None;
    }
    let onward = match resolved.entry(to.as_str()) {
        Entry::Occupied(known) => known.into_mut(),
        Entry::Vacant(new) => new.insert(resolve(table, &RequestPath::parse(to).ok()?)),
    };
    // Only a chain of plain redirects collapses: a rewrite (200) on the way shows
    // its content at the address the browser was sent to.
    if !onward
        .hops
        .iter()
        .all(|hop| (300..400).contains(&hop.status))
    {
        return None;
    }
    let to = match (&onward.end, onward.hops.last()) {
        (End::External { location, .. }, _) => location.clone(),
        (End::File { status: 200, .. }, Some(last)) => last.location.clone(),
        _ => return None,
    };
    let all_permanent = onward.hops.iter().all(|hop| is_permanent(hop.status));
    let status = match rule.status {
        301 if !all_permanent => 302,
        308 if !all_permanent => 307,
        status => status,
    };
    Some(Written { to, status })
}

/// Where a rule sends a request once chains through the table are followed.
pub fn final_destination(table: &RuleTable, index: usize) -> String {
    written(table, index).to
}

/// One `_redirects` line.
pub fn line_for(table: &RuleTable, index: usize) -> String {
    line_with(table, index, &mut Onward::new())
}

/// [`line_for`], for a check going through many rules with one `resolved`.
pub fn line_with<'t>(table: &'t RuleTable, index: usize, resolved: &mut Onward<'t>) -> String {
    let mut line = String::new();
    push_line(&mut line, table, index, resolved);
    line
}

/// Appends one `_redirects` line (without its newline) to `out`: a file of
/// 100,000 lines is written in place, not line by line into new strings.
fn push_line<'t>(out: &mut String, table: &'t RuleTable, index: usize, resolved: &mut Onward<'t>) {
    let rule = &table.rules[index];
    let force = if rule.force && table.target == Target::Netlify {
        "!"
    } else {
        ""
    };
    let collapsed = collapsed(table, index, resolved);
    let (to, status) = match &collapsed {
        Some(written) => (written.to.as_str(), written.status),
        None => (rule.to.as_str(), rule.status),
    };
    write!(out, "{} {to} {status}{force}", rule.from).expect("writing to a String");
}

/// The `_redirects` file for the table's target.
pub fn redirects_file(table: &RuleTable, bulk: bool) -> String {
    let (statics, dynamics) = ordered(table, bulk);
    let mut out = format!(
        "# Generated by handover for {} ({}): page aliases, site.yaml rules, CSV maps\n\
         # and the unmatched policy. Edit those and rebuild; do not edit this file.\n\
         # Rules: {} static, then {} dynamic (with a splat or placeholder); first match wins.\n",
        table.domain,
        table.target.name(),
        statics.len(),
        dynamics.len()
    );
    if bulk {
        out.push_str(
            "# Static redirects are in the Cloudflare Bulk Redirects list for this domain.\n",
        );
    }
    let mut resolved = Onward::new();
    for index in statics.into_iter().chain(dynamics) {
        push_line(&mut out, table, index, &mut resolved);
        out.push('\n');
    }
    out
}

/// Cloudflare Bulk Redirects CSV (`source_url,target_url,status_code`, no header),
/// for the static redirects of a domain past the `_redirects` budget.
pub fn cloudflare_bulk_csv(table: &RuleTable) -> String {
    let skipped: BTreeSet<usize> = table.shadowed().iter().map(|&(later, _)| later).collect();
    let mut out = String::new();
    let mut resolved = Onward::new();
    for index in (0..table.rules.len()).filter(|i| !skipped.contains(i) && in_bulk(table, *i)) {
        let rule = &table.rules[index];
        let Written { to: target, status } = written_with(table, index, &mut resolved);
        let target = if target.starts_with('/') {
            format!("https://{}{target}", table.domain)
        } else {
            target
        };
        out.push_str(&format!(
            "{}{},{target},{status}\n",
            table.domain, rule.from
        ));
    }
    out
}

/// `vercel.json` with the same rules: redirects, and rewrites for status 200.
/// 404/410 rules are left out: Vercel serves `404.html` for unknown paths itself.
pub fn vercel_json(table: &RuleTable) -> String {
    let (statics, dynamics) = ordered(table, false);
    let mut redirects = Vec::new();
    let mut rewrites = Vec::new();
    let mut resolved = Onward::new();
    for index in statics.into_iter().chain(dynamics) {
        let rule = &table.rules[index];
        let source = vercel_source(&rule.from);
        let Written {
            to: destination,
            status,
        } = written_with(table, index, &mut resolved);
        match status {
            200 => rewrites.push(json!({ "source": source, "destination": destination })),
            301..=308 => redirects.push(json!({
                "source": source,
                "destination": destination,
                "statusCode": status,
            })),
            _ => {}
        }
    }
    let mut text =
        serde_json::to_string_pretty(&json!({ "redirects": redirects, "rewrites": rewrites }))
            .expect("JSON of strings");
    text.push('\n');
    text
}

/// Vercel's path-to-regexp spelling: `*` is `:splat*`.
fn vercel_source(pattern: &Pattern) -> String {
    let mut text: String = pattern
        .segments
        .iter()
        .map(|s| match s {
            Segment::Literal(t) => format!("/{t}"),
            Segment::Param(n) => format!("/:{n}"),
        })
        .collect();
    if pattern.splat {
        text.push_str("/:splat*");
    } else if text.is_empty() || pattern.trailing_slash {
        text.push('/');
    }
    text
}

/// A `_redirects` line read back: used to test that what is written means what the
/// table means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenRule {
    pub from: Pattern,
    pub to: String,
    pub status: u16,
    pub force: bool,
}

/// Reads a `_redirects` file as handover writes it.
pub fn parse_redirects_file(text: &str) -> Result<Vec<WrittenRule>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(number, line)| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [from, to, status] = fields[..] else {
                return Err(format!("line {}: expected 3 fields: {line}", number + 1));
            };
            let (status, force) = match status.strip_suffix('!') {
                Some(s) => (s, true),
                None => (status, false),
            };
            Ok(WrittenRule {
                from: Pattern::parse(from).map_err(|e| format!("line {}: {e}", number + 1))?,
                to: to.to_string(),
                status: status
                    .parse()
                    .map_err(|_| format!("line {}: bad status", number + 1))?,
                force,
            })
        })
        .collect()
}
