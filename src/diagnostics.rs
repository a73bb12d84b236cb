//! Problems found in a site, told the way a person fixes them.
//!
//! Every stage reports through [`Diagnostic`]: what is wrong, where (file, 1-based line
//! and column counted in the whole file, front matter included), the offending text,
//! and a help line saying what to do. Stages collect diagnostics instead of stopping at
//! the first, so one run shows everything. The same list is printed for people (rustc
//! style, through miette), as JSON for tools, as GitHub annotations for CI, and as an
//! HTML overlay in `serve`.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::Serialize;

/// How bad a problem is. Errors fail the build; warnings are shown and let it pass
/// (unless a command runs with `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A file's text, shared between all the diagnostics that point into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user knows it: relative to the site root, with `/` separators.
    pub name: Arc<str>,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The byte offset of a 1-based line and 1-based column (in characters).
    /// Positions past the end clamp to the end of the text.
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let mut offset = 0;
        for (index, text_line) in self.text.split_inclusive('\n').enumerate() {
            if index + 1 == line {
                let in_line: usize = text_line
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum();
                return offset + in_line;
            }
            offset += text_line.len();
        }
        self.text.len()
    }
}

/// A place in a file: a byte range into its text.
#[derive(Debug, Clone)]
pub struct Span {
    pub file: SourceFile,
    pub offset: usize,
    pub len: usize,
}

/// The human view of a [`Span`]: what `file:line:col` and the snippet show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub line_text: String,
}

impl Span {
    pub fn new(file: &SourceFile, offset: usize, len: usize) -> Self {
        let offset = floor_char_boundary(&file.text, offset.min(file.text.len()));
        let end = floor_char_boundary(&file.text, (offset + len).min(file.text.len()));
        Span {
            file: file.clone(),
            offset,
            len: end - offset,
        }
    }

    /// A span at a 1-based line and column.
    pub fn at_line_col(file: &SourceFile, line: usize, column: usize, len: usize) -> Self {
        Span::new(file, file.offset_of(line, column), len)
    }

    /// A span covering `needle` where it sits inside `file`'s text (a slice borrowed
    /// from it). Falls back to the file's start when the slice is not from that text.
    pub fn of_slice(file: &SourceFile, needle: &str) -> Self {
        let base = file.text.as_ptr() as usize;
        let at = needle.as_ptr() as usize;
        if at >= base && at + needle.len() <= base + file.text.len() {
            Span::new(file, at - base, needle.len())
        } else {
            Span::new(file, 0, 0)
        }
    }

    /// The span with only the text its [`Span::position`] and snippet read:
    /// its line, after as many empty lines as come before it, so that line
    /// and column stay as they were. A diagnostic keeps its span until the
    /// report is written: with the whole file, one broken link in a shared
    /// template of a 100,000-page site kept every page's text (1.6 GB).
    pub fn excerpt(self) -> Span {
        let text = &self.file.text;
        let line_start = text[..self.offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[self.offset..]
            .find('\n')
            .map_or(text.len(), |i| self.offset + i);
        let lines_before = text[..line_start].matches('\n').count();
        if lines_before + (line_end - line_start) >= text.len() {
            return self;
        }
        let mut kept = "\n".repeat(lines_before);
        kept.push_str(&text[line_start..line_end]);
        let offset = lines_before + (self.offset - line_start);
        Span {
            file: SourceFile::new(self.file.name.clone(), kept),
            offset,
            len: self.len.min(line_end - self.offset),
        }
    }

    pub fn position(&self) -> Position {
        let before = &self.file.text[..self.offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        let line_end = self.file.text[line_start..]
            .find('\n')
            .map_or(self.file.text.len(), |i| line_start + i);
        Position {
            file: self.file.name.to_string(),
            line,
            column,
            line_text: self.file.text[line_start..line_end]
                .trim_end_matches('\r')
                .to_string(),
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// One problem, with where it is and what to do about it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable identifier, such as `content::unknown-key`, for tools and docs.
    pub code: &'static str,
    pub message: String,
    /// Boxed: diagnostics travel in `Result`s, which should stay small.
    pub span: Option<Box<Span>>,
    /// A file without a precise position (a missing file, a folder).
    pub file: Option<String>,
    pub help: Option<String>,
    /// Other places the problem involves (the other page claiming the same URL);
    /// a boxed slice, so a diagnostic stays small.
    pub related: Box<[Related]>,
}

/// Another place a problem involves, with a few words on its part in it.
#[derive(Debug, Clone)]
pub struct Related {
    /// The place, or `None` for a whole file.
    pub span: Option<Box<Span>>,
    pub file: String,
    pub label: String,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            file: None,
            help: None,
            related: Box::default(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, span: Span) -> Self {
        self.file = Some(span.file.name.to_string());
        self.span = Some(Box::new(span.excerpt()));
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Another place the problem involves.
    pub fn also_at(self, span: Span, label: impl Into<String>) -> Self {
        self.with_related(Related {
            file: span.file.name.to_string(),
            span: Some(Box::new(span.excerpt())),
            label: label.into(),
        })
    }

    /// Another file the problem involves, as a whole.
    pub fn also_in(self, file: impl Into<String>, label: impl Into<String>) -> Self {
        self.with_related(Related {
            span: None,
            file: file.into(),
            label: label.into(),
        })
    }

    fn with_related(mut self, related: Related) -> Self {
        let mut all = std::mem::take(&mut self.related).into_vec();
        all.push(related);
        self.related = all.into_boxed_slice();
        self
    }

    /// Adds a help line unless one is already there.
    pub fn help_if_missing(self, help: &str) -> Self {
        if self.help.is_some() {
            self
        } else {
            self.help(help)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// About the output folder (`output::...`), not the site's files.
    pub fn is_about_the_output(&self) -> bool {
        self.code.starts_with("output::")
    }

    pub fn position(&self) -> Option<Position> {
        self.span.as_ref().map(|span| span.position())
    }

    /// Where the problem is, as `file:line:col` (or just the file).
    pub fn location_label(&self) -> Option<String> {
        match (self.position(), &self.file) {
            (Some(p), _) => Some(format!("{}:{}:{}", p.file, p.line, p.column)),
            (None, Some(file)) => Some(file.clone()),
            (None, None) => None,
        }
    }

    /// Sort key giving a stable order: by file, then position, then text.
    fn sort_key(&self) -> (Option<String>, usize, usize, String) {
        let position = self.position();
        (
            self.file.clone(),
            position.as_ref().map_or(0, |p| p.line),
            position.as_ref().map_or(0, |p| p.column),
            self.message.clone(),
        )
    }
}

/// Did-you-mean: the closest candidate to `wrong`, when it is close enough to be a typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(wrong, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, candidate)| candidate)
}

/// A "did you mean" help line, or the list of what is allowed.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match closest(wrong, candidates.clone()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => {
            let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
            format!("expected one of {}", all.join(", "))
        }
    }
}

/// A collection of diagnostics, sorted for stable output.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn new(mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by_key(Diagnostic::sort_key);
        diagnostics.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.code == b.code);
        Report { diagnostics }
    }

    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    /// What a build shows: everything when it succeeded; when it failed, the
    /// errors, so the reason is not buried under warnings (`check` lists them
    /// all), and the warnings about the output folder, which `check` does not
    /// see (files kept beside it).
    pub fn shown_for_build(&self) -> Report {
        if self.has_errors() {
            Report {
                diagnostics: self
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error() || d.is_about_the_output())
                    .cloned()
                    .collect(),
            }
        } else {
            self.clone()
        }
    }

    /// A closing line such as `2 errors, 1 warning`.
    pub fn summary(&self) -> String {
        format!(
            "{}, {}",
            plural(self.errors(), "error"),
            plural(self.warnings(), "warning")
        )
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The output formats every command offers with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For people: file:line:col, the line, a caret, what to do.
    #[default]
    Human,
    /// One JSON document on standard output.
    Json,
    /// GitHub Actions annotations (`::error file=...,line=...::`).
    Github,
}

/// Renders for people, rustc style, through annotate-snippets (the renderer rustc
/// itself uses):
///
/// ```text
/// error[content::front-matter]: unknown key `titel`
///  --> content/en/index.md:2:1
///   |
/// 2 | titel: Hello
///   | ^^^^^
///   |
///   = help: did you mean `title`?
/// ```
pub fn render_human(diagnostic: &Diagnostic) -> String {
    render_with(diagnostic, &annotate_snippets::Renderer::plain())
}

/// The same, with colours for a terminal.
pub fn render_human_styled(diagnostic: &Diagnostic) -> String {
    render_with(diagnostic, &annotate_snippets::Renderer::styled())
}

fn render_with(diagnostic: &Diagnostic, renderer: &annotate_snippets::Renderer) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level};

    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(&diagnostic.message).id(diagnostic.code);
    let mut group = Group::with_title(title);
    match (&diagnostic.span, &diagnostic.file) {
        (Some(span), _) => {
            group = group.element(snippet(span, AnnotationKind::Primary, None));
        }
        (None, Some(file)) => {
            group = group.element(annotate_snippets::Origin::path(file.as_str()));
        }
        (None, None) => {}
    }
    let notes: Vec<String> = diagnostic
        .related
        .iter()
        .filter(|r| r.span.is_none())
        .map(|r| format!("{}: {}", r.file, r.label))
        .collect();
    for related in &diagnostic.related {
        if let Some(span) = &related.span {
            group = group.element(snippet(span, AnnotationKind::Context, Some(&related.label)));
        }
    }
    for note in &notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(help) = &diagnostic.help {
        group = group.element(Level::HELP.message(help));
    }
    let mut out = renderer.render(&[group]);
    out.push('\n');
    out
}

/// The line holding `span`, annotated. Only that line is handed over: the snippet
/// shows it, and the file's own numbering is kept through `line_start`.
fn snippet<'a>(
    span: &'a Span,
    kind: annotate_snippets::AnnotationKind,
    label: Option<&'a str>,
) -> annotate_snippets::Snippet<'a, annotate_snippets::Annotation<'a>> {
    let p = span.position();
    let text = &span.file.text;
    let line_begin = text[..span.offset].rfind('\n').map_or(0, |i| i + 1);
    let line_text = shown_line(&text[line_begin..line_begin + p.line_text.len()]);
    let start = (span.offset - line_begin).min(line_text.len());
    let end = (start + span.len).clamp(start, line_text.len());
    annotate_snippets::Snippet::source(line_text)
        .line_start(p.line)
        .path(&*span.file.name)
        .annotation(kind.span(start..end).label(label))
}

/// A line as the snippet shows it: control characters and the characters some
/// renderers take for line breaks (a lone `\r`, U+2028) become spaces of the
/// same byte length, so the annotation's byte range still fits the line.
fn shown_line(line: &str) -> std::borrow::Cow<'_, str> {
    let odd = |c: char| (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}');
    if !line.chars().any(odd) {
        return std::borrow::Cow::Borrowed(line);
    }
    let shown: String = line
        .chars()
        .flat_map(|c| {
            let (repeat, shown) = if odd(c) { (c.len_utf8(), ' ') } else { (1, c) };
            std::iter::repeat_n(shown, repeat)
        })
        .collect();
    std::borrow::Cow::Owned(shown)
}

/// Every diagnostic for people, then the count.
pub fn render_report_human(report: &Report) -> String {
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        out.push_str(&render_human(diagnostic));
        out.push('\n');
    }
    out
}

/// The JSON shape of one diagnostic (stable: tools depend on it).
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub message: &'a str,
    pub file: Option<&'a str>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub snippet: Option<String>,
    pub help: Option<&'a str>,
    /// Other places the problem involves.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<JsonRelated<'a>>,
}

/// The JSON shape of a [`Related`] place.
#[derive(Debug, Serialize)]
pub struct JsonRelated<'a> {
    pub file: &'a str,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub snippet: Option<String>,
    pub label: &'a str,
}

impl<'a> From<&'a Diagnostic> for JsonDiagnostic<'a> {
    fn from(d: &'a Diagnostic) -> Self {
        let position = d.position();
        JsonDiagnostic {
            severity: d.severity,
            code: d.code,
            message: &d.message,
            file: d.file.as_deref(),
            line: position.as_ref().map(|p| p.line),
            column: position.as_ref().map(|p| p.column),
            snippet: position.map(|p| p.line_text),
            help: d.help.as_deref(),
            related: d
                .related
                .iter()
                .map(|r| {
                    let position = r.span.as_ref().map(|s| s.position());
                    JsonRelated {
                        file: &r.file,
                        line: position.as_ref().map(|p| p.line),
                        column: position.as_ref().map(|p| p.column),
                        snippet: position.map(|p| p.line_text),
                        label: &r.label,
                    }
                })
                .collect(),
        }
    }
}

pub fn json_diagnostics(report: &Report) -> Vec<JsonDiagnostic<'_>> {
    report
        .diagnostics
        .iter()
        .map(JsonDiagnostic::from)
        .collect()
}

/// GitHub Actions workflow commands, one per line, so errors land on the PR's lines.
pub fn render_github(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let mut properties = Vec::new();
        if let Some(file) = &d.file {
            properties.push(format!("file={}", escape_github_property(file)));
        }
        if let Some(p) = d.position() {
            properties.push(format!("line={}", p.line));
            properties.push(format!("col={}", p.column));
        }
        properties.push(format!("title={}", escape_github_property(d.code)));
        let mut message = d.message.clone();
        for related in &d.related {
            let at = match related.span.as_ref().map(|s| s.position()) {
                Some(p) => format!("{}:{}:{}", p.file, p.line, p.column),
                None => related.file.clone(),
            };
            message.push_str(&format!("\n{at}: {}", related.label));
        }
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let _ = writeln!(
            out,
            "::{} {}::{}",
            d.severity,
            properties.join(","),
            escape_github_data(&message)
        );
    }
    out
}

fn escape_github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_github_property(text: &str) -> String {
    escape_github_data(text)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// Shorthand for stages that either produce a value or a list of problems.
pub type Outcome<T> = Result<T, Vec<Diagnostic>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_lone_carriage_returns_and_control_characters_renders() {
        // Found by the `front_matter` fuzz target: the renderer read the lone
        // `\r` as a line break and the caret fell past the end of the line.
        let file = SourceFile::new("content/en/x.md", "---\nsl\r\r\r\0itm: x\n---\n");
        let text = render_human(&Diagnostic::error("x::y", "bad").at(Span::new(&file, 10, 3)));
        assert!(text.contains("content/en/x.md:2:7"), "{text}");
        assert!(text.contains("sl    itm: x"), "{text}");
    }

    fn file(text: &str) -> SourceFile {
        SourceFile::new("content/en/index.md", text)
    }

    #[test]
    fn a_diagnostic_keeps_only_the_line_it_shows_and_shows_it_as_before() {
        let body: String = (1..=200)
            .map(|n| format!("Paragraph {n}, été.\r\n"))
            .collect();
        let text = format!("---\ntitle: x\n---\n{body}[a](/nowhere/) après\r\nlast");
        let f = file(&text);
        let spans = [
            Span::new(&f, text.find("[a]").unwrap() + 4, 9),
            Span::new(&f, text.find("Paragraph 150").unwrap(), 13),
            Span::new(&f, 0, 3),
            Span::new(&f, text.len(), 0),
            Span::new(&f, text.find("last").unwrap(), 4),
            // Across lines: shown on its first.
            Span::new(&f, text.find("Paragraph 7,").unwrap(), 40),
        ];
        for span in spans {
            let whole = Diagnostic::error("links::broken", "broken")
                .help("fix it")
                .also_at(span.clone(), "here too");
            let whole = Diagnostic {
                span: Some(Box::new(span.clone())),
                file: Some(span.file.name.to_string()),
                ..whole
            };
            let kept = Diagnostic::error("links::broken", "broken")
                .at(span.clone())
                .help("fix it")
                .also_at(span.clone(), "here too");
            assert_eq!(kept.position(), whole.position());
            assert_eq!(render_human(&kept), render_human(&whole));
            let held = &kept.span.as_ref().unwrap().file.text;
            let p = span.position();
            assert!(
                held.len() <= p.line + p.line_text.len() + 1,
                "{} bytes",
                held.len()
            );
        }
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let f = file("---\ntitle: Été\nbad: x\n---\n");
        let offset = f.text.find("bad").unwrap();
        let p = Span::new(&f, offset, 3).position();
        assert_eq!((p.line, p.column), (3, 1));
        assert_eq!(p.line_text, "bad: x");
        let offset = f.text.find('t').unwrap() + "title: Ét".len();
        let p = Span::new(&f, offset, 1).position();
        assert_eq!((p.line, p.column), (2, 10));
    }

    #[test]
    fn offset_of_round_trips_with_position() {
        let f = file("a\nbé c\nd");
        let span = Span::at_line_col(&f, 2, 4, 1);
        assert_eq!(&f.text[span.offset..span.offset + 1], "c");
        let p = span.position();
        assert_eq!((p.line, p.column), (2, 4));
    }

    #[test]
    fn human_rendering_points_at_the_text() {
        let f = file("---\ntitel: Hello\n---\n");
        let d = Diagnostic::error("content::unknown-key", "unknown key `titel`")
            .at(Span::new(&f, 4, 5))
            .help("did you mean `title`?");
        assert_eq!(
            render_human(&d),
            "error[content::unknown-key]: unknown key `titel`\n\
             \x20--> content/en/index.md:2:1\n\
             \x20 |\n\
             2 | titel: Hello\n\
             \x20 | ^^^^^\n\
             \x20 |\n\
             \x20 = help: did you mean `title`?\n"
        );
    }

    #[test]
    fn related_places_are_shown_after_the_main_one() {
        let a = file("---\nslug: contact\n---\n");
        let b = SourceFile::new("content/en/contact.md", "---\ntitle: C\n---\n");
        let d = Diagnostic::error("content::collision", "same URL")
            .at(Span::new(&a, 4, 13))
            .also_at(Span::new(&b, 4, 8), "the other page")
            .also_in("content/en/x.md", "gets it from its file name")
            .help("change one");
        assert_eq!(
            render_human(&d),
            "error[content::collision]: same URL\n\
             \x20--> content/en/index.md:2:1\n\
             \x20 |\n\
             2 | slug: contact\n\
             \x20 | ^^^^^^^^^^^^^\n\
             \x20 |\n\
             \x20::: content/en/contact.md:2:1\n\
             \x20 |\n\
             2 | title: C\n\
             \x20 | -------- the other page\n\
             \x20 |\n\
             \x20 = note: content/en/x.md: gets it from its file name\n\
             \x20 = help: change one\n"
        );
    }

    #[test]
    fn did_you_mean_suggests_close_names_only() {
        assert_eq!(
            did_you_mean("titel", ["title", "slug"]),
            "did you mean `title`?"
        );
        assert_eq!(
            did_you_mean("zzz", ["title", "slug"]),
            "expected one of `title`, `slug`"
        );
    }

    #[test]
    fn github_annotations_escape_newlines_and_commas() {
        let f = file("x\n");
        let report = Report::new(vec![Diagnostic::error("a::b", "bad, very\nbad")
            .at(Span::new(&f, 0, 1))
            .help("fix it")]);
        assert_eq!(
            render_github(&report),
            "::error file=content/en/index.md,line=1,col=1,title=a%3A%3Ab::bad, very%0Abad%0Ahelp: fix it\n"
        );
    }

    #[test]
    fn report_sorts_and_counts() {
        let report = Report::new(vec![
            Diagnostic::warning("w", "later").in_file("b"),
            Diagnostic::error("e", "first").in_file("a"),
        ]);
        assert_eq!(report.diagnostics[0].message, "first");
        assert_eq!(report.summary(), "1 error, 1 warning");
    }
}
