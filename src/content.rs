//! `content/<locale>/<name>.md`: pages, one file per page and locale.
//!
//! Front matter is split off at byte 0 (pulldown-cmark would also take a `---` block
//! in the middle of a document) and parsed with its line offset, so errors point at
//! the line in the whole file. The body stays as text: it is a Tera template rendered
//! per region before Markdown, so one French text serves every French-speaking
//! region with that region's links.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Locale, SiteConfig};
use crate::diagnostics::{Diagnostic, Outcome, SourceFile, Span};
use crate::fs;
use crate::paths::SitePath;
use crate::text_list::SortedTexts;

mod front_matter;
mod pages;
pub use front_matter::{parse_page, suggested_slug};
pub use pages::{LocalePages, PageHead, Store};

pub const CONTENT_DIR: &str = "content";

/// The template a page is rendered with when its front matter names none.
pub const DEFAULT_TEMPLATE: &str = "page.html";

/// The code of the error for a site without a single page.
pub const NO_PAGES: &str = "content::no-pages";

/// An old URL on the page's domain that should lead to the page.
#[derive(Debug, Clone)]
pub struct Alias {
    pub path: String,
    pub span: Span,
}

/// The name of a page's file (`content/fr-FR/garantie.md`) when its locale
/// and name do not give it, as they do for almost every page: those keep no
/// name (40 bytes a page, 4 MB of a 100,000-page build), and
/// [`SourcePage::file_name`] writes it when asked. Others are read from a
/// folder written other than its locale's tag, or parsed from a text of
/// another name.
fn unusual_file_name(name: &str, locale: &Locale, shown: &Arc<str>) -> Option<Arc<str>> {
    (!in_its_folder(name, locale, shown)).then(|| shown.clone())
}

/// Whether `shown` is `content/<locale>/<name>.md`.
fn in_its_folder(name: &str, locale: &Locale, shown: &str) -> bool {
    shown
        .strip_prefix(CONTENT_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|rest| rest.strip_prefix(locale.as_str()))
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|rest| rest.strip_suffix(".md"))
        == Some(name)
}

/// One Markdown file, loaded and checked, not yet rendered.
#[derive(Debug, Clone)]
pub struct SourcePage {
    /// The file name without `.md`, shared by a page's translations (`index`,
    /// `warranty`), and shared with the plan's jobs of the page.
    pub name: Arc<str>,
    pub locale: Locale,
    /// Where the whole file is: see [`SourcePage::file_name`]. Its text is
    /// read again to show a problem in it ([`SourcePage::source`]).
    pub body: Body,
    /// What few pages have: what the checks and the images need from the
    /// body, noted when it was read, the aliases, an unusual file name.
    pub extras: RareExtras,
    /// The title, description, nav title, template and date of the front
    /// matter: see [`SourcePage::texts`].
    texts: Texts,
    /// The path under the locale root (`garantie`, or empty for the home page).
    pub slug: SitePath,
    /// Byte offset of the body in the file: a page is under 4 GiB
    /// ([`PAGE_LIMIT`]). Its first line is counted when asked
    /// ([`SourcePage::body_line`]), from the file then in hand.
    body_offset: u32,
    pub draft: bool,
}

/// The largest page file: its offsets are kept in 32 bits.
pub const PAGE_LIMIT: usize = u32::MAX as usize;

/// The texts of a page's front matter, one after another in one allocation:
/// each page's record is kept until the build ends, and five strings of
/// their own would cost five pointers and up to five allocations' headers
/// and rounding (about 100 bytes a page) for texts of 10 to 100 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FrontTexts {
    /// A letter that says which texts the front matter gave (an absent one
    /// and an empty one differ), then the title, description, nav title,
    /// template and `updated` date. In the text, not a field of its own,
    /// which would take 8 bytes with its padding.
    text: Box<str>,
    /// Where each text but the last ends in `text`.
    ends: [u32; 4],
    /// The menu's order (`weight:`), in 32 bits: read with the texts.
    weight: i32,
}

impl FrontTexts {
    const NAV_TITLE: usize = 2;
    const TEMPLATE: usize = 3;
    const UPDATED: usize = 4;

    fn new(
        title: &str,
        description: &str,
        nav_title: Option<&str>,
        template: Option<&str>,
        updated: Option<&str>,
        weight: i32,
    ) -> FrontTexts {
        let parts = [Some(title), Some(description), nav_title, template, updated];
        let given = parts
            .iter()
            .enumerate()
            .filter(|(_, part)| part.is_some())
            .fold(0, |given, (index, _)| given | 1 << index);
        let mut text =
            String::with_capacity(1 + parts.iter().flatten().map(|p| p.len()).sum::<usize>());
        // Five bits after `@`: an ASCII letter or sign, one byte.
        text.push(char::from(b'@' + given));
        let mut ends = [0; 4];
        for (index, part) in parts.iter().enumerate() {
            text.push_str(part.unwrap_or_default());
            if let Some(end) = ends.get_mut(index) {
                // A page's file is under [`PAGE_LIMIT`]; its front matter too.
                *end = u32::try_from(text.len()).unwrap_or(u32::MAX);
            }
        }
        FrontTexts {
            text: text.into_boxed_str(),
            ends,
            weight,
        }
    }

    /// The text at `index` (0 = title ... 4 = date), if the front matter gave it.
    fn get(&self, index: usize) -> Option<&str> {
        let given = self.text.as_bytes()[0] - b'@';
        if given & (1 << index) == 0 {
            return None;
        }
        let start = index
            .checked_sub(1)
            .map_or(1, |before| self.ends[before] as usize);
        let end = self
            .ends
            .get(index)
            .map_or(self.text.len(), |&end| end as usize);
        // Always within `text` and on its characters' bounds, as `new` made
        // them: `get` only so that no text could make it panic.
        Some(self.text.get(start..end).unwrap_or_default())
    }

    pub fn title(&self) -> &str {
        self.get(0).unwrap_or_default()
    }

    /// The menu's order: lower first, then by name.
    pub fn weight(&self) -> i32 {
        self.weight
    }

    pub fn description(&self) -> &str {
        self.get(1).unwrap_or_default()
    }

    /// A short label for the menu; the title when absent.
    pub fn nav_title(&self) -> Option<&str> {
        self.get(Self::NAV_TITLE)
    }

    /// The template the page is rendered with: [`DEFAULT_TEMPLATE`] unless
    /// the front matter names one.
    pub fn template(&self) -> &str {
        self.get(Self::TEMPLATE).unwrap_or(DEFAULT_TEMPLATE)
    }

    /// When the text last changed in substance (`YYYY-MM-DD`): shown by the
    /// theme and written as the sitemap's `<lastmod>`.
    pub fn updated(&self) -> Option<&str> {
        self.get(Self::UPDATED)
    }

    /// Whether a title, description or nav title holds a placeholder
    /// (`{{ brand }}`), which each region fills in.
    pub fn have_placeholders(&self) -> bool {
        [
            Some(self.title()),
            Some(self.description()),
            self.nav_title(),
        ]
        .into_iter()
        .flatten()
        .any(crate::render::has_placeholder)
    }

    /// The ends, then the text: what [`FrontTexts::from_bytes`] reads.
    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(20 + self.text.len());
        bytes.extend_from_slice(&self.weight.to_le_bytes());
        for end in self.ends {
            bytes.extend_from_slice(&end.to_le_bytes());
        }
        bytes.extend_from_slice(self.text.as_bytes());
        bytes
    }

    fn from_bytes(bytes: &[u8]) -> Option<FrontTexts> {
        let (numbers, text) = bytes.split_at_checked(20)?;
        let mut read = numbers
            .chunks_exact(4)
            .map(|n| u32::from_le_bytes([n[0], n[1], n[2], n[3]]));
        let weight = read.next()?.cast_signed();
        let ends = [read.next()?, read.next()?, read.next()?, read.next()?];
        let text = std::str::from_utf8(text).ok()?;
        // As `new` wrote them, or `get` could not read them.
        let fits = text.starts_with(|c: char| c.is_ascii())
            && ends.iter().all(|&end| text.is_char_boundary(end as usize));
        fits.then(|| FrontTexts {
            text: text.into(),
            ends,
            weight,
        })
    }
}

/// A page's [`FrontTexts`]: in memory, or the reason they could not be read
/// back with the page's record from the build's temporary file.
#[derive(Debug, Clone)]
enum Texts {
    Held(Box<FrontTexts>),
    Unreadable(Box<str>),
}

/// Where a page's whole text is. Loading reads each file once, notes its
/// [`Extras`] and keeps only the front matter; rendering reads the file
/// again. A 100,000-page site thus never holds its Markdown in memory.
#[derive(Debug, Clone)]
pub enum Body {
    /// In memory: a page parsed from text, not loaded from a file (or from a
    /// file whose name does not lead back to it from the site's folder).
    /// Boxed: few pages are held, and every page keeps its record.
    Held(Box<SourceFile>),
    /// On disk, at the page's file name under the site's folder (shared by
    /// every page, rather than a path of its own for each: one pointer, where
    /// an `Arc<Path>` takes two), with the length and hash of the text that
    /// was loaded and checked: a file changed since is an error, not a page
    /// other than the one that was checked. With the text's `text_digest`, by
    /// which the next build knows the text.
    OnDisk {
        site_root: Arc<PathBuf>,
        /// Within 32 bits: a page is under [`PAGE_LIMIT`].
        len: u32,
        hash: u64,
        digest: u64,
    },
}

/// What few pages have, beside their front matter's texts: kept in a box of
/// its own ([`RareExtras`]), only for the pages that have any of it. Most is
/// what a page's body holds, found when it was read.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Old URLs on the page's domain that lead to it (`aliases:`).
    pub aliases: Vec<Alias>,
    /// The file's name, when its locale and name do not give it
    /// ([`unusual_file_name`]).
    file_name: Option<Arc<str>>,
    /// Local images, in the order written.
    pub images: Vec<crate::media::Reference>,
    /// `{width=...}` after an image that is not a width.
    pub image_problems: Vec<Diagnostic>,
    /// Links and images whose scheme runs code (`javascript:`).
    pub unsafe_links: Vec<Diagnostic>,
    /// Raw HTML that `raw_html: sanitize` removes.
    pub removed_html: Vec<Diagnostic>,
    /// Every `key="id"` in the file (`t(key="id")`): the id and its byte offset.
    pub message_keys: Vec<(String, usize)>,
    /// A `key=` followed by a variable: the ids used cannot all be known.
    pub dynamic_key: bool,
}

/// A page's [`Extras`], boxed only when it has any: most pages have none,
/// and a 100,000-page site keeps this for every page until the build ends.
#[derive(Debug, Clone, Default)]
pub struct RareExtras(Option<Box<Extras>>);

static NO_EXTRAS: Extras = Extras {
    aliases: Vec::new(),
    file_name: None,
    images: Vec::new(),
    image_problems: Vec::new(),
    unsafe_links: Vec::new(),
    removed_html: Vec::new(),
    message_keys: Vec::new(),
    dynamic_key: false,
};

impl std::ops::Deref for RareExtras {
    type Target = Extras;

    fn deref(&self) -> &Extras {
        self.0.as_deref().unwrap_or(&NO_EXTRAS)
    }
}

impl From<Extras> for RareExtras {
    fn from(extras: Extras) -> RareExtras {
        let none = extras.aliases.is_empty()
            && extras.file_name.is_none()
            && extras.images.is_empty()
            && extras.image_problems.is_empty()
            && extras.unsafe_links.is_empty()
            && extras.removed_html.is_empty()
            && extras.message_keys.is_empty()
            && !extras.dynamic_key;
        RareExtras((!none).then(|| Box::new(extras)))
    }
}

impl Extras {
    /// The body's facts of `file`, with `aliases` and the file's
    /// `file_name` if it needs one.
    fn of(
        file: &SourceFile,
        body_offset: usize,
        aliases: Vec<Alias>,
        file_name: Option<Arc<str>>,
    ) -> Extras {
        let (images, image_problems) = crate::media::references(file, body_offset);
        let (message_keys, dynamic_key) = crate::check::usage::keys_in(&file.text);
        Extras {
            aliases,
            file_name,
            images,
            image_problems,
            unsafe_links: crate::check::links::unsafe_links_in(file, body_offset),
            removed_html: crate::raw_html::removal_warnings(file, body_offset),
            message_keys,
            dynamic_key,
        }
    }
}

/// The hash a page's text is recognised by when it is read again, in the same
/// build. Not a guard against an attacker, who can edit the file anyway: a
/// check that the text is the one loaded, with its length.
fn text_hash(text: &str) -> u64 {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(text.as_bytes());
    hasher.finish()
}

/// The hash the next build knows a page's text by, with its length: it
/// renders again only the pages whose text is not the one recorded. 64 bits
/// of SHA-256, not [`text_hash`]: two texts must not hash the same by chance,
/// as two that differ in one 16-byte block can with a multiply-and-fold hash
/// such as FxHash's. With SHA instructions it hashes about 1 GB a second,
/// once per page (the check at render uses the faster hash).
fn text_digest(text: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

impl SourcePage {
    /// Where the body starts in the file, in bytes.
    pub fn body_offset(&self) -> usize {
        self.body_offset as usize
    }

    /// The body's first line in `file`, the page's whole file, from 1 (1
    /// when the file is not the one loaded: see [`SourcePage::source`]).
    pub fn body_line(&self, file: &SourceFile) -> usize {
        file.text
            .get(..self.body_offset())
            .map_or(1, |front| line_of(front, front.len()))
    }

    /// The title, description, nav title, template and date of the front
    /// matter. An error when the page's record could not be read back from
    /// the build's temporary file ([`LocalePages`]).
    pub fn texts(&self) -> Result<&FrontTexts, Diagnostic> {
        match &self.texts {
            Texts::Held(texts) => Ok(texts),
            Texts::Unreadable(why) => Err(self.unreadable(why)),
        }
    }

    fn unreadable(&self, why: &str) -> Diagnostic {
        let file = self.file_name();
        Diagnostic::error(
            "build::temporary-file",
            format!("the front matter of {file} could not be read back from the build's temporary file: {why}"),
        )
        .in_file(&*file)
        .help("check the disk of the system's temporary folder (TMPDIR), then run the command again")
    }

    /// When the text last changed in substance (`YYYY-MM-DD`): shown by the
    /// theme and written as the sitemap's `<lastmod>`.
    pub fn updated(&self) -> Option<&str> {
        self.texts().ok()?.updated()
    }

    /// Whether the title, description or nav title holds a placeholder.
    pub fn texts_have_placeholders(&self) -> bool {
        self.texts().is_ok_and(FrontTexts::have_placeholders)
    }

    /// The page's file, by the name the user knows it by
    /// (`content/fr-FR/garantie.md`).
    pub fn file_name(&self) -> Arc<str> {
        match &self.extras.file_name {
            Some(name) => name.clone(),
            None => format!("{CONTENT_DIR}/{}/{}.md", self.locale, self.name).into(),
        }
    }

    /// Whether the page's file is the one shown as `shown`, without writing
    /// its name: the preview asks it of every page at each edit.
    pub fn has_file(&self, shown: &str) -> bool {
        match &self.extras.file_name {
            Some(name) => **name == *shown,
            None => in_its_folder(&self.name, &self.locale, shown),
        }
    }

    /// The whole file, as it was loaded: read again from disk when only its
    /// front matter was kept. An error when it changed since.
    pub fn whole_file(&self) -> Result<SourceFile, Diagnostic> {
        if let Texts::Unreadable(why) = &self.texts {
            return Err(self.unreadable(why));
        }
        let (path, len, hash) = match &self.body {
            Body::Held(file) => return Ok((**file).clone()),
            Body::OnDisk {
                site_root,
                len,
                hash,
                ..
            } => (site_root, *len as usize, *hash),
        };
        let name = self.file_name();
        let text = fs::read_to_string(&path.join(&*name), &name)?;
        if text.len() != len || text_hash(&text) != hash {
            return Err(Diagnostic::error(
                "content::changed",
                format!("{name} changed while the site was being built"),
            )
            .in_file(&*name)
            .help("run the command again once the file is saved"));
        }
        Ok(SourceFile::new(name, text))
    }

    /// The whole file, to show a problem in it: with no text when it can no
    /// longer be read as it was loaded (its spans then point at its start).
    pub fn source(&self) -> SourceFile {
        self.whole_file()
            .unwrap_or_else(|_| SourceFile::new(self.file_name(), ""))
    }

    /// A span in the whole file, for a problem found in the body after loading.
    /// At the file's start, with no text, if the file can no longer be read
    /// as it was (its own error says so).
    pub fn span_at(&self, offset: usize, len: usize) -> Span {
        Span::new(&self.source(), offset, len)
    }

    /// Keeps only the front matter in memory: the rest is read again from
    /// `path` when the page is rendered.
    fn leave_body_on_disk(&mut self, site_root: &Arc<PathBuf>, path: &Path) {
        if site_root.join(&*self.file_name()) != path {
            return;
        }
        if let Body::Held(file) = &self.body {
            let Ok(len) = u32::try_from(file.text.len()) else {
                return;
            };
            self.body = Body::OnDisk {
                site_root: site_root.clone(),
                len,
                hash: text_hash(&file.text),
                digest: text_digest(&file.text),
            };
        }
    }

    /// The length and `text_digest` of the page's whole text, as it was
    /// loaded: what a build that reuses the last output's pages knows it by.
    pub fn text_identity(&self) -> (u64, u64) {
        match &self.body {
            Body::OnDisk { len, digest, .. } => (*len as u64, *digest),
            Body::Held(file) => (file.text.len() as u64, text_digest(&file.text)),
        }
    }

    /// Feeds `hasher` all that the site's other files may show of this page:
    /// its file, front matter and images, not the rest of its text. Two loads
    /// of a site whose pages give the same [`Content::shape`] differ only in
    /// the text of pages, each of which is then all that its own page shows.
    fn hash_shape(&self, hasher: &mut impl std::hash::Hasher) {
        use std::hash::Hash;
        // Every field is named: one added must be placed on a side.
        let SourcePage {
            name,
            locale,
            body: _,
            extras,
            texts: _,
            slug,
            body_offset: _,
            draft,
        } = self;
        (name, locale, &extras.file_name).hash(hasher);
        // Read back from disk if they were left there: one that cannot be
        // read hashes as its problem, and the build fails on it anyway.
        match self.texts() {
            Ok(texts) => texts.hash(hasher),
            Err(problem) => problem.message.hash(hasher),
        }
        (slug.to_string(), draft).hash(hasher);
        for alias in extras.aliases.iter() {
            alias.path.hash(hasher);
        }
        // Images and keys by what they are, not where: text written before
        // them moves them, and changes nothing another file shows.
        for image in &extras.images {
            (&image.dest, image.width).hash(hasher);
        }
        for (key, _) in &extras.message_keys {
            key.hash(hasher);
        }
        extras.dynamic_key.hash(hasher);
    }

    /// Same front matter: only the body differs, so no other page (navigation,
    /// sitemap, redirects) changes with it.
    pub fn same_front_matter(&self, other: &SourcePage) -> bool {
        let aliases = |p: &SourcePage| {
            p.extras
                .aliases
                .iter()
                .map(|a| a.path.clone())
                .collect::<Vec<_>>()
        };
        let same_texts = match (self.texts(), other.texts()) {
            (Ok(texts), Ok(other)) => texts == other,
            // Not known to be the same: the whole site is rendered again.
            _ => false,
        };
        same_texts
            && self.slug == other.slug
            && self.draft == other.draft
            && aliases(self) == aliases(other)
    }

    /// The whole `key: value` line of the front matter, if the page has that key.
    pub fn line_span(&self, key: &str) -> Option<Span> {
        let file = self.source();
        let front = self.front_matter(&file);
        let at = front.find(&format!("\n{key}:"))? + 1;
        let len = front[at..].find(['\r', '\n']).unwrap_or(front.len() - at);
        Some(Span::new(&file, at, len))
    }

    /// The front matter in `file` (the page's [`SourcePage::source`]).
    fn front_matter<'f>(&self, file: &'f SourceFile) -> &'f str {
        file.text.get(..self.body_offset()).unwrap_or_default()
    }

    /// Where the value of `key:` starts: its 1-based line and 0-based column
    /// (after an opening quote), so a problem inside a title is shown at its
    /// place in the file.
    pub fn value_start(&self, key: &str) -> (usize, usize) {
        let file = self.source();
        let front = self.front_matter(&file);
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
        (line_of(&file.text, line_start), column)
    }

    /// A span for the whole front matter's `key:` line, for page-level problems.
    pub fn key_span(&self, key: &str) -> Span {
        let file = self.source();
        let needle = format!("\n{key}:");
        match self.front_matter(&file).find(&needle) {
            Some(at) => Span::new(&file, at + 1, key.len()),
            None => Span::new(&file, 0, 3),
        }
    }
}

/// SHA-256 through the `Hash` trait: a shape that differs must not hash the
/// same by chance, as 64 bits could.
#[derive(Default)]
struct Sha256Hasher(sha2::Sha256);

impl std::hash::Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        sha2::Digest::update(&mut self.0, bytes);
    }

    /// Not used: the digest is read whole.
    fn finish(&self) -> u64 {
        0
    }
}

/// All pages of the site, by locale and then name.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// Shared, so that a copy of the site (the preview's next version after an
    /// edit) copies pointers, not pages.
    pub pages: BTreeMap<Locale, LocalePages>,
    /// (locale, name) of the files that exist but did not load (`check` goes on
    /// without them): their error is reported, so nothing should also call them
    /// missing.
    pub broken: BTreeSet<(Locale, String)>,
    /// Files of the locale folders named like pages that are not read
    /// (`help.md.txt`, `help.MD`), as shown, with the name each needs.
    pub not_read: Vec<(String, String)>,
    /// Where the pages' records are kept ([`LocalePages`]), and those of the
    /// pages the preview loads again after an edit.
    store: Option<Arc<Store>>,
}

impl Content {
    pub fn page(&self, locale: &Locale, name: &str) -> Option<Cow<'_, SourcePage>> {
        self.pages.get(locale)?.get(name)
    }

    /// Where the page `name` is among the pages of `locale`, for
    /// [`Content::page_placed`].
    pub fn place_of(&self, locale: &Locale, name: &str) -> Option<u32> {
        let at = self.pages.get(locale)?.place(name).ok()?;
        u32::try_from(at).ok()
    }

    /// The page `name` of `locale`, looked at first at `at` (its
    /// [`Content::place_of`]): the plan's jobs find their pages so, several
    /// times for each page rendered.
    pub fn page_placed(&self, locale: &Locale, name: &str, at: u32) -> Option<Cow<'_, SourcePage>> {
        self.pages.get(locale)?.get_placed(name, at)
    }

    /// What is known of that page without reading its record back.
    pub fn head_placed(&self, locale: &Locale, name: &str, at: u32) -> Option<PageHead<'_>> {
        self.pages.get(locale)?.head_placed(name, at)
    }

    /// The names of every page in any locale, sorted, each once: merged
    /// from the locales' lists, each sorted, with no list of them all.
    pub fn names(&self) -> SortedTexts {
        let mut lists: Vec<_> = self
            .pages
            .values()
            .map(|pages| pages.keys().peekable())
            .collect();
        let mut names = SortedTexts::default();
        while let Some(least) = lists
            .iter_mut()
            .filter_map(|list| list.peek().copied())
            .min()
        {
            for list in &mut lists {
                list.next_if_eq(&least);
            }
            names
                .push(least)
                .expect("names merged in order, under 4 GiB");
        }
        // The plan keeps them until the build ends.
        names.shrink_to_fit();
        names
    }

    /// Every page, each read back whole: see [`Content::heads`].
    pub fn all(&self) -> impl Iterator<Item = Cow<'_, SourcePage>> {
        self.pages.values().flat_map(|pages| pages.values())
    }

    /// What is known of every page without reading its record back.
    pub fn heads(&self) -> impl Iterator<Item = PageHead<'_>> {
        self.pages.values().flat_map(|pages| pages.heads())
    }

    /// What is known of the page `name` of `locale` without reading it back.
    pub fn head(&self, locale: &Locale, name: &str) -> Option<PageHead<'_>> {
        self.pages.get(locale)?.head(name)
    }

    /// The pages with any [`Extras`] (images, aliases, message keys, the
    /// problems noted in their bodies): few, and all in memory.
    pub fn with_extras(&self) -> impl Iterator<Item = &SourcePage> {
        self.heads()
            .filter_map(|head| head.held())
            .filter(|page| page.extras.0.is_some())
    }

    /// The page loaded from the file shown as `file` (`content/en/help.md`).
    pub fn by_file(&self, file: &str) -> Option<Cow<'_, SourcePage>> {
        // Pages are loaded only from `content/<locale>/<name>.md`.
        let (locale, name) = page_key(Path::new(file))?;
        self.page(&locale, &name).filter(|page| page.has_file(file))
    }

    /// What the site's files other than each page's own show of its pages
    /// (which pages there are, and their front matter and images), as a hash:
    /// when it is the same as a build's, each page's own text is all that can
    /// make its file differ from that build's.
    pub fn shape(&self) -> String {
        use sha2::Digest;
        use std::hash::Hash;
        let mut hasher = Sha256Hasher::default();
        for page in self.all() {
            page.hash_shape(&mut hasher);
        }
        self.broken.hash(&mut hasher);
        hasher
            .0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether the page `name` in `locale` exists but did not load.
    pub fn is_broken(&self, locale: &Locale, name: &str) -> bool {
        self.broken.contains(&(locale.clone(), name.to_string()))
    }

    /// Keeps the page loaded from `path`, or its problems.
    fn add(
        &mut self,
        path: &Path,
        loaded: Outcome<Option<SourcePage>>,
        problems: &mut Vec<Diagnostic>,
    ) {
        match loaded {
            Ok(Some(page)) => {
                let store = &self.store;
                self.pages
                    .entry(page.locale.clone())
                    .or_insert_with_key(|locale| LocalePages::new(locale.clone(), store.clone()))
                    .insert(page);
            }
            Ok(None) => {}
            Err(mut found) => {
                self.broken.extend(page_key(path));
                problems.append(&mut found);
            }
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
    let root = Arc::new(config.root.clone());
    for path in paths {
        let shown = fs::shown_path(&config.root, path);
        for pages in content.pages.values_mut() {
            pages.remove_where(|page| page.has_file(&shown));
        }
        if let Some(key) = page_key(path) {
            content.broken.remove(&key);
        }
        if !path.is_file() || is_hidden(path) {
            continue;
        }
        if let Err(problem) = fs::check_inside(&config.root, path, &shown) {
            problems.push(problem);
            continue;
        }
        content.add(path, load_file(&root, path), &mut problems);
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

/// The error for a `content/` folder without a single page file.
pub fn no_pages(config: &SiteConfig, content: &Content) -> Option<Diagnostic> {
    if !content.pages.is_empty() || !content.broken.is_empty() {
        return None;
    }
    let reference = &config.reference_locale;
    Some(
        Diagnostic::error(NO_PAGES, "content/ has no pages")
            .in_file(CONTENT_DIR)
            .help(format!(
                "add the home page of the reference locale, content/{reference}/index.md, with `title:` and `description:` between two `---` lines (see docs/editors.md)"
            )),
    )
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
    let root = Arc::new(config.root.clone());
    // Where the pages' records are kept ([`LocalePages`]).
    content.store = Some(Arc::new(Store::new(root.clone())));
    // Found by the walk, parsed in parallel and gathered in the walk's sorted
    // order, a chunk at a time: every file's path at once would be 6 MB at
    // 100,000 pages, and every file's result (a record each, by value) 14 MB.
    let mut walk = fs::InputFiles::new(&config.root, &dir, usize::MAX);
    let mut chunk = Vec::with_capacity(LOAD_CHUNK);
    loop {
        chunk.clear();
        for found in walk.by_ref() {
            match found {
                Ok(file) => chunk.push(file),
                Err(problem) => problems.push(problem),
            }
            if chunk.len() == LOAD_CHUNK {
                break;
            }
        }
        if chunk.is_empty() {
            break;
        }
        content
            .not_read
            .extend(not_read(&config.root, &dir, &chunk));
        chunk.retain(|path| !is_hidden(path));
        let loaded: Vec<Outcome<Option<SourcePage>>> = chunk
            .par_iter()
            .map(|path| load_file(&root, path))
            .collect();
        for (path, result) in chunk.iter().zip(loaded) {
            content.add(path, result, &mut problems);
        }
    }
    content
        .pages
        .values_mut()
        .for_each(LocalePages::shrink_to_fit);
    problems.extend(no_pages(config, &content));
    (content, problems)
}

/// Files loaded at once on every core.
const LOAD_CHUNK: usize = 4096;

/// The files right in a locale folder of `dir` (`content/` of the site at
/// `root`) named like pages but not read as pages ([`fs::meant_as`]), as
/// shown, with the name each needs.
fn not_read(root: &Path, dir: &Path, files: &[PathBuf]) -> Vec<(String, String)> {
    files
        .iter()
        .filter(|path| path.parent().and_then(Path::parent) == Some(dir))
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            let meant = fs::meant_as(name, "md")?;
            Some((fs::shown_path(root, path), meant))
        })
        .collect()
}

/// (locale, name) from `.../<locale>/<name>.md`, when the path reads as a page.
fn page_key(path: &Path) -> Option<(Locale, String)> {
    let name = path.file_name()?.to_str()?.strip_suffix(".md")?;
    let locale = path.parent()?.file_name()?.to_str()?.parse().ok()?;
    Some((locale, name.to_string()))
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

/// Loads one file, its body left on disk; `Ok(None)` for files that are
/// not pages.
fn load_file(root: &Arc<PathBuf>, path: &Path) -> Outcome<Option<SourcePage>> {
    let shown = fs::shown_path(root, path);
    if path.extension().and_then(|e| e.to_str()) != Some("md") {
        return Ok(None);
    }
    let relative = path.strip_prefix(root.join(CONTENT_DIR)).unwrap_or(path);
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
    let mut page = parse_page(file, name, locale)?;
    page.leave_body_on_disk(root, path);
    Ok(Some(page))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
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
    fn a_pages_file_name_is_kept_only_when_its_locale_and_name_do_not_give_it() {
        let front = "---\ntitle: T\ndescription: D\n---\nBody\n";
        let named = |file: &str, name: &str, locale: &str| {
            parse_page(
                SourceFile::new(file, front),
                name.to_string(),
                locale.parse().unwrap(),
            )
            .unwrap()
        };
        let in_place = named("content/fr-FR/aide.md", "aide", "fr-FR");
        assert_eq!(in_place.extras.file_name, None);
        assert_eq!(&*in_place.file_name(), "content/fr-FR/aide.md");
        // A folder written in other letters than the tag, another name, a
        // file from elsewhere: each keeps its name as given.
        for (file, name) in [
            ("content/fr-fr/aide.md", "aide"),
            ("content/fr-FR/aide.md", "aides"),
            ("content/fr-FR/aide.md", "aid"),
            ("content/fr-FR/aide.markdown", "aide"),
            ("contents/fr-FR/aide.md", "aide"),
            ("new page", "aide"),
        ] {
            let page = named(file, name, "fr-FR");
            assert_eq!(page.extras.file_name.as_deref(), Some(file));
            assert_eq!(&*page.file_name(), file);
            assert!(page.has_file(file) && !page.has_file("content/fr-FR/other.md"));
        }
        assert!(in_place.has_file("content/fr-FR/aide.md"));
        assert!(!in_place.has_file("content/fr-fr/aide.md"));
    }

    #[test]
    fn front_matter_is_split_at_byte_zero_and_the_body_keeps_its_line() {
        let p = page("---\ntitle: Warranty\ndescription: Same as ever.\nweight: 2\n---\nBody\n---\nnot front matter\n").unwrap();
        assert_eq!(p.texts().unwrap().title(), "Warranty");
        let whole = p.whole_file().unwrap();
        assert_eq!(
            &whole.text[p.body_offset()..],
            "Body\n---\nnot front matter\n"
        );
        assert_eq!(p.body_line(&whole), 6);
        assert_eq!(p.texts().unwrap().weight(), 2);
        // A file no longer as it was loaded shows at its start.
        assert_eq!(
            p.body_line(&SourceFile::new("content/en/warranty.md", "")),
            1
        );
        assert_eq!(p.slug.dir_url(), "/warranty/");
        assert_eq!(p.texts().unwrap().template(), "page.html");
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
    fn a_stray_separator_is_named_at_its_line() {
        let errors = page("---\ntitle: T\n---\ndescription: D\n---\nBody\n").unwrap_err();
        assert_eq!(
            render_human(&errors[0]),
            "error[content::front-matter]: this `---` ends the front matter before `description:` (line 4)\n \
             --> content/en/warranty.md:3:1\n  |\n\
             3 | ---\n  | ^^^\n  |\n  \
             = help: remove this `---` line: the front matter ends at the `---` after its last key\n"
        );
        let errors = page("---\n---\ntitle: T\ndescription: D\n---\nBody\n").unwrap_err();
        assert_eq!(
            errors[0].message,
            "this second `---` ends the front matter before `title:` (line 3)"
        );
        assert_eq!(errors[0].position().unwrap().line, 2);
        let errors = page("---\n---\nBody\n").unwrap_err();
        assert_eq!(errors[0].message, "the front matter is empty");
        // A horizontal rule in the body is not a stray separator.
        assert!(page("---\ntitle: T\ndescription: D\n---\nBody\n\n---\n\nMore\n").is_ok());
    }

    #[test]
    fn slugs_are_lowercase_ascii_and_the_fix_is_spelled_out() {
        let errors =
            page("---\ntitle: T\ndescription: D\nslug: Garantie-Élargie\n---\n").unwrap_err();
        assert_eq!(
            render_human(&errors[0]),
            "error[content::slug]: the slug `Garantie-Élargie` has capital letters: addresses are lowercase\n \
             --> content/en/warranty.md:4:1\n  |\n\
             4 | slug: Garantie-Élargie\n  | ^^^^^^^^^^^^^^^^^^^^^^\n  |\n  \
             = help: write `slug: garantie-elargie`\n"
        );
        let errors = page("---\ntitle: T\ndescription: D\nslug: données\n---\n").unwrap_err();
        assert_eq!(
            errors[0].message,
            "the slug `données` has `é`: addresses use only a-z, 0-9 and `-`"
        );
        let errors = parse_page(
            SourceFile::new(
                "content/en/Contact_Us.md",
                "---\ntitle: T\ndescription: D\n---\n",
            ),
            "Contact_Us".to_string(),
            "en".parse().unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            errors[0].message,
            "the file name `Contact_Us.md` gives the address `/Contact_Us/`, which has capital letters: addresses are lowercase"
        );
        assert_eq!(
            errors[0].help.as_deref(),
            Some("rename the file (and its translations) to `contact-us.md`, or give the page `slug: contact-us`")
        );
        assert!(page("---\ntitle: T\ndescription: D\nslug: products/poco-f6\n---\n").is_ok());
    }

    #[test]
    fn a_list_item_indented_too_far_is_named() {
        let errors =
            page("---\ntitle: T\ndescription: D\naliases:\n  - /a/\n   - /b/\n---\n").unwrap_err();
        assert_eq!(
            render_human(&errors[0]),
            "error[content::front-matter]: this list item is indented more than the one above it, so YAML joins the two into `/a/ - /b/`\n \
             --> content/en/warranty.md:6:1\n  |\n\
             6 |    - /b/\n  | ^^^\n  |\n  \
             = help: start its `- ` in the same column as the `- ` of `/a/`\n"
        );
    }

    #[test]
    fn suggested_slugs() {
        assert_eq!(suggested_slug("Garantie élargie"), "garantie-elargie");
        assert_eq!(suggested_slug("Straße/Über uns"), "strasse/uber-uns");
        assert_eq!(suggested_slug("--a__b--"), "a-b");
    }

    #[test]
    fn nav_title_is_the_menu_label_and_may_not_be_empty() {
        let p = page(
            "---\ntitle: Warranty and after-sales\nnav_title: Warranty\ndescription: D\n---\n",
        )
        .unwrap();
        assert_eq!(p.texts().unwrap().nav_title(), Some("Warranty"));
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
    fn a_locales_pages_stay_sorted_by_name_in_any_order_they_load() {
        let named = |name: &str, title: &str| {
            let text = format!("---\ntitle: {title}\ndescription: D\n---\n");
            let file = SourceFile::new(format!("content/en/{name}.md"), text);
            parse_page(file, name.to_string(), "en".parse().unwrap()).unwrap()
        };
        let mut pages = LocalePages::new("en".parse().unwrap(), None);
        // `a-b.md` is walked before `a.md`; the name `a` sorts first.
        for (name, title) in [("a-b", "1"), ("a", "2"), ("b", "3"), ("a", "4")] {
            pages.insert(named(name, title));
        }
        let names: Vec<&str> = pages.keys().collect();
        assert_eq!(names, ["a", "a-b", "b"]);
        assert_eq!(
            pages
                .get("a")
                .map(|page| page.texts().unwrap().title().to_string())
                .as_deref(),
            Some("4")
        );
        assert!(pages.get("a-").is_none() && pages.get("c").is_none());
        // Found at its place, or by its name when the place is another's.
        let title =
            |page: Option<Cow<SourcePage>>| page.map(|p| p.texts().unwrap().title().to_string());
        for at in [2, 0, 9] {
            assert_eq!(title(pages.get_placed("b", at)).as_deref(), Some("3"));
        }
        assert!(pages.get_placed("c", 2).is_none());
        // A copy (the preview's site before an edit) keeps its pages.
        let before = pages.clone();
        pages.remove_where(|page| page.name == "a-b");
        assert_eq!(before.keys().count(), 3);
        assert_eq!(
            pages
                .values()
                .map(|page| page.texts().unwrap().title().to_string())
                .collect::<Vec<_>>(),
            ["4", "3"]
        );
    }

    #[test]
    fn a_weight_past_32_bits_is_an_error_at_its_line() {
        let p = page("---\ntitle: T\ndescription: D\nweight: -2147483648\n---\n").unwrap();
        assert_eq!(p.texts().unwrap().weight(), i32::MIN);
        let errors = page("---\ntitle: T\ndescription: D\nweight: 3000000000\n---\n").unwrap_err();
        let shown = render_human(&errors[0]);
        assert!(
            shown.starts_with(
                "error[content::weight]: the weight 3000000000 is out of range\n \
                 --> content/en/warranty.md:4:1\n"
            ),
            "{shown}"
        );
    }

    #[test]
    fn front_matter_texts_read_back_each_as_written() {
        let p = page(
            "---\ntitle: Garantie\ndescription: Ce qui change\ntemplate: legal.html\n\
             updated: 2026-03-01\n---\n",
        )
        .unwrap();
        assert_eq!(
            (
                p.texts().unwrap().title(),
                p.texts().unwrap().description(),
                p.texts().unwrap().nav_title()
            ),
            ("Garantie", "Ce qui change", None)
        );
        assert_eq!(
            (p.texts().unwrap().template(), p.updated()),
            ("legal.html", Some("2026-03-01"))
        );
        // Given but empty is not absent; absent texts between given ones
        // leave the others in place.
        let texts = FrontTexts::new("T", "", Some(""), None, Some("2026-01-02"), 0);
        assert_eq!(texts.get(1), Some(""));
        assert_eq!(texts.get(FrontTexts::NAV_TITLE), Some(""));
        assert_eq!(texts.get(FrontTexts::TEMPLATE), None);
        assert_eq!(texts.get(FrontTexts::UPDATED), Some("2026-01-02"));
        let none = FrontTexts::new("T", "D", None, None, None, 0);
        assert_eq!((none.get(0), none.get(1)), (Some("T"), Some("D")));
        assert_eq!(none.get(FrontTexts::UPDATED), None);
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

    /// The shape of a site of one page.
    fn shape_of(text: &str) -> String {
        let page = page(text).unwrap();
        let mut content = Content::default();
        content
            .pages
            .entry(page.locale.clone())
            .or_insert_with_key(|locale| LocalePages::new(locale.clone(), None))
            .insert(page);
        content.shape()
    }

    #[test]
    fn the_shape_changes_with_what_other_files_show_not_with_the_body() {
        let base = "---\ntitle: Help\ndescription: Where.\n---\nSee ![a](a.png).\n";
        let shape = shape_of(base);
        assert_eq!(shape.len(), 64);
        assert_eq!(shape_of(&base.replace("See", "Look at")), shape);
        let changed = [
            base.replace("title: Help", "title: Aid"),
            base.replace("Where.", "Here."),
            base.replace("---\nSee", "nav_title: Aid\n---\nSee"),
            base.replace("---\nSee", "slug: aid\n---\nSee"),
            base.replace("---\nSee", "weight: 3\n---\nSee"),
            base.replace("---\nSee", "aliases: [/old/]\n---\nSee"),
            base.replace("---\nSee", "draft: true\n---\nSee"),
            base.replace("---\nSee", "template: other.html\n---\nSee"),
            base.replace("---\nSee", "updated: 2025-01-09\n---\nSee"),
            base.replace("a.png", "b.png"),
            base.replace("(a.png)", "(a.png){width=40}"),
            base.replace("See", "See {{ t(key=\"more\") }}"),
        ];
        // Text written before an image or a key moves them only.
        let keyed = format!("{base}{{{{ t(key=\"more\") }}}}\n");
        assert_eq!(
            shape_of(&keyed.replace("---\nSee", "---\nFirst. See")),
            shape_of(&keyed)
        );
        for text in changed {
            assert_ne!(shape_of(&text), shape, "{text}");
        }
    }

    #[test]
    fn a_loaded_page_keeps_its_front_matter_and_reads_its_body_again() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("content/en");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("help.md");
        let text =
            "---\ntitle: Help\ndescription: D\n---\nSee ![a](a.png) and [x](javascript:x).\n";
        std::fs::write(&path, text).unwrap();
        let page = load_file(&Arc::new(root.path().to_path_buf()), &path)
            .unwrap()
            .unwrap();
        // No text is in memory: the file is found again from its name, for the
        // body and for a problem's span; what the checks need was noted.
        let title = page.key_span("title");
        assert_eq!(&title.file.text[title.offset..][..title.len], "title");
        assert_eq!(&*title.file.text, text);
        assert!(matches!(page.body, Body::OnDisk { .. }), "{:?}", page.body);
        assert_eq!(page.extras.images.len(), 1);
        assert_eq!(page.extras.unsafe_links.len(), 1);
        assert_eq!(&*page.whole_file().unwrap().text, text);
        // Changed since it was loaded: an error, not another page than the one
        // that was checked.
        std::fs::write(&path, text.replace("See", "Read")).unwrap();
        let problem = page.whole_file().unwrap_err();
        assert_eq!(problem.code, "content::changed");
        assert_eq!(problem.file.as_deref(), Some("content/en/help.md"));
    }
    #[test]
    fn texts_read_back_only_as_they_were_written() {
        let texts = FrontTexts::new("Tï", "D", None, Some("t.html"), Some("2026-01-02"), -7);
        assert_eq!(
            FrontTexts::from_bytes(&texts.to_bytes()),
            Some(texts.clone())
        );
        assert_eq!(
            FrontTexts::from_bytes(&texts.to_bytes()).unwrap().weight(),
            -7
        );
        let bytes = texts.to_bytes();
        // Cut short, an end inside a character, bytes that are not UTF-8:
        // the weight, then the four ends, then the text.
        assert_eq!(FrontTexts::from_bytes(&bytes[..18]), None);
        let mut inside = bytes.clone();
        inside[4..8].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(FrontTexts::from_bytes(&inside), None);
        let mut invalid = bytes;
        invalid[21] = 0xff;
        assert_eq!(FrontTexts::from_bytes(&invalid), None);
    }
}
