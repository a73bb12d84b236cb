//! Raw HTML that editors write in Markdown, and what the site does with it.
//!
//! Markdown lets any HTML through, so a page could ship `<script>`, an `onerror=`
//! handler or an `<iframe>`. `site.yaml`'s `raw_html` decides: `sanitize` (the
//! default) keeps the harmless tags editors use and removes the rest with
//! [ammonia](https://docs.rs/ammonia), a maintained HTML5 sanitizer; `allow` keeps
//! everything (an explicit opt-in); `escape` shows every tag as text.
//!
//! Sanitizing is done by ammonia on the rendered body. `check` also says where the
//! sanitizer removed something, at the tag in the Markdown file: for that, each raw
//! HTML block or inline tag of the source is compared with the same allow list.

use std::collections::{BTreeMap, BTreeSet};

use pulldown_cmark::{Event, Options, Parser, Tag as MarkdownTag};
use serde::Deserialize;

use crate::diagnostics::{Diagnostic, SourceFile, Span};

/// What a build does with raw HTML in page bodies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    /// Keep the allowed tags and attributes, remove the rest.
    #[default]
    Sanitize,
    /// Publish raw HTML as written.
    Allow,
    /// Show raw HTML as text.
    Escape,
}

/// Tags kept by `sanitize`: what Markdown writes, and the harmless inline and
/// block tags editors add by hand.
pub const ALLOWED_TAGS: [&str; 55] = [
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    // What handover writes for an image with a WebP twin (see media.rs).
    "picture",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "source",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Tags whose content is removed with them, not kept as text.
const REMOVED_WITH_CONTENT: [&str; 6] =
    ["script", "style", "iframe", "object", "embed", "template"];

/// Attributes any kept tag may carry.
const GENERIC_ATTRIBUTES: [&str; 5] = ["id", "class", "title", "lang", "dir"];

/// Attributes particular tags may carry.
const TAG_ATTRIBUTES: [(&str, &[&str]); 12] = [
    ("a", &["href", "hreflang"]),
    (
        "img",
        &["src", "alt", "width", "height", "loading", "decoding"],
    ),
    ("source", &["srcset", "type"]),
    ("abbr", &["title"]),
    ("blockquote", &["cite"]),
    ("q", &["cite"]),
    ("ol", &["start", "reversed", "type"]),
    ("li", &["value"]),
    ("details", &["open"]),
    ("td", &["colspan", "rowspan"]),
    ("th", &["colspan", "rowspan", "scope"]),
    ("input", &["type", "checked", "disabled"]),
];

/// URL schemes links and images may use; relative URLs are kept.
const URL_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

impl RawHtml {
    /// Applies the policy to a rendered page body.
    pub fn apply(self, body_html: &str) -> String {
        match self {
            RawHtml::Allow | RawHtml::Escape => body_html.to_string(),
            RawHtml::Sanitize => sanitizer().clean(body_html).to_string(),
        }
    }

    /// Whether the sanitizer has anything to act on in this Markdown event: the
    /// editor's raw HTML, or a link or image whose URL scheme it would drop.
    /// What Markdown writes by itself is safe, so a page with neither is not
    /// sanitized (that would double the cost of rendering it).
    pub fn acts_on(self, event: &Event) -> bool {
        self == RawHtml::Sanitize
            && match event {
                Event::Html(_) | Event::InlineHtml(_) => true,
                Event::Start(
                    MarkdownTag::Link { dest_url, .. } | MarkdownTag::Image { dest_url, .. },
                ) => !safe_url(dest_url),
                _ => false,
            }
    }

    /// Applies the policy to a Markdown event before it is rendered (`escape`
    /// turns raw HTML into text) and says whether the sanitizer then has
    /// anything to act on ([`RawHtml::acts_on`]). In place: an event is some
    /// 60 bytes, and one moved into a function and back out is copied each
    /// way, which cost a tenth of a page's Markdown time.
    pub fn apply_to_event(self, event: &mut Event) -> bool {
        match (self, &mut *event) {
            (RawHtml::Escape, Event::Html(html) | Event::InlineHtml(html)) => {
                let html = std::mem::replace(html, pulldown_cmark::CowStr::Borrowed(""));
                *event = Event::Text(html);
                false
            }
            _ => self.acts_on(event),
        }
    }
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::empty();
    builder
        .add_tags(ALLOWED_TAGS)
        .clean_content_tags(REMOVED_WITH_CONTENT.into_iter().collect())
        .add_generic_attributes(GENERIC_ATTRIBUTES)
        .url_schemes(URL_SCHEMES.into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(None)
        .strip_comments(true);
    for (tag, attributes) in TAG_ATTRIBUTES {
        builder.add_tag_attributes(tag, attributes.iter().copied());
    }
    builder
}

/// Something the sanitizer removes from raw HTML in a page's Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Byte offset in the Markdown of the tag it is in.
    pub offset: usize,
    /// The tag as written, up to its first line end.
    pub tag: String,
    pub what: String,
}

/// A warning at each place `sanitize` removes raw HTML from the body that
/// starts at `body_offset` in `file`.
pub fn removal_warnings(file: &SourceFile, body_offset: usize) -> Vec<Diagnostic> {
    removals(&file.text[body_offset..])
        .into_iter()
        .map(|removal| {
            Diagnostic::warning(
                "content::raw-html-removed",
                format!("{} is removed from the published page", removal.what),
            )
            .at(Span::new(file, body_offset + removal.offset, removal.tag.len()))
            .help("keep to the tags listed in docs/editors.md, or set `raw_html: allow` in site.yaml if this HTML is trusted")
        })
        .collect()
}

/// Where `sanitize` would remove something from the raw HTML of `markdown`.
pub fn removals(markdown: &str) -> Vec<Removal> {
    // Raw HTML starts with `<` (an entity cannot open a tag): most pages have
    // none and need no parse.
    if !markdown.contains('<') {
        return Vec::new();
    }
    let allowed: BTreeMap<&str, BTreeSet<&str>> = TAG_ATTRIBUTES
        .iter()
        .map(|(tag, attributes)| (*tag, attributes.iter().copied().collect()))
        .collect();
    let mut found = Vec::new();
    let parser = Parser::new_ext(markdown, markdown_options()).into_offset_iter();
    for (event, range) in parser {
        let (Event::Html(html) | Event::InlineHtml(html)) = event else {
            continue;
        };
        for tag in tags_in(&html) {
            let offset = range.start + tag.offset;
            let shown = tag.text.lines().next().unwrap_or("").to_string();
            if !ALLOWED_TAGS.contains(&tag.name.as_str()) {
                found.push(Removal {
                    offset,
                    tag: shown,
                    what: format!("the tag <{}>", tag.name),
                });
                continue;
            }
            for (name, value) in &tag.attributes {
                let kept = GENERIC_ATTRIBUTES.contains(&name.as_str())
                    || allowed
                        .get(tag.name.as_str())
                        .is_some_and(|names| names.contains(name.as_str()));
                if !kept {
                    found.push(Removal {
                        offset,
                        tag: shown.clone(),
                        what: format!("the attribute `{name}` of <{}>", tag.name),
                    });
                } else if matches!(name.as_str(), "href" | "src" | "cite") && !safe_url(value) {
                    found.push(Removal {
                        offset,
                        tag: shown.clone(),
                        what: format!("the link `{value}` of <{}>", tag.name),
                    });
                }
            }
        }
    }
    found
}

/// CommonMark plus tables, footnotes and strikethrough, as pages are rendered.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

fn safe_url(url: &str) -> bool {
    let url = url.trim();
    match url.split_once(':') {
        // A colon after a `/`, `?` or `#` is part of a relative URL.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            URL_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str())
        }
        _ => true,
    }
}

/// An opening tag found in a piece of raw HTML.
struct Tag {
    offset: usize,
    text: String,
    name: String,
    attributes: Vec<(String, String)>,
}

/// The opening tags of a raw HTML fragment, with their attributes (lowercase
/// names). Only for saying where the sanitizer acts: ammonia does the removing.
fn tags_in(html: &str) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut rest = html;
    let mut consumed = 0;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(after.len());
        let end = after.find('>').map_or(after.len(), |e| e + 1);
        if name_len > 0 && after.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let inside = &after[name_len..end.saturating_sub(1).max(name_len)];
            tags.push(Tag {
                offset: consumed + start,
                text: rest[start..start + 1 + end].to_string(),
                name: after[..name_len].to_ascii_lowercase(),
                attributes: attributes_in(inside),
            });
        }
        consumed += start + 1;
        rest = after;
    }
    tags
}

/// `name="value"`, `name='value'`, `name=value` and bare `name`.
fn attributes_in(mut text: &str) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    loop {
        text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        let name_len = text
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(text.len());
        if name_len == 0 {
            return attributes;
        }
        let name = text[..name_len].to_ascii_lowercase();
        text = text[name_len..].trim_start();
        let mut value = String::new();
        if let Some(after) = text.strip_prefix('=') {
            let after = after.trim_start();
            let (found, rest) = match after.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let end = inner.find(quote).unwrap_or(inner.len());
                    (&inner[..end], inner.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = found.to_string();
            text = rest;
        }
        attributes.push((name, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_removes_scripts_handlers_and_frames_and_keeps_what_editors_use() {
        let body = "<p>Hi<br><abbr title=\"United Kingdom\">UK</abbr><sup>1</sup></p>\
                    <script>alert(1)</script><img src=\"/x.png\" alt=\"x\" onerror=\"alert(2)\">\
                    <iframe src=\"https://evil.example/\"></iframe>\
                    <details><summary>More</summary>Text</details>\
                    <a href=\"javascript:alert(3)\">x</a><a href=\"/warranty/#repairs\">w</a>";
        let clean = RawHtml::Sanitize.apply(body);
        for gone in ["<script", "alert", "onerror", "<iframe", "javascript:"] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        for kept in [
            "<br>",
            "<abbr title=\"United Kingdom\">UK</abbr>",
            "<sup>1</sup>",
            "<img src=\"/x.png\" alt=\"x\">",
            "<details><summary>More</summary>Text</details>",
            "<a href=\"/warranty/#repairs\">w</a>",
        ] {
            assert!(clean.contains(kept), "{kept} not in {clean}");
        }
    }

    #[test]
    fn what_markdown_writes_goes_through_unchanged() {
        let markdown = "# Title\n\nSome *text* with a [link](https://www.mi.com/uk/ \"Xiaomi\"), \
                        `code` and ~~old~~.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n\n\
                        1. one\n2. two\n\n![logo](/logo.png)\n\nA note[^1].\n\n[^1]: The note.\n";
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, markdown_options()));
        // Only the spelling of void elements changes: `<img ... />` becomes `<img ...>`.
        assert_eq!(RawHtml::Sanitize.apply(&html), html.replace(" />", ">"));
    }

    #[test]
    fn only_raw_html_and_unsafe_urls_give_the_sanitizer_work() {
        let acts = |policy: RawHtml, markdown: &str| {
            Parser::new_ext(markdown, markdown_options()).any(|e| policy.acts_on(&e))
        };
        let plain =
            "# Title\n\n*Text* with [a link](/help/), ![an image](card.png) and `<code>`.\n";
        assert!(!acts(RawHtml::Sanitize, plain));
        for unsafe_markdown in [
            "Call<br>us",
            "<script>alert(1)</script>\n",
            "<!-- a comment -->\n",
            "[x](javascript:alert(1))",
            "![x](data:image/png;base64,AA)",
        ] {
            assert!(
                acts(RawHtml::Sanitize, unsafe_markdown),
                "{unsafe_markdown}"
            );
            assert!(!acts(RawHtml::Allow, unsafe_markdown), "{unsafe_markdown}");
        }
    }

    #[test]
    fn escape_shows_tags_as_text() {
        let events: Vec<Event> = Parser::new("a <b>bold</b>")
            .map(|mut e| {
                assert!(!RawHtml::Escape.apply_to_event(&mut e));
                e
            })
            .collect();
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        assert_eq!(html, "<p>a &lt;b&gt;bold&lt;/b&gt;</p>\n");
    }

    #[test]
    fn removals_point_at_the_tag_in_the_markdown() {
        let markdown =
            "Text <span onclick=\"x()\">here</span>.\n\n<script>\nalert(1)\n</script>\n\n\
                        <a href='javascript:go()'>x</a> <abbr title=\"t\">ok</abbr>\n";
        let found = removals(markdown);
        let seen: Vec<(usize, &str)> = found.iter().map(|r| (r.offset, r.what.as_str())).collect();
        assert_eq!(
            seen,
            [
                (5, "the attribute `onclick` of <span>"),
                (39, "the tag <script>"),
                (68, "the link `javascript:go()` of <a>"),
            ]
        );
        assert_eq!(found[1].tag, "<script>");
    }
}
