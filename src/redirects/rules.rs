//! Reading rules from their sources into one table per region: `site.yaml` rules
//! (the region's, then the shared ones with the region's values), CSV maps, page
//! aliases and the unmatched policy. Every rule keeps the file and line it came from.

use std::collections::BTreeMap;

use crate::config::{check_https_url, Region, SiteConfig};
use crate::diagnostics::{did_you_mean, Diagnostic, SourceFile, Span};
use crate::fs;
use crate::plan::locale_root;
use crate::yaml::span_of;

use super::files::FileSet;
use super::pattern::{
    describe_char, is_invisible, is_name, normalise_segment, placeholders, Pattern, Segment,
};
use super::{Destination, RawRule, RedirectsConfig, Rule, RuleKind, Target, Unmatched};

/// Statuses handover writes; the target narrows them further (see `checks`).
const KNOWN_STATUSES: [u16; 8] = [200, 301, 302, 303, 307, 308, 404, 410];

/// The CSV maps named in `site.yaml`, read once, by the name written there.
pub type CsvFiles = BTreeMap<String, SourceFile>;

/// Reads every CSV map the config names (shared and per region).
pub fn read_csv_files(config: &SiteConfig) -> (CsvFiles, Vec<Diagnostic>) {
    let mut files = CsvFiles::new();
    let mut problems = Vec::new();
    for name in config.csv_maps() {
        if files.contains_key(&name.value) {
            continue;
        }
        let span = span_of(&config.file, name);
        if let Err(why) = crate::paths::SitePath::parse(&name.value) {
            problems.push(
                Diagnostic::error(
                    "redirects::csv",
                    format!("the CSV path `{}` {why}", name.value),
                )
                .at(span)
                .help("name a file inside the site, e.g. `redirects/uk.csv`"),
            );
            continue;
        }
        let path = config.root.join(&name.value);
        // A link out of the site is an error at the link, not where it is named.
        if let Err(problem) = fs::check_inside(&config.root, &path, &name.value) {
            problems.push(problem);
            continue;
        }
        match fs::read_to_string(&path, &name.value) {
            Ok(text) => {
                files.insert(
                    name.value.clone(),
                    SourceFile::new(name.value.as_str(), text),
                );
            }
            Err(problem) => problems.push(problem.at(span)),
        }
    }
    (files, problems)
}

/// A page alias: an old path of one page on this domain.
pub struct AliasRule<'a> {
    pub path: &'a str,
    pub span: &'a Span,
    /// The page's URL path (`/warranty/`).
    pub page: String,
}

/// Builds one region's rules in the order a request meets them.
pub fn region_rules(
    config: &SiteConfig,
    region: &Region,
    aliases: &[AliasRule],
    csv_files: &CsvFiles,
    files: &FileSet,
) -> (Vec<Rule>, Vec<Diagnostic>) {
    let mut reader = Reader {
        config,
        region,
        rules: Vec::new(),
        problems: Vec::new(),
        prefix: Vec::new(),
    };
    reader.read_prefix();
    reader.notice_phase(files);
    for alias in aliases {
        reader.alias(alias);
    }
    reader.config_rules(&region.redirects, RuleKind::Region, csv_files);
    reader.config_rules(&config.redirects, RuleKind::Shared, csv_files);
    reader.unmatched_policy();
    (reader.rules, reader.problems)
}

struct Reader<'a> {
    config: &'a SiteConfig,
    region: &'a Region,
    rules: Vec<Rule>,
    problems: Vec<Diagnostic>,
    /// The segments of the region's `old_prefix`.
    prefix: Vec<Segment>,
}

/// A rule's fields as text, wherever it was written.
struct Fields<'t> {
    from: &'t str,
    to: &'t str,
    status: u16,
    force: bool,
}

impl Reader<'_> {
    /// After `notice_until`: every notice page (each folder's `index.html`, the
    /// home included) 301s to the region's `new_home`, before any other rule, and
    /// forced on Netlify (it would serve the page first).
    fn notice_phase(&mut self, files: &FileSet) {
        let phase = match super::phase::phase(self.config, self.region) {
            Ok(phase) => phase,
            Err(problem) => {
                // Reported once, on the first region.
                if self.config.regions.first().map(|r| &r.id) == Some(&self.region.id)
                    || self.region.redirects.notice_until.is_some()
                {
                    self.problems.push(problem);
                }
                return;
            }
        };
        let super::phase::Phase::Redirects { .. } = phase else {
            return;
        };
        let until = self
            .region
            .redirects
            .notice_until
            .as_ref()
            .or(self.config.redirects.notice_until.as_ref())
            .expect("a redirects phase has a date");
        let span = span_of(&self.config.file, until);
        for file in files.iter() {
            let Some((last, folder)) = file.segments.split_last() else {
                continue;
            };
            if last != "index.html" {
                continue;
            }
            let from = Pattern {
                segments: folder.iter().cloned().map(Segment::Literal).collect(),
                splat: false,
                trailing_slash: !folder.is_empty(),
            };
            self.rules.push(Rule {
                from,
                to: Destination::External(self.region.new_home.clone()),
                status: 301,
                force: self.config.target == Target::Netlify,
                kind: RuleKind::NoticeEnded,
                span: span.clone(),
            });
        }
    }

    fn config_rules(&mut self, redirects: &RedirectsConfig, kind: RuleKind, csv_files: &CsvFiles) {
        // CSV maps first: their rows are exact paths, which a pattern written in
        // site.yaml would otherwise catch before them.
        let csv_kind = if kind == RuleKind::Shared {
            RuleKind::SharedCsv
        } else {
            RuleKind::RegionCsv
        };
        for name in &redirects.csv {
            if let Some(file) = csv_files.get(&name.value) {
                self.csv_rules(file, csv_kind);
            }
        }
        for rule in &redirects.rules {
            self.yaml_rule(rule, kind);
        }
    }

    fn yaml_rule(&mut self, spanned: &serde_saphyr::Spanned<RawRule>, kind: RuleKind) {
        let raw = &spanned.value;
        let file = &self.config.file;
        let fields = Fields {
            from: &raw.from.value,
            to: &raw.to.value,
            status: raw.status.value,
            force: raw.force,
        };
        let spans = [
            span_of(file, &raw.from),
            span_of(file, &raw.to),
            span_of(file, &raw.status),
        ];
        self.add(fields, kind, spans);
    }

    fn csv_rules(&mut self, file: &SourceFile, kind: RuleKind) {
        // Spreadsheets save "CSV UTF-8" with a byte-order mark: it was dropped
        // when the file was read (`fs::read_to_string`), not taken for the first
        // cell's.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            // Fields are trimmed where they are read (`csv_row`): the reader's
            // own trimming copies every record twice.
            .comment(Some(b'#'))
            .from_reader(file.text.as_bytes());
        // One record read into again and again: `records()` would copy each row.
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => self.csv_row(file, &record, kind),
                Ok(false) => break,
                Err(error) => {
                    let offset = error.position().map_or(0, |p| p.byte() as usize);
                    self.problems.push(
                        Diagnostic::error(
                            "redirects::csv",
                            format!("this CSV row cannot be read: {error}"),
                        )
                        .at(line_span(file, offset))
                        .help("rows are `from,to,status`; quote a field that holds a comma"),
                    );
                }
            }
        }
    }

    fn csv_row(&mut self, file: &SourceFile, record: &csv::StringRecord, kind: RuleKind) {
        let offset = record.position().map_or(0, |p| p.byte() as usize);
        let line = line_span(file, offset);
        let field_span = |text: &str| {
            let line_text = &file.text[line.offset..line.offset + line.len];
            match find(line_text, text).filter(|_| !text.is_empty()) {
                Some(at) => Span::new(file, line.offset + at, text.len()),
                None => line.clone(),
            }
        };
        // What `csv::Trim::All` gave: its ASCII trim, then `str::trim`, which
        // takes in every character the first does.
        let field = |index: usize| record.get(index).map(str::trim);
        let is_header = field(0) == Some("from") && field(1) == Some("to");
        if is_header || record.iter().all(|f| f.trim().is_empty()) {
            return;
        }
        if record.len() != 3 {
            self.problems.push(
                Diagnostic::error(
                    "redirects::csv",
                    format!("this row has {} fields, not 3", record.len()),
                )
                .at(line)
                .help("write `from,to,status`, e.g. `/old-page,{store}new-page,301`"),
            );
            return;
        }
        let [from, to, status_field] = [0, 1, 2].map(|i| field(i).expect("3 fields"));
        let (status_text, force) = match status_field.strip_suffix('!') {
            Some(status) => (status, true),
            None => (status_field, false),
        };
        let Ok(status) = status_text.parse::<u16>() else {
            self.problems.push(
                Diagnostic::error(
                    "redirects::status",
                    format!("`{status_field}` is not a status code"),
                )
                .at(field_span(status_field))
                .help("write 301 for a permanent move, 302 for a temporary one"),
            );
            return;
        };
        let fields = Fields {
            from,
            to,
            status,
            force,
        };
        let spans = [field_span(from), field_span(to), field_span(status_field)];
        self.add(fields, kind, spans);
    }

    fn alias(&mut self, alias: &AliasRule) {
        let fields = Fields {
            from: alias.path,
            to: &alias.page,
            status: 301,
            force: false,
        };
        let spans = [alias.span.clone(), alias.span.clone(), alias.span.clone()];
        self.add(fields, RuleKind::Alias, spans);
    }

    fn unmatched_policy(&mut self) {
        let configured = self.region.redirects.unmatched.as_ref().or(self
            .config
            .redirects
            .unmatched
            .as_ref());
        let policy = configured.map(|s| s.value).unwrap_or_default();
        let span = configured.map_or_else(
            || self.region.span.clone(),
            |s| span_of(&self.config.file, s),
        );
        match (policy, self.config.target) {
            // Cloudflare serves the nearest 404.html with status 404 by itself, and
            // cannot write a 404 rule.
            (Unmatched::Notice, Target::Cloudflare) => {}
            (Unmatched::Notice, Target::Netlify) => {
                let mut roots: Vec<String> = Vec::new();
                if self.region.is_multilingual() {
                    roots.extend(
                        self.region
                            .locales
                            .iter()
                            .map(|l| locale_root(self.region, l).dir_url()),
                    );
                }
                roots.push("/".to_string());
                for root in roots {
                    self.push_unmatched(format!("{root}*"), Destination::Internal(format!("{root}404.html")), 404, &span);
                }
            }
            (Unmatched::NewHome, Target::Cloudflare) => self.problems.push(
                Diagnostic::error(
                    "redirects::unsupported",
                    "`unmatched: new_home` cannot be written for Cloudflare",
                )
                .at(span)
                .help("Cloudflare applies rules even where a page exists, so `/*` would hide the notice; use `unmatched: notice` (Cloudflare then serves 404.html with status 404)"),
            ),
            (Unmatched::NewHome, Target::Netlify) => {
                let home = self.region.new_home.clone();
                self.push_unmatched("/*".to_string(), Destination::External(home), 301, &span);
            }
        }
    }

    fn push_unmatched(&mut self, from: String, to: Destination, status: u16, span: &Span) {
        let from = Pattern::parse(&from).expect("locale roots are valid paths");
        self.rules.push(Rule {
            from,
            to,
            status,
            force: false,
            kind: RuleKind::Unmatched,
            span: span.clone(),
        });
    }

    /// Checks one rule's fields and adds it; problems point at the field concerned.
    fn add(
        &mut self,
        fields: Fields,
        kind: RuleKind,
        [from_span, to_span, status_span]: [Span; 3],
    ) {
        let before = self.problems.len();
        let from = self.source(fields.from, &from_span, kind);
        let to = self.destination(fields.to, &to_span);
        if !KNOWN_STATUSES.contains(&fields.status) {
            self.problems.push(
                Diagnostic::error(
                    "redirects::status",
                    format!("{} is not a status a redirect rule can have", fields.status),
                )
                .at(status_span.clone())
                .help("use 301 (moved for good), 302 (for now), 200 (rewrite), or 404/410 (gone)"),
            );
        }
        let (Some(from), Some(to)) = (from, to) else {
            return;
        };
        for name in placeholders(to.as_str()) {
            let bound = if name == "splat" {
                from.splat
            } else {
                from.params().any(|p| p == name)
            };
            if !bound {
                let help = if name == "splat" {
                    "`:splat` needs a `*` at the end of `from`".to_string()
                } else {
                    format!("add `:{name}` to `from`, or remove it from `to`")
                };
                self.problems.push(
                    Diagnostic::error(
                        "redirects::placeholder",
                        format!("`to` uses `:{name}`, which `from` does not capture"),
                    )
                    .at(to_span.clone())
                    .help(help),
                );
            }
        }
        if self.problems.len() > before {
            return;
        }
        let prefixed = (!self.prefix.is_empty() && kind.is_shared()).then(|| {
            let mut under = from.clone();
            under.segments.splice(0..0, self.prefix.iter().cloned());
            under.trailing_slash |= from.segments.is_empty() && !from.splat;
            under
        });
        let rule = Rule {
            from,
            to,
            status: fields.status,
            force: fields.force,
            kind,
            span: from_span,
        };
        if let Some(from) = prefixed {
            let under = Rule {
                from,
                ..rule.clone()
            };
            self.rules.push(rule);
            self.rules.push(under);
        } else {
            self.rules.push(rule);
        }
    }

    /// Reads the region's `old_prefix` (a top-level one is an error: each region
    /// lived under its own).
    fn read_prefix(&mut self) {
        if let Some(top) = &self.config.redirects.old_prefix {
            if self.config.regions.first().map(|r| &r.id) == Some(&self.region.id) {
                self.problems.push(
                    Diagnostic::error("redirects::prefix", "`old_prefix` belongs to a region")
                        .at(span_of(&self.config.file, top))
                        .help("move it under the `redirects:` of the region whose old site lived under that path"),
                );
            }
        }
        let Some(prefix) = &self.region.redirects.old_prefix else {
            return;
        };
        let span = span_of(&self.config.file, prefix);
        let parsed = Pattern::parse(&prefix.value)
            .ok()
            .filter(|p| p.is_static() && !p.segments.is_empty() && prefix.value.ends_with('/'));
        match parsed {
            Some(pattern) => self.prefix = pattern.segments,
            None => self.problems.push(
                Diagnostic::error(
                    "redirects::prefix",
                    format!("`{}` is not a path prefix", prefix.value),
                )
                .at(span)
                .help("write the folder the old site lived under, starting and ending with `/`, e.g. `/global/`"),
            ),
        }
    }

    fn source(&mut self, text: &str, span: &Span, kind: RuleKind) -> Option<Pattern> {
        let path = self.strip_own_origin(text, span)?;
        match Pattern::parse(path) {
            Ok(pattern) if kind == RuleKind::Alias && !pattern.is_static() => {
                self.problems.push(
                    Diagnostic::error("redirects::alias", format!("the alias `{text}` is a pattern"))
                        .at(span.clone())
                        .help("an alias is one old path of this page; write patterns as rules in site.yaml"),
                );
                None
            }
            Ok(pattern) => Some(pattern),
            Err(why) => {
                self.problems.push(
                    Diagnostic::error("redirects::source", format!("the source `{text}` {why}"))
                        .at(span.clone())
                        .help("write the old path as it appears after the domain, e.g. `/product/poco-f6`"),
                );
                None
            }
        }
    }

    /// `https://<this domain>/x` is `/x` (Netlify accepts absolute sources, Cloudflare
    /// does not); another domain's URL belongs in that region's rules.
    fn strip_own_origin<'t>(&mut self, text: &'t str, span: &Span) -> Option<&'t str> {
        let Some(rest) = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
        else {
            return Some(text);
        };
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let path = if path.is_empty() { "/" } else { path };
        if host != self.region.domain {
            self.problems.push(
                Diagnostic::error(
                    "redirects::source",
                    format!(
                        "the source `{text}` is on another domain than {}",
                        self.region.domain
                    ),
                )
                .at(span.clone())
                .help("put the rule in the region that serves that domain"),
            );
            return None;
        }
        if self.config.target == Target::Cloudflare {
            self.problems.push(
                Diagnostic::error(
                    "redirects::unsupported",
                    format!("Cloudflare does not accept the absolute source `{text}`"),
                )
                .at(span.clone())
                .help(format!("write the path only: `{path}`")),
            );
            return None;
        }
        Some(path)
    }

    fn destination(&mut self, text: &str, span: &Span) -> Option<Destination> {
        let expanded = match expand_values(text, self.region) {
            Ok(expanded) => expanded,
            Err((message, help)) => {
                self.problems.push(
                    Diagnostic::error("redirects::value", message)
                        .at(span.clone())
                        .help(help),
                );
                return None;
            }
        };
        if let Some(name) = host_placeholder(&expanded) {
            self.problems.push(
                Diagnostic::error(
                    "redirects::open-redirect",
                    format!("the destination `{expanded}` takes its host from `:{name}`: {OPEN_REDIRECT}"),
                )
                .at(span.clone())
                .help("write the host out (`https://www.example.com/:name/`): only the path may come from the old URL"),
            );
            return None;
        }
        match parse_destination(&expanded) {
            Ok(destination) => Some(destination),
            Err(why) => {
                self.problems.push(
                    Diagnostic::error("redirects::destination", format!("the destination `{expanded}` {why}"))
                        .at(span.clone())
                        .help("write an absolute https:// URL, a site path such as `/warranty/`, or a value such as `{store}product/`"),
                );
                None
            }
        }
    }
}

/// Why a placeholder in a destination's host is refused.
pub const OPEN_REDIRECT: &str =
    "an old URL would choose the site visitors are sent to (an open redirect)";

/// The host of `https://host/...` (without port or credentials).
pub fn url_host(url: &str) -> &str {
    let rest = url.strip_prefix("https://").unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// A `:placeholder` (or `:splat`) in the authority of `https://...`.
pub fn host_placeholder(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    placeholders(authority).into_iter().next()
}

/// Percent-encodes every non-ASCII character (as UTF-8), leaving ASCII alone.
fn encode_non_ascii(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut bytes = [0; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Where `needle` first occurs in `haystack`, as `str::find` says; a CSV field is
/// a few bytes, and setting up `str::find`'s searcher for each of three fields a
/// row cost more than scanning the line.
fn find(haystack: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let last_start = hay.len().checked_sub(needle.len())?;
    // A match of UTF-8 in UTF-8 starts on a character boundary.
    (0..=last_start).find(|&at| hay[at] == first && hay[at + 1..].starts_with(rest))
}

/// The whole line holding `offset`, for CSV rows.
fn line_span(file: &SourceFile, offset: usize) -> Span {
    let offset = offset.min(file.text.len());
    let len = file.text[offset..]
        .find('\n')
        .unwrap_or(file.text.len() - offset);
    Span::new(file, offset, len)
}

/// Replaces `{name}` with the region's value (`{new_home}` included). A value that
/// ends with `/` followed by `/` in the rule gives one slash, not two.
pub fn expand_values(text: &str, region: &Region) -> Result<String, (String, String)> {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err((
                "a `{` is not closed".to_string(),
                "write a value as `{store}`".to_string(),
            ));
        };
        let name = &after[..close];
        let value = if name == "new_home" {
            Some(&region.new_home)
        } else {
            region.values.get(name)
        };
        let Some(value) = value else {
            let names = region.values.keys().map(String::as_str).chain(["new_home"]);
            return Err((
                format!("the region `{}` has no value `{name}`", region.id),
                did_you_mean(name, names),
            ));
        };
        out.push_str(value);
        rest = &after[close + 1..];
        if value.ends_with('/') {
            rest = rest.strip_prefix('/').unwrap_or(rest);
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// An absolute https URL or a site path; site paths are normalised like sources.
/// Whatever is accepted is written as a `_redirects` token: no invisible character
/// gets through, and non-ASCII is percent-encoded.
pub fn parse_destination(text: &str) -> Result<Destination, String> {
    if let Some(c) = text.chars().find(|&c| is_invisible(c)) {
        return Err(format!(
            "contains {}: write spaces as %20 and leave out invisible characters",
            describe_char(c)
        ));
    }
    if text.starts_with("http://") {
        return Err("uses http://: the new home is served over https://".to_string());
    }
    if text.starts_with("https://") {
        check_https_url(text)?;
        if let Some(name) = host_placeholder(text) {
            return Err(format!("puts `:{name}` in the host: {OPEN_REDIRECT}"));
        }
        let host = url_host(text);
        if !host.is_ascii() {
            return Err(format!(
                "has the host `{host}`: write an international domain name in its ASCII (`xn--`) form"
            ));
        }
        return Ok(Destination::External(encode_non_ascii(text)));
    }
    if !text.starts_with('/') || text.starts_with("//") {
        return Err("is neither an absolute https:// URL nor a path starting with `/`".to_string());
    }
    if text.contains(['?', '#']) {
        return Err("has a query or #fragment: a site path cannot carry one here".to_string());
    }
    let trailing = text.len() > 1 && text.ends_with('/');
    let inner = text.trim_start_matches('/').trim_end_matches('/');
    let mut path = String::from("/");
    if !inner.is_empty() {
        let segments = inner
            .split('/')
            .map(|segment| {
                if segment.is_empty() {
                    Err("has an empty segment (`//`)".to_string())
                } else if segment.strip_prefix(':').is_some_and(is_name) {
                    Ok(segment.to_string())
                } else {
                    normalise_segment(segment)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        path.push_str(&segments.join("/"));
        if trailing {
            path.push('/');
        }
    }
    Ok(Destination::Internal(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_is_str_find() {
        let line = "/a,/a/b,301, é,é";
        for needle in [
            "/a",
            "/a/b",
            "301",
            "é",
            "",
            "x",
            "1, é,é!",
            "/a,/a/b,301, é,é",
        ] {
            assert_eq!(find(line, needle), line.find(needle), "{needle:?}");
        }
    }

    #[test]
    fn destinations() {
        assert_eq!(
            parse_destination("/gar%C3%A9ntie/").unwrap(),
            Destination::Internal("/gar%C3%A9ntie/".to_string())
        );
        assert_eq!(
            parse_destination("/garéntie/:splat").unwrap(),
            Destination::Internal("/gar%C3%A9ntie/:splat".to_string())
        );
        assert!(parse_destination("http://x.example/")
            .unwrap_err()
            .contains("https"));
        assert!(parse_destination("x.example/").is_err());
        assert!(parse_destination("//x.example/").is_err());
        assert!(parse_destination("/a/../b").unwrap_err().contains(".."));
        assert!(parse_destination("https://a b").is_err());
    }
}
