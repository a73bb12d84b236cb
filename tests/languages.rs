//! Language set-ups as a second brand would change them: the switcher's names
//! come from CLDR and tell regions apart, and a change that moves published URLs
//! (a second locale on a domain, a renamed slug) is an error that names the alias
//! keeping each old address, in `check` and `build` alike, against the last
//! build or the old-URL inventory.

mod common;

use std::path::Path;

use common::{copy_tree, fixtures, run, stderr};

fn multi_copy() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("fixtures/multi"), site.path());
    site
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The global domain gets a second locale: its pages move under `/en/`.
fn add_en_gb(site: &Path) {
    edit(
        &site.join("site.yaml"),
        "    locales: [en]\n",
        "    locales: [en, en-GB]\n",
    );
    edit(
        &site.join("site.yaml"),
        "  fr-BE: [fr-FR]\n",
        "  fr-BE: [fr-FR]\n  en-GB: [en]\n",
    );
}

/// The old URLs `check` reports as moved, in its JSON.
fn moved_urls(site: &Path) -> Vec<String> {
    let output = run(site, &["--format", "json", "check"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "urls::moved")
        .inspect(|d| assert_eq!(d["severity"], "error"))
        .map(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

const MOVED_HELP: &str = "error[urls::moved]: https://www.acme.example/help/ was a page in the last build and now answers 404: the page moved to https://www.acme.example/en/help/\n \
     --> content/en/help.md:1:1\n  |\n1 | ---\n  | ^^^\n  |\n  \
     = help: keep the old address working: add `/help/` to the `aliases:` of content/en/help.md\n";

#[test]
fn a_second_locale_moves_urls_and_check_names_each_with_the_alias_to_add() {
    let site = multi_copy();
    let built = run(site.path(), &["build"]);
    assert!(built.status.success(), "{}", stderr(&built));
    add_en_gb(site.path());

    let checked = run(site.path(), &["check"]);
    let text = stderr(&checked);
    assert!(text.contains(MOVED_HELP), "{text}");
    // Every moved URL, and only those: the home page is now the language
    // choice, so it still answers.
    assert_eq!(moved_urls(site.path()), ["https://www.acme.example/help/"]);

    // build gives the same verdict, and keeps the last build as it was.
    let built = run(site.path(), &["build"]);
    assert_eq!(built.status.code(), Some(1), "{}", stderr(&built));
    assert!(stderr(&built).contains(MOVED_HELP), "{}", stderr(&built));
    assert!(site
        .path()
        .join("public/www.acme.example/help/index.html")
        .is_file());
    assert!(!site.path().join("public/www.acme.example/en").exists());
}

#[test]
fn the_alias_it_offers_keeps_the_old_url_and_clears_the_error() {
    let site = multi_copy();
    let built = run(site.path(), &["build"]);
    assert!(built.status.success(), "{}", stderr(&built));
    add_en_gb(site.path());
    edit(
        &site.path().join("content/en/help.md"),
        "weight: 2\n",
        "weight: 2\naliases: [/help/]\n",
    );
    assert!(moved_urls(site.path()).is_empty());
    let built = run(site.path(), &["build"]);
    assert!(built.status.success(), "{}", stderr(&built));
}

#[test]
fn the_old_url_inventory_is_compared_without_a_previous_build() {
    let site = multi_copy();
    add_en_gb(site.path());
    std::fs::create_dir_all(site.path().join("redirects")).unwrap();
    std::fs::write(
        site.path().join("redirects/old-urls.txt"),
        "# the old site\nhttps://www.acme.example/help/\nhttps://www.acme.example/old-home/\n",
    )
    .unwrap();
    let checked = run(site.path(), &["check"]);
    let text = stderr(&checked);
    assert!(
        text.contains(
            "error[urls::moved]: https://www.acme.example/help/ is in the old-URL inventory and now answers 404: the page moved to https://www.acme.example/en/help/\n \
             --> redirects/old-urls.txt:2:1\n"
        ),
        "{text}"
    );
    // /old-home/ is an alias of the home page: it still answers.
    assert!(!text.contains("old-home/ is"), "{text}");
}

#[test]
fn switcher_names_come_from_cldr_and_tell_regions_apart() {
    let scratch = tempfile::tempdir().unwrap();
    // Not the temporary folder itself: the record of the build goes beside it.
    let out = scratch.path().join("public");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = run(root, &["build", "--output", out.to_str().unwrap()]);
    assert!(built.status.success(), "{}", stderr(&built));
    let uk = std::fs::read_to_string(out.join("uk.po.co/index.html")).unwrap();
    for name in [
        ">English (United Kingdom)</a>",
        ">Français</a>",
        ">Italiano</a>",
        ">Deutsch</a>",
        // site.yaml names the global region.
        ">English (International)</a>",
    ] {
        assert!(uk.contains(name), "{name} missing from the switcher");
    }
}

#[test]
fn two_locales_of_one_language_on_a_domain_are_named_by_cldr_region() {
    let site = multi_copy();
    add_en_gb(site.path());
    let built = run(site.path(), &["build"]);
    assert!(built.status.success(), "{}", stderr(&built));
    let choice =
        std::fs::read_to_string(site.path().join("public/www.acme.example/index.html")).unwrap();
    assert!(choice.contains(">English</a>"), "{choice}");
    assert!(choice.contains(">English (United Kingdom)</a>"), "{choice}");
    // en-GB has no file of its own and no messages: its name is still English,
    // never a fallback's text.
    let page =
        std::fs::read_to_string(site.path().join("public/www.acme.example/en-gb/index.html"))
            .unwrap();
    assert!(page.contains("<html lang=\"en-GB\">"), "{page}");
}
