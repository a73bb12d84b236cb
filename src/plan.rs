//! What will be written where: every (region, locale, page) and its URL.
//!
//! The plan is computed before anything is rendered, so URL collisions (also those
//! differing only in case, which a case-insensitive disk or CDN would merge) are found
//! up front and named with both files, and every page knows its translations on
//! every domain for `hreflang` and the language switcher.

use std::collections::BTreeMap;

use crate::config::{Locale, Region, SiteConfig};
use crate::content::{Content, SourcePage};
use crate::diagnostics::Diagnostic;
use crate::paths::SitePath;

/// One page to render: a source page shown on a region in a locale.
#[derive(Debug, Clone)]
pub struct PageJob {
    pub region: usize,
    pub locale: Locale,
    pub name: String,
    /// The locale whose file is shown (differs from `locale` on fallback).
    pub source_locale: Locale,
    /// The folder of the page: `index.html` goes inside.
    pub dir: SitePath,
}

impl PageJob {
    pub fn output(&self) -> SitePath {
        self.dir
            .child("index.html")
            .expect("index.html is a valid segment")
    }
}

/// All the pages of the site, in a stable order, with the indexes rendering needs
/// (so no page scans every other page: sites can have tens of thousands).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub jobs: Vec<PageJob>,
    /// (region, locale, page name) -> index in `jobs`.
    index: BTreeMap<(usize, Locale, String), usize>,
    /// page name -> its jobs on every region and locale.
    by_name: BTreeMap<String, Vec<usize>>,
    /// region -> its jobs.
    by_region: BTreeMap<usize, Vec<usize>>,
}

impl Plan {
    fn push(&mut self, job: PageJob) {
        let at = self.jobs.len();
        self.index
            .insert((job.region, job.locale.clone(), job.name.clone()), at);
        self.by_name.entry(job.name.clone()).or_default().push(at);
        self.by_region.entry(job.region).or_default().push(at);
        self.jobs.push(job);
    }

    pub fn job(&self, region: usize, locale: &Locale, name: &str) -> Option<&PageJob> {
        self.index
            .get(&(region, locale.clone(), name.to_string()))
            .map(|&i| &self.jobs[i])
    }

    pub fn region_jobs(&self, region: usize) -> impl Iterator<Item = &PageJob> {
        self.by_region
            .get(&region)
            .into_iter()
            .flatten()
            .map(|&i| &self.jobs[i])
    }

    /// The same page on every region and locale it is published in.
    pub fn translations<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a PageJob> {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.jobs[i])
    }
}

/// The URL prefix of a locale on a region: `/` or `/fr-be/`.
pub fn locale_root(region: &Region, locale: &Locale) -> SitePath {
    if region.is_multilingual() {
        SitePath::root()
            .child(&locale.url_segment())
            .expect("a locale tag is a valid path segment")
    } else {
        SitePath::root()
    }
}

/// Finds the page `name` for `locale`, walking its fallback chain.
pub fn find_page<'a>(
    config: &SiteConfig,
    content: &'a Content,
    locale: &Locale,
    name: &str,
) -> Option<&'a SourcePage> {
    config
        .fallback_chain(locale)
        .iter()
        .find_map(|l| content.page(l, name))
}

/// Plans every page; returns the plan and the problems (collisions, fallbacks).
pub fn plan(config: &SiteConfig, content: &Content) -> (Plan, Vec<Diagnostic>) {
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    let names = content.names();
    problems.extend(locales_without_pages(config, content));
    for (region_index, region) in config.regions.iter().enumerate() {
        // (folded output path) -> the file that claimed it.
        let mut claimed: BTreeMap<String, (SitePath, String)> = BTreeMap::new();
        for locale in &region.locales {
            let root = locale_root(region, locale);
            for name in &names {
                let Some(source) = find_page(config, content, locale, name) else {
                    continue;
                };
                if source.draft {
                    continue;
                }
                let dir = root.join(&source.slug);
                let job = PageJob {
                    region: region_index,
                    locale: locale.clone(),
                    name: name.clone(),
                    source_locale: source.locale.clone(),
                    dir: dir.clone(),
                };
                if source.locale != *locale && !declared_fallback(config, locale, &source.locale) {
                    problems.push(fallback_warning(locale, name, source));
                }
                if let Some(problem) = claim(&mut claimed, &job, source, region) {
                    problems.push(problem);
                    continue;
                }
                plan.push(job);
            }
        }
    }
    (plan, problems)
}

/// Whether `site.yaml` says `locale` is meant to show `used`'s pages
/// (`fallbacks: { de-AT: [de-DE] }`): then a page shown from `used` is intended.
pub fn declared_fallback(config: &SiteConfig, locale: &Locale, used: &Locale) -> bool {
    config
        .fallbacks
        .get(locale)
        .is_some_and(|chain| chain.contains(used))
}

fn has_pages(content: &Content, locale: &Locale) -> bool {
    content
        .pages
        .get(locale)
        .is_some_and(|pages| pages.values().any(|p| !p.draft))
}

/// A region's locale without a single page of its own would ship the whole
/// domain in another language: an error, unless `site.yaml` declares that
/// fallback for the locale.
fn locales_without_pages(config: &SiteConfig, content: &Content) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for region in &config.regions {
        for (locale, span) in region.locales.iter().zip(&region.locale_spans) {
            if has_pages(content, locale) || config.fallbacks.contains_key(locale) {
                continue;
            }
            let shown = config
                .fallback_chain(locale)
                .into_iter()
                .find(|l| has_pages(content, l));
            let (outcome, fallback) = match &shown {
                Some(other) => (
                    format!("every page would be shown in {other}"),
                    other.to_string(),
                ),
                None => (
                    "the domain would have no pages".to_string(),
                    config.reference_locale.to_string(),
                ),
            };
            problems.push(
                Diagnostic::error(
                    "content::no-pages",
                    format!(
                        "{} shows {locale}, but content/{locale}/ has no pages: {outcome}",
                        region.domain
                    ),
                )
                .at(span.clone())
                .help(format!(
                    "write the pages in content/{locale}/ (start from a copy of content/{}/), or, if {} is meant to show the {fallback} pages, say so in site.yaml: `fallbacks: {{ {locale}: [{fallback}] }}`",
                    config.reference_locale, region.domain
                )),
            );
        }
    }
    problems
}

fn fallback_warning(locale: &Locale, name: &str, source: &SourcePage) -> Diagnostic {
    Diagnostic::warning(
        "content::fallback",
        format!(
            "the page `{name}` has no {locale} version: the {} page is shown instead",
            source.locale
        ),
    )
    .in_file(format!("content/{locale}/{name}.md"))
    .help(format!(
        "translate {} into content/{locale}/{name}.md",
        source.file.name
    ))
}

fn claim(
    claimed: &mut BTreeMap<String, (SitePath, String)>,
    job: &PageJob,
    source: &SourcePage,
    region: &Region,
) -> Option<Diagnostic> {
    let output = job.output();
    let key = output.folded();
    if let Some((other_path, other_file)) = claimed.get(&key) {
        let same_case = *other_path == output;
        let message = if same_case {
            format!(
                "two pages would be written to {}{} ",
                region.domain,
                job.dir.dir_url()
            )
        } else {
            format!(
                "two pages differ only in case at {}{}",
                region.domain,
                job.dir.dir_url()
            )
        };
        let span = source.key_span("slug");
        return Some(
            Diagnostic::error("content::collision", message.trim_end().to_string())
                .at(span)
                .help(format!(
                    "{} already uses this URL: give one of them another `slug`",
                    other_file
                )),
        );
    }
    claimed.insert(key, (output, source.file.name.to_string()));
    None
}
