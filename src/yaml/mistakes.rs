//! The YAML mistakes people make most, found by reading the lines of a text that
//! did not parse, and told at the line where they were made.
//!
//! A YAML parser notices a mistake where the text stops making sense, which is often
//! a line later and in its own words ("invalid trailing content after
//! double-quoted scalar" for a quote left open on the line above). Front matter and
//! `site.yaml` are short lists of `key: value` lines, so the usual mistakes have a
//! recognisable shape: a tab, a quote left open, a `: ` inside a value, a missing
//! space after the colon, a line indented more or less than its neighbours, a
//! bracket left open. This module looks for those shapes, top to bottom, and the
//! first one found replaces the parser's message. It only runs on text that failed
//! to parse, and each rule is written so that valid YAML never matches it.

use crate::diagnostics::{SourceFile, Span};

/// A mistake at its place in the file, with what to do.
#[derive(Debug, Clone)]
pub struct Mistake {
    pub span: Span,
    pub message: String,
    pub help: String,
}

/// One line of the text: its 1-based number in the file, its byte offset in the
/// file, and its text without the line break.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    number: usize,
    offset: usize,
    text: &'a str,
}

impl Line<'_> {
    fn indent(&self) -> usize {
        self.text.len() - self.text.trim_start_matches(' ').len()
    }

    fn is_blank_or_comment(&self) -> bool {
        let trimmed = self.text.trim();
        trimmed.is_empty() || trimmed.starts_with('#')
    }
}

/// What a content line holds once its `- ` list markers are set aside.
#[derive(Debug, Clone, Copy)]
struct Shape<'a> {
    /// Spaces before the first character.
    indent: usize,
    /// The column (0-based, in bytes) where the content after the list markers starts.
    content_col: usize,
    /// Whether the line starts with `- `.
    is_item: bool,
    /// For `key: value` lines: the key, the value (trimmed, comment kept) and the
    /// value's column.
    key: Option<(&'a str, &'a str, usize)>,
    /// The content after the list markers.
    content: &'a str,
}

fn shape<'a>(line: &Line<'a>) -> Shape<'a> {
    let indent = line.indent();
    let mut content_col = indent;
    let mut is_item = false;
    let mut rest = &line.text[indent..];
    while let Some(after) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("-\t")) {
        is_item = true;
        let trimmed = after.trim_start_matches([' ', '\t']);
        content_col += rest.len() - trimmed.len();
        rest = trimmed;
    }
    if rest == "-" {
        is_item = true;
        content_col += 1;
        rest = "";
    }
    Shape {
        indent,
        content_col,
        is_item,
        key: split_key(rest).map(|(key, value, at)| (key, value, content_col + at)),
        content: rest,
    }
}

/// `key: value` or `key:` with a plain key, as (key, value, where the value starts
/// in `content`); `None` for anything else.
fn split_key(content: &str) -> Option<(&str, &str, usize)> {
    let first = content.chars().next()?;
    if "\"'[{|>&*!%@`#,?-".contains(first) {
        return None;
    }
    let colon = content
        .char_indices()
        .find(|&(i, c)| c == ':' && content[i + 1..].chars().next().is_none_or(is_space))
        .map(|(i, _)| i)?;
    let key = &content[..colon];
    if key.contains(" #") || key.contains(['\t']) {
        return None;
    }
    let after = &content[colon + 1..];
    let value = after.trim();
    let at = colon + 1 + (after.len() - after.trim_start().len());
    Some((key.trim_end(), value, at))
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Looks for the first known mistake in `file.text[start..end]`.
pub fn find(file: &SourceFile, start: usize, end: usize) -> Option<Mistake> {
    let lines = lines_of(file, start, end);
    let mut scan = Scan {
        file,
        lines: &lines,
        levels: Vec::new(),
        previous: None,
    };
    scan.run()
}

fn lines_of(file: &SourceFile, start: usize, end: usize) -> Vec<Line<'_>> {
    let text = &file.text[..end.min(file.text.len())];
    let first_number = text[..start].matches('\n').count() + 1;
    let mut offset = start;
    text[start..]
        .split_inclusive('\n')
        .enumerate()
        .map(|(index, raw)| {
            let line = Line {
                number: first_number + index,
                offset,
                text: raw.trim_end_matches('\n').trim_end_matches('\r'),
            };
            offset += raw.len();
            line
        })
        .collect()
}

/// Where a line stands among the lines above it.
enum Placement {
    /// A line of its own (a key, a list item).
    Line,
    /// The next line of a plain value that goes on over several lines.
    Continuation,
}

/// A `key: value` line's value, with where it is.
#[derive(Debug, Clone, Copy)]
struct Value<'a> {
    line: Line<'a>,
    key: &'a str,
    /// The value as written (trimmed, a comment kept).
    text: &'a str,
    /// Its column (0-based, in bytes) on the line.
    column: usize,
    /// The index of the line after it, where a value over several lines goes on.
    next: usize,
    /// The key's indentation: the lines of a value over several lines are deeper.
    indent: usize,
}

/// An indentation level seen so far: its column and the line that opened it.
#[derive(Debug, Clone, Copy)]
struct Level {
    column: usize,
    line: usize,
}

struct Scan<'f, 'l> {
    file: &'f SourceFile,
    lines: &'l [Line<'f>],
    /// Columns of the enclosing lines, innermost last.
    levels: Vec<Level>,
    /// The last content line and its shape.
    previous: Option<(Line<'f>, Shape<'f>)>,
}

impl<'f> Scan<'f, '_> {
    fn run(&mut self) -> Option<Mistake> {
        let mut index = 0;
        while index < self.lines.len() {
            let line = self.lines[index];
            index += 1;
            if line.is_blank_or_comment() {
                continue;
            }
            if let Some(mistake) = self.tab(&line) {
                return Some(mistake);
            }
            let shape = shape(&line);
            match self.indentation(&line, &shape) {
                Err(mistake) => return Some(mistake),
                Ok(Placement::Continuation) => continue,
                Ok(Placement::Line) => {}
            }
            if let Some(mistake) = self.missing_space(&line, &shape) {
                return Some(mistake);
            }
            if let Some((key, text, column)) = shape.key {
                let value = Value {
                    line,
                    key,
                    text,
                    column,
                    next: index,
                    indent: shape.indent,
                };
                match self.value(&value) {
                    Ok(skip) => index += skip,
                    Err(mistake) => return Some(mistake),
                }
                if is_block_scalar(text) {
                    index += self.block_scalar_len(index, shape.indent);
                }
            }
            self.push(&line, &shape);
        }
        None
    }

    fn span(&self, line: &Line, column: usize, len: usize) -> Span {
        Span::new(self.file, line.offset + column, len)
    }

    /// A tab in the indentation: YAML indents with spaces only.
    fn tab(&self, line: &Line) -> Option<Mistake> {
        let leading = line.text.len() - line.text.trim_start_matches([' ', '\t']).len();
        let column = line.text[..leading].find('\t')?;
        Some(Mistake {
            span: self.span(line, column, 1),
            message: "this line is indented with a tab".to_string(),
            help: "indent with spaces: YAML does not allow tabs at the start of a line".to_string(),
        })
    }

    /// `title:Warranty`: without a space, YAML does not see a key at all.
    fn missing_space(&self, line: &Line, shape: &Shape) -> Option<Mistake> {
        let content = shape.content;
        if !content
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        {
            return None;
        }
        let key_len = content
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(content.len());
        let key = &content[..key_len];
        let after = content[key_len..].strip_prefix(':')?;
        let next = after.chars().next()?;
        if is_space(next) || after.starts_with("//") || is_url_scheme(key) {
            return None;
        }
        Some(Mistake {
            span: self.span(line, shape.content_col, key_len + 1),
            message: format!("`{key}:` needs a space after the colon"),
            help: format!("write `{key}: {after}`"),
        })
    }

    /// A line indented differently from what the lines above allow.
    fn indentation(&mut self, line: &Line, shape: &Shape) -> Result<Placement, Mistake> {
        let Some((previous, before)) = self.previous else {
            if shape.indent > 0 {
                return Err(Mistake {
                    span: self.span(line, 0, shape.indent),
                    message: "this line starts with spaces, so it is not a key of its own"
                        .to_string(),
                    help: format!(
                        "remove the space{} before `{}`",
                        if shape.indent == 1 { "" } else { "s" },
                        first_word(shape.content)
                    ),
                });
            }
            return Ok(Placement::Line);
        };
        if shape.indent > before.indent {
            let sibling_of_item = before.is_item && shape.indent == before.content_col;
            if opens_block(&before) || sibling_of_item {
                return Ok(Placement::Line);
            }
            let (Some((key, ..)), Some((above, ..))) = (shape.key, before.key) else {
                // A plain value going on over several lines.
                return Ok(Placement::Continuation);
            };
            return Err(Mistake {
                span: self.span(line, 0, shape.indent + key.len()),
                message: format!(
                    "`{key}:` is indented under `{above}:` (line {}), which already has a value",
                    previous.number
                ),
                help: format!("start `{key}:` in the same column as `{above}:`"),
            });
        }
        let mut popped = None;
        while let Some(level) = self.levels.last().copied() {
            if level.column <= shape.indent {
                break;
            }
            popped = self.levels.pop();
        }
        let lined_up = match self.levels.last() {
            Some(level) => level.column == shape.indent,
            None => shape.indent == 0,
        };
        match popped {
            Some(nearest) if !lined_up => {
                let what = if shape.is_item {
                    "this list item".to_string()
                } else {
                    format!("`{}`", first_word(shape.content))
                };
                Err(Mistake {
                    span: self.span(line, 0, shape.indent.max(1)),
                    message: format!("{what} is not lined up with the lines above it"),
                    help: format!(
                        "indent it by {} space{}, like line {}",
                        nearest.column,
                        if nearest.column == 1 { "" } else { "s" },
                        nearest.line
                    ),
                })
            }
            _ => Ok(Placement::Line),
        }
    }

    /// Checks a `key: value` value; `Ok(n)` skips the `n` lines a quoted or bracketed
    /// value legitimately goes on over.
    fn value(&self, value: &Value) -> Result<usize, Mistake> {
        match value.text.chars().next() {
            Some(quote @ ('"' | '\'')) => self.quoted(value, quote),
            Some('[' | '{') => self.flow(value),
            Some('|' | '>' | '&' | '*' | '!' | '#') | None => Ok(0),
            Some(_) => self.plain(value).map(|()| 0),
        }
    }

    /// `title: Warranty: what changes`: YAML reads `: ` as the start of another key.
    fn plain(&self, value: &Value) -> Result<(), Mistake> {
        let Value {
            line, key, column, ..
        } = *value;
        let value_col = column;
        let value = strip_comment(value.text);
        let colon = value
            .char_indices()
            .find(|&(i, c)| c == ':' && value[i + 1..].chars().next().is_none_or(is_space));
        let Some((at, _)) = colon else {
            return Ok(());
        };
        Err(Mistake {
            span: self.span(&line, value_col + at, 1),
            message: format!(
                "the {key} contains `: `, which YAML reads as the start of another key"
            ),
            help: format!("put the {key} in quotes: `{key}: {}`", quoted(value)),
        })
    }

    /// A quoted value: closed on its line, or on a later line with nothing after.
    fn quoted(&self, value: &Value, quote: char) -> Result<usize, Mistake> {
        let Value {
            line,
            key,
            column: value_col,
            next,
            ..
        } = *value;
        let value = value.text;
        let inner = &value[1..];
        if let Some(close) = closing_quote(inner, quote) {
            let after = inner[close + 1..].trim_start();
            if after.is_empty() || after.starts_with('#') {
                return Ok(0);
            }
            let whole = value.trim_end();
            let body = &whole[1..whole.len() - usize::from(whole.ends_with(quote))];
            let (message, help) = if quote == '\'' && !body.contains('"') {
                (
                    format!("the {key} goes on after its closing `'`"),
                    format!(
                        "an apostrophe inside '...' ends the text: put the {key} in double quotes: `{key}: \"{}\"`",
                        body.replace("''", "'")
                    ),
                )
            } else if body.contains(quote) {
                (
                    format!("the {key} goes on after its closing `{quote}`"),
                    format!(
                        "a `{quote}` inside the {key} ends it: write `{key}: {}`",
                        quoted(&body.replace("\\\"", "\""))
                    ),
                )
            } else {
                (
                    format!("the {key} goes on after its closing `{quote}`"),
                    format!(
                        "put the whole {key} inside the quotes: `{key}: {quote}{}{quote}`",
                        body.replace(quote, "")
                    ),
                )
            };
            return Err(Mistake {
                span: self.span(&line, value_col + close + 2, after.len().max(1)),
                message,
                help,
            });
        }
        // A quoted value may go on over several lines if it is closed with nothing
        // after it; otherwise the quote was left open.
        for (skipped, later) in self.lines[next..].iter().enumerate() {
            if let Some(close) = closing_quote(later.text, quote) {
                let after = later.text[close + 1..].trim_start();
                if after.is_empty() || after.starts_with('#') {
                    return Ok(skipped + 1);
                }
                break;
            }
        }
        let end = line.text.trim_end().len();
        Err(Mistake {
            span: self.span(&line, value_col, end - value_col),
            message: format!("the quote that opens the {key} is never closed"),
            help: format!(
                "end the {key} with `{quote}` on the same line: `{key}: {quote}{}{quote}`",
                inner.trim_end()
            ),
        })
    }

    /// `[...]` or `{...}`, possibly over several lines (each indented more than the
    /// key).
    fn flow(&self, value: &Value) -> Result<usize, Mistake> {
        let Value {
            line,
            key,
            column: value_col,
            next,
            indent,
            ..
        } = *value;
        let value = value.text;
        let mut depth = bracket_balance(value);
        let mut used = 0;
        while depth > 0 {
            let Some(later) = self.lines.get(next + used) else {
                break;
            };
            if !later.is_blank_or_comment() && later.indent() <= indent {
                break;
            }
            depth += bracket_balance(later.text);
            used += 1;
        }
        if depth <= 0 {
            return Ok(used);
        }
        let (open, close) = if value.starts_with('[') {
            ("[", "]")
        } else {
            ("{", "}")
        };
        Err(Mistake {
            span: self.span(&line, value_col, 1),
            message: format!("the `{open}` that opens the {key} is never closed"),
            help: format!(
                "end it with `{close}` on the same line: `{key}: {}{close}`",
                strip_comment(value)
            ),
        })
    }

    /// How many lines after `next` belong to a `|` or `>` block under `indent`.
    fn block_scalar_len(&self, next: usize, indent: usize) -> usize {
        self.lines[next..]
            .iter()
            .take_while(|l| l.text.trim().is_empty() || l.indent() > indent)
            .count()
    }

    fn push(&mut self, line: &Line<'f>, shape: &Shape<'f>) {
        let mut add = |column: usize| {
            if self.levels.last().is_none_or(|l| l.column < column) {
                self.levels.push(Level {
                    column,
                    line: line.number,
                });
            }
        };
        add(shape.indent);
        if shape.is_item && !shape.content.is_empty() {
            add(shape.content_col);
        }
        self.previous = Some((*line, *shape));
    }
}

/// The line opens a nested block: `key:` with nothing after, a lone `-`, or a block
/// scalar or anchor.
fn opens_block(shape: &Shape) -> bool {
    match shape.key {
        Some((_, value, _)) => {
            let value = strip_comment(value);
            value.is_empty()
                || is_block_scalar(value)
                || value.starts_with('&') && !value.contains(' ')
        }
        None => shape.content.is_empty(),
    }
}

fn is_block_scalar(value: &str) -> bool {
    let value = strip_comment(value);
    value.starts_with(['|', '>'])
        && value[1..]
            .chars()
            .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
}

fn strip_comment(value: &str) -> &str {
    match value.find(" #") {
        Some(at) => value[..at].trim_end(),
        None => value,
    }
}

fn first_word(text: &str) -> &str {
    text.split([':', ' ']).next().unwrap_or(text)
}

fn is_url_scheme(key: &str) -> bool {
    matches!(
        key.to_ascii_lowercase().as_str(),
        "http" | "https" | "mailto" | "tel" | "ftp" | "urn" | "data" | "sms"
    )
}

/// The byte index in `text` of the quote that closes a scalar opened just before it.
fn closing_quote(text: &str, quote: char) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quote == '"' && b == b'\\' {
            i += 2;
            continue;
        }
        if b == quote as u8 {
            if quote == '\'' && bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// `[` and `{` opened minus closed, outside quotes.
fn bracket_balance(text: &str) -> i32 {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, '#') => break,
            _ => {}
        }
    }
    depth
}

/// The value in quotes YAML reads back as the same text.
fn quoted(value: &str) -> String {
    if !value.contains('"') {
        format!("\"{value}\"")
    } else if !value.contains('\'') {
        format!("'{value}'")
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mistake in `text` as (line, column, message, help).
    fn mistake(text: &str) -> Option<(usize, usize, String, String)> {
        let file = SourceFile::new("x.yaml", text);
        find(&file, 0, text.len()).map(|m| {
            let p = m.span.position();
            (p.line, p.column, m.message, m.help)
        })
    }

    fn at(text: &str) -> (usize, usize) {
        let (line, column, ..) = mistake(text).unwrap_or_else(|| panic!("no mistake in {text:?}"));
        (line, column)
    }

    #[test]
    fn valid_front_matter_has_no_mistake() {
        for text in [
            "title: Warranty\ndescription: \"Same: as ever\"\n",
            "title: 'It''s here'\naliases:\n  - /a/\n  - /b/\n",
            "aliases:\n- /a/\n- /b/\ntitle: x\n",
            "description: a long text\n  that goes on\ntitle: x\n",
            "description: \"a long text\n  that goes on\"\ntitle: x\n",
            "aliases: [/a/,\n  /b/]\ntitle: x\n",
            "body: |\n  line: one\n  line two\ntitle: x\n",
            "regions:\n  - id: uk\n    domain: x\n    values:\n      store: https://x/\n  - id: fr\n    domain: y\n",
            "links:\n  - https://example.com/\n  - mailto:someone@example.com\n",
            "title: x # a comment: with a colon\n",
            "# comment\n\ntitle: x\n",
        ] {
            assert!(mistake(text).is_none(), "{text:?}: {:?}", mistake(text));
        }
    }

    #[test]
    fn an_unclosed_quote_is_found_on_its_own_line() {
        let (line, column, message, help) =
            mistake("title: \"Warranty and after-sales\ndescription: \"Same as ever.\"\n").unwrap();
        assert_eq!((line, column), (1, 8));
        assert_eq!(message, "the quote that opens the title is never closed");
        assert_eq!(
            help,
            "end the title with `\"` on the same line: `title: \"Warranty and after-sales\"`"
        );
    }

    #[test]
    fn text_after_a_closing_quote_is_named() {
        let (_, column, message, help) = mistake("title: 'Don't worry'\n").unwrap();
        assert_eq!(column, 13);
        assert_eq!(message, "the title goes on after its closing `'`");
        assert!(help.contains("`title: \"Don't worry\"`"), "{help}");
        let (.., help) = mistake("title: \"The \"best\" warranty\"\n").unwrap();
        assert!(help.contains("`title: 'The \"best\" warranty'`"), "{help}");
    }

    #[test]
    fn a_colon_in_a_plain_value_asks_for_quotes() {
        let (line, column, message, help) =
            mistake("title: Warranty: what changes\ndescription: x\n").unwrap();
        assert_eq!((line, column), (1, 16));
        assert_eq!(
            message,
            "the title contains `: `, which YAML reads as the start of another key"
        );
        assert_eq!(
            help,
            "put the title in quotes: `title: \"Warranty: what changes\"`"
        );
    }

    #[test]
    fn tabs_are_found_where_they_are() {
        assert_eq!(at("title: Help\n\tdescription: D\n"), (2, 1));
        assert_eq!(at("aliases:\n  \t- /a/\n"), (2, 3));
    }

    #[test]
    fn a_missing_space_after_the_colon() {
        let (line, column, message, help) = mistake("title: x\ndescription:D\n").unwrap();
        assert_eq!((line, column), (2, 1));
        assert_eq!(message, "`description:` needs a space after the colon");
        assert_eq!(help, "write `description: D`");
    }

    #[test]
    fn indentation_mistakes() {
        let (line, _, message, _) = mistake("title: Help\n  description: D\n").unwrap();
        assert_eq!(line, 2);
        assert_eq!(
            message,
            "`description:` is indented under `title:` (line 1), which already has a value"
        );
        let (line, _, message, _) = mistake(" title: Help\ndescription: D\n").unwrap();
        assert_eq!(line, 1);
        assert!(
            message.starts_with("this line starts with spaces"),
            "{message}"
        );
        let (line, _, message, help) = mistake("title: Help\naliases:\n  - /a/\n - /b/\n").unwrap();
        assert_eq!(line, 4);
        assert_eq!(
            message,
            "this list item is not lined up with the lines above it"
        );
        assert_eq!(help, "indent it by 2 spaces, like line 3");
        let (line, ..) = mistake("regions:\n  - id: uk\n    domain: x\n   new_home: y\n").unwrap();
        assert_eq!(line, 4);
    }

    #[test]
    fn an_unclosed_bracket() {
        let (line, column, message, help) = mistake("aliases: [/a/, /b/\ntitle: x\n").unwrap();
        assert_eq!((line, column), (1, 10));
        assert_eq!(message, "the `[` that opens the aliases is never closed");
        assert_eq!(
            help,
            "end it with `]` on the same line: `aliases: [/a/, /b/]`"
        );
    }
}

#[cfg(test)]
mod repository {
    use super::*;

    /// Every YAML text in the repository parses: none may look like a mistake.
    #[test]
    fn no_yaml_of_the_repository_looks_like_a_mistake() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for entry in walkdir::WalkDir::new(root)
            .into_iter()
            .filter_entry(|e| {
                !["target", "node_modules", ".git"].contains(&&*e.file_name().to_string_lossy())
            })
            .filter_map(Result::ok)
        {
            let path = entry.path();
            let name = path.to_string_lossy();
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let yaml_end = if name.ends_with("site.yaml") {
                text.len()
            } else if name.ends_with(".md") && text.starts_with("---\n") {
                match text[4..].find("\n---") {
                    Some(end) => end + 5,
                    None => continue,
                }
            } else {
                continue;
            };
            if name.contains("tests/errors/") {
                continue;
            }
            let start = if name.ends_with(".md") { 4 } else { 0 };
            let file = SourceFile::new(name.to_string(), text.as_str());
            if let Some(mistake) = find(&file, start, yaml_end.min(text.len())) {
                panic!(
                    "{name}: {} at {:?}",
                    mistake.message,
                    mistake.span.position()
                );
            }
            checked += 1;
        }
        assert!(checked > 30, "only {checked} files checked");
    }
}
