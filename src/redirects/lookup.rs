//! Following a request through a rule table the way the target CDN would: which
//! rule matches, each hop of a chain, and where it ends. `explain`, `serve` and the
//! loop and chain checks all use this one function.

use std::collections::BTreeSet;

use serde::Serialize;

use super::pattern::{substitute, RequestPath};
use super::{key, Destination, RuleTable, Target};

/// Chains longer than this are treated as loops (browsers give up near 20).
const MAX_HOPS: usize = 20;

/// One rule applied to one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub rule: usize,
    pub path: String,
    pub location: String,
    pub status: u16,
}

/// Where a request ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "end", rename_all = "kebab-case")]
pub enum End {
    /// A generated file is served with this status (200, or 404/410 from a rule).
    File { path: String, status: u16 },
    /// The last hop leaves the domain.
    External { location: String, status: u16 },
    /// A rule shows a path that is neither generated nor matched by a rule.
    Missing { path: String, status: u16 },
    /// The hops come back to a path already visited.
    Loop,
    /// No rule and no file: the CDN's own 404 (its `404.html`, if generated).
    NotFound { page: Option<String> },
}

/// The whole answer for one request path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    pub request: String,
    pub hops: Vec<Hop>,
    pub end: End,
}

impl Resolution {
    /// Hops that send the browser elsewhere (3xx), as opposed to rewrites.
    pub fn redirect_hops(&self) -> usize {
        self.hops
            .iter()
            .filter(|h| (300..400).contains(&h.status))
            .count()
    }

    /// The status and `Location` of the first response a browser gets.
    pub fn first_response(&self) -> (u16, Option<&str>) {
        match (self.hops.first(), &self.end) {
            (Some(hop), _) if (300..400).contains(&hop.status) => {
                (hop.status, Some(hop.location.as_str()))
            }
            (_, End::File { status, .. }) | (_, End::Missing { status, .. }) => (*status, None),
            (_, End::External { status, location }) => (*status, Some(location)),
            _ => (404, None),
        }
    }
}

/// Follows `path` through `table`.
pub fn resolve(table: &RuleTable, path: &RequestPath) -> Resolution {
    let mut hops = Vec::new();
    let mut visited = BTreeSet::new();
    let mut current = path.clone();
    let end = loop {
        if !visited.insert(key(&current, table.target)) || hops.len() > MAX_HOPS {
            break End::Loop;
        }
        let file = table.file_for(&current);
        let rule = table.first_match(&current);
        let applies = match (&rule, &file, table.target) {
            (None, _, _) => false,
            // Netlify serves an existing file unless the rule is forced.
            (Some((index, _)), Some(_), Target::Netlify) => table.rules[*index].force,
            (Some(_), _, _) => true,
        };
        if !applies {
            break match file {
                Some(file) => End::File {
                    path: file.to_string(),
                    status: 200,
                },
                None => End::NotFound {
                    page: not_found_page(table, &current),
                },
            };
        }
        let (index, captures) = rule.expect("applies only with a rule");
        let rule = &table.rules[index];
        let location = substitute(rule.to.as_str(), &captures);
        hops.push(Hop {
            rule: index,
            path: current.to_string(),
            location: location.clone(),
            status: rule.status,
        });
        let next = match &rule.to {
            Destination::External(_) => {
                break End::External {
                    location,
                    status: rule.status,
                }
            }
            Destination::Internal(_) => match RequestPath::parse(&location) {
                Ok(next) => next,
                Err(_) => {
                    break End::Missing {
                        path: location,
                        status: rule.status,
                    }
                }
            },
        };
        if !rule.is_redirect() {
            // A rewrite or a 404/410 shows a file of the site. Cloudflare evaluates
            // the rules again for a rewrite's path; Netlify serves the file.
            let again = table.target == Target::Cloudflare
                && rule.status == 200
                && table.first_match(&next).is_some();
            if !again {
                break match table.file_for(&next) {
                    Some(file) => End::File {
                        path: file.to_string(),
                        status: rule.status,
                    },
                    None => End::Missing {
                        path: location,
                        status: rule.status,
                    },
                };
            }
        }
        current = next;
    };
    Resolution {
        request: path.to_string(),
        hops,
        end,
    }
}

/// The 404 page the CDN shows by itself: Netlify the root `404.html`, Cloudflare
/// the nearest `404.html` walking up from the path.
fn not_found_page(table: &RuleTable, path: &RequestPath) -> Option<String> {
    let levels = match table.target {
        Target::Netlify => 0..=0,
        Target::Cloudflare => 0..=path.segments.len(),
    };
    levels.rev().find_map(|depth| {
        let mut segments: Vec<String> = path.segments[..depth].to_vec();
        segments.push("404.html".to_string());
        let candidate = RequestPath {
            segments,
            trailing_slash: false,
        };
        table
            .files
            .contains(&candidate)
            .then(|| candidate.to_string())
    })
}
