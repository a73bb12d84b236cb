//! A locale's pages as a build keeps them until it ends: each page's record
//! in the build's temporary file ([`Store`]), and in memory only what every
//! page is looked up and planned by: its slug (in one text with the locale's
//! others), its name (in another, unless it ends the slug, as most do) and
//! two flags, 16 bytes a page and the texts, where the whole record took 120
//! and its name and slug an allocation each (13.5 MB of a 100,000-page
//! build, the largest part of its peak). A page is read back from the file,
//! in a few microseconds, each time it is asked for whole: to be rendered,
//! checked or fingerprinted.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::{in_its_folder, Body, FrontTexts, RareExtras, SourcePage, Texts, CONTENT_DIR};
use crate::config::Locale;
use crate::diagnostics::SourceFile;
use crate::paths::{PathAt, SitePathList, SitePathStr};
use crate::spill::{Place, Spill};
use crate::text_list::{TextAt, TextList};

/// Where the records of a site's pages are kept: the build's temporary file,
/// and the site's folder, where each page's file is read again.
#[derive(Debug)]
pub struct Store {
    spill: Spill,
    root: Arc<PathBuf>,
}

impl Store {
    pub fn new(root: Arc<PathBuf>) -> Store {
        Store {
            spill: Spill::new(),
            root,
        }
    }
}

/// A page as its locale's list keeps it.
#[derive(Debug, Clone)]
struct Entry {
    /// In the list's `names`; none when the name is the slug's last segment,
    /// as a slug made from the file's name is: not kept twice.
    name: Option<TextAt>,
    /// In the list's `slugs`.
    slug: PathAt,
    kept: Kept,
}

// Kept for every page until the build ends: a field more is a choice.
const _: () = assert!(std::mem::size_of::<Entry>() == 16);

/// Where a page's record is, in 8 bytes: in memory, in its list's `held`
/// records, or in the store, with the two flags every page is asked for.
#[derive(Debug, Clone, Copy)]
struct Kept(u64);

/// What a [`Kept`] says.
enum Record {
    /// The whole record in memory, at this place in the list's `held`: a
    /// page parsed from text, a page on the menu (its slug has one segment,
    /// or none), whose texts every page of its region and locale shows, a
    /// page with [`super::Extras`] (aliases, images, message keys: few pages
    /// have any), or any page of a site with no [`Store`].
    Held(usize),
    /// In the store, with what the plan and the templates made before any
    /// page is rendered ask of every page. `None`: not a place the store
    /// gave, which it cannot be.
    Stored {
        place: Option<Place>,
        draft: bool,
        placeholders: bool,
    },
}

impl Kept {
    const STORED: u64 = 1 << 63;
    const DRAFT: u64 = 1 << 62;
    const PLACEHOLDERS: u64 = 1 << 61;
    /// A stored place's length is kept in 24 bits, its start in 32: a
    /// longer record (16 MiB of front matter) is held.
    const LONGEST: u64 = 1 << 24;

    fn held(at: usize) -> Kept {
        Kept(u64::from(
            u32::try_from(at).expect("fewer than 4 billion pages"),
        ))
    }

    fn stored(place: Place, draft: bool, placeholders: bool) -> Option<Kept> {
        let bits = place.to_bits();
        let flag = |on: bool, bit: u64| if on { bit } else { 0 };
        (bits >> 32 < Self::LONGEST).then(|| {
            Kept(
                bits | Self::STORED
                    | flag(draft, Self::DRAFT)
                    | flag(placeholders, Self::PLACEHOLDERS),
            )
        })
    }

    fn record(self) -> Record {
        if self.0 & Self::STORED == 0 {
            return Record::Held(self.0 as usize);
        }
        let place_bits = self.0 & ((Self::LONGEST << 32) - 1);
        Record::Stored {
            place: Place::from_bits(place_bits),
            draft: self.0 & Self::DRAFT != 0,
            placeholders: self.0 & Self::PLACEHOLDERS != 0,
        }
    }
}

/// A record's numbers before its texts: the text's length, its two hashes
/// and where its body starts.
const RECORD_HEAD: usize = 4 + 8 + 8 + 4;

/// A locale's pages, sorted by name, one after another, with their slugs and
/// the records kept in memory: a map of names to pages took about 50 bytes a
/// page more (its key, and nodes part full), and a box for each page 24.
#[derive(Debug, Clone, Default)]
struct Pages {
    entries: Vec<Entry>,
    names: TextList,
    slugs: SitePathList,
    held: Vec<SourcePage>,
    /// What no entry points at since a page was replaced or removed (by the
    /// preview, after an edit), counted in slugs: a held record as
    /// [`Pages::HELD_GARBAGE`].
    garbage: usize,
}

impl Pages {
    /// A held record left behind counts as this many slugs: it is some
    /// hundreds of bytes where a slug is some tens.
    const HELD_GARBAGE: usize = 16;

    /// The entry of `page`, put in `store` when it can be read back whole
    /// from there.
    fn entry(&mut self, page: SourcePage, store: Option<&Store>) -> Entry {
        // A slug is under 4 GiB: a page is ([`super::PAGE_LIMIT`]).
        let slug = self
            .slugs
            .push(&page.slug)
            .expect("a locale's slugs under 4 GiB");
        // A file's name holds no NUL.
        let name = (page.slug.last_segment() != Some(&*page.name)).then(|| {
            self.names
                .push(&page.name)
                .expect("a locale's names under 4 GiB, without NUL")
        });
        let kept = store
            .and_then(|store| Self::store(&page, store))
            .unwrap_or_else(|| {
                self.held.push(page);
                Kept::held(self.held.len() - 1)
            });
        Entry { name, slug, kept }
    }

    /// Puts the record of `page` in `store`: its body's identity, where the
    /// body starts and its front matter's texts. `None` when it has to stay
    /// in memory ([`Record::Held`]), or the temporary file is full.
    fn store(page: &SourcePage, store: &Store) -> Option<Kept> {
        if page.slug.depth() <= 1 {
            return None;
        }
        let Body::OnDisk {
            site_root,
            len,
            hash,
            digest,
        } = &page.body
        else {
            return None;
        };
        let Texts::Held(texts) = &page.texts else {
            return None;
        };
        if page.extras.0.is_some() || **site_root != *store.root {
            return None;
        }
        let texts_bytes = texts.to_bytes();
        let mut record = Vec::with_capacity(RECORD_HEAD + texts_bytes.len());
        record.extend_from_slice(&len.to_le_bytes());
        record.extend_from_slice(&hash.to_le_bytes());
        record.extend_from_slice(&digest.to_le_bytes());
        record.extend_from_slice(&page.body_offset.to_le_bytes());
        record.extend_from_slice(&texts_bytes);
        let place = store.spill.put(&record)?;
        Kept::stored(place, page.draft, texts.have_placeholders())
    }

    fn name(&self, entry: &Entry) -> &str {
        match entry.name {
            // Every entry's name is in its list's, or its slug's end.
            Some(at) => self.names.get(at).expect("an entry's name is in its list"),
            None => self
                .slug(entry)
                .last_segment()
                .expect("a name kept as its slug's end"),
        }
    }

    fn slug(&self, entry: &Entry) -> &SitePathStr {
        // Every entry's slug is in its list's.
        self.slugs
            .get(entry.slug)
            .expect("an entry's slug is in its list")
    }

    /// The whole page of `entry`, read back from `store` if it is there.
    fn page<'a>(
        &'a self,
        entry: &Entry,
        locale: &Locale,
        store: Option<&Store>,
    ) -> Cow<'a, SourcePage> {
        let (place, draft) = match entry.kept.record() {
            Record::Held(at) => return Cow::Borrowed(&self.held[at]),
            Record::Stored { place, draft, .. } => (place, draft),
        };
        let unreadable = |why: String| Cow::Owned(self.unreadable(entry, locale, draft, why));
        // A page is stored only where its list has a store.
        let (Some(store), Some(place)) = (store, place) else {
            return unreadable("no temporary file".to_string());
        };
        let read = store.spill.get(place);
        let page = read
            .as_deref()
            .ok()
            .and_then(|record| self.read_record(entry, locale, draft, store, record));
        match page {
            Some(page) => Cow::Owned(page),
            None => unreadable(
                read.err()
                    .map_or("not as written".to_string(), |e| e.to_string()),
            ),
        }
    }

    fn read_record(
        &self,
        entry: &Entry,
        locale: &Locale,
        draft: bool,
        store: &Store,
        record: &[u8],
    ) -> Option<SourcePage> {
        let (head, texts) = record.split_at_checked(RECORD_HEAD)?;
        let len = u32::from_le_bytes(head[0..4].try_into().ok()?);
        let hash = u64::from_le_bytes(head[4..12].try_into().ok()?);
        let digest = u64::from_le_bytes(head[12..20].try_into().ok()?);
        let body_offset = u32::from_le_bytes(head[20..24].try_into().ok()?);
        Some(SourcePage {
            name: self.name(entry).into(),
            locale: locale.clone(),
            body: Body::OnDisk {
                site_root: store.root.clone(),
                len,
                hash,
                digest,
            },
            extras: RareExtras::default(),
            texts: Texts::Held(Box::new(FrontTexts::from_bytes(texts)?)),
            slug: self.slug(entry).to_path(),
            body_offset,
            draft,
        })
    }

    /// The page whose record could not be read back: its texts and its whole
    /// file are errors that say why ([`SourcePage::texts`]).
    fn unreadable(&self, entry: &Entry, locale: &Locale, draft: bool, why: String) -> SourcePage {
        SourcePage {
            name: self.name(entry).into(),
            locale: locale.clone(),
            body: Body::Held(Box::new(SourceFile::new("", ""))),
            extras: RareExtras::default(),
            texts: Texts::Unreadable(why.into()),
            slug: self.slug(entry).to_path(),
            body_offset: 0,
            draft,
        }
    }

    fn head<'a>(&'a self, entry: &'a Entry, locale: &'a Locale) -> PageHead<'a> {
        let (draft, placeholders, held) = match entry.kept.record() {
            Record::Held(at) => {
                let page = &self.held[at];
                (page.draft, page.texts_have_placeholders(), Some(page))
            }
            Record::Stored {
                draft,
                placeholders,
                ..
            } => (draft, placeholders, None),
        };
        PageHead {
            name: self.name(entry),
            slug: self.slug(entry),
            locale,
            draft,
            placeholders,
            held,
        }
    }

    /// Notes that `entry` is no longer kept: its slug, and its record if it
    /// was held, are garbage, made anew without it once there is as much of
    /// it as of what is kept.
    fn drop_entry(&mut self, entry: &Entry) {
        self.garbage += match entry.kept.record() {
            Record::Held(_) => 1 + Self::HELD_GARBAGE,
            Record::Stored { .. } => 1,
        };
    }

    /// Makes the slugs and held records anew, with only the entries' own.
    fn collect_garbage(&mut self) {
        if self.garbage <= self.entries.len() {
            return;
        }
        let mut old = std::mem::take(self);
        let mut old_held: Vec<Option<SourcePage>> = old.held.into_iter().map(Some).collect();
        for entry in &mut old.entries {
            if let Some(at) = entry.name {
                let name = old.names.get(at).expect("an entry's name is in its list");
                entry.name = Some(self.names.push(name).expect("no more names than before"));
            }
            let slug = old
                .slugs
                .get(entry.slug)
                .expect("an entry's slug is in its list");
            entry.slug = self.slugs.push(slug).expect("no more slugs than before");
            if let Record::Held(at) = entry.kept.record() {
                self.held.extend(old_held[at].take());
                entry.kept = Kept::held(self.held.len() - 1);
            }
        }
        self.entries = old.entries;
    }
}

/// What is known of a page without reading its record back: what the plan,
/// the menus and the preview's lookups by file ask of every page.
#[derive(Debug, Clone, Copy)]
pub struct PageHead<'a> {
    pub name: &'a str,
    pub slug: &'a SitePathStr,
    pub locale: &'a Locale,
    pub draft: bool,
    /// Whether the title, description or nav title holds a placeholder.
    pub placeholders: bool,
    /// The whole page, when it is in memory.
    held: Option<&'a SourcePage>,
}

impl<'a> PageHead<'a> {
    /// The whole page, when it is in memory: always so for a page with
    /// [`super::Extras`] (images, aliases, message keys), which are not
    /// stored.
    pub fn held(&self) -> Option<&'a SourcePage> {
        self.held
    }

    /// The page's file, as [`SourcePage::file_name`].
    pub fn file_name(&self) -> Arc<str> {
        match self.held {
            Some(page) => page.file_name(),
            None => format!("{CONTENT_DIR}/{}/{}.md", self.locale, self.name).into(),
        }
    }

    /// Whether the page's file is the one shown as `shown`, as
    /// [`SourcePage::has_file`]: a stored page's file is always named by its
    /// locale and name.
    pub fn has_file(&self, shown: &str) -> bool {
        match self.held {
            Some(page) => page.has_file(shown),
            None => in_its_folder(self.name, self.locale, shown),
        }
    }
}

/// A locale's pages. Shared, so that the preview's copy of the site before an
/// edit costs nothing; an edit copies the entries of the locale it changes
/// ([`Arc::make_mut`]), not the records in the store.
#[derive(Debug, Clone)]
pub struct LocalePages {
    locale: Locale,
    store: Option<Arc<Store>>,
    pages: Arc<Pages>,
    last_found: LastFound,
}

/// The place of the page last found by name: the plan and the sitemaps ask
/// for every name in order, and a name's entry is then this one or the
/// next, two comparisons where a binary search among 25,000 takes fifteen,
/// each reading a name from its text.
#[derive(Debug, Default)]
struct LastFound(AtomicUsize);

impl Clone for LastFound {
    fn clone(&self) -> LastFound {
        LastFound(AtomicUsize::new(self.0.load(Ordering::Relaxed)))
    }
}

impl LocalePages {
    pub fn new(locale: Locale, store: Option<Arc<Store>>) -> LocalePages {
        LocalePages {
            locale,
            store,
            pages: Arc::default(),
            last_found: LastFound::default(),
        }
    }

    pub(super) fn place(&self, name: &str) -> Result<usize, usize> {
        let (pages, last) = (&self.pages, self.last_found.0.load(Ordering::Relaxed));
        let is_at = |at: usize| pages.entries.get(at).is_some_and(|e| pages.name(e) == name);
        let place = match [last, last + 1].into_iter().find(|&at| is_at(at)) {
            Some(at) => Ok(at),
            None => pages
                .entries
                .binary_search_by(|entry| pages.name(entry).cmp(name)),
        };
        if let Ok(at) = place {
            self.last_found.0.store(at, Ordering::Relaxed);
        }
        place
    }

    fn read<'a>(&'a self, entry: &'a Entry) -> Cow<'a, SourcePage> {
        self.pages.page(entry, &self.locale, self.store.as_deref())
    }

    pub fn get(&self, name: &str) -> Option<Cow<'_, SourcePage>> {
        self.place(name)
            .ok()
            .map(|at| self.read(&self.pages.entries[at]))
    }

    /// What is known of the page `name` without reading it back.
    pub fn head(&self, name: &str) -> Option<PageHead<'_>> {
        let at = self.place(name).ok()?;
        Some(self.pages.head(&self.pages.entries[at], &self.locale))
    }

    /// The entry of the page `name`, looked at first at `at`, its place when
    /// it was found before: one comparison, not a search among the locale's
    /// names.
    fn entry_placed(&self, name: &str, at: u32) -> Option<&Entry> {
        let entries = &self.pages.entries;
        match entries.get(at as usize) {
            Some(entry) if self.pages.name(entry) == name => Some(entry),
            _ => self.place(name).ok().map(|at| &entries[at]),
        }
    }

    pub(super) fn get_placed(&self, name: &str, at: u32) -> Option<Cow<'_, SourcePage>> {
        self.entry_placed(name, at).map(|entry| self.read(entry))
    }

    pub(super) fn head_placed(&self, name: &str, at: u32) -> Option<PageHead<'_>> {
        self.entry_placed(name, at)
            .map(|entry| self.pages.head(entry, &self.locale))
    }

    /// Adds `page`, in place of the page of that name if there is one.
    pub fn insert(&mut self, page: SourcePage) {
        // Pages load in the walk's order, by file name: almost always after
        // the last (`a-b.md` comes before `a.md`, `a` before `a-b`).
        let entries = &self.pages.entries;
        let last = entries
            .last()
            .is_none_or(|last| self.pages.name(last) < &*page.name);
        let place = if last {
            Err(entries.len())
        } else {
            self.place(&page.name)
        };
        let pages = Arc::make_mut(&mut self.pages);
        let entry = pages.entry(page, self.store.as_deref());
        match place {
            Ok(at) => {
                let old = std::mem::replace(&mut pages.entries[at], entry);
                pages.drop_entry(&old);
                pages.collect_garbage();
            }
            Err(at) => pages.entries.insert(at, entry),
        }
    }

    /// Removes the pages `leave` picks: the entries are copied only when some
    /// are removed and another copy of the site shares them.
    pub fn remove_where(&mut self, leave: impl Fn(&PageHead) -> bool) {
        let locale = &self.locale;
        let leaves = |pages: &Pages, entry: &Entry| leave(&pages.head(entry, locale));
        if !self
            .pages
            .entries
            .iter()
            .any(|entry| leaves(&self.pages, entry))
        {
            return;
        }
        let pages = Arc::make_mut(&mut self.pages);
        let entries = std::mem::take(&mut pages.entries);
        let (gone, kept): (Vec<Entry>, Vec<Entry>) =
            entries.into_iter().partition(|entry| leaves(pages, entry));
        pages.entries = kept;
        for entry in &gone {
            pages.drop_entry(entry);
        }
        pages.collect_garbage();
    }

    /// The pages by name, each read back whole.
    pub fn values(&self) -> impl Iterator<Item = Cow<'_, SourcePage>> {
        self.pages.entries.iter().map(|entry| self.read(entry))
    }

    /// What is known of each page without reading it back, by name.
    pub fn heads(&self) -> impl Iterator<Item = PageHead<'_>> {
        let pages = &self.pages;
        pages
            .entries
            .iter()
            .map(|entry| pages.head(entry, &self.locale))
    }

    /// The names, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let pages = &self.pages;
        pages.entries.iter().map(|entry| pages.name(entry))
    }

    pub fn is_empty(&self) -> bool {
        self.pages.entries.is_empty()
    }

    /// Gives back the room of the doubling that grew it: kept until the
    /// build ends.
    pub(super) fn shrink_to_fit(&mut self) {
        let pages = Arc::make_mut(&mut self.pages);
        pages.entries.shrink_to_fit();
        pages.names.shrink_to_fit();
        pages.slugs.shrink_to_fit();
        pages.held.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{load_file, parse_page, DEFAULT_TEMPLATE};

    /// A site folder, its store, and its `en` pages.
    struct Site {
        root: tempfile::TempDir,
        pages: LocalePages,
    }

    impl Site {
        fn new() -> Site {
            let root = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(root.path().join("content/en")).unwrap();
            let store = Store::new(Arc::new(root.path().to_path_buf()));
            let pages = LocalePages::new("en".parse().unwrap(), Some(Arc::new(store)));
            Site { root, pages }
        }

        fn path(&self, name: &str) -> PathBuf {
            self.root.path().join(format!("content/en/{name}.md"))
        }

        /// Writes and loads the page `name` with `front` matter after its
        /// title and `body`.
        fn load(&mut self, name: &str, front: &str, body: &str) {
            let text = format!("---\ntitle: {name} {{{{ brand }}}}\n{front}---\n{body}");
            std::fs::write(self.path(name), text).unwrap();
            let root = Arc::new(self.root.path().to_path_buf());
            let page = load_file(&root, &self.path(name)).unwrap().unwrap();
            self.pages.insert(page);
        }

        fn is_stored(&self, name: &str) -> bool {
            let at = self.pages.place(name).unwrap();
            let kept = self.pages.pages.entries[at].kept;
            matches!(kept.record(), Record::Stored { .. })
        }
    }

    #[test]
    fn a_page_off_the_menu_is_stored_and_read_back_as_it_loaded() {
        let mut site = Site::new();
        let deep_front =
            "description: About\nslug: products/deep\nupdated: 2026-01-02\nnav_title: D\nweight: -3\n";
        site.load("deep", deep_front, "Body\n");
        site.load(
            "draft",
            "description: D\nslug: products/draft\ndraft: true\n",
            "B\n",
        );
        site.load("menu", "description: D\n", "B\n");
        site.load(
            "pictured",
            "description: D\nslug: products/p\n",
            "![a](a.png)\n",
        );
        // Stored: a page off the menu with no extras. Held: the menu's page,
        // whose texts every page shows, and one with an image.
        assert!(site.is_stored("deep") && site.is_stored("draft"));
        assert!(!site.is_stored("menu") && !site.is_stored("pictured"));

        let deep = site.pages.get("deep").unwrap();
        assert!(matches!(deep, Cow::Owned(_)));
        let texts = deep.texts().unwrap();
        assert_eq!(texts.title(), "deep {{ brand }}");
        assert_eq!(texts.description(), "About");
        assert_eq!(texts.nav_title(), Some("D"));
        assert_eq!(texts.template(), DEFAULT_TEMPLATE);
        assert_eq!(texts.weight(), -3);
        assert_eq!(deep.updated(), Some("2026-01-02"));
        assert_eq!(deep.slug.to_string(), "products/deep");
        assert_eq!(&*deep.file_name(), "content/en/deep.md");
        // The whole file is read again, as loaded: its body where it was.
        let whole = deep.whole_file().unwrap();
        assert_eq!(&whole.text[deep.body_offset()..], "Body\n");
        // The same page as one parsed from its text, in all that the other
        // pages show of it and in the text the next build knows it by.
        let parsed = parse_page(whole.clone(), "deep".into(), "en".parse().unwrap()).unwrap();
        assert!(parsed.same_front_matter(&deep) && deep.same_front_matter(&parsed));
        assert_eq!(parsed.text_identity(), deep.text_identity());
        assert_eq!(parsed.body_line(&whole), deep.body_line(&whole));

        // What is known without reading it back.
        let head = site.pages.head("deep").unwrap();
        assert!(head.placeholders && !head.draft && head.held().is_none());
        assert_eq!(&*head.file_name(), "content/en/deep.md");
        assert!(head.has_file("content/en/deep.md") && !head.has_file("content/en/menu.md"));
        assert!(site.pages.head("draft").unwrap().draft);
        assert!(site.pages.get("draft").unwrap().draft);
        let menu = site.pages.head("menu").unwrap();
        assert!(menu.held().is_some_and(|page| page.texts().is_ok()));
    }

    #[test]
    fn a_stored_page_whose_file_changed_since_is_an_error_when_read_again() {
        let mut site = Site::new();
        site.load("deep", "description: D\nslug: a/b\n", "Body\n");
        std::fs::write(
            site.path("deep"),
            "---\ntitle: T\ndescription: D\n---\nOther\n",
        )
        .unwrap();
        let problem = site.pages.get("deep").unwrap().whole_file().unwrap_err();
        assert_eq!(problem.code, "content::changed");
    }

    #[test]
    fn a_record_that_cannot_be_read_back_is_an_error_that_names_the_page() {
        let mut site = Site::new();
        site.load("deep", "description: D\nslug: a/b\n", "Body\n");
        // The list without its store: its record cannot be found.
        site.pages.store = None;
        let page = site.pages.get("deep").unwrap();
        for problem in [page.texts().unwrap_err(), page.whole_file().unwrap_err()] {
            assert_eq!(problem.code, "build::temporary-file");
            assert_eq!(problem.file.as_deref(), Some("content/en/deep.md"));
        }
        assert_eq!(&*page.name, "deep");
    }

    #[test]
    fn a_copy_shares_the_records_and_an_edit_changes_only_its_own() {
        let mut site = Site::new();
        site.load("a", "description: D\nslug: x/a\n", "A\n");
        site.load("b", "description: D\nslug: x/b\n", "B\n");
        let before = site.pages.clone();
        site.load("a", "description: Changed\nslug: x/a\n", "A2\n");
        site.pages.remove_where(|head| head.name == "b");
        assert_eq!(before.get("a").unwrap().texts().unwrap().description(), "D");
        assert!(before.get("b").is_some());
        let after = site.pages.get("a").unwrap();
        assert_eq!(after.texts().unwrap().description(), "Changed");
        assert!(site.pages.get("b").is_none());
    }

    #[test]
    fn kept_says_where_the_record_is_and_the_flags_in_8_bytes() {
        let spill = Spill::new();
        spill.put(b"before").unwrap();
        let place = spill.put(b"abc").unwrap();
        for (draft, placeholders) in [(false, false), (true, false), (false, true), (true, true)] {
            let kept = Kept::stored(place, draft, placeholders).unwrap();
            let Record::Stored {
                place: read,
                draft: read_draft,
                placeholders: read_placeholders,
            } = kept.record()
            else {
                panic!("stored");
            };
            assert_eq!(
                (read, read_draft, read_placeholders),
                (Some(place), draft, placeholders)
            );
        }
        assert!(matches!(Kept::held(7).record(), Record::Held(7)));
        // A record too long for 24 bits is held instead.
        let long = Place::from_bits((Kept::LONGEST << 32) | 1).unwrap();
        assert!(Kept::stored(long, false, false).is_none());
    }

    #[test]
    fn pages_are_found_by_name_in_any_order_and_after_an_insert() {
        let mut site = Site::new();
        for name in ["b", "d", "f"] {
            site.load(name, "description: D\n", "B\n");
        }
        let places = |site: &Site, names: &[&str]| -> Vec<Result<usize, usize>> {
            names.iter().map(|name| site.pages.place(name)).collect()
        };
        assert_eq!(places(&site, &["b", "d", "f"]), [Ok(0), Ok(1), Ok(2)]);
        assert_eq!(
            places(&site, &["f", "d", "b", "a", "e", "g"]),
            [Ok(2), Ok(1), Ok(0), Err(0), Err(2), Err(3)]
        );
        // Every place moves: the last one found is another page's now.
        site.load("a", "description: D\n", "B\n");
        assert_eq!(
            places(&site, &["b", "b", "c", "d", "a"]),
            [Ok(1), Ok(1), Err(2), Ok(2), Ok(0)]
        );
    }

    #[test]
    fn a_name_that_ends_its_slug_is_not_kept_twice() {
        let mut site = Site::new();
        site.load("deep", "description: D\nslug: products/deep\n", "B\n");
        site.load("menu", "description: D\n", "B\n");
        site.load("moved", "description: D\nslug: products/elsewhere\n", "B\n");
        site.load(
            "prefix",
            "description: D\nslug: products/the-prefix\n",
            "B\n",
        );
        site.load("index", "description: D\n", "B\n");
        let pages = &site.pages.pages;
        let kept: Vec<bool> = pages.entries.iter().map(|e| e.name.is_some()).collect();
        // `index` (the root's slug has no segment), `moved` and `prefix`.
        assert_eq!(kept, [false, true, false, true, true]);
        let names: Vec<&str> = site.pages.keys().collect();
        assert_eq!(names, ["deep", "index", "menu", "moved", "prefix"]);
        for name in names {
            let head = site.pages.head(name).unwrap();
            assert_eq!(head.name, name);
            assert_eq!(&*site.pages.get(name).unwrap().name, name);
        }
        // Replaced with a slug it no longer ends: its name is kept.
        site.load("deep", "description: D\nslug: products/other\n", "B\n");
        assert_eq!(site.pages.head("deep").unwrap().name, "deep");
        assert_eq!(
            &*site.pages.get("deep").unwrap().file_name(),
            "content/en/deep.md"
        );
    }

    #[test]
    fn pages_replaced_and_removed_again_and_again_keep_their_slugs_and_records() {
        let mut site = Site::new();
        for round in 0..50 {
            // One held (on the menu), one stored, each replaced every round.
            site.load("menu", &format!("description: {round}\n"), "B\n");
            let front = format!("description: {round}\nslug: x/deep-{round}\n");
            site.load("deep", &front, "B\n");
        }
        site.load("other", "description: O\nslug: x/other\n", "B\n");
        let pages = &site.pages.pages;
        // What the replaced pages left is made anew once it is as much as what is kept.
        assert!(pages.garbage <= pages.entries.len(), "{}", pages.garbage);
        assert_eq!(pages.held.len(), 1);
        assert_eq!(
            site.pages.head("deep").unwrap().slug.to_string(),
            "x/deep-49"
        );
        let menu = site.pages.get("menu").unwrap();
        assert_eq!(menu.texts().unwrap().description(), "49");
        assert_eq!(
            site.pages
                .get("deep")
                .unwrap()
                .texts()
                .unwrap()
                .description(),
            "49"
        );
        drop(menu);
        site.pages.remove_where(|head| head.name == "menu");
        assert!(site.pages.get("menu").is_none());
        assert_eq!(
            site.pages.head("other").unwrap().slug.to_string(),
            "x/other"
        );
    }
}
