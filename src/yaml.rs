//! YAML through serde-saphyr, with errors turned into [`Diagnostic`]s.
//!
//! serde-saphyr (pure Rust, maintained) replaces the archived serde_yaml: it reports a
//! line and column for every error, including missing fields and duplicate keys, and
//! its strict booleans make `draft: no` an error instead of a silent `false`.
//! Front matter is parsed from a slice of its file, so callers pass the line offset
//! and positions are counted in the whole file.

mod mistakes;

use serde::de::DeserializeOwned;
use serde_saphyr::Error;

use crate::diagnostics::{did_you_mean, Diagnostic, SourceFile, Span};

/// Parses `text`, which starts at 1-based line `first_line` of `file`.
pub fn parse<T: DeserializeOwned>(
    file: &SourceFile,
    text: &str,
    first_line: usize,
    code: &'static str,
) -> Result<T, Diagnostic> {
    let options = serde_saphyr::options! { strict_booleans: true, with_snippet: false };
    serde_saphyr::from_str_with_options(text, options).map_err(|error| {
        let start = file.offset_of(first_line, 1);
        match mistakes::find(file, start, start + text.len()) {
            Some(mistake) => Diagnostic::error(code, mistake.message)
                .at(mistake.span)
                .help(mistake.help),
            None => to_diagnostic(file, &error, first_line, code),
        }
    })
}

/// The span of a value read through `serde_saphyr::Spanned`: from its position to
/// the end of its line, so the caret underlines the value as written.
pub fn span_of<T>(file: &SourceFile, spanned: &serde_saphyr::Spanned<T>) -> Span {
    let location = spanned.referenced;
    let line = (location.line() as usize).max(1);
    let column = (location.column() as usize).max(1);
    let offset = file.offset_of(line, column);
    Span::new(file, offset, scalar_len(&file.text[offset..]))
}

/// The length of the value at the start of `rest`: a quoted scalar to its closing
/// quote, a plain one to the end of the line or, inside `{ ... }` / `[ ... ]`, to
/// the next `,`. Keeps the caret on the value, not the rest of a flow mapping.
fn scalar_len(rest: &str) -> usize {
    let line = rest.split('\n').next().unwrap_or("").trim_end_matches('\r');
    if let Some(quote) = line.chars().next().filter(|c| *c == '"' || *c == '\'') {
        return line[1..].find(quote).map_or(line.len(), |end| end + 2);
    }
    let in_flow = line.contains(['}', ']']);
    let end = if in_flow {
        line.find([',', '}', ']']).unwrap_or(line.len())
    } else {
        line.find(" #").unwrap_or(line.len())
    };
    line[..end].trim_end().len().max(1)
}

fn to_diagnostic(
    file: &SourceFile,
    error: &serde_saphyr::Error,
    first_line: usize,
    code: &'static str,
) -> Diagnostic {
    let raw = error.to_string();
    let message = strip_position_suffix(&raw);
    let (line, column) = error
        .location()
        .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
    let line = line.max(1) + first_line - 1;
    let span_start = file.offset_of(line, column.max(1));
    let len = token_len(&file.text[span_start..]);
    let span = Span::new(file, span_start, len);

    let (message, help) = match wrong_kind(file, error, line, column.max(1)) {
        Some((message, help)) => (message, Some(help)),
        None => explain(message),
    };
    let mut diagnostic = Diagnostic::error(code, message).at(span);
    if let Some(help) = help {
        diagnostic = diagnostic.help(help);
    }
    diagnostic
}

/// The length of the key or value starting at the position, for the caret.
fn token_len(rest: &str) -> usize {
    let line = rest.split('\n').next().unwrap_or("");
    let key_end = line.find(':').unwrap_or(line.len());
    line[..key_end].trim_end().len().max(1)
}

/// Valid YAML with a value of the wrong kind: a list where text is expected, text
/// where a list is, nothing at all, or `yes` for a boolean. Named by its key, with
/// the line rewritten the way it should be.
fn wrong_kind(
    file: &SourceFile,
    error: &Error,
    line: usize,
    column: usize,
) -> Option<(String, String)> {
    let (key, value) = key_at(file, line, column)?;
    match error {
        Error::Unexpected {
            expected: "string scalar",
            ..
        } => {
            let kind = if value.starts_with('{') {
                "a mapping"
            } else {
                "a list"
            };
            let help = match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                Some(inner) => format!(
                    "write it without brackets: `{key}: {}`, or in quotes if the brackets are part of the text: `{key}: \"{value}\"`",
                    inner.trim()
                ),
                None => format!("write the {key} as text on the same line: `{key}: ...`"),
            };
            Some((format!("the {key} must be text, not {kind}"), help))
        }
        Error::Unexpected {
            expected: "sequence start",
            ..
        } => {
            let example = if value.is_empty() {
                "/old-page/"
            } else {
                value.as_str()
            };
            Some((
                format!("the {key} must be a list"),
                format!(
                    "write `{key}: [{example}]`, or each entry on its own `- {example}` line under `{key}:`"
                ),
            ))
        }
        Error::NullIntoString { .. } => Some((
            format!("the {key} is empty"),
            format!("write the {key} after `{key}: `"),
        )),
        Error::InvalidBooleanStrict { .. } => {
            let meant = match value.to_ascii_lowercase().as_str() {
                "yes" | "y" | "on" => "true",
                "no" | "n" | "off" => "false",
                _ => "true` or `false",
            };
            Some((
                format!("`{key}` is `true` or `false`, not `{value}`"),
                format!("write `{key}: {meant}`"),
            ))
        }
        _ => None,
    }
}

/// The key whose value is at `line:column`, and that value as written: on the same
/// line (`title: [a]`), or the key a block list hangs from (`title:` then `- a`).
fn key_at(file: &SourceFile, line: usize, column: usize) -> Option<(String, String)> {
    let lines: Vec<&str> = file.text.lines().collect();
    let text = lines.get(line.checked_sub(1)?)?.trim_end_matches('\r');
    let at: usize = text.chars().take(column - 1).map(char::len_utf8).sum();
    let colon = text
        .find(": ")
        .or_else(|| text.trim_end().strip_suffix(':').map(str::len));
    if let Some(colon) = colon.filter(|colon| at >= *colon) {
        let key = text[..colon].trim().trim_start_matches("- ").trim();
        let value = text[colon + 1..].trim();
        let value = value.split(" #").next().unwrap_or(value).trim();
        return Some((key.to_string(), value.to_string()));
    }
    // A block list or mapping: the nearest line above that is less indented.
    let indent = text.len() - text.trim_start().len();
    lines[..line - 1].iter().rev().find_map(|above| {
        let above = above.trim_end_matches('\r');
        let above_indent = above.len() - above.trim_start().len();
        let key = above.trim().strip_suffix(':')?;
        (above_indent < indent
            || !above.trim().is_empty()
                && above_indent == indent
                && text.trim_start().starts_with('-'))
        .then(|| (key.trim_start_matches("- ").to_string(), String::new()))
    })
}

fn strip_position_suffix(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    }
}

/// Rewords serde's messages for editors and adds what to do.
fn explain(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<&str> = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .split(", ")
            .map(|s| s.trim_matches('`'))
            .filter(|s| !s.is_empty())
            .collect();
        let help = if allowed.is_empty() {
            "remove this key".to_string()
        } else {
            did_you_mean(key, allowed.iter().copied())
        };
        return (format!("unknown key `{key}`"), Some(help));
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return (
            format!("missing key {field}"),
            Some(format!("add {field} here")),
        );
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest);
        return (
            format!("the key `{key}` is given twice"),
            Some("keep one of the two".to_string()),
        );
    }
    if let Some(kind) = message.strip_prefix("invalid ") {
        let number = match kind.split_whitespace().next().unwrap_or("") {
            "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" => {
                Some("a whole number")
            }
            "f32" | "f64" => Some("a number"),
            _ => None,
        };
        if let Some(number) = number {
            return (
                format!("expected {number}"),
                Some("write digits only, e.g. `2`".to_string()),
            );
        }
    }
    if message.starts_with("invalid boolean") {
        return (
            "expected `true` or `false`".to_string(),
            Some("write `true` or `false` (yes/no/on/off are not booleans here)".to_string()),
        );
    }
    (message.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::render_human;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Front {
        title: String,
        #[serde(default)]
        draft: bool,
    }

    fn error_for(text: &str, first_line: usize) -> String {
        let whole = format!("---\n{text}---\nbody\n");
        let file = SourceFile::new("content/en/index.md", whole.as_str());
        let diagnostic = parse::<Front>(&file, text, first_line, "content::front-matter")
            .expect_err("should fail");
        render_human(&diagnostic)
    }

    #[test]
    fn unknown_key_points_at_the_whole_file_line_with_a_suggestion() {
        assert_eq!(
            error_for("title: a\ntitel: b\n", 2),
            "error[content::front-matter]: unknown key `titel`\n \
             --> content/en/index.md:3:1\n  |\n\
             3 | titel: b\n  | ^^^^^\n  |\n  = help: did you mean `title`?\n"
        );
    }

    #[test]
    fn yes_is_not_a_boolean() {
        let text = error_for("title: a\ndraft: no\n", 2);
        assert!(
            text.contains("`draft` is `true` or `false`, not `no`"),
            "{text}"
        );
        assert!(text.contains("help: write `draft: false`"), "{text}");
        assert!(text.contains("index.md:3:8"), "{text}");
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct WithList {
        title: String,
        #[serde(default)]
        aliases: Vec<String>,
    }

    fn list_error_for(text: &str) -> String {
        let whole = format!("---\n{text}---\n");
        let file = SourceFile::new("content/en/index.md", whole.as_str());
        let diagnostic =
            parse::<WithList>(&file, text, 2, "content::front-matter").expect_err("should fail");
        render_human(&diagnostic)
    }

    #[test]
    fn a_list_where_text_belongs_and_text_where_a_list_does() {
        let text = list_error_for("title: [Help]\n");
        assert!(
            text.contains("the title must be text, not a list"),
            "{text}"
        );
        assert!(text.contains("`title: Help`"), "{text}");
        let text = list_error_for("title:\n  - Help\n");
        assert!(
            text.contains("the title must be text, not a list"),
            "{text}"
        );
        assert!(text.contains("index.md:3:3"), "{text}");
        let text = list_error_for("title: a\naliases: /old/\n");
        assert!(text.contains("the aliases must be a list"), "{text}");
        assert!(text.contains("write `aliases: [/old/]`"), "{text}");
        let text = list_error_for("title:\n");
        assert!(text.contains("the title is empty"), "{text}");
    }

    #[test]
    fn a_line_mistake_replaces_the_parser_message() {
        let text = error_for("title: Warranty: what changes\n", 2);
        assert!(
            text.contains("the title contains `: `, which YAML reads as the start of another key"),
            "{text}"
        );
        assert!(text.contains("index.md:2:16"), "{text}");
    }

    #[test]
    fn missing_and_duplicate_keys_are_named() {
        assert!(error_for("draft: true\n", 2).contains("missing key `title`"));
        assert!(error_for("title: a\ntitle: b\n", 2).contains("the key `title` is given twice"));
    }
}
