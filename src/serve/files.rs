//! The preview's rendered files: the full set a whole build rendered, shared by
//! every build after it, plus the files that later partial rebuilds rendered
//! again. An edit to one page then copies one entry, not the site's map; the
//! layers are merged once the edits add up to a fair share of the site.
//!
//! Each file is kept LZ4-compressed ([`Packed`]): a page's HTML shrinks several
//! times (the navigation and the head repeat), so a 40,000-page preview holds
//! its files in a fraction of their size, and unpacking one for a request
//! takes microseconds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::diagnostics::Diagnostic;
use crate::output::Sink;
use crate::paths::SitePath;

/// (domain, path inside the domain folder, e.g. `warranty/index.html`).
pub type FileKey = (String, String);

/// A rendered file, compressed. Equal bytes pack to equal bytes, so two
/// versions of a file are compared packed.
#[derive(Clone, PartialEq, Eq)]
pub struct Packed(Arc<[u8]>);

impl Packed {
    pub fn pack(bytes: &[u8]) -> Packed {
        Packed(lz4_flex::compress_prepend_size(bytes).into())
    }

    /// The file's bytes.
    pub fn unpack(&self) -> Vec<u8> {
        // Only `pack` makes a `Packed`, so its bytes always unpack.
        lz4_flex::decompress_size_prepended(&self.0).unwrap_or_default()
    }

    /// The bytes held in memory.
    pub fn packed_len(&self) -> usize {
        self.0.len()
    }
}

/// Packs each file as it is rendered, on the render thread.
#[derive(Default)]
pub struct PackingSink {
    files: Mutex<Vec<(FileKey, Packed)>>,
}

impl PackingSink {
    pub fn into_files(self) -> Vec<(FileKey, Packed)> {
        self.files.into_inner().unwrap_or_default()
    }
}

impl Sink for PackingSink {
    fn write(&self, domain: &str, path: &SitePath, bytes: &[u8]) -> Result<(), Diagnostic> {
        let packed = Packed::pack(bytes);
        let mut files = self
            .files
            .lock()
            .map_err(|_| Diagnostic::error("output::memory", "a render thread panicked"))?;
        files.push(((domain.to_string(), path.to_string()), packed));
        Ok(())
    }
}

type Map = HashMap<FileKey, Packed>;

#[derive(Clone, Default)]
pub struct Files {
    /// What the last whole build rendered (and the merged edits since).
    base: Arc<Map>,
    /// Files rendered since, over those of `base`.
    edited: Arc<Map>,
}

impl Files {
    pub fn new(files: Map) -> Files {
        Files {
            base: Arc::new(files),
            edited: Arc::default(),
        }
    }

    /// These files with `fresh` over them.
    pub fn with(&self, fresh: impl IntoIterator<Item = (FileKey, Packed)>) -> Files {
        let mut edited = (*self.edited).clone();
        edited.extend(fresh);
        // Merged when lookups would often miss the base, and before the layer
        // costs as much to copy as the base.
        if edited.len() * 8 > self.base.len() {
            let mut base = (*self.base).clone();
            base.extend(edited);
            return Files::new(base);
        }
        Files {
            base: self.base.clone(),
            edited: Arc::new(edited),
        }
    }

    pub fn get(&self, key: &FileKey) -> Option<&Packed> {
        self.edited.get(key).or_else(|| self.base.get(key))
    }

    pub fn contains_key(&self, key: &FileKey) -> bool {
        self.get(key).is_some()
    }

    /// Every file once, its latest bytes.
    pub fn iter(&self) -> impl Iterator<Item = (&FileKey, &Packed)> {
        let edited = &self.edited;
        edited.iter().chain(
            self.base
                .iter()
                .filter(move |(key, _)| !edited.contains_key(*key)),
        )
    }

    pub fn keys(&self) -> impl Iterator<Item = &FileKey> {
        self.iter().map(|(key, _)| key)
    }

    pub fn len(&self) -> usize {
        self.base.len()
            + self
                .edited
                .keys()
                .filter(|k| !self.base.contains_key(*k))
                .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str) -> FileKey {
        ("d".to_string(), path.to_string())
    }

    fn bytes(text: &str) -> Packed {
        Packed::pack(text.as_bytes())
    }

    #[test]
    fn a_page_is_kept_smaller_and_unpacks_to_its_bytes() {
        let page = "<nav><a href=\"/a/\">A</a></nav>".repeat(200);
        let packed = Packed::pack(page.as_bytes());
        assert!(
            packed.packed_len() * 4 < page.len(),
            "{}",
            packed.packed_len()
        );
        assert_eq!(packed.unpack(), page.as_bytes());
        assert_eq!(Packed::pack(b"").unpack(), b"");
    }

    #[test]
    fn an_edit_shows_over_the_base_and_each_file_is_listed_once() {
        let base: Map = (0..100)
            .map(|i| (key(&format!("{i}.html")), bytes("old")))
            .collect();
        let files = Files::new(base);
        let edited = files.with([(key("7.html"), bytes("new")), (key("new.html"), bytes("n"))]);
        assert_eq!(edited.get(&key("7.html")).unwrap().unpack(), b"new");
        assert_eq!(edited.get(&key("8.html")).unwrap().unpack(), b"old");
        assert_eq!(
            files.get(&key("7.html")).unwrap().unpack(),
            b"old",
            "the old set stays"
        );
        assert_eq!(edited.len(), 101);
        assert_eq!(edited.iter().count(), 101);
        let seven: Vec<_> = edited
            .iter()
            .filter(|(k, _)| **k == key("7.html"))
            .collect();
        assert_eq!(seven.len(), 1);
        assert_eq!(seven[0].1.unpack(), b"new");
    }

    #[test]
    fn edits_are_merged_into_the_base_once_they_add_up() {
        let base: Map = (0..16)
            .map(|i| (key(&format!("{i}.html")), bytes("old")))
            .collect();
        let mut files = Files::new(base);
        for i in 0..3 {
            files = files.with([(key(&format!("{i}.html")), bytes("new"))]);
        }
        assert!(files.edited.is_empty(), "3 of 16 files edited: merged");
        assert_eq!(files.len(), 16);
        assert!((0..3).all(|i| files.get(&key(&format!("{i}.html"))).unwrap().unpack() == b"new"));
    }
}
