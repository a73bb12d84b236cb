//! The files a loaded site has (pages, not-found pages, assets, images,
//! sitemaps, `_headers`, `_redirects`), where each goes, and how each is
//! rendered into a [`Sink`].

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::{Output, Rendered, Site, CLOUDFLARE_BULK_DIR};
use crate::config::Locale;
use crate::diagnostics::{Diagnostic, Outcome, SourceFile};
use crate::output::{self, Sink, SitemapEntry};
use crate::paths::SitePath;
use crate::plan::{locale_root, PageJob};
use crate::redirects::write as redirects_write;
use crate::render;

/// About how much of a sitemap is written at a time.
const SITEMAP_PIECE: usize = 64 * 1024;

impl Site {
    /// Every file of every domain, in a stable order.
    pub fn outputs(&self) -> Vec<Output> {
        let mut outputs: Vec<Output> = (0..self.model.plan.jobs.len()).map(Output::Page).collect();
        outputs.extend(self.outputs_besides_pages());
        outputs
    }

    /// How many files the site has.
    pub fn output_count(&self) -> usize {
        self.model.plan.jobs.len() + self.outputs_besides_pages().len()
    }

    /// The outputs that are not pages: a few per region.
    pub(super) fn outputs_besides_pages(&self) -> Vec<Output> {
        let mut outputs = Vec::new();
        for (region, r) in self.model.config.regions.iter().enumerate() {
            if r.is_multilingual() {
                outputs.push(Output::Languages { region });
            }
            for (index, locale) in r.locales.iter().enumerate() {
                let root = locale_root(r, locale);
                let file = SitePath::parse("404.html").expect("valid");
                if r.is_multilingual() {
                    outputs.push(Output::NotFound {
                        region,
                        locale: locale.clone(),
                        path: root.join(&file),
                    });
                }
                if index == 0 {
                    outputs.push(Output::NotFound {
                        region,
                        locale: locale.clone(),
                        path: file,
                    });
                }
            }
            for name in self.model.theme.assets.keys() {
                outputs.push(Output::Asset {
                    region,
                    name: name.clone(),
                });
            }
            for path in self.region_images(region) {
                outputs.push(Output::Image { region, path });
            }
            outputs.push(Output::Sitemap { region });
            let parts = self.sitemap_parts(region);
            if parts.len() > 1 {
                outputs.extend((0..parts.len()).map(|part| Output::SitemapPart { region, part }));
            }
            outputs.push(Output::Robots { region });
            outputs.push(Output::Headers { region });
            outputs.push(Output::Redirects { region });
            if self.model.config.cloudflare_bulk() {
                outputs.push(Output::CloudflareBulk { region });
            }
        }
        outputs
    }

    /// The image files the region's pages show, sorted.
    pub(super) fn region_images(&self, region: usize) -> BTreeSet<SitePath> {
        let model = &self.model;
        model
            .plan
            .region_jobs(region)
            .flat_map(|job| {
                model
                    .media
                    .files_of(&model.head(job).file_name())
                    .iter()
                    .cloned()
            })
            .collect()
    }

    /// Which domain folder an output goes to (`None`: beside them) and its path.
    pub fn placement(&self, output: &Output) -> (Option<usize>, SitePath) {
        let fixed = |name: &str| SitePath::parse(name).expect("valid");
        match output {
            Output::Page(index) => {
                let job = &self.model.plan.jobs[*index];
                (Some(job.region()), self.model.page_output(job))
            }
            Output::Languages { region } => (Some(*region), fixed("index.html")),
            Output::NotFound { region, path, .. } => (Some(*region), path.clone()),
            Output::Asset { region, name } => {
                let asset = self.model.theme.asset(name).expect("listed from the theme");
                (Some(*region), asset.output.clone())
            }
            Output::Image { region, path } => (Some(*region), path.clone()),
            Output::Sitemap { region } => (Some(*region), fixed("sitemap.xml")),
            Output::SitemapPart { region, part } => {
                (Some(*region), fixed(&output::sitemap_part_name(*part)))
            }
            Output::Robots { region } => (Some(*region), fixed("robots.txt")),
            Output::Headers { region } => (Some(*region), fixed("_headers")),
            Output::Redirects { region } => (Some(*region), fixed("_redirects")),
            Output::CloudflareBulk { region } => {
                let domain = &self.model.region(*region).domain;
                (None, fixed(&format!("{domain}.csv")))
            }
        }
    }

    /// The folder an output goes to (its domain, or the bulk lists' folder
    /// beside them) and its path there.
    pub fn destination(&self, output: &Output) -> (String, SitePath) {
        let (region, path) = self.placement(output);
        let folder = match region {
            Some(region) => self.model.region(region).domain.clone(),
            None => CLOUDFLARE_BULK_DIR.to_string(),
        };
        (folder, path)
    }

    /// Renders one output.
    pub fn render(&self, output: &Output) -> Outcome<Rendered> {
        let model = &self.model;
        let bytes = match output {
            Output::Page(index) => self
                .renderer
                .page(model, &model.plan.jobs[*index])?
                .into_bytes(),
            Output::Languages { region } => self.renderer.languages(model, *region)?.into_bytes(),
            Output::NotFound { region, locale, .. } => self
                .renderer
                .not_found(model, *region, locale)?
                .into_bytes(),
            Output::Asset { name, .. } => model
                .theme
                .asset(name)
                .expect("listed from the theme")
                .bytes
                .clone(),
            Output::Sitemap { region } => self
                .sitemap_pieces(*region, None, usize::MAX)
                .collect::<String>()
                .into_bytes(),
            Output::SitemapPart { region, part } => self
                .sitemap_pieces(*region, Some(*part), usize::MAX)
                .collect::<String>()
                .into_bytes(),
            Output::Robots { region } => output::robots(&model.region(*region).domain).into_bytes(),
            Output::Image { path, .. } => model
                .media
                .files
                .get(path)
                .map(|bytes| bytes.to_vec())
                .unwrap_or_default(),
            Output::Headers { region } => {
                let mut assets: Vec<SitePath> = model
                    .theme
                    .assets
                    .values()
                    .map(|a| a.output.clone())
                    .collect();
                assets.extend(self.region_images(*region));
                output::headers(&assets).into_bytes()
            }
            Output::Redirects { region } => redirects_write::redirects_file(
                &self.redirects[*region],
                self.model.config.cloudflare_bulk(),
            )
            .into_bytes(),
            Output::CloudflareBulk { region } => {
                redirects_write::cloudflare_bulk_csv(&self.redirects[*region]).into_bytes()
            }
        };
        let (domain, path) = self.destination(output);
        Ok(Rendered {
            domain,
            path,
            bytes,
        })
    }

    /// Which of the region's pages, in the order of their URLs, each of its
    /// sitemap files lists: one range, unless they are more than one file may
    /// hold (50,000 URLs or 50 MB). The split is planned from the longest
    /// entry the region could have, before any entry is written, so that
    /// every file is known when the site's files are listed.
    pub(super) fn sitemap_parts(&self, region: usize) -> Vec<std::ops::Range<usize>> {
        let pages = self.model.plan.region_len(region);
        let limits = self.sitemap_limits;
        let per_file = if pages <= limits.urls && self.sitemap_bound(pages) <= limits.bytes {
            pages.max(1)
        } else {
            let entry = self.sitemap_bound(1) - self.sitemap_bound(0);
            let room = limits.bytes.saturating_sub(self.sitemap_bound(0));
            (room / entry.max(1)).clamp(1, limits.urls.max(1))
        };
        (0..pages.div_ceil(per_file).max(1))
            .map(|part| part * per_file..((part + 1) * per_file).min(pages))
            .collect()
    }

    /// The most bytes a sitemap of `urls` of the site's pages can take: as if
    /// each had the longest domain and path of the site, and as many
    /// alternates as the page published in the most regions and locales.
    fn sitemap_bound(&self, urls: usize) -> usize {
        let model = &self.model;
        let regions = &model.config.regions;
        let longest_domain = regions.iter().map(|r| r.domain.len()).max();
        let url_len =
            "https://".len() + longest_domain.unwrap_or(0) + model.plan.longest_sitemap_path();
        let longest_locale = regions
            .iter()
            .flat_map(|r| &r.locales)
            .map(|l| l.as_str().len())
            .max();
        let hreflang_len = longest_locale.unwrap_or(0).max("x-default".len());
        // Its versions, and x-default.
        let alternates = model.plan.most_versions() + 1;
        output::Sitemap::bound(urls, url_len, alternates, hreflang_len)
    }

    /// A sitemap file of the region in pieces of about `piece` bytes (a few
    /// entries more), in order: `sitemap.xml` ([`Output::Sitemap`]) without
    /// a `part`, else that [`Output::SitemapPart`]. The URLs are sorted
    /// first, then each entry of the file is made in turn.
    fn sitemap_pieces(
        &self,
        region: usize,
        part: Option<usize>,
        piece: usize,
    ) -> Box<dyn Iterator<Item = String> + '_> {
        let parts = self.sitemap_parts(region);
        let range = match part {
            Some(part) => parts.get(part).cloned().unwrap_or_default(),
            None if parts.len() > 1 => {
                let domain = &self.model.region(region).domain;
                return Box::new(std::iter::once(output::sitemap_index(domain, parts.len())));
            }
            None => parts.first().cloned().unwrap_or_default(),
        };
        let model = &self.model;
        // By URL, compared in place: the domain is the region's, and the rest
        // is the locale's root (one of a few) and the page's slug. Each job
        // is kept by its place among the region's, in 4 bytes: the regions'
        // sitemaps are made together at the end of the render, when the
        // build holds the most.
        let jobs = model.plan.region_jobs(region).as_slice();
        let mut roots: Vec<(&Locale, SitePath)> = Vec::new();
        for job in jobs {
            let locale = model.plan.locale(job);
            if !roots.iter().any(|(known, _)| *known == locale) {
                roots.push((locale, locale_root(model.region(region), locale)));
            }
        }
        let root_of = |job: &PageJob| {
            let locale = model.plan.locale(job);
            let (_, root) = roots
                .iter()
                .find(|(known, _)| *known == locale)
                .expect("every locale's root is known");
            root
        };
        let mut pages: Vec<u32> = (0..jobs.len())
            .map(|at| u32::try_from(at).expect("fewer than 4 billion jobs"))
            .collect();
        pages.sort_by(|&a, &b| {
            let (a, b) = (&jobs[a as usize], &jobs[b as usize]);
            root_of(a).cmp_joined_dir_url(model.head(a).slug, root_of(b), model.head(b).slug)
        });
        pages.truncate(range.end);
        let mut pages = pages
            .into_iter()
            .skip(range.start)
            .map(move |at| &jobs[at as usize]);
        let mut sitemap = Some(output::Sitemap::new());
        Box::new(std::iter::from_fn(move || {
            let open = sitemap.as_mut()?;
            for job in pages.by_ref() {
                open.add(self.sitemap_entry(model.page_url(job), job));
                if open.pending() >= piece {
                    return Some(open.take());
                }
            }
            sitemap.take().map(output::Sitemap::finish)
        }))
    }

    /// A page's sitemap entry: its URL and its alternates on every domain.
    fn sitemap_entry(&self, url: String, job: &PageJob) -> SitemapEntry {
        let model = &self.model;
        let mut alternates: Vec<(String, String)> = model
            .plan
            .translations(model.plan.name(job))
            .map(|other| (model.plan.locale(other).to_string(), model.page_url(other)))
            .collect();
        if let Some(x_default) = self.x_default_url(model.plan.name(job)) {
            alternates.push(("x-default".to_string(), x_default));
        }
        SitemapEntry {
            url,
            lastmod: model.source(job).updated().map(str::to_string),
            alternates,
        }
    }

    /// Placeholders that reached an HTML page as text (`{{ brand }}` kept by a
    /// `{% raw %}` block, a value or a translation): each is an error at the
    /// place it was written.
    fn unfilled(&self, output: &Output, rendered: &Rendered) -> Vec<Diagnostic> {
        if !rendered.path.to_string().ends_with(".html") {
            return Vec::new();
        }
        // Most pages hold no `{{` or `{%`: found in the bytes, without reading
        // the page as text first.
        let bytes = &rendered.bytes;
        if memchr::memmem::find(bytes, b"{{").is_none()
            && memchr::memmem::find(bytes, b"{%").is_none()
        {
            return Vec::new();
        }
        let leaks = render::unfilled_placeholders(&output::text_of(bytes));
        if leaks.is_empty() {
            return Vec::new();
        }
        let model = &self.model;
        let page = match output {
            Output::Page(index) => model.source(&model.plan.jobs[*index]).whole_file().ok(),
            _ => None,
        };
        let mut sources: Vec<SourceFile> = page.into_iter().collect();
        sources.extend(model.theme.templates.values().cloned());
        sources.extend(
            model
                .translations
                .bundles()
                .flat_map(|b| b.files.iter().cloned()),
        );
        sources.push(model.config.file.clone());
        let shown = format!("{}{}", rendered.domain, rendered.path.file_url());
        leaks
            .into_iter()
            .map(|leak| render::unfilled_diagnostic(&leak, &sources, &shown))
            .collect()
    }

    fn x_default_url(&self, name: &str) -> Option<String> {
        let config = &self.model.config;
        let region = config.x_default_region()?;
        let index = config.regions.iter().position(|r| r.id == region.id)?;
        let locale = if region.locales.contains(&config.reference_locale) {
            &config.reference_locale
        } else {
            &region.locales[0]
        };
        let job = self.model.plan.job(index, locale, name)?;
        Some(self.model.page_url(job))
    }

    /// Renders every output into `sink`, in parallel; returns every problem.
    pub fn render_all(&self, sink: &dyn Sink) -> Vec<Diagnostic> {
        let mut problems = self.render_every_output_but(&|_| false, sink);
        problems.extend(self.model.translations.fallback_warnings());
        problems
    }

    /// Renders every output into `sink` but the pages (by index in the
    /// plan's jobs) that `skip` names, in parallel; returns their problems,
    /// without the translations' fallback warnings.
    pub(super) fn render_every_output_but(
        &self,
        skip: &(dyn Fn(usize) -> bool + Sync),
        sink: &dyn Sink,
    ) -> Vec<Diagnostic> {
        // The pages are counted, not listed: at 100,000 pages a list of
        // outputs would be 11 MB held through the render. A core takes at
        // most 64 pages at once: left to split as it likes, rayon ended a
        // 40,000-page render with one core on some 2,000 pages for 0.2 s
        // while the other had nothing left to take.
        let pages = (0..self.model.plan.jobs.len())
            .into_par_iter()
            .with_max_len(64)
            .filter(|index| !skip(*index))
            .map(Output::Page);
        let others = self.outputs_besides_pages().into_par_iter();
        self.render_each(pages.chain(others), sink)
    }

    /// Renders `outputs` into `sink`, in parallel; returns every problem.
    pub fn render_outputs(&self, outputs: &[Output], sink: &dyn Sink) -> Vec<Diagnostic> {
        let mut problems = self.render_each(outputs.par_iter().cloned(), sink);
        problems.extend(self.model.translations.fallback_warnings());
        problems
    }

    /// Renders `outputs` into `sink`, in parallel; returns their problems,
    /// without the translations' fallback warnings, which are the site's.
    pub(super) fn render_each(
        &self,
        outputs: impl ParallelIterator<Item = Output>,
        sink: &dyn Sink,
    ) -> Vec<Diagnostic> {
        outputs
            .flat_map_iter(|output| match output.sitemap_file() {
                Some((region, part)) => {
                    let (domain, path) = self.destination(&output);
                    let mut pieces = self.sitemap_pieces(region, part, SITEMAP_PIECE);
                    sink.write_pieces(&domain, &path, &mut pieces)
                        .err()
                        .into_iter()
                        .collect()
                }
                None => self.render_one(&output, sink),
            })
            .collect()
    }

    /// Renders `output`, checks it, and gives it to `sink`.
    fn render_one(&self, output: &Output, sink: &dyn Sink) -> Vec<Diagnostic> {
        match self.render(output) {
            Ok(rendered) => {
                let mut found = self.unfilled(output, &rendered);
                found.extend(
                    sink.write(&rendered.domain, &rendered.path, &rendered.bytes)
                        .err(),
                );
                found
            }
            Err(found) => found,
        }
    }
}

impl Output {
    /// The region and part of a sitemap file (no part: `sitemap.xml`).
    fn sitemap_file(&self) -> Option<(usize, Option<usize>)> {
        match *self {
            Output::Sitemap { region } => Some((region, None)),
            Output::SitemapPart { region, part } => Some((region, Some(part))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::SitemapLimits;

    #[test]
    fn a_sitemap_in_pieces_is_the_sitemap() {
        let site = Site::load(std::path::Path::new("tests/fixtures/multi")).expect("loads");
        for region in 0..site.model.config.regions.len() {
            let whole: String = site.sitemap_pieces(region, None, usize::MAX).collect();
            let pieces: Vec<String> = site.sitemap_pieces(region, None, 1).collect();
            assert!(pieces.len() > 2, "one piece per entry, and the end");
            assert_eq!(pieces.concat(), whole);
            assert!(whole.ends_with("</urlset>\n"));
        }
    }

    /// The `<loc>`s of a sitemap or sitemap index, in order.
    fn locs(text: &str) -> Vec<String> {
        text.split("<loc>")
            .skip(1)
            .map(|rest| rest.split("</loc>").next().unwrap_or_default().to_string())
            .collect()
    }

    fn text(site: &Site, output: &Output) -> String {
        let rendered = site.render(output).expect("renders");
        String::from_utf8(rendered.bytes).expect("text")
    }

    /// Each region's sitemap files other than `sitemap.xml`, with their paths.
    fn parts_of(site: &Site, region: usize) -> Vec<(String, String)> {
        site.outputs()
            .iter()
            .filter(|o| matches!(o, Output::SitemapPart { region: r, .. } if *r == region))
            .map(|part| (site.placement(part).1.to_string(), text(site, part)))
            .collect()
    }

    #[test]
    fn a_region_with_more_urls_than_a_sitemap_holds_gets_an_index_of_parts() {
        let mut site = Site::load(std::path::Path::new(".")).expect("loads");
        let regions = site.model.config.regions.len();
        let whole: Vec<String> = (0..regions)
            .map(|region| text(&site, &Output::Sitemap { region }))
            .collect();
        assert!((0..regions).all(|region| parts_of(&site, region).is_empty()));
        site.sitemap_limits = SitemapLimits {
            urls: 2,
            bytes: usize::MAX,
        };
        for (region, whole) in whole.iter().enumerate() {
            let pages = site.model.plan.region_len(region);
            assert!(
                pages > 2,
                "the bundled site's regions have more than 2 pages"
            );
            let parts = parts_of(&site, region);
            assert_eq!(parts.len(), pages.div_ceil(2));
            let domain = &site.model.region(region).domain;
            let index = text(&site, &Output::Sitemap { region });
            assert!(index.contains("<sitemapindex"), "{index}");
            let named: Vec<String> = (1..=parts.len())
                .map(|n| format!("https://{domain}/sitemap-{n}.xml"))
                .collect();
            assert_eq!(locs(&index), named);
            let mut listed = Vec::new();
            for (n, (path, part)) in parts.iter().enumerate() {
                assert_eq!(*path, format!("sitemap-{}.xml", n + 1));
                assert!(part.starts_with("<?xml") && part.ends_with("</urlset>\n"));
                assert!(locs(part).len() <= 2);
                listed.extend(locs(part));
            }
            // Every URL once, in the order of the whole sitemap, with its alternates.
            assert_eq!(listed, locs(whole));
            let links = |text: &str| text.matches("<xhtml:link").count();
            assert_eq!(
                parts.iter().map(|(_, p)| links(p)).sum::<usize>(),
                links(whole)
            );
        }
    }

    #[test]
    fn no_sitemap_file_is_larger_than_the_limit() {
        let mut site = Site::load(std::path::Path::new(".")).expect("loads");
        let whole = text(&site, &Output::Sitemap { region: 0 });
        // Room for one entry per file.
        let limit = site.sitemap_bound(1);
        assert!(whole.len() > limit, "{} bytes", whole.len());
        site.sitemap_limits = SitemapLimits {
            urls: 50_000,
            bytes: limit,
        };
        let parts = parts_of(&site, 0);
        assert_eq!(parts.len(), site.model.plan.region_len(0));
        for (path, part) in &parts {
            assert!(part.len() <= limit, "{path}: {} bytes", part.len());
        }
        let listed: Vec<String> = parts.iter().flat_map(|(_, part)| locs(part)).collect();
        assert_eq!(listed, locs(&whole));
    }

    #[test]
    fn a_sitemap_is_never_larger_than_its_bound() {
        for fixture in ["tests/fixtures/multi", "tests/fixtures/cloudflare", "."] {
            let site = Site::load(std::path::Path::new(fixture)).expect("loads");
            for region in 0..site.model.config.regions.len() {
                let written = text(&site, &Output::Sitemap { region }).len();
                let pages = site.model.plan.region_len(region);
                let bound = site.sitemap_bound(pages);
                assert!(
                    written <= bound,
                    "{fixture} region {region}: {written} > {bound}"
                );
                // Close enough not to split a region that fits.
                assert!(
                    bound < 3 * written,
                    "{fixture} region {region}: {bound} for {written}"
                );
            }
        }
    }
}
