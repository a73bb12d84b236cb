//! `handover check` on `tests/fixtures/check`, a site with one instance of every
//! problem it reports (see `tests/fixtures/check/locales/README.md`), and on the
//! bundled site, which must be clean. Also the three output formats, `--strict`
//! and the exit codes.

mod common;

use common::{fixtures, run, stderr, stdout};

fn check_fixture() -> std::path::PathBuf {
    fixtures().join("fixtures/check")
}

fn json(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["--format", "json", "check"];
    all.extend_from_slice(args);
    let output = run(&check_fixture(), &all);
    let value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", stdout(&output)));
    (output.status.code(), value)
}

#[test]
fn every_problem_is_found_with_its_file_line_and_column() {
    let (code, report) = json(&[]);
    assert_eq!(code, Some(1));
    let found: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let at = match (d["line"].as_u64(), d["column"].as_u64()) {
                (Some(line), Some(column)) => format!(":{line}:{column}"),
                _ => String::new(),
            };
            format!(
                "{} {} {}{at}",
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["file"].as_str().unwrap()
            )
        })
        .collect();
    let expected = [
        "warning content::draft content/en/draft.md:4:1",
        // Saved by Notepad as a text file: not read.
        "warning content::not-read content/en/faq.md.txt",
        "warning content::long-description content/en/help.md:3:1",
        "warning content::raw-html-removed content/en/help.md:6:10",
        "error links::broken content/en/index.md:11:39",
        "error links::fragment content/en/index.md:11:71",
        "error links::broken content/en/index.md:12:38",
        "error links::unsafe-scheme content/en/index.md:13:12",
        // A folder of pages in a locale no region shows (`fr`, not `fr-FR`).
        "warning content::no-region content/fr",
        // A page whose file did not load is not also called missing.
        "error content::front-matter content/fr-FR/help.md:5:9",
        "warning content::not-in-reference content/nl-BE/alleen-hier.md:2:1",
        "warning content::fallback content/nl-BE/help.md",
        "error content::empty content/nl-BE/index.md:3:1",
        "error translations::missing-message locales/en/main.ftl:16:1",
        "warning translations::unused locales/en/main.ftl:21:1",
        "warning translations::no-region locales/fr",
        "warning translations::dropped-variable locales/fr-FR/main.ftl:4:1",
        "error translations::unknown-reference locales/fr-FR/main.ftl:7:48",
        "error translations::obsolete-attribute locales/fr-FR/main.ftl:10:5",
        "error translations::missing-value locales/fr-FR/main.ftl:11:1",
        "error translations::obsolete-value locales/fr-FR/main.ftl:13:14",
        "error translations::missing-attribute locales/fr-FR/main.ftl:15:1",
        "warning translations::missing-plural-category locales/fr-FR/main.ftl:17:6",
        "error translations::duplicate-message locales/fr-FR/main.ftl:20:1",
        "warning translations::obsolete-message locales/fr-FR/main.ftl:21:1",
        "error translations::syntax locales/fr-FR/main.ftl:22:10",
        "warning translations::not-read locales/nl-BE/extra.ftl.txt",
        "error translations::duplicate-attribute locales/nl-BE/main.ftl:10:5",
        "error translations::unknown-variable locales/nl-BE/main.ftl:17:33",
        "warning translations::impossible-plural-category locales/nl-BE/main.ftl:20:6",
        "warning translations::duplicate-variant locales/nl-BE/main.ftl:21:6",
        // A shared rule is checked on each domain: once per region.
        "error redirects::loop site.yaml:11:15",
        "error redirects::loop site.yaml:11:15",
        "error redirects::loop site.yaml:12:15",
        "error redirects::loop site.yaml:12:15",
        "error translations::undefined themes/plain/templates/uses.html:6:11",
    ];
    assert_eq!(found, expected);
    assert_eq!(report["errors"], 21);
    assert_eq!(report["warnings"], 15);
}

#[test]
fn coverage_counts_messages_and_pages_per_locale() {
    let (_, report) = json(&[]);
    let rows: Vec<String> = report["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}/{} {}/{}",
                c["locale"].as_str().unwrap(),
                c["messages_translated"],
                c["messages_total"],
                c["pages_present"],
                c["pages_total"]
            )
        })
        .collect();
    assert_eq!(rows, ["en 13/13 2/2", "fr-FR 12/13 1/2", "nl-BE 13/13 0/2"]);
}

#[test]
fn human_output_is_rustc_style_with_a_coverage_table_and_a_count() {
    let output = run(&check_fixture(), &["check"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains(
            "error[links::unsafe-scheme]: the link `javascript:alert(1)` uses `javascript:`, which runs or embeds content instead of linking\n  \
             --> content/en/index.md:13:12\n   |\n13 | [a script](javascript:alert(1)).\n   |            ^^^^^^^^^^^^^^^^^^^\n   |\n   \
             = help: link to a page (`/warranty/`) or an https:// address\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  fr-FR        12/13    92%     1/2    50%\n"),
        "{text}"
    );
    assert!(text.ends_with("check: 21 errors, 15 warnings\n"), "{text}");
}

#[test]
fn github_format_annotates_the_lines() {
    let output = run(&check_fixture(), &["--format", "github", "check"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=locales/fr-FR/main.ftl,line=7,col=48")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("::warning file=content/en/draft.md,line=4,col=1")),
        "{text}"
    );
}

#[test]
fn the_bundled_site_is_clean_and_strict_turns_warnings_into_failure() {
    let bundled = fixtures().parent().unwrap().to_path_buf();
    let clean = run(&bundled, &["check", "--strict"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert!(stderr(&clean).ends_with("check: no problems\n"));
}

#[test]
fn strict_fails_on_warnings_alone() {
    let site = tempfile::tempdir().unwrap();
    // multi has only fallback warnings.
    common::copy_tree(&fixtures().join("fixtures/multi"), site.path());
    let relaxed = run(site.path(), &["check"]);
    assert_eq!(relaxed.status.code(), Some(0), "{}", stderr(&relaxed));
    let strict = run(site.path(), &["check", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stderr(&strict).contains("(--strict: warnings count as errors)"));
}

#[test]
fn no_site_exits_2() {
    let empty = tempfile::tempdir().unwrap();
    let output = run(empty.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no site.yaml"));
}

/// The diagnostics `check` gives on the site of `tests/errors/<case>/`, as
/// "severity code file:line:col message".
fn check_error_case(case: &str) -> Vec<String> {
    let site = common::error_case_site(case);
    let output = run(site.path(), &["--format", "json", "check"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON: {}", stdout(&output)));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {} {}:{}:{} {}",
                d["severity"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["file"].as_str().unwrap_or(""),
                d["line"],
                d["column"],
                d["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn an_unclosed_brace_is_one_error_in_the_translators_file() {
    let found = check_error_case("fluent-unclosed-brace");
    let about_price: Vec<&String> = found
        .iter()
        .filter(|d| d.contains("price") || d.contains("translations::syntax"))
        .collect();
    assert_eq!(
        about_price,
        ["error translations::syntax locales/fr-FR/main.ftl:6:16 this `{` is never closed"],
        "{found:#?}"
    );
}

/// A page and a file of messages put in `nl/` where the region shows `nl-BE`,
/// and a page saved as `faq.md.txt`: `build` and `check` say so alike, at the
/// folders (naming `nl-BE`) and at the file, and nothing of them is published.
#[test]
fn files_the_build_does_not_read_are_said_by_build_and_check_alike() {
    let site = tempfile::tempdir().unwrap();
    common::copy_tree(&fixtures().join("fixtures/multi"), site.path());
    let nl = site.path().join("content/nl");
    std::fs::create_dir_all(&nl).unwrap();
    std::fs::copy(
        site.path().join("content/nl-BE/index.md"),
        nl.join("help.md"),
    )
    .unwrap();
    std::fs::create_dir_all(site.path().join("locales/nl")).unwrap();
    std::fs::copy(
        site.path().join("locales/nl-BE/main.ftl"),
        site.path().join("locales/nl/main.ftl"),
    )
    .unwrap();
    std::fs::copy(
        site.path().join("content/en/help.md"),
        site.path().join("content/en/faq.md.txt"),
    )
    .unwrap();
    let said = |args: &[&str]| {
        let output = run(site.path(), args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let mut found: Vec<String> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"].as_str().unwrap().contains("::no"))
            .map(|d| {
                let help = d["help"].as_str().unwrap();
                let named = if d["code"] == "content::not-read" {
                    "faq.md"
                } else {
                    "nl-BE"
                };
                assert!(help.contains(named), "{help}");
                format!("{} {}", d["code"], d["file"])
            })
            .collect();
        found.sort();
        found
    };
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let built = said(&[
        "--format",
        "json",
        "build",
        "--output",
        public.to_str().unwrap(),
    ]);
    let checked = said(&["--format", "json", "check"]);
    let expected = [
        r#""content::no-region" "content/nl""#,
        r#""content::not-read" "content/en/faq.md.txt""#,
        r#""translations::no-region" "locales/nl""#,
    ];
    assert_eq!(built, expected);
    assert_eq!(checked, expected);
    let golden = common::read_tree(&fixtures().join("fixtures/multi/expected"));
    assert!(
        common::read_tree(&public) == golden,
        "only the golden output is published"
    );
}
