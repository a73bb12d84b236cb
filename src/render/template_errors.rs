//! Tera's errors told the way a template's author fixes them.
//!
//! Tera reports an unknown filter, test, function or included template as text it
//! has already laid out (a box with its own line numbers, counted in a page's body
//! rather than its file), so those reports are read back into their parts here and
//! shown like every other diagnostic. Tera's parser also notices a tag left open
//! only where it stops making sense: an `{% if %}` without `{% endif %}` is
//! reported as "Unknown tag" at the `{% endblock %}` that follows. Walking the tags
//! finds the one that was left open, which is where the author has to look.
//!
//! [`tera_diagnostics`] is the way in: a Tera error becomes diagnostics at the
//! file, line and column of the template, page body or front matter text it
//! came from ([`TemplateSources`]).

use crate::content::Content;
use crate::diagnostics::{did_you_mean, Diagnostic, SourceFile, Span};
use crate::theme::Theme;

/// Filters handover adds to Tera's own.
pub const HANDOVER_FILTERS: [&str; 2] = ["date", "number"];
/// Functions handover adds to Tera's own.
pub const HANDOVER_FUNCTIONS: [&str; 3] = ["t", "t_markup", "asset"];

/// Tera 2.4's built-in filters, tests and functions, for "did you mean".
const TERA_FILTERS: [&str; 37] = [
    "safe",
    "default",
    "upper",
    "lower",
    "wordcount",
    "escape",
    "escape_html",
    "escape_xml",
    "newlines_to_br",
    "pluralize",
    "trim",
    "trim_start",
    "trim_end",
    "replace",
    "capitalize",
    "title",
    "truncate",
    "indent",
    "str",
    "int",
    "float",
    "length",
    "reverse",
    "split",
    "abs",
    "round",
    "first",
    "last",
    "nth",
    "join",
    "sort",
    "unique",
    "get",
    "values",
    "keys",
    "pairs",
    "group_by",
];
const TERA_TESTS: [&str; 17] = [
    "string",
    "number",
    "map",
    "bool",
    "array",
    "integer",
    "float",
    "none",
    "iterable",
    "defined",
    "undefined",
    "odd",
    "even",
    "divisible_by",
    "starting_with",
    "ending_with",
    "containing",
];
const TERA_FUNCTIONS: [&str; 2] = ["range", "throw"];

/// The tags Tera knows, for "did you mean".
const TAGS: [&str; 20] = [
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "endfor",
    "block",
    "endblock",
    "set",
    "set_global",
    "endset",
    "include",
    "extends",
    "filter",
    "endfilter",
    "raw",
    "endraw",
    "component",
    "endcomponent",
    "break",
];

/// One of the reports Tera lays out as text: `error: <message>` then
/// ` --> <template>:<line>:<column>`, the line, and a row of `^`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextReport {
    pub message: String,
    pub template: String,
    /// 1-based, counted in the template's text.
    pub line: usize,
    pub column: usize,
    pub len: usize,
}

/// Reads back the reports in `text`; empty when `text` is not made of them.
pub fn text_reports(text: &str) -> Vec<TextReport> {
    let mut reports = Vec::new();
    for chunk in text.split("\n\n") {
        let mut lines = chunk.lines();
        let Some(message) = lines.next().and_then(|l| l.strip_prefix("error: ")) else {
            continue;
        };
        let Some(locus) = lines
            .next()
            .and_then(|l| l.trim_start().strip_prefix("--> "))
        else {
            continue;
        };
        let mut parts = locus.rsplitn(3, ':');
        let (Some(column), Some(line), Some(template)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(line), Ok(column)) = (line.parse(), column.parse()) else {
            continue;
        };
        let len = lines
            .last()
            .map_or(1, |underline| underline.matches('^').count().max(1));
        reports.push(TextReport {
            message: message.to_string(),
            template: template.to_string(),
            line,
            column,
            len,
        });
    }
    reports
}

/// What to do about an unknown filter, test or function (`Unknown filter `dat``).
pub fn unknown_name_help(message: &str) -> Option<String> {
    let (kind, rest) = message.strip_prefix("Unknown ")?.split_once(" `")?;
    let name = rest.strip_suffix('`')?;
    let (ours, theirs): (&[&str], &[&str]) = match kind {
        "filter" => (&HANDOVER_FILTERS, &TERA_FILTERS),
        "function" => (&HANDOVER_FUNCTIONS, &TERA_FUNCTIONS),
        "test" => (&[], &TERA_TESTS),
        "template" => {
            return Some(format!(
                "there is no template `{name}` in the theme's templates/ folder: check the name in {{% include %}}"
            ))
        }
        _ => return None,
    };
    let all = ours.iter().chain(theirs.iter()).copied();
    let best = crate::diagnostics::closest(name, all);
    let listed = match kind {
        "filter" => "handover's filters are `date` and `number`; Tera's own are listed at https://keats.github.io/tera/docs/#built-in-filters",
        "function" => "handover's functions are `t`, `t_markup` and `asset`; Tera's own are `range` and `throw`",
        _ => "Tera's tests are listed at https://keats.github.io/tera/docs/#built-in-tests",
    };
    Some(match best {
        Some(best) => format!("did you mean `{best}`? ({listed})"),
        None => listed.to_string(),
    })
}

/// A tag as written: where it starts (byte offset), its length and its first word.
#[derive(Debug, Clone, Copy)]
struct Tag<'a> {
    offset: usize,
    len: usize,
    word: &'a str,
}

/// Every `{% ... %}` tag of `source`, skipping comments and `{% raw %}` blocks.
fn tags(source: &str) -> Vec<Tag<'_>> {
    let mut found = Vec::new();
    let mut at = 0;
    let mut in_raw = false;
    while let Some(open) = source[at..].find(['{']).map(|i| at + i) {
        let rest = &source[open..];
        if rest.starts_with("{#") {
            at = rest.find("#}").map_or(source.len(), |end| open + end + 2);
            continue;
        }
        if !rest.starts_with("{%") {
            at = open + 1;
            continue;
        }
        let Some(close) = rest.find("%}") else { break };
        let inner =
            rest[2..close].trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        let word = inner.split_whitespace().next().unwrap_or("");
        at = open + close + 2;
        if in_raw {
            in_raw = word != "endraw";
            continue;
        }
        in_raw = word == "raw";
        found.push(Tag {
            offset: open,
            len: close + 2,
            word,
        });
    }
    found
}

/// Tags that open a body, and the tag that closes each.
fn closer_of(word: &str) -> Option<&'static str> {
    match word {
        "if" => Some("endif"),
        "for" => Some("endfor"),
        "block" => Some("endblock"),
        "filter" => Some("endfilter"),
        "component" => Some("endcomponent"),
        _ => None,
    }
}

/// `{% set x %}` (no `=`) captures a body up to `{% endset %}`.
fn opens_body(tag: &Tag, source: &str) -> bool {
    match tag.word {
        "set" | "set_global" => !source[tag.offset..tag.offset + tag.len].contains('='),
        word => closer_of(word).is_some(),
    }
}

fn closer(tag: &Tag) -> &'static str {
    closer_of(tag.word).unwrap_or("endset")
}

/// A tag problem: where (byte offset and length in the template's text), what,
/// and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagProblem {
    pub offset: usize,
    pub len: usize,
    pub message: String,
    pub help: String,
}

/// Why Tera stopped at byte `stop` of `source` ("Unknown tag" there) or at its end
/// (`stop` = `None`, "Unexpected end of input"): a tag left open, a closing tag
/// with nothing to close, or a tag name Tera does not know.
pub fn tag_problem(source: &str, stop: Option<usize>) -> Option<TagProblem> {
    let line_of = |offset: usize| source[..offset].matches('\n').count() + 1;
    let shown = |tag: &Tag| {
        let text = &source[tag.offset..tag.offset + tag.len];
        if text.len() > 40 {
            format!("{{% {} %}}", tag.word)
        } else {
            text.to_string()
        }
    };
    let mut open: Vec<Tag> = Vec::new();
    for tag in tags(source) {
        let at_stop = stop.is_some_and(|stop| tag.offset <= stop && stop < tag.offset + tag.len);
        if let Some(opened) = tag.word.strip_prefix("end").filter(|w| !w.is_empty()) {
            match open
                .iter()
                .rposition(|o| o.word == opened || (opened == "set" && o.word.starts_with("set")))
            {
                Some(index) if index + 1 < open.len() || at_stop => {
                    let left = open[open.len() - 1];
                    if index + 1 == open.len() {
                        // Tera stopped here for another reason (a name mismatch).
                        return None;
                    }
                    return Some(TagProblem {
                        offset: left.offset,
                        len: left.len,
                        message: format!("`{}` is never closed", shown(&left)),
                        help: format!(
                            "add `{{% {} %}}` where its body ends, before `{}` (line {})",
                            closer(&left),
                            shown(&tag),
                            line_of(tag.offset)
                        ),
                    });
                }
                Some(index) => {
                    open.truncate(index);
                }
                None if closer_of(opened).is_some() || opened == "set" => {
                    return Some(TagProblem {
                        offset: tag.offset,
                        len: tag.len,
                        message: format!(
                            "`{}` closes nothing: no `{{% {opened} %}}` is open here",
                            shown(&tag)
                        ),
                        help: format!(
                            "remove it, or add the `{{% {opened} ... %}}` it should close above it"
                        ),
                    });
                }
                None => {}
            }
        } else if opens_body(&tag, source) {
            open.push(tag);
        }
        if at_stop {
            if !TAGS.contains(&tag.word) {
                return Some(TagProblem {
                    offset: tag.offset,
                    len: tag.len,
                    message: format!("unknown tag `{}`", tag.word),
                    help: did_you_mean(tag.word, TAGS.iter().copied()),
                });
            }
            return None;
        }
    }
    if stop.is_some() {
        return None;
    }
    let left = open.last()?;
    Some(TagProblem {
        offset: left.offset,
        len: left.len,
        message: format!("`{}` is never closed", shown(left)),
        help: format!("add `{{% {} %}}` where its body ends", closer(left)),
    })
}

/// Where template names point, for error snippets.
pub struct TemplateSources<'a> {
    pub theme: &'a Theme,
    pub content: &'a Content,
    /// The whole file of the page whose body Tera rendered as its one-off
    /// template, if any, and the body's first line.
    pub body: Option<(&'a SourceFile, usize)>,
}

/// The name Tera gives a template rendered with `render_str`.
const ONE_OFF_TEMPLATE: &str = "__tera_one_off";

impl TemplateSources<'_> {
    /// The file, and the 1-based line and 0-based column at which the
    /// template's text starts in it.
    fn find(&self, name: &str) -> Option<(SourceFile, usize, usize)> {
        if let Some(file) = self.theme.templates.get(name) {
            return Some((file.clone(), 1, 0));
        }
        if let (ONE_OFF_TEMPLATE, Some((file, line))) = (name, self.body) {
            return Some((file.clone(), line, 0));
        }
        if let Some((file, key)) = name.rsplit_once('#') {
            let page = self.content.by_file(file)?;
            let (line, column) = page.value_start(key);
            return Some((page.source(), line, column));
        }
        self.content.by_file(name).map(|p| {
            let source = p.source();
            let line = p.body_line(&source);
            (source, line, 0)
        })
    }
}

/// Marks a filter given an undefined value, followed by the region's value
/// names: Tera points such an error at the value as written, and
/// [`tera_diagnostics`] turns it into "`values.x` is not defined" with a
/// did-you-mean.
pub const UNDEFINED_INPUT: &str = "handover-undefined:";

pub fn tera_diagnostics(error: &tera::Error, sources: &TemplateSources) -> Vec<Diagnostic> {
    use tera::ErrorKind;
    let (code, report) = match error.kind() {
        ErrorKind::SyntaxError(report) => ("render::syntax", report),
        ErrorKind::RenderingError(report) => ("render::failed", report),
        ErrorKind::Msg(text) => {
            let reports = text_reports(text);
            if reports.is_empty() {
                return vec![Diagnostic::error("render::failed", text.clone())
                    .help("see docs/site-format.md for what templates and pages can use")];
            }
            return reports
                .iter()
                .map(|report| text_report_diagnostic(report, sources))
                .collect();
        }
        ErrorKind::MissingParent { current, parent } => {
            return vec![missing_parent(current, parent, sources)];
        }
        other => {
            return vec![Diagnostic::error("render::failed", other.to_string())
                .help("check the template names in {% extends %} and {% include %}")];
        }
    };
    if code == "render::syntax" {
        if let Some(problem) = tag_diagnostic(report, sources) {
            return vec![problem];
        }
    }
    let (message, help) = match report.message().split_once(HELP_SEPARATOR) {
        Some((message, help)) => (message.to_string(), help.to_string()),
        None => (
            report.message().to_string(),
            template_help(report.message()),
        ),
    };
    let Some((file, first_line, first_column)) = sources.find(report.filename()) else {
        return vec![Diagnostic::error(code, message)
            .in_file(report.filename())
            .help(help)];
    };
    let span = report.span();
    let line = span.start_line.max(1) + first_line - 1;
    let shift = if span.start_line <= 1 {
        first_column
    } else {
        0
    };
    let len = if span.end_line == span.start_line {
        span.end_col.saturating_sub(span.start_col)
    } else {
        1
    };
    let mut at = Span::at_line_col(&file, line, span.start_col + 1 + shift, len.max(1));
    if message.contains(UNDEFINED_INPUT) {
        // Tera points at the first name of the value; show it up to its filter.
        let rest = &file.text[at.offset..];
        let end = rest.find(['|', '\n', '}']).unwrap_or(rest.len());
        at = Span::new(&file, at.offset, rest[..end].trim_end().len());
    }
    let written = &file.text[at.offset..at.offset + at.len];
    let (message, help) = undefined_input_problem(&message, written).unwrap_or((message, help));
    vec![Diagnostic::error(code, message).at(at).help(help)]
}

/// `{% extends "nope.html" %}`: at the name, with the theme's templates to choose
/// from.
fn missing_parent(current: &str, parent: &str, sources: &TemplateSources) -> Diagnostic {
    let known = sources.theme.templates.keys().map(String::as_str);
    let problem = Diagnostic::error(
        "render::syntax",
        format!("`{current}` extends `{parent}`, which the theme does not have"),
    )
    .help(did_you_mean(parent, known));
    let Some((file, _, _)) = sources.find(current) else {
        return problem.in_file(current);
    };
    match file.text.find(&format!("\"{parent}\"")) {
        Some(at) => problem.at(Span::new(&file, at, parent.len() + 2)),
        None => problem.in_file(file.name.to_string()),
    }
}

/// An unknown filter, test, function or template, which Tera reports as text.
fn text_report_diagnostic(report: &TextReport, sources: &TemplateSources) -> Diagnostic {
    let mut message = report.message.clone();
    if let Some(first) = message.get(..1) {
        message = first.to_lowercase() + &message[1..];
    }
    let help = unknown_name_help(&report.message).unwrap_or_else(|| template_help(&report.message));
    let problem = Diagnostic::error("render::syntax", message).help(help);
    match sources.find(&report.template) {
        Some((file, first_line, first_column)) => {
            // A title's text starts after `title: ` on its line.
            let shift = if report.line <= 1 { first_column } else { 0 };
            problem.at(Span::at_line_col(
                &file,
                report.line + first_line - 1,
                report.column + shift,
                report.len,
            ))
        }
        None => problem.in_file(&report.template),
    }
}

/// Where Tera stopped at a tag it did not expect ("Unknown tag") or at the end of
/// the text: the tag left open (or the stray or misspelt one), at its own line.
fn tag_diagnostic(report: &tera::ReportError, sources: &TemplateSources) -> Option<Diagnostic> {
    let stopped_at_tag = report.message() == "Unknown tag";
    if !stopped_at_tag && !report.message().starts_with("Unexpected end of input") {
        return None;
    }
    let (file, first_line, first_column) = sources.find(report.filename())?;
    let base = file.offset_of(first_line, first_column + 1);
    // A page's body runs to the end of its file; a title or description is one
    // line.
    let end = if report.filename().contains('#') {
        file.text[base..]
            .find('\n')
            .map_or(file.text.len(), |i| base + i)
    } else {
        file.text.len()
    };
    let stop = stopped_at_tag.then(|| {
        let span = report.span();
        let shift = if span.start_line <= 1 {
            first_column
        } else {
            0
        };
        file.offset_of(
            span.start_line.max(1) + first_line - 1,
            span.start_col + 1 + shift,
        ) - base
    });
    let found = tag_problem(&file.text[base..end], stop)?;
    Some(
        Diagnostic::error("render::syntax", found.message)
            .at(Span::new(&file, base + found.offset, found.len))
            .help(found.help),
    )
}

/// The message and help for an undefined value given to a filter, from the
/// text Tera's span covers (`values.closing_dat`).
fn undefined_input_problem(message: &str, written: &str) -> Option<(String, String)> {
    let names = message.split(UNDEFINED_INPUT).nth(1)?.split('`').next()?;
    let names: Vec<&str> = names.split(',').filter(|n| !n.is_empty()).collect();
    let written = written.trim();
    let help = match written.strip_prefix("values.") {
        Some(field) => did_you_mean(field, names.iter().copied()),
        None => "check the spelling: pages can use `values.<name>` (the region's values in site.yaml), `brand` and `t(key=...)`; see docs/editors.md".to_string(),
    };
    Some((format!("`{written}` is not defined"), help))
}

/// Our functions' errors carry their own help after this marker; Tera keeps the
/// message as it is, so the diagnostic can split it again.
pub const HELP_SEPARATOR: &str = "\n= help: ";

/// Help for Tera's own errors.
fn template_help(message: &str) -> String {
    if let (Some(field), Some((_, available))) = (
        message
            .strip_prefix("Field `")
            .and_then(|m| m.split('`').next()),
        message.split_once("Available fields: "),
    ) {
        return did_you_mean(field, available.split(", ").map(str::trim));
    }
    if message.contains("is not defined") || message.contains("not found in context") {
        "check the spelling: pages can use `values.<name>` (the region's values in site.yaml), `region` and `t(key=...)`; see docs/site-format.md".to_string()
    } else if message.contains("Found") || message.contains("expected") {
        "fix the syntax here: Tera writes {{ expression }} and {% tag %}".to_string()
    } else {
        "see docs/site-format.md for what templates and pages can use".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tera_text_reports_are_read_back() {
        let text = "error: Unknown filter `dat`\n --> content/en/help.md:3:11\n  |\n3 | {{ name | dat }}\n  |           ^^^\n\nerror: Unknown function `tt`\n  --> base.html:12:4\n   |\n12 | {{ tt() }}\n   |    ^^";
        assert_eq!(
            text_reports(text),
            [
                TextReport {
                    message: "Unknown filter `dat`".into(),
                    template: "content/en/help.md".into(),
                    line: 3,
                    column: 11,
                    len: 3
                },
                TextReport {
                    message: "Unknown function `tt`".into(),
                    template: "base.html".into(),
                    line: 12,
                    column: 4,
                    len: 2
                }
            ]
        );
        assert!(text_reports("Template 'x' not found").is_empty());
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        assert_eq!(
            unknown_name_help("Unknown filter `dat`").unwrap(),
            "did you mean `date`? (handover's filters are `date` and `number`; Tera's own are listed at https://keats.github.io/tera/docs/#built-in-filters)"
        );
        assert!(unknown_name_help("Unknown function `tt`")
            .unwrap()
            .starts_with("did you mean `t`?"));
    }

    fn problem(source: &str, stop_at: Option<&str>) -> TagProblem {
        let stop = stop_at.map(|needle| source.find(needle).unwrap());
        tag_problem(source, stop).expect("a problem")
    }

    #[test]
    fn the_tag_left_open_is_found() {
        let source = "{% block head %}\n{% if x %}\n<a>\n{% endblock head %}\n";
        let found = problem(source, Some("{% endblock"));
        assert_eq!(found.offset, source.find("{% if").unwrap());
        assert_eq!(found.message, "`{% if x %}` is never closed");
        assert_eq!(
            found.help,
            "add `{% endif %}` where its body ends, before `{% endblock head %}` (line 4)"
        );
        let found = problem("{% for a in b %}\n{{ a }}\n", None);
        assert_eq!(found.message, "`{% for a in b %}` is never closed");
        assert_eq!(found.help, "add `{% endfor %}` where its body ends");
    }

    #[test]
    fn a_stray_closing_tag_and_an_unknown_tag() {
        let source = "{% block main %}\n{% endif %}\n{% endblock main %}\n";
        let found = problem(source, Some("{% endif"));
        assert_eq!(
            found.message,
            "`{% endif %}` closes nothing: no `{% if %}` is open here"
        );
        let found = problem("{% iff x %}{% endif %}", Some("{% iff"));
        assert_eq!(found.message, "unknown tag `iff`");
        assert_eq!(found.help, "did you mean `if`?");
    }

    #[test]
    fn raw_blocks_and_comments_are_skipped() {
        let source =
            "{% block m %}{% raw %}{% if %}{% endraw %}{# {% for %} #}{% if a %}{% endblock %}";
        let found = problem(source, Some("{% endblock"));
        assert_eq!(found.message, "`{% if a %}` is never closed");
    }
}
