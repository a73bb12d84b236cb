//! References: in every locale, each `{ message }`, `{ message.attribute }`,
//! `{ -term }` and `{ -term.attribute }` must name something the locale itself defines.
//! Such a reference cannot be resolved when a page renders; it is reported here once,
//! where it is written, and the help suggests the closest id that exists.

use crate::diagnostics::{closest, Diagnostic, SourceFile, Span};
use crate::i18n::LOCALES_DIR;

use super::patterns::Reference;
use super::syntax::{sigil_span, Catalog};

pub(super) fn unknown_reference(
    catalog: &Catalog,
    file: &SourceFile,
    reference: &Reference,
) -> Option<Diagnostic> {
    let target = catalog.entries.get(&reference.key);
    let (what, help) = match (target, reference.attribute) {
        (None, _) => (
            format!("`{}`", reference.key),
            match did_you_mean_key(catalog, &reference.key) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!(
                    "define `{}` in {LOCALES_DIR}/{}/ or refer to one that exists",
                    reference.key, catalog.locale
                ),
            },
        ),
        (Some(entry), Some(attribute)) if entry.attribute(attribute).is_none() => (
            format!("`{}.{attribute}`", reference.key),
            format!(
                "`{}` has no attribute `.{attribute}`; add it or fix the name",
                reference.key
            ),
        ),
        _ => return None,
    };
    Some(
        Diagnostic::error(
            "translations::unknown-reference",
            format!(
                "{what} is referred to but not defined in {}",
                catalog.locale
            ),
        )
        .at(reference_span(file, reference))
        .help(help),
    )
}

fn did_you_mean_key<'c>(catalog: &'c Catalog, key: &str) -> Option<&'c str> {
    let candidates = catalog.entries.keys().map(String::as_str);
    closest(key, candidates)
}

/// From the reference's `-` (for a term) or id to the end of its attribute.
fn reference_span(file: &SourceFile, reference: &Reference) -> Span {
    let start = if reference.key.starts_with('-') {
        sigil_span(file, reference.id)
    } else {
        Span::of_slice(file, reference.id)
    };
    let end = match reference.attribute {
        Some(attribute) => {
            let at = Span::of_slice(file, attribute);
            at.offset + at.len
        }
        None => start.offset + start.len,
    };
    Span::new(file, start.offset, end.saturating_sub(start.offset))
}

#[cfg(test)]
mod tests {
    use crate::check::translations::testing::{at, fr, only, pair};

    #[test]
    fn unknown_message_term_and_attribute_references() {
        let en = "link = Go\n    .title = T\nhello = Hello\n";
        let report = pair(
            en,
            "link = Aller\n    .title = T\nhello = { -marque } Bonjour\n",
        );
        assert_eq!(at(&report, "translations::unknown-reference"), fr(3, 11));
        let report = pair(
            en,
            "link = Aller\n    .title = T\nhello = Bonjour { lien }\n",
        );
        let unknown = only(&report, "translations::unknown-reference");
        assert_eq!(unknown.help.as_deref(), Some("did you mean `link`?"));
        assert_eq!(at(&report, "translations::unknown-reference"), fr(3, 19));
        let report = pair(en, "link = Aller\n    .title = T\nhello = { link.nope }\n");
        let unknown = only(&report, "translations::unknown-reference");
        assert!(
            unknown.message.contains("`link.nope`"),
            "{}",
            unknown.message
        );
        assert_eq!(unknown.span.as_ref().unwrap().len, "link.nope".len());
    }
}
