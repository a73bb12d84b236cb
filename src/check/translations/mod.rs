//! Compares every locale's `.ftl` files with the reference locale, the way Mozilla's
//! compare-locales does, and tells translators what to fix.
//!
//! Each locale is read from `locales/<locale>/*.ftl` and treated as one catalogue (a
//! message may live in any of the locale's files, as in the build). The checks are:
//!
//! - in every locale: Fluent syntax errors, duplicate messages and attributes,
//!   duplicate variants, references to messages or terms the locale does not define,
//!   and plural variants that do not fit the locale's CLDR plural rules;
//! - in every other locale, against the reference: missing and obsolete messages,
//!   attributes and values, and `$variables` that differ from the reference's
//!   (compare-locales does not check these: a translation that invents a variable
//!   renders `{$name}` on the page).
//!
//! Plural categories come from ICU4X (the current CLDR), not from compare-locales'
//! older tables: French and Italian have a `many` category now.
//!
//! The checks are split by job: `syntax` reads, parses and indexes each locale
//! (syntax errors, duplicates), `references` checks what a locale refers to,
//! `plurals` its selects' variants and plural categories, `parity` a translation's
//! entries against the reference's and `variables` their `$variables`; `patterns`
//! collects what a pattern uses for them. This module runs them and counts coverage.

mod parity;
mod patterns;
mod plurals;
mod references;
mod syntax;
mod variables;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::{Locale, SiteConfig};
use crate::diagnostics::{Diagnostic, SourceFile};

use parity::compare;
use patterns::PatternFacts;
use plurals::{duplicate_variants, plural_categories, plural_problems};
use references::unknown_reference;
use syntax::{duplicate_attributes, parse_files, read_locale, Catalog, ParsedFile};

/// Everything the translation checks found.
#[derive(Debug, Clone)]
pub struct TranslationReport {
    pub diagnostics: Vec<Diagnostic>,
    pub coverage: Vec<LocaleCoverage>,
}

/// How much of the reference a locale translates: `translated` of the reference's
/// `total` messages and terms are defined in the locale's own files (fallbacks do not
/// count). The reference locale is `total` of `total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocaleCoverage {
    pub locale: Locale,
    pub translated: usize,
    pub total: usize,
}

/// Runs every check on every locale of the site.
pub fn check_translations(config: &SiteConfig) -> TranslationReport {
    let mut diagnostics = Vec::new();
    let sources: BTreeMap<Locale, Vec<SourceFile>> = all_locales(config)
        .into_iter()
        .filter_map(|locale| {
            let files = read_locale(config, &locale, &mut diagnostics)?;
            Some((locale, files))
        })
        .collect();
    let parsed: BTreeMap<&Locale, Vec<ParsedFile<'_>>> = sources
        .iter()
        .map(|(locale, files)| (locale, parse_files(files, &mut diagnostics)))
        .collect();
    let catalogs: BTreeMap<&Locale, Catalog<'_>> = parsed
        .iter()
        .map(|(locale, files)| (*locale, Catalog::index(locale, files, &mut diagnostics)))
        .collect();
    for catalog in catalogs.values() {
        diagnostics.extend(check_locale(catalog));
    }
    let reference = catalogs.get(&config.reference_locale);
    if let Some(reference) = reference {
        for catalog in catalogs.values() {
            if catalog.locale != reference.locale {
                diagnostics.extend(compare(reference, catalog));
            }
        }
    }
    let coverage = coverage(config, reference, &catalogs);
    TranslationReport {
        diagnostics,
        coverage,
    }
}

/// The site's locales and the reference locale (which a site might not publish).
fn all_locales(config: &SiteConfig) -> BTreeSet<Locale> {
    let mut locales = config.locales();
    locales.insert(config.reference_locale.clone());
    locales
}

/// The checks that need only the locale itself.
fn check_locale(catalog: &Catalog) -> Vec<Diagnostic> {
    let plurals = plural_categories(catalog.locale);
    let mut diagnostics = Vec::new();
    for entry in catalog.entries.values() {
        diagnostics.extend(duplicate_attributes(catalog.locale, entry));
        for (_, pattern, _) in entry.patterns() {
            let facts = PatternFacts::of(pattern);
            for reference in &facts.references {
                diagnostics.extend(unknown_reference(catalog, entry.file, reference));
            }
            for select in &facts.selects {
                diagnostics.extend(duplicate_variants(entry, select));
                if let Some(known) = &plurals {
                    diagnostics.extend(plural_problems(catalog.locale, entry, select, known));
                }
            }
        }
    }
    diagnostics
}

fn coverage(
    config: &SiteConfig,
    reference: Option<&Catalog>,
    catalogs: &BTreeMap<&Locale, Catalog>,
) -> Vec<LocaleCoverage> {
    let total = reference.map_or(0, |r| r.entries.len());
    all_locales(config)
        .into_iter()
        .map(|locale| {
            let translated = match (reference, catalogs.get(&locale)) {
                _ if locale == config.reference_locale => total,
                (Some(reference), Some(catalog)) => reference
                    .entries
                    .keys()
                    .filter(|key| catalog.entries.contains_key(*key))
                    .count(),
                _ => 0,
            };
            LocaleCoverage {
                locale,
                translated,
                total,
            }
        })
        .collect()
}

/// A site to check and ways to find a diagnostic in its report, for the tests of every
/// part of the check.
#[cfg(test)]
mod testing {
    use super::{check_translations, TranslationReport};
    use crate::diagnostics::Diagnostic;
    use crate::i18n::LOCALES_DIR;

    const SITE: &str = "brand: Acme
reference_locale: en
theme: plain
target: netlify
regions:
  - id: global
    domain: www.acme.example
    locales: [en, fr-FR]
    new_home: https://store.example/
";

    /// Checks a site made of `site.yaml` and the given `.ftl` files (paths under
    /// `locales/`).
    pub(super) fn check(files: &[(&str, &str)]) -> TranslationReport {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("site.yaml"), SITE).unwrap();
        std::fs::create_dir_all(dir.path().join("themes/plain/templates")).unwrap();
        for (path, text) in files {
            let path = dir.path().join(LOCALES_DIR).join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let config = crate::config::load(dir.path()).unwrap_or_else(|d| panic!("{d:?}"));
        check_translations(&config)
    }

    pub(super) fn pair(en: &str, fr: &str) -> TranslationReport {
        check(&[("en/main.ftl", en), ("fr-FR/main.ftl", fr)])
    }

    /// The only diagnostic with `code`.
    pub(super) fn only<'r>(report: &'r TranslationReport, code: &str) -> &'r Diagnostic {
        let found: Vec<&Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .collect();
        assert_eq!(found.len(), 1, "one {code} in {:#?}", report.diagnostics);
        assert!(found[0].help.is_some(), "{code} has a help line");
        found[0]
    }

    /// (file, line, column) of the only diagnostic with `code`.
    pub(super) fn at(report: &TranslationReport, code: &str) -> (String, usize, usize) {
        let p = only(report, code).position().expect("a position");
        (p.file, p.line, p.column)
    }

    pub(super) fn fr(line: usize, column: usize) -> (String, usize, usize) {
        ("locales/fr-FR/main.ftl".to_string(), line, column)
    }

    /// A plural message in the reference, English.
    pub(super) const ITEMS_EN: &str =
        "items = { $n ->\n    [one] One item\n   *[other] { $n } items\n}\n";
}

#[cfg(test)]
mod tests {
    use super::testing::pair;
    use super::*;

    #[test]
    fn a_faithful_translation_is_clean_and_fully_covered() {
        let report = pair(
            "-brand = Acme\nhello = Hello { -brand }\n    .title = { $name }\n",
            "-brand = Acme\nhello = Bonjour { -brand }\n    .title = { $name }\n",
        );
        assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
        let coverage: Vec<(String, usize, usize)> = report
            .coverage
            .iter()
            .map(|c| (c.locale.to_string(), c.translated, c.total))
            .collect();
        assert_eq!(coverage, [("en".into(), 2, 2), ("fr-FR".into(), 2, 2)]);
    }

    /// The fixture `scripts/compare-locales-parity` runs on holds each problem once.
    #[test]
    fn the_check_fixture_has_one_of_each_code() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
        let config = crate::config::load(&root).unwrap_or_else(|d| panic!("{d:?}"));
        let report = check_translations(&config);
        let mut codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        let expected = [
            "dropped-variable",
            "duplicate-attribute",
            "duplicate-message",
            "duplicate-variant",
            "impossible-plural-category",
            "missing-attribute",
            "missing-message",
            "missing-plural-category",
            "missing-value",
            "obsolete-attribute",
            "obsolete-message",
            "obsolete-value",
            "syntax",
            "unknown-reference",
            "unknown-variable",
        ]
        .map(|code| format!("translations::{code}"));
        assert_eq!(codes, expected);
        assert!(report
            .diagnostics
            .iter()
            .all(|d| d.file.as_deref() != Some("locales/en/main.ftl")
                || d.code == "translations::missing-message"));
    }
}
