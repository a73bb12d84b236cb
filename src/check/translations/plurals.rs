//! Plurals and select variants, in every locale:
//!
//! - a variant key that appears twice in one select: Fluent picks the first match, so
//!   the second is never chosen;
//! - a plural select without a variant for one of the locale's CLDR plural categories
//!   (for those numbers Fluent falls back to the default variant), or with a variant
//!   for a category the language never selects (its text is never shown).
//!
//! Plural categories come from ICU4X (the current CLDR), not from compare-locales'
//! older tables: French and Italian have a `many` category now. Which selects count
//! as plural is decided as compare-locales decides it (see [`plural_keys`]).

use std::collections::BTreeSet;
use std::str::FromStr;

use fluent_syntax::ast;
use icu_plurals::{PluralCategory, PluralRules};

use crate::config::Locale;
use crate::diagnostics::{Diagnostic, SourceFile, Span};

use super::patterns::Select;
use super::syntax::Entry;

/// CLDR plural category names, the only variant keys a plural select should use.
const CLDR_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

fn variant_key_text<'a>(key: &ast::VariantKey<&'a str>) -> &'a str {
    match key {
        ast::VariantKey::Identifier { name } => name,
        ast::VariantKey::NumberLiteral { value } => value,
    }
}

fn variant_key_span(file: &SourceFile, key: &ast::VariantKey<&str>) -> Span {
    Span::of_slice(file, variant_key_text(key))
}

/// Fluent picks the first matching variant, so a repeated key is never chosen.
pub(super) fn duplicate_variants(entry: &Entry, select: &Select) -> Vec<Diagnostic> {
    let mut seen = BTreeSet::new();
    select
        .variants
        .iter()
        .filter(|variant| !seen.insert(variant_key_text(&variant.key)))
        .map(|variant| {
            let key = variant_key_text(&variant.key);
            Diagnostic::warning(
                "translations::duplicate-variant",
                format!("the variant `[{key}]` appears twice in `{}`", entry.key),
            )
            .at(variant_key_span(entry.file, &variant.key))
            .help("delete one: only the first `[".to_string() + key + "]` is ever chosen")
        })
        .collect()
}

/// The cardinal plural categories of `locale` in CLDR as ICU4X ships it, by name;
/// `None` when ICU4X does not know the language.
pub(super) fn plural_categories(locale: &Locale) -> Option<BTreeSet<&'static str>> {
    let icu_locale = icu_locale_core::Locale::from_str(locale.as_str()).ok()?;
    let rules = PluralRules::try_new_cardinal((&icu_locale).into()).ok()?;
    let categories: Vec<PluralCategory> = rules.categories().collect();
    Some(
        CLDR_CATEGORIES
            .into_iter()
            .filter(|name| {
                PluralCategory::get_for_cldr_string(name).is_some_and(|c| categories.contains(&c))
            })
            .collect(),
    )
}

/// The category keys of a plural select, or `None` when the select is not one: like
/// compare-locales, a select counts as plural when it selects on a number, every key
/// that is a name is a CLDR category, and at least one of them is not `other` (which
/// any select may use).
fn plural_keys<'a>(select: &Select<'a>) -> Option<Vec<&'a ast::VariantKey<&'a str>>> {
    if !select.numeric {
        return None;
    }
    let named: Vec<&ast::VariantKey<&str>> = select
        .variants
        .iter()
        .map(|v| &v.key)
        .filter(|key| matches!(key, ast::VariantKey::Identifier { .. }))
        .collect();
    let names: Vec<&str> = named.iter().map(|k| variant_key_text(k)).collect();
    let all_categories = names.iter().all(|n| CLDR_CATEGORIES.contains(n));
    let any_real = names.iter().any(|n| *n != "other");
    (all_categories && any_real).then_some(named)
}

pub(super) fn plural_problems(
    locale: &Locale,
    entry: &Entry,
    select: &Select,
    known: &BTreeSet<&'static str>,
) -> Vec<Diagnostic> {
    let Some(keys) = plural_keys(select) else {
        return Vec::new();
    };
    let given: BTreeSet<&str> = keys.iter().map(|k| variant_key_text(k)).collect();
    let mut diagnostics = Vec::new();
    let missing: Vec<&str> = known
        .iter()
        .copied()
        .filter(|c| !given.contains(c))
        .collect();
    if !missing.is_empty() {
        let first = &select.variants[0].key;
        diagnostics.push(
            Diagnostic::warning(
                "translations::missing-plural-category",
                format!(
                    "`{}` has no variant for the {locale} plural categor{} {}",
                    entry.key,
                    if missing.len() == 1 { "y" } else { "ies" },
                    backticked(&missing)
                ),
            )
            .at(variant_key_span(entry.file, first))
            .help(format!(
                "add {}: {locale} uses them for some numbers (CLDR plural rules: {})",
                missing
                    .iter()
                    .map(|c| format!("`[{c}]`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                backticked(&known.iter().copied().collect::<Vec<_>>())
            )),
        );
    }
    for key in keys.iter().filter(|k| !known.contains(variant_key_text(k))) {
        let name = variant_key_text(key);
        diagnostics.push(
            Diagnostic::warning(
                "translations::impossible-plural-category",
                format!("`{}` has a `[{name}]` variant, which {locale} never selects", entry.key),
            )
            .at(variant_key_span(entry.file, key))
            .help(format!(
                "delete `[{name}]` (or use an exact number such as `[0]`): {locale}'s plural categories are {}",
                backticked(&known.iter().copied().collect::<Vec<_>>())
            )),
        );
    }
    diagnostics
}

fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::check::translations::testing::{at, check, fr, only, pair, ITEMS_EN};
    use crate::diagnostics::Severity;

    #[test]
    fn plural_categories_follow_current_cldr() {
        // French has `many` in CLDR now (compare-locales' tables predate it).
        let fr_items = "items = { $n ->\n    [one] Un article\n   *[other] { $n } articles\n}\n";
        let report = pair(ITEMS_EN, fr_items);
        let missing = only(&report, "translations::missing-plural-category");
        assert_eq!(missing.severity, Severity::Warning);
        assert!(missing.message.contains("`many`"), "{}", missing.message);
        assert_eq!(
            at(&report, "translations::missing-plural-category"),
            fr(2, 6)
        );
    }

    #[test]
    fn plural_variants_the_locale_never_selects() {
        let en_items = "items = { $n ->\n    [one] One\n    [few] Few\n   *[other] Many\n}\n";
        let report = check(&[("en/main.ftl", en_items)]);
        let impossible = only(&report, "translations::impossible-plural-category");
        assert_eq!(impossible.severity, Severity::Warning);
        assert_eq!(
            at(&report, "translations::impossible-plural-category"),
            ("locales/en/main.ftl".into(), 3, 6)
        );
    }

    #[test]
    fn selects_that_are_not_plurals_are_left_alone() {
        let en = "role = { $role ->\n    [admin] Admin\n   *[other] User\n}\n";
        let report = check(&[("en/main.ftl", en)]);
        assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    }

    #[test]
    fn duplicate_variants_are_warnings() {
        let en = "role = { $role ->\n    [admin] Admin\n    [admin] Boss\n   *[other] User\n}\n";
        let report = check(&[("en/main.ftl", en)]);
        assert_eq!(
            at(&report, "translations::duplicate-variant"),
            ("locales/en/main.ftl".into(), 3, 6)
        );
    }
}
