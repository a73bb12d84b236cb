//! A page's Markdown turned into HTML: CommonMark and its extensions through
//! pulldown-cmark, with ids on headings, sizes on images and the site's raw
//! HTML policy applied, streamed event by event.

use std::collections::BTreeSet;

use pulldown_cmark::{html, Event, Parser, Tag};

use super::escape;
use crate::media::{self, Picture};
use crate::raw_html::{self, RawHtml};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
