//! The invariants handover's fuzz targets check on arbitrary input.
//!
//! Each function takes the fuzzer's bytes and panics when an invariant breaks
//! (a panic inside handover is a failure too). `fuzz/fuzz_targets/` calls them
//! under libFuzzer (`cargo fuzz run <target>`, see the README); the test
//! `tests/fuzz_regressions.rs` replays the committed seed corpus and every input
//! that ever failed, so CI runs them without running a fuzzer.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use crate::config::{self, Locale, SiteConfig};
use crate::diagnostics::{render_human, Diagnostic, SourceFile};
use crate::i18n::Translations;
use crate::paths::SitePath;
use crate::redirects::files::FileSet;
use crate::redirects::pattern::{Pattern, RequestPath};
use crate::redirects::rules::{region_rules, CsvFiles};
use crate::redirects::write::{ordered, parse_redirects_file, redirects_file, written};
use crate::redirects::{checks, RuleTable, Target};

/// An invariant check on one input.
pub type Check = fn(&[u8]);

/// The fuzz targets, by name: what `cargo fuzz run <name>` runs.
pub const TARGETS: [(&str, Check); 6] = [
    ("front_matter", front_matter),
    ("fluent", fluent),
    ("redirect_csv", redirect_csv),
    ("paths", paths),
    ("serve_path", serve_path),
    ("redirects_writer", redirects_writer),
];

/// Every diagnostic points inside its file and renders without a panic.
fn assert_diagnostics_in_range(problems: &[Diagnostic]) {
    for problem in problems {
        if let Some(position) = problem.position() {
            assert!(position.line >= 1 && position.column >= 1, "{position:?}");
        }
        let _ = render_human(problem);
    }
}

/// A page file: the front-matter splitter and parser. A page that loads has a
/// URL that stays inside its domain folder.
pub fn front_matter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("content/en/page.md", text);
    let locale: Locale = "en".parse().expect("a valid tag");
    match crate::content::parse_page(file, "page".to_string(), locale) {
        Ok(page) => {
            assert_stays_under(&page.slug.under(Path::new("/out")), Path::new("/out"));
            assert!(page.body_offset() <= text.len());
        }
        Err(problems) => assert_diagnostics_in_range(&problems),
    }
}

fn assert_stays_under(path: &Path, root: &Path) {
    assert!(
        path.starts_with(root),
        "{} left {}",
        path.display(),
        root.display()
    );
    let inside = path.strip_prefix(root).expect("checked above");
    assert!(
        inside
            .components()
            .all(|c| matches!(c, Component::Normal(_))),
        "{} has a component that is not a name",
        path.display()
    );
}

/// A site folder the fuzz targets that need one share: `site.yaml` naming one
/// CSV map, a theme folder, an `en` locale folder.
struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    netlify: SiteConfig,
    cloudflare: SiteConfig,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path().to_path_buf();
        for folder in ["themes/plain/templates", "locales/en", "redirects"] {
            std::fs::create_dir_all(root.join(folder)).expect("create");
        }
        let site = |target: &str| {
            format!(
                "brand: Fuzz\nreference_locale: en\ntheme: plain\ntarget: {target}\n\
                 redirects:\n  csv: [redirects/map.csv]\n\
                 regions:\n  - id: uk\n    domain: uk.example.com\n    locales: [en]\n    \
                 new_home: https://store.example/uk/\n    values:\n      store: https://store.example/uk/\n\
                 \x20 - id: fr\n    domain: fr.example.com\n    locales: [en]\n    \
                 new_home: https://store.example/fr/\n    values:\n      store: https://store.example/fr/\n"
            )
        };
        let load = |target: &str| {
            std::fs::write(root.join(config::CONFIG_FILE), site(target)).expect("write");
            config::load(&root).expect("the fixture's site.yaml loads")
        };
        let netlify = load("netlify");
        let cloudflare = load("cloudflare");
        Fixture {
            _dir: dir,
            root,
            netlify,
            cloudflare,
        }
    })
}

/// A `.ftl` file: loading it (syntax errors, duplicates) and formatting every
/// message it defines with the variables templates pass. Nothing panics,
/// positions are inside the file, and no bidi isolation mark reaches the text.
pub fn fluent(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let fixture = fixture();
    let file = fixture.root.join("locales/en/main.ftl");
    std::fs::write(&file, text).expect("write the .ftl file");
    let (translations, problems) = Translations::load_lenient(&fixture.netlify);
    assert_diagnostics_in_range(&problems);
    let locale: Locale = "en".parse().expect("a valid tag");
    let Some(bundle) = translations.bundle(&locale) else {
        return;
    };
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("count", 3);
    args.set("amount", 12.5);
    args.set("date", "2025-01-09");
    args.set("brand", "Fuzz");
    for id in bundle.messages.keys() {
        if let Ok(shown) = translations.format(&locale, id, None, Some(&args)) {
            assert!(
                !shown.contains(['\u{2068}', '\u{2069}']),
                "isolation marks in {shown:?}"
            );
        }
    }
}

/// A CSV redirect map: the CSV reader and the rule parser. Problems point into
/// the file; every rule read has a source that re-parses to itself.
pub fn redirect_csv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for config in [&fixture().netlify, &fixture().cloudflare] {
        let (tables, problems) = tables_for(config, text);
        assert_diagnostics_in_range(&problems);
        for table in &tables {
            for rule in &table.rules {
                let source = rule.from.to_string();
                let again = Pattern::parse(&source)
                    .unwrap_or_else(|why| panic!("`{source}` does not re-parse: {why}"));
                assert_eq!(again, rule.from, "`{source}` re-parses differently");
            }
        }
    }
}

/// Reads `csv` as the fixture's map and builds every region's table with its
/// problems, as the pipeline does.
fn tables_for(config: &SiteConfig, csv: &str) -> (Vec<RuleTable>, Vec<Diagnostic>) {
    let mut files: CsvFiles = BTreeMap::new();
    files.insert(
        "redirects/map.csv".to_string(),
        SourceFile::new("redirects/map.csv", csv),
    );
    let pages: FileSet = ["/index.html", "/warranty/index.html", "/404.html"]
        .iter()
        .map(|p| RequestPath::parse(p).expect("valid"))
        .collect();
    let mut tables = Vec::new();
    let mut problems = Vec::new();
    for (index, region) in config.regions.iter().enumerate() {
        let (rules, found) = region_rules(config, region, &[], &files, &pages);
        problems.extend(found);
        let table = RuleTable::new(
            index,
            region.domain.clone(),
            config.target,
            rules,
            pages.clone(),
        );
        problems.extend(checks::check_table(&table, false));
        tables.push(table);
    }
    (tables, problems)
}

/// Request and site paths: the normaliser. A path that parses never leaves its
/// root, and normalising is idempotent.
pub fn paths(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for path in [SitePath::parse(text), SitePath::from_url_path(text)]
        .into_iter()
        .flatten()
    {
        assert_stays_under(&path.under(Path::new("/out")), Path::new("/out"));
        assert_eq!(SitePath::parse(&path.to_string()), Ok(path));
    }
    if let Ok(request) = RequestPath::parse(text) {
        let shown = request.to_string();
        assert!(shown.starts_with('/'), "{shown}");
        assert!(
            !request.segments.iter().any(|s| s == ".." || s == "."),
            "{shown} keeps a dot segment"
        );
        assert_eq!(
            RequestPath::parse(&shown).as_ref(),
            Ok(&request),
            "normalising `{shown}` again changes it"
        );
    }
}

/// The path of a request to `serve`, as it picks the in-memory file: never
/// outside the domain's folder.
pub fn serve_path(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(file) = crate::serve::file_for_request(text) {
        assert!(!file.contains('\0') && !file.contains('\\'), "{file:?}");
        assert_stays_under(&Path::new("/out").join(&file), Path::new("/out"));
    }
}

/// A map of `from to status` lines, written as `_redirects` for both CDNs. Each
/// written line has exactly the three tokens of its rule for any parser that
/// splits on whitespace (JavaScript's `\s` included), and reads back as the
/// rule it was written from.
pub fn redirects_writer(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Fields as a spreadsheet exports them: one rule a line, split on the first
    // two spaces, written as CSV so any character reaches the reader.
    let mut csv = String::from("from,to,status\n");
    for line in text.lines() {
        let mut fields = line.splitn(3, ' ');
        let (Some(from), Some(to), Some(status)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let quote = |field: &str| format!("\"{}\"", field.replace('"', "\"\""));
        csv.push_str(&format!(
            "{},{},{}\n",
            quote(from),
            quote(to),
            quote(status)
        ));
    }
    for config in [&fixture().netlify, &fixture().cloudflare] {
        let (tables, _) = tables_for(config, &csv);
        for table in &tables {
            assert_written_as_read(table);
        }
    }
}

fn assert_written_as_read(table: &RuleTable) {
    let file = redirects_file(table, false);
    for line in file.lines().filter(|l| !l.starts_with('#')) {
        let tokens = line
            .split(|c: char| c.is_whitespace() || c == '\u{feff}')
            .filter(|t| !t.is_empty())
            .count();
        assert_eq!(tokens, 3, "`{line}` is not three tokens");
        assert!(line.is_ascii(), "`{line}` is not ASCII");
    }
    let read = parse_redirects_file(&file).unwrap_or_else(|why| panic!("{why}\n{file}"));
    let (statics, dynamics) = ordered(table, false);
    let expected: Vec<usize> = statics.into_iter().chain(dynamics).collect();
    assert_eq!(read.len(), expected.len(), "{file}");
    for (rule, index) in read.iter().zip(expected) {
        let wrote = written(table, index);
        let original = &table.rules[index];
        assert_eq!(rule.from, original.from, "{file}");
        assert_eq!(rule.to, wrote.to, "{file}");
        assert_eq!(rule.status, wrote.status, "{file}");
        let force = original.force && table.target == Target::Netlify;
        assert_eq!(rule.force, force, "{file}");
    }
}
