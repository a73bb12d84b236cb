//! One broken site per error class: `tests/errors/<case>/` holds only the files that
//! differ from the `multi` fixture (and, in `remove`, the paths it lacks), and
//! `expected.txt` the exact text the user sees on standard error. The build must exit 1 and leave the previous output untouched.
//!
//! After a deliberate change of wording: `UPDATE_GOLDEN=1 cargo test --test errors`.

mod common;

use common::{error_case_site, fixtures, read_tree, run, stderr};

fn check_error(case: &str) {
    let overlay = fixtures().join("errors").join(case);
    let site = error_case_site(case);
    let out = site.path().join("public");
    std::fs::create_dir_all(out.join("previous")).unwrap();
    std::fs::write(out.join("previous/index.html"), "the last good build").unwrap();
    std::fs::write(out.join(".handover-output"), "written by handover").unwrap();

    assert_one_verdict(case, site.path());
    let output = run(site.path(), &["build"]);
    let text = stderr(&output).replace(&out.display().to_string(), "<output>");
    assert_eq!(
        output.status.code(),
        Some(1),
        "{case}: expected exit 1\n{text}"
    );
    assert_eq!(
        read_tree(&out).keys().collect::<Vec<_>>(),
        vec![".handover-output", "previous/index.html"],
        "{case}: a failed build must leave public/ as it was"
    );
    let expected_path = overlay.join("expected.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&expected_path, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|_| panic!("{case}: no expected.txt (UPDATE_GOLDEN=1 writes it)"));
    assert_eq!(text, expected, "{case}: the error text changed");
}

/// The errors of a `--format json` run: (code, file, line, column), sorted.
fn errors_of(site: &std::path::Path, command: &str) -> Vec<(String, String, u64, u64)> {
    let output = run(site, &["--format", "json", command]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{command}: {e}\n{}", stderr(&output)));
    let mut errors: Vec<_> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["file"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    errors.sort();
    errors.dedup();
    errors
}

/// `build` refuses exactly what `check` reports as errors: same codes, same
/// places.
fn assert_one_verdict(case: &str, site: &std::path::Path) {
    let check = errors_of(site, "check");
    let build = errors_of(site, "build");
    assert!(!check.is_empty(), "{case}: check finds no error");
    assert_eq!(check, build, "{case}: check and build disagree");
}

macro_rules! error_cases {
    ($($name:ident => $case:literal),* $(,)?) => {
        $(#[test] fn $name() { check_error($case); })*

        #[test]
        fn every_case_folder_has_a_test() {
            let known = [$($case),*];
            for entry in std::fs::read_dir(fixtures().join("errors")).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                assert!(known.contains(&name.as_str()), "tests/errors/{name} has no test");
            }
        }
    };
}

error_cases! {
    config_unknown_key => "config-unknown-key",
    config_bad_domain => "config-bad-domain",
    config_colon_in_value => "config-colon-in-value",
    unknown_theme => "unknown-theme",
    front_matter_unknown_key => "front-matter-unknown-key",
    front_matter_bad_boolean => "front-matter-bad-boolean",
    front_matter_unclosed_quote => "front-matter-unclosed-quote",
    front_matter_colon_in_value => "front-matter-colon-in-value",
    front_matter_tab => "front-matter-tab",
    front_matter_indentation => "front-matter-indentation",
    front_matter_list_indentation => "front-matter-list-indentation",
    front_matter_text_not_list => "front-matter-text-not-list",
    front_matter_missing_space => "front-matter-missing-space",
    front_matter_stray_separator => "front-matter-stray-separator",
    not_utf8 => "not-utf8",
    no_pages => "no-pages",
    all_drafts => "all-drafts",
    slug_escapes => "slug-escapes",
    slug_collision => "slug-collision",
    slug_collision_slugs => "slug-collision-slugs",
    slug_uppercase => "slug-uppercase",
    slug_accented => "slug-accented",
    missing_message => "missing-message",
    missing_variable => "missing-variable",
    translation_unknown_variable => "translation-unknown-variable",
    fluent_syntax => "fluent-syntax",
    fluent_unclosed_brace => "fluent-unclosed-brace",
    duplicate_message => "duplicate-message",
    template_syntax => "template-syntax",
    template_unknown_filter => "template-unknown-filter",
    template_unclosed_tag => "template-unclosed-tag",
    template_stray_end_tag => "template-stray-end-tag",
    template_missing_parent => "template-missing-parent",
    undefined_value => "undefined-value",
    bad_date => "bad-date",
    redirect_loop => "redirect-loop",
    redirect_unknown_value => "redirect-unknown-value",
    redirect_csv_row => "redirect-csv-row",
    redirect_cloudflare_unsupported => "redirect-cloudflare-unsupported",
    redirect_hides_page => "redirect-hides-page",
    redirect_shadowed => "redirect-shadowed",
    redirect_bad_source => "redirect-bad-source",
    redirect_open_redirect => "redirect-open-redirect",
    redirect_loop_across_domains => "redirect-loop-across-domains",
    slug_generated_file => "slug-generated-file",
    slug_too_long => "slug-too-long",
    link_unsafe_scheme => "link-unsafe-scheme",
    link_fragment_both_ways => "link-fragment-both-ways",
    locale_unknown_language => "locale-unknown-language",
    locale_unknown_region => "locale-unknown-region",
    locale_without_pages => "locale-without-pages",
    title_unknown_value => "title-unknown-value",
    placeholder_left => "placeholder-left",
    image_missing => "image-missing",
    image_bad_width => "image-bad-width",
    updated_bad_date => "updated-bad-date",
    updated_no_such_day => "updated-no-such-day",
    updated_month_and_day_swapped => "updated-month-and-day-swapped",
}
