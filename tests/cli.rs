//! The binary as CI and people run it: exit codes, help, JSON, determinism, atomicity.

mod common;

use common::{copy_tree, fixtures, read_tree, run, stderr, stdout};

fn multi() -> std::path::PathBuf {
    fixtures().join("fixtures/multi")
}

#[test]
fn help_lists_the_commands_and_exits_0() {
    let output = common::handover().arg("--help").output().unwrap();
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("build"), "{text}");
    let output = common::handover()
        .args(["build", "--help"])
        .output()
        .unwrap();
    assert!(stdout(&output).contains("--jobs"));
}

#[test]
fn unknown_arguments_exit_2() {
    let output = common::handover()
        .args(["build", "--nope"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_folder_without_site_yaml_exits_2_and_says_what_to_do() {
    let empty = tempfile::tempdir().unwrap();
    let output = run(empty.path(), &["build"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no site.yaml"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("--root"));
}

#[test]
fn json_format_reports_success_and_counts() {
    let out = tempfile::tempdir().unwrap();
    let output = run(
        &multi(),
        &[
            "--format",
            "json",
            "build",
            "-o",
            out.path().to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["errors"], 0);
    assert_eq!(json["domains"][0], "www.acme.example");
    assert!(json["warnings"].as_u64().unwrap() > 0);
    assert_eq!(json["diagnostics"][0]["severity"], "warning");
}

#[test]
fn json_format_gives_file_line_and_column_of_errors() {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&multi(), site.path());
    std::fs::write(
        site.path().join("content/en/help.md"),
        "---\ntitle: Help\ndescripton: x\n---\n",
    )
    .unwrap();
    let output = run(site.path(), &["--format", "json", "build"]);
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let first = &json["diagnostics"][0];
    assert_eq!(first["file"], "content/en/help.md");
    assert_eq!(first["line"], 3);
    assert_eq!(first["column"], 1);
    assert_eq!(first["snippet"], "descripton: x");
    assert_eq!(first["help"], "did you mean `description`?");
}

#[test]
fn github_format_prints_annotations() {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&multi(), site.path());
    std::fs::write(
        site.path().join("content/en/help.md"),
        "---\ntitle: Help\n---\n",
    )
    .unwrap();
    let output = run(site.path(), &["--format", "github", "build"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("::error file=content/en/help.md,line=2,col=1,"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn one_thread_and_many_give_the_same_bytes() {
    let one = tempfile::tempdir().unwrap();
    let many = tempfile::tempdir().unwrap();
    for (dir, jobs) in [(&one, "1"), (&many, "8")] {
        let output = run(
            &multi(),
            &["build", "-j", jobs, "-o", dir.path().to_str().unwrap()],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let a = read_tree(one.path());
    assert!(a.len() > 10);
    assert_eq!(a, read_tree(many.path()));
}

#[test]
fn a_successful_build_replaces_the_previous_output_entirely() {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&multi(), site.path());
    let public = site.path().join("public");
    assert!(run(site.path(), &["build"]).status.success());
    std::fs::create_dir_all(public.join("gone.example")).unwrap();
    std::fs::write(public.join("gone.example/index.html"), "old").unwrap();
    let output = run(site.path(), &["build"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!public.join("gone.example").exists());
    assert!(public.join("www.acme.example/index.html").is_file());
    let siblings: Vec<String> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        siblings.is_empty(),
        "staging or lock left behind: {siblings:?}"
    );
}

#[test]
fn new_creates_a_site_that_builds_with_no_edits() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("acme");
    let output = common::handover()
        .args(["new", site.to_str().unwrap(), "--brand", "Acme"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(&site, &["build"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("0 errors, 0 warnings"),
        "{}",
        stderr(&output)
    );
    let home = std::fs::read_to_string(site.join("public/www.example.com/en/index.html")).unwrap();
    assert!(home.contains("Acme has moved"));
    assert!(
        home.contains("January 31, 2025"),
        "en writes US-style long dates"
    );
    let french =
        std::fs::read_to_string(site.join("public/www.example.com/fr/index.html")).unwrap();
    assert!(french.contains("31 janvier 2025"));
    assert!(
        site.join("public/www.example.com/index.html").is_file(),
        "language choice"
    );

    // The pages name the brand through `{{ brand }}`: one line of site.yaml
    // renames it everywhere, titles included.
    let config = std::fs::read_to_string(site.join("site.yaml")).unwrap();
    std::fs::write(
        site.join("site.yaml"),
        config.replace("brand: Acme", "brand: Globex"),
    )
    .unwrap();
    let output = run(&site, &["build"]);
    assert!(output.status.success(), "{}", stderr(&output));
    for page in ["en/index.html", "fr/index.html"] {
        let html = std::fs::read_to_string(site.join("public/www.example.com").join(page)).unwrap();
        assert!(html.contains("<h1>Globex "), "{page}: {html}");
        assert!(html.contains("<title>Globex "), "{page}: {html}");
        assert!(!html.contains("Acme"), "{page} still names the old brand");
    }
}

#[test]
fn the_bundled_site_has_short_menu_labels_and_a_language_switcher_on_its_404() {
    let out = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = run(root, &["build", "--output", out.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));

    let home = std::fs::read_to_string(out.path().join("de.po.co/index.html")).unwrap();
    assert!(home.contains("<h1>POCO ist jetzt Teil des Xiaomi Stores</h1>"));
    assert!(
        home.contains(r#"<li><a href="/" aria-current="page">Überblick</a></li>"#),
        "the menu shows nav_title, not the title:\n{home}"
    );

    let not_found = std::fs::read_to_string(out.path().join("de.po.co/404.html")).unwrap();
    assert!(not_found.contains(r#"<nav class="languages" aria-label="Sprache und Land">"#));
    for home in [
        r#"<a href="https://uk.po.co/" hreflang="en-GB" lang="en-GB">"#,
        r#"<a href="https://fr.po.co/" hreflang="fr-FR" lang="fr-FR">"#,
        r#"<a href="https://www.po.co/" hreflang="en" lang="en">"#,
        r#"<a href="https://de.po.co/" hreflang="de-DE" lang="de-DE" aria-current="true">Deutsch</a>"#,
    ] {
        assert!(not_found.contains(home), "{home} missing:\n{not_found}");
    }
    // The page list keeps the full titles.
    assert!(not_found.contains(">Garantie und Kundendienst</a>"));

    // content/SOURCES.md is a note for editors, not a page.
    let files = common::read_tree(out.path());
    assert!(
        !files.keys().any(|f| f.to_lowercase().contains("sources")),
        "{:?}",
        files.keys().collect::<Vec<_>>()
    );
}

#[test]
fn a_new_site_passes_check_strict() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("acme");
    let output = common::handover()
        .args(["new", site.to_str().unwrap(), "--brand", "Acme"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(&site, &["check", "--strict"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("check: no problems"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn new_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let output = common::handover()
        .args(["new", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not empty"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn redirects_explain_names_the_rule_file_and_line_and_the_final_location() {
    let site = fixtures().join("fixtures/cloudflare");
    let output = run(
        &site,
        &["redirects", "explain", "https://be.acme.example/product/x7"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "https://be.acme.example/product/x7 (region be, Cloudflare)\n  \
         1. /product/x7 matches `/product/:model https://store.example/be/product/:model/ 301` (shared rule, site.yaml:14:15)\n     \
         -> 301 https://store.example/be/product/x7/\n\
         final: 301, Location: https://store.example/be/product/x7/\n"
    );
    let json = run(
        &site,
        &[
            "--format",
            "json",
            "redirects",
            "explain",
            "/nowhere",
            "--region",
            "global",
        ],
    );
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["status"], 404);
    assert_eq!(value["end"]["page"], "/404.html");
    let unknown = run(&site, &["redirects", "explain", "https://other.example/"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no region serves `other.example`"));
}

#[test]
fn redirects_list_json_dumps_the_resolved_table_in_written_order() {
    let output = run(
        &multi(),
        &[
            "--format",
            "json",
            "redirects",
            "list",
            "--region",
            "global",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let rules = value["regions"][0]["rules"].as_array().unwrap();
    let lines: Vec<String> = rules
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["from"].as_str().unwrap(),
                r["to"].as_str().unwrap(),
                r["status"],
                r["source"]["file"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "/old-home/ / 301 content/en/index.md",
            "/* /404.html 404 site.yaml"
        ]
    );
}
