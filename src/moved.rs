//! URLs a change moves: every page address of the last build (in the output
//! folder) or of the old-URL inventory (`redirects/old-urls.txt`) that the site
//! as it is now no longer answers.
//!
//! Adding a second locale to a region moves every page under `/<locale>/`;
//! renaming a slug moves one page. Either is a migration of its own: visitors
//! and search engines still hold the old addresses. Each such URL is an error
//! (`urls::moved`) in `build` and `check` alike, naming the page that took its
//! place and the alias that keeps the old address working. A URL that still
//! answers (a page, or a rule written for it: a redirect, a deliberate 410) is
//! fine; the catch-all for unmatched paths does not count.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::Locale;
use crate::diagnostics::{Diagnostic, SourceFile, Span};
use crate::pipeline::Site;
use crate::plan::PageJob;
use crate::redirects::lookup::resolve;
use crate::redirects::pattern::RequestPath;
use crate::redirects::RuleKind;

/// The old-URL inventory, one absolute URL per line (`#` starts a comment).
pub const INVENTORY: &str = "redirects/old-urls.txt";

/// One address that was served before.
struct OldUrl {
    region: usize,
    /// `/warranty/`
    path: String,
    /// Where it is known from: the inventory line, or the old file.
    origin: Origin,
    /// The status it now gets, when already looked up.
    status: Option<u16>,
}

enum Origin {
    /// The old page's file, and its name as shown.
    Build {
        file: PathBuf,
        shown: String,
    },
    Inventory(Span),
}

/// Every page URL of the last build in `previous` (one folder per domain) and
/// of the inventory that the site no longer answers.
pub fn moved_urls(site: &Site, previous: &Path) -> Vec<Diagnostic> {
    let mut old = gone_pages(site, previous);
    old.extend(inventory(site));
    let mut seen = std::collections::BTreeSet::new();
    old.retain(|url| seen.insert((url.region, url.path.clone())));
    // The old pages of the build got their status as their folders were
    // walked; the inventory's URLs get theirs here. Only the URLs the site
    // no longer answers go on.
    for url in old.iter_mut().filter(|url| url.status.is_none()) {
        url.status = no_longer_answered(site, url.region, &url.path);
    }
    old.retain(|url| url.status.is_some());
    if old.is_empty() {
        return Vec::new();
    }
    let pages = PagesBySlug::of(site, &old);
    old.iter()
        .filter_map(|url| moved(site, &pages, url))
        .collect()
}

/// The pages (`index.html` files) of the last build of every region's domain
/// that the site no longer answers, in the order of the folders. Each old page
/// is only looked up here, on every core; its file is read only when it is gone.
fn gone_pages(site: &Site, previous: &Path) -> Vec<OldUrl> {
    let mut found = Vec::new();
    let shown_root = previous.file_name().map_or_else(
        || previous.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    for (region, r) in site.model.config.regions.iter().enumerate() {
        let dir = previous.join(&r.domain);
        if !dir.is_dir() {
            continue;
        }
        let gone = crate::fs::find_under(&dir, &|file, kind| {
            if file.file_name()? != "index.html" || !kind.is_file() {
                return None;
            }
            let relative = file.parent()?.strip_prefix(&dir).ok()?;
            let segments: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let path = if segments.is_empty() {
                "/".to_string()
            } else {
                format!("/{}/", segments.join("/"))
            };
            let status = no_longer_answered(site, region, &path)?;
            let shown = format!("{shown_root}/{}", crate::fs::shown_path(previous, file));
            Some(OldUrl {
                region,
                path,
                origin: Origin::Build {
                    file: file.to_path_buf(),
                    shown,
                },
                status: Some(status),
            })
        });
        found.extend(gone);
    }
    found
}

/// `<html lang="...">` of an old page: which locale it showed.
fn html_lang(path: &Path) -> Option<Locale> {
    let bytes = std::fs::read(path).ok()?;
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
    let at = head.find("<html")?;
    let rest = &head[at..head[at..].find('>').map_or(head.len(), |end| at + end)];
    let value = rest.split("lang=\"").nth(1)?.split('"').next()?;
    value.parse().ok()
}

/// The inventory's URLs on the site's domains.
fn inventory(site: &Site) -> Vec<OldUrl> {
    let config = &site.model.config;
    let Ok(text) = std::fs::read_to_string(config.root.join(INVENTORY)) else {
        return Vec::new();
    };
    let file = SourceFile::new(INVENTORY, text);
    let mut found = Vec::new();
    let mut offset = 0;
    for line in file.text.split_inclusive('\n') {
        let url = line.split('#').next().unwrap_or("").trim();
        let start = offset + line.find(url).unwrap_or(0);
        offset += line.len();
        let Some(rest) = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
        else {
            continue;
        };
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let Some(region) = config
            .regions
            .iter()
            .position(|r| r.domain.eq_ignore_ascii_case(host))
        else {
            continue;
        };
        let path = path.split(['?', '#']).next().unwrap_or("");
        found.push(OldUrl {
            region,
            path: if path.is_empty() { "/" } else { path }.to_string(),
            origin: Origin::Inventory(Span::new(&file, start, url.len())),
            status: None,
        });
    }
    found
}

/// The status `path` gets on `region`'s domain when the site no longer
/// answers it; `None` when a page or a rule written for it (a redirect, or a
/// deliberate 410) does. The catch-all for unmatched paths does not count.
fn no_longer_answered(site: &Site, region: usize, path: &str) -> Option<u16> {
    let table = site.redirects.get(region)?;
    let request = RequestPath::parse(path).ok()?;
    let resolution = resolve(table, &request);
    let ruled = resolution.hops.iter().any(|hop| {
        hop.rule
            .is_some_and(|rule| table.rules[rule].kind != RuleKind::Unmatched)
    });
    let (status, _) = resolution.first_response();
    (status >= 400 && !ruled).then_some(status)
}

/// The warning for `url` when the site no longer answers it.
fn moved(site: &Site, pages: &PagesBySlug, url: &OldUrl) -> Option<Diagnostic> {
    let status = url.status?;
    let table = site.redirects.get(url.region)?;
    let domain = &table.domain;
    let old = format!("https://{domain}{}", url.path);
    let page = successor(site, pages, url);
    let from_build = matches!(url.origin, Origin::Build { .. });
    if page.is_none() && !from_build {
        // An old-site URL that no page replaces is the redirect audit's business.
        return None;
    }
    let was = match &url.origin {
        Origin::Build { .. } => "was a page in the last build",
        Origin::Inventory(_) => "is in the old-URL inventory",
    };
    let (message, help, at) = match page {
        Some(job) => {
            let source = site.model.source(job);
            let new = site.model.page_url(job);
            (
                format!("{old} {was} and now answers {status}: the page moved to {new}"),
                format!(
                    "keep the old address working: add `{}` to the `aliases:` of {}",
                    url.path, source.file_name()
                ),
                Some(source.key_span("aliases")),
            )
        }
        None => (
            format!("{old} {was} and now answers {status}"),
            "if a page replaces it, add the old path to that page's `aliases:`; else a redirect rule (docs/redirects.md)".to_string(),
            None,
        ),
    };
    let diagnostic = Diagnostic::error("urls::moved", message).help(help);
    Some(match (&url.origin, at) {
        (Origin::Inventory(span), _) => diagnostic.at(span.clone()),
        (Origin::Build { .. }, Some(span)) => diagnostic.at(span),
        (Origin::Build { shown, .. }, None) => diagnostic.in_file(shown.clone()),
    })
}

/// The pages of the slugs (`/warranty`, no trailing slash) that moved URLs
/// could have moved to, by region, as indexes in the plan's jobs: found in
/// one pass over the plan, for all the moved URLs. Only those slugs are
/// kept: a map of every page's slug took some 100 bytes a page, at the end
/// of a build that holds the most.
struct PagesBySlug {
    pages: HashMap<(usize, String), Vec<usize>>,
}

impl PagesBySlug {
    fn of(site: &Site, moved: &[OldUrl]) -> Self {
        let mut pages: HashMap<(usize, String), Vec<usize>> = moved
            .iter()
            .flat_map(|url| {
                let (slugs, _) = successor_slugs(site, url);
                slugs.into_iter().map(|slug| (url.region, slug))
            })
            .map(|(region, slug)| ((region, trimmed(&slug).to_string()), Vec::new()))
            .collect();
        let mut key = (0, String::new());
        for (index, job) in site.model.plan.jobs.iter().enumerate() {
            key.0 = job.region();
            key.1.clear();
            key.1
                .push_str(trimmed(&site.model.head(job).slug.dir_url()));
            if let Some(found) = pages.get_mut(&key) {
                found.push(index);
            }
        }
        PagesBySlug { pages }
    }

    fn get(&self, region: usize, path: &str) -> &[usize] {
        self.pages
            .get(&(region, trimmed(path).to_string()))
            .map_or(&[], Vec::as_slice)
    }
}

/// A slug or path as [`PagesBySlug`] keys it.
fn trimmed(path: &str) -> &str {
    path.trim_end_matches('/')
}

/// The slugs a page that replaces `url` could have: its path, and its path
/// without a locale prefix when it starts with one, with that locale.
fn successor_slugs(site: &Site, url: &OldUrl) -> (Vec<String>, Option<Locale>) {
    let region = site.model.region(url.region);
    let segments: Vec<&str> = url.path.split('/').filter(|s| !s.is_empty()).collect();
    let prefix: Option<Locale> = segments.first().and_then(|s| {
        region
            .locales
            .iter()
            .find(|l| l.url_segment() == s.to_ascii_lowercase())
            .cloned()
            .or_else(|| s.parse().ok())
    });
    let mut slugs = vec![url.path.clone()];
    if prefix.is_some() {
        slugs.push(format!("/{}", segments[1..].join("/")));
    }
    (slugs, prefix)
}

/// The page now published for the old URL: same slug, under a locale prefix
/// added or removed, preferring the locale the old page was in.
fn successor<'a>(site: &'a Site, pages: &PagesBySlug, url: &OldUrl) -> Option<&'a PageJob> {
    let (slugs, prefix) = successor_slugs(site, url);
    let lang = match &url.origin {
        Origin::Build { file, .. } => html_lang(file),
        Origin::Inventory(_) => None,
    };
    let wanted = lang.or(prefix);
    // In the plan's order, as the region's jobs are.
    let mut indexes: Vec<usize> = slugs
        .iter()
        .flat_map(|slug| pages.get(url.region, slug))
        .copied()
        .collect();
    indexes.sort_unstable();
    indexes.dedup();
    let candidates: Vec<&PageJob> = indexes.iter().map(|&i| &site.model.plan.jobs[i]).collect();
    candidates
        .iter()
        .find(|job| Some(site.model.plan.locale(job)) == wanted.as_ref())
        .or_else(|| candidates.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old_url(region: usize, path: &str) -> OldUrl {
        OldUrl {
            region,
            path: path.to_string(),
            origin: Origin::Build {
                file: PathBuf::from("public/index.html"),
                shown: "public/index.html".to_string(),
            },
            status: Some(404),
        }
    }

    #[test]
    fn only_the_slugs_moved_urls_could_move_to_are_kept_and_their_pages_found() {
        let site = Site::load(Path::new("tests/fixtures/multi")).expect("loads");
        let moved = [old_url(1, "/fr-be/aide/"), old_url(0, "/nowhere/")];
        let pages = PagesBySlug::of(&site, &moved);
        let mut kept: Vec<&(usize, String)> = pages.pages.keys().collect();
        kept.sort();
        // Not the other pages' slugs (the homes', `/help`): only these.
        assert_eq!(
            kept,
            [
                &(0, "/nowhere".to_string()),
                &(1, "/aide".to_string()),
                &(1, "/fr-be/aide".to_string())
            ]
        );
        let job = successor(&site, &pages, &moved[0]).expect("the page moved");
        assert_eq!(
            site.model.page_url(job),
            "https://be.acme.example/fr-be/aide/"
        );
        assert!(successor(&site, &pages, &moved[1]).is_none());
        assert!(pages.get(0, "/nowhere/").is_empty());
    }
}
