//! A page's front matter: split off at byte 0, parsed with its line offset so
//! errors point at the line in the whole file, and checked (slug, aliases,
//! dates), with the mistakes editors make named at their line.

use serde::Deserialize;

use super::{
    line_of, unusual_file_name, Alias, Body, Extras, FrontTexts, SourcePage, Texts, PAGE_LIMIT,
};
use crate::config::Locale;
use crate::diagnostics::{Diagnostic, Outcome, SourceFile, Span};
use crate::paths::SitePath;

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

/// Splits and checks the front matter of one page.
pub fn parse_page(file: SourceFile, name: String, locale: Locale) -> Outcome<SourcePage> {
    if file.text.len() > PAGE_LIMIT {
        return Err(vec![Diagnostic::error(
            "content::too-large",
            format!("{} is over 4 GiB", file.name),
        )
        .in_file(&*file.name)
        .help(
            "a page is text to read: split it, and keep images and downloads in static/",
        )]);
    }
    let (front, front_offset, body_offset) = split_front_matter(&file)?;
    let front_line = line_of(&file.text, front_offset);
    let raw: RawFrontMatter =
        match crate::yaml::parse(&file, front, front_line, "content::front-matter") {
            Ok(raw) => raw,
            Err(problem) => {
                let closing = front_offset + front.len();
                let problem = stray_separator(&file, closing, body_offset, front)
                    .unwrap_or(problem)
                    .help_if_missing("see docs/site-format.md for the front matter keys");
                return Err(vec![problem]);
            }
        };

    // Spans that stay with the page point into its front matter alone, so they
    // do not keep the whole text in memory.
    let front_file = SourceFile::new(file.name.clone(), &file.text[..body_offset]);
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
    let weight = i32::try_from(raw.weight).unwrap_or_else(|_| {
        problems.push(
            Diagnostic::error(
                "content::weight",
                format!("the weight {} is out of range", raw.weight),
            )
            .at(key_span("weight"))
            .help("menus order pages by weight: use numbers such as 10, 20, 30 (from -2147483648 to 2147483647)"),
        );
        0
    });
    let slug_text = raw.slug.clone().unwrap_or_else(|| {
        if name == "index" {
            String::new()
        } else {
            name.clone()
        }
    });
    let before = problems.len();
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
    if problems.len() == before {
        problems.extend(slug_problem(
            slug_text.trim_matches('/'),
            raw.slug.is_some(),
            &name,
            &file,
            key_span("slug"),
        ));
    }
    problems.extend(
        raw.aliases
            .iter()
            .filter_map(|alias| joined_list_item(&file, body_offset, alias)),
    );
    let aliases = raw
        .aliases
        .iter()
        .map(|alias| Alias {
            path: alias.clone(),
            span: alias_span(&front_file, body_offset, alias),
        })
        .collect();
    let updated = raw.updated.map(|date| date.trim().to_string());
    if let Some(date) = &updated {
        if let Err(why) = crate::dates::IsoDate::parse(date) {
            let line = key_span("updated");
            let text = &file.text[line.offset..line.offset + line.len];
            let value = text.find(date.as_str()).map_or(line.clone(), |at| {
                Span::new(&file, line.offset + at, date.len())
            });
            problems.push(
                Diagnostic::error("content::date", why.message(date))
                    .at(value)
                    .help(crate::dates::date_help(date, "updated: ")),
            );
        }
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(SourcePage {
        extras: Extras::of(
            &file,
            body_offset,
            aliases,
            unusual_file_name(&name, &locale, &front_file.name),
        )
        .into(),
        name: name.into(),
        locale,
        texts: Texts::Held(Box::new(FrontTexts::new(
            &raw.title,
            &raw.description,
            raw.nav_title.as_deref(),
            raw.template.as_deref(),
            updated.as_deref(),
            weight,
        ))),
        slug,
        // Under [`PAGE_LIMIT`], as checked first.
        body_offset: u32::try_from(body_offset).unwrap_or(u32::MAX),
        draft: raw.draft,
        body: Body::Held(Box::new(file)),
    })
}

/// For front matter that did not parse: a `---` that closed it too early, right
/// after the opening one or between two keys (the keys after it became the page's
/// text), or nothing at all between the two `---`.
fn stray_separator(
    file: &SourceFile,
    closing: usize,
    body_offset: usize,
    front: &str,
) -> Option<Diagnostic> {
    let closing_line = line_of(&file.text, closing);
    let separator = Span::new(file, closing, 3);
    let empty = front
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    // The key lines that follow, up to a `---` of their own.
    let mut keys = Vec::new();
    let mut ends_with_separator = false;
    for (index, line) in file.text[body_offset..].lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim_end() == "---" {
            ends_with_separator = true;
            break;
        }
        match front_matter_key(line) {
            Some(key) => keys.push((key, closing_line + 1 + index)),
            None if line.trim().is_empty() || line.starts_with([' ', '-']) => {}
            None => break,
        }
    }
    match keys.first() {
        Some(&(key, line)) if ends_with_separator && empty => Some(
            Diagnostic::error(
                "content::front-matter",
                format!("this second `---` ends the front matter before `{key}:` (line {line})"),
            )
            .at(separator)
            .help("remove this `---` line"),
        ),
        Some(&(key, line)) if ends_with_separator && !front.contains(&format!("\n{key}:")) => Some(
            Diagnostic::error(
                "content::front-matter",
                format!("this `---` ends the front matter before `{key}:` (line {line})"),
            )
            .at(separator)
            .help("remove this `---` line: the front matter ends at the `---` after its last key"),
        ),
        _ if empty => Some(
            Diagnostic::error("content::front-matter", "the front matter is empty")
                .at(separator)
                .help(
                    "write `title: ...` and `description: ...` lines between the two `---` lines",
                ),
        ),
        _ => None,
    }
}

/// `title` for a line `title: ...` (a lowercase key as front matter writes them).
fn front_matter_key(line: &str) -> Option<&str> {
    let (key, rest) = line.split_once(':')?;
    let is_key = key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    (is_key && (rest.is_empty() || rest.starts_with([' ', '\t']))).then_some(key)
}

/// The rule for addresses, the same for a `slug:` and for a file name that gives
/// the address: lowercase ASCII letters, digits and `-`, segments joined by `/`.
/// Capitals would make two addresses of one on case-insensitive disks and CDNs;
/// accented letters would be percent-encoded differently by different tools.
fn slug_problem(
    slug: &str,
    written: bool,
    name: &str,
    file: &SourceFile,
    span: Span,
) -> Option<Diagnostic> {
    let bad = slug
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '/'))?;
    let why = if bad.is_ascii_uppercase() {
        "has capital letters: addresses are lowercase".to_string()
    } else {
        format!("has `{bad}`: addresses use only a-z, 0-9 and `-`")
    };
    let suggestion = suggested_slug(slug);
    let problem = if written {
        Diagnostic::error("content::slug", format!("the slug `{slug}` {why}"))
            .at(span)
            .help(format!("write `slug: {suggestion}`"))
    } else {
        Diagnostic::error(
            "content::slug",
            format!("the file name `{name}.md` gives the address `/{slug}/`, which {why}"),
        )
        .in_file(file.name.to_string())
        .help(format!(
            "rename the file (and its translations) to `{suggestion}.md`, or give the page `slug: {suggestion}`"
        ))
    };
    Some(problem)
}

/// `Garantie élargie` -> `garantie-elargie`: lowercase, accents dropped, anything
/// else between words turned into `-`.
pub fn suggested_slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let plain = match c {
            'a'..='z' | '0'..='9' | '/' => c.to_string(),
            _ => unaccented(c).map_or("-".to_string(), str::to_string),
        };
        for c in plain.chars() {
            let joins = c == '-' || c == '/';
            if c == '-' && (out.is_empty() || out.ends_with(['-', '/'])) {
                continue;
            }
            if c == '/' && out.ends_with('-') {
                out.pop();
            }
            if !joins || !out.ends_with(c) {
                out.push(c);
            }
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The Latin letter without its accent (`é` -> `e`, `ß` -> `ss`).
fn unaccented(c: char) -> Option<&'static str> {
    const TABLE: [(&str, &str); 24] = [
        ("àáâãäåāăą", "a"),
        ("æ", "ae"),
        ("çćĉċč", "c"),
        ("ďđ", "d"),
        ("èéêëēĕėęě", "e"),
        ("ĝğġģ", "g"),
        ("ĥħ", "h"),
        ("ìíîïĩīĭįı", "i"),
        ("ĵ", "j"),
        ("ķ", "k"),
        ("ĺļľŀł", "l"),
        ("ñńņňŉ", "n"),
        ("òóôõöøōŏő", "o"),
        ("œ", "oe"),
        ("ŕŗř", "r"),
        ("śŝşšș", "s"),
        ("ß", "ss"),
        ("ţťŧț", "t"),
        ("ùúûüũūŭůűų", "u"),
        ("ŵ", "w"),
        ("ýÿŷ", "y"),
        ("źżž", "z"),
        ("þ", "th"),
        ("ð", "d"),
    ];
    TABLE
        .iter()
        .find(|(letters, _)| letters.contains(c))
        .map(|(_, plain)| *plain)
}

/// `  - /a/` then `   - /b/`: a list item indented one space more than the one
/// above is valid YAML, read as the text `/a/ - /b/`. Told at the second line.
fn joined_list_item(file: &SourceFile, body_offset: usize, item: &str) -> Option<Diagnostic> {
    let (first, rest) = item.split_once(" - ")?;
    let head = &file.text[..body_offset];
    let needle = format!("- {}", rest.split_whitespace().next()?);
    let line_start = head
        .match_indices(&needle)
        .map(|(at, _)| head[..at].rfind('\n').map_or(0, |i| i + 1))
        .find(|&start| head[start..].trim_start().starts_with(&needle))?;
    let indent = head[line_start..].len() - head[line_start..].trim_start().len();
    Some(
        Diagnostic::error(
            "content::front-matter",
            format!(
                "this list item is indented more than the one above it, so YAML joins the two into `{item}`"
            ),
        )
        .at(Span::new(file, line_start, indent.max(1)))
        .help(format!(
            "start its `- ` in the same column as the `- ` of `{first}`"
        )),
    )
}

/// Where an alias is written. YAML joins a list item indented one space too far
/// to the one above (`/a/ - /b/`): its first word still finds the line.
fn alias_span(file: &SourceFile, body_offset: usize, alias: &str) -> Span {
    let head = &file.text[..body_offset];
    if let Some(at) = head.find(alias) {
        return Span::new(file, at, alias.len());
    }
    let first = alias.split_whitespace().next().unwrap_or(alias);
    match head
        .find(first)
        .or_else(|| head.find("\naliases:").map(|at| at + 1))
    {
        Some(at) => {
            let len = head[at..].find(['\r', '\n']).unwrap_or(head.len() - at);
            Span::new(file, at, len)
        }
        None => Span::new(file, 0, 3),
    }
}

/// Returns the front matter text, its byte offset, and the body's byte offset.
fn split_front_matter(file: &SourceFile) -> Outcome<(&str, usize, usize)> {
    // A byte-order mark was dropped when the file was read (`fs::read_to_string`).
    let text: &str = &file.text;
    let Some(after_open) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return Err(vec![Diagnostic::error(
            "content::front-matter",
            "the page has no front matter",
        )
        .at(Span::new(file, 0, text.find('\n').unwrap_or(text.len())))
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
