//! Following a request through the rule tables the way the target CDN would:
//! which rule matches, the CDN's own trailing-slash redirects, each hop of a chain
//! (also onto another domain of the site), and where it ends. `explain`, `serve`,
//! `audit` and the loop and chain checks all use this one function.
//!
//! What the runtimes do, as measured on `wrangler pages dev` (Cloudflare) and
//! `netlify dev` (Netlify), is in `docs/redirects.md`: both forward the query
//! string to a redirect's `Location`; Cloudflare matches the path exactly as sent
//! (no decoding) and redirects `/x` to `/x/` (308) for a folder's `index.html`;
//! Netlify decodes the path before matching and serves `/x`, `/x/` and `/x.html`
//! alike.

use std::collections::BTreeSet;

use serde::Serialize;

use super::pattern::{substitute, Captures, RequestPath};
use super::{key, RuleTable, Served, Target};

/// Chains longer than this are treated as loops (browsers give up near 20).
const MAX_HOPS: usize = 20;

/// A destination that grows past this is treated as a loop too: a rule that puts
/// its own match back into its destination (`/* /a/:splat/:splat`) grows the
/// path at each hop, doubling it here, and no CDN serves such a URL (Cloudflare
/// refuses URLs over 16 KB). Without the bound, 20 doublings take minutes.
const MAX_LOCATION_BYTES: usize = 16 * 1024;

/// One redirect or rewrite applied to one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// The rule that answered, or `None` for the CDN's own trailing-slash 308.
    pub rule: Option<usize>,
    /// The table (region) whose domain got the request.
    pub table: usize,
    pub domain: String,
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
    /// The last hop leaves the site.
    External { location: String, status: u16 },
    /// A rule shows a path that is neither generated nor matched by a rule.
    Missing { path: String, status: u16 },
    /// The hops come back to a path already visited.
    Loop,
    /// No rule and no file: the CDN's own 404 (its `404.html`, if generated).
    NotFound { page: Option<String> },
}

/// The whole answer for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    pub request: String,
    pub hops: Vec<Hop>,
    pub end: End,
    /// The domain the request ends on (another domain of the site after a hop
    /// there).
    pub end_domain: String,
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

/// How to follow a request.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Apply each rule as it is written to `_redirects`, with chains through the
    /// table collapsed into one hop (what the CDN does), instead of as configured
    /// (what the checks walk).
    pub as_written: bool,
    /// The query string sent with the request (without `?`). Both CDNs add it to
    /// a redirect's `Location`.
    pub query: Option<String>,
}

/// Follows `path` through one table, as configured.
pub fn resolve(table: &RuleTable, path: &RequestPath) -> Resolution {
    resolve_in(std::slice::from_ref(table), 0, path, &Options::default())
}

/// Follows `path`, requested on `tables[start]`'s domain, through every table: an
/// absolute destination on one of the site's domains is followed like a path.
pub fn resolve_in(
    tables: &[RuleTable],
    start: usize,
    path: &RequestPath,
    options: &Options,
) -> Resolution {
    let mut hops: Vec<Hop> = Vec::new();
    let mut visited = BTreeSet::new();
    // Most requests (every link a build checks) end where they start: they
    // need no copy of the path and no record of where they have been.
    let mut current = std::borrow::Cow::Borrowed(path);
    let mut at = start;
    let mut query = options.query.clone().filter(|q| !q.is_empty());
    let end = loop {
        let table = &tables[at];
        if !hops.is_empty() {
            if visited.is_empty() {
                visited.insert((start, key(path, tables[start].target)));
            }
            if !visited.insert((at, key(&current, table.target))) || hops.len() > MAX_HOPS {
                break End::Loop;
            }
        }
        let served = table.served(&current);
        let rule = table.first_match(&current);
        let applies = match (&rule, &served, table.target) {
            (None, _, _) => false,
            // Netlify serves an existing file unless the rule is forced.
            (Some((index, _)), Served::File(_), Target::Netlify) => table.rules[*index].force,
            (Some(_), _, _) => true,
        };
        if !applies {
            match served {
                Served::File(file) => {
                    break End::File {
                        path: file.text(),
                        status: 200,
                    }
                }
                Served::Slash(location) => {
                    // Cloudflare's own `/x` -> `/x/` for a folder (and `.html` dropped).
                    hops.push(Hop {
                        rule: None,
                        table: at,
                        domain: table.domain.clone(),
                        path: current.to_string(),
                        location: with_query(&location, query.as_deref()),
                        status: 308,
                    });
                    match RequestPath::parse(&location) {
                        Ok(next) => {
                            current = std::borrow::Cow::Owned(next);
                            continue;
                        }
                        Err(_) => {
                            break End::Missing {
                                path: location,
                                status: 308,
                            }
                        }
                    }
                }
                Served::Nothing => {
                    break End::NotFound {
                        page: not_found_page(table, &current),
                    }
                }
            }
        }
        let (index, captures) = rule.expect("applies only with a rule");
        let rule = &table.rules[index];
        let (to, status) = if options.as_written {
            let written = super::write::written(table, index);
            (written.to, written.status)
        } else {
            (rule.to.as_str().to_string(), rule.status)
        };
        let location = substitute(&to, &captures_for(&captures, table.target));
        if location.len() > MAX_LOCATION_BYTES {
            break End::Loop;
        }
        let redirect = (300..400).contains(&status);
        hops.push(Hop {
            rule: Some(index),
            table: at,
            domain: table.domain.clone(),
            path: current.to_string(),
            location: if redirect {
                with_query(&location, query.as_deref())
            } else {
                location.clone()
            },
            status,
        });
        let internal = to.starts_with('/');
        let next = if internal {
            RequestPath::parse(&location).ok().map(|next| (at, next))
        } else if redirect {
            on_site(tables, &location).map(|(table, next, q)| {
                if q.is_some() {
                    query = q;
                }
                (table, next)
            })
        } else {
            None
        };
        let Some((next_table, next)) = next else {
            break if internal {
                End::Missing {
                    path: location,
                    status,
                }
            } else {
                End::External {
                    location: hops.last().map(|h| h.location.clone()).unwrap_or(location),
                    status,
                }
            };
        };
        if !redirect {
            // A rewrite or a 404/410 shows a file of the site. Cloudflare evaluates
            // the rules again for a rewrite's path; Netlify serves the file.
            let again = table.target == Target::Cloudflare
                && status == 200
                && table.first_match(&next).is_some();
            if !again {
                break match table.served(&next) {
                    Served::File(file) => End::File {
                        path: file.text(),
                        status,
                    },
                    _ => End::Missing {
                        path: location,
                        status,
                    },
                };
            }
        }
        at = next_table;
        current = std::borrow::Cow::Owned(next);
    };
    Resolution {
        request: path.text(),
        hops,
        end,
        end_domain: tables[at].domain.clone(),
    }
}

/// Netlify puts a captured value back into the destination re-encoded (it
/// matched the decoded path); Cloudflare puts it back as it was sent.
fn captures_for(captures: &Captures, target: Target) -> Captures {
    match target {
        Target::Cloudflare => captures.clone(),
        Target::Netlify => Captures {
            params: captures
                .params
                .iter()
                .map(|(k, v)| (k.clone(), netlify_reencode(v)))
                .collect(),
            splat: captures.splat.as_deref().map(netlify_reencode),
        },
    }
}

/// Netlify's spelling of a captured value in a `Location`: decoded, then with
/// spaces, quotes and non-ASCII percent-encoded (`?`, `#` and `%` stay as they are).
fn netlify_reencode(value: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(value).collect::<Vec<u8>>();
    let mut out = String::with_capacity(decoded.len());
    for byte in decoded {
        let plain = byte.is_ascii_graphic()
            && !matches!(
                byte,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            );
        if plain {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `location?query`, as both CDNs send it (`&` when the location has a query).
fn with_query(location: &str, query: Option<&str>) -> String {
    match query {
        Some(q) if !q.is_empty() => {
            let joiner = if location.contains('?') { '&' } else { '?' };
            format!("{location}{joiner}{q}")
        }
        _ => location.to_string(),
    }
}

/// `https://<a domain of the site>/path?query` as (table, path, query).
pub fn on_site(tables: &[RuleTable], url: &str) -> Option<(usize, RequestPath, Option<String>)> {
    let rest = url.strip_prefix("https://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(end);
    let table = tables
        .iter()
        .position(|t| t.domain.eq_ignore_ascii_case(host))?;
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query.to_string())),
        None => (tail, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    let path = RequestPath::parse(path).ok()?;
    Some((table, path, query))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netlify_reencodes_captures_like_its_runtime() {
        assert_eq!(netlify_reencode("caf%C3%A9"), "caf%C3%A9");
        assert_eq!(netlify_reencode("a%20b"), "a%20b");
        assert_eq!(netlify_reencode("x%3Fy"), "x?y");
        assert_eq!(netlify_reencode("%70oco"), "poco");
        assert_eq!(netlify_reencode("a%22b"), "a%22b");
    }

    #[test]
    fn the_query_is_forwarded() {
        assert_eq!(with_query("/a", Some("x=1")), "/a?x=1");
        assert_eq!(
            with_query("https://s/?a=1", Some("x=1")),
            "https://s/?a=1&x=1"
        );
        assert_eq!(with_query("/a", Some("")), "/a");
    }
}
