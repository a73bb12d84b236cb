//! Variables: the `$variables` of each translated value and attribute, against the
//! reference's (compare-locales does not check these). A variable the reference does
//! not have is never passed, so the page would show `{$name}`: an error. A variable
//! the translation drops loses information but renders: a warning.

use std::collections::BTreeSet;

use fluent_syntax::ast;

use crate::config::Locale;
use crate::diagnostics::{Diagnostic, Span};

use super::patterns::PatternFacts;
use super::syntax::{sigil_span, Entry};

/// A variable the reference does not have is never passed, so the page would show
/// `{$name}`: an error. A dropped variable loses information but renders: a warning.
pub(super) fn compare_variables(
    reference: &Locale,
    found: &Entry,
    want: &ast::Pattern<&str>,
    have: &ast::Pattern<&str>,
    at: Span,
) -> Vec<Diagnostic> {
    let wanted = PatternFacts::of(want).variable_names();
    let facts = PatternFacts::of(have);
    let present = facts.variable_names();
    let mut diagnostics = Vec::new();
    let mut reported = BTreeSet::new();
    for name in facts.variables.iter().filter(|n| !wanted.contains(*n)) {
        if reported.insert(*name) {
            diagnostics.push(crate::i18n::variables::unknown(
                reference,
                &found.key,
                name,
                sigil_span(found.file, name),
                &wanted,
                &present,
            ));
        }
    }
    for name in wanted.iter().filter(|n| !present.contains(*n)) {
        diagnostics.push(
            Diagnostic::warning(
                "translations::dropped-variable",
                format!(
                    "`{}` does not use `${name}`, which the {reference} text shows",
                    found.key
                ),
            )
            .at(at.clone())
            .help(format!(
                "include `{{ ${name} }}` in the translation unless the language does not need it"
            )),
        );
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use crate::check::translations::testing::{at, fr, only, pair, ITEMS_EN};
    use crate::diagnostics::Severity;

    #[test]
    fn variables_must_match_the_reference() {
        let report = pair(
            "price = Price: { $amount }\n",
            "price = Prix : { $montant }\n",
        );
        let unknown = only(&report, "translations::unknown-variable");
        assert_eq!(unknown.severity, Severity::Error);
        assert_eq!(unknown.span.as_ref().unwrap().len, "$montant".len());
        assert_eq!(at(&report, "translations::unknown-variable"), fr(1, 18));
        let dropped = only(&report, "translations::dropped-variable");
        assert_eq!(dropped.severity, Severity::Warning);
        assert_eq!(at(&report, "translations::dropped-variable"), fr(1, 1));
    }

    #[test]
    fn variables_are_compared_per_attribute_and_across_variants() {
        let en = format!("{ITEMS_EN}    .title = {{ $n }} things\n");
        let translation = "items = { $n ->\n    [one] Un\n    [many] { $n } de\n   *[other] { $n }\n}\n    .title = Des choses\n";
        let report = pair(&en, translation);
        assert_eq!(at(&report, "translations::dropped-variable"), fr(6, 5));
        assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
    }
}
