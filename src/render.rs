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
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use fluent_bundle::{FluentArgs, FluentValue};
use pulldown_cmark::{html, Parser};
use serde::Serialize;
use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

use crate::config::{Locale, Region, SiteConfig};
use crate::content::{Content, SourcePage};
use crate::diagnostics::{did_you_mean, Diagnostic, Outcome, SourceFile, Span};
use crate::i18n::Translations;
use crate::plan::{locale_root, PageJob, Plan};
use crate::theme::Theme;

/// Everything a page needs to know about the rest of the site, computed once.
pub struct Model {
    pub config: SiteConfig,
    pub content: Content,
    pub plan: Plan,
    pub translations: Arc<Translations>,
    pub theme: Arc<Theme>,
    regions: Vec<Value>,
    /// (region, locale) -> its top-level pages in navigation order.
    navs: BTreeMap<(usize, Locale), Vec<NavItem>>,
    language_names: BTreeMap<Locale, String>,
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
    name: String,
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
        let language_names = config
            .locales()
            .into_iter()
            .map(|l| {
                let name = translations.language_name(&l);
                (l, name)
            })
            .collect();
        Model {
            config,
            content,
            plan,
            translations,
            theme,
            regions,
            navs,
            language_names,
        }
    }

    pub fn language_name(&self, locale: &Locale) -> String {
        self.language_names
            .get(locale)
            .cloned()
            .unwrap_or_else(|| locale.to_string())
    }

    pub fn region(&self, index: usize) -> &Region {
        &self.config.regions[index]
    }

    pub fn source(&self, job: &PageJob) -> &SourcePage {
        self.content
            .page(&job.source_locale, &job.name)
            .expect("the plan only holds pages that exist")
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
            item.current = current == Some(item.name.as_str());
        }
        items
    }

    fn alternates(&self, job: &PageJob) -> Vec<Alternate> {
        self.plan
            .translations(&job.name)
            .map(|other| Alternate {
                region: self.region(other.region).id.to_string(),
                locale: other.locale.to_string(),
                hreflang: other.locale.to_string(),
                url: self.url(other.region, &other.dir.dir_url()),
                language_name: self.language_name(&other.locale),
                current: other.region == job.region && other.locale == job.locale,
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
            .map(|job| self.url(index, &job.dir.dir_url()))
            .unwrap_or_default()
    }
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
    let mut navs: BTreeMap<(usize, Locale), Vec<(i64, NavItem)>> = BTreeMap::new();
    for job in &plan.jobs {
        let Some(source) = content.page(&job.source_locale, &job.name) else {
            continue;
        };
        if source.slug.depth() > 1 {
            continue;
        }
        let path = job.dir.dir_url();
        navs.entry((job.region, job.locale.clone()))
            .or_default()
            .push((
                source.weight,
                NavItem {
                    name: job.name.clone(),
                    title: source.title.clone(),
                    nav_title: source
                        .nav_title
                        .clone()
                        .unwrap_or_else(|| source.title.clone()),
                    url: format!("https://{}{}", config.regions[job.region].domain, path),
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
    bodies: Tera,
    /// Translation problems raised inside `t()` during rendering, with `.ftl` positions.
    translate_problems: Arc<Mutex<Vec<Diagnostic>>>,
}

/// Where template names point, for error snippets.
struct TemplateSources<'a> {
    theme: &'a Theme,
    content: &'a Content,
}

impl TemplateSources<'_> {
    /// The file and the 1-based line at which the template's text starts in it.
    fn find(&self, name: &str) -> Option<(SourceFile, usize)> {
        if let Some(file) = self.theme.templates.get(name) {
            return Some((file.clone(), 1));
        }
        self.content
            .all()
            .find(|p| &*p.file.name == name)
            .map(|p| (p.file.clone(), p.body_line))
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
        );
        let sources = TemplateSources {
            theme: &model.theme,
            content: &model.content,
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
            problems.push(tera_diagnostic(&error, &sources));
        }

        let body_tera = || {
            let mut tera = Tera::new();
            tera.register_from(&functions);
            tera.autoescape_on(Vec::<&str>::new());
            tera
        };
        let pages: Vec<&SourcePage> = model.content.all().filter(|p| !p.draft).collect();
        let mut bodies = body_tera();
        // One batch: Tera re-checks every template on each add, so adding pages one
        // by one would be quadratic. Only when the batch fails are the pages parsed
        // alone, to report every broken one rather than the first.
        if bodies
            .add_raw_templates(pages.iter().map(|p| (&*p.file.name, p.body())))
            .is_err()
        {
            for page in &pages {
                if let Err(error) = body_tera().add_raw_template(&page.file.name, page.body()) {
                    problems.push(tera_diagnostic(&error, &sources));
                }
            }
        }
        if problems.is_empty() {
            Ok(Renderer {
                templates,
                bodies,
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
        let source = model.source(job);
        let mut context = model.base_context(job.region, &job.locale);
        let body = self
            .bodies
            .render(&source.file.name, &context)
            .map_err(|e| self.failure(&e, model))?;
        let page_url = model.url(job.region, &job.dir.dir_url());
        let mut page = Value::from_serializable(&PageView {
            name: &job.name,
            title: &source.title,
            description: &source.description,
            path: job.dir.dir_url(),
            url: page_url.clone(),
            weight: source.weight,
        })
        .into_map()
        .expect("a struct serializes to a map");
        page.insert(
            "content".into(),
            Value::safe_string(&markdown_to_html(&body, model.config.raw_html)),
        );
        context.insert_value("page", Value::from(page));
        context.insert("canonical", &page_url);
        context.insert("nav", &model.nav(job.region, &job.locale, Some(&job.name)));
        context.insert("translations", &model.alternates(job));
        context.insert("x_default", &model.x_default(&job.name));
        self.render_template(&source.template, &context, model, Some(source))
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
                language_name: model.language_name(locale),
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
        context.insert("nav", &model.nav(region, locale, None));
        context.insert("translations", &model.home_alternates(region, locale));
        context.insert("x_default", "");
        self.render_template("404.html", &context, model, None)
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
        let sources = TemplateSources {
            theme: &model.theme,
            content: &model.content,
        };
        let mut problems = vec![tera_diagnostic(error, &sources)];
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
    weight: i64,
}

/// CommonMark plus tables, footnotes and strikethrough, with the site's raw HTML
/// policy applied. Smart punctuation stays off: it only knows English quotes, and
/// French writes « ».
pub fn markdown_to_html(markdown: &str, raw_html: RawHtml) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    let events =
        Parser::new_ext(markdown, raw_html::markdown_options()).map(|e| raw_html.events(e));
    html::push_html(&mut out, events);
    raw_html.apply(&out)
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

fn register_functions(
    tera: &mut Tera,
    translations: Arc<Translations>,
    theme: Arc<Theme>,
    problems: Arc<Mutex<Vec<Diagnostic>>>,
) {
    for (name, markup) in [("t", false), ("t_markup", true)] {
        let translations = translations.clone();
        let problems = problems.clone();
        tera.register_function(name, move |kwargs: Kwargs, state: &State| {
            translate(&translations, &problems, &kwargs, state, markup)
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
    tera.register_filter("date", move |value: String, _: Kwargs, state: &State| {
        let locale = page_locale(state)?;
        dates
            .formats(&locale)
            .date(&value)
            .map_err(|e| tera::Error::message(with_help(&e, DATE_HELP)))
    });
    let numbers = translations;
    tera.register_filter("number", move |value: Value, _: Kwargs, state: &State| {
        let locale = page_locale(state)?;
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
) -> TeraResult<Value> {
    let locale = page_locale(state)?;
    let key: String = kwargs.must_get("key")?;
    let attribute: Option<String> = kwargs.get("attr")?;
    let args = fluent_args(kwargs);
    match translations.format(&locale, &key, attribute.as_deref(), Some(&args)) {
        Ok(text) if markup => Ok(Value::safe_string(&text)),
        // In a Markdown body nothing escapes after us, so escape here: translations
        // are text unless a template asks for markup.
        Ok(text) if !state.autoescaping_enabled() => Ok(Value::normal_string(&escape(&text))),
        Ok(text) => Ok(Value::normal_string(&text)),
        Err(error) => {
            if error.diagnostic.span.is_some() {
                if let Ok(mut found) = problems.lock() {
                    found.push(*error.diagnostic.clone());
                }
            }
            let help = error.diagnostic.help.clone().unwrap_or_default();
            Err(tera::Error::message(with_help(&error.summary, &help)))
        }
    }
}

/// A Tera error as a diagnostic pointing into the template or page file.
fn tera_diagnostic(error: &tera::Error, sources: &TemplateSources) -> Diagnostic {
    use tera::ErrorKind;
    let (code, report) = match error.kind() {
        ErrorKind::SyntaxError(report) => ("render::syntax", report),
        ErrorKind::RenderingError(report) => ("render::failed", report),
        other => {
            return Diagnostic::error("render::failed", other.to_string())
                .help("check the template names in {% extends %} and {% include %}");
        }
    };
    let (message, help) = match report.message().split_once(HELP_SEPARATOR) {
        Some((message, help)) => (message.to_string(), help.to_string()),
        None => (
            report.message().to_string(),
            template_help(report.message()),
        ),
    };
    let Some((file, first_line)) = sources.find(report.filename()) else {
        return Diagnostic::error(code, message)
            .in_file(report.filename())
            .help(help);
    };
    let span = report.span();
    let line = span.start_line.max(1) + first_line - 1;
    let len = if span.end_line == span.start_line {
        span.end_col.saturating_sub(span.start_col)
    } else {
        1
    };
    Diagnostic::error(code, message)
        .at(Span::at_line_col(
            &file,
            line,
            span.start_col + 1,
            len.max(1),
        ))
        .help(help)
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
