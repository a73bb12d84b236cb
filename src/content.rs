//! `content/<locale>/<name>.md`: pages, one file per page and locale.
//!
//! Front matter is split off at byte 0 (pulldown-cmark would also take a `---` block
//! in the middle of a document) and parsed with its line offset, so errors point at
//! the line in the whole file. The body stays as text: it is a Tera template rendered
//! per region before Markdown, so one French text serves every French-speaking
//! region with that region's links.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;

use crate::config::{Locale, SiteConfig};
use crate::diagnostics::{Diagnostic, Outcome, SourceFile, Span};
use crate::fs;
use crate::paths::SitePath;

pub const CONTENT_DIR: &str = "content";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrontMatter {
    title: String,
    description: String,
    #[serde(default)]
    nav_title: Option<String>,
    #[serde(default)]
    slug: Option<String>,
    #[serde(default)]
    weight: i64,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    draft: bool,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    updated: Option<String>,
}

/// An old URL on the page's domain that should lead to the page.
#[derive(Debug, Clone)]
pub struct Alias {
    pub path: String,
    pub span: Span,
}

/// One Markdown file, loaded and checked, not yet rendered.
#[derive(Debug, Clone)]
pub struct SourcePage {
    /// The file name without `.md`, shared by a page's translations (`index`, `warranty`).
    pub name: String,
    pub locale: Locale,
    pub file: SourceFile,
    pub title: String,
    pub description: String,
    /// A short label for the menu; the title when absent.
    pub nav_title: Option<String>,
    /// The path under the locale root (`garantie`, or empty for the home page).
    pub slug: SitePath,
    pub weight: i64,
    pub aliases: Vec<Alias>,
    pub draft: bool,
    pub template: String,
    /// When the text last changed in substance (`YYYY-MM-DD`): shown by the
    /// theme and written as the sitemap's `<lastmod>`.
    pub updated: Option<String>,
    /// Byte offset of the body in the file, and its 1-based first line.
    pub body_offset: usize,
    pub body_line: usize,
}

impl SourcePage {
    /// Same front matter: only the body differs, so no other page (navigation,
    /// sitemap, redirects) changes with it.
    pub fn same_front_matter(&self, other: &SourcePage) -> bool {
        let aliases = |p: &SourcePage| p.aliases.iter().map(|a| a.path.clone()).collect::<Vec<_>>();
        self.title == other.title
            && self.nav_title == other.nav_title
            && self.description == other.description
            && self.slug == other.slug
            && self.weight == other.weight
            && self.draft == other.draft
            && self.template == other.template
            && self.updated == other.updated
            && aliases(self) == aliases(other)
    }

    pub fn body(&self) -> &str {
        &self.file.text[self.body_offset..]
    }

    /// Where the value of `key:` starts: its 1-based line and 0-based column
    /// (after an opening quote), so a problem inside a title is shown at its
    /// place in the file.
    pub fn value_start(&self, key: &str) -> (usize, usize) {
        let front = &self.file.text[..self.body_offset];
        let Some(at) = front.find(&format!("\n{key}:")) else {
            return (1, 0);
        };
        let line_start = at + 1;
        let after_key = line_start + key.len() + 1;
        let rest = &front[after_key..];
        let mut value = after_key + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        if front[value..].starts_with(['"', '\'']) {
            value += 1;
        }
        let column = front[line_start..value].chars().count();
        (line_of(&self.file.text, line_start), column)
    }

    /// A span for the whole front matter's `key:` line, for page-level problems.
    pub fn key_span(&self, key: &str) -> Span {
        let front = &self.file.text[..self.body_offset];
        let needle = format!("\n{key}:");
        match front.find(&needle) {
            Some(at) => Span::new(&self.file, at + 1, key.len()),
            None => Span::new(&self.file, 0, 3),
        }
    }
}

/// All pages of the site, by locale and then name.
#[derive(Debug, Clone, Default)]
pub struct Content {
    pub pages: BTreeMap<Locale, BTreeMap<String, SourcePage>>,
}

impl Content {
    pub fn page(&self, locale: &Locale, name: &str) -> Option<&SourcePage> {
        self.pages.get(locale)?.get(name)
    }

    /// The names of every page in any locale, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .pages
            .values()
            .flat_map(|pages| pages.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub fn all(&self) -> impl Iterator<Item = &SourcePage> {
        self.pages.values().flat_map(|pages| pages.values())
    }

    /// Keeps a loaded page, or its problems.
    fn add(&mut self, loaded: Outcome<Option<SourcePage>>, problems: &mut Vec<Diagnostic>) {
        match loaded {
            Ok(Some(page)) => {
                self.pages
                    .entry(page.locale.clone())
                    .or_default()
                    .insert(page.name.clone(), page);
            }
            Ok(None) => {}
            Err(mut found) => problems.append(&mut found),
        }
    }
}

/// Reads `paths` again into `content`: a changed page replaces its old version, a
/// deleted one is removed. Returns the problems of the files read. `serve` uses
/// this to re-read only what was saved.
pub fn reload_files(
    config: &SiteConfig,
    content: &mut Content,
    paths: &[PathBuf],
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for path in paths {
        let shown = fs::shown_path(&config.root, path);
        for pages in content.pages.values_mut() {
            pages.retain(|_, page| *page.file.name != *shown);
        }
        if !path.is_file() || is_hidden(path) {
            continue;
        }
        if let Err(problem) = fs::check_inside(&config.root, path, &shown) {
            problems.push(problem);
            continue;
        }
        content.add(load_file(config, path), &mut problems);
    }
    content.pages.retain(|_, pages| !pages.is_empty());
    problems
}

/// Loads every page, collecting all problems.
pub fn load(config: &SiteConfig) -> Outcome<Content> {
    let (content, problems) = load_lenient(config);
    if problems.is_empty() {
        Ok(content)
    } else {
        Err(problems)
    }
}

/// Every page that loads, and the problems of those that do not (`check` goes on
/// with the good ones).
pub fn load_lenient(config: &SiteConfig) -> (Content, Vec<Diagnostic>) {
    let dir = config.root.join(CONTENT_DIR);
    let mut problems = Vec::new();
    let mut content = Content::default();
    if !dir.is_dir() {
        let problem = Diagnostic::error("content::missing", "there is no content/ folder")
            .in_file(CONTENT_DIR)
            .help("create content/<locale>/index.md for each locale");
        return (content, vec![problem]);
    }
    let (mut files, found) = fs::input_files(&config.root, &dir, usize::MAX);
    problems.extend(found);
    files.retain(|path| !is_hidden(path));
    // Parsed in parallel, gathered in the walk's sorted order.
    let loaded: Vec<Outcome<Option<SourcePage>>> = files
        .par_iter()
        .map(|path| load_file(config, path))
        .collect();
    for result in loaded {
        content.add(result, &mut problems);
    }
    (content, problems)
}

/// A Markdown file at the top of `content/` named in capitals (`README.md`,
/// `SOURCES.md`) is a note for the editors, not a page: pages live in locale
/// folders and their names are lowercase.
fn is_editors_note(file_name: &str) -> bool {
    file_name.strip_suffix(".md").is_some_and(|stem| {
        !stem.is_empty()
            && stem
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
            && stem.chars().any(|c| c.is_ascii_uppercase())
    })
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.') || n.ends_with('~'))
}

/// Loads one file; `Ok(None)` for files that are not pages.
fn load_file(config: &SiteConfig, path: &Path) -> Outcome<Option<SourcePage>> {
    let shown = fs::shown_path(&config.root, path);
    if path.extension().and_then(|e| e.to_str()) != Some("md") {
        return Ok(None);
    }
    let relative = path
        .strip_prefix(config.root.join(CONTENT_DIR))
        .unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if let [file_name] = parts.as_slice() {
        if is_editors_note(file_name) {
            return Ok(None);
        }
    }
    let [locale_dir, file_name] = parts.as_slice() else {
        return Err(vec![Diagnostic::error(
            "content::layout",
            format!("{shown} is not in a locale folder"),
        )
        .in_file(&shown)
        .help(
            "put pages at content/<locale>/<name>.md, e.g. content/fr-FR/index.md",
        )]);
    };
    let locale: Locale = locale_dir.parse().map_err(|message: String| {
        vec![
            Diagnostic::error("content::layout", format!("the folder name {message}"))
                .in_file(&shown)
                .help("name the folder after a locale, e.g. content/fr-FR/"),
        ]
    })?;
    let name = file_name.trim_end_matches(".md").to_string();
    SitePath::parse(&name).map_err(|why| {
        vec![
            Diagnostic::error("content::layout", format!("the file name `{name}` {why}"))
                .in_file(&shown)
                .help("name pages with lowercase letters, digits and `-`"),
        ]
    })?;

    let text = fs::read_to_string(path, &shown).map_err(|d| vec![d])?;
    let file = SourceFile::new(shown, text);
    parse_page(file, name, locale).map(Some)
}

/// Splits and checks the front matter of one page.
pub fn parse_page(file: SourceFile, name: String, locale: Locale) -> Outcome<SourcePage> {
    let (front, front_offset, body_offset) = split_front_matter(&file)?;
    let front_line = line_of(&file.text, front_offset);
    let raw: RawFrontMatter = crate::yaml::parse(&file, front, front_line, "content::front-matter")
        .map_err(
            |d| vec![d.help_if_missing("see docs/site-format.md for the front matter keys")],
        )?;

    let mut problems = Vec::new();
    let key_span = |key: &str| {
        let needle = format!("\n{key}:");
        let head = &file.text[..body_offset];
        head.find(&needle)
            .map(|at| Span::new(&file, at + 1, head[at + 1..].find('\n').unwrap_or(0)))
            .unwrap_or_else(|| Span::new(&file, 0, 3))
    };
    for (key, value) in [("title", &raw.title), ("description", &raw.description)] {
        if value.trim().is_empty() {
            problems.push(
                Diagnostic::error("content::empty", format!("the {key} is empty"))
                    .at(key_span(key))
                    .help(format!("write a {key}: editors and search engines show it")),
            );
        }
    }
    if raw
        .nav_title
        .as_deref()
        .is_some_and(|t| t.trim().is_empty())
    {
        problems.push(
            Diagnostic::error("content::empty", "the nav_title is empty")
                .at(key_span("nav_title"))
                .help("write a short menu label, or remove the line to show the title in the menu"),
        );
    }
    let slug_text = raw.slug.clone().unwrap_or_else(|| {
        if name == "index" {
            String::new()
        } else {
            name.clone()
        }
    });
    let slug = match SitePath::parse(slug_text.trim_matches('/')) {
        Ok(slug) if slug_text.starts_with('/') => {
            problems.push(
                Diagnostic::error("content::slug", "the slug starts with `/`")
                    .at(key_span("slug"))
                    .help(format!(
                        "write it relative to the language root: `slug: {}`",
                        slug_text.trim_matches('/')
                    )),
            );
            slug
        }
        Ok(slug) => slug,
        Err(why) => {
            problems.push(
                Diagnostic::error("content::slug", format!("the slug `{slug_text}` {why}"))
                    .at(key_span("slug"))
                    .help("use lowercase words joined by `-`, e.g. `slug: warranty`"),
            );
            SitePath::root()
        }
    };
    let aliases = raw
        .aliases
        .iter()
        .map(|alias| Alias {
            path: alias.clone(),
            span: alias_span(&file, body_offset, alias),
        })
        .collect();
    let template = raw.template.unwrap_or_else(|| "page.html".to_string());
    let updated = raw.updated.map(|date| date.trim().to_string());
    if let Some(date) = &updated {
        if crate::i18n::icu::parse_date(date).is_err() {
            let line = key_span("updated");
            let text = &file.text[line.offset..line.offset + line.len];
            let value = text.find(date.as_str()).map_or(line.clone(), |at| {
                Span::new(&file, line.offset + at, date.len())
            });
            problems.push(
                Diagnostic::error(
                    "content::date",
                    format!("`{date}` is not a date written YYYY-MM-DD"),
                )
                .at(value)
                .help("write the day the text last changed as year-month-day, e.g. `updated: 2025-01-09`"),
            );
        }
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(SourcePage {
        name,
        locale,
        title: raw.title,
        description: raw.description,
        nav_title: raw.nav_title,
        slug,
        weight: raw.weight,
        aliases,
        draft: raw.draft,
        template,
        updated,
        body_line: line_of(&file.text, body_offset),
        body_offset,
        file,
    })
}

fn alias_span(file: &SourceFile, body_offset: usize, alias: &str) -> Span {
    let head = &file.text[..body_offset];
    match head.find(alias) {
        Some(at) => Span::new(file, at, alias.len()),
        None => Span::new(file, 0, 3),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Returns the front matter text, its byte offset, and the body's byte offset.
fn split_front_matter(file: &SourceFile) -> Outcome<(&str, usize, usize)> {
    let text: &str = &file.text;
    let text_start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[text_start..];
    let Some(after_open) = rest
        .strip_prefix("---\n")
        .or_else(|| rest.strip_prefix("---\r\n"))
    else {
        return Err(vec![Diagnostic::error(
            "content::front-matter",
            "the page has no front matter",
        )
        .at(Span::new(file, 0, rest.find('\n').unwrap_or(rest.len())))
        .help(
            "start the file with `---`, then `title:` and `description:` lines, then `---`",
        )]);
    };
    let front_offset = text.len() - after_open.len();
    let mut offset = front_offset;
    for line in after_open.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let front = &text[front_offset..offset];
            return Ok((front, front_offset, offset + line.len()));
        }
        offset += line.len();
    }
    Err(vec![Diagnostic::error(
        "content::front-matter",
        "the front matter is never closed",
    )
    .at(Span::new(file, 0, 3))
    .help("add a line with `---` after the last front matter key")])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::render_human;

    fn page(text: &str) -> Outcome<SourcePage> {
        parse_page(
            SourceFile::new("content/en/warranty.md", text),
            "warranty".to_string(),
            "en".parse().unwrap(),
        )
    }

    #[test]
    fn front_matter_is_split_at_byte_zero_and_the_body_keeps_its_line() {
        let p = page("---\ntitle: Warranty\ndescription: Same as ever.\nweight: 2\n---\nBody\n---\nnot front matter\n").unwrap();
        assert_eq!(p.title, "Warranty");
        assert_eq!(p.body(), "Body\n---\nnot front matter\n");
        assert_eq!(p.body_line, 6);
        assert_eq!(p.slug.dir_url(), "/warranty/");
        assert_eq!(p.template, "page.html");
    }

    #[test]
    fn a_slug_that_escapes_is_refused_with_its_line() {
        let errors = page("---\ntitle: T\ndescription: D\nslug: ../../etc\n---\n").unwrap_err();
        assert_eq!(
            render_human(&errors[0]),
            "error[content::slug]: the slug `../../etc` contains `..`, which would leave the site folder\n \
             --> content/en/warranty.md:4:1\n  |\n\
             4 | slug: ../../etc\n  | ^^^^^^^^^^^^^^^\n  |\n  \
             = help: use lowercase words joined by `-`, e.g. `slug: warranty`\n"
        );
    }

    #[test]
    fn missing_front_matter_says_how_to_start() {
        let errors = page("# Hello\n").unwrap_err();
        assert!(render_human(&errors[0]).contains("start the file with `---`"));
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let errors = page("---\ntitle: T\n").unwrap_err();
        assert_eq!(errors[0].message, "the front matter is never closed");
    }

    #[test]
    fn nav_title_is_the_menu_label_and_may_not_be_empty() {
        let p = page(
            "---\ntitle: Warranty and after-sales\nnav_title: Warranty\ndescription: D\n---\n",
        )
        .unwrap();
        assert_eq!(p.nav_title.as_deref(), Some("Warranty"));
        let errors = page("---\ntitle: T\nnav_title: \" \"\ndescription: D\n---\n").unwrap_err();
        assert_eq!(
            render_human(&errors[0]),
            "error[content::empty]: the nav_title is empty\n \
             --> content/en/warranty.md:3:1\n  |\n\
             3 | nav_title: \" \"\n  | ^^^^^^^^^^^^^^\n  |\n  \
             = help: write a short menu label, or remove the line to show the title in the menu\n"
        );
    }

    #[test]
    fn notes_named_in_capitals_at_the_top_of_content_are_not_pages() {
        assert!(is_editors_note("SOURCES.md"));
        assert!(is_editors_note("README.md"));
        assert!(is_editors_note("TRANSLATION_NOTES.md"));
        assert!(!is_editors_note("index.md"));
        assert!(!is_editors_note("Index.md"));
        assert!(!is_editors_note("SOURCES.txt"));
        assert!(!is_editors_note("2025.md"));
    }

    #[test]
    fn empty_title_is_an_error() {
        let errors = page("---\ntitle: \"\"\ndescription: D\n---\n").unwrap_err();
        assert_eq!(errors[0].message, "the title is empty");
    }
}
