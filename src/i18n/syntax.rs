//! Fluent syntax errors as a translator fixes them, the same in `build` and `check`.
//!
//! The parser notices an unclosed `{` only where the text stops making sense, often
//! on the next entry's line ("Expected a token starting with "}"" two lines down).
//! The broken entry is kept by the parser as junk, so the `{` left open can be found
//! in it and the error put on its line, where the translator has to look.

use std::collections::BTreeSet;

use fluent_syntax::ast;
use fluent_syntax::parser::{ErrorKind, ParserError};

use crate::diagnostics::{Diagnostic, SourceFile, Span};

/// The one code for a Fluent syntax error, whichever command finds it.
pub const CODE: &str = "translations::syntax";

/// What the translator reads for a syntax error in `file`.
pub fn diagnostic(file: &SourceFile, error: &ParserError) -> Diagnostic {
    let entry = error.slice.clone().unwrap_or(error.pos.clone());
    let (offset, len, message, help) = match (&error.kind, open_brace(file, error)) {
        (ErrorKind::ExpectedToken('}') | ErrorKind::ExpectedInlineExpression, Some(brace)) => (
            brace,
            1,
            "this `{` is never closed".to_string(),
            "end the placeable with `}` on the same line, e.g. `{ $brand }`; to show a `{` as text, write `{\"{\"}`".to_string(),
        ),
        (ErrorKind::UnbalancedClosingBrace, _) => (
            error.pos.start,
            1,
            "this `}` closes nothing".to_string(),
            "remove it, or write `{\"}\"}` to show a `}` as text".to_string(),
        ),
        (ErrorKind::UnterminatedStringLiteral, _) => (
            error.pos.start,
            1,
            "this string is never closed".to_string(),
            "end it with `\"` before the `}`".to_string(),
        ),
        (ErrorKind::ExpectedMessageField { entry_id } | ErrorKind::ExpectedTermField { entry_id }, _) => (
            entry_start(file, &entry),
            entry_id.len(),
            format!("`{entry_id} =` has no text"),
            "write the text after `=`, on the same line or on indented lines below it".to_string(),
        ),
        (kind, _) => (
            position(file, error),
            error.pos.end.saturating_sub(error.pos.start).max(1),
            format!("Fluent syntax error: {kind}"),
            "fix the syntax (see https://projectfluent.org/fluent/guide/); until then this entry is left out".to_string(),
        ),
    };
    Diagnostic::error(CODE, message)
        .at(Span::new(file, offset, len))
        .help(help)
}

/// Where the parser stopped, unless that is past the broken entry (an unclosed `{`
/// is noticed only at the next line or the end of the file): then the start of the
/// entry, which is where the translator has to look.
fn position(file: &SourceFile, error: &ParserError) -> usize {
    let Some(range) = error.slice.clone() else {
        return error.pos.start;
    };
    let Some(junk) = file.text.get(range.clone()) else {
        return error.pos.start;
    };
    let content_end = range.start + junk.trim_end().len();
    if error.pos.start >= content_end {
        entry_start(file, &range)
    } else {
        error.pos.start
    }
}

fn entry_start(file: &SourceFile, range: &std::ops::Range<usize>) -> usize {
    let junk = file.text.get(range.clone()).unwrap_or("");
    range.start + (junk.len() - junk.trim_start().len())
}

/// The offset of the `{` still open where the parser stopped, if one is.
fn open_brace(file: &SourceFile, error: &ParserError) -> Option<usize> {
    let range = error.slice.clone()?;
    let end = error.pos.start.clamp(range.start, range.end);
    let text = file.text.get(range.start..end)?;
    let mut open = Vec::new();
    let mut in_string = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' if !open.is_empty() => in_string = !in_string,
            '{' if !in_string => open.push(range.start + i),
            '}' if !in_string => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// The ids of the entries the parser could not read (kept as junk): they are
/// reported as syntax errors, so they are not also missing or falling back.
pub fn junk_ids<'a, 's: 'a>(
    entries: impl IntoIterator<Item = &'a ast::Entry<&'s str>>,
) -> BTreeSet<String> {
    entries
        .into_iter()
        .filter_map(|entry| match entry {
            ast::Entry::Junk { content } => {
                let line = content.trim_start();
                let (id, rest) = line.split_once('=')?;
                let id = id.trim();
                let is_id = !id.is_empty()
                    && id
                        .trim_start_matches('-')
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                (is_id && !rest.is_empty()).then(|| id.to_string())
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::render_human;

    fn errors(text: &str) -> Vec<String> {
        let file = SourceFile::new("locales/fr-FR/main.ftl", text);
        let (_, errors) = fluent_syntax::parser::parse(text).expect_err("a syntax error");
        errors
            .iter()
            .map(|e| render_human(&diagnostic(&file, e)))
            .collect()
    }

    #[test]
    fn an_unclosed_brace_is_reported_at_the_brace() {
        let found = errors("a = A\nb = Aller { $brand\n\n## Section\nc = C\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0],
            "error[translations::syntax]: this `{` is never closed\n \
             --> locales/fr-FR/main.ftl:2:11\n  |\n\
             2 | b = Aller { $brand\n  |           ^\n  |\n  \
             = help: end the placeable with `}` on the same line, e.g. `{ $brand }`; to show a `{` as text, write `{\"{\"}`\n"
        );
        let found = errors("b = Aller sur la boutique {\nc = C\n");
        assert!(found[0].contains("main.ftl:1:27"), "{}", found[0]);
        let found = errors("b = Aller sur la { boutique Xiaomi\n");
        assert!(found[0].contains("main.ftl:1:18"), "{}", found[0]);
    }

    #[test]
    fn other_errors_stay_on_the_entry() {
        let found = errors("a = A }\n");
        assert!(found[0].contains("this `}` closes nothing"), "{}", found[0]);
        let found = errors("a =\nb = B\n");
        assert!(found[0].contains("`a =` has no text"), "{}", found[0]);
        assert!(found[0].contains("main.ftl:1:1"), "{}", found[0]);
    }

    #[test]
    fn junk_entries_are_named() {
        let resource = fluent_syntax::parser::parse("a = A\nb = { $x\nc = C\n")
            .unwrap_err()
            .0;
        assert_eq!(junk_ids(&resource.body), BTreeSet::from(["b".to_string()]));
    }
}
