//! Bad input gets an error, never a panic: arbitrary text through every parser a
//! user's file reaches (front matter and body, site.yaml, Fluent, slugs), then a
//! whole build of a site whose page is arbitrary text.

mod common;

use handover::config::Locale;
use handover::content::parse_page;
use handover::diagnostics::{render_human, SourceFile};
use handover::paths::SitePath;
use proptest::prelude::*;

/// Text that looks like what editors type, with the characters that break parsers.
fn editor_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("---\n".to_string()),
            Just("title: x\n".to_string()),
            Just("description: y\n".to_string()),
            Just("slug: ../a\n".to_string()),
            Just("{{ values.store }}".to_string()),
            Just("{{ t(key=\"x\") }}".to_string()),
            Just("{% if %}".to_string()),
            Just("é".to_string()),
            Just("\u{feff}".to_string()),
            Just("\r\n".to_string()),
            Just("\t".to_string()),
            "[ -~]{0,12}",
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn front_matter_never_panics(text in editor_text()) {
        let file = SourceFile::new("content/en/x.md", text);
        if let Err(problems) = parse_page(file, "x".into(), "en".parse::<Locale>().unwrap()) {
            for problem in problems {
                let shown = render_human(&problem);
                prop_assert!(shown.contains("content/en/x.md"));
            }
        }
    }

    #[test]
    fn site_paths_never_escape(text in "[./a-z\\\\%\u{0}:-]{0,16}") {
        if let Ok(path) = SitePath::parse(&text) {
            let under = path.under(std::path::Path::new("/out"));
            prop_assert!(under.starts_with("/out"));
            prop_assert!(!under.components().any(|c| matches!(c, std::path::Component::ParentDir)));
        }
    }
}

#[test]
fn a_build_of_arbitrary_pages_and_messages_never_panics() {
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(24));
    runner
        .run(&(editor_text(), "[ -~\n{}$-]{0,40}"), |(page, ftl)| {
            let site = tempfile::tempdir().unwrap();
            common::copy_tree(&common::fixtures().join("fixtures/multi"), site.path());
            std::fs::write(site.path().join("content/en/help.md"), &page).unwrap();
            std::fs::write(site.path().join("locales/nl-BE/extra.ftl"), &ftl).unwrap();
            let output = common::run(site.path(), &["build"]);
            let code = output.status.code();
            prop_assert!(
                matches!(code, Some(0) | Some(1)),
                "exit {code:?}\n{}",
                common::stderr(&output)
            );
            prop_assert!(!common::stderr(&output).contains("panicked"));
            Ok(())
        })
        .unwrap();
}
