//! Raw HTML in Markdown: sanitized by default, kept with `raw_html: allow`,
//! shown as text with `raw_html: escape`; `check` says where the sanitizer acts.

mod common;

use std::path::Path;

use common::{copy_tree, fixtures, run, stderr};

const PAGE: &str = "---\ntitle: Help\ndescription: Where to get help now.\n---\n\
Call us<br>today. <abbr title=\"United Kingdom\">UK</abbr> only<sup>1</sup>.\n\n\
<script>alert(document.cookie)</script>\n\n\
<img src=\"https://www.mi.com/x.png\" alt=\"x\" onerror=\"alert(2)\">\n\n\
<iframe src=\"https://evil.example/\"></iframe>\n\n\
<details><summary>More</summary>Text</details>\n\n\
- one\n- two\n";

fn site_with(policy: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("fixtures/multi"), dir.path());
    std::fs::write(dir.path().join("content/en/help.md"), PAGE).unwrap();
    if let Some(policy) = policy {
        let config = dir.path().join("site.yaml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, format!("raw_html: {policy}\n{text}")).unwrap();
    }
    dir
}

fn built_help(site: &Path) -> String {
    let output = run(site, &["build"]);
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::read_to_string(site.join("public/www.acme.example/help/index.html")).unwrap()
}

#[test]
fn by_default_scripts_handlers_and_frames_are_removed_and_harmless_tags_kept() {
    let site = site_with(None);
    let html = built_help(site.path());
    for gone in [
        "<script",
        "document.cookie",
        "onerror",
        "<iframe",
        "evil.example",
    ] {
        assert!(!html.contains(gone), "{gone} published:\n{html}");
    }
    for kept in [
        "Call us<br>today.",
        "<abbr title=\"United Kingdom\">UK</abbr>",
        "<sup>1</sup>",
        "<details><summary>More</summary>Text</details>",
        // Markdown's own lists.
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
    ] {
        assert!(html.contains(kept), "{kept} missing:\n{html}");
    }
}

#[test]
fn check_warns_at_each_removal() {
    let site = site_with(None);
    let output = run(site.path(), &["check"]);
    let text = stderr(&output);
    for (what, at) in [
        ("the tag <script>", "content/en/help.md:7:1"),
        ("the attribute `onerror` of <img>", "content/en/help.md:9:1"),
        ("the tag <iframe>", "content/en/help.md:11:1"),
    ] {
        assert!(
            text.contains(&format!(
                "warning[content::raw-html-removed]: {what} is removed from the published page\n"
            )),
            "{what} at {at}:\n{text}"
        );
        assert!(text.contains(&format!("--> {at}\n")), "{at}:\n{text}");
    }
    assert!(!text.contains("<abbr> is removed"), "{text}");
}

#[test]
fn allow_keeps_raw_html_and_escape_shows_it_as_text() {
    let site = site_with(Some("allow"));
    let html = built_help(site.path());
    assert!(
        html.contains("<script>alert(document.cookie)</script>"),
        "{html}"
    );
    let output = run(site.path(), &["check"]);
    assert!(!stderr(&output).contains("raw-html-removed"));

    let site = site_with(Some("escape"));
    let html = built_help(site.path());
    assert!(
        html.contains("&lt;script&gt;alert(document.cookie)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<abbr"), "{html}");
}

#[test]
fn an_unknown_policy_is_a_config_error() {
    let site = site_with(Some("strip"));
    let output = run(site.path(), &["build"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(text.contains("site.yaml:1:"), "{text}");
    assert!(text.contains("strip"), "{text}");
}
