//! Language and region names from CLDR, through ICU4X's display names.
//!
//! The language switcher shows each language by its own name ("Deutsch",
//! "Français"), and a region name where two entries share a language ("English
//! (United Kingdom)"). The same data tells whether a tag's language and region
//! exist at all, so `locales: [german]` is refused with a suggestion instead of
//! ending up in `<html lang>`. Nothing here reads a `.ftl` file: a locale that has
//! no translations yet still gets its right name, never the reference locale's.

use std::str::FromStr;

use icu_locale::names::{
    DisplayNamesPreferences, LanguageDisplay, LanguageIdentifierDisplayName,
    LanguageIdentifierDisplayNameOptions, RegionDisplayName,
};
use icu_locale::{LocaleCanonicalizer, LocaleExpander};
use icu_locale_core::subtags::{Language, Region};
use icu_locale_core::{LanguageIdentifier, Locale as IcuLocale};
use writeable::TryWriteable;

fn prefs(tag: &str) -> DisplayNamesPreferences {
    IcuLocale::from_str(tag)
        .unwrap_or(IcuLocale::UNKNOWN)
        .into()
}

/// The name of `language` in the language of `display` (`None` when CLDR has none).
fn language_name_in(display: &str, language: Language) -> Option<String> {
    if language == Language::UNKNOWN {
        return None;
    }
    let mut options = LanguageIdentifierDisplayNameOptions::default();
    options.language_display = Some(LanguageDisplay::Standard);
    let subject = LanguageIdentifier::from((language, None, None));
    let name =
        LanguageIdentifierDisplayName::try_new_heavy(prefs(display), subject, options).ok()?;
    let borrowed = name.as_borrowed();
    let written = borrowed.try_write_to_string().ok()?;
    Some(written.into_owned())
}

/// The name of `region` in the language of `display`.
fn region_name_in(display: &str, region: Region) -> Option<String> {
    let name = RegionDisplayName::try_new_light(prefs(display), region).ok()?;
    Some(name.to_string())
}

/// Whether CLDR knows the language subtag (`de`, `nl`, `gsw`; not `german`, not `und`).
pub fn is_known_language(language: &str) -> bool {
    Language::try_from_str(language)
        .ok()
        .and_then(|l| language_name_in("en", l))
        .is_some()
}

/// Whether CLDR knows the region subtag (`GB`, `419`; not `UK`).
pub fn is_known_region(region: &str) -> bool {
    Region::try_from_str(region)
        .ok()
        .and_then(|r| region_name_in("en", r))
        .is_some()
}

/// Menus start a language's name with a capital, as CLDR's context transforms
/// ask for the languages that write names in lowercase ("français" -> "Français").
fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The language of `tag` in that language: `fr-FR` -> "Français", `de` -> "Deutsch".
/// Falls back to the tag itself when CLDR has no name (never to another language's).
pub fn language_autonym(tag: &str) -> String {
    LanguageIdentifier::from_str(tag)
        .ok()
        .and_then(|id| language_name_in(tag, id.language))
        .map(|name| capitalized(&name))
        .unwrap_or_else(|| tag.to_string())
}

/// The region of `tag` named in the tag's own language: `en-GB` -> "United
/// Kingdom", `fr-BE` -> "Belgique"; `None` for a tag without a region.
pub fn region_in_own_language(tag: &str) -> Option<String> {
    let id = LanguageIdentifier::from_str(tag).ok()?;
    region_name_in(tag, id.region?)
}

/// The language subtag of `tag` (`de` for `de-AT`).
pub fn language_of(tag: &str) -> Option<String> {
    LanguageIdentifier::from_str(tag)
        .ok()
        .map(|id| id.language.to_string())
}

/// The language whose English name or own name is `name`, whatever its case:
/// `german` and `Deutsch` -> `de`. Only two-letter languages are searched: they
/// are the ones people write out in words.
pub fn language_named(name: &str) -> Option<String> {
    let wanted = name.trim().to_lowercase();
    let letters = b'a'..=b'z';
    letters
        .clone()
        .flat_map(|a| letters.clone().map(move |b| [a, b]))
        .filter_map(|code| Language::try_from_utf8(&code).ok())
        .find(|language| {
            let code = language.as_str();
            let english = language_name_in("en", *language);
            english.is_some_and(|n| n.to_lowercase() == wanted)
                || language_name_in(code, *language).is_some_and(|n| n.to_lowercase() == wanted)
        })
        .map(|language| language.to_string())
}

/// The tag as CLDR's aliases rewrite it: `en-UK` -> `en-GB`, `iw` -> `he`,
/// `fr_BE` -> `fr-BE`.
pub fn canonical(tag: &str) -> Option<String> {
    let mut locale = IcuLocale::from_str(&tag.replace('_', "-")).ok()?;
    LocaleCanonicalizer::new_common().canonicalize(&mut locale);
    Some(locale.to_string())
}

/// The usual full tag for a bare language, from CLDR's likely subtags:
/// `de` -> `de-DE`, `fr` -> `fr-FR`.
pub fn likely_tag(language: &str) -> String {
    let Ok(mut id) = LanguageIdentifier::from_str(language) else {
        return language.to_string();
    };
    LocaleExpander::new_common().maximize(&mut id);
    id.script = None;
    id.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_named_in_their_own_language() {
        assert_eq!(language_autonym("de-DE"), "Deutsch");
        assert_eq!(language_autonym("fr-FR"), "Français");
        assert_eq!(language_autonym("it-IT"), "Italiano");
        assert_eq!(language_autonym("en-GB"), "English");
        assert_eq!(language_autonym("nl-BE"), "Nederlands");
    }

    #[test]
    fn regions_are_named_in_the_locale_language() {
        assert_eq!(
            region_in_own_language("en-GB").as_deref(),
            Some("United Kingdom")
        );
        assert_eq!(region_in_own_language("fr-BE").as_deref(), Some("Belgique"));
        assert_eq!(
            region_in_own_language("de-AT").as_deref(),
            Some("Österreich")
        );
        assert_eq!(region_in_own_language("en"), None);
    }

    #[test]
    fn unknown_languages_and_regions_are_told_apart_from_real_ones() {
        assert!(is_known_language("de"));
        assert!(is_known_language("gsw"));
        assert!(!is_known_language("german"));
        assert!(!is_known_language("und"));
        assert!(!is_known_language("xx"));
        assert!(is_known_region("GB"));
        assert!(is_known_region("419"));
        assert!(!is_known_region("UK"));
        assert!(!is_known_region("XY"));
    }

    #[test]
    fn a_language_written_out_is_found_by_its_name() {
        assert_eq!(language_named("german").as_deref(), Some("de"));
        assert_eq!(language_named("Deutsch").as_deref(), Some("de"));
        assert_eq!(language_named("français").as_deref(), Some("fr"));
        assert_eq!(language_named("klingonese"), None);
        assert_eq!(likely_tag("de"), "de-DE");
        assert_eq!(likely_tag("fr"), "fr-FR");
        assert_eq!(canonical("en-UK").as_deref(), Some("en-GB"));
        assert_eq!(canonical("fr_BE").as_deref(), Some("fr-BE"));
    }
}
