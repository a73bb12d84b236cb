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
    let scratch = tempfile::tempdir().unwrap();
    // Not the temporary folder itself: the record of the build goes beside it.
    let out = scratch.path().join("public");
    let output = run(
        &multi(),
        &["--format", "json", "build", "-o", out.to_str().unwrap()],
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
    let scratch = tempfile::tempdir().unwrap();
    let (one, many) = (scratch.path().join("one"), scratch.path().join("many"));
    for (dir, jobs) in [(&one, "1"), (&many, "8")] {
        let output = run(
            &multi(),
            &["build", "-j", jobs, "-o", dir.to_str().unwrap()],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let a = read_tree(&one);
    assert!(a.len() > 10);
    assert_eq!(a, read_tree(&many));
}

#[test]
fn a_successful_build_replaces_the_previous_output_entirely() {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&multi(), site.path());
    let public = site.path().join("public");
    assert!(run(site.path(), &["build"]).status.success());
    assert!(public.join("be.acme.example/index.html").is_file());
    // The Belgian region moves to another domain: its old folder goes.
    let config = site.path().join("site.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("be.acme.example", "belgium.acme.example"),
    )
    .unwrap();
    let output = run(site.path(), &["build"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!public.join("be.acme.example").exists());
    assert!(public.join("belgium.acme.example/index.html").is_file());
    assert!(public.join("www.acme.example/index.html").is_file());
    let siblings: Vec<String> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        // The record of the last build stays: the next build reads it.
        .filter(|n| n.starts_with('.') && n != ".public.cache")
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
    let scratch = tempfile::tempdir().unwrap();
    // Not the temporary folder itself: the record of the build goes beside it.
    let out = scratch.path().join("public");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = run(root, &["build", "--output", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));

    let home = std::fs::read_to_string(out.join("de.po.co/index.html")).unwrap();
    assert!(home.contains("<h1>POCO ist jetzt Teil des Xiaomi Stores</h1>"));
    assert!(
        home.contains("<ul>\n<li><strong>Ihre Garantie bleibt, wie sie ist.</strong>"),
        "the page's list keeps its <ul>:\n{home}"
    );
    assert!(
        home.contains(r#"<li><a href="/" aria-current="page">Überblick</a></li>"#),
        "the menu shows nav_title, not the title:\n{home}"
    );

    let not_found = std::fs::read_to_string(out.join("de.po.co/404.html")).unwrap();
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
    let files = common::read_tree(&out);
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

/// The bundled site (the repository's own `site.yaml`).
fn bundled() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `redirects explain --format json` for several URLs at once: (status, location).
fn predictions(root: &std::path::Path, urls: &[&str]) -> Vec<(u64, Option<String>)> {
    let mut args = vec!["--format", "json", "redirects", "explain"];
    args.extend(urls);
    let output = run(root, &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["status"].as_u64().unwrap(),
                v["location"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn the_global_sites_old_urls_under_global_redirect_like_the_other_regions() {
    let got = predictions(
        &bundled(),
        &[
            "https://www.po.co/global/product/poco-x4-pro-5g/",
            "https://www.po.co/global/product/poco-m5",
            "https://www.po.co/global/product/poco-f6/buy/",
            "https://www.po.co/global/store",
            "https://www.po.co/global/cart",
            "https://www.po.co/global/account/",
            "https://www.po.co/global/product/poco-f6/specs/",
        ],
    );
    let range = Some("https://www.mi.com/global/poco/".to_string());
    let store = Some("https://www.mi.com/global/".to_string());
    assert_eq!(
        got,
        [
            (301, range.clone()),
            (301, range),
            (
                301,
                Some("https://www.mi.com/global/product/poco-f6/buy/".to_string())
            ),
            (301, store.clone()),
            (301, store),
            (301, Some("https://account.xiaomi.com/".to_string())),
            (
                301,
                Some("https://www.mi.com/global/product/poco-f6/specs/".to_string())
            ),
        ]
    );
}

#[test]
fn explain_forwards_the_query_and_models_cloudflares_own_slash_redirects() {
    let site = fixtures().join("fixtures/cloudflare");
    let got = predictions(
        &site,
        &[
            "https://www.acme.example/product/x7?utm_source=mail",
            "https://www.acme.example/product/x7/",
            "https://www.acme.example/help?ref=1",
            "https://www.acme.example/help/index.html",
            "https://www.acme.example/%70roduct/x7",
        ],
    );
    assert_eq!(
        got,
        [
            (
                301,
                Some("https://store.example/global/product/x7/?utm_source=mail".to_string())
            ),
            (
                301,
                Some("https://store.example/global/product/x7/".to_string())
            ),
            (308, Some("/help/?ref=1".to_string())),
            (308, Some("/help/".to_string())),
            // Cloudflare matches the path as sent: `%70` is not `p` there.
            (404, None),
        ]
    );
    // Netlify decodes the path first, and serves /help itself.
    let got = predictions(
        &multi(),
        &[
            "https://www.acme.example/help",
            "https://www.acme.example/%6Fld-home/?a=b",
        ],
    );
    assert_eq!(got, [(200, None), (301, Some("/?a=b".to_string()))]);
}

#[test]
fn list_json_gives_what_the_file_holds_after_chains_are_collapsed() {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&multi(), site.path());
    let config = std::fs::read_to_string(site.path().join("site.yaml")).unwrap();
    let config = config.replacen(
        "regions:",
        "redirects:\n  rules:\n    - { from: /a, to: /b, status: 301 }\n    - { from: /b, to: \"https://store.example/b/\", status: 302 }\nregions:",
        1,
    );
    std::fs::write(site.path().join("site.yaml"), config).unwrap();
    let output = run(
        site.path(),
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
    let a = value["regions"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == "/a")
        .unwrap()
        .clone();
    assert_eq!(a["to"], "/b");
    assert_eq!(a["status"], 301);
    assert_eq!(a["written_to"], "https://store.example/b/");
    assert_eq!(a["written_status"], 302);
    let written = std::fs::read_to_string(site.path().join("public/www.acme.example/_redirects"));
    assert!(written.is_err(), "list writes nothing");
}

#[test]
fn export_without_region_writes_one_file_per_domain() {
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("vercel");
    let output = run(
        &multi(),
        &[
            "redirects",
            "export",
            "--to",
            "vercel",
            "--output",
            folder.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let files: Vec<String> = read_tree(&folder).keys().cloned().collect();
    assert_eq!(
        files,
        [
            ".handover-export",
            "be.acme.example/vercel.json",
            "www.acme.example/vercel.json"
        ]
    );
    let json: serde_json::Value =
        serde_json::from_slice(&read_tree(&folder)["www.acme.example/vercel.json"]).unwrap();
    assert!(json["redirects"].as_array().is_some_and(|r| !r.is_empty()));
    // Again into the same folder: fine. Into a folder of someone else's: refused.
    let again = run(
        &multi(),
        &[
            "redirects",
            "export",
            "--to",
            "vercel",
            "--output",
            folder.to_str().unwrap(),
        ],
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let theirs = out.path().join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("vercel.json"), "mine").unwrap();
    let refused = run(
        &multi(),
        &[
            "redirects",
            "export",
            "--to",
            "vercel",
            "--output",
            theirs.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("not empty"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        std::fs::read_to_string(theirs.join("vercel.json")).unwrap(),
        "mine"
    );
    // One region still prints to standard output.
    let one = run(
        &multi(),
        &["redirects", "export", "--to", "vercel", "--region", "be"],
    );
    assert!(stdout(&one).contains("\"redirects\""));
}

/// The multi fixture with `notice_until` for every region.
fn site_with_notice_until(date: &str) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&multi(), site.path());
    let config = std::fs::read_to_string(site.path().join("site.yaml")).unwrap();
    let config = config.replacen(
        "regions:",
        &format!("redirects:\n  notice_until: \"{date}\"\nregions:"),
        1,
    );
    std::fs::write(site.path().join("site.yaml"), config).unwrap();
    site
}

#[test]
fn after_notice_until_every_notice_page_redirects_to_new_home() {
    let site = site_with_notice_until("2025-06-30");
    let redirects = |as_of: &str| {
        let out = tempfile::tempdir().unwrap();
        let output = out.path().join("public");
        let built = run(
            site.path(),
            &[
                "build",
                "--as-of",
                as_of,
                "--output",
                output.to_str().unwrap(),
            ],
        );
        assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
        std::fs::read_to_string(output.join("www.acme.example/_redirects")).unwrap()
    };
    let before = redirects("2025-06-29");
    assert!(
        !before.contains("https://store.example/global/ 301!"),
        "{before}"
    );
    let after = redirects("2025-06-30");
    let lines: Vec<&str> = after.lines().filter(|l| !l.starts_with('#')).collect();
    // Every page, home included, forced (Netlify would serve the page first), and
    // the old alias written straight to the new home.
    assert_eq!(
        lines,
        [
            "/help/ https://store.example/global/ 301!",
            "/ https://store.example/global/ 301!",
            "/old-home/ https://store.example/global/ 301",
            "/* /404.html 404",
        ]
    );
    let bad = run(site.path(), &["build", "--as-of", "30/06/2025"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn check_says_which_phase_each_region_is_in() {
    let past = site_with_notice_until("2025-06-30");
    let output = run(past.path(), &["check"]);
    let text = stderr(&output);
    assert!(
        text.contains("phase        global     redirects (since 2025-06-30: every notice page 301s to new_home)"),
        "{text}"
    );
    let future = site_with_notice_until("2999-01-01");
    let json = run(future.path(), &["--format", "json", "check"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["phases"][0]["phase"]["phase"], "notice");
    assert_eq!(value["phases"][0]["phase"]["until"], "2999-01-01");
    let invalid = site_with_notice_until("2025-13-01");
    let output = run(invalid.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains(
            "error[redirects::notice-until]: `2025-13-01` is not a date: there is no month 13 (in YYYY-MM-DD the month comes second)"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn serve_lists_the_regions_before_the_first_checks_report() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    // A check of this small site takes a few milliseconds: started beside the
    // listing, its report came before it more often than not.
    for _ in 0..3 {
        let mut child = common::handover()
            .args(["--root"])
            .arg(multi())
            .args(["serve", "--port", "0"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        for line in lines {
            let line = line.unwrap_or_default();
            let done = line.starts_with("checked in ");
            seen.push(line);
            if done || Instant::now() > deadline {
                break;
            }
        }
        child.kill().ok();
        child.wait().ok();
        let at = |start: &str| seen.iter().position(|l| l.trim_start().starts_with(start));
        let listed = at("http://localhost:").expect("the list of regions");
        let checked = at("checked in ").expect("the check's report");
        assert!(listed < checked, "{seen:#?}");
        assert_eq!(at("built in memory in "), Some(0), "{seen:#?}");
    }
}
