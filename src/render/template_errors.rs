//! Tera's errors told the way a template's author fixes them.
//!
//! Tera reports an unknown filter, test, function or included template as text it
//! has already laid out (a box with its own line numbers, counted in a page's body
//! rather than its file), so those reports are read back into their parts here and
//! shown like every other diagnostic. Tera's parser also notices a tag left open
//! only where it stops making sense: an `{% if %}` without `{% endif %}` is
//! reported as "Unknown tag" at the `{% endblock %}` that follows. Walking the tags
//! finds the one that was left open, which is where the author has to look.

use crate::diagnostics::did_you_mean;

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
