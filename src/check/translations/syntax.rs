//! Syntax: reads a locale's `.ftl` files, parses them and indexes what parsed into one
//! [`Catalog`] of messages and terms, which every other check reads. What is reported
//! here must be fixed before anything else can be compared:
//!
//! - Fluent syntax errors, in the translator's file: Fluent skips the broken entry as
//!   junk and goes on, so the locale loses that entry but the rest is still checked;
//! - messages and terms defined twice, in one file or across the locale's files (the
//!   build uses the first, so the second's text is never shown);
//! - attributes defined twice on one message or term.

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast;

use crate::config::{Locale, SiteConfig};
use crate::diagnostics::{Diagnostic, SourceFile, Span};
use crate::fs;
use crate::i18n::LOCALES_DIR;

/// The locale's `.ftl` files sorted by name; `None` when it has no folder (it is
/// then served entirely through its fallbacks, which the build reports).
pub(super) fn read_locale(
    config: &SiteConfig,
    locale: &Locale,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<SourceFile>> {
    let dir = config.root.join(LOCALES_DIR).join(locale.as_str());
    if !dir.is_dir() {
        return None;
    }
    let mut files = Vec::new();
    let (paths, found) = fs::input_files(&config.root, &dir, 1);
    diagnostics.extend(found);
    for path in &paths {
        if path.extension().and_then(|e| e.to_str()) != Some("ftl") {
            continue;
        }
        match crate::i18n::read_ftl(&config.root, path) {
            Ok(file) => files.push(file),
            Err(problem) => diagnostics.push(problem),
        }
    }
    Some(files)
}

/// A file and its syntax tree, which borrows from the file's text: every name in the
/// tree is a slice of it, so a slice's address gives its position.
pub(super) struct ParsedFile<'a> {
    file: &'a SourceFile,
    resource: ast::Resource<&'a str>,
}

/// Parses every file, keeping what parsed: Fluent skips a broken entry as junk and
/// goes on, so one typo does not hide the rest of the file.
pub(super) fn parse_files<'a>(
    files: &'a [SourceFile],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ParsedFile<'a>> {
    files
        .iter()
        .map(|file| {
            let resource = match fluent_syntax::parser::parse(&*file.text) {
                Ok(resource) => resource,
                Err((resource, errors)) => {
                    diagnostics.extend(
                        errors
                            .iter()
                            .map(|error| crate::i18n::syntax::diagnostic(file, error)),
                    );
                    resource
                }
            };
            ParsedFile { file, resource }
        })
        .collect()
}

/// A message (`id`) or term (`-id`) as defined in one locale.
pub(super) struct Entry<'a> {
    pub(super) file: &'a SourceFile,
    /// `id` for a message, `-id` for a term, as references write them.
    pub(super) key: String,
    pub(super) id_span: Span,
    pub(super) value: Option<&'a ast::Pattern<&'a str>>,
    pub(super) attributes: &'a [ast::Attribute<&'a str>],
}

impl<'a> Entry<'a> {
    fn from_ast(file: &'a SourceFile, entry: &'a ast::Entry<&'a str>) -> Option<Self> {
        match entry {
            ast::Entry::Message(m) => Some(Entry {
                file,
                key: m.id.name.to_string(),
                id_span: Span::of_slice(file, m.id.name),
                value: m.value.as_ref(),
                attributes: &m.attributes,
            }),
            ast::Entry::Term(t) => Some(Entry {
                file,
                key: format!("-{}", t.id.name),
                id_span: sigil_span(file, t.id.name),
                value: Some(&t.value),
                attributes: &t.attributes,
            }),
            _ => None,
        }
    }

    pub(super) fn kind(&self) -> &'static str {
        if self.key.starts_with('-') {
            "term"
        } else {
            "message"
        }
    }

    pub(super) fn attribute(&self, name: &str) -> Option<&'a ast::Attribute<&'a str>> {
        self.attributes.iter().find(|a| a.id.name == name)
    }

    /// The value and every attribute, with where each is defined.
    pub(super) fn patterns(&self) -> Vec<(Option<&'a str>, &'a ast::Pattern<&'a str>, Span)> {
        let value = self.value.map(|v| (None, v, self.id_span.clone()));
        let attributes = self
            .attributes
            .iter()
            .map(|a| (Some(a.id.name), &a.value, sigil_span(self.file, a.id.name)));
        value.into_iter().chain(attributes).collect()
    }
}

/// The span of a name together with the sigil written just before it: the `-` of a
/// term, the `$` of a variable, the `.` of an attribute.
pub(super) fn sigil_span(file: &SourceFile, name: &str) -> Span {
    let span = Span::of_slice(file, name);
    Span::new(file, span.offset.saturating_sub(1), span.len + 1)
}

/// One locale's messages and terms; the first definition wins, as in the build.
pub(super) struct Catalog<'a> {
    pub(super) locale: &'a Locale,
    pub(super) entries: BTreeMap<String, Entry<'a>>,
    /// Ids of entries that did not parse (each reported as a syntax error).
    pub(super) broken: BTreeSet<String>,
}

impl<'a> Catalog<'a> {
    pub(super) fn index(
        locale: &'a Locale,
        files: &'a [ParsedFile<'a>],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut entries: BTreeMap<String, Entry<'a>> = BTreeMap::new();
        let mut broken = BTreeSet::new();
        for parsed in files {
            broken.extend(crate::i18n::syntax::junk_ids(&parsed.resource.body));
            for entry in parsed.resource.body.iter() {
                let Some(entry) = Entry::from_ast(parsed.file, entry) else {
                    continue;
                };
                match entries.get(&entry.key) {
                    Some(first) => diagnostics.push(duplicate_message(locale, first, &entry)),
                    None => {
                        entries.insert(entry.key.clone(), entry);
                    }
                }
            }
        }
        Catalog {
            locale,
            entries,
            broken,
        }
    }
}

fn duplicate_message(locale: &Locale, first: &Entry, again: &Entry) -> Diagnostic {
    let at = first.id_span.position();
    Diagnostic::error(
        "translations::duplicate-message",
        format!("the {} `{}` is defined twice in {locale}", again.kind(), again.key),
    )
    .at(again.id_span.clone())
    .help(format!(
        "it is already defined at {}:{}:{}; keep one and delete the other (the build uses the first)",
        at.file, at.line, at.column
    ))
}

pub(super) fn duplicate_attributes(locale: &Locale, entry: &Entry) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut diagnostics = Vec::new();
    for attribute in entry.attributes {
        let span = sigil_span(entry.file, attribute.id.name);
        if let Some(first) = seen.get(attribute.id.name) {
            diagnostics.push(
                Diagnostic::error(
                    "translations::duplicate-attribute",
                    format!(
                        "the attribute `.{}` of `{}` is defined twice in {locale}",
                        attribute.id.name, entry.key
                    ),
                )
                .at(span)
                .help(format!(
                    "it is already defined on line {}; keep one and delete the other",
                    first.position().line
                )),
            );
        } else {
            seen.insert(attribute.id.name, span);
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use crate::check::translations::testing::{at, check, fr, only, pair};

    #[test]
    fn syntax_errors_point_at_the_line_and_the_rest_is_still_checked() {
        let report = pair(
            "hello = Hello\nbye = Bye\n",
            "hello = Bonjour\nbye = { $n\n",
        );
        // At the `{` left open, in the translator's file; the entry is not also
        // reported missing (in the reference's file, which translators must not
        // touch).
        assert_eq!(at(&report, "translations::syntax"), fr(2, 7));
        assert!(
            !report
                .diagnostics
                .iter()
                .any(|d| d.code == "translations::missing-message"),
            "{:#?}",
            report.diagnostics
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_a_syntax_error() {
        let report = check(&[
            ("en/main.ftl", "\u{feff}hello = Hello\n"),
            ("fr-FR/main.ftl", "\u{feff}hello = Bonjour\r\n"),
        ]);
        assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    }

    #[test]
    fn duplicate_messages_across_files_point_at_the_second() {
        let report = check(&[
            ("en/main.ftl", "hello = Hello\n"),
            ("fr-FR/a.ftl", "hello = Bonjour\n"),
            ("fr-FR/b.ftl", "\nhello = Salut\n"),
        ]);
        let duplicate = only(&report, "translations::duplicate-message");
        assert!(duplicate
            .help
            .as_deref()
            .unwrap()
            .contains("locales/fr-FR/a.ftl:1:1"));
        assert_eq!(
            at(&report, "translations::duplicate-message"),
            ("locales/fr-FR/b.ftl".into(), 2, 1)
        );
    }

    #[test]
    fn duplicate_attributes_point_at_the_second() {
        let en = "link = Go\n    .title = T\n";
        let report = pair(en, "link = Aller\n    .title = A\n    .title = B\n");
        assert_eq!(at(&report, "translations::duplicate-attribute"), fr(3, 5));
    }
}
