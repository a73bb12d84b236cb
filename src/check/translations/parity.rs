//! Parity: each translation against the reference locale, entry by entry, as
//! compare-locales does. A message or term the reference has and the translation lacks
//! is missing (an error: until it is translated, its pages show the reference's text);
//! one only the translation has is obsolete (a warning: the reference probably removed
//! or renamed it). An entry's value and attributes must match the reference's as well
//! (both ways are errors). The `$variables` of each value and attribute are compared
//! in `variables`.

use fluent_syntax::ast;

use crate::config::Locale;
use crate::diagnostics::{Diagnostic, Span};
use crate::i18n::LOCALES_DIR;

use super::syntax::{sigil_span, Catalog, Entry};
use super::variables::compare_variables;

/// The checks of a translation against the reference.
pub(super) fn compare(reference: &Catalog, translation: &Catalog) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (key, wanted) in &reference.entries {
        match translation.entries.get(key) {
            // A broken entry is reported as a syntax error, in the translation.
            None if translation.broken.contains(key) => {}
            None => diagnostics.push(missing_message(reference, translation, wanted)),
            Some(found) => diagnostics.extend(compare_entry(reference.locale, wanted, found)),
        }
    }
    for (key, found) in &translation.entries {
        if !reference.entries.contains_key(key) {
            diagnostics.push(obsolete_message(
                reference.locale,
                translation.locale,
                found,
            ));
        }
    }
    diagnostics
}

/// Points at the reference's definition: the translation has no place to point at.
fn missing_message(reference: &Catalog, translation: &Catalog, wanted: &Entry) -> Diagnostic {
    let file_name = wanted.file.name.rsplit('/').next().unwrap_or("main.ftl");
    Diagnostic::error(
        "translations::missing-message",
        format!("the {} `{}` is missing in {}", wanted.kind(), wanted.key, translation.locale),
    )
    .at(wanted.id_span.clone())
    .help(format!(
        "translate it: add `{} = ...` to {LOCALES_DIR}/{}/{file_name} (until then {} pages show the {} text)",
        wanted.key, translation.locale, translation.locale, reference.locale
    ))
}

fn obsolete_message(reference: &Locale, locale: &Locale, found: &Entry) -> Diagnostic {
    Diagnostic::warning(
        "translations::obsolete-message",
        format!(
            "the {} `{}` in {locale} is not in {reference}",
            found.kind(),
            found.key
        ),
    )
    .at(found.id_span.clone())
    .help(format!(
        "delete it, or rename it if {reference} now uses another id for the same text"
    ))
}

fn compare_entry(reference: &Locale, wanted: &Entry, found: &Entry) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    diagnostics.extend(compare_values(reference, wanted, found));
    diagnostics.extend(compare_attributes(reference, wanted, found));
    if let (Some(want), Some(have)) = (wanted.value, found.value) {
        diagnostics.extend(compare_variables(
            reference,
            found,
            want,
            have,
            found.id_span.clone(),
        ));
    }
    for attribute in wanted.attributes {
        if let Some(translated) = found.attribute(attribute.id.name) {
            let span = sigil_span(found.file, translated.id.name);
            diagnostics.extend(compare_variables(
                reference,
                found,
                &attribute.value,
                &translated.value,
                span,
            ));
        }
    }
    diagnostics
}

fn compare_values(reference: &Locale, wanted: &Entry, found: &Entry) -> Option<Diagnostic> {
    match (wanted.value, found.value) {
        (Some(_), None) => Some(
            Diagnostic::error(
                "translations::missing-value",
                format!(
                    "`{}` has only attributes, but in {reference} it has a value",
                    found.key
                ),
            )
            .at(found.id_span.clone())
            .help(format!(
                "add the text after `{} =`, translating the {reference} value",
                found.key
            )),
        ),
        (None, Some(value)) => Some(
            Diagnostic::error(
                "translations::obsolete-value",
                format!(
                    "`{}` has a value, but in {reference} it has only attributes",
                    found.key
                ),
            )
            .at(pattern_span(found, value))
            .help(format!(
                "delete the text after `{} =` and keep the attributes, as {reference} does",
                found.key
            )),
        ),
        _ => None,
    }
}

/// Where a value starts: its first text, or the message id when it opens with a
/// placeable (whose `{` the syntax tree does not keep).
fn pattern_span(entry: &Entry, pattern: &ast::Pattern<&str>) -> Span {
    match pattern.elements.first() {
        Some(ast::PatternElement::TextElement { value }) => {
            Span::of_slice(entry.file, value.trim_end())
        }
        _ => entry.id_span.clone(),
    }
}

fn compare_attributes(reference: &Locale, wanted: &Entry, found: &Entry) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for attribute in wanted.attributes {
        let name = attribute.id.name;
        if found.attribute(name).is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "translations::missing-attribute",
                    format!(
                        "`{}` has no attribute `.{name}`, which {reference} has",
                        found.key
                    ),
                )
                .at(found.id_span.clone())
                .help(format!(
                    "add `.{name} = ...` under `{}`, translating the {reference} attribute",
                    found.key
                )),
            );
        }
    }
    for attribute in found.attributes {
        let name = attribute.id.name;
        if wanted.attribute(name).is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "translations::obsolete-attribute",
                    format!(
                        "the attribute `.{name}` of `{}` is not in {reference}",
                        found.key
                    ),
                )
                .at(sigil_span(found.file, name))
                .help(format!(
                    "delete `.{name}`, or rename it to the attribute {reference} uses"
                )),
            );
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use crate::check::translations::testing::{at, fr, only, pair};
    use crate::diagnostics::Severity;

    #[test]
    fn missing_messages_point_at_the_reference_and_name_the_locale() {
        let report = pair("hello = Hello\n-brand = Acme\n", "hello = Bonjour\n");
        let missing = only(&report, "translations::missing-message");
        assert_eq!(missing.severity, Severity::Error);
        assert!(missing.message.contains("fr-FR"), "{}", missing.message);
        assert!(missing.message.contains("`-brand`"), "{}", missing.message);
        assert_eq!(
            at(&report, "translations::missing-message"),
            ("locales/en/main.ftl".into(), 2, 1)
        );
        let coverage = &report.coverage[1];
        assert_eq!((coverage.translated, coverage.total), (1, 2));
    }

    #[test]
    fn obsolete_messages_are_warnings() {
        let report = pair("hello = Hello\n", "hello = Bonjour\nold = Vieux\n");
        assert_eq!(
            only(&report, "translations::obsolete-message").severity,
            Severity::Warning
        );
        assert_eq!(at(&report, "translations::obsolete-message"), fr(2, 1));
    }

    #[test]
    fn missing_and_obsolete_attributes() {
        let en = "link = Go\n    .title = Title\n";
        let report = pair(en, "link = Aller\n");
        assert_eq!(at(&report, "translations::missing-attribute"), fr(1, 1));
        let report = pair(en, "link = Aller\n    .title = Titre\n    .extra = X\n");
        assert_eq!(at(&report, "translations::obsolete-attribute"), fr(3, 5));
    }

    #[test]
    fn missing_and_obsolete_values() {
        let report = pair("link = Go\n    .title = T\n", "link =\n    .title = T\n");
        assert_eq!(at(&report, "translations::missing-value"), fr(1, 1));
        let report = pair(
            "only =\n    .title = T\n",
            "only = Valeur\n    .title = T\n",
        );
        assert_eq!(at(&report, "translations::obsolete-value"), fr(1, 8));
    }
}
