use super::*;
use crate::config;

/// A site with `en` (reference), `fr-FR`, and `fr-BE` falling back to `fr-FR`.
fn translations(files: &[(&str, &str)]) -> Outcome<Translations> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("themes/t")).unwrap();
    std::fs::write(
        root.join("site.yaml"),
        "brand: B\nreference_locale: en\ntheme: t\ntarget: netlify\nfallbacks:\n  fr-BE: [fr-FR]\n\
         regions:\n  - id: be\n    domain: be.example\n    locales: [fr-BE, fr-FR, en]\n    new_home: https://x.example/\n",
    )
    .unwrap();
    for (path, text) in files {
        let path = root.join("locales").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let config = config::load(root).expect("valid config");
    Translations::load(&config)
}

fn locale(tag: &str) -> Locale {
    tag.parse().unwrap()
}

fn args(pairs: &[(&str, FluentValue<'static>)]) -> FluentArgs<'static> {
    let mut args = FluentArgs::new();
    for (k, v) in pairs {
        args.set(k.to_string(), v.clone());
    }
    args
}

#[test]
fn numbers_and_dates_follow_the_locale_inside_fluent() {
    let t = translations(&[
        (
            "en/main.ftl",
            "price = { NUMBER($n) } on { DATETIME($d) }\n",
        ),
        (
            "fr-FR/main.ftl",
            "price = { NUMBER($n) } le { DATETIME($d) }\n",
        ),
    ])
    .unwrap();
    let a = args(&[
        ("n", FluentValue::from(1234.5)),
        ("d", FluentValue::from("2025-01-09")),
    ]);
    assert_eq!(
        t.format(&locale("fr-FR"), "price", None, Some(&a)).unwrap(),
        "1\u{202f}234,5 le 9 janvier 2025"
    );
    assert_eq!(
        t.format(&locale("en"), "price", None, Some(&a)).unwrap(),
        "1,234.5 on January 9, 2025"
    );
}

#[test]
fn plurals_select_by_the_locale_rules_and_no_isolation_marks_are_added() {
    let t = translations(&[(
        "en/main.ftl",
        "pages = { $count ->\n    [one] one page\n   *[other] { $count } pages\n}\nhi = Hi { $name }\n",
    )])
    .unwrap();
    let one = args(&[("count", FluentValue::from(1))]);
    let many = args(&[("count", FluentValue::from(3))]);
    assert_eq!(
        t.format(&locale("en"), "pages", None, Some(&one)).unwrap(),
        "one page"
    );
    assert_eq!(
        t.format(&locale("en"), "pages", None, Some(&many)).unwrap(),
        "3 pages"
    );
    let name = args(&[("name", FluentValue::from("Ana"))]);
    assert_eq!(
        t.format(&locale("en"), "hi", None, Some(&name)).unwrap(),
        "Hi Ana"
    );
}

#[test]
fn fallback_walks_the_configured_chain_and_reports_only_what_site_yaml_does_not_declare() {
    let t = translations(&[
        ("en/main.ftl", "only-en = English\nshared = en\n"),
        ("fr-FR/main.ftl", "shared = fr\n"),
    ])
    .unwrap();
    assert_eq!(
        t.format(&locale("fr-BE"), "shared", None, None).unwrap(),
        "fr"
    );
    assert_eq!(
        t.format(&locale("fr-BE"), "only-en", None, None).unwrap(),
        "English"
    );
    let warnings = t.fallback_warnings();
    let messages: Vec<&str> = warnings.iter().map(|d| d.message.as_str()).collect();
    // fr-BE -> fr-FR is declared in site.yaml (intended); the reference locale
    // is only the last resort, so showing en on fr-BE pages is reported.
    assert_eq!(
        messages,
        ["1 message shown in en on fr-BE pages: `only-en`"]
    );
}

#[test]
fn a_missing_message_suggests_the_closest_id() {
    let t = translations(&[("en/main.ftl", "cta-store = Go\n")]).unwrap();
    let error = t.format(&locale("en"), "cta-stor", None, None).unwrap_err();
    assert_eq!(error.summary, "message `cta-stor` is not defined for en");
    assert_eq!(
        error.diagnostic.help.as_deref(),
        Some("did you mean `cta-store`?")
    );
}

#[test]
fn a_missing_variable_points_at_the_message_line() {
    let t = translations(&[("en/main.ftl", "# comment\nhello = Hello { $name }\n")]).unwrap();
    let error = t.format(&locale("en"), "hello", None, None).unwrap_err();
    let position = error.diagnostic.position().unwrap();
    assert_eq!(
        (position.file.as_str(), position.line, position.column),
        ("locales/en/main.ftl", 2, 1)
    );
    assert!(
        error
            .summary
            .contains("the variable `$name` was not passed"),
        "{}",
        error.summary
    );
}

#[test]
fn attributes_are_reachable() {
    let t =
        translations(&[("en/main.ftl", "link = Store\n    .title = Open the store\n")]).unwrap();
    assert_eq!(
        t.format(&locale("en"), "link", Some("title"), None)
            .unwrap(),
        "Open the store"
    );
}

#[test]
fn syntax_errors_and_duplicates_are_all_reported() {
    let problems = translations(&[
        ("en/a.ftl", "one = 1\nbroken = { $x\n"),
        ("en/b.ftl", "one = again\n"),
    ])
    .err()
    .expect("fails");
    let codes: Vec<&str> = problems.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"translations::syntax"), "{codes:?}");
    assert!(codes.contains(&"i18n::duplicate"), "{codes:?}");
}

#[test]
fn a_file_saved_with_a_byte_order_mark_reads_as_without() {
    let t = translations(&[
        ("en/main.ftl", "\u{feff}hello = Hello\n"),
        (
            "fr-FR/main.ftl",
            "\u{feff}hello = Bonjour\r\nbroken = { $x\r\n",
        ),
    ])
    .err()
    .expect("the broken entry fails");
    // Only the broken entry, at its own line and column: the mark is not a
    // character of the first line.
    assert_eq!(t.len(), 1, "{t:#?}");
    let at = t[0].position().expect("a position");
    assert_eq!(
        (at.file.as_str(), at.line, at.column),
        ("locales/fr-FR/main.ftl", 2, 10)
    );

    let t = translations(&[("en/main.ftl", "\u{feff}hello = Hello\n")]).unwrap();
    assert_eq!(
        t.format(&locale("en"), "hello", None, None).unwrap(),
        "Hello"
    );
}
