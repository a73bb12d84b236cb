//! What a build promises about its own cost: `--timings` names every stage with
//! its time and memory; a build of an unchanged site leaves the output as it is,
//! and one changed page rewrites only the files whose bytes changed, while the
//! output stays byte for byte what a fresh build writes.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::{copy_tree, fixtures, read_tree, run, stderr, stdout};

fn multi() -> std::path::PathBuf {
    fixtures().join("fixtures/multi")
}

#[test]
fn timings_show_every_stage_with_time_and_memory() {
    let out = tempfile::tempdir().unwrap();
    let output_dir = out.path().join("public");
    let output = run(
        &multi(),
        &["build", "--timings", "-o", output_dir.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stderr(&output);
    for stage in [
        "load",
        "plan",
        "parse",
        "redirects",
        "render",
        "check",
        "swap",
        "total",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(stage))
            .unwrap_or_else(|| panic!("no `{stage}` line in:\n{text}"));
        assert!(line.contains(" ms"), "{line}");
        if cfg!(target_os = "linux") {
            assert!(line.contains(" MiB"), "{line}");
        }
    }
    assert!(text.contains("written as rendered"), "{text}");

    // Another folder: into the same one, the unchanged site would not be built.
    let json_dir = out.path().join("json");
    let output = run(
        &multi(),
        &[
            "--format",
            "json",
            "build",
            "--timings",
            "-o",
            json_dir.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let stages: Vec<&str> = json["timings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "load",
            "fingerprint",
            "plan",
            "parse",
            "redirects",
            "swap",
            "render",
            "check"
        ]
    );

    // Without the flag, nothing more is printed.
    let output = run(&multi(), &["build", "-o", output_dir.to_str().unwrap()]);
    assert!(!stderr(&output).contains("peak memory"));
}

/// A copy of the `multi` fixture, old enough that a build trusts its times.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&multi(), dir.path());
    settle();
    dir
}

/// Inputs changed less than a second before a build are not trusted to stay
/// unchanged (a coarse file-system clock could hide a second edit).
fn settle() {
    std::thread::sleep(Duration::from_millis(1_200));
}

/// Builds `site` into `output`, with `--timings`; the build must succeed.
fn build(site: &Path, output: &Path, extra: &[&str]) -> String {
    let mut args = vec!["build", "--timings", "--output", output.to_str().unwrap()];
    args.extend_from_slice(extra);
    let built = run(site, &args);
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
    stderr(&built)
}

const SKIPPED: &str = "nothing changed since the last build";

/// Builds `site` into `output` with `--format json`: the build's JSON, and its
/// exit code.
fn build_json(site: &Path, output: &Path) -> (Option<i32>, serde_json::Value) {
    let built = run(
        site,
        &[
            "--format",
            "json",
            "build",
            "--output",
            output.to_str().unwrap(),
        ],
    );
    let json =
        serde_json::from_str(&stdout(&built)).unwrap_or_else(|_| panic!("{}", stderr(&built)));
    (built.status.code(), json)
}

/// Every file of the output: (inode, modification time).
fn identities(dir: &Path) -> BTreeMap<String, (u64, SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let metadata = e.metadata().unwrap();
            let relative = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (relative, (metadata.ino(), metadata.modified().unwrap()))
        })
        .collect()
}

/// What a fresh build of `site` writes (into a folder of its own).
fn fresh(site: &Path, extra: &[&str]) -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    build(site, &output, extra);
    read_tree(&output)
}

#[cfg(unix)]
#[test]
fn an_unchanged_site_leaves_every_file_as_it_was() {
    let site = site();
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    let first = build(site.path(), &output, &[]);
    assert!(!first.contains(SKIPPED), "{first}");
    let (bytes, before) = (read_tree(&output), identities(&output));
    // The record is beside the output, never in it.
    assert!(out.path().join(".public.cache").is_file());
    assert!(
        bytes.keys().all(|name| !name.contains("cache")),
        "{bytes:?}"
    );

    std::thread::sleep(Duration::from_millis(20));
    let second = build(site.path(), &output, &[]);
    assert!(second.contains(SKIPPED), "{second}");
    assert!(second.contains("so nothing was written"), "{second}");
    assert_eq!(identities(&output), before, "files were written again");
    assert_eq!(read_tree(&output), bytes);
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));

    // The same report as the build that wrote it.
    let json = |site: &Path| {
        let (code, mut json) = build_json(site, &output);
        assert_eq!(code, Some(0), "{json}");
        json.as_object_mut().unwrap().remove("timings");
        json
    };
    let skipped = json(site.path());
    std::fs::remove_file(out.path().join(".public.cache")).unwrap();
    assert_eq!(json(site.path()), skipped);
}

#[cfg(unix)]
#[test]
fn one_changed_page_rewrites_only_the_files_whose_bytes_changed() {
    let site = site();
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    build(site.path(), &output, &[]);
    let (old_bytes, old_ids) = (read_tree(&output), identities(&output));

    let page = site.path().join("content/en/help.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{text}\nOne more sentence.\n")).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let rebuilt = build(site.path(), &output, &[]);
    assert!(!rebuilt.contains(SKIPPED), "{rebuilt}");

    let (new_bytes, new_ids) = (read_tree(&output), identities(&output));
    assert_eq!(
        new_bytes,
        fresh(site.path(), &[]),
        "not what a fresh build writes"
    );
    let (mut kept, mut rewritten) = (0, Vec::new());
    for (name, bytes) in &new_bytes {
        if name == ".handover-output" {
            continue;
        }
        if old_bytes.get(name) == Some(bytes) {
            assert_eq!(new_ids[name], old_ids[name], "{name} was written again");
            kept += 1;
        } else {
            assert_ne!(
                new_ids.get(name).map(|i| i.0),
                old_ids.get(name).map(|i| i.0)
            );
            rewritten.push(name.clone());
        }
    }
    assert!(kept > 10, "{kept} files kept");
    assert!(
        rewritten
            .iter()
            .any(|name| name.ends_with("help/index.html")),
        "{rewritten:?}"
    );
    assert!(rewritten.len() < 5, "{rewritten:?}");
    // The marker keeps its bytes; its time says when this build ended.
    assert_eq!(new_bytes[".handover-output"], old_bytes[".handover-output"]);
    assert!(new_ids[".handover-output"].1 > old_ids[".handover-output"].1);
}

/// The record is a shortcut only: an edit that hides its time, a record changed
/// by hand, another binary or another date never leave stale bytes.
#[cfg(unix)]
#[test]
fn a_stale_or_forged_record_never_changes_the_output() {
    let site = site();
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    let record = out.path().join(".public.cache");
    build(site.path(), &output, &[]);

    // The same number of bytes, the modification time put back: in the
    // title (every page shows it), then in the text alone (only the page's
    // text tells the change, which its own page alone shows).
    let page = site.path().join("content/en/help.md");
    let edit_unseen = |from: &str, to: &str| {
        let modified = std::fs::metadata(&page).unwrap().modified().unwrap();
        let text = std::fs::read_to_string(&page).unwrap();
        let edited = text.replacen(from, to, 1);
        assert_ne!(edited, text);
        assert_eq!(edited.len(), text.len());
        std::fs::write(&page, &edited).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&page)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        settle();
    };
    edit_unseen("Help", "Hulp");
    let rebuilt = build(site.path(), &output, &[]);
    assert!(!rebuilt.contains(SKIPPED), "{rebuilt}");
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));
    edit_unseen("more text", "more tExt");
    let rebuilt = build(site.path(), &output, &[]);
    assert!(rebuilt.contains(KEPT), "{rebuilt}");
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));
    assert!(build(site.path(), &output, &[]).contains(SKIPPED));

    // A record changed by hand: any field, or no longer JSON.
    let good = std::fs::read_to_string(&record).unwrap();
    let json: serde_json::Value = serde_json::from_str(&good).unwrap();
    for field in [
        "binary", "date", "inputs", "rest", "output", "format", "pages",
    ] {
        let mut forged = json.clone();
        forged[field] = match &json[field] {
            serde_json::Value::Number(_) => serde_json::json!(99),
            _ => serde_json::json!("handover 0.0.1 forged"),
        };
        std::fs::write(&record, forged.to_string()).unwrap();
        let rebuilt = build(site.path(), &output, &[]);
        assert!(!rebuilt.contains(SKIPPED), "{field}: {rebuilt}");
        assert_eq!(read_tree(&output), fresh(site.path(), &[]), "{field}");
    }
    std::fs::write(&record, "{ not json").unwrap();
    assert!(!build(site.path(), &output, &[]).contains(SKIPPED));

    // Another binary (here: the same one, copied) builds again.
    let binary = out.path().join("handover-copy");
    std::fs::copy(env!("CARGO_BIN_EXE_handover"), &binary).unwrap();
    let args = [
        "--root",
        site.path().to_str().unwrap(),
        "build",
        "--timings",
    ];
    let copied = std::process::Command::new(&binary)
        .args(args)
        .args(["--output", output.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(copied.status.code(), Some(0), "{}", stderr(&copied));
    assert!(!stderr(&copied).contains(SKIPPED), "{}", stderr(&copied));
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));
}

/// Another `--as-of` date, across the end of the notice phase, is another site.
#[cfg(unix)]
#[test]
fn another_date_builds_again() {
    let site = site();
    let config = std::fs::read_to_string(site.path().join("site.yaml")).unwrap();
    let config = config.replacen(
        "regions:",
        "redirects:\n  notice_until: \"2025-06-30\"\nregions:",
        1,
    );
    std::fs::write(site.path().join("site.yaml"), config).unwrap();
    settle();
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    build(site.path(), &output, &["--as-of", "2025-06-29"]);
    assert!(build(site.path(), &output, &["--as-of", "2025-06-29"]).contains(SKIPPED));
    let later = build(site.path(), &output, &["--as-of", "2025-06-30"]);
    assert!(!later.contains(SKIPPED), "{later}");
    let after = fresh(site.path(), &["--as-of", "2025-06-30"]);
    assert_ne!(after, fresh(site.path(), &["--as-of", "2025-06-29"]));
    assert_eq!(read_tree(&output), after);
}

/// The record never hides a change made by hand in the output: a file edited
/// in place with its time put back stops the build (the edit would be lost),
/// and so does one added; put back as the build writes it, or removed, the
/// next build goes on and the output is again what a build writes.
#[cfg(unix)]
#[test]
fn a_file_changed_by_hand_in_the_output_is_never_taken_for_unchanged() {
    let site = site();
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    build(site.path(), &output, &[]);
    let expected = read_tree(&output);

    let page = output.join("www.acme.example/index.html");
    let modified = std::fs::metadata(&page).unwrap().modified().unwrap();
    let text = std::fs::read(&page).unwrap();
    let write_in_place = |bytes: &[u8]| {
        // In place (the same inode), time put back.
        let file = std::fs::OpenOptions::new().write(true).open(&page).unwrap();
        file.write_all_at(bytes, 0).unwrap();
        file.set_modified(modified).unwrap();
    };
    let mut changed = text.clone();
    changed[0] ^= 0x20;
    write_in_place(&changed);
    let edited = read_tree(&output);
    let refused = run(
        site.path(),
        &["build", "--output", output.to_str().unwrap()],
    );
    let said = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{said}");
    assert!(
        said.contains("would lose: www.acme.example/index.html\n"),
        "{said}"
    );
    assert_eq!(read_tree(&output), edited);

    write_in_place(&text);
    let rebuilt = build(site.path(), &output, &[]);
    assert!(!rebuilt.contains(SKIPPED), "{rebuilt}");
    assert_eq!(read_tree(&output), expected);

    std::fs::remove_file(output.join("be.acme.example/_redirects")).unwrap();
    let rebuilt = build(site.path(), &output, &[]);
    assert!(!rebuilt.contains(SKIPPED), "{rebuilt}");
    assert_eq!(read_tree(&output), expected);
    assert!(build(site.path(), &output, &[]).contains(SKIPPED));
}

/// What a build that keeps pages says, with how many.
const KEPT: &str = "unchanged since the last build, were kept as they were";

/// Appends `text` to the file `relative` of `site`, then lets the edit settle.
fn append(site: &Path, relative: &str, text: &str) {
    let file = site.join(relative);
    let old = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{old}{text}")).unwrap();
    settle();
}

/// When only the text of a page changed, its own files are the only pages
/// rendered again: the other pages' files are the last build's, not even read,
/// and the output is still byte for byte what a fresh build writes.
#[cfg(unix)]
#[test]
fn only_the_pages_whose_text_changed_are_rendered_again() {
    let site = site();
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    build(site.path(), &output, &[]);
    let before = identities(&output);

    append(site.path(), "content/en/help.md", "\nOne more sentence.\n");
    let rebuilt = build(site.path(), &output, &[]);
    // Six pages: the English help page is shown on www and, in nl-BE, on be.
    assert!(rebuilt.contains(&format!("; 4 pages, {KEPT}")), "{rebuilt}");
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));
    let after = identities(&output);
    let rendered: Vec<&String> = after
        .keys()
        .filter(|name| name.ends_with("index.html") && after[*name].0 != before[*name].0)
        .collect();
    assert_eq!(
        rendered,
        [
            "be.acme.example/nl-be/help/index.html",
            "www.acme.example/help/index.html"
        ],
        "{rebuilt}"
    );

    // Saved by renaming a new file over it, as many editors save.
    let page = site.path().join("content/fr-FR/help.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let saved = site.path().join("content/fr-FR/.help.md.swp");
    std::fs::write(&saved, text.replace("Écrivez-nous.", "Écrivez-nous vite.")).unwrap();
    std::fs::rename(&saved, &page).unwrap();
    settle();
    let (code, json) = build_json(site.path(), &output);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["kept_pages"], 5, "{json}");
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));
}

/// A change that other files show (a title, in every page's menu) or a new
/// page renders every page again.
#[cfg(unix)]
#[test]
fn a_change_other_pages_show_renders_every_page() {
    let site = site();
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    build(site.path(), &output, &[]);

    let page = site.path().join("content/en/help.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(
        &page,
        text.replacen("title: Help & support", "title: Help", 1),
    )
    .unwrap();
    settle();
    let (code, json) = build_json(site.path(), &output);
    assert_eq!((code, &json["kept_pages"]), (Some(0), &0.into()), "{json}");
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));

    std::fs::write(
        site.path().join("content/en/news.md"),
        "---\ntitle: News\ndescription: What is new.\n---\nNothing yet.\n",
    )
    .unwrap();
    settle();
    let (code, json) = build_json(site.path(), &output);
    assert_eq!((code, &json["kept_pages"]), (Some(0), &0.into()), "{json}");
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));

    // A translation that every page shows: every page again.
    let messages = site.path().join("locales/en/main.ftl");
    let text = std::fs::read_to_string(&messages).unwrap();
    std::fs::write(
        &messages,
        text.replace("nav-label = Pages", "nav-label = Menu"),
    )
    .unwrap();
    settle();
    let (code, json) = build_json(site.path(), &output);
    assert_eq!((code, &json["kept_pages"]), (Some(0), &0.into()), "{json}");
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));
}

/// `#fragment` links between a page rendered again and one kept are checked
/// as a full build checks them: against the kept page's ids, and, when the
/// page rendered again loses an id, by rendering every page.
#[cfg(unix)]
#[test]
fn fragment_links_between_kept_and_rendered_pages_are_checked() {
    let site = site();
    append(
        site.path(),
        "content/en/index.md",
        "\nSee [help](/help/#help-support).\n",
    );
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    build(site.path(), &output, &[]);

    // From the page rendered again to a kept page: an id it has works...
    append(
        site.path(),
        "content/en/index.md",
        "\nAnd [help again](/help/#help-support-1).\n",
    );
    let rebuilt = build(site.path(), &output, &[]);
    assert!(rebuilt.contains(KEPT), "{rebuilt}");
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));

    // ...one it has not is an error at the link, as in a full build.
    append(
        site.path(),
        "content/en/index.md",
        "\nNot [this](/help/#nowhere).\n",
    );
    let kept = read_tree(&output);
    let (code, json) = build_json(site.path(), &output);
    assert_eq!(code, Some(1), "{json}");
    let said = json["diagnostics"].to_string();
    assert!(
        said.contains("links::fragment") && said.contains("#nowhere"),
        "{said}"
    );
    assert!(said.contains("content/en/index.md"), "{said}");
    assert_eq!(read_tree(&output), kept);
    let index = site.path().join("content/en/index.md");
    let text = std::fs::read_to_string(&index).unwrap();
    std::fs::write(&index, text.replace("\nNot [this](/help/#nowhere).\n", "")).unwrap();
    settle();
    build(site.path(), &output, &[]);

    // A heading renamed: its page lost an id, to which no page links. The
    // other pages are kept, their links checked from their files.
    append(site.path(), "content/en/help.md", "\n## Old name\n");
    build(site.path(), &output, &[]);
    let help = site.path().join("content/en/help.md");
    let text = std::fs::read_to_string(&help).unwrap();
    std::fs::write(&help, text.replace("## Old name", "## New name")).unwrap();
    settle();
    let (code, json) = build_json(site.path(), &output);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["kept_pages"], 4, "{json}");
    assert_eq!(read_tree(&output), fresh(site.path(), &[]));
    let kept = read_tree(&output);

    // A kept page links to an id the page rendered again no longer has.
    let text = std::fs::read_to_string(&help).unwrap();
    let text = text
        .replace("## Help & support", "## Support")
        .replace("(#help-support)", "(#support)");
    std::fs::write(&help, text).unwrap();
    settle();
    let (code, json) = build_json(site.path(), &output);
    assert_eq!(code, Some(1), "{json}");
    let said = json["diagnostics"].to_string();
    assert!(said.contains("`#help-support`"), "{said}");
    assert!(said.contains("content/en/index.md"), "{said}");
    assert_eq!(read_tree(&output), kept);
}

/// Edits of every kind, one after the other, each followed by a build into
/// the same output: each leaves what a fresh build writes, and only an edit
/// to pages' text alone keeps pages.
#[cfg(unix)]
#[test]
fn every_kind_of_edit_leaves_what_a_fresh_build_writes() {
    let site = site();
    let root = site.path().to_path_buf();
    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    build(&root, &output, &[]);

    let replace = |relative: &str, from: &str, to: &str| {
        let file = root.join(relative);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(from), "{relative} has no {from:?}");
        std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
    };
    // What the edit is, whether the build keeps pages, and the edit.
    type Edit<'a> = (&'a str, bool, Box<dyn Fn() + 'a>);
    let edits: Vec<Edit> = vec![
        (
            "a sentence",
            true,
            Box::new(|| replace("content/fr-FR/help.md", "Écrivez-nous.", "Écrivez.")),
        ),
        (
            "a heading more",
            true,
            Box::new(|| {
                replace(
                    "content/en/help.md",
                    "and more text.",
                    "and more.\n\n## New",
                )
            }),
        ),
        (
            "a placeholder's value",
            true,
            Box::new(|| replace("content/nl-BE/index.md", "amount=1234.5", "amount=99")),
        ),
        (
            "an image more",
            false,
            Box::new(|| {
                replace(
                    "content/en/help.md",
                    "and more.",
                    "and ![Photo](photo.png).",
                )
            }),
        ),
        (
            "a page renamed",
            false,
            Box::new(|| {
                std::fs::rename(
                    root.join("content/fr-FR/help.md"),
                    root.join("content/fr-FR/aide.md"),
                )
                .unwrap()
            }),
        ),
        (
            "a page added",
            false,
            Box::new(|| {
                let page = "---\ntitle: News\ndescription: What is new.\n---\nNothing yet.\n";
                std::fs::write(root.join("content/en/news.md"), page).unwrap()
            }),
        ),
        (
            "a template",
            false,
            Box::new(|| {
                let template = root.join("themes/plain/templates/base.html");
                let text = std::fs::read_to_string(&template).unwrap();
                std::fs::write(&template, format!("{text}<!-- edited -->\n")).unwrap();
            }),
        ),
        (
            "the style sheet",
            false,
            Box::new(|| replace("themes/plain/static/style.css", "{", "{ margin: 0;")),
        ),
        (
            "a value in site.yaml",
            false,
            Box::new(|| {
                replace(
                    "site.yaml",
                    "https://store.example/global/\n",
                    "https://store.example/world/\n",
                )
            }),
        ),
    ];
    for (edit, keeps_pages, apply) in edits {
        apply();
        settle();
        let (code, json) = build_json(&root, &output);
        assert_eq!(code, Some(0), "{edit}: {json}");
        let kept = json["kept_pages"].as_u64().unwrap();
        assert_eq!(kept > 0, keeps_pages, "{edit}: {kept} pages kept");
        assert_eq!(read_tree(&output), fresh(&root, &[]), "{edit}");
    }
}

/// A page open in an editor: Emacs's lock (a link that leads nowhere) and
/// auto-save, vim's swap file, backups in the theme. `build` and `check` pass
/// them over, the output is the clean site's, and the swap file written again
/// between two builds leaves the second with nothing to do.
#[cfg(unix)]
#[test]
fn an_editors_temporary_files_are_not_inputs() {
    let site = site();
    let root = site.path();
    let clean = fresh(root, &[]);
    let en = root.join("content/en");
    let theme = root.join("themes/plain");
    std::os::unix::fs::symlink("editor@host.1234:1700000000", en.join(".#help.md")).unwrap();
    std::fs::write(en.join("#help.md#"), "---\ntitle: Unsaved\n").unwrap();
    std::fs::write(en.join(".help.md.swp"), "swap").unwrap();
    std::fs::write(theme.join("templates/page.html~"), "{{ broken").unwrap();
    std::fs::write(theme.join("static/style.css~"), "old").unwrap();
    settle();

    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    build(root, &output, &[]);
    assert_eq!(read_tree(&output), clean);
    let checked = run(root, &["check"]);
    assert!(checked.status.success(), "{}", stderr(&checked));

    std::fs::write(en.join(".help.md.swp"), "swap, written again").unwrap();
    settle();
    let again = build(root, &output, &[]);
    assert!(again.contains(SKIPPED), "{again}");
}
