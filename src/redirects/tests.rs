//! The checks on small tables, one per problem class, and properties over random
//! tables: loops are never missed, and the written file means what the table means.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::checks::check;
use super::lookup::{resolve, End};
use super::pattern::{Pattern, RequestPath};
use super::rules::parse_destination;
use super::write::{line_for, parse_redirects_file, redirects_file};
use super::{Rule, RuleKind, RuleTable, Target};
use crate::diagnostics::{Diagnostic, SourceFile, Span};

/// A table from lines `from to status[!] [shared]`; each rule's span is its line.
fn table(target: Target, lines: &str, files: &[&str]) -> RuleTable {
    let file = SourceFile::new("rules.txt", lines);
    let mut offset = 0;
    let mut rules = Vec::new();
    for line in lines.split_inclusive('\n') {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() >= 3 {
            let (status, force) = match fields[2].strip_suffix('!') {
                Some(s) => (s, true),
                None => (fields[2], false),
            };
            rules.push(Rule {
                from: Pattern::parse(fields[0]).unwrap(),
                to: parse_destination(fields[1]).unwrap(),
                status: status.parse().unwrap(),
                force,
                kind: if fields.get(3) == Some(&"shared") {
                    RuleKind::Shared
                } else {
                    RuleKind::Region
                },
                span: Span::new(&file, offset, line.trim_end().len()),
            });
        }
        offset += line.len();
    }
    let files = files
        .iter()
        .map(|f| RequestPath::parse(f).unwrap())
        .collect();
    RuleTable::new(0, "old.example".to_string(), target, rules, files)
}

fn codes(problems: &[Diagnostic]) -> Vec<(String, &'static str, usize)> {
    problems
        .iter()
        .map(|d| {
            let severity = if d.is_error() { "error" } else { "warning" };
            (
                severity.to_string(),
                d.code,
                d.position().map_or(0, |p| p.line),
            )
        })
        .collect()
}

fn problems(target: Target, lines: &str, files: &[&str]) -> Vec<(String, &'static str, usize)> {
    codes(&check(&table(target, lines, files), false))
}

const PAGES: &[&str] = &["/index.html", "/warranty/index.html", "/404.html"];

fn error(code: &'static str, line: usize) -> (String, &'static str, usize) {
    ("error".to_string(), code, line)
}

#[test]
fn a_clean_table_has_no_problems() {
    let lines = "/old / 301\n/product/:m https://s.example/p/:m/ 301\n/* /404.html 404\n";
    assert_eq!(problems(Target::Netlify, lines, PAGES), []);
}

#[test]
fn loops_are_found() {
    let two = "/a /b 301\n/b /a 301\n";
    assert_eq!(
        problems(Target::Netlify, two, PAGES),
        [error("redirects::loop", 1), error("redirects::loop", 2)]
    );
    // Netlify matches with or without the trailing slash.
    let slash = "/x/ /x 301\n";
    assert_eq!(
        problems(Target::Netlify, slash, PAGES),
        [error("redirects::loop", 1)]
    );
}

#[test]
fn a_splat_matching_its_own_target_loops_on_cloudflare_only() {
    let lines = "/en/* /en/notice/ 301\n";
    let files = ["/en/notice/index.html"];
    let found = problems(Target::Cloudflare, lines, &files);
    assert!(found.contains(&error("redirects::loop", 1)), "{found:?}");
    assert!(
        found.contains(&error("redirects::hides-page", 1)),
        "{found:?}"
    );
    // Netlify serves the existing page instead of applying the unforced rule.
    assert_eq!(problems(Target::Netlify, lines, &files), []);
}

#[test]
fn chains_are_written_as_one_hop_with_a_warning() {
    let lines = "/a /b 301\n/b https://new.example/ 301\n";
    let t = table(Target::Netlify, lines, PAGES);
    assert_eq!(
        codes(&check(&t, false)),
        [("warning".to_string(), "redirects::chain", 1)]
    );
    assert_eq!(line_for(&t, 0), "/a https://new.example/ 301");
}

#[test]
fn duplicates_and_shadowed_rules() {
    let same = "/a / 301\n/a / 301\n";
    assert_eq!(
        problems(Target::Netlify, same, PAGES),
        [error("redirects::shadowed", 2)]
    );
    let spelled_twice = "/%C3%A9t%C3%A9 / 301\n/été / 302\n";
    assert_eq!(
        problems(Target::Cloudflare, spelled_twice, PAGES),
        [error("redirects::shadowed", 2)]
    );
    // On Cloudflare `/x` and `/x/` are two rules.
    assert_eq!(
        problems(Target::Cloudflare, "/x / 301\n/x/ / 301\n", PAGES),
        []
    );
    let caught = "/p/* / 301\n/p/one / 301\n/p/:x / 301\n";
    assert_eq!(
        problems(Target::Netlify, caught, PAGES),
        [
            error("redirects::shadowed", 2),
            error("redirects::shadowed", 3)
        ]
    );
    // A region rule overriding a shared one is only a warning, and the shared rule
    // is not written.
    let overriding = "/p/:x / 301\n/p/:y /warranty/ 301 shared\n";
    let t = table(Target::Netlify, overriding, PAGES);
    assert_eq!(
        codes(&check(&t, false)),
        [("warning".to_string(), "redirects::shadowed", 2)]
    );
    assert!(!redirects_file(&t, false).contains("/warranty/"));
}

#[test]
fn rules_that_hide_or_lose_to_generated_pages() {
    let on_page = "/warranty/ / 301\n";
    assert_eq!(
        problems(Target::Netlify, on_page, PAGES),
        [error("redirects::hides-page", 1)]
    );
    assert_eq!(
        problems(Target::Cloudflare, on_page, PAGES),
        [error("redirects::hides-page", 1)]
    );
    let catch_all = "/* https://new.example/ 301\n";
    assert_eq!(problems(Target::Netlify, catch_all, PAGES), []);
    assert_eq!(
        problems(Target::Cloudflare, catch_all, PAGES),
        [error("redirects::hides-page", 1)]
    );
    let forced = "/* https://new.example/ 301!\n";
    assert_eq!(
        problems(Target::Netlify, forced, PAGES),
        [error("redirects::hides-page", 1)]
    );
}

#[test]
fn what_cloudflare_cannot_express() {
    for (line, code) in [
        ("/a / 301!\n", "redirects::unsupported"),
        ("/a /404.html 404\n", "redirects::unsupported"),
        ("/a https://x.example/ 200\n", "redirects::unsupported"),
    ] {
        assert_eq!(
            problems(Target::Cloudflare, line, PAGES),
            [error(code, 1)],
            "{line}"
        );
    }
    assert_eq!(problems(Target::Netlify, "/a /404.html 404\n", PAGES), []);
}

#[test]
fn a_destination_that_ends_on_the_not_found_page_is_an_error() {
    let lines = "/a /nowhere/ 301\n/* /404.html 404\n";
    assert_eq!(
        problems(Target::Netlify, lines, PAGES),
        [error("redirects::destination", 1)]
    );
}

#[test]
fn destinations_must_lead_somewhere() {
    assert_eq!(
        problems(Target::Netlify, "/a /nowhere/ 301\n", PAGES),
        [error("redirects::destination", 1)]
    );
}

#[test]
fn cloudflare_limits_and_the_bulk_way_past_them() {
    // Counted after the trailing-slash twins: 1,000 rules are 2,000 lines.
    let rules = |n: usize| -> String {
        (0..n)
            .map(|i| format!("/old-{i} https://n.example/{i} 301\n"))
            .collect()
    };
    assert_eq!(problems(Target::Cloudflare, &rules(1_000), PAGES), []);
    let t = table(Target::Cloudflare, &rules(1_001), PAGES);
    let found = codes(&check(&t, false));
    assert_eq!(found, [error("redirects::limit", 1_001)]);
    assert_eq!(codes(&check(&t, true)), []);
    let dynamics: String = (0..101)
        .map(|i| format!("/d{i}/* https://n.example/{i} 301\n"))
        .collect();
    assert_eq!(
        problems(Target::Cloudflare, &dynamics, PAGES),
        [error("redirects::limit", 101)]
    );
    // Cloudflare's documented line limit is 1,000 characters (the twin `/a/` is one longer).
    let fits = format!("/a https://n.example/{} 301\n", "x".repeat(1_000 - 26));
    assert_eq!(problems(Target::Cloudflare, &fits, PAGES), []);
    let long = format!("/a https://n.example/{} 301\n", "x".repeat(1_000 - 25));
    assert_eq!(
        problems(Target::Cloudflare, &long, PAGES),
        [error("redirects::limit", 1)]
    );
}

#[test]
fn static_rules_are_written_first_and_the_meaning_is_kept() {
    let lines = "/p/:x https://n.example/:x 301\n/q / 301\n";
    let t = table(Target::Cloudflare, lines, PAGES);
    let text = redirects_file(&t, false);
    let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        body,
        [
            "/q / 301",
            "/q/ / 301",
            "/p/:x https://n.example/:x 301",
            "/p/:x/ https://n.example/:x 301"
        ]
    );
}

#[test]
fn the_unmatched_notice_is_a_404_with_the_page() {
    let t = table(Target::Netlify, "/* /404.html 404\n", PAGES);
    let r = resolve(&t, &RequestPath::parse("/gone").unwrap());
    assert_eq!(
        r.end,
        End::File {
            path: "/404.html".to_string(),
            status: 404
        }
    );
    let r = resolve(&t, &RequestPath::parse("/warranty").unwrap());
    assert_eq!(
        r.end,
        End::File {
            path: "/warranty/index.html".to_string(),
            status: 200
        }
    );
}

// --- properties -----------------------------------------------------------

/// How the CDN answers `path` with the table's written file.
fn as_written(t: &RuleTable, path: &RequestPath) -> super::lookup::Resolution {
    let options = super::lookup::Options {
        as_written: true,
        query: None,
    };
    super::lookup::resolve_in(std::slice::from_ref(t), 0, path, &options)
}

fn path_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..6u8).prop_map(|i| format!("/p{i}")),
        (0..6u8).prop_map(|i| format!("/p{i}/")),
        (0..3u8).prop_map(|i| format!("/d{i}/x")),
        Just("/warranty/".to_string()),
        Just("/".to_string()),
    ]
}

fn rule_strategy() -> impl Strategy<Value = String> {
    let from = prop_oneof![
        4 => path_strategy(),
        1 => (0..3u8).prop_map(|i| format!("/d{i}/*")),
        1 => (0..3u8).prop_map(|i| format!("/d{i}/:v")),
    ];
    let to = prop_oneof![
        4 => path_strategy(),
        1 => Just("https://new.example/".to_string()),
    ];
    let status = prop_oneof![Just("301"), Just("302"), Just("301!"), Just("200")];
    (from, to, status).prop_map(|(f, t, s)| format!("{f} {t} {s}\n"))
}

fn sample_paths() -> Vec<RequestPath> {
    let mut paths: BTreeSet<String> = (0..6)
        .flat_map(|i| [format!("/p{i}"), format!("/p{i}/")])
        .collect();
    paths.extend((0..3).map(|i| format!("/d{i}/x")));
    paths.extend([
        "/warranty/".to_string(),
        "/".to_string(),
        "/d0/".to_string(),
    ]);
    paths
        .iter()
        .map(|p| RequestPath::parse(p).unwrap())
        .collect()
}

/// Where a request ends, without the status of a collapsed chain's last hop.
fn place(end: &End) -> String {
    match end {
        End::External { location, .. } => format!("external {location}"),
        End::File { path, status } => format!("file {path} {status}"),
        other => format!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the table, a request that loops is reported as a loop.
    #[test]
    fn no_loop_is_missed(rules in prop::collection::vec(rule_strategy(), 1..10), cloudflare in any::<bool>()) {
        let target = if cloudflare { Target::Cloudflare } else { Target::Netlify };
        let lines: String = rules.concat();
        let t = table(target, &lines, PAGES);
        let found = check(&t, false);
        for path in sample_paths() {
            if resolve(&t, &path).end == End::Loop {
                prop_assert!(
                    found.iter().any(|d| d.code == "redirects::loop"),
                    "{path} loops but no loop was reported in\n{lines}"
                );
            }
        }
    }

    /// The written `_redirects`, read back, answers every request as the table does.
    #[test]
    fn the_written_file_means_what_the_table_means(rules in prop::collection::vec(rule_strategy(), 1..10)) {
        let lines: String = rules.concat();
        let t = table(Target::Netlify, &lines, PAGES);
        if check(&t, false).iter().any(Diagnostic::is_error) {
            return Ok(());
        }
        let written = redirects_file(&t, false);
        let reread: String = parse_redirects_file(&written)
            .unwrap()
            .iter()
            .map(|r| format!("{} {} {}{}\n", r.from, r.to, r.status, if r.force { "!" } else { "" }))
            .collect();
        let again = table(Target::Netlify, &reread, PAGES);
        // Serialising the re-read table gives the same bytes: the round trip is exact.
        prop_assert_eq!(redirects_file(&again, false), written.clone());
        for path in sample_paths() {
            let (a, b) = (as_written(&t, &path), resolve(&again, &path));
            // Chains are written as one hop, so compare where requests end up and
            // the status of the first response.
            prop_assert_eq!(a.first_response().0, b.first_response().0, "{} in\n{}", path, written);
            prop_assert_eq!(place(&a.end), place(&b.end), "{} in\n{}", path, written);
        }
    }
}
