//! The files a loaded site has (pages, not-found pages, assets, images,
//! sitemaps, `_headers`, `_redirects`), where each goes, and how each is
//! rendered into a [`Sink`].

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::{Output, Rendered, Site, CLOUDFLARE_BULK_DIR};
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
                    .files_of(&model.source(job).file.name)
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
                (Some(job.region), job.output())
            }
            Output::Languages { region } => (Some(*region), fixed("index.html")),
            Output::NotFound { region, path, .. } => (Some(*region), path.clone()),
            Output::Asset { region, name } => {
                let asset = self.model.theme.asset(name).expect("listed from the theme");
                (Some(*region), asset.output.clone())
            }
            Output::Image { region, path } => (Some(*region), path.clone()),
            Output::Sitemap { region } => (Some(*region), fixed("sitemap.xml")),
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
            Output::Sitemap { region } => self.sitemap(*region).into_bytes(),
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

    fn sitemap(&self, region: usize) -> String {
        self.sitemap_pieces(region, usize::MAX).collect()
    }

    /// The region's sitemap in pieces of about `piece` bytes (a few entries
    /// more), in order: the URLs are sorted first, then each entry is made in
    /// turn.
    fn sitemap_pieces(&self, region: usize, piece: usize) -> impl Iterator<Item = String> + '_ {
        let model = &self.model;
        let mut pages: Vec<(String, &PageJob)> = model
            .plan
            .region_jobs(region)
            .map(|job| (model.url(region, &job.dir.dir_url()), job))
            .collect();
        pages.sort_by(|a, b| a.0.cmp(&b.0));
        let mut pages = pages.into_iter();
        let mut sitemap = Some(output::Sitemap::new());
        std::iter::from_fn(move || {
            let open = sitemap.as_mut()?;
            for (url, job) in pages.by_ref() {
                open.add(self.sitemap_entry(url, job));
                if open.pending() >= piece {
                    return Some(open.take());
                }
            }
            sitemap.take().map(output::Sitemap::finish)
        })
    }

    /// A page's sitemap entry: its URL and its alternates on every domain.
    fn sitemap_entry(&self, url: String, job: &PageJob) -> SitemapEntry {
        let model = &self.model;
        let mut alternates: Vec<(String, String)> = model
            .plan
            .translations(&job.name)
            .map(|other| {
                (
                    other.locale.to_string(),
                    model.url(other.region, &other.dir.dir_url()),
                )
            })
            .collect();
        if let Some(x_default) = self.x_default_url(&job.name) {
            alternates.push(("x-default".to_string(), x_default));
        }
        SitemapEntry {
            url,
            lastmod: model.source(job).updated.as_deref().map(str::to_string),
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
        let leaks = render::unfilled_placeholders(&output::text_of(&rendered.bytes));
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
        Some(self.model.url(index, &job.dir.dir_url()))
    }

    /// Renders every output into `sink`, in parallel; returns every problem.
    pub fn render_all(&self, sink: &dyn Sink) -> Vec<Diagnostic> {
        // The pages are counted, not listed: at 100,000 pages a list of
        // outputs would be 11 MB held through the render.
        let pages = (0..self.model.plan.jobs.len())
            .into_par_iter()
            .map(Output::Page);
        let others = self.outputs_besides_pages().into_par_iter();
        self.render_each(pages.chain(others), sink)
    }

    /// Renders `outputs` into `sink`, in parallel; returns every problem.
    pub fn render_outputs(&self, outputs: &[Output], sink: &dyn Sink) -> Vec<Diagnostic> {
        self.render_each(outputs.par_iter().cloned(), sink)
    }

    fn render_each(
        &self,
        outputs: impl IndexedParallelIterator<Item = Output>,
        sink: &dyn Sink,
    ) -> Vec<Diagnostic> {
        let mut problems: Vec<Diagnostic> = outputs
            .flat_map_iter(|output| match output {
                Output::Sitemap { region } => {
                    let (domain, path) = self.destination(&output);
                    let mut pieces = self.sitemap_pieces(region, SITEMAP_PIECE);
                    sink.write_pieces(&domain, &path, &mut pieces)
                        .err()
                        .into_iter()
                        .collect()
                }
                _ => self.render_one(&output, sink),
            })
            .collect();
        problems.extend(self.model.translations.fallback_warnings());
        problems
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sitemap_in_pieces_is_the_sitemap() {
        let site = Site::load(std::path::Path::new("tests/fixtures/multi")).expect("loads");
        for region in 0..site.model.config.regions.len() {
            let whole = site.sitemap(region);
            let pieces: Vec<String> = site.sitemap_pieces(region, 1).collect();
            assert!(pieces.len() > 2, "one piece per entry, and the end");
            assert_eq!(pieces.concat(), whole);
            assert!(whole.ends_with("</urlset>\n"));
        }
    }
}
