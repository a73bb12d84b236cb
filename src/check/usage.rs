//! Which messages are used: by templates and pages (`t(key="...")`,
//! `t_markup(key="...")`) and by other messages (`{ other-message }`). Used but
//! defined in no locale is an error; defined in the reference locale but used by
//! nothing is a warning.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::SiteConfig;
use crate::content::Content;
use crate::diagnostics::{Diagnostic, SourceFile, Span};
use crate::i18n::Translations;

/// A `t(key="id")` in a template or page.
pub struct Use {
    pub id: String,
    pub span: Span,
}

/// Every `key="id"` / `key='id'` in `files`; `dynamic` is set when a key is a
/// variable (then unused messages cannot be told apart and are not reported).
pub fn uses_in(files: &[SourceFile]) -> (Vec<Use>, bool) {
    let mut uses = Vec::new();
    let mut dynamic = false;
    for file in files {
        let (keys, variable) = keys_in(&file.text);
        dynamic |= variable;
        uses.extend(keys.into_iter().map(|(id, at)| Use {
            span: Span::new(file, at, id.len()),
            id,
        }));
    }
    (uses, dynamic)
}

/// Every `key="id"` / `key='id'` in `text`, with the id's byte offset, and
/// whether a key is a variable.
pub fn keys_in(text: &str) -> (Vec<(String, usize)>, bool) {
    let mut keys = Vec::new();
    let mut dynamic = false;
    // Every page's whole text is searched when the site loads: a vectorised
    // search, where `str::find` spent 1.6% of a 40,000-page build.
    for at in memchr::memmem::find_iter(text.as_bytes(), b"key=") {
        let start = at + "key=".len();
        let rest = text[start..].trim_start();
        let start = text.len() - rest.len();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            dynamic = true;
            continue;
        };
        let Some(len) = rest[1..].find(quote) else {
            continue;
        };
        keys.push((rest[1..1 + len].to_string(), start + 1));
    }
    (keys, dynamic)
}

/// Message and term references inside `.ftl` text: `{ id }`, `{ id.attr }`,
/// `{ -term }` (terms keep their `-`).
pub fn references_in(ftl: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in ftl.match_indices('{') {
        let rest = ftl[at + 1..].trim_start();
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        let id = &rest[..len];
        let next = rest[len..].trim_start().chars().next();
        let name = id.strip_prefix('-').unwrap_or(id);
        if name.starts_with(|c: char| c.is_ascii_alphabetic())
            && matches!(next, Some('}') | Some('.') | Some('('))
            && (next != Some('(') || id.starts_with('-'))
        {
            found.insert(id.to_string());
        }
    }
    found
}

/// Undefined messages (errors) and unused ones (warnings), in the templates
/// and in the pages of `content`.
pub fn check_usage(
    config: &SiteConfig,
    translations: &Translations,
    templates: &[SourceFile],
    content: &Content,
) -> Vec<Diagnostic> {
    let (uses, mut dynamic) = uses_in(templates);
    let defined_anywhere: BTreeSet<&str> = translations
        .bundles()
        .flat_map(|b| b.messages.keys().map(String::as_str))
        .collect();
    let undefined = |id: &str, span: Span| {
        Diagnostic::error(
            "translations::undefined",
            format!("the message `{id}` is used here but defined in no locale"),
        )
        .at(span)
        .help(format!(
            "add `{id} = ...` to locales/{}/ (and translate it), or fix the id",
            config.reference_locale
        ))
    };
    let mut problems: Vec<Diagnostic> = uses
        .iter()
        .filter(|u| !defined_anywhere.contains(u.id.as_str()))
        .map(|u| undefined(&u.id, u.span.clone()))
        .collect();
    let mut used: BTreeSet<String> = uses.iter().map(|u| u.id.clone()).collect();
    for page in content.with_extras() {
        dynamic |= page.extras.dynamic_key;
        for (id, at) in &page.extras.message_keys {
            if !defined_anywhere.contains(id.as_str()) {
                // The page is read again for the place: only for a mistake.
                problems.push(undefined(id, page.span_at(*at, id.len())));
            }
            used.insert(id.clone());
        }
    }
    if dynamic {
        return problems;
    }
    let Some(reference) = translations.bundle(&config.reference_locale) else {
        return problems;
    };
    for bundle in translations.bundles() {
        for file in &bundle.files {
            used.extend(references_in(&file.text));
        }
    }
    let unused: BTreeMap<&String, _> = reference
        .messages
        .iter()
        .filter(|(id, _)| !used.contains(*id))
        .collect();
    problems.extend(unused.into_iter().map(|(id, info)| {
        Diagnostic::warning(
            "translations::unused",
            format!("the message `{id}` is not used by any template or page"),
        )
        .at(info.span.clone())
        .help("remove it from every locale, or use it with t(key=\"...\")")
    }));
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_with_their_position() {
        let file = SourceFile::new(
            "t.html",
            "<p>{{ t(key=\"a-b\") }} {{ t_markup(key='c', n=1) }}</p>",
        );
        let (uses, dynamic) = uses_in(&[file]);
        let found: Vec<(&str, usize)> = uses
            .iter()
            .map(|u| (u.id.as_str(), u.span.position().column))
            .collect();
        assert_eq!(found, [("a-b", 14), ("c", 40)]);
        assert!(!dynamic);
        let (_, dynamic) = uses_in(&[SourceFile::new("t.html", "{{ t(key=name) }}")]);
        assert!(dynamic);
    }

    #[test]
    fn keys_are_found_after_other_text_and_one_after_another() {
        let text = "Café {{ t(key=\"é\") }}key=key='b'{{ t(key=\"c) }}";
        let (keys, dynamic) = keys_in(text);
        let found: Vec<(&str, &str)> = keys
            .iter()
            .map(|(id, at)| (id.as_str(), &text[*at..*at + id.len()]))
            .collect();
        assert_eq!(found, [("é", "é"), ("b", "b")]);
        // `key=key='b'`: the first `key=` is followed by no quote.
        assert!(dynamic);
    }

    #[test]
    fn message_references_but_not_variables_terms_or_functions() {
        let found = references_in("a = { b } { $c } { -d } { e.attr } { NUMBER($n) } {\"lit\"}");
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ["-d", "b", "e"]);
    }
}
