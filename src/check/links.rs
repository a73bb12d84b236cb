//! Links in the rendered pages: every internal link and `#fragment` must reach a
//! generated page or a redirect rule of its domain, links to other regional
//! domains must reach their pages, and `javascript:`-style schemes are errors.
//!
//! Pages are rendered once, by the pipeline, into a [`LinkSink`]; a problem points at the link where it was
//! written (the page's Markdown file, else the theme template that holds it).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use pulldown_cmark::{Event, Parser, Tag};
use rayon::prelude::*;

use crate::diagnostics::{closest, Diagnostic, SourceFile, Span};
use crate::output::Sink;
use crate::paths::SitePath;
use crate::pipeline::Site;
use crate::redirects::lookup::{resolve, End};
use crate::redirects::pattern::RequestPath;

/// Schemes that run code or smuggle content instead of linking.
const UNSAFE_SCHEMES: [&str; 4] = ["javascript:", "vbscript:", "data:", "file:"];

/// One rendered HTML page: where it is and what it links to.
struct RenderedPage {
    region: usize,
    /// `/help/index.html`
    file: String,
    /// `/help/`
    url_dir: String,
    links: Vec<String>,
    /// The Markdown file it came from, if any.
    source: Option<SourceFile>,
}

/// Keeps the links and ids of every HTML file as the pipeline renders it, so
/// `check` renders each page once and never holds the site's HTML.
#[derive(Default)]
pub struct LinkSink {
    pages: Mutex<Vec<CollectedPage>>,
}

/// What a rendered HTML file holds for the link check.
struct CollectedPage {
    domain: String,
    /// `/help/index.html`
    file: String,
    links: Vec<String>,
    ids: BTreeSet<String>,
}

impl Sink for LinkSink {
    fn write(&self, domain: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic> {
        let file = path.file_url();
        if file.ends_with(".html") {
            let html = String::from_utf8_lossy(bytes);
            let links = attribute_values(&html, &["href", "src"]);
            let ids = attribute_values(&html, &["id"]).into_iter().collect();
            if let Ok(mut pages) = self.pages.lock() {
                pages.push(CollectedPage {
                    domain: domain.to_string(),
                    file,
                    links,
                    ids,
                });
            }
        }
        Ok(())
    }
}

/// Checks the links the sink collected.
pub fn check_links(site: &Site, sink: LinkSink, templates: &[SourceFile]) -> Vec<Diagnostic> {
    let rendered = rendered_pages(site, sink);
    let ids: BTreeMap<(usize, String), BTreeSet<String>> = rendered
        .iter()
        .map(|(page, ids)| ((page.region, page.file.clone()), ids.clone()))
        .collect();
    let mut problems: Vec<Diagnostic> = rendered
        .par_iter()
        .flat_map_iter(|(page, _)| {
            page.links
                .iter()
                .filter_map(|link| check_link(site, &ids, page, link))
                .map(|(message, help)| locate(page, templates, message.0, message.1, help))
                .collect::<Vec<_>>()
        })
        .collect();
    // One report per link as written, not per page or domain it is rendered on:
    // the first, in the order of the regions in site.yaml.
    let mut seen = BTreeSet::new();
    problems.retain(|d| {
        let link = d.message.split('`').nth(1).unwrap_or("").to_string();
        seen.insert((d.location_label(), link))
    });
    problems
}

/// The collected pages with their region and source file, in the order of the
/// regions in site.yaml.
fn rendered_pages(site: &Site, sink: LinkSink) -> Vec<(RenderedPage, BTreeSet<String>)> {
    let sources: HashMap<(usize, String), SourceFile> = site
        .model
        .plan
        .jobs
        .iter()
        .map(|job| {
            let file = site.model.source(job).file.clone();
            ((job.region, job.output().file_url()), file)
        })
        .collect();
    let mut pages: Vec<(RenderedPage, BTreeSet<String>)> = sink
        .pages
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .filter_map(
            |CollectedPage {
                 domain,
                 file,
                 links,
                 ids,
             }| {
                let region = site.redirects.iter().position(|t| t.domain == domain)?;
                let url_dir = file
                    .rsplit_once('/')
                    .map_or("/".to_string(), |(dir, _)| format!("{dir}/"));
                let source = sources.get(&(region, file.clone())).cloned();
                let page = RenderedPage {
                    region,
                    file,
                    url_dir,
                    links,
                    source,
                };
                Some((page, ids))
            },
        )
        .collect();
    pages.sort_by(|(a, _), (b, _)| (a.region, &a.file).cmp(&(b.region, &b.file)));
    pages
}

/// The values of `name="..."` attributes, entity-decoded.
pub fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for name in names {
        let needle = format!(" {name}=\"");
        let mut rest = html;
        while let Some(at) = rest.find(&needle) {
            let after = &rest[at + needle.len()..];
            let end = after.find('"').unwrap_or(after.len());
            found.push(crate::render::unescape(&after[..end]));
            rest = &after[end..];
        }
    }
    found
}

fn unsafe_scheme(link: &str) -> Option<Problem> {
    let lowered = link.trim().to_ascii_lowercase();
    let scheme = UNSAFE_SCHEMES.iter().find(|s| lowered.starts_with(*s))?;
    Some((
        ("links::unsafe-scheme", format!("the link `{link}` uses `{scheme}`, which runs or embeds content instead of linking")),
        "link to a page (`/warranty/`) or an https:// address".to_string(),
    ))
}

/// Markdown links and images with a scheme that runs code, in the page files.
/// The sanitizer removes them from the published pages, so the rendered-page
/// check cannot see them: they are errors all the same, since the editor's link
/// does not work.
pub fn unsafe_markdown_links(site: &Site) -> Vec<Diagnostic> {
    let pages: Vec<&crate::content::SourcePage> = site.model.content.all().collect();
    pages
        .par_iter()
        .flat_map_iter(|page| unsafe_links_of(page))
        .collect()
}

/// The links and images of one page whose URL scheme is not safe.
fn unsafe_links_of(page: &crate::content::SourcePage) -> Vec<Diagnostic> {
    let body = &page.file.text[page.body_offset..];
    let mut problems = Vec::new();
    for event in Parser::new_ext(body, crate::raw_html::markdown_options()) {
        let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = event else {
            continue;
        };
        let Some(((code, message), help)) = unsafe_scheme(&dest_url) else {
            continue;
        };
        let diagnostic = Diagnostic::error(code, message).help(help);
        problems.push(match body.find(dest_url.as_ref()) {
            Some(at) => diagnostic.at(Span::new(&page.file, page.body_offset + at, dest_url.len())),
            None => diagnostic.in_file(page.file.name.to_string()),
        });
    }
    problems
}

/// ((code, message), help) for a link that does not work.
type Problem = ((&'static str, String), String);

fn check_link(
    site: &Site,
    ids: &BTreeMap<(usize, String), BTreeSet<String>>,
    page: &RenderedPage,
    link: &str,
) -> Option<Problem> {
    if let Some(problem) = unsafe_scheme(link) {
        return Some(problem);
    }
    let (region, path_and_fragment) = target_of(site, page, link)?;
    let (path, fragment) = match path_and_fragment.split_once('#') {
        Some((path, fragment)) => (path.to_string(), Some(fragment.to_string())),
        None => (path_and_fragment, None),
    };
    let path = path.split('?').next().unwrap_or("").to_string();
    let table = &site.redirects[region];
    let domain = &table.domain;
    let request = match RequestPath::parse(&path) {
        Ok(request) => request,
        Err(why) => {
            return Some((
                (
                    "links::broken",
                    format!("the link `{link}` is not a usable path: it {why}"),
                ),
                "write a path such as `/warranty/`".to_string(),
            ))
        }
    };
    let resolution = resolve(table, &request);
    match resolution.end {
        End::File { path: file, status: 200 } => {
            let page_ids = ids.get(&(region, file));
            match fragment {
                Some(fragment) if !fragment.is_empty() && !page_ids.is_some_and(|ids| ids.contains(&fragment)) => {
                    let close = page_ids.and_then(|ids| closest(&fragment, ids.iter().map(String::as_str)));
                    Some((
                        ("links::fragment", format!("the link `{link}` points to `#{fragment}`, which {} does not have", path_or_self(&path))),
                        match close {
                            Some(id) => format!("did you mean `#{id}`?"),
                            None => "link to an id the page has (each heading gets one from its text: `## Repairs` is `#repairs`), or drop the fragment".to_string(),
                        },
                    ))
                }
                _ => None,
            }
        }
        End::External { .. } => None,
        _ => Some((
            ("links::broken", format!("the link `{link}` goes nowhere on {domain}: no page and no redirect rule answers {path}")),
            "link to a generated page, or add a redirect rule for the old address".to_string(),
        )),
    }
}

fn path_or_self(path: &str) -> String {
    if path.is_empty() {
        "this page".to_string()
    } else {
        format!("`{path}`")
    }
}

/// The region and path (with fragment) a link leads to, or `None` when it leaves
/// the site (another host, `mailto:`...).
fn target_of(site: &Site, page: &RenderedPage, link: &str) -> Option<(usize, String)> {
    if let Some(fragment) = link.strip_prefix('#') {
        let own = page.file.clone();
        return Some((page.region, format!("{own}#{fragment}")));
    }
    let absolute = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))
        .or_else(|| link.strip_prefix("//"));
    if let Some(rest) = absolute {
        let (host, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
        let region = site
            .redirects
            .iter()
            .position(|t| t.domain.eq_ignore_ascii_case(host))?;
        let path = if path.is_empty() || !path.starts_with('/') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        return Some((region, path));
    }
    if has_scheme(link) {
        return None; // mailto:, tel: and other schemes
    }
    if link.starts_with('/') {
        return Some((page.region, link.to_string()));
    }
    Some((page.region, format!("{}{link}", page.url_dir)))
}

/// `mailto:x`, `tel:+1`: a `:` before any `/`, `?` or `#`.
fn has_scheme(link: &str) -> bool {
    let end = link.find(['/', '?', '#']).unwrap_or(link.len());
    link[..end].contains(':')
}

/// Points at the link where it was written: the page's Markdown, else a template.
fn locate(
    page: &RenderedPage,
    templates: &[SourceFile],
    code: &'static str,
    message: String,
    help: String,
) -> Diagnostic {
    let needle = message.split('`').nth(1).unwrap_or("").to_string();
    let diagnostic = Diagnostic::error(code, message).help(help);
    let found = page.source.iter().chain(templates).find_map(|file| {
        file.text
            .find(&needle)
            .map(|at| Span::new(file, at, needle.len()))
    });
    match found {
        Some(span) if !needle.is_empty() => diagnostic.at(span),
        _ => diagnostic.in_file(format!("{} (rendered)", page.file)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_with_a_scheme_leave_the_site() {
        assert!(has_scheme("mailto:help@example.com"));
        assert!(has_scheme("tel:+441234"));
        assert!(!has_scheme("/warranty/"));
        assert!(!has_scheme("warranty/#a:b"));
        assert!(!has_scheme("page?x=a:b"));
    }

    #[test]
    fn attributes_are_read_and_decoded() {
        let html = r#"<a href="/a/?x=1&amp;y=2">a</a><img src="/i.png"><h2 id="top">"#;
        assert_eq!(
            attribute_values(html, &["href", "src"]),
            ["/a/?x=1&y=2", "/i.png"]
        );
        assert_eq!(attribute_values(html, &["id"]), ["top"]);
    }
}
