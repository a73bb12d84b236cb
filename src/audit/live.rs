//! `audit --live`: each old URL asked over HTTP, from the deployed domains or, with
//! curl-style `--resolve uk.po.co=127.0.0.1:8788`, from local servers (then over
//! plain http, with the domain as `Host`). Redirects are followed by hand, at most
//! ten, while they stay on the site's domains; a redirect elsewhere is recorded and
//! not requested. On the final page: its status, canonical link and `noindex`.
//! Requests run a few at a time per host, each with a timeout.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Mutex;
use std::time::Duration;

use super::inventory::Entry;
use super::{host_of, Hop, Landing, Observation};

/// Browsers give up near 20; the audit follows 10, as crawlers do.
pub const MAX_HOPS: usize = 10;

/// A page body is read up to this size, for its canonical link and robots meta.
const MAX_BODY: u64 = 2 << 20;

#[derive(Debug, Clone)]
pub struct Options {
    /// Domain -> `ip:port` or `name:port` of a local server.
    pub resolve: BTreeMap<String, String>,
    /// The site's domains: redirects are followed while they stay on them.
    pub domains: BTreeSet<String>,
    /// Requests at once per host.
    pub concurrency: usize,
    pub timeout: Duration,
}

/// `uk.po.co=127.0.0.1:8788` as (domain, address).
pub fn parse_resolve(text: &str) -> Result<(String, String), String> {
    let (domain, address) = text.split_once('=').ok_or_else(|| {
        format!("`{text}` is not DOMAIN=HOST:PORT (e.g. uk.po.co=127.0.0.1:8788)")
    })?;
    let port_ok = address
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if domain.is_empty() || !port_ok {
        return Err(format!(
            "`{text}` is not DOMAIN=HOST:PORT (e.g. uk.po.co=127.0.0.1:8788)"
        ));
    }
    Ok((domain.to_ascii_lowercase(), address.to_string()))
}

/// Asks every entry, a few at a time per host; the answers keep the entries' order.
pub fn observe(entries: &[Entry], options: &Options) -> Vec<Observation> {
    let agent = ureq::AgentBuilder::new()
        .redirects(0)
        .timeout(options.timeout)
        .resolver(resolve_localhost)
        .user_agent(concat!("handover-audit/", env!("CARGO_PKG_VERSION")))
        .build();
    let mut by_host: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, entry) in entries.iter().enumerate() {
        by_host.entry(host_of(&entry.url)).or_default().push(index);
    }
    let results: Mutex<Vec<Option<Observation>>> = Mutex::new(vec![None; entries.len()]);
    let queues: Vec<(usize, Mutex<std::vec::IntoIter<usize>>)> = by_host
        .into_values()
        .map(|indexes| (indexes.len(), Mutex::new(indexes.into_iter())))
        .collect();
    std::thread::scope(|scope| {
        for (count, queue) in &queues {
            let workers = options.concurrency.clamp(1, (*count).max(1));
            for _ in 0..workers {
                let (agent, results) = (&agent, &results);
                scope.spawn(move || loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    let Some(index) = next else {
                        break;
                    };
                    let observation = follow(agent, &entries[index].url, options);
                    if let Ok(mut results) = results.lock() {
                        results[index] = Some(observation);
                    }
                });
            }
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Observation::failed("not asked".to_string())))
        .collect()
}

/// `*.localhost` is the loopback address (RFC 6761), whatever the system resolver
/// says: `handover serve` answers each region at `<id>.localhost`.
fn resolve_localhost(netloc: &str) -> std::io::Result<Vec<SocketAddr>> {
    if let Some((host, port)) = netloc.rsplit_once(':') {
        if host == "localhost" || host.ends_with(".localhost") {
            let port: u16 = port
                .parse()
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad port"))?;
            return Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))]);
        }
    }
    netloc.to_socket_addrs().map(Iterator::collect)
}

/// Follows one URL's redirects while they stay on the site.
fn follow(agent: &ureq::Agent, url: &str, options: &Options) -> Observation {
    let mut hops = Vec::new();
    let mut seen = BTreeSet::new();
    let mut current = url.to_string();
    loop {
        if !seen.insert(current.clone()) {
            return Observation {
                hops,
                landing: Landing::Loop,
            };
        }
        if hops.len() >= MAX_HOPS {
            return Observation {
                hops,
                landing: Landing::TooManyHops,
            };
        }
        let response = match ask(agent, &current, options) {
            Ok(response) => response,
            Err(why) => {
                return Observation {
                    hops,
                    landing: Landing::Failed {
                        why: format!("{current}: {why}"),
                    },
                }
            }
        };
        let status = response.status();
        let location = response.header("location").map(str::to_string);
        match location {
            Some(location) if (300..400).contains(&status) => {
                let next = absolute(&current, &location, options);
                hops.push(Hop {
                    url: current.clone(),
                    status,
                    location: next.clone(),
                });
                if !options.domains.contains(host_of(&next)) {
                    return Observation {
                        hops,
                        landing: Landing::Leaves { url: next },
                    };
                }
                current = next;
            }
            _ => {
                let noindex_header = response
                    .header("x-robots-tag")
                    .is_some_and(|v| v.to_ascii_lowercase().contains("noindex"));
                let html = response
                    .header("content-type")
                    .is_some_and(|t| t.contains("html"));
                let mut body = String::new();
                if html {
                    let _ = response
                        .into_reader()
                        .take(MAX_BODY)
                        .read_to_string(&mut body);
                }
                let canonical = canonical_link(&body).map(|c| absolute(&current, &c, options));
                return Observation {
                    hops,
                    landing: Landing::Page {
                        url: current,
                        status,
                        canonical,
                        noindex: noindex_header || has_noindex(&body),
                    },
                };
            }
        }
    }
}

/// One GET, without following redirects; 4xx and 5xx are answers too.
fn ask(agent: &ureq::Agent, url: &str, options: &Options) -> Result<ureq::Response, String> {
    let host = host_of(url).to_ascii_lowercase();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    let tail = &rest[rest.find(['/', '?']).unwrap_or(rest.len())..];
    let path = if tail.starts_with('/') {
        tail.to_string()
    } else {
        format!("/{tail}")
    };
    let request = match options.resolve.get(&host) {
        Some(address) => {
            // A local server: plain http to the address; a named address (handover
            // serve's `uk.localhost:1111`) is also the Host it answers to.
            let name = address.rsplit_once(':').map_or("", |(name, _)| name);
            let is_ip = name.parse::<std::net::IpAddr>().is_ok()
                || name
                    .trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok();
            let host_header = if is_ip { host.clone() } else { address.clone() };
            agent
                .get(&format!("http://{address}{path}"))
                .set("Host", &host_header)
        }
        None => agent.get(url),
    };
    match request.call() {
        Ok(response) => Ok(response),
        Err(ureq::Error::Status(_, response)) => Ok(response),
        Err(ureq::Error::Transport(error)) => Err(error.to_string()),
    }
}

/// A `Location` as an absolute `https://<domain>/...` URL: relative ones on the
/// current URL's domain, and a local server's own origin mapped back to its domain.
fn absolute(current: &str, location: &str, options: &Options) -> String {
    if location.starts_with('/') && !location.starts_with("//") {
        return format!("https://{}{location}", host_of(current));
    }
    for (domain, address) in &options.resolve {
        for origin in [format!("http://{address}"), format!("https://{address}")] {
            if let Some(rest) = location.strip_prefix(&origin) {
                if rest.is_empty() || rest.starts_with(['/', '?']) {
                    return format!(
                        "https://{domain}{}",
                        if rest.is_empty() { "/" } else { rest }
                    );
                }
            }
        }
    }
    location.to_string()
}

/// `<link rel="canonical" href="...">`, in either attribute order.
fn canonical_link(html: &str) -> Option<String> {
    tags(html, "<link").find_map(|tag| {
        let rel = attribute(tag, "rel")?;
        rel.split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("canonical"))
            .then(|| attribute(tag, "href"))
            .flatten()
    })
}

/// `<meta name="robots" content="...noindex...">`.
fn has_noindex(html: &str) -> bool {
    tags(html, "<meta").any(|tag| {
        attribute(tag, "name").is_some_and(|n| n.eq_ignore_ascii_case("robots"))
            && attribute(tag, "content").is_some_and(|c| c.to_ascii_lowercase().contains("noindex"))
    })
}

fn tags<'h>(html: &'h str, open: &'static str) -> impl Iterator<Item = &'h str> {
    html.match_indices(open).filter_map(move |(at, _)| {
        let rest = &html[at..];
        rest.find('>').map(|end| &rest[..end])
    })
}

/// The value of `name="..."` (or `'...'`) in one tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(name) {
        let at = from + found;
        from = at + name.len();
        let before_ok = at > 0 && lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = tag[at + name.len()..].trim_start();
        let Some(rest) = rest.strip_prefix('=').filter(|_| before_ok) else {
            continue;
        };
        let rest = rest.trim_start();
        let quote = rest.chars().next()?;
        if quote == '"' || quote == '\'' {
            let value = &rest[1..];
            return Some(value[..value.find(quote)?].replace("&amp;", "&"));
        }
        return Some(rest.split_ascii_whitespace().next()?.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_and_noindex_are_read_from_the_page() {
        let html = r#"<head><link href="https://uk.po.co/" rel="canonical"><meta name="robots" content="noindex, follow"></head>"#;
        assert_eq!(canonical_link(html).as_deref(), Some("https://uk.po.co/"));
        assert!(has_noindex(html));
        assert!(!has_noindex(
            r#"<meta name="description" content="noindex">"#
        ));
        assert_eq!(
            canonical_link("<link rel=\"stylesheet\" href=\"/a.css\">"),
            None
        );
    }

    #[test]
    fn locations_are_made_absolute_on_the_right_domain() {
        let options = Options {
            resolve: [("fr.po.co".to_string(), "fr.localhost:1111".to_string())].into(),
            domains: BTreeSet::new(),
            concurrency: 1,
            timeout: Duration::from_secs(1),
        };
        assert_eq!(
            absolute("https://uk.po.co/a", "/b?x", &options),
            "https://uk.po.co/b?x"
        );
        assert_eq!(
            absolute("https://uk.po.co/a", "http://fr.localhost:1111/c", &options),
            "https://fr.po.co/c"
        );
        assert_eq!(
            absolute("https://uk.po.co/a", "https://www.mi.com/uk/", &options),
            "https://www.mi.com/uk/"
        );
    }

    #[test]
    fn resolve_arguments() {
        assert_eq!(
            parse_resolve("UK.po.co=127.0.0.1:8788").unwrap(),
            ("uk.po.co".to_string(), "127.0.0.1:8788".to_string())
        );
        assert!(parse_resolve("uk.po.co").is_err());
        assert!(parse_resolve("uk.po.co=127.0.0.1").is_err());
    }
}
