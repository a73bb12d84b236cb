//! `handover redirects audit`: what a migration crawler does, for the old site's
//! whole URL inventory. Each old URL is answered (offline by the redirect engine
//! with the target CDN's semantics, or live over HTTP, see [`live`]), the answer
//! becomes an [`Observation`] (the redirect hops and where it lands), and every
//! observation gets one [`Class`]: 1:1 redirect, many-to-one (a soft-404 risk),
//! to a home page, to the notice, not found, loop, chain, or a mismatch against
//! the expected URL and status of a mapping sheet.

pub mod inventory;
pub mod live;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::commands::redirects::{answer, locate};
use crate::pipeline::Site;
use crate::redirects::lookup::End;
use inventory::Entry;

/// One redirect response on the way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    pub location: String,
}

/// Where an old URL ends up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Landing {
    /// A response that is not a redirect, on one of the site's domains.
    Page {
        url: String,
        status: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        canonical: Option<String>,
        noindex: bool,
    },
    /// The last redirect leaves the site (not followed).
    Leaves {
        url: String,
    },
    Loop,
    /// More than ten redirects.
    TooManyHops,
    /// The URL could not be asked (no such domain, a timeout, a refused connection).
    Failed {
        why: String,
    },
}

/// The answer for one old URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    pub hops: Vec<Hop>,
    pub landing: Landing,
}

impl Observation {
    fn failed(why: String) -> Observation {
        Observation {
            hops: Vec::new(),
            landing: Landing::Failed { why },
        }
    }

    /// The status and `Location` of the first response.
    pub fn first(&self) -> (Option<u16>, Option<&str>) {
        match (self.hops.first(), &self.landing) {
            (Some(hop), _) => (Some(hop.status), Some(&hop.location)),
            (None, Landing::Page { status, .. }) => (Some(*status), None),
            _ => (None, None),
        }
    }

    /// The final URL: a page's, or the one the last redirect leaves for.
    pub fn final_url(&self) -> Option<&str> {
        match &self.landing {
            Landing::Page { url, .. } | Landing::Leaves { url } => Some(url),
            _ => None,
        }
    }
}

/// What an old URL's answer means for the migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// One redirect to a page of its own.
    OneToOne,
    /// More than `--many` old pages redirect to the same page (spellings of one
    /// old page, with or without the trailing slash or a query, count once):
    /// search engines may read it as a soft 404.
    ManyToOne,
    /// A redirect to a new home page (`new_home` of a region): a soft-404 risk.
    Home,
    /// Shows one of the notice's pages (directly or after a redirect).
    Notice,
    NotFound,
    Loop,
    /// More than one redirect before it lands.
    Chain,
    /// Not the expected URL or status of the mapping sheet.
    Mismatch,
    /// Could not be asked.
    Error,
}

impl Class {
    pub const ALL: [Class; 9] = [
        Class::OneToOne,
        Class::ManyToOne,
        Class::Home,
        Class::Notice,
        Class::NotFound,
        Class::Chain,
        Class::Loop,
        Class::Mismatch,
        Class::Error,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Class::OneToOne => "1:1",
            Class::ManyToOne => "many-to-one",
            Class::Home => "home",
            Class::Notice => "notice",
            Class::NotFound => "404",
            Class::Loop => "loop",
            Class::Chain => "chain",
            Class::Mismatch => "mismatch",
            Class::Error => "error",
        }
    }

    /// Fails the audit always (`loop`, `mismatch`, `error`) or with `--strict`
    /// (`404` and the soft-404 risks).
    pub fn fails(self, strict: bool) -> bool {
        match self {
            Class::Loop | Class::Mismatch | Class::Error => true,
            Class::NotFound | Class::ManyToOne | Class::Home => strict,
            _ => false,
        }
    }
}

/// One audited URL.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub url: String,
    pub domain: String,
    /// Where the URL was listed (`redirects/old-urls.txt:12`).
    pub listed_at: String,
    pub class: Class,
    /// Why it is a mismatch, a soft-404 risk or an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    pub status: Option<u16>,
    pub location: Option<String>,
    #[serde(rename = "final")]
    pub final_url: Option<String>,
    pub hops: Vec<Hop>,
    pub landing: Landing,
}

/// How to classify.
#[derive(Debug, Clone)]
pub struct Rules {
    /// More old URLs than this to one destination is a soft-404 risk.
    pub many: usize,
    /// The regions' `new_home` URLs.
    pub homes: Vec<String>,
}

/// Answers every entry with the engine, as the target CDN would.
pub fn observe_offline(site: &Site, entries: &[Entry]) -> Vec<Observation> {
    entries.iter().map(|e| observe_one(site, &e.url)).collect()
}

fn observe_one(site: &Site, url: &str) -> Observation {
    let located = match locate(site, url, None) {
        Ok(located) => located,
        Err(why) => return Observation::failed(why),
    };
    let resolution = answer(site, &located);
    let absolute = |domain: &str, location: &str| {
        if location.starts_with('/') {
            format!("https://{domain}{location}")
        } else {
            location.to_string()
        }
    };
    let query = located
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let mut hops = Vec::new();
    let mut here = format!(
        "https://{}{}{query}",
        site.redirects[located.table].domain, resolution.request
    );
    for hop in &resolution.hops {
        if !(300..400).contains(&hop.status) {
            continue;
        }
        let location = absolute(&hop.domain, &hop.location);
        hops.push(Hop {
            url: here.clone(),
            status: hop.status,
            location: location.clone(),
        });
        here = location;
    }
    let page = |status: u16| Landing::Page {
        url: here.clone(),
        status,
        canonical: None,
        noindex: false,
    };
    let landing = match &resolution.end {
        End::File { status, .. } => page(*status),
        // A rule showing a file the build does not have: the CDN answers 404.
        End::Missing { .. } | End::NotFound { .. } => page(404),
        End::External { status, .. } if (300..400).contains(status) => {
            Landing::Leaves { url: here.clone() }
        }
        // Netlify's 200 to another site: a proxied page, shown at this URL.
        End::External { status, .. } => page(*status),
        End::Loop => Landing::Loop,
    };
    Observation { hops, landing }
}

/// Classifies every observation (the many-to-one count needs them all).
pub fn classify(entries: &[Entry], observations: Vec<Observation>, rules: &Rules) -> Vec<Finding> {
    // Spellings of one old page (`/x`, `/x/`, `/x?utm_source=...`) count once.
    let mut senders: HashMap<String, HashSet<String>> = HashMap::new();
    for (entry, observation) in entries.iter().zip(&observations) {
        if let Landing::Leaves { url } = &observation.landing {
            let old = without_query(&entry.url).trim_end_matches('/').to_string();
            senders
                .entry(without_query(url).to_string())
                .or_default()
                .insert(old);
        }
    }
    let arrivals: HashMap<String, usize> = senders
        .into_iter()
        .map(|(url, old)| (url, old.len()))
        .collect();
    entries
        .iter()
        .zip(observations)
        .map(|(entry, observation)| {
            let (class, why) = class_of(entry, &observation, rules, &arrivals);
            let (status, location) = observation.first();
            Finding {
                url: entry.url.clone(),
                domain: host_of(&entry.url).to_string(),
                listed_at: entry.listed_at.clone(),
                class,
                why,
                status,
                location: location.map(str::to_string),
                final_url: observation.final_url().map(str::to_string),
                hops: observation.hops,
                landing: observation.landing,
            }
        })
        .collect()
}

fn class_of(
    entry: &Entry,
    observation: &Observation,
    rules: &Rules,
    arrivals: &HashMap<String, usize>,
) -> (Class, Option<String>) {
    match &observation.landing {
        Landing::Failed { why } => return (Class::Error, Some(why.clone())),
        Landing::Loop => return (Class::Loop, None),
        Landing::TooManyHops => {
            return (
                Class::Loop,
                Some("more than 10 redirects: browsers give up".to_string()),
            )
        }
        _ => {}
    }
    if let Some(why) = entry
        .expected
        .as_ref()
        .and_then(|e| e.mismatch(observation))
    {
        return (Class::Mismatch, Some(why));
    }
    let redirects = observation.hops.len();
    match &observation.landing {
        Landing::Page { status, .. } if *status >= 400 => (Class::NotFound, None),
        _ if redirects > 1 => (
            Class::Chain,
            Some(format!("{redirects} redirects before it lands")),
        ),
        Landing::Leaves { url } => {
            let url = without_query(url);
            let count = arrivals.get(url).copied().unwrap_or(0);
            if rules.homes.iter().any(|home| home == url) {
                (
                    Class::Home,
                    Some(format!("a new home page ({count} old pages end there)")),
                )
            } else if count > rules.many {
                (
                    Class::ManyToOne,
                    Some(format!("{count} old pages end at {url}")),
                )
            } else {
                (Class::OneToOne, None)
            }
        }
        _ => (Class::Notice, None),
    }
}

fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// The host of `https://host/...` (or of `host/...`).
pub fn host_of(url: &str) -> &str {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

/// Counts by domain (in order of first appearance) and class.
pub fn coverage(findings: &[Finding]) -> Vec<(String, BTreeMap<Class, usize>)> {
    let mut rows: Vec<(String, BTreeMap<Class, usize>)> = Vec::new();
    for finding in findings {
        let at = match rows.iter().position(|(d, _)| *d == finding.domain) {
            Some(at) => at,
            None => {
                rows.push((finding.domain.clone(), BTreeMap::new()));
                rows.len() - 1
            }
        };
        *rows[at].1.entry(finding.class).or_default() += 1;
    }
    rows
}

/// The coverage table and the problems, for people.
pub fn render_human(findings: &[Finding], heading: &str, strict: bool) -> String {
    let mut text = format!("{heading}\n\n");
    let columns: Vec<Class> = Class::ALL.to_vec();
    text.push_str(&format!("{:<16} {:>6}", "domain", "urls"));
    for class in &columns {
        text.push_str(&format!(" {:>11}", class.label()));
    }
    text.push('\n');
    let rows = coverage(findings);
    let mut totals: BTreeMap<Class, usize> = BTreeMap::new();
    let row = |name: &str, counts: &BTreeMap<Class, usize>| {
        let total: usize = counts.values().sum();
        let mut line = format!("{name:<16} {total:>6}");
        for class in &columns {
            line.push_str(&format!(" {:>11}", counts.get(class).copied().unwrap_or(0)));
        }
        line.push('\n');
        line
    };
    for (domain, counts) in &rows {
        text.push_str(&row(domain, counts));
        for (class, n) in counts {
            *totals.entry(*class).or_default() += n;
        }
    }
    text.push_str(&row("total", &totals));
    // Problems first, then soft-404 risks grouped by destination.
    for class in [
        Class::Error,
        Class::Loop,
        Class::Mismatch,
        Class::NotFound,
        Class::Chain,
    ] {
        let listed: Vec<&Finding> = findings.iter().filter(|f| f.class == class).collect();
        if listed.is_empty() {
            continue;
        }
        text.push_str(&format!("\n{} ({}):\n", class.label(), listed.len()));
        for finding in listed {
            text.push_str(&format!("  {}", finding.url));
            if let Some(why) = &finding.why {
                text.push_str(&format!("  ({why})"));
            } else if let Some(status) = finding.status {
                text.push_str(&format!("  ({status})"));
            }
            text.push('\n');
        }
    }
    let mut risks: BTreeMap<(Class, String), Vec<&Finding>> = BTreeMap::new();
    for finding in findings
        .iter()
        .filter(|f| matches!(f.class, Class::ManyToOne | Class::Home))
    {
        let destination = finding
            .final_url
            .as_deref()
            .map(without_query)
            .unwrap_or("");
        risks
            .entry((finding.class, destination.to_string()))
            .or_default()
            .push(finding);
    }
    if !risks.is_empty() {
        text.push_str("\nsoft-404 risks (many old pages to one page, or to a home page):\n");
        for ((class, destination), listed) in &risks {
            text.push_str(&format!(
                "  {destination} <- {} old URLs ({}), e.g. {}\n",
                listed.len(),
                class.label(),
                listed[0].url
            ));
        }
    }
    let failing = findings.iter().filter(|f| f.class.fails(strict)).count();
    text.push_str(&format!(
        "\naudit: {} URLs, {} loop(s), {} mismatch(es), {} error(s), {} not found, {} soft-404 risk(s){}\n",
        findings.len(),
        count(findings, Class::Loop),
        count(findings, Class::Mismatch),
        count(findings, Class::Error),
        count(findings, Class::NotFound),
        count(findings, Class::ManyToOne) + count(findings, Class::Home),
        if failing > 0 {
            format!("; {failing} fail the audit{}", if strict { " (--strict)" } else { "" })
        } else {
            String::new()
        }
    ));
    text
}

fn count(findings: &[Finding], class: Class) -> usize {
    findings.iter().filter(|f| f.class == class).count()
}

/// GitHub Actions annotations: errors for what fails the audit, warnings for the
/// rest of the problems.
pub fn render_github(findings: &[Finding], strict: bool) -> String {
    let mut out = String::new();
    for finding in findings {
        let level = if finding.class.fails(strict) {
            "error"
        } else if matches!(
            finding.class,
            Class::NotFound | Class::ManyToOne | Class::Home | Class::Chain
        ) {
            "warning"
        } else {
            continue;
        };
        let (file, line) = finding
            .listed_at
            .rsplit_once(':')
            .unwrap_or((&finding.listed_at, "1"));
        let why = finding
            .why
            .clone()
            .or_else(|| finding.status.map(|s| s.to_string()))
            .unwrap_or_default();
        out.push_str(&format!(
            "::{level} file={file},line={line},title=audit {}::{} {why}\n",
            finding.class.label(),
            finding.url.replace('%', "%25"),
        ));
    }
    out
}

/// Does the audit fail?
pub fn failed(findings: &[Finding], strict: bool) -> bool {
    findings.iter().any(|f| f.class.fails(strict))
}

#[cfg(test)]
mod tests;
