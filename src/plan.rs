//! What will be written where: every (region, locale, page) and its URL.
//!
//! The plan is computed before anything is rendered, so URL collisions (also those
//! differing only in case, which a case-insensitive disk or CDN would merge) are found
//! up front and named with both files, and every page knows its translations on
//! every domain for `hreflang` and the language switcher.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::config::{Locale, Region, SiteConfig};
use crate::content::{Content, PageHead};
use crate::diagnostics::Diagnostic;
use crate::paths::{SitePath, SitePathStr};
use crate::text_list::SortedTexts;

/// One page to render: a source page shown on a region in a locale.
///
/// Its locales and name are places in the plan's lists ([`Plan::locale`],
/// [`Plan::source_locale`], [`Plan::name`]): a site has a few regions and
/// locales, and each name serves all of a page's jobs. Its two locales are
/// one place, of the pair, as few pairs are: a locale's own, and its
/// fallbacks'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageJob {
    region: u16,
    /// The locale it is shown in and the locale whose file is shown (another
    /// on fallback): a place in the plan's `locale_pairs`.
    locales: u16,
    name: u32,
    /// Where that page is among its source locale's ([`Content::place_of`]).
    pub source_at: u32,
}

// One job per page, region and locale is kept until the build ends: a field
// more is a choice. The page's folder is not one: [`PageJob::dir`] computes
// it from the page's slug, where a path of its own took 16 bytes and an
// allocation of 30 to 50 a job (5 MB of a 100,000-page build). Its locales
// and name as places in the plan's lists take 6 bytes, where two `Locale`s
// and an `Arc<str>` took 32.
const _: () = assert!(std::mem::size_of::<PageJob>() == 12);

impl PageJob {
    /// The region's index in the site's regions.
    pub fn region(&self) -> usize {
        self.region as usize
    }

    /// The page's file in `dir`.
    pub fn output_in(dir: &SitePath) -> SitePath {
        dir.child("index.html")
            .expect("index.html is a valid segment")
    }
}

/// All the pages of the site, in a stable order, with the indexes rendering needs
/// (so no page scans every other page: sites can have tens of thousands).
///
/// Every job is kept until the build ends, so the indexes are small: a page's
/// jobs are found by its name (a handful per name), and a region's are one run
/// of `jobs`, which are planned region by region.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub jobs: Vec<PageJob>,
    /// The names of the site's pages, sorted: a job's name is its place here.
    names: SortedTexts,
    /// The locales jobs are shown in or shown from.
    locales: Vec<Locale>,
    /// The places in `locales` of a job's locale and source locale: a job's
    /// pair is a place here.
    locale_pairs: Vec<(u16, u16)>,
    /// Where the jobs of each region and locale start and end in `jobs`: in
    /// each run the names' places ascend, so a page's job in it is found by
    /// a binary search. Not an index of every job by name (4 bytes a job),
    /// nor a map of names to lists (some 90 bytes a name).
    runs: Vec<Range<u32>>,
    /// region -> where its jobs start and end in `jobs`.
    by_region: Vec<Range<usize>>,
    /// The longest page path (`/fr-be/garantie/`) as a sitemap writes it,
    /// and the most regions and locales one page is published in: together
    /// they bound how large a sitemap can be, so that a region's is split
    /// before a file would pass the sitemap limits.
    longest_sitemap_path: usize,
    most_versions: usize,
}

impl Plan {
    fn push(&mut self, job: PageJob) {
        let at = self.jobs.len();
        let region = job.region();
        if self.by_region.len() <= region {
            self.by_region.resize(region + 1, at..at);
        }
        debug_assert_eq!(
            self.by_region[region].end, at,
            "jobs are planned region by region"
        );
        self.by_region[region].end = at + 1;
        let at = u32::try_from(at).expect("fewer than 4 billion jobs");
        let same_run = self
            .jobs
            .last()
            .is_some_and(|last| self.same_run(last, &job));
        match self.runs.last_mut() {
            Some(run) if same_run => {
                debug_assert!(
                    self.jobs.last().is_some_and(|last| last.name < job.name),
                    "names are planned in order"
                );
                run.end = at + 1;
            }
            _ => self.runs.push(at..at + 1),
        }
        self.jobs.push(job);
    }

    /// Whether two jobs are of one region and locale.
    fn same_run(&self, a: &PageJob, b: &PageJob) -> bool {
        a.region == b.region && self.locale_pair(a).0 == self.locale_pair(b).0
    }

    /// A new job of the page `name` (one of `names`) shown on `region` in
    /// `locale`, from `source_locale`'s page at `source_at`.
    fn new_job(
        &mut self,
        region: usize,
        locale: &Locale,
        name: u32,
        source_locale: &Locale,
        source_at: u32,
    ) -> PageJob {
        let pair = (self.locale_place(locale), self.locale_place(source_locale));
        let locales = place_in(&mut self.locale_pairs, &pair);
        PageJob {
            region: u16::try_from(region).expect("fewer than 65,536 regions"),
            locales: u16::try_from(locales).expect("fewer than 65,536 pairs of locales"),
            name,
            source_at,
        }
    }

    fn locale_place(&mut self, locale: &Locale) -> u16 {
        let place = place_in(&mut self.locales, locale);
        u16::try_from(place).expect("fewer than 65,536 locales")
    }

    /// The places in `locales` of the locale `job` is shown in and of the
    /// locale its page comes from.
    fn locale_pair(&self, job: &PageJob) -> (u16, u16) {
        self.locale_pairs[usize::from(job.locales)]
    }

    /// The locale `job` is shown in.
    pub fn locale(&self, job: &PageJob) -> &Locale {
        &self.locales[usize::from(self.locale_pair(job).0)]
    }

    /// The locale whose page `job` shows (another on fallback).
    pub fn source_locale(&self, job: &PageJob) -> &Locale {
        &self.locales[usize::from(self.locale_pair(job).1)]
    }

    /// The name of `job`'s page, shared by its jobs on every region and locale.
    pub fn name(&self, job: &PageJob) -> &str {
        self.names
            .get(job.name as usize)
            .expect("a job's name is among the plan's")
    }

    /// The folder of `job`'s page (`/fr-be/garantie/`), where `index.html`
    /// goes: the locale's root on the region, then the slug of `source`, the
    /// page shown ([`crate::render::Model::source`]).
    /// The folder of `job`, whose page's slug is `slug`.
    pub fn dir(&self, job: &PageJob, config: &SiteConfig, slug: &SitePathStr) -> SitePath {
        locale_root(&config.regions[job.region()], self.locale(job)).join(slug)
    }

    pub fn job(&self, region: usize, locale: &Locale, name: &str) -> Option<&PageJob> {
        let place = self.name_place(name)?;
        self.runs
            .iter()
            .filter(|run| {
                let first = &self.jobs[run.start as usize];
                first.region() == region && self.locale(first) == locale
            })
            .find_map(|run| self.in_run(run, place))
            .map(|i| &self.jobs[i])
    }

    /// The place of `name` in the sorted names.
    fn name_place(&self, name: &str) -> Option<u32> {
        u32::try_from(self.names.place(name)?).ok()
    }

    /// The index of the job of the name at `place` in `run`, if it has one.
    fn in_run(&self, run: &Range<u32>, place: u32) -> Option<usize> {
        let jobs = &self.jobs[run.start as usize..run.end as usize];
        let at = jobs.binary_search_by_key(&place, |job| job.name).ok()?;
        Some(run.start as usize + at)
    }

    pub fn region_jobs(&self, region: usize) -> std::slice::Iter<'_, PageJob> {
        let range = self.by_region.get(region).cloned().unwrap_or_default();
        self.jobs[range].iter()
    }

    /// The indexes in `jobs` of the page `name` on every region and locale.
    /// In the order they were planned: region by region.
    pub fn indexes_named(&self, name: &str) -> impl Iterator<Item = usize> + '_ {
        let place = self.name_place(name);
        let runs = place.map_or(&[][..], |_| &self.runs[..]);
        runs.iter().filter_map(move |run| self.in_run(run, place?))
    }

    /// The same page on every region and locale it is published in.
    pub fn translations(&self, name: &str) -> impl Iterator<Item = &PageJob> {
        self.indexes_named(name).map(|i| &self.jobs[i])
    }

    /// How many pages `region` has.
    pub fn region_len(&self, region: usize) -> usize {
        self.by_region.get(region).map_or(0, |range| range.len())
    }

    /// The length of the longest page path once written in a sitemap.
    pub fn longest_sitemap_path(&self) -> usize {
        self.longest_sitemap_path
    }

    /// The most regions and locales one page is published in.
    pub fn most_versions(&self) -> usize {
        self.most_versions
    }

    fn measure(&mut self) {
        let mut versions = vec![0_usize; self.names.len()];
        for job in &self.jobs {
            versions[job.name as usize] += 1;
        }
        self.most_versions = versions.into_iter().max().unwrap_or(0);
    }
}

/// The place of `item` in `list`, where a copy is put at the end the first
/// time (only then: it is asked for each job of the plan).
fn place_in<T: PartialEq + Clone>(list: &mut Vec<T>, item: &T) -> usize {
    list.iter()
        .position(|known| known == item)
        .unwrap_or_else(|| {
            list.push(item.clone());
            list.len() - 1
        })
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
) -> Option<PageHead<'a>> {
    config
        .fallback_chain(locale)
        .iter()
        .find_map(|l| content.head(l, name))
}

/// Plans every page; returns the plan and the problems (collisions, fallbacks).
pub fn plan(config: &SiteConfig, content: &Content) -> (Plan, Vec<Diagnostic>) {
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    let mut collisions = Collisions::default();
    let names = content.names();
    let all_drafts =
        !config.drafts && content.heads().next().is_some() && content.heads().all(|p| p.draft);
    if all_drafts {
        problems.push(
            Diagnostic::error(
                crate::content::NO_PAGES,
                "every page in content/ is a draft: no page would be published",
            )
            .in_file(crate::content::CONTENT_DIR)
            .help("remove `draft: true` from the pages to publish"),
        );
    } else {
        problems.extend(locales_without_pages(config, content));
    }
    // Counted first: a list grown by doubling would hold three times its
    // room for a moment, at the most the plan holds.
    plan.jobs.reserve_exact(most_jobs(config, content, &names));
    for (region_index, region) in config.regions.iter().enumerate() {
        let mut claimed = Claims::default();
        for locale in &region.locales {
            let root = locale_root(region, locale);
            for (name_place, name) in (0..).zip(names.iter()) {
                let Some(source) = published(config, content, locale, name) else {
                    continue;
                };
                let dir = root.join(source.slug);
                let source_at = content.place_of(source.locale, name).unwrap_or(u32::MAX);
                let job = plan.new_job(region_index, locale, name_place, source.locale, source_at);
                // A page whose file did not load has its own error: it is not
                // missing; a fallback site.yaml declares is intended.
                if source.locale != locale
                    && !content.is_broken(locale, name)
                    && !declared_fallback(config, locale, source.locale)
                {
                    problems.push(fallback_warning(locale, name, &source));
                }
                let output = PageJob::output_in(&dir);
                let planned = |at: usize| {
                    let job = &plan.jobs[at];
                    let other = content.head_placed(
                        plan.source_locale(job),
                        names.get(job.name as usize).expect("a planned name"),
                        job.source_at,
                    );
                    let other = other.expect("a planned job's page exists");
                    (
                        PageJob::output_in(&plan.dir(job, config, other.slug)),
                        other,
                    )
                };
                let key = Claims::key(&output);
                match claimed.find(&key, |at| planned(at).0) {
                    Some(at) => {
                        let (other_output, other) = planned(at);
                        let url = format!("{}{}", region.domain, dir.dir_url());
                        collisions.add(other, source, other_output == output, url);
                    }
                    None => {
                        let sitemap_len = crate::output::sitemap_url_len(&dir.dir_url());
                        plan.longest_sitemap_path = plan.longest_sitemap_path.max(sitemap_len);
                        claimed.insert(key, plan.jobs.len());
                        plan.push(job);
                    }
                }
            }
        }
    }
    problems.extend(collisions.diagnostics(content));
    // Kept until the build ends: no room for a doubling's spare half.
    plan.jobs.shrink_to_fit();
    plan.names = names;
    plan.measure();
    (plan, problems)
}

/// The page `name` that `locale` publishes (its own or a fallback's), if any.
fn published<'a>(
    config: &SiteConfig,
    content: &'a Content,
    locale: &Locale,
    name: &str,
) -> Option<PageHead<'a>> {
    find_page(config, content, locale, name).filter(|page| config.drafts || !page.draft)
}

/// How many jobs the plan can have: one for each page every region's locale
/// publishes (fewer when two collide).
fn most_jobs(config: &SiteConfig, content: &Content, names: &SortedTexts) -> usize {
    let locales = config.regions.iter().flat_map(|region| &region.locales);
    locales
        .map(|locale| {
            let pages = names
                .iter()
                .map(|name| published(config, content, locale, name));
            pages.flatten().count()
        })
        .sum()
}

/// The output files a region's planned jobs claim, as the places of those
/// jobs in the plan, found by the hash of the file folded to lowercase (a
/// case-insensitive disk or CDN would merge two that fold alike): 16 bytes
/// a job, where a map of folded paths to pages took about 150, 4 MB of a
/// 100,000-page plan. A job found by the hash is confirmed by its file.
#[derive(Default)]
struct Claims(hashbrown::HashTable<(u64, u32)>);

impl Claims {
    /// What a file is claimed by: its folded path, and that path's hash.
    fn key(output: &SitePath) -> (String, u64) {
        use std::hash::BuildHasher;
        let folded = output.folded();
        let hash = rustc_hash::FxBuildHasher.hash_one(&folded);
        (folded, hash)
    }

    /// The place of the job that claimed the file of `key` (or one that
    /// folds as it does); `output_of` gives the file of the job at a place.
    fn find(
        &self,
        (folded, hash): &(String, u64),
        output_of: impl Fn(usize) -> SitePath,
    ) -> Option<usize> {
        self.0
            .find(*hash, |&(other, at)| {
                other == *hash && output_of(at as usize).folded() == *folded
            })
            .map(|&(_, at)| at as usize)
    }

    /// Notes that the job at `at` claims the file of `key`.
    fn insert(&mut self, (_, hash): (String, u64), at: usize) {
        let at = u32::try_from(at).expect("fewer than 4 billion jobs");
        self.0.insert_unique(hash, (hash, at), |&(hash, _)| hash);
    }
}

/// Pairs of pages that would be written to the same file, each pair reported once
/// with every address it collides at (a shared slug collides on every region).
#[derive(Default)]
struct Collisions<'a> {
    /// (first file, second file) -> the collision.
    pairs: BTreeMap<(String, String), Collision<'a>>,
}

/// Two pages written to one file.
struct Collision<'a> {
    first: PageHead<'a>,
    second: PageHead<'a>,
    /// The paths are equal, not only equal ignoring case.
    same_case: bool,
    urls: Vec<String>,
}

impl<'a> Collisions<'a> {
    fn add(&mut self, first: PageHead<'a>, second: PageHead<'a>, same_case: bool, url: String) {
        let key = (
            first.file_name().to_string(),
            second.file_name().to_string(),
        );
        self.pairs
            .entry(key)
            .or_insert(Collision {
                first,
                second,
                same_case,
                urls: Vec::new(),
            })
            .urls
            .push(url);
    }

    /// One error per pair, at the second page's `slug:` line (or its file), with
    /// the first page's `slug:` line (or its file) beside it.
    fn diagnostics(&self, content: &Content) -> Vec<Diagnostic> {
        self.pairs
            .values()
            .map(|collision| {
                let Collision {
                    first,
                    second,
                    same_case,
                    urls,
                } = collision;
                let at = match urls.as_slice() {
                    [one] => one.clone(),
                    [one, two] => format!("{one} and {two}"),
                    [one, two, three] => format!("{one}, {two} and {three}"),
                    [one, two, rest @ ..] => {
                        format!("{one}, {two} and {} other addresses", rest.len())
                    }
                    [] => String::new(),
                };
                let message = if *same_case {
                    format!("two pages would be written to {at}")
                } else {
                    format!("two pages differ only in case at {at}")
                };
                let mut problem = Diagnostic::error("content::collision", message);
                // Each reads its page's file again: once per page.
                let slug_line = |page: &PageHead| {
                    let page = content.page(page.locale, page.name)?;
                    page.line_span("slug")
                };
                let (second_slug, first_slug) = (slug_line(second), slug_line(first));
                let neither_has_a_slug = second_slug.is_none() && first_slug.is_none();
                problem = match second_slug {
                    Some(span) => problem.at(span),
                    None => problem.in_file(second.file_name().to_string()),
                };
                problem = match first_slug {
                    Some(span) => problem.also_at(span, "the other page with this address"),
                    None => problem.also_in(
                        first.file_name().to_string(),
                        "the other page with this address (from its file name)",
                    ),
                };
                let help = if neither_has_a_slug {
                    "rename one of the files, or give one of the pages another `slug`"
                } else {
                    "give one of the pages another `slug`"
                };
                problem.help(help)
            })
            .collect()
    }
}

/// Whether `site.yaml` says `locale` is meant to show `used`'s pages
/// (`fallbacks: { de-AT: [de-DE] }`): then a page shown from `used` is intended.
pub fn declared_fallback(config: &SiteConfig, locale: &Locale, used: &Locale) -> bool {
    config
        .fallbacks
        .get(locale)
        .is_some_and(|chain| chain.contains(used))
}

/// Pages of its own that `locale` publishes (drafts too under `serve --drafts`);
/// a file that did not load counts: its own error says what is wrong with it.
fn has_pages(config: &SiteConfig, content: &Content, locale: &Locale) -> bool {
    let published = content
        .pages
        .get(locale)
        .is_some_and(|pages| pages.heads().any(|p| config.drafts || !p.draft));
    published || content.broken.iter().any(|(l, _)| l == locale)
}

/// A region's locale without a single page of its own would ship the whole
/// domain in another language: an error, unless `site.yaml` declares that
/// fallback for the locale.
fn locales_without_pages(config: &SiteConfig, content: &Content) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for region in &config.regions {
        for (locale, span) in region.locales.iter().zip(&region.locale_spans) {
            if has_pages(config, content, locale) || config.fallbacks.contains_key(locale) {
                continue;
            }
            let shown = config
                .fallback_chain(locale)
                .into_iter()
                .find(|l| has_pages(config, content, l));
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

fn fallback_warning(locale: &Locale, name: &str, source: &PageHead) -> Diagnostic {
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
        source.file_name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claimed_file_is_found_by_its_folded_path_and_confirmed_by_the_job() {
        let path = |text: &str| SitePath::parse(text).unwrap();
        let mut claims = Claims::default();
        claims.insert(Claims::key(&path("fr/garantie/index.html")), 7);
        let planned = |at: usize| {
            assert_eq!(at, 7);
            path("fr/garantie/index.html")
        };
        // Another case of the same file is the same file on a case-insensitive CDN.
        for same in ["fr/garantie/index.html", "FR/Garantie/index.html"] {
            assert_eq!(claims.find(&Claims::key(&path(same)), planned), Some(7));
        }
        assert_eq!(
            claims.find(&Claims::key(&path("fr/aide/index.html")), planned),
            None
        );
        // A job found by the hash whose file is another is not a claim on this
        // one: the file is compared, not only its hash.
        let key = Claims::key(&path("fr/garantie/index.html"));
        assert_eq!(claims.find(&key, |_| path("de/garantie/index.html")), None);
    }

    /// A plan of the names `help`, `help-desk` and `index` (sorted, as
    /// `plan` keeps them; `help-desk` sorts between `help` and `index`, and
    /// `help` is a prefix).
    fn plan_of_names() -> Plan {
        Plan {
            names: ["help", "help-desk", "index"].into_iter().collect(),
            ..Plan::default()
        }
    }

    fn push(plan: &mut Plan, region: usize, locale: &str, name: &str) {
        let locale: Locale = locale.parse().unwrap();
        let name = plan.names.place(name).unwrap() as u32;
        let job = plan.new_job(region, &locale, name, &locale, 0);
        plan.push(job);
    }

    #[test]
    fn a_job_keeps_its_locale_and_the_locale_it_falls_back_to() {
        let mut plan = plan_of_names();
        let (en, fr): (Locale, Locale) = ("en".parse().unwrap(), "fr-FR".parse().unwrap());
        for (name, source) in [("help", &fr), ("help-desk", &en), ("index", &fr)] {
            let name = plan.names.place(name).unwrap() as u32;
            let job = plan.new_job(0, &fr, name, source, 0);
            plan.push(job);
        }
        let shown: Vec<(String, String)> = plan
            .jobs
            .iter()
            .map(|job| {
                let (locale, source) = (plan.locale(job), plan.source_locale(job));
                (locale.to_string(), source.to_string())
            })
            .collect();
        let fr_fr = ("fr-FR".to_string(), "fr-FR".to_string());
        let fr_en = ("fr-FR".to_string(), "en".to_string());
        assert_eq!(shown, [fr_fr.clone(), fr_en, fr_fr]);
        // A fallback's job is in its locale's run, where it is found.
        assert_eq!(plan.runs, vec![Range { start: 0, end: 3 }]);
        let desk = plan.job(0, &fr, "help-desk");
        assert_eq!(desk.map(|job| plan.source_locale(job)), Some(&en));
    }

    #[test]
    fn a_pages_jobs_are_found_by_its_name_in_the_order_planned() {
        let mut plan = plan_of_names();
        // Region by region, names in order within each, as `plan` does.
        for (region, locale) in [(0, "en"), (1, "fr-FR"), (2, "en")] {
            for name in ["help", "help-desk", "index"] {
                push(&mut plan, region, locale, name);
            }
        }
        push(&mut plan, 3, "de-DE", "help");
        plan.measure();
        let found = |name: &str| {
            plan.translations(name)
                .map(|job| (job.region(), plan.locale(job).to_string()))
                .collect::<Vec<_>>()
        };
        let help = [(0, "en"), (1, "fr-FR"), (2, "en"), (3, "de-DE")];
        assert_eq!(found("help"), help.map(|(r, l)| (r, l.to_string())));
        assert_eq!(found("help-desk").len(), 3);
        assert!(found("hel").is_empty() && found("zzz").is_empty());
        assert_eq!(
            plan.job(1, &"fr-FR".parse().unwrap(), "index")
                .map(|job| (job.region(), plan.name(job))),
            Some((1, "index"))
        );
        assert!(plan.job(3, &"de-DE".parse().unwrap(), "index").is_none());
        assert_eq!(plan.most_versions(), 4);
    }
}
