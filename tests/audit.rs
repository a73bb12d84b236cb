//! `handover redirects audit`, offline and live against `handover serve`: both
//! must tell the same story for every old URL. (CI also runs the live audit
//! against `wrangler pages dev` and `netlify dev`: scripts/check-cdn-runtimes.mjs.)

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::{copy_tree, fixtures, handover, stderr, stdout};

/// Runs handover in the site folder, as people do (inventory paths are relative).
fn run(site: &std::path::Path, args: &[&str]) -> std::process::Output {
    handover()
        .current_dir(site)
        .args(args)
        .output()
        .expect("the handover binary runs")
}
use handover::serve::{start, ServeOptions, IDLE_TIMEOUT};

const RULES: &str = "redirects:
  rules:
    - { from: /product/:model, to: \"{store}product/:model/\", status: 301 }
regions:";

const GLOBAL_RULES: &str = "    locales: [en]
    redirects:
      rules:
        - { from: /shop, to: /help/, status: 301 }
        - { from: /a, to: /shop, status: 301 }
        - { from: /go-be, to: \"https://be.acme.example/\", status: 301 }
";

const INVENTORY: &str = "# old URLs
https://www.acme.example/
https://www.acme.example/help/
https://www.acme.example/old-home/
https://www.acme.example/old-home/?utm_source=mail
https://www.acme.example/product/x7
https://www.acme.example/product/x7/?ref=a
https://www.acme.example/shop
https://www.acme.example/a
https://www.acme.example/go-be
https://www.acme.example/nowhere/
https://be.acme.example/
https://be.acme.example/product/x7
https://be.acme.example/nl-be/nowhere
";

fn site() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("fixtures/multi"), site.path());
    let config = std::fs::read_to_string(site.path().join("site.yaml")).unwrap();
    std::fs::write(
        site.path().join("site.yaml"),
        config
            .replacen("regions:", RULES, 1)
            .replacen("    locales: [en]\n", GLOBAL_RULES, 1),
    )
    .unwrap();
    std::fs::write(site.path().join("old-urls.txt"), INVENTORY).unwrap();
    site
}

fn findings(json: &str) -> Vec<(String, String, String, String)> {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["url"].as_str().unwrap().to_string(),
                f["class"].as_str().unwrap().to_string(),
                format!("{} {}", f["status"], f["location"]),
                f["final"].to_string(),
            )
        })
        .collect()
}

#[test]
fn the_offline_audit_classes_and_exit_codes() {
    let site = site();
    let output = run(site.path(), &["redirects", "audit", "old-urls.txt"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}{text}", stderr(&output));
    assert!(
        text.contains("audit of 13 old URLs (offline, Netlify semantics)"),
        "{text}"
    );
    let strict = run(
        site.path(),
        &["redirects", "audit", "--strict", "old-urls.txt"],
    );
    assert_eq!(strict.status.code(), Some(1), "404s fail with --strict");
    let json = run(
        site.path(),
        &["--format", "json", "redirects", "audit", "old-urls.txt"],
    );
    let found = findings(&stdout(&json));
    let class = |url: &str| {
        found
            .iter()
            .find(|f| f.0 == url)
            .map(|f| f.1.clone())
            .unwrap()
    };
    assert_eq!(class("https://www.acme.example/product/x7"), "one-to-one");
    assert_eq!(class("https://www.acme.example/old-home/"), "notice");
    assert_eq!(class("https://www.acme.example/nowhere/"), "not-found");
    assert_eq!(class("https://www.acme.example/go-be"), "notice");
    // A mapping sheet that expects something else is a mismatch: exit 1.
    std::fs::write(
        site.path().join("map.csv"),
        "old_url,expected_url,expected_status\nhttps://www.acme.example/shop,https://www.acme.example/help/,302\n",
    )
    .unwrap();
    let sheet = run(site.path(), &["redirects", "audit", "map.csv"]);
    assert_eq!(sheet.status.code(), Some(1));
    assert!(
        stdout(&sheet).contains("expected status 302, got 301"),
        "{}",
        stdout(&sheet)
    );
    let github = run(
        site.path(),
        &["--format", "github", "redirects", "audit", "map.csv"],
    );
    assert!(
        stdout(&github).starts_with("::error file=map.csv,line=2,title=audit mismatch::"),
        "{}",
        stdout(&github)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_audit_against_handover_serve_agrees_with_the_offline_one() {
    let site = site();
    let server = start(ServeOptions {
        root: site.path().to_path_buf(),
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        verbose: false,
        idle_timeout: IDLE_TIMEOUT,
    })
    .await
    .expect("the server starts");
    let port = server.addr.port();
    let root = site.path().to_path_buf();
    let live = tokio::task::spawn_blocking(move || {
        run(
            &root,
            &[
                "--format",
                "json",
                "redirects",
                "audit",
                "--live",
                "--resolve",
                &format!("www.acme.example=global.localhost:{port}"),
                "--resolve",
                &format!("be.acme.example=be.localhost:{port}"),
                "old-urls.txt",
            ],
        )
    })
    .await
    .unwrap();
    assert_eq!(live.status.code(), Some(0), "{}", stderr(&live));
    let offline = run(
        site.path(),
        &["--format", "json", "redirects", "audit", "old-urls.txt"],
    );
    let (live, offline) = (findings(&stdout(&live)), findings(&stdout(&offline)));
    assert_eq!(live.len(), 13);
    for (live, offline) in live.iter().zip(&offline) {
        assert_eq!(live, offline);
    }
}
