//! `$variables` in messages, and the error for a translation that uses one the
//! reference text does not have, the same in `build` and `check`.
//!
//! A template passes the variables the reference text needs. When a translation
//! writes `$day` where the reference has `$date`, the variable is never passed:
//! the fix is in the `.ftl` line, so the error points there and names the
//! variables the reference text has, not the template that called the message.

use std::collections::BTreeSet;

use fluent_syntax::ast;

use crate::config::Locale;
use crate::diagnostics::{closest, Diagnostic, Span};

/// The code for a translation that uses a variable the reference does not have.
pub const UNKNOWN: &str = "translations::unknown-variable";

/// Every `$variable` a pattern uses (names without `$`), in order of appearance.
pub fn in_pattern<'s>(pattern: &ast::Pattern<&'s str>) -> Vec<&'s str> {
    let mut found = Vec::new();
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            in_expression(expression, &mut found);
        }
    }
    found
}

fn in_expression<'s>(expression: &ast::Expression<&'s str>, found: &mut Vec<&'s str>) {
    match expression {
        ast::Expression::Inline(inline) => in_inline(inline, found),
        ast::Expression::Select { selector, variants } => {
            in_inline(selector, found);
            for variant in variants {
                found.extend(in_pattern(&variant.value));
            }
        }
    }
}

fn in_inline<'s>(inline: &ast::InlineExpression<&'s str>, found: &mut Vec<&'s str>) {
    use ast::InlineExpression as Inline;
    match inline {
        Inline::VariableReference { id } => found.push(id.name),
        Inline::FunctionReference { arguments, .. }
        | Inline::TermReference {
            arguments: Some(arguments),
            ..
        } => {
            for argument in &arguments.positional {
                in_inline(argument, found);
            }
            for named in &arguments.named {
                in_inline(&named.value, found);
            }
        }
        Inline::Placeable { expression } => in_expression(expression, found),
        _ => {}
    }
}

/// The first `$name` in the entry whose id is at `id`: the entry goes on while its
/// lines are indented (or blank). Falls back to the id.
pub fn span_in_entry(id: &Span, name: &str) -> Span {
    let text = &id.file.text;
    let start = id.offset;
    let end = text[start..]
        .match_indices('\n')
        .map(|(i, _)| start + i + 1)
        .find(|&line| {
            text[line..]
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace())
        })
        .unwrap_or(text.len());
    let needle = format!("${name}");
    text[start..end]
        .match_indices(&needle)
        .map(|(i, _)| start + i)
        .find(|&at| {
            !text[at + needle.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .map_or_else(|| id.clone(), |at| Span::new(&id.file, at, needle.len()))
}

/// `key` (a message or `-term`) in a translation uses `$name`, at `span`, which
/// the `reference` text, with the variables `wanted`, does not have; `present`
/// are the variables the translation uses. When exactly one of the reference's
/// variables is missing from the translation, that is the one meant.
pub fn unknown(
    reference: &Locale,
    key: &str,
    name: &str,
    span: Span,
    wanted: &BTreeSet<&str>,
    present: &BTreeSet<&str>,
) -> Diagnostic {
    let unused: Vec<&str> = wanted.difference(present).copied().collect();
    let listed: Vec<String> = wanted.iter().map(|w| format!("`${w}`")).collect();
    let (message, help) = if wanted.is_empty() {
        (
            format!("`{key}` uses `${name}`, but the {reference} text has no variables"),
            format!("remove `${name}`"),
        )
    } else {
        let help = match (unused.as_slice(), closest(name, wanted.iter().copied())) {
            ([meant], _) => format!("did you mean `${meant}`? (the translation does not use it)"),
            (_, Some(best)) => format!("did you mean `${best}`?"),
            _ => format!("use only {}", listed.join(", ")),
        };
        (
            format!(
                "`{key}` uses `${name}`, but the {reference} text has only {}",
                listed.join(", ")
            ),
            help,
        )
    };
    Diagnostic::error(UNKNOWN, message).at(span).help(help)
}
