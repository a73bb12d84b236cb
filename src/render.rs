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

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use fluent_bundle::{FluentArgs, FluentValue};
use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

use crate::config::{Locale, Region, SiteConfig};
use crate::content::{Content, FrontTexts, PageHead, SourcePage};
use crate::diagnostics::{did_you_mean, Diagnostic, Outcome, SourceFile, Span};
use crate::i18n::{names, Translations};
use crate::media::Media;
use crate::paths::SitePath;
use crate::plan::{locale_root, PageJob, Plan};
use crate::theme::Theme;

mod markdown;
mod template_errors;

pub use markdown::{markdown_to_html, slugify, MarkdownContext};
use template_errors::{tera_diagnostics, TemplateSources, HELP_SEPARATOR, UNDEFINED_INPUT};

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

const DATE_HELP: &str = "write the value as YYYY-MM-DD in site.yaml, e.g. \"2025-01-09\"";

fn with_help(message: &str, help: &str) -> String {
    format!("{message}{HELP_SEPARATOR}{help}")
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
