//! What editors expect of a page, checked as `check` and the bundled theme show
//! it: links to a heading's id, images reported at their reference, and the
//! `updated:` date in the page and the sitemap. The Markdown output itself
//! (ids, image sizes, resized files) is in the `multi` golden fixture.

mod common;

use std::path::Path;

use common::{copy_tree, fixtures, run, stderr};

fn copy_of(site: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(site, dir.path());
    dir
}

/// The bundled site's inputs (not the repository's build folders).
fn bundled_copy() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for folder in ["content", "locales", "themes", "redirects"] {
        copy_tree(&root.join(folder), &dir.path().join(folder));
    }
    std::fs::copy(root.join("site.yaml"), dir.path().join("site.yaml")).unwrap();
    dir
}

fn append(path: &Path, text: &str) {
    let mut body = std::fs::read_to_string(path).unwrap();
    body.push_str(text);
    std::fs::write(path, body).unwrap();
}

#[test]
fn a_link_to_a_heading_is_checked_against_the_ids_headings_get() {
    let site = copy_of(&fixtures().join("fixtures/multi"));
    append(
        &site.path().join("content/en/index.md"),
        "\n[Help](/help/#help-support) and [more help](/help/#help-suport).\n",
    );
    let output = run(site.path(), &["check"]);
    let text = stderr(&output);
    assert!(
        text.contains(
            "error[links::fragment]: the link `/help/#help-suport` points to `#help-suport`, which `/help/` does not have\n\
             \x20 --> content/en/index.md:11:45\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("= help: did you mean `#help-support`?"),
        "{text}"
    );
    assert!(!text.contains("`/help/#help-support`"), "{text}");
}

#[test]
fn relative_links_with_dot_segments_are_checked_where_a_browser_goes() {
    let site = copy_of(&fixtures().join("fixtures/multi"));
    // help.md is `/help/` on www and, as nl-BE's fallback, `/nl-be/help/` on be.
    append(
        &site.path().join("content/en/help.md"),
        "\n[Home](../), [this heading](./#help-support), [that one](../help/#help-suport) and [too far](../../../).\n",
    );
    let output = run(site.path(), &["check"]);
    let text = stderr(&output);
    assert!(
        text.contains(
            "error[links::fragment]: the link `../help/#help-suport` points to `#help-suport`, which `/help/` does not have\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "error[links::broken]: the link `../../../` climbs 2 levels above the root of www.acme.example\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("= help: from /help/, use one `../` fewer per level"),
        "{text}"
    );
    for works in ["`../`", "`./#help-support`"] {
        assert!(!text.contains(&format!("the link {works}")), "{text}");
    }
    assert_eq!(output.status.code(), Some(1), "{text}");
}

#[test]
fn a_missing_image_is_one_error_at_its_reference_in_check_too() {
    let site = copy_of(&fixtures().join("fixtures/multi"));
    append(
        &site.path().join("content/en/index.md"),
        "\n![Our logo](/logo.png)\n",
    );
    let output = run(site.path(), &["check"]);
    let text = stderr(&output);
    assert!(
        text.contains(
            "error[content::missing-image]: there is no image `/logo.png` in the theme (themes/plain/static/)\n\
             \x20 --> content/en/index.md:11:13\n"
        ),
        "{text}"
    );
    assert!(!text.contains("add a redirect rule"), "{text}");
    assert_eq!(text.matches("index.md:11:13").count(), 1, "{text}");
}

#[test]
fn the_updated_date_is_shown_in_the_page_language_and_written_to_the_sitemap() {
    let site = bundled_copy();
    let page = site.path().join("content/fr-FR/warranty.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        text.replacen("---\n", "---\nupdated: 2025-01-09\n", 1),
    )
    .unwrap();
    let output = run(site.path(), &["build"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = site.path().join("public/fr.po.co");
    let html = std::fs::read_to_string(out.join("garantie/index.html")).unwrap();
    assert!(
        html.contains("<p class=\"updated\">Dernière mise à jour le 9 janvier 2025.</p>"),
        "{html}"
    );
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(
        sitemap
            .contains("<loc>https://fr.po.co/garantie/</loc>\n    <lastmod>2025-01-09</lastmod>\n"),
        "{sitemap}"
    );
    assert_eq!(sitemap.matches("<lastmod>").count(), 1);
    let check = run(site.path(), &["check", "--strict"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn placeholders_fill_menu_labels_and_titles_on_every_page() {
    let site = bundled_copy();
    let page = site.path().join("content/en-GB/warranty.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let start = text.find("nav_title:").expect("the page has a nav_title");
    let end = start + text[start..].find('\n').unwrap();
    let text = format!(
        "{}nav_title: \"{{{{ brand }}}} warranty\"{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(&page, text).unwrap();
    let output = run(site.path(), &["build"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let home = std::fs::read_to_string(site.path().join("public/uk.po.co/index.html")).unwrap();
    assert!(home.contains(">POCO warranty</a>"), "{home}");
    assert!(!home.contains("{{"), "{home}");
}

#[test]
fn a_body_without_template_syntax_is_shown_as_written_and_a_comment_is_still_removed() {
    let site = copy_of(&fixtures().join("fixtures/multi"));
    let help = site.path().join("content/en/help.md");
    let text = std::fs::read_to_string(&help).unwrap();
    let (front, _) = text.rsplit_once("---\n").unwrap();
    // Text that only looks like template syntax stays as it is...
    std::fs::write(
        &help,
        format!("{front}---\nBraces stay: a }}}} b %}} c {{ d }} e #}}.\n"),
    )
    .unwrap();
    // ...while a Tera comment, the third kind of syntax, is still removed.
    let index = site.path().join("content/en/index.md");
    append(&index, "\nBefore{# a note for editors #}after.\n");
    let output = run(site.path(), &["build"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let public = site.path().join("public/www.acme.example");
    let help = std::fs::read_to_string(public.join("help/index.html")).unwrap();
    assert!(
        help.contains("<p>Braces stay: a }} b %} c { d } e #}.</p>"),
        "{help}"
    );
    let index = std::fs::read_to_string(public.join("index.html")).unwrap();
    assert!(index.contains("<p>Beforeafter.</p>"), "{index}");
    assert!(!index.contains("a note for editors"), "{index}");
}
