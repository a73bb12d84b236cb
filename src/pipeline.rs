//! The build pipeline that `build`, `check` and `serve` share: load and validate
//! every input, plan the outputs, render them in parallel into a [`Sink`].
//!
//! Loading keeps going after a bad file so one run reports everything; rendering
//! writes each file as soon as it is rendered instead of holding the site in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::check::{self, links::LinkSink};
use crate::config::{self, Locale};
use crate::content;
use crate::diagnostics::{Diagnostic, Outcome, Report, SourceFile};
use crate::i18n::Translations;
use crate::media::Media;
use crate::output::staging::{LockedOutput, Staging};
use crate::output::unchanged::{self, Fingerprint};
use crate::output::{self, guard, DirSink, Sink, SitemapEntry};
use crate::paths::SitePath;
use crate::plan::{self, locale_root, PageJob};
use crate::redirects::pattern::RequestPath;
use crate::redirects::rules::{read_csv_files, region_rules, AliasRule};
use crate::redirects::{checks, write as redirects_write, RuleTable};
use crate::render::{self, Model, Renderer};
use crate::theme::Theme;
use crate::timings::Timings;

/// A loaded, validated site, ready to render any of its outputs.
pub struct Site {
    pub model: Model,
    /// Shared with the site's next version when an edit leaves the templates
    /// and titles as they were.
    pub renderer: Arc<Renderer>,
    /// One rule table per region, in the order of `site.yaml`; shared like the
    /// renderer.
    pub redirects: Arc<Vec<RuleTable>>,
    /// Problems that do not stop the build (fallbacks and the like).
    pub warnings: Vec<Diagnostic>,
}

/// Where Cloudflare Bulk Redirects lists go: beside the domain folders, because
/// they are uploaded to Cloudflare's dashboard or API, not deployed with a site.
pub const CLOUDFLARE_BULK_DIR: &str = "_cloudflare-bulk";

/// One file of one domain folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Output {
    Page(usize),
    Languages {
        region: usize,
    },
    NotFound {
        region: usize,
        locale: Locale,
        path: SitePath,
    },
    Asset {
        region: usize,
        name: String,
    },
    /// An image a page of the region shows (see [`crate::media`]).
    Image {
        region: usize,
        path: SitePath,
    },
    Sitemap {
        region: usize,
    },
    Robots {
        region: usize,
    },
    Headers {
        region: usize,
    },
    Redirects {
        region: usize,
    },
    CloudflareBulk {
        region: usize,
    },
}

/// Which inputs a change touched, from the paths a file watcher saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputChange {
    /// Markdown files under `content/` only.
    Pages(Vec<PathBuf>),
    /// `.ftl` files only.
    Translations(Vec<PathBuf>),
    /// Templates or static files only.
    Theme,
    /// Pages, `.ftl` files and the theme together (saves that arrived during
    /// one rebuild): each kind in turn, translations first.
    Several(Vec<InputChange>),
    /// `site.yaml`, a CSV map, or anything else.
    Everything,
}

impl InputChange {
    /// Classifies absolute `paths` below `root`.
    pub fn classify(root: &Path, paths: &[PathBuf]) -> InputChange {
        let area = |path: &PathBuf| -> Option<&'static str> {
            let relative = path.strip_prefix(root).ok()?;
            let first = relative.components().next()?.as_os_str().to_str()?;
            let markdown = relative.extension().is_some_and(|e| e == "md");
            match first {
                content::CONTENT_DIR if markdown => Some("pages"),
                crate::i18n::LOCALES_DIR => Some("translations"),
                "themes" => Some("theme"),
                _ => None,
            }
        };
        let mut changes = Vec::new();
        for kind in ["translations", "theme", "pages"] {
            let of_kind: Vec<PathBuf> = paths
                .iter()
                .filter(|path| area(path) == Some(kind))
                .cloned()
                .collect();
            if of_kind.is_empty() {
                continue;
            }
            changes.push(match kind {
                "pages" => InputChange::Pages(of_kind),
                "translations" => InputChange::Translations(of_kind),
                _ => InputChange::Theme,
            });
        }
        if paths.is_empty() || paths.iter().any(|path| area(path).is_none()) {
            return InputChange::Everything;
        }
        match changes.len() {
            1 => changes.remove(0),
            _ => InputChange::Several(changes),
        }
    }
}

/// A rendered file.
pub struct Rendered {
    pub domain: String,
    pub path: SitePath,
    pub bytes: Vec<u8>,
}

fn split<T>(outcome: Outcome<T>, problems: &mut Vec<Diagnostic>) -> Option<T> {
    match outcome {
        Ok(value) => Some(value),
        Err(mut found) => {
            problems.append(&mut found);
            None
        }
    }
}

impl Site {
    /// Loads and checks everything under `root`; any error stops it.
    pub fn load(root: &Path) -> Outcome<Site> {
        let (site, problems) = Site::load_with(root, false);
        Site::strict(site, problems)
    }

    /// A site only when no problem is an error; the warnings stay with it.
    fn strict(site: Option<Site>, problems: Vec<Diagnostic>) -> Outcome<Site> {
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
    fn load_from(
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
    fn assemble(
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

    /// The site after `change`, re-reading only the inputs it touched, and the
    /// outputs to render again (`None`: every one). Editing a page's body redoes
    /// that page alone; its front matter, a `.ftl` file or the theme redo the site
    /// from the inputs already loaded; `site.yaml` and anything else reload all.
    pub fn updated(&self, change: &InputChange) -> Outcome<(Site, Option<Vec<Output>>)> {
        let model = &self.model;
        let (config, translations, theme) = (
            model.config.clone(),
            model.translations.clone(),
            model.theme.clone(),
        );
        let content = || (*model.content).clone();
        let (site, problems) = match change {
            InputChange::Several(changes) => return self.updated_by_each(changes),
            InputChange::Everything => {
                return Site::load_previewing(&model.config.root, model.config.drafts)
                    .map(|site| (site, None))
            }
            InputChange::Translations(paths) => {
                let translations = Arc::new(Translations::load(&config)?);
                // Messages change no page, title, image or redirect rule: the
                // pages in the locales that read these files are rendered again.
                let mut model = self.model.clone();
                model.translations = translations;
                let renderer = Arc::new(Renderer::new(&model)?);
                let site = self.sharing(model, renderer);
                let outputs = site.translated_outputs(paths);
                return Ok((site, outputs));
            }
            InputChange::Theme => {
                let theme = Arc::new(Theme::load(&config)?);
                Site::assemble(
                    config,
                    content(),
                    translations,
                    theme,
                    false,
                    &Timings::off(),
                )
            }
            InputChange::Pages(paths) => {
                let mut content = content();
                let mut problems = content::reload_files(&config, &mut content, paths);
                problems.extend(content::no_pages(&config, &content));
                if !problems.is_empty() {
                    return Err(problems);
                }
                if let Some(names) = self.pages_to_redo(&content, paths) {
                    if self.same_images(&content, &names) {
                        // Only bodies changed: the plan, titles, media and redirect
                        // tables stay true, so only these pages are rendered again.
                        let outputs = self.page_outputs(&names);
                        return Ok((self.with_content(content), Some(outputs)));
                    }
                }
                // A new, removed or retitled page, or other images (new image
                // files, and `_headers` lists them): the whole site again.
                Site::assemble(config, content, translations, theme, false, &Timings::off())
            }
        };
        Ok((Site::strict(site, problems)?, None))
    }

    /// The site after each of `changes` in turn, and the outputs any of them
    /// renders again (`None`: every one).
    fn updated_by_each(&self, changes: &[InputChange]) -> Outcome<(Site, Option<Vec<Output>>)> {
        let mut site: Option<Site> = None;
        let mut outputs: Option<Vec<Output>> = Some(Vec::new());
        for change in changes {
            let (next, only) = site.as_ref().unwrap_or(self).updated(change)?;
            outputs = match (outputs, only) {
                (Some(mut all), Some(only)) => {
                    all.extend(only);
                    Some(all)
                }
                _ => None,
            };
            site = Some(next);
        }
        let mut seen = std::collections::HashSet::new();
        let outputs =
            outputs.map(|all| all.into_iter().filter(|o| seen.insert(o.clone())).collect());
        match site {
            Some(site) => Ok((site, outputs)),
            None => self.updated(&InputChange::Everything),
        }
    }

    /// The files that show messages of the `.ftl` files at `paths`: the pages of
    /// every locale whose fallback chain reads them. `None` (every file) when a
    /// path is not in a locale's folder.
    fn translated_outputs(&self, paths: &[PathBuf]) -> Option<Vec<Output>> {
        let config = &self.model.config;
        let folder = |path: &PathBuf| -> Option<Locale> {
            let relative = path.strip_prefix(&config.root).ok()?;
            let mut parts = relative.components().skip(1);
            parts.next()?.as_os_str().to_str()?.parse().ok()
        };
        let changed: Vec<Locale> = paths.iter().map(folder).collect::<Option<_>>()?;
        let reads = |locale: &Locale| {
            let chain = config.fallback_chain(locale);
            changed.iter().any(|c| chain.contains(c))
        };
        let region_reads = |region: usize| self.model.region(region).locales.iter().any(reads);
        let outputs = self.outputs().into_iter().filter(|output| match output {
            Output::Page(index) => reads(&self.model.plan.jobs[*index].locale),
            Output::NotFound { locale, .. } => reads(locale),
            Output::Languages { region } => region_reads(*region),
            _ => false,
        });
        Some(outputs.collect())
    }

    /// Whether the pages `names` show the same images in `content` as now.
    fn same_images(&self, content: &content::Content, names: &[String]) -> bool {
        names.iter().all(
            |name| match (self.model.content.by_file(name), content.by_file(name)) {
                (Some(old), Some(new)) => crate::media::same_references(old, new),
                _ => false,
            },
        )
    }

    /// This site with `content` in place of its pages, sharing everything else:
    /// for an edit that changed page bodies only.
    fn with_content(&self, content: content::Content) -> Site {
        let mut model = self.model.clone();
        model.content = Arc::new(content);
        self.sharing(model, self.renderer.clone())
    }

    /// A site of `model` and `renderer` with this one's redirect tables and
    /// warnings: for edits that change neither pages' places nor rules.
    fn sharing(&self, model: Model, renderer: Arc<Renderer>) -> Site {
        Site {
            model,
            renderer,
            redirects: self.redirects.clone(),
            warnings: self.warnings.clone(),
        }
    }

    /// The files whose pages changed only in their body, or `None` when anything
    /// else may have changed (a new, removed or retitled page).
    fn pages_to_redo(&self, content: &content::Content, paths: &[PathBuf]) -> Option<Vec<String>> {
        let root = &self.model.config.root;
        let mut names = Vec::new();
        for path in paths {
            let shown = crate::fs::shown_path(root, path);
            match (self.model.content.by_file(&shown), content.by_file(&shown)) {
                (Some(old), Some(new)) if old.same_front_matter(new) => names.push(shown),
                _ => return None,
            }
        }
        Some(names)
    }

    /// The page outputs rendered from these source files.
    fn page_outputs(&self, files: &[String]) -> Vec<Output> {
        let plan = &self.model.plan;
        let mut indexes: Vec<usize> = files
            .iter()
            .filter_map(|file| self.model.content.by_file(file))
            .flat_map(|page| {
                plan.indexes_named(&page.name)
                    .iter()
                    .copied()
                    .filter(move |&i| plan.jobs[i].source_locale == page.locale)
            })
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes.into_iter().map(Output::Page).collect()
    }

    /// Builds and checks every region's rule table.
    fn load_redirects(&mut self) -> Vec<Diagnostic> {
        let config = &self.model.config;
        let (csv_files, mut problems) = read_csv_files(config);
        let mut files: Vec<std::collections::BTreeSet<RequestPath>> =
            vec![Default::default(); config.regions.len()];
        for output in self.outputs() {
            if let (Some(region), path) = self.placement(&output) {
                if let Ok(request) = RequestPath::parse(&path.file_url()) {
                    files[region].insert(request);
                }
            }
        }
        // Regions are independent: their tables are built and checked in parallel.
        let checked: Vec<(RuleTable, Vec<Diagnostic>)> = config
            .regions
            .par_iter()
            .zip(files)
            .enumerate()
            .map(|(index, (region, files))| {
                // A file shown in two locales of the region (de-AT showing the
                // de-DE page) gives its aliases once: to the first, its own locale.
                let mut files_seen = std::collections::BTreeSet::new();
                let aliases: Vec<AliasRule> = self
                    .model
                    .plan
                    .region_jobs(index)
                    .filter(|job| files_seen.insert(self.model.source(job).file.name.clone()))
                    .flat_map(|job| {
                        let page = job.dir.dir_url();
                        self.model
                            .source(job)
                            .aliases
                            .iter()
                            .map(move |alias| AliasRule {
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
        for output in self.outputs() {
            if let (Some(region), path) = self.placement(&output) {
                if !matches!(output, Output::Page(_)) {
                    generated[region].insert(path.folded(), path.to_string());
                }
            }
        }
        let mut problems = Vec::new();
        for job in &self.model.plan.jobs {
            let taken = job
                .dir
                .prefixes()
                .find_map(|prefix| generated[job.region].get(&prefix.folded()));
            if let Some(file) = taken {
                let source = self.model.source(job);
                let domain = &self.model.region(job.region).domain;
                problems.push(
                    Diagnostic::error(
                        "content::reserved-url",
                        format!(
                            "the page's URL {domain}{} would need the folder `{file}`, a file handover writes",
                            job.dir.dir_url()
                        ),
                    )
                    .at(source.key_span("slug"))
                    .help("give the page another `slug`: 404.html, sitemap.xml, robots.txt, _headers, _redirects and the theme's static files are taken"),
                );
            }
        }
        problems
    }

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
    fn outputs_besides_pages(&self) -> Vec<Output> {
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
    fn region_images(&self, region: usize) -> std::collections::BTreeSet<SitePath> {
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
        let model = &self.model;
        // Sorted by URL first; each entry is then made and written in turn.
        let mut pages: Vec<(String, &PageJob)> = model
            .plan
            .region_jobs(region)
            .map(|job| (model.url(region, &job.dir.dir_url()), job))
            .collect();
        pages.sort_by(|a, b| a.0.cmp(&b.0));
        let mut sitemap = output::Sitemap::new();
        for (url, job) in pages {
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
            sitemap.add(SitemapEntry {
                url,
                lastmod: model.source(job).updated.clone(),
                alternates,
            });
        }
        sitemap.finish()
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
            .flat_map_iter(|output| match self.render(&output) {
                Ok(rendered) => {
                    let mut found = self.unfilled(&output, &rendered);
                    found.extend(
                        sink.write(&rendered.domain, &rendered.path, &rendered.bytes)
                            .err(),
                    );
                    found
                }
                Err(found) => found,
            })
            .collect();
        problems.extend(self.model.translations.fallback_warnings());
        problems
    }
}

/// What a build was asked to do.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub output: PathBuf,
    /// Render threads; `None` uses every core.
    pub jobs: Option<usize>,
    /// The date the notice phases are computed for (`--as-of`); `None`: today.
    pub as_of: Option<crate::redirects::phase::IsoDate>,
    /// Measure each stage (`--timings`).
    pub timings: bool,
}

/// What a build did.
#[derive(Debug)]
pub struct BuildSummary {
    pub report: Report,
    pub files: usize,
    pub domains: Vec<String>,
    /// Nothing changed since the build that wrote the output: it was left as
    /// it is, and the report is that build's.
    pub unchanged: bool,
    /// Each stage's time and memory, when asked for.
    pub timings: Timings,
}

/// Loads, renders into a staging folder, and swaps it into place on success.
/// `Err` when the build cannot run as asked (an output folder it may not
/// replace, no way to write beside it): nothing was touched.
pub fn build(options: &BuildOptions) -> Result<BuildSummary, Diagnostic> {
    let run = || build_inner(options);
    match options.jobs {
        Some(threads) => match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(run),
            Err(error) => Err(Diagnostic::error(
                "build::threads",
                format!("could not start {threads} threads: {error}"),
            )),
        },
        None => run(),
    }
}

fn failed(problems: Vec<Diagnostic>, timings: Timings) -> BuildSummary {
    failed_with(Report::new(problems), timings)
}

fn failed_with(report: Report, timings: Timings) -> BuildSummary {
    BuildSummary {
        report,
        files: 0,
        domains: Vec::new(),
        unchanged: false,
        timings,
    }
}

fn build_inner(options: &BuildOptions) -> Result<BuildSummary, Diagnostic> {
    let timings = if options.timings {
        Timings::on()
    } else {
        Timings::off()
    };
    let mut config = match timings.stage("load", || config::load(&options.root)) {
        Ok(config) => config,
        Err(problems) => return Ok(failed(problems, timings)),
    };
    config.redirects.as_of = options.as_of;
    // Before any work: a folder the build may not replace stops it here.
    let claimed = guard::claim(&options.output, &config)?;
    // No other build changes the output from here on.
    let locked = LockedOutput::acquire(&claimed)?;
    let fingerprint = timings.stage("fingerprint", || {
        let inputs = guard::input_paths(&config);
        Fingerprint::of(&config, &inputs, config.redirects.as_of)
    });
    if let Some(same) = timings.stage("fingerprint", || {
        unchanged::check(locked.target(), &fingerprint)
    }) {
        timings.note(
            "fingerprint",
            "nothing changed since the last build: the output was left as it is".to_string(),
        );
        return Ok(BuildSummary {
            report: same.report,
            files: same.files,
            domains: same.domains,
            unchanged: true,
            timings,
        });
    }
    // Loaded as `check` loads it, so the two report the same problems.
    let (site, mut problems) = Site::load_from(config, true, &timings);
    let links = site.as_ref().map(LinkSink::new);
    let staging = match (&site, &links) {
        (Some(site), Some(links)) if !problems.iter().any(Diagnostic::is_error) => {
            let mut staging = timings.stage("swap", || Staging::create_in(locked))?;
            let files = DirSink::reusing(staging.dir.clone(), staging.previous());
            problems
                .extend(timings.stage("render", || site.render_all(&output::Both(&files, links))));
            timings.note(
                "render",
                format!(
                    "written as rendered: {:.1} ms of thread time; {} unchanged files linked from the last output",
                    files.write_time().as_secs_f64() * 1e3,
                    files.reused()
                ),
            );
            problems.extend(files.finish());
            Some(staging)
        }
        // Nothing will be written: render only what the link check needs.
        (Some(site), Some(links)) => {
            problems.extend(timings.stage("render", || site.render_all(links)));
            None
        }
        _ => None,
    };
    let report = timings
        .stage("check", || {
            check::validate(
                &options.root,
                site.as_ref(),
                problems,
                links,
                &options.output,
            )
        })
        .report;
    let (Some(site), Some(staging)) = (site, staging) else {
        return Ok(failed_with(report, timings));
    };
    if report.has_errors() {
        staging.abandon();
        return Ok(failed_with(report, timings));
    }
    let locked = match timings.stage("swap", || staging.commit()) {
        Ok(locked) => locked,
        Err(problem) => return Ok(failed(vec![problem], timings)),
    };
    let files = site.output_count();
    let domains: Vec<String> = site
        .model
        .config
        .regions
        .iter()
        .map(|r| r.domain.clone())
        .collect();
    timings.stage("fingerprint", || {
        unchanged::remember(locked.target(), &fingerprint, &report, files, &domains)
    });
    drop(locked);
    // A rule table holds a few allocations per rule (100,000 rows make half a
    // million): freed on every core, not one after the other at the return.
    if let Ok(tables) = Arc::try_unwrap(site.redirects) {
        tables.into_par_iter().for_each(drop);
    }
    Ok(BuildSummary {
        files,
        domains,
        unchanged: false,
        report,
        timings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_classified_by_the_input_they_touch() {
        let root = Path::new("/site");
        let paths = |list: &[&str]| list.iter().map(|p| root.join(p)).collect::<Vec<_>>();
        let pages = paths(&["content/en/index.md", "content/fr-FR/aide.md"]);
        assert_eq!(
            InputChange::classify(root, &pages),
            InputChange::Pages(pages.clone())
        );
        let ftl = paths(&["locales/en/main.ftl"]);
        assert_eq!(
            InputChange::classify(root, &ftl),
            InputChange::Translations(ftl.clone())
        );
        let theme = paths(&[
            "themes/notice/static/style.css",
            "themes/notice/templates/base.html",
        ]);
        assert_eq!(InputChange::classify(root, &theme), InputChange::Theme);
        // Saves of several kinds during one rebuild: each kind in turn.
        assert_eq!(
            InputChange::classify(
                root,
                &paths(&["content/en/index.md", "locales/en/main.ftl"])
            ),
            InputChange::Several(vec![
                InputChange::Translations(paths(&["locales/en/main.ftl"])),
                InputChange::Pages(paths(&["content/en/index.md"])),
            ])
        );
        for other in [
            paths(&["site.yaml"]),
            paths(&["redirects/campaigns.csv"]),
            paths(&["content/en/index.md", "site.yaml"]),
            paths(&["content/en"]),
        ] {
            assert_eq!(
                InputChange::classify(root, &other),
                InputChange::Everything,
                "{other:?}"
            );
        }
    }
}
