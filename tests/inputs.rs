//! Inputs are read only inside the site folder: a symbolic link that resolves
//! outside it is an error at the link's path, for every kind of input, in `build`
//! and in `check` alike; a link that stays inside the site is followed.
#![cfg(unix)]

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;

use common::{copy_tree, fixtures, read_tree, run, stderr, stdout};

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("fixtures/multi"), dir.path());
    dir
}

/// A secret outside the site that no output or message may show.
fn secret() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secret.txt"),
        "leaked = TOP-SECRET-VALUE\n---\ntitle: TOP-SECRET-VALUE\n",
    )
    .unwrap();
    dir
}

/// `build` and `check` both refuse the site with `io::outside-site` at `link`,
/// and nothing shows the linked file's text.
fn assert_refused(site: &Path, link: &str) {
    let public = site.join("public");
    let build = run(site, &["build"]);
    let text = stderr(&build);
    assert_eq!(build.status.code(), Some(1), "{link}:\n{text}");
    assert!(
        text.contains(&format!("error[io::outside-site]: {link} is a link to ")),
        "{link}:\n{text}"
    );
    assert!(text.contains("outside the site folder"), "{text}");
    assert!(!text.contains("TOP-SECRET-VALUE"), "{text}");
    assert!(!public.exists(), "nothing is built");

    let check = run(site, &["--format", "json", "check"]);
    let json = stdout(&check);
    assert_eq!(check.status.code(), Some(1), "{json}");
    assert!(json.contains("\"code\": \"io::outside-site\""), "{json}");
    assert!(json.contains(&format!("\"file\": \"{link}\"")), "{json}");
    assert!(!json.contains("TOP-SECRET-VALUE"), "{json}");
}

#[test]
fn a_translation_file_linked_outside_the_site_is_an_error() {
    let site = site();
    let secret = secret();
    symlink(
        secret.path().join("secret.txt"),
        site.path().join("locales/en/leak.ftl"),
    )
    .unwrap();
    assert_refused(site.path(), "locales/en/leak.ftl");
}

#[test]
fn the_environment_of_the_process_cannot_reach_a_page() {
    let site = site();
    symlink("/proc/self/environ", site.path().join("locales/en/env.ftl")).unwrap();
    assert_refused(site.path(), "locales/en/env.ftl");
}

#[test]
fn a_csv_map_linked_outside_the_site_is_an_error() {
    let site = site();
    let secret = secret();
    let config = site.path().join("site.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}\nredirects:\n  csv: [redirects/map.csv]\n"),
    )
    .unwrap();
    std::fs::create_dir(site.path().join("redirects")).unwrap();
    symlink(
        secret.path().join("secret.txt"),
        site.path().join("redirects/map.csv"),
    )
    .unwrap();
    assert_refused(site.path(), "redirects/map.csv");
}

#[test]
fn pages_templates_and_folders_linked_outside_are_errors() {
    let secret = secret();
    for link in [
        "content/en/leak.md",
        "themes/plain/templates/leak.html",
        "themes/plain/static/leak.css",
    ] {
        let site = site();
        symlink(secret.path().join("secret.txt"), site.path().join(link)).unwrap();
        assert_refused(site.path(), link);
    }
    // A whole folder linked out is refused at the folder, not walked.
    let site = site();
    symlink(secret.path(), site.path().join("content/en/more")).unwrap();
    assert_refused(site.path(), "content/en/more");
}

#[test]
fn site_yaml_linked_outside_the_site_is_an_error() {
    let site = site();
    let elsewhere = tempfile::tempdir().unwrap();
    let config = site.path().join("site.yaml");
    std::fs::rename(&config, elsewhere.path().join("site.yaml")).unwrap();
    symlink(elsewhere.path().join("site.yaml"), &config).unwrap();
    let build = run(site.path(), &["build"]);
    let text = stderr(&build);
    assert_eq!(build.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error[io::outside-site]: site.yaml is a link to "),
        "{text}"
    );
}

#[test]
fn links_that_stay_inside_the_site_are_followed() {
    let site = site();
    std::fs::create_dir(site.path().join("shared")).unwrap();
    std::fs::rename(
        site.path().join("locales/en/main.ftl"),
        site.path().join("shared/main.ftl"),
    )
    .unwrap();
    symlink(
        "../../shared/main.ftl",
        site.path().join("locales/en/main.ftl"),
    )
    .unwrap();
    let build = run(site.path(), &["build"]);
    assert!(build.status.success(), "{}", stderr(&build));
    let built = read_tree(&site.path().join("public"));
    assert!(built.contains_key("www.acme.example/index.html"));
}

/// Every text input saved with a byte-order mark, as Notepad and many
/// translation tools save UTF-8: `site.yaml`, pages, translations and
/// templates. The build writes the fixture's golden output, and `check` finds
/// nothing more than without the marks.
#[test]
fn text_inputs_saved_with_a_byte_order_mark_build_as_without() {
    let site = site();
    let root = site.path();
    let marked = [
        "site.yaml",
        "content/en/index.md",
        "content/en/help.md",
        "content/fr-FR/help.md",
        "locales/en/main.ftl",
        "locales/fr-FR/main.ftl",
        "themes/plain/templates/base.html",
        "themes/plain/templates/page.html",
        "themes/plain/templates/languages.html",
    ];
    for relative in marked {
        let file = root.join(relative);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.starts_with('\u{feff}'), "{relative}");
        std::fs::write(&file, format!("\u{feff}{text}")).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let build = run(root, &["build", "--output", public.to_str().unwrap()]);
    assert!(build.status.success(), "{}", stderr(&build));
    let expected = read_tree(&fixtures().join("fixtures/multi/expected"));
    assert!(
        read_tree(&public) == expected,
        "the output differs from the golden one"
    );

    let check = run(root, &["--format", "json", "check"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&check)).unwrap();
    assert_eq!(check.status.code(), Some(0), "{json}");
    assert_eq!(json["errors"], 0, "{json}");
}

/// A CSV map saved as Excel's "CSV UTF-8", with a byte-order mark: its first
/// row reads as without one, and the build writes the fixture's golden output.
#[test]
fn a_csv_map_saved_with_a_byte_order_mark_builds_as_without() {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("fixtures/cloudflare"), site.path());
    let map = site.path().join("redirects/moved.csv");
    let text = std::fs::read_to_string(&map).unwrap();
    std::fs::write(&map, format!("\u{feff}{text}")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let build = run(
        site.path(),
        &["build", "--output", public.to_str().unwrap()],
    );
    assert!(build.status.success(), "{}", stderr(&build));
    let expected = read_tree(&fixtures().join("fixtures/cloudflare/expected"));
    assert!(
        read_tree(&public) == expected,
        "the output differs from the golden one"
    );
}
