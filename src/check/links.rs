//! Links in the rendered pages: every internal link and `#fragment` must reach a
//! generated page or a redirect rule of its domain, links to other regional
//! domains must reach their pages, and `javascript:`-style schemes are errors.
//!
//! Pages are rendered once, by the pipeline, into a [`LinkSink`]; a problem points at the link where it was
//! written (the page's Markdown file, else the theme template that holds it).

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use pulldown_cmark::{Event, Parser, Tag};
use rayon::prelude::*;

use crate::content::SourcePage;
use crate::diagnostics::{closest, Diagnostic, SourceFile, Span};
use crate::output::Sink;
use crate::paths::SitePath;
use crate::pipeline::Site;
use crate::redirects::lookup::{resolve, End};
use crate::redirects::pattern::RequestPath;
use crate::redirects::RuleTable;
use crate::spill::{CountedPlace, Spill};

/// Schemes that run code or smuggle content instead of linking.
const UNSAFE_SCHEMES: [&str; 4] = ["javascript:", "vbscript:", "data:", "file:"];

/// Which links of a page are checked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Checked {
    /// A page rendered by this build.
    Every,
    /// A page kept from the last build: see [`LinkSink::kept`].
    Fragments,
}

/// A rendered HTML page: where it is, for the links it holds.
struct PageRef {
    region: usize,
    /// Where its ids are kept: see [`PageKey`].
    key: PageKey,
    /// `/help/index.html`
    file: String,
    /// `/help/`
    url_dir: String,
}

/// Checks the links of every HTML file as the pipeline renders it, so `check`
/// renders each page once and keeps neither the site's HTML nor its links.
/// What stays is each page's ids (for `#fragment` links to it), the fragment
/// links to pages not rendered yet, and the links that do not work.
pub struct LinkSink<'a> {
    site: &'a Site,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    /// Where the ids of each page rendered so far are, by region and the
    /// page's place among the region's files ([`PageKey::Placed`]): in
    /// `id_text`, a temporary file, as one text a page ([`PageIds`]). Not in
    /// memory: 50 bytes a page and more (5 MB of a 100,000-page build), for
    /// the few read back, by a link to a `#fragment` of another page. A list
    /// by place, 4 bytes a page, where a map by key took 2.2 MB at 100,000
    /// pages.
    ids: Vec<Vec<Option<CountedPlace>>>,
    /// Those of files not among their region's ([`PageKey::Hashed`]).
    ids_hashed: HashMap<u64, CountedPlace>,
    id_text: Spill,
    /// The ids of pages past the 4 GiB a spill holds.
    overflow: HashMap<PageKey, String>,
    /// Ids that could not be read back: the check cannot be trusted.
    unreadable: Option<String>,
    /// `#fragment` links to pages not rendered yet, by the target's key.
    waiting: HashMap<PageKey, Vec<Fragment>>,
    /// The links that do not work.
    failed: Vec<Failed>,
}

/// Where a link is: the page (region and file) and its place among the page's links.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Place {
    region: usize,
    file: String,
    index: usize,
}

/// A link to a `#fragment` of a page, checked once that page's ids are known.
struct Fragment {
    place: Place,
    /// The page linked to: its region and file (`/help/index.html`).
    target: (usize, String),
    link: String,
    /// The path as linked (`/help/`), for the message.
    path: String,
    fragment: String,
}

/// A link that does not work, told at its place once every page is rendered.
struct Failed {
    place: Place,
    problem: Problem,
}

/// What a link's target says about it, before any page's ids are needed.
enum Verdict {
    Works,
    Fails(Problem),
    /// Reaches a page: the fragment must be one of its ids.
    NeedsId {
        target: (usize, String),
        path: String,
        fragment: String,
    },
}

/// A page's ids in one string, each after a NUL, which no id holds: a
/// browser reads a NUL in an attribute (or `&#0;`) as U+FFFD, and so does
/// [`PageIds::join`].
#[derive(Clone, Copy)]
struct PageIds<'a>(&'a str);

impl PageIds<'_> {
    /// Each id after a NUL, so that no ids and one empty id differ.
    fn join(ids: Vec<String>) -> String {
        let mut joined = String::new();
        for id in ids {
            joined.push('\0');
            joined.push_str(&id.replace('\0', "\u{FFFD}"));
        }
        joined
    }
}

impl<'a> PageIds<'a> {
    fn iter(self) -> impl Iterator<Item = &'a str> {
        self.0.split('\0').skip(1)
    }
}

impl Seen {
    /// What is seen of a site's pages before any is rendered: room for the
    /// ids of every file of each of its `regions`, as many as each has.
    fn of(regions: impl Iterator<Item = usize>) -> Seen {
        Seen {
            ids: regions.map(|files| vec![None; files]).collect(),
            ..Seen::default()
        }
    }

    fn kept_place(&mut self, key: PageKey) -> Option<&mut Option<CountedPlace>> {
        match key {
            PageKey::Placed { region, place } => self
                .ids
                .get_mut(region as usize)
                .and_then(|places| places.get_mut(place as usize)),
            PageKey::Hashed(_) => None,
        }
    }

    /// The ids of the page with this key ([`PageIds`]).
    fn ids_of(&mut self, key: PageKey) -> Ids {
        if let Some(ids) = self.overflow.get(&key) {
            return Ids::Rendered(ids.clone());
        }
        let place = match key {
            PageKey::Hashed(hash) => self.ids_hashed.get(&hash).copied(),
            PageKey::Placed { .. } => self.kept_place(key).and_then(|place| *place),
        };
        let Some(place) = place else {
            return Ids::NotYet;
        };
        let read = self.id_text.get_counted(place).map(String::from_utf8);
        let why = match read {
            Ok(Ok(ids)) => return Ids::Rendered(ids),
            Ok(Err(error)) => error.to_string(),
            Err(error) => error.to_string(),
        };
        self.unreadable.get_or_insert(why);
        Ids::Unreadable
    }

    fn keep_ids(&mut self, key: PageKey, ids: &str) {
        let Some(place) = self.id_text.put_counted(ids.as_bytes()) else {
            self.overflow.insert(key, ids.to_string());
            return;
        };
        match (key, self.kept_place(key)) {
            (_, Some(kept)) => *kept = Some(place),
            (PageKey::Hashed(hash), None) => {
                self.ids_hashed.insert(hash, place);
            }
            // A place past the region's files: not one `Seen::of` made room for.
            (PageKey::Placed { .. }, None) => {
                self.overflow.insert(key, ids.to_string());
            }
        }
    }
}

/// What is known of a page's ids.
enum Ids {
    /// Its ids ([`PageIds`]).
    Rendered(String),
    /// It was not rendered yet.
    NotYet,
    /// They could not be read back: noted for [`LinkSink::finish`] to tell.
    Unreadable,
}

/// Which rendered file of a region a page is, to find its ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PageKey {
    /// Its place among the region's files (its redirect table's), as every
    /// file the site writes is.
    Placed { region: u32, place: u32 },
    /// The hash of the region and the file, for one not among them.
    Hashed(u64),
}

/// The key of `file` (`/help/index.html`) of `region`, whose files are
/// those of its rule table in `tables`.
fn page_key(tables: &[RuleTable], region: usize, file: &str) -> PageKey {
    let placed = RequestPath::parse(file).ok().and_then(|path| {
        let place = tables.get(region)?.files.place_of(&path)?;
        Some(PageKey::Placed {
            region: u32::try_from(region).ok()?,
            place: u32::try_from(place).ok()?,
        })
    });
    placed.unwrap_or_else(|| {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut hasher = DefaultHasher::new();
        (region, file).hash(&mut hasher);
        PageKey::Hashed(hasher.finish())
    })
}

impl<'a> LinkSink<'a> {
    pub fn new(site: &'a Site) -> LinkSink<'a> {
        let regions = site.redirects.iter().map(|table| table.files.len());
        LinkSink {
            site,
            seen: Mutex::new(Seen::of(regions)),
        }
    }

    /// The page at `path` of `domain`, when it is an HTML page of the site.
    fn page_ref(&self, domain: &str, path: &SitePath) -> Option<PageRef> {
        if !self.wants(path) {
            return None;
        }
        let region = self
            .site
            .redirects
            .iter()
            .position(|t| t.domain == domain)?;
        let file = path.file_url();
        let url_dir = file
            .rsplit_once('/')
            .map_or("/".to_string(), |(dir, _)| format!("{dir}/"));
        Some(PageRef {
            region,
            key: page_key(&self.site.redirects, region, &file),
            file,
            url_dir,
        })
    }

    /// Notes a page kept as the last build wrote it, from its bytes: its ids,
    /// for the links to it, and its `#fragment` links, which a page rendered
    /// again may have broken by losing an id. Its other links are not
    /// followed again: they lead where they led when the last build checked
    /// them, since only pages' texts changed (a page or a rule added, moved or
    /// removed makes a full build), and following them is most of the link
    /// check's time.
    pub fn kept(&self, domain: &str, path: &SitePath, bytes: &[u8]) {
        if let Some(page) = self.page_ref(domain, path) {
            self.page(page, &crate::output::text_of(bytes), Checked::Fragments);
        }
    }

    /// Checks the links of one HTML page, as `checked` says.
    fn page(&self, page: PageRef, html: &str, checked: Checked) {
        let (mut links, ids) = links_and_ids(html);
        if checked == Checked::Fragments {
            links.retain(|link| link.contains('#'));
        }
        let joined_ids = PageIds::join(ids);
        let ids = PageIds(&joined_ids);
        let own = (page.region, page.file.as_str());
        let mut failed = Vec::new();
        let mut needs_ids = Vec::new();
        // Only a link that fails or waits needs its place.
        let place = |index| Place {
            region: page.region,
            file: page.file.clone(),
            index,
        };
        // A page links to itself and its alternates several times (switcher,
        // canonical, hreflang): a link that works is followed once.
        let mut working = rustc_hash::FxHashSet::default();
        for (index, link) in links.iter().enumerate() {
            if working.contains(link.as_str()) {
                continue;
            }
            match verdict(self.site, &page, link) {
                Verdict::Works => {
                    working.insert(link.as_str());
                }
                Verdict::Fails(problem) => failed.push(Failed {
                    place: place(index),
                    problem,
                }),
                Verdict::NeedsId {
                    target,
                    path,
                    fragment,
                } => {
                    let key = page_key(&self.site.redirects, target.0, &target.1);
                    let wanted = Fragment {
                        place: place(index),
                        target,
                        link: link.clone(),
                        path,
                        fragment,
                    };
                    if (wanted.target.0, wanted.target.1.as_str()) == own {
                        failed.extend(wanted.check(Some(ids)));
                    } else {
                        needs_ids.push((key, wanted));
                    }
                }
            }
        }
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        let key = page.key;
        for wanted in seen.waiting.remove(&key).unwrap_or_default() {
            failed.extend(wanted.check(Some(ids)));
        }
        for (target, wanted) in needs_ids {
            match seen.ids_of(target) {
                Ids::Rendered(target_ids) => {
                    failed.extend(wanted.check(Some(PageIds(&target_ids))));
                }
                Ids::NotYet => seen.waiting.entry(target).or_default().push(wanted),
                // Not checked: the build fails on the file that failed.
                Ids::Unreadable => {}
            }
        }
        seen.failed.append(&mut failed);
        seen.keep_ids(key, &joined_ids);
    }

    /// The ids of the page `file` of `region`, if it was rendered.
    pub fn ids_of(&self, region: usize, file: &str) -> Option<Vec<String>> {
        let mut seen = self.seen.lock().ok()?;
        let Ids::Rendered(ids) = seen.ids_of(page_key(&self.site.redirects, region, file)) else {
            return None;
        };
        Some(PageIds(&ids).iter().map(str::to_string).collect())
    }

    /// Checks the `#fragment` links to pages that were not rendered, against
    /// the ids of the HTML that `html_of` gives for them (a page of the last
    /// build, kept as it was). Those it gives none for still wait.
    pub fn check_waiting_with(&self, html_of: impl Fn(usize, &str) -> Option<Vec<u8>>) {
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        let waiting: Vec<(PageKey, Vec<Fragment>)> = seen.waiting.drain().collect();
        for (key, fragments) in waiting {
            let Some(html) = fragments
                .first()
                .and_then(|first| html_of(first.target.0, &first.target.1))
            else {
                seen.waiting.insert(key, fragments);
                continue;
            };
            let joined = PageIds::join(ids_in(&crate::output::text_of(&html)));
            for wanted in fragments {
                seen.failed.extend(wanted.check(Some(PageIds(&joined))));
            }
        }
    }

    /// The links that do not work, each told once at the place it was written
    /// (the page's Markdown, else the template that holds it).
    pub fn finish(self, templates: &[SourceFile]) -> Vec<Diagnostic> {
        let mut seen = self.seen.into_inner().unwrap_or_default();
        let unreadable = seen.unreadable.take().map(|why| {
            Diagnostic::error(
                "build::temporary-file",
                format!("the ids of the pages could not be read back from the build's temporary file ({why}): `#fragment` links were not all checked"),
            )
            .help("check the disk of the system's temporary folder (TMPDIR), then run the command again")
        });
        // Fragments of files that are not HTML pages, or not rendered.
        let waiting: Vec<Fragment> = seen.waiting.drain().flat_map(|(_, w)| w).collect();
        seen.failed
            .extend(waiting.into_iter().filter_map(|wanted| wanted.check(None)));
        seen.failed.sort_by(|a, b| a.place.cmp(&b.place));
        let site = self.site;
        // The pages of the failed links only: one entry per page of a
        // 100,000-page site would be 8 MB.
        let failing: HashSet<(usize, &str)> = seen
            .failed
            .iter()
            .map(|failed| (failed.place.region, failed.place.file.as_str()))
            .collect();
        let sources: HashMap<(usize, String), Cow<SourcePage>> = site
            .model
            .plan
            .jobs
            .iter()
            .filter(|_| !failing.is_empty())
            .map(|job| ((job.region(), site.model.page_output(job).file_url()), job))
            .filter(|((region, file), _)| failing.contains(&(*region, file.as_str())))
            .map(|(key, job)| (key, site.model.source(job)))
            .collect();
        let mut problems: Vec<Diagnostic> = seen
            .failed
            .into_par_iter()
            .map(|Failed { place, problem }| {
                let source = sources
                    .get(&(place.region, place.file.clone()))
                    .map(|s| &**s);
                let ((code, message), help) = problem;
                locate(&place.file, source, templates, code, message, help)
            })
            .collect();
        // One report per link as written, not per page or domain it is rendered on:
        // the first, in the order of the regions in site.yaml.
        let mut told = BTreeSet::new();
        problems.retain(|d| {
            let link = d.message.split('`').nth(1).unwrap_or("").to_string();
            told.insert((d.location_label(), link))
        });
        problems.extend(unreadable);
        problems
    }
}

impl Sink for LinkSink<'_> {
    /// Links are read from pages only.
    fn wants(&self, path: &SitePath) -> bool {
        path.file_url().ends_with(".html")
    }

    fn write(&self, domain: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic> {
        if let Some(page) = self.page_ref(domain, path) {
            self.page(page, &crate::output::text_of(bytes), Checked::Every);
        }
        Ok(())
    }
}

impl Fragment {
    /// The problem when the page linked to (with `ids`; `None`: no HTML page)
    /// has no such id.
    fn check(self, ids: Option<PageIds>) -> Option<Failed> {
        let Fragment {
            place,
            target: _,
            link,
            path,
            fragment,
        } = self;
        if ids.is_some_and(|ids| ids.iter().any(|id| id == fragment)) {
            return None;
        }
        let close = ids.and_then(|ids| closest(&fragment, ids.iter()));
        let problem = (
            ("links::fragment", format!("the link `{link}` points to `#{fragment}`, which {} does not have", path_or_self(&path))),
            match close {
                Some(id) => format!("did you mean `#{id}`?"),
                None => "link to an id the page has (each heading gets one from its text: `## Repairs` is `#repairs`), or drop the fragment".to_string(),
            },
        );
        Some(Failed { place, problem })
    }
}

/// The values of `name="..."` attributes, entity-decoded: those of the first
/// name in document order, then those of the next.
pub fn attribute_values(html: &str, names: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    each_attribute(html, names, |which, value| found.push((which, value)));
    found.sort_by_key(|&(which, _)| which);
    found.into_iter().map(|(_, value)| value).collect()
}

/// The ids of an HTML page, in order.
pub fn ids_in(html: &str) -> Vec<String> {
    let mut ids = Vec::new();
    each_attribute(html, &["id"], |_, value| ids.push(value));
    ids
}

/// A page's links (`href` and `src`, in that order) and its ids, from one
/// read of the page.
fn links_and_ids(html: &str) -> (Vec<String>, Vec<String>) {
    let (mut hrefs, mut srcs, mut ids) = (Vec::new(), Vec::new(), Vec::new());
    each_attribute(html, &["href", "src", "id"], |which, value| {
        [&mut hrefs, &mut srcs, &mut ids][which].push(value)
    });
    hrefs.append(&mut srcs);
    (hrefs, ids)
}

/// Calls `found` with the index in `names` and the value of each attribute
/// with one of those names, in the order of the page.
fn each_attribute(html: &str, names: &[&str], mut found: impl FnMut(usize, String)) {
    // One pass over the page from each `=`, not one search per name: on a
    // 40,000-page site the link check reads every page the build writes.
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(equals) = memchr::memchr(b'=', &bytes[from..]).map(|at| from + at) {
        from = equals + 1;
        if bytes.get(equals + 1) != Some(&b'"') {
            continue;
        }
        let before = &bytes[..equals];
        let named = |name: &&str| {
            let name = name.as_bytes();
            before.ends_with(name) && before[..before.len() - name.len()].ends_with(b" ")
        };
        let Some(which) = names.iter().position(named) else {
            continue;
        };
        let start = equals + 2;
        let end = memchr::memchr(b'"', &bytes[start..]).map_or(html.len(), |at| start + at);
        found(which, crate::render::unescape(&html[start..end]));
        from = end;
    }
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
    site.model
        .content
        .with_extras()
        .flat_map(|page| page.extras.unsafe_links.iter().cloned())
        .collect()
}

/// The links and images whose URL scheme is not safe in the body that starts
/// at `body_offset` in `file`.
pub fn unsafe_links_in(file: &SourceFile, body_offset: usize) -> Vec<Diagnostic> {
    let body = &file.text[body_offset..];
    let mut problems = Vec::new();
    if !may_name_unsafe_scheme(body) {
        return problems;
    }
    for event in Parser::new_ext(body, crate::raw_html::markdown_options()) {
        let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = event else {
            continue;
        };
        let Some(((code, message), help)) = unsafe_scheme(&dest_url) else {
            continue;
        };
        let diagnostic = Diagnostic::error(code, message).help(help);
        problems.push(match body.find(dest_url.as_ref()) {
            Some(at) => diagnostic.at(Span::new(file, body_offset + at, dest_url.len())),
            None => diagnostic.in_file(file.name.to_string()),
        });
    }
    problems
}

/// ((code, message), help) for a link that does not work.
type Problem = ((&'static str, String), String);

fn verdict(site: &Site, page: &PageRef, link: &str) -> Verdict {
    if let Some(problem) = unsafe_scheme(link) {
        return Verdict::Fails(problem);
    }
    let Some((region, path_and_fragment)) = target_of(site, page, link) else {
        return Verdict::Works;
    };
    let (path, fragment) = match path_and_fragment.split_once('#') {
        Some((path, fragment)) => (path.to_string(), Some(fragment.to_string())),
        None => (path_and_fragment, None),
    };
    let path = path.split('?').next().unwrap_or("");
    let table = &site.redirects[region];
    let domain = &table.domain;
    let path = match resolve_dot_segments(path) {
        Ok(path) => path.into_owned(),
        Err(levels) => {
            return Verdict::Fails((
                (
                    "links::broken",
                    format!(
                        "the link `{link}` climbs {levels} level{} above the root of {domain}",
                        if levels == 1 { "" } else { "s" }
                    ),
                ),
                format!(
                    "from {}, use one `../` fewer per level, or a path from the root such as `/warranty/`",
                    page.url_dir
                ),
            ))
        }
    };
    let request = match RequestPath::parse(&path) {
        Ok(request) => request,
        Err(why) => {
            return Verdict::Fails((
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
        End::File { path: file, status: 200 } => match fragment {
            Some(fragment) if !fragment.is_empty() => Verdict::NeedsId {
                target: (region, file),
                path,
                fragment,
            },
            _ => Verdict::Works,
        },
        End::External { .. } => Verdict::Works,
        _ => Verdict::Fails((
            ("links::broken", format!("the link `{link}` goes nowhere on {domain}: no page and no redirect rule answers {path}")),
            "link to a generated page, or add a redirect rule for the old address".to_string(),
        )),
    }
}

/// `path` (from `/`) as a browser requests it: each `.` segment is dropped and
/// each `..` drops the segment before it (RFC 3986, 5.2.4), so that
/// `../warranty/` written on `/fr-fr/help/` is checked as `/fr-fr/warranty/`.
/// Browsers also read `%2e` as a dot. `Err` with how many levels the `..`
/// segments climb above the root: a browser stops there, so the link would
/// not lead where it was meant to.
fn resolve_dot_segments(path: &str) -> Result<Cow<'_, str>, usize> {
    let Some(rest) = path.strip_prefix('/') else {
        return Ok(Cow::Borrowed(path));
    };
    if !rest.split('/').any(|segment| dots(segment).is_some()) {
        return Ok(Cow::Borrowed(path));
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let mut kept: Vec<&str> = Vec::with_capacity(segments.len());
    let mut above_root = 0;
    let last = segments.len() - 1;
    for (at, segment) in segments.iter().enumerate() {
        match dots(segment) {
            Some(dot_count) => {
                if dot_count == 2 && kept.pop().is_none() {
                    above_root += 1;
                }
                // `a/..` and `a/.` end in a folder: `/`.
                if at == last {
                    kept.push("");
                }
            }
            None => kept.push(segment),
        }
    }
    if above_root > 0 {
        return Err(above_root);
    }
    Ok(Cow::Owned(format!("/{}", kept.join("/"))))
}

/// 1 for a `.` segment, 2 for `..`, each dot perhaps written `%2e` or `%2E`.
fn dots(segment: &str) -> Option<usize> {
    let mut rest = segment.as_bytes();
    let mut count = 0;
    while !rest.is_empty() && count < 3 {
        if rest[0] == b'.' {
            rest = &rest[1..];
        } else if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"%2e") {
            rest = &rest[3..];
        } else {
            return None;
        }
        count += 1;
    }
    (rest.is_empty() && (1..=2).contains(&count)).then_some(count)
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
fn target_of(site: &Site, page: &PageRef, link: &str) -> Option<(usize, String)> {
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

/// Whether Markdown may hold a link with an unsafe scheme: the scheme written
/// in any case (its `:` perhaps escaped as `\:`), or an entity, which could
/// spell one. Most pages hold neither and need no parse.
fn may_name_unsafe_scheme(markdown: &str) -> bool {
    if markdown.contains('&') {
        return true;
    }
    // Found from each `:`, which is rare in prose, rather than by lowercasing
    // the whole page and searching it once per scheme.
    let bytes = markdown.as_bytes();
    markdown.match_indices(':').any(|(colon, _)| {
        let before = &bytes[..colon];
        let before = before.strip_suffix(b"\\").unwrap_or(before);
        UNSAFE_SCHEMES.iter().any(|scheme| {
            let name = scheme.trim_end_matches(':').as_bytes();
            before.len() >= name.len()
                && before[before.len() - name.len()..].eq_ignore_ascii_case(name)
        })
    })
}

/// `mailto:x`, `tel:+1`: a `:` before any `/`, `?` or `#`.
fn has_scheme(link: &str) -> bool {
    let end = link.find(['/', '?', '#']).unwrap_or(link.len());
    link[..end].contains(':')
}

/// Points at the link where it was written: the page's Markdown, else a template.
fn locate(
    file: &str,
    source: Option<&SourcePage>,
    templates: &[SourceFile],
    code: &'static str,
    message: String,
    help: String,
) -> Diagnostic {
    let needle = message.split('`').nth(1).unwrap_or("").to_string();
    let diagnostic = Diagnostic::error(code, message).help(help);
    // The page's text is read again: only for a link that does not work.
    let page_file = source.and_then(|source| source.whole_file().ok());
    let found = page_file.iter().chain(templates).find_map(|file| {
        file.text
            .find(&needle)
            .map(|at| Span::new(file, at, needle.len()))
    });
    match found {
        Some(span) if !needle.is_empty() => diagnostic.at(span),
        _ => diagnostic.in_file(format!("{file} (rendered)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pages_ids_are_kept_as_they_were_found() {
        // Two regions: of three files and of two.
        let mut seen = Seen::of([3, 2].into_iter());
        let placed = |region, place| PageKey::Placed { region, place };
        let mut keep = |key: PageKey, list: &[&str]| {
            let joined = PageIds::join(list.iter().map(|id| id.to_string()).collect());
            seen.keep_ids(key, &joined);
        };
        keep(placed(0, 0), &["main", "", "a b", "r\u{e9}sum\u{e9}"]);
        keep(placed(0, 2), &[]);
        keep(placed(1, 0), &[""]);
        // A NUL is U+FFFD, as a browser reads it: it never splits an id.
        keep(placed(1, 1), &["a\0b"]);
        // A file not among its region's, and a place past them.
        keep(PageKey::Hashed(7), &["hashed"]);
        keep(placed(1, 9), &["past"]);
        keep(placed(0, 1), &["next"]);
        let mut kept = |key| match seen.ids_of(key) {
            Ids::Rendered(ids) => {
                Some(PageIds(&ids).iter().map(str::to_string).collect::<Vec<_>>())
            }
            Ids::NotYet => None,
            Ids::Unreadable => panic!("unreadable"),
        };
        assert_eq!(
            kept(placed(0, 0)).unwrap(),
            ["main", "", "a b", "r\u{e9}sum\u{e9}"]
        );
        assert_eq!(kept(placed(0, 2)).unwrap().len(), 0);
        assert_eq!(kept(placed(1, 0)).unwrap(), [""]);
        assert_eq!(kept(placed(1, 1)).unwrap(), ["a\u{FFFD}b"]);
        assert_eq!(kept(PageKey::Hashed(7)).unwrap(), ["hashed"]);
        assert_eq!(kept(placed(1, 9)).unwrap(), ["past"]);
        // Pages kept one after another in one string do not run into each other.
        assert_eq!(kept(placed(0, 1)).unwrap(), ["next"]);
        // Not rendered yet: in range, past the files, of no region, hashed.
        for key in [placed(1, 2), placed(1, 3), placed(2, 0), PageKey::Hashed(8)] {
            assert_eq!(kept(key), None, "{key:?}");
        }
    }

    #[test]
    fn a_rendered_page_is_known_by_its_place_among_its_regions_files() {
        let files: crate::redirects::files::FileSet = ["/a/index.html", "/b/index.html"]
            .iter()
            .map(|file| RequestPath::parse(file).unwrap())
            .collect();
        let tables = [RuleTable::new(
            0,
            "example.com".to_string(),
            crate::redirects::Target::Netlify,
            Vec::new(),
            files,
        )];
        let site = &tables[..];
        assert_eq!(
            page_key(site, 0, "/b/index.html"),
            PageKey::Placed {
                region: 0,
                place: 1
            }
        );
        let hashed = page_key(site, 0, "/c/index.html");
        assert!(matches!(hashed, PageKey::Hashed(_)));
        assert_eq!(hashed, page_key(site, 0, "/c/index.html"));
        assert_ne!(hashed, page_key(site, 1, "/c/index.html"));
        assert!(matches!(
            page_key(site, 1, "/a/index.html"),
            PageKey::Hashed(_)
        ));
    }

    #[test]
    fn dot_segments_are_resolved_as_a_browser_resolves_them() {
        let resolved = |path| resolve_dot_segments(path).map(|p| p.into_owned());
        for (written, requested) in [
            ("/fr-fr/help/../warranty/", "/fr-fr/warranty/"),
            ("/fr-fr/help/./", "/fr-fr/help/"),
            ("/fr-fr/help/..", "/fr-fr/"),
            ("/fr-fr/help/.", "/fr-fr/help/"),
            ("/fr-fr/help/../../", "/"),
            ("/a/%2e%2E/b", "/b"),
            ("/a/.%2e/b/%2E/c", "/b/c"),
            ("/a//../b", "/a/b"),
        ] {
            assert_eq!(resolved(written), Ok(requested.to_string()), "{written}");
        }
        // Not dot segments: left as they are.
        for path in [
            "/a/.../b",
            "/a/..b/",
            "/.well-known/x",
            "/a/%2e%2e%2e/",
            "/",
        ] {
            assert!(matches!(resolve_dot_segments(path), Ok(Cow::Borrowed(p)) if p == path));
        }
        assert_eq!(resolved("/help/../../"), Err(1));
        assert_eq!(resolved("/../../x"), Err(2));
    }

    #[test]
    fn links_with_a_scheme_leave_the_site() {
        assert!(has_scheme("mailto:help@example.com"));
        assert!(has_scheme("tel:+441234"));
        assert!(!has_scheme("/warranty/"));
        assert!(!has_scheme("warranty/#a:b"));
        assert!(!has_scheme("page?x=a:b"));
    }

    #[test]
    fn only_markdown_that_may_name_an_unsafe_scheme_is_parsed_for_one() {
        for unsafe_link in [
            "[a](javascript:alert(1))",
            "[a](JavaScript:alert(1))",
            "[a](javascript\\:alert(1))",
            "[a](&#106;avascript:alert(1))",
            "<vbscript:x>",
            "![a](DATA:image/png;base64,x)",
            "[a]\n\n[a]: file:///etc/passwd",
        ] {
            assert!(may_name_unsafe_scheme(unsafe_link), "{unsafe_link}");
            let file = SourceFile::new("content/en/a.md", unsafe_link);
            assert_eq!(unsafe_links_in(&file, 0).len(), 1, "{unsafe_link}");
        }
        for harmless in [
            "The data is kept on file.",
            "[a](https://example.com/javascript/)",
        ] {
            assert!(!may_name_unsafe_scheme(harmless), "{harmless}");
        }
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
