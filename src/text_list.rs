//! Short texts kept for every page until a build ends (a locale's page
//! names and slugs, the plan's names), one after another in one allocation
//! rather than one each: a shared `Arc<str>` name took a 16-byte pointer in
//! every place it was kept and 16 bytes of counts beside its text, where a
//! place here is 4 bytes and the text one byte more than its own.

use std::num::NonZeroU32;

/// Texts one after another in one text, each after a NUL, which none holds.
#[derive(Debug, Clone, Default)]
pub struct TextList {
    text: String,
}

/// Where a text is in a [`TextList`]: the byte after its NUL, never the
/// first, so that an `Option<TextAt>` is 4 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextAt(NonZeroU32);

const _: () = assert!(std::mem::size_of::<Option<TextAt>>() == 4);

#[cfg(test)]
impl TextAt {
    /// A place `by` bytes from this one, as no list gives.
    pub fn shifted(self, by: i64) -> TextAt {
        let at = u32::try_from(i64::from(self.0.get()) + by).unwrap_or(u32::MAX);
        TextAt(NonZeroU32::new(at).unwrap_or(NonZeroU32::MAX))
    }
}

impl TextList {
    /// Keeps `text`; `None` when it holds a NUL, or the list would pass 4 GiB.
    pub fn push(&mut self, text: &str) -> Option<TextAt> {
        if text.contains('\0') {
            return None;
        }
        let start = NonZeroU32::new(u32::try_from(self.text.len() + 1).ok()?)?;
        u32::try_from(self.text.len() + 1 + text.len()).ok()?;
        self.text.push('\0');
        self.text.push_str(text);
        Some(TextAt(start))
    }

    /// The text at `at`: `None` unless `at` is the start of one this list
    /// kept, so that no part of a text, nor two, read as one.
    pub fn get(&self, at: TextAt) -> Option<&str> {
        let start = at.0.get() as usize;
        let after_nul = start
            .checked_sub(1)
            .is_some_and(|before| self.text.as_bytes().get(before) == Some(&0));
        if !after_nul {
            return None;
        }
        // The byte before is a NUL, so `start` is a character boundary.
        let rest = self.text.get(start..)?;
        Some(rest.find('\0').map_or(rest, |end| &rest[..end]))
    }

    /// Gives back the room of the doubling that grew it.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
    }
}

/// Texts in ascending order, each found by its place in that order: the
/// plan's names, where a job keeps its name's place.
#[derive(Debug, Clone, Default)]
pub struct SortedTexts {
    list: TextList,
    starts: Vec<TextAt>,
}

impl SortedTexts {
    /// Keeps `text` after the others. `None` unless it comes after the last
    /// (a duplicate is not kept twice), or when the list is full.
    pub fn push(&mut self, text: &str) -> Option<()> {
        if self.last().is_some_and(|last| last >= text) {
            return None;
        }
        let at = self.list.push(text)?;
        self.starts.push(at);
        Some(())
    }

    fn last(&self) -> Option<&str> {
        self.starts.last().and_then(|&at| self.list.get(at))
    }

    /// The text at `place` in the order.
    pub fn get(&self, place: usize) -> Option<&str> {
        self.list.get(*self.starts.get(place)?)
    }

    /// The place of `text` in the order, if it is kept.
    pub fn place(&self, text: &str) -> Option<usize> {
        self.starts
            .binary_search_by(|&at| self.list.get(at).unwrap_or_default().cmp(text))
            .ok()
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.starts.iter().filter_map(|&at| self.list.get(at))
    }

    pub fn shrink_to_fit(&mut self) {
        self.list.shrink_to_fit();
        self.starts.shrink_to_fit();
    }
}

impl<'a> FromIterator<&'a str> for SortedTexts {
    /// The texts of an ascending iterator, each once.
    fn from_iter<I: IntoIterator<Item = &'a str>>(texts: I) -> SortedTexts {
        let mut sorted = SortedTexts::default();
        for text in texts {
            let _duplicate_or_full = sorted.push(text);
        }
        sorted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_gives_back_each_text_it_kept_and_nothing_else() {
        let mut list = TextList::default();
        let texts = ["a..b", "", "x", "é", "p00001"];
        let places: Vec<TextAt> = texts.iter().map(|t| list.push(t).unwrap()).collect();
        for (text, at) in texts.iter().zip(&places) {
            assert_eq!(list.get(*at), Some(*text));
        }
        // A place inside a text (`..` of `a..b`, or inside `é`), before the
        // first NUL, or past the end reads nothing.
        let inside_e = places[3].shifted(1);
        for forged in [places[0].shifted(1), places[0].shifted(2), inside_e] {
            assert_eq!(list.get(forged), None, "{forged:?}");
        }
        assert_eq!(list.get(places[0].shifted(1000)), None);
        assert_eq!(list.get(places[0].shifted(-100)), None);
        assert_eq!(list.push("a\0b"), None);
    }

    #[test]
    fn sorted_texts_keep_each_text_once_in_order() {
        let sorted: SortedTexts = ["about", "about", "help", "help-desk", "index"]
            .into_iter()
            .collect();
        assert_eq!(sorted.len(), 4);
        assert_eq!(
            sorted.iter().collect::<Vec<_>>(),
            ["about", "help", "help-desk", "index"]
        );
        assert_eq!(sorted.place("help-desk"), Some(2));
        assert_eq!(sorted.get(2), Some("help-desk"));
        assert_eq!(sorted.place("help-des"), None);
        assert_eq!(sorted.get(4), None);
        let mut sorted = sorted;
        assert_eq!(sorted.push("abc"), None, "out of order");
        assert_eq!(sorted.len(), 4);
    }
}
