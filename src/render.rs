//! Pages from content, translations and templates.
//!
//! Two Tera instances are built once per build: one with the theme's templates
//! (autoescape on for `.html`/`.xml`), one with every page body (Markdown, not
//! escaped: its output is Markdown source, and `t()` escapes translations itself so
//! Markdown shows them as text). Both get the same functions: `t`, `t_markup`,
//! `asset` and the `date`/`number` filters, which read the page's locale from the
//! render context. Rendering one page needs nothing but the shared, read-only
//! [`Renderer`] and [`Model`], so pages render in parallel and one page can be redone
//! alone.

use crate::raw_html::{self, RawHtml};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use fluent_bundle::{FluentArgs, FluentValue};
use pulldown_cmark::{html, Event, Parser, Tag};
use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

use crate::config::{Locale, Region, SiteConfig};
use crate::content::{Content, FrontTexts, PageHead, SourcePage};
use crate::diagnostics::{did_you_mean, Diagnostic, Outcome, SourceFile, Span};
use crate::i18n::{names, Translations};
use crate::media::{self, Media, Picture};
use crate::paths::SitePath;
use crate::plan::{locale_root, PageJob, Plan};
use crate::theme::Theme;

mod template_errors;

/// Everything a page needs to know about the rest of the site, computed once.
/// A copy shares the site's parts: the preview copies it when a page body
/// changes, with the new page in its `content`.
#[derive(Clone)]
pub struct Model {
    pub config: SiteConfig,
    pub content: Arc<Content>,
    pub plan: Arc<Plan>,
    pub translations: Arc<Translations>,
    pub theme: Arc<Theme>,
    pub media: Arc<Media>,
    regions: Vec<Value>,
    /// The ids the theme's templates write (`main`): heading ids avoid them.
    reserved_ids: BTreeSet<String>,
    /// (region, locale) -> its top-level pages in navigation order.
    navs: BTreeMap<(usize, Locale), Vec<NavItem>>,
    /// (region, locale) -> its name in the language switcher, told apart from
    /// every other region's.
    switcher_names: BTreeMap<(usize, Locale), String>,
    /// (region, locale) -> its name on the region's language choice page.
    choice_names: BTreeMap<(usize, Locale), String>,
}

#[derive(Serialize)]
struct SiteView<'a> {
    brand: &'a str,
    reference_locale: &'a str,
}

#[derive(Serialize)]
struct RegionView<'a> {
    id: &'a str,
    domain: &'a str,
    new_home: &'a str,
    base_url: String,
    locales: Vec<&'a str>,
    values: &'a BTreeMap<String, String>,
}

#[derive(Serialize, Clone)]
struct NavItem {
    #[serde(skip)]
    name: Arc<str>,
    title: String,
    /// The menu label: the page's `nav_title`, or its title.
    nav_title: String,
    path: String,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct Alternate {
    region: String,
    locale: String,
    hreflang: String,
    url: String,
    language_name: String,
    current: bool,
}

#[derive(Serialize)]
struct Choice {
    locale: String,
    language_name: String,
    url: String,
}

impl Model {
    pub fn new(
        config: SiteConfig,
        content: Content,
        plan: Plan,
        translations: Arc<Translations>,
        theme: Arc<Theme>,
        media: Arc<Media>,
    ) -> Self {
        let regions = config
            .regions
            .iter()
            .map(|r| {
                Value::from_serializable(&RegionView {
                    id: r.id.as_str(),
                    domain: &r.domain,
                    new_home: &r.new_home,
                    base_url: r.base_url(),
                    locales: r.locales.iter().map(Locale::as_str).collect(),
                    values: &r.values,
                })
            })
            .collect();
        let navs = navs(&config, &content, &plan);
        let every: Vec<(usize, Locale)> = config
            .regions
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.locales.iter().map(move |l| (i, l.clone())))
            .collect();
        let switcher_names = language_labels(&config, &every);
        let mut choice_names = BTreeMap::new();
        for (index, region) in config.regions.iter().enumerate() {
            let own: Vec<(usize, Locale)> =
                region.locales.iter().map(|l| (index, l.clone())).collect();
            choice_names.extend(language_labels(&config, &own));
        }
        let reserved_ids = theme
            .templates
            .values()
            .flat_map(|file| crate::check::links::attribute_values(&file.text, &["id"]))
            .filter(|id| !id.contains(['{', '}']))
            .collect();
        Model {
            config,
            content: Arc::new(content),
            plan: Arc::new(plan),
            translations,
            theme,
            media,
            regions,
            reserved_ids,
            navs,
            switcher_names,
            choice_names,
        }
    }

    /// The name of a region's locale in the language switcher.
    pub fn language_name(&self, region: usize, locale: &Locale) -> String {
        self.switcher_names
            .get(&(region, locale.clone()))
            .cloned()
            .unwrap_or_else(|| names::language_autonym(locale.as_str()))
    }

    pub fn region(&self, index: usize) -> &Region {
        &self.config.regions[index]
    }

    /// The page a job shows, read back whole: see [`Model::head`].
    pub fn source(&self, job: &PageJob) -> Cow<'_, SourcePage> {
        self.content
            .page_placed(
                self.plan.source_locale(job),
                self.plan.name(job),
                job.source_at,
            )
            .expect("the plan only holds pages that exist")
    }

    /// What is known of the page a job shows without reading it back.
    pub fn head(&self, job: &PageJob) -> PageHead<'_> {
        self.content
            .head_placed(
                self.plan.source_locale(job),
                self.plan.name(job),
                job.source_at,
            )
            .expect("the plan only holds pages that exist")
    }

    /// The folder of a job's page (`/fr-be/garantie/`).
    pub fn page_dir(&self, job: &PageJob) -> SitePath {
        self.plan.dir(job, &self.config, self.head(job).slug)
    }

    /// The file of a job's page (`/fr-be/garantie/index.html`).
    pub fn page_output(&self, job: &PageJob) -> SitePath {
        PageJob::output_in(&self.page_dir(job))
    }

    /// The address of a job's page (`https://poco.fr/garantie/`).
    pub fn page_url(&self, job: &PageJob) -> String {
        self.url(job.region(), &self.page_dir(job).dir_url())
    }

    pub fn url(&self, region: usize, path: &str) -> String {
        format!("https://{}{}", self.region(region).domain, path)
    }

    fn base_context(&self, region: usize, locale: &Locale) -> Context {
        let mut context = Context::new();
        context.insert(
            "site",
            &SiteView {
                brand: &self.config.brand,
                reference_locale: self.config.reference_locale.as_str(),
            },
        );
        context.insert_value("region", self.regions[region].clone());
        context.insert("values", &self.region(region).values);
        context.insert("brand", &self.config.brand);
        context.insert("locale", locale.as_str());
        context.insert("lang", locale.as_str());
        let home = locale_root(self.region(region), locale).dir_url();
        context.insert("home", &self.url(region, &home));
        context
    }

    fn nav(&self, region: usize, locale: &Locale, current: Option<&str>) -> Vec<NavItem> {
        let mut items = self
            .navs
            .get(&(region, locale.clone()))
            .cloned()
            .unwrap_or_default();
        for item in &mut items {
            item.current = current == Some(&*item.name);
        }
        items
    }

    fn alternates(&self, job: &PageJob) -> Vec<Alternate> {
        self.plan
            .translations(self.plan.name(job))
            .map(|other| {
                let locale = self.plan.locale(other);
                Alternate {
                    region: self.region(other.region()).id.to_string(),
                    locale: locale.to_string(),
                    hreflang: locale.to_string(),
                    url: self.page_url(other),
                    language_name: self.language_name(other.region(), locale),
                    current: other == job,
                }
            })
            .collect()
    }

    /// The language switcher of the not-found page, which has no translations of
    /// its own: the home page of every region and locale, this one marked current.
    fn home_alternates(&self, region: usize, locale: &Locale) -> Vec<Alternate> {
        self.plan
            .job(region, locale, "index")
            .map(|home| self.alternates(home))
            .unwrap_or_default()
    }

    fn x_default(&self, name: &str) -> String {
        let Some(region) = self.config.x_default_region() else {
            return String::new();
        };
        let index = self
            .config
            .regions
            .iter()
            .position(|r| r.id == region.id)
            .unwrap_or(0);
        let locale = if region.locales.contains(&self.config.reference_locale) {
            &self.config.reference_locale
        } else {
            &region.locales[0]
        };
        self.plan
            .job(index, locale, name)
            .map(|job| self.page_url(job))
            .unwrap_or_default()
    }
}

/// Names for language links, from CLDR: each language by its own name
/// ("Deutsch"). Where several entries share a language, each also names its
/// region: the region's `name` from site.yaml when the entries come from
/// different regions, else CLDR's name for the tag's region ("English (United
/// Kingdom)", "English (International)"). An entry left without a qualifier
/// keeps the bare name, unless another one is too: then both get their domain.
fn language_labels(
    config: &SiteConfig,
    entries: &[(usize, Locale)],
) -> BTreeMap<(usize, Locale), String> {
    let language = |l: &Locale| names::language_of(l.as_str());
    let qualifier = |(region, locale): &(usize, Locale)| -> Option<String> {
        let peers = entries
            .iter()
            .filter(|(r, l)| language(l) == language(locale) && (r, l) != (region, locale));
        let mut peers = peers.peekable();
        peers.peek()?;
        let other_regions = peers.all(|(other, _)| other != region);
        config.regions[*region]
            .name
            .clone()
            .filter(|_| other_regions)
            .or_else(|| names::region_in_own_language(locale.as_str()))
    };
    let qualifiers: Vec<Option<String>> = entries.iter().map(qualifier).collect();
    entries
        .iter()
        .zip(&qualifiers)
        .map(|((region, locale), qualifier)| {
            let base = names::language_autonym(locale.as_str());
            let shares_bare_name = qualifier.is_none()
                && entries.iter().zip(&qualifiers).any(|((r, l), q)| {
                    q.is_none() && language(l) == language(locale) && (r, l) != (region, locale)
                });
            let label = match qualifier {
                Some(qualifier) => format!("{base} ({qualifier})"),
                None if shares_bare_name => {
                    format!("{base} ({})", config.regions[*region].domain)
                }
                None => base,
            };
            ((*region, locale.clone()), label)
        })
        .collect()
}

/// Navigation lists the top-level pages of each region and locale (slug of one
/// segment, or the home page) by weight, then name. Deeper pages (`products/x`) stay
/// out, so a site with thousands of pages keeps a short menu and each page's
/// context stays small.
fn navs(
    config: &SiteConfig,
    content: &Content,
    plan: &Plan,
) -> BTreeMap<(usize, Locale), Vec<NavItem>> {
    let mut navs: BTreeMap<(usize, Locale), Vec<(i32, NavItem)>> = BTreeMap::new();
    for job in &plan.jobs {
        let name = plan.name(job);
        let Some(head) = content.head_placed(plan.source_locale(job), name, job.source_at) else {
            continue;
        };
        if head.slug.depth() > 1 {
            continue;
        }
        // The menu's pages are held in memory, as loading leaves them.
        let Some(texts) = head.held().and_then(|page| page.texts().ok()) else {
            continue;
        };
        let path = plan.dir(job, config, head.slug).dir_url();
        navs.entry((job.region(), plan.locale(job).clone()))
            .or_default()
            .push((
                texts.weight(),
                NavItem {
                    name: name.into(),
                    title: texts.title().to_string(),
                    nav_title: texts.nav_title().unwrap_or(texts.title()).to_string(),
                    url: format!("https://{}{}", config.regions[job.region()].domain, path),
                    path,
                    current: false,
                },
            ));
    }
    navs.into_iter()
        .map(|(key, mut items)| {
            items.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
            (key, items.into_iter().map(|(_, item)| item).collect())
        })
        .collect()
}

/// The parsed templates and page bodies with handover's functions.
pub struct Renderer {
    templates: Tera,
    /// Handover's functions, without templates: a page body that uses template
    /// syntax is parsed and rendered by it when its page is rendered, then
    /// dropped, so the site's bodies are never held parsed all at once.
    bodies: Tera,
    /// The titles and descriptions that use placeholders, as `<file>#title` and
    /// `<file>#description`: rendered as plain text, which templates escape.
    front: Tera,
    /// Translation problems raised inside `t()` during rendering, with `.ftl` positions.
    translate_problems: Arc<Mutex<Vec<Diagnostic>>>,
}

/// Where template names point, for error snippets.
struct TemplateSources<'a> {
    theme: &'a Theme,
    content: &'a Content,
    /// The whole file of the page whose body Tera rendered as its one-off
    /// template, if any, and the body's first line.
    body: Option<(&'a SourceFile, usize)>,
}

/// The name Tera gives a template rendered with `render_str`.
const ONE_OFF_TEMPLATE: &str = "__tera_one_off";

impl TemplateSources<'_> {
    /// The file, and the 1-based line and 0-based column at which the
    /// template's text starts in it.
    fn find(&self, name: &str) -> Option<(SourceFile, usize, usize)> {
        if let Some(file) = self.theme.templates.get(name) {
            return Some((file.clone(), 1, 0));
        }
        if let (ONE_OFF_TEMPLATE, Some((file, line))) = (name, self.body) {
            return Some((file.clone(), line, 0));
        }
        if let Some((file, key)) = name.rsplit_once('#') {
            let page = self.content.by_file(file)?;
            let (line, column) = page.value_start(key);
            return Some((page.source(), line, column));
        }
        self.content.by_file(name).map(|p| {
            let source = p.source();
            let line = p.body_line(&source);
            (source, line, 0)
        })
    }
}

impl Renderer {
    pub fn new(model: &Model) -> Outcome<Renderer> {
        let translate_problems = Arc::new(Mutex::new(Vec::new()));
        let mut functions = Tera::new();
        register_functions(
            &mut functions,
            model.translations.clone(),
            model.theme.clone(),
            translate_problems.clone(),
            true,
        );
        let mut text_functions = Tera::new();
        register_functions(
            &mut text_functions,
            model.translations.clone(),
            model.theme.clone(),
            translate_problems.clone(),
            false,
        );
        let sources = TemplateSources {
            theme: &model.theme,
            content: &model.content,
            body: None,
        };

        let mut templates = Tera::new();
        templates.register_from(&functions);
        templates.autoescape_on([".html", ".htm", ".xml"]);
        let theme_sources = model
            .theme
            .templates
            .iter()
            .map(|(name, file)| (name.as_str(), &*file.text));
        let mut problems = Vec::new();
        if let Err(error) = templates.add_raw_templates(theme_sources) {
            problems.extend(tera_diagnostics(&error, &sources));
        }

        let mut bodies = Tera::new();
        bodies.register_from(&functions);
        bodies.autoescape_on(Vec::<&str>::new());
        let drafts = model.config.drafts;
        let mut front = Tera::new();
        front.register_from(&text_functions);
        front.autoescape_on(Vec::<&str>::new());
        // Only the pages whose texts have placeholders are read back: on a
        // large site most pages are on disk.
        let mut texts: Vec<(String, String)> = Vec::new();
        let with_placeholders = model
            .content
            .heads()
            .filter(|p| (drafts || !p.draft) && p.placeholders)
            .filter_map(|p| model.content.page(p.locale, p.name));
        for page in with_placeholders {
            let page_texts = match page.texts() {
                Ok(page_texts) => page_texts,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            let keyed = [
                ("title", Some(page_texts.title())),
                ("description", Some(page_texts.description())),
                ("nav_title", page_texts.nav_title()),
            ];
            for (key, text) in keyed {
                if let Some(text) = text.filter(|text| has_placeholder(text)) {
                    texts.push((format!("{}#{key}", page.file_name()), text.to_string()));
                }
            }
        }
        if front.add_raw_templates(texts.iter().cloned()).is_err() {
            for (name, text) in &texts {
                let mut alone = Tera::new();
                alone.register_from(&text_functions);
                if let Err(error) = alone.add_raw_template(name, text) {
                    problems.extend(tera_diagnostics(&error, &sources));
                }
            }
        }
        if problems.is_empty() {
            Ok(Renderer {
                templates,
                bodies,
                front,
                translate_problems,
            })
        } else {
            Err(problems)
        }
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.templates.contains_template(name)
    }

    /// Renders one page to HTML.
    pub fn page(&self, model: &Model, job: &PageJob) -> Outcome<String> {
        let read_back = model.source(job);
        let source: &SourcePage = &read_back;
        let (locale, name) = (model.plan.locale(job), model.plan.name(job));
        let mut context = model.base_context(job.region(), locale);
        let whole = source.whole_file().map_err(|problem| vec![problem])?;
        let written = &whole.text[source.body_offset()..];
        // Only the lines of a body that hold template syntax go through Tera:
        // the rest renders to itself, and Tera would read it all again.
        let body: std::borrow::Cow<str> = match template_lines(written) {
            None => written.into(),
            Some(lines) => {
                let first_line =
                    source.body_line(&whole) + written[..lines.start].matches('\n').count();
                let rendered = self
                    .bodies
                    .render_str(&written[lines.clone()], &context, false)
                    .map_err(|e| self.failure_in(&e, model, Some((&whole, first_line))))?;
                [&written[..lines.start], &rendered, &written[lines.end..]]
                    .concat()
                    .into()
            }
        };
        let texts = source.texts().map_err(|problem| vec![problem])?;
        let title = self.front_text(model, source, texts, "title", &context)?;
        let description = self.front_text(model, source, texts, "description", &context)?;
        let path = model.page_dir(job).dir_url();
        let page_url = model.url(job.region(), &path);
        let mut page = Value::from_serializable(&PageView {
            name,
            title: &title,
            description: &description,
            path,
            url: page_url.clone(),
            weight: texts.weight(),
            updated: source.updated(),
        })
        .into_map()
        .expect("a struct serializes to a map");
        let file = source.file_name();
        let picture = |dest: &str| model.media.picture(&file, dest).cloned();
        let html = markdown_to_html(
            &body,
            &MarkdownContext {
                reserved_ids: &model.reserved_ids,
                picture: &picture,
                raw_html: model.config.raw_html,
            },
        );
        page.insert("content".into(), Value::safe_string(&html));
        context.insert_value("page", Value::from(page));
        context.insert("canonical", &page_url);
        context.insert("nav", &self.nav(model, job.region(), locale, Some(name)));
        context.insert("translations", &model.alternates(job));
        context.insert("x_default", &model.x_default(name));
        self.render_template(texts.template(), &context, model, Some(source))
    }

    /// The root of a multi-locale domain: a choice of languages, no automatic redirect.
    pub fn languages(&self, model: &Model, region: usize) -> Outcome<String> {
        let r = model.region(region);
        let first = &r.locales[0];
        let mut context = model.base_context(region, first);
        let choices: Vec<Choice> = r
            .locales
            .iter()
            .map(|locale| Choice {
                locale: locale.to_string(),
                language_name: model
                    .choice_names
                    .get(&(region, locale.clone()))
                    .cloned()
                    .unwrap_or_else(|| names::language_autonym(locale.as_str())),
                url: model.url(region, &locale_root(r, locale).dir_url()),
            })
            .collect();
        context.insert("choices", &choices);
        context.insert("canonical", &r.base_url());
        context.insert("nav", &Vec::<NavItem>::new());
        context.insert("translations", &Vec::<Alternate>::new());
        context.insert("x_default", &model.x_default("index"));
        self.render_template("languages.html", &context, model, None)
    }

    /// The not-found page of a region in one locale.
    pub fn not_found(&self, model: &Model, region: usize, locale: &Locale) -> Outcome<String> {
        let mut context = model.base_context(region, locale);
        context.insert("nav", &self.nav(model, region, locale, None));
        context.insert("translations", &model.home_alternates(region, locale));
        context.insert("x_default", "");
        self.render_template("404.html", &context, model, None)
    }

    /// A page's title or description in a region, its placeholders filled.
    fn front_text(
        &self,
        model: &Model,
        source: &SourcePage,
        texts: &FrontTexts,
        key: &str,
        context: &Context,
    ) -> Outcome<String> {
        let plain = || match key {
            "title" => texts.title().to_string(),
            "nav_title" => texts.nav_title().unwrap_or_default().to_string(),
            _ => texts.description().to_string(),
        };
        if !source.texts_have_placeholders() {
            return Ok(plain());
        }
        let name = format!("{}#{key}", source.file_name());
        if !self.front.contains_template(&name) {
            return Ok(plain());
        }
        self.front
            .render(&name, context)
            .map_err(|e| self.failure(&e, model))
    }

    /// The navigation of a region and locale, with each page's title filled in
    /// for the region. A title that fails is reported by its own page; here it
    /// stays as written.
    fn nav(
        &self,
        model: &Model,
        region: usize,
        locale: &Locale,
        current: Option<&str>,
    ) -> Vec<NavItem> {
        let mut items = model.nav(region, locale, current);
        let context = model.base_context(region, locale);
        for item in &mut items {
            let source = model
                .plan
                .job(region, locale, &item.name)
                .and_then(|job| model.head(job).held());
            // A page on the menu is held in memory.
            if let Some((source, texts)) = source.and_then(|s| Some((s, s.texts().ok()?))) {
                item.title = self
                    .front_text(model, source, texts, "title", &context)
                    .unwrap_or_else(|_| without_placeholders(texts.title()));
                item.nav_title = match texts.nav_title() {
                    Some(label) => self
                        .front_text(model, source, texts, "nav_title", &context)
                        .unwrap_or_else(|_| without_placeholders(label)),
                    None => item.title.clone(),
                };
            }
        }
        items
    }

    fn render_template(
        &self,
        name: &str,
        context: &Context,
        model: &Model,
        page: Option<&SourcePage>,
    ) -> Outcome<String> {
        if !self.templates.contains_template(name) {
            let known: Vec<&str> = self.templates.get_template_names().collect();
            let mut problem = Diagnostic::error(
                "render::no-template",
                format!("the theme has no template `{name}`"),
            )
            .help(format!(
                "{} (templates live in themes/{}/templates/)",
                did_you_mean(name, known.iter().copied()),
                model.config.theme
            ));
            if let Some(page) = page {
                problem = problem.at(page.key_span("template"));
            }
            return Err(vec![problem]);
        }
        self.templates
            .render(name, context)
            .map_err(|e| self.failure(&e, model))
    }

    /// A render error, plus the translation problems behind it.
    fn failure(&self, error: &tera::Error, model: &Model) -> Vec<Diagnostic> {
        self.failure_in(error, model, None)
    }

    /// A render error in a page body (Tera's one-off template; `body` is the
    /// page's whole file and the body's first line), or in a named template
    /// when `body` is `None`.
    fn failure_in(
        &self,
        error: &tera::Error,
        model: &Model,
        body: Option<(&SourceFile, usize)>,
    ) -> Vec<Diagnostic> {
        let sources = TemplateSources {
            theme: &model.theme,
            content: &model.content,
            body,
        };
        let mut problems = if is_translation_fault(error) {
            Vec::new()
        } else {
            tera_diagnostics(error, &sources)
        };
        if let Ok(mut found) = self.translate_problems.lock() {
            problems.append(&mut found);
        }
        problems
    }
}

#[derive(Serialize)]
struct PageView<'a> {
    name: &'a str,
    title: &'a str,
    description: &'a str,
    path: String,
    url: String,
    weight: i32,
    updated: Option<&'a str>,
}

/// Every `{{ ... }}` / `{% ... %}` left in rendered HTML, as written there
/// (entities decoded), at most one per distinct text.
pub fn unfilled_placeholders(html: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('{') {
        let tail = &rest[at..];
        let close = if tail.starts_with("{{") {
            "}}"
        } else if tail.starts_with("{%") {
            "%}"
        } else {
            rest = &tail[1..];
            continue;
        };
        let end = tail[2..]
            .find(close)
            .filter(|end| *end < 80 && !tail[2..2 + end].contains('\n'))
            .map_or(2, |end| end + 4);
        let text = unescape(&tail[..end]);
        if !found.contains(&text) {
            found.push(text);
        }
        rest = &tail[end..];
    }
    found
}

/// The error for a placeholder that reached `page` as text, at the first of
/// `sources` that holds it.
pub fn unfilled_diagnostic(leak: &str, sources: &[SourceFile], page: &str) -> Diagnostic {
    let diagnostic = Diagnostic::error(
        "render::unfilled",
        format!("`{leak}` reaches {page} as text: the placeholder was not filled"),
    );
    let found = sources.iter().find_map(|file| {
        file.text
            .find(leak)
            .map(|at| Span::new(file, at, leak.len()))
    });
    let Some(span) = found else {
        return diagnostic
            .in_file(format!("{page} (rendered)"))
            .help("remove the braces: placeholders are filled only in a page's text, title and description");
    };
    let name = span.file.name.to_string();
    let help = if name.ends_with(".ftl") {
        "Fluent writes a variable as `{ $name }`, not `{{ name }}`: see docs/translators.md"
    } else if name == crate::config::CONFIG_FILE {
        "a value in site.yaml is not a template: write the text itself"
    } else if name.ends_with(".md") {
        "placeholders are filled in a page's text, title and description unless inside `{% raw %}`: drop the raw block, or remove the braces (see docs/editors.md)"
    } else {
        "a template shows this as text (inside `{% raw %}`?): remove the braces"
    };
    diagnostic.at(span).help(help)
}

/// What turning one page's Markdown into HTML needs from the rest of the site.
pub struct MarkdownContext<'a> {
    /// Ids the theme's templates use (`main`): headings never take them.
    pub reserved_ids: &'a BTreeSet<String>,
    /// The picture for an image destination as written in the page.
    pub picture: &'a dyn Fn(&str) -> Option<Picture>,
    /// What happens to raw HTML the editor wrote.
    pub raw_html: RawHtml,
}

/// CommonMark plus tables, footnotes and strikethrough, with the site's raw HTML
/// policy applied. Smart punctuation stays off: it only knows English quotes, and
/// French writes « ».
///
/// Every heading gets an id from its text (`## Repairs` -> `repairs`, unique on
/// the page, the same in every build) so a section can be linked. Images get the
/// size and fingerprinted file [`crate::media`] found for them.
pub fn markdown_to_html(markdown: &str, page: &MarkdownContext) -> String {
    let mut events = PageEvents {
        parser: Parser::new_ext(markdown, raw_html::markdown_options()),
        pending: std::collections::VecDeque::new(),
        ids: page.reserved_ids.clone(),
        page,
        peeked: None,
        sanitize: false,
    };
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, &mut events);
    // The policy turns the editor's raw HTML into text (`escape`) before the
    // image tags below are added, which are handover's own.
    if events.sanitize {
        page.raw_html.apply(&out)
    } else {
        out
    }
}

/// A page's Markdown events as they are written to HTML: headings with their
/// ids and images with their size. Streamed rather than collected: only a
/// heading's or an image's own events wait, for the text their id or `alt`
/// is made of. The parser is read directly, not through iterator adapters
/// (a `map`, a `peekable`), each of which copied every event once more.
struct PageEvents<'a, 'p> {
    parser: Parser<'a>,
    /// Events already taken from `parser`, to give before the next of it.
    pending: std::collections::VecDeque<Event<'a>>,
    /// The ids the page holds so far.
    ids: BTreeSet<String>,
    page: &'p MarkdownContext<'p>,
    /// An event looked at after an image, to be given as the parser's next.
    peeked: Option<Event<'a>>,
    /// Whether the raw HTML policy found something to act on.
    sanitize: bool,
}

impl<'a> PageEvents<'a, '_> {
    /// The parser's next event, with the raw HTML policy applied.
    fn parsed(&mut self) -> Option<Event<'a>> {
        if let Some(event) = self.peeked.take() {
            return Some(event);
        }
        let mut event = self.parser.next()?;
        let acts = self.page.raw_html.apply_to_event(&mut event);
        self.sanitize = self.sanitize || acts;
        Some(event)
    }

    /// The parsed events up to and including the end of the element just
    /// started.
    fn until_end(&mut self) -> Vec<Event<'a>> {
        let mut depth = 0;
        let mut inner = Vec::new();
        while let Some(event) = self.parsed() {
            match &event {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => {
                    inner.push(event);
                    break;
                }
                Event::End(_) => depth -= 1,
                _ => {}
            }
            inner.push(event);
        }
        inner
    }

    /// A heading's start, given the id its text or `{#id}` asks for.
    fn heading(&mut self, mut heading: Tag<'a>) -> Event<'a> {
        let inner = self.until_end();
        if let Tag::Heading { id, .. } = &mut heading {
            let wanted = id
                .take()
                .map_or_else(|| slugify(&plain_text(&inner)), |id| id.to_string());
            *id = Some(unique_id(&wanted, &mut self.ids).into());
        }
        self.pending.extend(inner);
        Event::Start(heading)
    }

    fn image(&mut self, dest_url: &str, title: &str) -> Event<'a> {
        let alt = plain_text(&self.until_end());
        // `{width=600}` right after the image asks for a width.
        let mut width = None;
        match self.parsed() {
            Some(Event::Text(text)) => match media::width_suffix(&text) {
                Ok(Some((w, len))) => {
                    width = Some(w);
                    if len < text.len() {
                        self.pending
                            .push_back(Event::Text(text[len..].to_string().into()));
                    }
                }
                _ => self.peeked = Some(Event::Text(text)),
            },
            // Given next as if it had not been looked at: another image
            // right after this one is an image too.
            other => self.peeked = other,
        }
        Event::InlineHtml(image_html(dest_url, &alt, title, width, self.page).into())
    }
}

impl<'a> Iterator for PageEvents<'a, '_> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        if let Some(event) = self.pending.pop_front() {
            return Some(event);
        }
        match self.parsed()? {
            Event::Start(heading @ Tag::Heading { .. }) => Some(self.heading(heading)),
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => Some(self.image(&dest_url, &title)),
            other => Some(other),
        }
    }
}

/// The text of some events, as a reader sees it.
fn plain_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text
}

/// A heading's id: lowercase ASCII letters and digits joined by `-`, accents
/// dropped (`Réparations et garantie` -> `reparations-et-garantie`); letters of
/// other scripts are kept as they are.
pub fn slugify(text: &str) -> String {
    let decomposed = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd().normalize(text);
    let mut slug = String::new();
    let mut gap = false;
    for c in decomposed.chars() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue; // a combining accent, from the decomposition above
        }
        let replacement = match c {
            'ß' => Some("ss"),
            'æ' | 'Æ' => Some("ae"),
            'œ' | 'Œ' => Some("oe"),
            'ø' | 'Ø' => Some("o"),
            'ł' | 'Ł' => Some("l"),
            'đ' | 'Đ' => Some("d"),
            _ => None,
        };
        if c.is_alphanumeric() || replacement.is_some() {
            if gap && !slug.is_empty() {
                slug.push('-');
            }
            gap = false;
            match replacement {
                Some(r) => slug.push_str(r),
                None => slug.extend(c.to_lowercase()),
            }
        } else {
            gap = true;
        }
    }
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug
    }
}

/// `wanted`, or `wanted-1`, `wanted-2`... when the page already has it.
fn unique_id(wanted: &str, taken: &mut BTreeSet<String>) -> String {
    let mut id = wanted.to_string();
    let mut n = 0;
    while taken.contains(&id) {
        n += 1;
        id = format!("{wanted}-{n}");
    }
    taken.insert(id.clone());
    id
}

/// `<img>` with its size (and a `<picture>` when a WebP is offered).
fn image_html(
    dest: &str,
    alt: &str,
    title: &str,
    width: Option<u32>,
    page: &MarkdownContext,
) -> String {
    let picture = (page.picture)(dest);
    let (src, size) = match &picture {
        Some(p) => (p.src.clone(), Some((p.width, p.height))),
        None => (dest.to_string(), None),
    };
    let mut img = format!("<img src=\"{}\" alt=\"{}\"", escape(&src), escape(alt));
    match (size, width) {
        (Some((w, h)), _) => img.push_str(&format!(" width=\"{w}\" height=\"{h}\"")),
        (None, Some(w)) => img.push_str(&format!(" width=\"{w}\"")),
        (None, None) => {}
    }
    if !title.is_empty() {
        img.push_str(&format!(" title=\"{}\"", escape(title)));
    }
    img.push('>');
    match picture.and_then(|p| p.webp) {
        Some(webp) => format!(
            "<picture><source srcset=\"{}\" type=\"image/webp\">{img}</picture>",
            escape(&webp)
        ),
        None => img,
    }
}

/// Reads back text that [`escape`] (or an XML writer) escaped: the entities
/// pages, sitemaps and attributes use.
pub fn unescape(text: &str) -> String {
    // Most values hold no entity: one scan instead of eight copies.
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// HTML-escapes text (Tera's escaping, so pages and the serve overlay agree).
pub fn escape(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let _ = tera::escape_html(text, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

fn page_locale(state: &State) -> TeraResult<Locale> {
    let tag: String = state.get("locale")?.ok_or_else(|| {
        tera::Error::message("no `locale` in the context: t() only works in a page's templates")
    })?;
    tag.parse().map_err(tera::Error::message)
}

fn fluent_args(kwargs: &Kwargs) -> FluentArgs<'static> {
    let mut args = FluentArgs::new();
    for (key, value) in kwargs.iter() {
        let name = key.to_string();
        if name == "key" || name == "attr" {
            continue;
        }
        let fluent = if let Some(number) = value.as_f64() {
            FluentValue::from(number)
        } else if let Some(text) = value.as_str() {
            FluentValue::from(text.to_string())
        } else {
            FluentValue::from(value.to_string())
        };
        args.set(name, fluent);
    }
    args
}

/// The text with its placeholders removed: what navigation shows for a title
/// that failed (its own page reports why, so the build stops anyway).
fn without_placeholders(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let close = match &tail[..tail.len().min(2)] {
            "{{" => "}}",
            "{%" => "%}",
            _ => {
                out.push('{');
                rest = &tail[1..];
                continue;
            }
        };
        rest = tail.find(close).map_or("", |end| &tail[end + 2..]);
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a title or description uses a placeholder (`{{ ... }}`, `{% ... %}`).
pub fn has_placeholder(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// The whole lines of `text` that Tera must read, from the line of the first
/// `{{`, `{%` or `{#` to that of the last `}}`, `%}` or `#}`; `None` when there is
/// none of the three, and `text` renders to itself. The text around them holds
/// no tag, so Tera would copy it as it is, unless a whitespace control (`{{-`,
/// `-}}`) at the edge trims into it: then the range reaches that end of `text`.
fn template_lines(text: &str) -> Option<std::ops::Range<usize>> {
    // Found from each brace, which is rare in prose: one fast scan per kind,
    // not one search per delimiter.
    // memchr's scans, not str's: str searches backwards a byte at a time.
    let bytes = text.as_bytes();
    let mut openers = memchr::memchr_iter(b'{', bytes)
        .filter(|&at| matches!(bytes.get(at + 1), Some(b'{' | b'%' | b'#')));
    let first = openers.next()?;
    let last_open = openers.next_back().unwrap_or(first);
    let last_close = memchr::memrchr_iter(b'}', bytes)
        .find(|&at| at > 0 && matches!(bytes[at - 1], b'}' | b'%' | b'#'))
        .map(|at| at - 1);
    let start = match bytes.get(first + 2) == Some(&b'-') {
        true => 0,
        false => memchr::memrchr(b'\n', &bytes[..first]).map_or(0, |at| at + 1),
    };
    let end = match last_close {
        // An opener after the last closer is left for Tera to report.
        Some(close) if close > last_open && !text[..close].ends_with('-') => text[close..]
            .find('\n')
            .map_or(text.len(), |at| close + at + 1),
        _ => text.len(),
    };
    Some(start..end)
}

/// `for_markdown`: translations inserted without autoescape are escaped, because
/// Markdown shows them as text; plain-text instances (titles) leave that to the
/// template that shows them.
fn register_functions(
    tera: &mut Tera,
    translations: Arc<Translations>,
    theme: Arc<Theme>,
    problems: Arc<Mutex<Vec<Diagnostic>>>,
    for_markdown: bool,
) {
    for (name, markup) in [("t", false), ("t_markup", true)] {
        let translations = translations.clone();
        let problems = problems.clone();
        tera.register_function(name, move |kwargs: Kwargs, state: &State| {
            translate(
                &translations,
                &problems,
                &kwargs,
                state,
                markup,
                for_markdown,
            )
        });
    }
    tera.register_function("asset", move |kwargs: Kwargs, _: &State| {
        let path: String = kwargs.must_get("path")?;
        match theme.asset(&path) {
            Some(asset) => Ok(Value::normal_string(&asset.output.file_url())),
            None => Err(tera::Error::message(with_help(
                &format!("there is no static file `{path}` in the theme"),
                &did_you_mean(&path, theme.assets.keys().map(String::as_str)),
            ))),
        }
    });
    let dates = translations.clone();
    tera.register_filter("date", move |value: Value, _: Kwargs, state: &State| {
        let locale = page_locale(state)?;
        if value.is_undefined() {
            return Err(undefined_input(state));
        }
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_string);
        dates
            .formats(&locale)
            .date(&text)
            .map_err(|e| tera::Error::message(with_help(&e, DATE_HELP)))
    });
    let numbers = translations;
    tera.register_filter("number", move |value: Value, _: Kwargs, state: &State| {
        let locale = page_locale(state)?;
        if value.is_undefined() {
            return Err(undefined_input(state));
        }
        let text = match value.as_str() {
            Some(text) => text.to_string(),
            None => value.to_string(),
        };
        numbers
            .formats(&locale)
            .number(&text)
            .map_err(|e| tera::Error::message(with_help(&e, "pass a number such as 1234.5")))
    });
}

fn translate(
    translations: &Translations,
    problems: &Mutex<Vec<Diagnostic>>,
    kwargs: &Kwargs,
    state: &State,
    markup: bool,
    for_markdown: bool,
) -> TeraResult<Value> {
    let locale = page_locale(state)?;
    let key: String = kwargs.must_get("key")?;
    let attribute: Option<String> = kwargs.get("attr")?;
    let args = fluent_args(kwargs);
    match translations.format(&locale, &key, attribute.as_deref(), Some(&args)) {
        Ok(text) if markup => Ok(Value::safe_string(&text)),
        // In a Markdown body nothing escapes after us, so escape here: translations
        // are text unless a template asks for markup.
        Ok(text) if for_markdown && !state.autoescaping_enabled() => {
            Ok(Value::normal_string(&escape(&text)))
        }
        Ok(text) => Ok(Value::normal_string(&text)),
        Err(error) => {
            if error.diagnostic.span.is_some() {
                if let Ok(mut found) = problems.lock() {
                    found.push(*error.diagnostic.clone());
                }
            }
            if error.translation_at_fault {
                // The `.ftl` diagnostic above says it all; the marker tells
                // `Renderer::failure` not to blame the template too.
                return Err(tera::Error::message(format!(
                    "{TRANSLATION_AT_FAULT}{}",
                    error.summary
                )));
            }
            let help = error.diagnostic.help.clone().unwrap_or_default();
            Err(tera::Error::message(with_help(&error.summary, &help)))
        }
    }
}

/// A Tera error as diagnostics pointing into the template or page file.
fn tera_diagnostics(error: &tera::Error, sources: &TemplateSources) -> Vec<Diagnostic> {
    use tera::ErrorKind;
    let (code, report) = match error.kind() {
        ErrorKind::SyntaxError(report) => ("render::syntax", report),
        ErrorKind::RenderingError(report) => ("render::failed", report),
        ErrorKind::Msg(text) => {
            let reports = template_errors::text_reports(text);
            if reports.is_empty() {
                return vec![Diagnostic::error("render::failed", text.clone())
                    .help("see docs/site-format.md for what templates and pages can use")];
            }
            return reports
                .iter()
                .map(|report| text_report_diagnostic(report, sources))
                .collect();
        }
        ErrorKind::MissingParent { current, parent } => {
            return vec![missing_parent(current, parent, sources)];
        }
        other => {
            return vec![Diagnostic::error("render::failed", other.to_string())
                .help("check the template names in {% extends %} and {% include %}")];
        }
    };
    if code == "render::syntax" {
        if let Some(problem) = tag_diagnostic(report, sources) {
            return vec![problem];
        }
    }
    let (message, help) = match report.message().split_once(HELP_SEPARATOR) {
        Some((message, help)) => (message.to_string(), help.to_string()),
        None => (
            report.message().to_string(),
            template_help(report.message()),
        ),
    };
    let Some((file, first_line, first_column)) = sources.find(report.filename()) else {
        return vec![Diagnostic::error(code, message)
            .in_file(report.filename())
            .help(help)];
    };
    let span = report.span();
    let line = span.start_line.max(1) + first_line - 1;
    let shift = if span.start_line <= 1 {
        first_column
    } else {
        0
    };
    let len = if span.end_line == span.start_line {
        span.end_col.saturating_sub(span.start_col)
    } else {
        1
    };
    let mut at = Span::at_line_col(&file, line, span.start_col + 1 + shift, len.max(1));
    if message.contains(UNDEFINED_INPUT) {
        // Tera points at the first name of the value; show it up to its filter.
        let rest = &file.text[at.offset..];
        let end = rest.find(['|', '\n', '}']).unwrap_or(rest.len());
        at = Span::new(&file, at.offset, rest[..end].trim_end().len());
    }
    let written = &file.text[at.offset..at.offset + at.len];
    let (message, help) = undefined_input_problem(&message, written).unwrap_or((message, help));
    vec![Diagnostic::error(code, message).at(at).help(help)]
}

/// `{% extends "nope.html" %}`: at the name, with the theme's templates to choose
/// from.
fn missing_parent(current: &str, parent: &str, sources: &TemplateSources) -> Diagnostic {
    let known = sources.theme.templates.keys().map(String::as_str);
    let problem = Diagnostic::error(
        "render::syntax",
        format!("`{current}` extends `{parent}`, which the theme does not have"),
    )
    .help(did_you_mean(parent, known));
    let Some((file, _, _)) = sources.find(current) else {
        return problem.in_file(current);
    };
    match file.text.find(&format!("\"{parent}\"")) {
        Some(at) => problem.at(Span::new(&file, at, parent.len() + 2)),
        None => problem.in_file(file.name.to_string()),
    }
}

/// An unknown filter, test, function or template, which Tera reports as text.
fn text_report_diagnostic(
    report: &template_errors::TextReport,
    sources: &TemplateSources,
) -> Diagnostic {
    let mut message = report.message.clone();
    if let Some(first) = message.get(..1) {
        message = first.to_lowercase() + &message[1..];
    }
    let help = template_errors::unknown_name_help(&report.message)
        .unwrap_or_else(|| template_help(&report.message));
    let problem = Diagnostic::error("render::syntax", message).help(help);
    match sources.find(&report.template) {
        Some((file, first_line, first_column)) => {
            // A title's text starts after `title: ` on its line.
            let shift = if report.line <= 1 { first_column } else { 0 };
            problem.at(Span::at_line_col(
                &file,
                report.line + first_line - 1,
                report.column + shift,
                report.len,
            ))
        }
        None => problem.in_file(&report.template),
    }
}

/// Where Tera stopped at a tag it did not expect ("Unknown tag") or at the end of
/// the text: the tag left open (or the stray or misspelt one), at its own line.
fn tag_diagnostic(report: &tera::ReportError, sources: &TemplateSources) -> Option<Diagnostic> {
    let stopped_at_tag = report.message() == "Unknown tag";
    if !stopped_at_tag && !report.message().starts_with("Unexpected end of input") {
        return None;
    }
    let (file, first_line, first_column) = sources.find(report.filename())?;
    let base = file.offset_of(first_line, first_column + 1);
    // A page's body runs to the end of its file; a title or description is one
    // line.
    let end = if report.filename().contains('#') {
        file.text[base..]
            .find('\n')
            .map_or(file.text.len(), |i| base + i)
    } else {
        file.text.len()
    };
    let stop = stopped_at_tag.then(|| {
        let span = report.span();
        let shift = if span.start_line <= 1 {
            first_column
        } else {
            0
        };
        file.offset_of(
            span.start_line.max(1) + first_line - 1,
            span.start_col + 1 + shift,
        ) - base
    });
    let found = template_errors::tag_problem(&file.text[base..end], stop)?;
    Some(
        Diagnostic::error("render::syntax", found.message)
            .at(Span::new(&file, base + found.offset, found.len))
            .help(found.help),
    )
}

/// Starts the message of a `t()` error whose fix is in a `.ftl` file, reported
/// there already.
const TRANSLATION_AT_FAULT: &str = "\u{1}translation: ";

fn is_translation_fault(error: &tera::Error) -> bool {
    match error.kind() {
        tera::ErrorKind::RenderingError(report) => {
            report.message().starts_with(TRANSLATION_AT_FAULT)
        }
        tera::ErrorKind::Msg(message) => message.starts_with(TRANSLATION_AT_FAULT),
        _ => false,
    }
}

/// Marks a filter given an undefined value, followed by the region's value
/// names: Tera points such an error at the value as written, and
/// [`tera_diagnostics`] turns it into "`values.x` is not defined" with a
/// did-you-mean.
const UNDEFINED_INPUT: &str = "handover-undefined:";

fn undefined_input(state: &State) -> tera::Error {
    let names: Vec<String> = state
        .get::<Value>("values")
        .ok()
        .flatten()
        .and_then(|values| {
            values
                .as_map()
                .map(|m| m.keys().map(|k| k.to_string()).collect())
        })
        .unwrap_or_default();
    tera::Error::new(tera::ErrorKind::InvalidArgument {
        expected_type: format!("{UNDEFINED_INPUT}{}", names.join(",")),
        actual_type: "undefined".to_string(),
    })
}

/// The message and help for an undefined value given to a filter, from the
/// text Tera's span covers (`values.closing_dat`).
fn undefined_input_problem(message: &str, written: &str) -> Option<(String, String)> {
    let names = message.split(UNDEFINED_INPUT).nth(1)?.split('`').next()?;
    let names: Vec<&str> = names.split(',').filter(|n| !n.is_empty()).collect();
    let written = written.trim();
    let help = match written.strip_prefix("values.") {
        Some(field) => did_you_mean(field, names.iter().copied()),
        None => "check the spelling: pages can use `values.<name>` (the region's values in site.yaml), `brand` and `t(key=...)`; see docs/editors.md".to_string(),
    };
    Some((format!("`{written}` is not defined"), help))
}

/// Our functions' errors carry their own help after this marker; Tera keeps the
/// message as it is, so the diagnostic can split it again.
const HELP_SEPARATOR: &str = "\n= help: ";

const DATE_HELP: &str = "write the value as YYYY-MM-DD in site.yaml, e.g. \"2025-01-09\"";

fn with_help(message: &str, help: &str) -> String {
    format!("{message}{HELP_SEPARATOR}{help}")
}

/// Help for Tera's own errors.
fn template_help(message: &str) -> String {
    if let (Some(field), Some((_, available))) = (
        message
            .strip_prefix("Field `")
            .and_then(|m| m.split('`').next()),
        message.split_once("Available fields: "),
    ) {
        return did_you_mean(field, available.split(", ").map(str::trim));
    }
    if message.contains("is not defined") || message.contains("not found in context") {
        "check the spelling: pages can use `values.<name>` (the region's values in site.yaml), `region` and `t(key=...)`; see docs/site-format.md".to_string()
    } else if message.contains("Found") || message.contains("expected") {
        "fix the syntax here: Tera writes {{ expression }} and {% tag %}".to_string()
    } else {
        "see docs/site-format.md for what templates and pages can use".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_left_in_html_are_found_once_each_and_decoded() {
        let html = "<title>{{ brand }} &amp; {{ brand }}</title><p>{% if x %} {{ t(key=&quot;a&quot;) }} { not one } {{ unclosed";
        assert_eq!(
            unfilled_placeholders(html),
            ["{{ brand }}", "{% if x %}", "{{ t(key=\"a\") }}", "{{"]
        );
        assert!(unfilled_placeholders("<p>{a} } {</p>").is_empty());
    }

    #[test]
    fn only_text_with_a_placeholder_tag_or_comment_is_a_template() {
        for template in ["{{ brand }}", "a {% if x %}", "{# note #}"] {
            assert!(template_lines(template).is_some(), "{template}");
        }
        for text in ["plain", "a }} b %} c #}", "{ x }", "{", "100% {sure}"] {
            assert_eq!(template_lines(text), None, "{text}");
        }
    }

    /// Renders `text` whole, and as `Renderer::page` does: only its template
    /// lines through Tera.
    fn whole_and_by_lines(text: &str) -> (Result<String, String>, Result<String, String>) {
        let tera = Tera::new();
        let mut context = Context::new();
        context.insert("x", "X");
        context.insert("items", &["a", "b"]);
        let whole = tera
            .render_str(text, &context, false)
            .map_err(|e| format!("{e:?}"));
        let lines = template_lines(text).unwrap_or(text.len()..text.len());
        let by_lines = tera
            .render_str(&text[lines.clone()], &context, false)
            .map(|inner| [&text[..lines.start], &inner, &text[lines.end..]].concat())
            .map_err(|e| format!("{e:?}"));
        (whole, by_lines)
    }

    #[test]
    fn a_body_rendered_from_its_template_lines_is_the_body_rendered_whole() {
        let bodies = [
            "# Title\n\nSome text.\n\nPublished {{ x }}. More.\n\n## After\n\nText } and }} %} #}.\n",
            "{{ x }} at the start\nand text after\n",
            "text before\nat the end {{ x }}",
            "a\n\n  {{- x }} trims the lines before\nb\n",
            "a\n{{ x -}}\n\n  trims the lines after\n",
            "a\n{% for i in items %}\n- {{ i }}\n{% endfor %}\nz\n",
            "a\n{# a comment #}\nz\n",
            "a\n{% raw %}{{ x }} }} {% endraw %}\nz }}\n",
            "a\n{%- raw -%}\n {{ x }} \n{%- endraw -%}\n\nz\n",
            "a\n{{ x }}\nb {{ unclosed\nc\n",
            "a\n{% if true %}\nb\n",
            "a %} b\n{{ x }}\nc {{ x }} d\ne\n",
            "\r\na\r\n{{ x }}\r\nb\r\n",
        ];
        for body in bodies {
            let (whole, by_lines) = whole_and_by_lines(body);
            assert_eq!(
                whole.is_ok(),
                by_lines.is_ok(),
                "{body:?}: {whole:?} {by_lines:?}"
            );
            if whole.is_ok() {
                assert_eq!(whole, by_lines, "{body:?}");
            }
        }
        let lines = template_lines("one\ntwo {{ x }} three\nfour\n").unwrap();
        assert_eq!(lines, 4..22, "the whole line of the placeholder, no more");
    }

    #[test]
    fn a_failed_title_shows_in_navigation_without_its_placeholders() {
        assert_eq!(
            without_placeholders("Help until {{ values.x | date }} {% if y %}now"),
            "Help until now"
        );
        assert_eq!(without_placeholders("Plain {title}"), "Plain {title}");
    }

    fn html(markdown: &str, reserved: &[&str]) -> String {
        let reserved: BTreeSet<String> = reserved.iter().map(|s| s.to_string()).collect();
        let picture = |dest: &str| {
            (dest == "card.png").then(|| Picture {
                src: "/images/card.0123456789.png".to_string(),
                width: 8,
                height: 4,
                webp: None,
            })
        };
        markdown_to_html(
            markdown,
            &MarkdownContext {
                reserved_ids: &reserved,
                picture: &picture,
                raw_html: RawHtml::Sanitize,
            },
        )
    }

    #[test]
    fn headings_get_stable_unique_ids_from_their_text() {
        let out = html(
            "## Réparations & garantie\n\n## Main\n\n### Main\n\n## `code` *and* [a link](/x/)\n\n## !!!\n",
            &["main"],
        );
        assert!(out.contains("<h2 id=\"reparations-garantie\">"), "{out}");
        // `main` is the theme's own id: the headings take the next free ones.
        assert!(out.contains("<h2 id=\"main-1\">Main</h2>"), "{out}");
        assert!(out.contains("<h3 id=\"main-2\">Main</h3>"), "{out}");
        assert!(out.contains("<h2 id=\"code-and-a-link\">"), "{out}");
        assert!(out.contains("<h2 id=\"section\">"), "{out}");
        assert_eq!(out, html("## Réparations & garantie\n\n## Main\n\n### Main\n\n## `code` *and* [a link](/x/)\n\n## !!!\n", &["main"]));
    }

    #[test]
    fn slugs_drop_accents_and_keep_other_scripts() {
        assert_eq!(
            slugify("Was das für Sie bedeutet"),
            "was-das-fur-sie-bedeutet"
        );
        assert_eq!(slugify("Straße  &  Œuvre"), "strasse-oeuvre");
        assert_eq!(slugify("Contacter l’assistance"), "contacter-l-assistance");
        assert_eq!(slugify("Гарантия 2025"), "гарантия-2025");
    }

    #[test]
    fn images_get_their_size_and_a_width_suffix_is_consumed() {
        assert_eq!(
            html("![A card](card.png \"Card\") done", &[]),
            "<p><img src=\"/images/card.0123456789.png\" alt=\"A card\" width=\"8\" height=\"4\" title=\"Card\"> done</p>\n"
        );
        assert_eq!(
            html("![Far](https://x.example/a.png){width=300} after", &[]),
            "<p><img src=\"https://x.example/a.png\" alt=\"Far\" width=\"300\"> after</p>\n"
        );
        // The event looked at after an image is given as it would have been:
        // an image right after another, or text that asks for no width.
        assert_eq!(
            html("![A](https://x.example/a.png)![B](https://x.example/b.png){width=4}", &[]),
            "<p><img src=\"https://x.example/a.png\" alt=\"A\"><img src=\"https://x.example/b.png\" alt=\"B\" width=\"4\"></p>\n"
        );
        assert_eq!(
            html("![A](https://x.example/a.png) {width} and\n## After ![C](c.png)", &[]),
            "<p><img src=\"https://x.example/a.png\" alt=\"A\"> {width} and</p>\n<h2 id=\"after-c\">After <img src=\"c.png\" alt=\"C\" /></h2>\n"
        );
    }

    #[test]
    fn escaped_raw_html_is_text_and_sanitized_html_loses_what_is_not_allowed() {
        let page = |raw_html| {
            let reserved = BTreeSet::new();
            let picture = |_: &str| None;
            markdown_to_html(
                "<b>bold</b> <script>x()</script>\n\n[a](javascript:x())",
                &MarkdownContext {
                    reserved_ids: &reserved,
                    picture: &picture,
                    raw_html,
                },
            )
        };
        assert_eq!(
            page(RawHtml::Escape),
            "<p>&lt;b&gt;bold&lt;/b&gt; &lt;script&gt;x()&lt;/script&gt;</p>\n<p><a href=\"javascript:x()\">a</a></p>\n"
        );
        assert_eq!(
            page(RawHtml::Allow),
            "<p><b>bold</b> <script>x()</script></p>\n<p><a href=\"javascript:x()\">a</a></p>\n"
        );
        assert_eq!(
            page(RawHtml::Sanitize),
            "<p><b>bold</b> </p>\n<p><a>a</a></p>\n"
        );
    }

    #[test]
    fn a_leak_is_blamed_on_the_file_that_holds_it() {
        let ftl = SourceFile::new("locales/fr-FR/main.ftl", "cta = Aller chez {{ brand }}\n");
        let d = unfilled_diagnostic("{{ brand }}", &[ftl], "fr.po.co/index.html");
        assert_eq!(
            d.location_label().as_deref(),
            Some("locales/fr-FR/main.ftl:1:18")
        );
        assert!(d.help.unwrap().contains("{ $name }"));
    }
}
