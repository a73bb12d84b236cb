//! Loading a site: the config, pages, translations and theme are read and
//! checked, then planned into outputs with their templates and redirect tables.
//! `build` and `check` load leniently (everything is reported in one run);
//! `serve` and tests load strictly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::{split, Output, Site};
use crate::config;
use crate::content;
use crate::diagnostics::{Diagnostic, Outcome};
use crate::i18n::Translations;
use crate::media::Media;
use crate::output::SitemapLimits;
use crate::plan;
use crate::redirects::files::FileSet;
use crate::redirects::pattern::RequestPath;
use crate::redirects::rules::{read_csv_files, region_rules, AliasRule};
use crate::redirects::{checks, RuleTable};
use crate::render::{Model, Renderer};
use crate::theme::Theme;
use crate::timings::Timings;

impl Site {
    /// Loads and checks everything under `root`; any error stops it.
    pub fn load(root: &Path) -> Outcome<Site> {
        let (site, problems) = Site::load_with(root, false);
        Site::strict(site, problems)
    }

    /// A site only when no problem is an error; the warnings stay with it.
    pub(super) fn strict(site: Option<Site>, problems: Vec<Diagnostic>) -> Outcome<Site> {
        let (errors, warnings): (Vec<_>, Vec<_>) =
            problems.into_iter().partition(Diagnostic::is_error);
        match site {
            Some(mut site) if errors.is_empty() => {
                site.warnings = warnings;
                Ok(site)
            }
            _ => Err(errors),
        }
    }

    /// Loads as much as can be loaded, with every problem (errors and warnings):
    /// pages and `.ftl` entries that fail are left out and the rest goes on, so
    /// `check` reports everything in one run. `None` when nothing can be rendered
    /// (no config, no theme, a template that does not parse).
    pub fn load_for_check(root: &Path) -> (Option<Site>, Vec<Diagnostic>) {
        Site::load_with(root, true)
    }

    /// Loads like [`Site::load`], with drafts rendered like other pages when
    /// `drafts` is set (`serve --drafts`).
    pub fn load_previewing(root: &Path, drafts: bool) -> Outcome<Site> {
        let mut config = config::load(root)?;
        config.drafts = drafts;
        let (site, problems) = Site::load_from(config, false, &Timings::off());
        Site::strict(site, problems)
    }

    fn load_with(root: &Path, lenient: bool) -> (Option<Site>, Vec<Diagnostic>) {
        match config::load(root) {
            Ok(config) => Site::load_from(config, lenient, &Timings::off()),
            Err(problems) => (None, problems),
        }
    }

    /// Loads every input that `config` names.
    pub(super) fn load_from(
        config: config::SiteConfig,
        lenient: bool,
        timings: &Timings,
    ) -> (Option<Site>, Vec<Diagnostic>) {
        let (content, mut problems) = timings.stage("load", || content::load_lenient(&config));
        if problems.iter().any(|d| d.code == content::NO_PAGES) {
            // Nothing to render, link or redirect to: any other finding would
            // only be a consequence.
            return (None, problems);
        }
        let (translations, theme) = timings.stage("load", || {
            let (translations, found) = Translations::load_lenient(&config);
            problems.extend(found);
            (translations, split(Theme::load(&config), &mut problems))
        });
        let Some(theme) = theme else {
            return (None, problems);
        };
        if !lenient && problems.iter().any(Diagnostic::is_error) {
            return (None, problems);
        }
        let (site, found) = Site::assemble(
            config,
            content,
            Arc::new(translations),
            Arc::new(theme),
            lenient,
            timings,
        );
        problems.extend(found);
        (site, problems)
    }

    /// Plans, prepares the templates and the redirect tables from loaded inputs.
    pub(super) fn assemble(
        config: config::SiteConfig,
        content: content::Content,
        translations: Arc<Translations>,
        theme: Arc<Theme>,
        lenient: bool,
        timings: &Timings,
    ) -> (Option<Site>, Vec<Diagnostic>) {
        let (plan, mut problems) = timings.stage("plan", || plan::plan(&config, &content));
        let (media, found) = timings.stage("load", || Media::load(&config, &content, &theme));
        problems.extend(found);
        // Nothing to render (no page, or only drafts): any other finding would be
        // a consequence.
        let nothing_to_render =
            plan.jobs.is_empty() && problems.iter().any(|d| d.code == content::NO_PAGES);
        if nothing_to_render || !lenient && problems.iter().any(Diagnostic::is_error) {
            return (None, problems);
        }
        let model = timings.stage("plan", || {
            Model::new(config, content, plan, translations, theme, Arc::new(media))
        });
        let renderer = match timings.stage("parse", || Renderer::new(&model)) {
            Ok(renderer) => renderer,
            Err(found) => {
                problems.extend(found);
                return (None, problems);
            }
        };
        let mut site = Site {
            model,
            renderer: Arc::new(renderer),
            redirects: Arc::default(),
            warnings: Vec::new(),
            sitemap_limits: SitemapLimits::default(),
        };
        if let Err(found) = site.check_required_templates() {
            problems.extend(found);
            return (None, problems);
        }
        let taken = site.pages_on_generated_files();
        if !lenient && !taken.is_empty() {
            problems.extend(taken);
            return (None, problems);
        }
        problems.extend(taken);
        problems.extend(timings.stage("redirects", || site.load_redirects()));
        (Some(site), problems)
    }

    /// Builds and checks every region's rule table.
    fn load_redirects(&mut self) -> Vec<Diagnostic> {
        let config = &self.model.config;
        let (csv_files, mut problems) = read_csv_files(config);
        let others = self.outputs_besides_pages();
        // One region's after another: each file set, while it is built, holds
        // its paths twice (as found, then sorted), and two at once added 2 MB
        // to the most a 100,000-page build holds, for 0.1 s.
        let files: Vec<FileSet> = (0..config.regions.len())
            .map(|region| self.region_files(region, &others))
            .collect();
        // Regions are independent: their tables are built and checked in parallel.
        let checked: Vec<(RuleTable, Vec<Diagnostic>)> = config
            .regions
            .par_iter()
            .zip(files)
            .enumerate()
            .map(|(index, (region, files))| {
                // A file shown in two locales of the region (de-AT showing the
                // de-DE page) gives its aliases once: to the first, its own locale.
                // Only the few pages with aliases are noted: every file's name
                // took 2 MB a region at 100,000 pages.
                let mut files_seen = BTreeSet::new();
                let aliases: Vec<AliasRule> = self
                    .model
                    .plan
                    .region_jobs(index)
                    .filter_map(|job| {
                        // A page with aliases is held in memory, with its extras.
                        let source = self.model.head(job).held()?;
                        let gives = !source.extras.aliases.is_empty()
                            && files_seen.insert(source.file_name());
                        gives.then_some((job, source))
                    })
                    .flat_map(|(job, source)| {
                        let page = self.model.page_dir(job).dir_url();
                        source.extras.aliases.iter().map(move |alias| AliasRule {
                            path: &alias.path,
                            span: &alias.span,
                            page: page.clone(),
                        })
                    })
                    .collect();
                let (rules, mut found) = region_rules(config, region, &aliases, &csv_files, &files);
                let table =
                    RuleTable::new(index, region.domain.clone(), config.target, rules, files);
                found.extend(checks::check_table(
                    &table,
                    self.model.config.cloudflare_bulk(),
                ));
                (table, found)
            })
            .collect();
        let mut tables = Vec::new();
        for (table, found) in checked {
            problems.extend(found);
            tables.push(table);
        }
        // Destinations may lead onto another domain of the site: checked once every
        // table is built.
        let across: Vec<Vec<Diagnostic>> = (0..tables.len())
            .into_par_iter()
            .map(|index| checks::check_destinations(&tables, index))
            .collect();
        problems.extend(across.into_iter().flatten());
        self.redirects = Arc::new(tables);
        problems
    }

    /// The files written to `region`'s folder, as the requests that fetch them:
    /// its pages, and those of the site's `others` (the outputs besides pages)
    /// that go there.
    fn region_files(&self, region: usize, others: &[Output]) -> FileSet {
        let pages = self
            .model
            .plan
            .region_jobs(region)
            .map(|job| self.model.page_output(job));
        let others = others
            .iter()
            .filter_map(|output| match self.placement(output) {
                (Some(r), path) if r == region => Some(path),
                _ => None,
            });
        pages
            .chain(others)
            .filter_map(|path| RequestPath::parse(&path.file_url()).ok())
            .collect()
    }

    fn check_required_templates(&self) -> Outcome<()> {
        let multilingual = self
            .model
            .config
            .regions
            .iter()
            .any(|r| r.is_multilingual());
        let mut required = vec!["404.html"];
        if multilingual {
            required.push("languages.html");
        }
        let missing: Vec<Diagnostic> = required
            .into_iter()
            .filter(|name| !self.renderer.has_template(name))
            .map(|name| {
                Diagnostic::error(
                    "theme::missing-template",
                    format!("the theme has no `{name}`"),
                )
                .in_file(format!("themes/{}/templates", self.model.config.theme))
                .help(match name {
                    "404.html" => "add 404.html: every domain needs a not-found page",
                    _ => "add languages.html: a domain with several locales offers them at /",
                })
            })
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }

    /// Pages whose folder would be a file the build writes itself (`404.html`,
    /// `sitemap.xml`, `_redirects`, a theme file): the disk cannot hold both.
    fn pages_on_generated_files(&self) -> Vec<Diagnostic> {
        let mut generated: Vec<BTreeMap<String, String>> =
            vec![BTreeMap::new(); self.model.config.regions.len()];
        // Not `outputs()`: a list with every page in it took 8 MB of a
        // 100,000-page build's peak.
        for output in self.outputs_besides_pages() {
            if let (Some(region), path) = self.placement(&output) {
                generated[region].insert(path.folded(), path.to_string());
            }
        }
        let mut problems = Vec::new();
        for job in &self.model.plan.jobs {
            let dir = self.model.page_dir(job);
            let taken = dir
                .prefixes()
                .find_map(|prefix| generated[job.region()].get(&prefix.folded()));
            if let Some(file) = taken {
                let source = self.model.source(job);
                let domain = &self.model.region(job.region()).domain;
                problems.push(
                    Diagnostic::error(
                        "content::reserved-url",
                        format!(
                            "the page's URL {domain}{} would need the folder `{file}`, a file handover writes",
                            dir.dir_url()
                        ),
                    )
                    .at(source.key_span("slug"))
                    .help("give the page another `slug`: 404.html, sitemap.xml (and sitemap-1.xml, ... on a domain of over 50,000 pages), robots.txt, _headers, _redirects and the theme's static files are taken"),
                );
            }
        }
        problems
    }
}
