//! `handover build --output`: which folders a build may replace, and the staging
//! folder and swap that put a build in place. Every refused folder is checked to be
//! byte for byte as it was.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{copy_tree, fixtures, handover, read_tree, run, stderr};

/// A copy of the `multi` fixture with a `.git` and an uncommitted file, as a
/// user's site folder has.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join("fixtures/multi"), dir.path());
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not committed yet").unwrap();
    dir
}

fn build_into(site: &Path, output: &Path) -> Output {
    run(site, &["build", "--output", output.to_str().unwrap()])
}

/// Builds into `output` (relative to the site) and asserts the refusal: exit 2,
/// the message, and every file of the site still there byte for byte.
fn assert_refused(site: &Path, output: &str, message: &str) {
    let before = read_tree(site);
    let result = Command::new(env!("CARGO_BIN_EXE_handover"))
        .current_dir(site)
        .args(["build", "--output", output])
        .output()
        .unwrap();
    let text = stderr(&result);
    assert_eq!(result.status.code(), Some(2), "--output {output}:\n{text}");
    assert!(text.contains(message), "--output {output}:\n{text}");
    assert!(
        text.contains("nothing was built and nothing was changed"),
        "{text}"
    );
    assert_eq!(read_tree(site), before, "--output {output} changed files");
}

#[test]
fn the_site_root_and_what_contains_it_are_never_replaced() {
    let site = site();
    let root = site.path().canonicalize().unwrap();
    assert_refused(site.path(), ".", "holds the site itself");
    assert_refused(site.path(), root.to_str().unwrap(), "holds the site itself");
    assert_refused(site.path(), "..", "holds the site itself");
    assert_refused(site.path(), "content/..", "holds the site itself");
    assert_refused(site.path(), "/", "holds the site itself");
}

#[test]
fn no_input_folder_is_ever_replaced() {
    let site = site();
    for (output, input) in [
        ("content", "content"),
        ("content/en", "content"),
        ("locales", "locales"),
        ("themes", "themes"),
        ("themes/plain/static", "themes"),
        ("site.yaml", "site.yaml"),
    ] {
        assert_refused(
            site.path(),
            output,
            &format!("would replace the site's input {input}"),
        );
    }
}

#[test]
fn a_folder_named_by_site_yaml_is_an_input_too() {
    let site = site();
    let config = site.path().join("site.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = format!("{text}\nredirects:\n  csv: [maps/old.csv]\n");
    std::fs::write(&config, text).unwrap();
    std::fs::create_dir(site.path().join("maps")).unwrap();
    std::fs::write(site.path().join("maps/old.csv"), "from,to,status\n").unwrap();
    assert_refused(site.path(), "maps", "would replace the site's input maps");
}

#[test]
fn a_folder_with_files_handover_did_not_write_is_refused() {
    let site = site();
    let mine = site.path().join("mine");
    std::fs::create_dir_all(mine.join("photos")).unwrap();
    std::fs::write(mine.join("photos/cat.jpg"), [0xff, 0xd8, 0xff]).unwrap();
    std::fs::write(mine.join("index.html"), "my own page").unwrap();
    assert_refused(
        site.path(),
        "mine",
        "the output folder mine holds files that handover did not write: index.html, photos",
    );
    // The default output is no exception.
    std::fs::create_dir(site.path().join("public")).unwrap();
    std::fs::write(site.path().join("public/keep.txt"), "keep").unwrap();
    let before = read_tree(site.path());
    let result = run(site.path(), &["build"]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert_eq!(read_tree(site.path()), before);
}

#[test]
fn a_file_or_a_link_as_output_is_refused() {
    let site = site();
    assert_refused(site.path(), "notes.txt", "is a file, not a folder");
    let elsewhere = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(elsewhere.path(), site.path().join("linked")).unwrap();
        assert_refused(site.path(), "linked", "is a symbolic link");
    }
}

#[test]
fn missing_empty_and_handover_written_folders_are_fine() {
    let site = site();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // Empty.
    let result = build_into(site.path(), &out);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(out.join(".handover-output").is_file());
    // Written by handover: replaced.
    let result = build_into(site.path(), &out);
    assert!(result.status.success(), "{}", stderr(&result));
    // Missing, two levels down.
    let deep = out.join("a/b");
    let result = build_into(site.path(), &deep);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(deep.join("www.acme.example/index.html").is_file());
}

/// Builds the site into `public/` after `change` made its output differ from
/// what the last build wrote: the build must be refused with `listed` named
/// and every file left as it was.
fn assert_output_change_refused(change: impl Fn(&Path), listed: &str) {
    let site = site();
    let public = site.path().join("public");
    assert!(run(site.path(), &["build"]).status.success());
    change(&public);
    let before = read_tree(site.path());
    let result = run(site.path(), &["build"]);
    let text = stderr(&result);
    assert_eq!(result.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!(
            "holds files added or changed after handover wrote it, which the build would lose: {listed}\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("to keep them, or delete them (the build writes its own files again); a file to serve beside the site belongs in the deploy step"),
        "{text}"
    );
    assert_eq!(read_tree(site.path()), before);
}

#[test]
fn a_file_added_to_the_output_by_hand_stops_the_build_and_is_kept() {
    // Right after the build: its last change and this one may fall in one
    // tick of the file system's clock.
    assert_output_change_refused(
        |public| std::fs::write(public.join("www.acme.example/google1234.html"), "verify").unwrap(),
        "www.acme.example/google1234.html",
    );
    assert_output_change_refused(
        |public| {
            std::fs::create_dir_all(public.join("be.acme.example/.well-known")).unwrap();
            std::fs::write(public.join("be.acme.example/.well-known/security.txt"), "x").unwrap();
            std::os::unix::fs::symlink("/etc/hostname", public.join("link")).unwrap();
        },
        "be.acme.example/.well-known/security.txt, link",
    );
}

#[test]
fn a_file_edited_in_the_output_stops_the_build_but_a_removed_one_is_written_again() {
    assert_output_change_refused(
        |public| {
            let page = public.join("www.acme.example/help/index.html");
            let mut text = std::fs::read_to_string(&page).unwrap();
            text.push_str("<!-- fixed by hand -->");
            std::fs::write(page, text).unwrap();
        },
        "www.acme.example/help/index.html",
    );
    let site = site();
    let public = site.path().join("public");
    assert!(run(site.path(), &["build"]).status.success());
    let written = read_tree(&public);
    std::fs::remove_file(public.join("www.acme.example/help/index.html")).unwrap();
    std::fs::remove_dir_all(public.join("be.acme.example/nl-be")).unwrap();
    // Same bytes, new status: touched, its permissions changed and back.
    use std::os::unix::fs::PermissionsExt;
    let page = public.join("www.acme.example/index.html");
    std::fs::set_permissions(&page, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(&page, std::fs::Permissions::from_mode(0o644)).unwrap();
    let result = run(site.path(), &["build"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let rebuilt = read_tree(&public);
    let without_marker = |tree: &std::collections::BTreeMap<String, Vec<u8>>| {
        tree.iter()
            .filter(|(path, _)| *path != ".handover-output")
            .map(|(path, bytes)| (path.clone(), bytes.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(without_marker(&rebuilt), without_marker(&written));
}

#[test]
fn files_a_rebuild_reuses_are_not_taken_for_files_changed_by_hand() {
    // The files linked from the last output change status when their old
    // names are removed: the marker is written after that.
    let site = site();
    for round in 0..4 {
        let page = site.path().join("content/en/help.md");
        let mut text = std::fs::read_to_string(&page).unwrap();
        text.push_str(&format!("\nRound {round}.\n"));
        std::fs::write(&page, text).unwrap();
        let result = run(site.path(), &["build"]);
        assert!(
            result.status.success(),
            "round {round}: {}",
            stderr(&result)
        );
    }
}

#[test]
fn output_written_before_the_marker_existed_is_replaced_but_a_lookalike_is_not() {
    let site = site();
    assert!(run(site.path(), &["build"]).status.success());
    let public = site.path().join("public");
    // As an earlier handover left it: no marker.
    std::fs::remove_file(public.join(".handover-output")).unwrap();
    let result = run(site.path(), &["build"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(public.join(".handover-output").is_file());
    // The same folders, one of them not written by handover.
    std::fs::remove_file(public.join(".handover-output")).unwrap();
    std::fs::write(public.join("be.acme.example/_redirects"), "/a /b 301\n").unwrap();
    let before = read_tree(site.path());
    let result = run(site.path(), &["build"]);
    assert_eq!(result.status.code(), Some(2), "{}", stderr(&result));
    assert_eq!(read_tree(site.path()), before);
}

#[test]
fn the_marker_sits_beside_the_domain_folders_so_no_cdn_deploys_it() {
    let site = site();
    let result = run(site.path(), &["build"]);
    assert!(result.status.success(), "{}", stderr(&result));
    let public = site.path().join("public");
    let marker = std::fs::read_to_string(public.join(".handover-output")).unwrap();
    assert!(marker.contains("written by handover"), "{marker}");
    for (path, _) in read_tree(&public) {
        assert!(
            path == ".handover-output" || !path.contains(".handover-output"),
            "{path}"
        );
    }
}

/// Names beside `public/` that start with `.public.`.
/// What builds left beside `public/`, but the record of the last build
/// (`.public.cache`, which the next build reads to skip an unchanged site).
fn leftovers(site: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public.") && n != ".public.cache")
        .collect();
    names.sort();
    names
}

#[test]
fn folders_left_by_a_killed_build_are_removed_by_the_next_even_as_pid_1() {
    let site = site();
    // What an interrupted build left, as PID 1 in a container and as another PID.
    for stale in [".public.staging-1", ".public.old-1", ".public.staging-977"] {
        let dir = site.path().join(stale).join("www.acme.example");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "half").unwrap();
    }
    let result = run(site.path(), &["build"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        leftovers(site.path()).is_empty(),
        "{:?}",
        leftovers(site.path())
    );
    assert!(site
        .path()
        .join("public/www.acme.example/index.html")
        .is_file());
}

#[test]
fn builds_running_at_the_same_time_take_turns() {
    let site = site();
    for round in 0..6 {
        let children: Vec<_> = (0..3)
            .map(|_| {
                handover()
                    .arg("--root")
                    .arg(site.path())
                    .arg("build")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let result = child.wait_with_output().unwrap();
            assert!(
                result.status.success(),
                "round {round}: {}",
                stderr(&result)
            );
        }
        assert!(site
            .path()
            .join("public/www.acme.example/index.html")
            .is_file());
        assert!(
            leftovers(site.path()).is_empty(),
            "{:?}",
            leftovers(site.path())
        );
    }
}

/// Starts a build that stops just before the swap, and waits until it is there.
fn build_paused_before_swap(site: &Path) -> (std::process::Child, PathBuf) {
    build_paused(site, &[("HANDOVER_TEST_PAUSE_BEFORE_SWAP_MS", "20000")])
}

/// Starts a build with the test pauses `pauses` and waits until it has
/// checked its output and written its marker, just before the swap.
fn build_paused(site: &Path, pauses: &[(&str, &str)]) -> (std::process::Child, PathBuf) {
    // Without the record of the last build, an unchanged site is built again.
    let _ = std::fs::remove_file(site.join(".public.cache"));
    let child = handover()
        .arg("--root")
        .arg(site)
        .arg("build")
        .envs(pauses.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let staging = site.join(format!(".public.staging-{}", child.id()));
    wait_for(&staging.join(".handover-output"));
    (child, staging)
}

fn wait_for(file: &Path) {
    let started = Instant::now();
    while !file.is_file() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no {}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The folders `public.kept-<pid>` beside `public/`, each as its files.
fn kept_beside(site: &Path) -> Vec<std::collections::BTreeMap<String, Vec<u8>>> {
    let mut kept: Vec<PathBuf> = std::fs::read_dir(site)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("public.kept-"))
        })
        .collect();
    kept.sort();
    kept.iter().map(|folder| read_tree(folder)).collect()
}

#[cfg(unix)]
#[test]
fn a_file_added_while_a_build_runs_after_its_check_is_kept_beside_the_output() {
    let site = site();
    assert!(run(site.path(), &["build"]).status.success());
    let public = site.path().join("public");
    let (child, _) = build_paused(
        site.path(),
        &[("HANDOVER_TEST_PAUSE_BEFORE_SWAP_MS", "1000")],
    );
    // Checked already: the build would replace the folder without it.
    std::fs::write(public.join("www.acme.example/google1234.html"), "verify").unwrap();
    let result = child.wait_with_output().unwrap();
    let text = stderr(&result);
    assert!(result.status.success(), "{text}");
    assert!(
        text.contains("while the build ran") && text.contains("www.acme.example/google1234.html"),
        "{text}"
    );
    assert!(!public.join("www.acme.example/google1234.html").exists());
    let only_it = std::collections::BTreeMap::from([(
        "www.acme.example/google1234.html".to_string(),
        b"verify".to_vec(),
    )]);
    assert_eq!(kept_beside(site.path()), vec![only_it]);
    assert!(
        leftovers(site.path()).is_empty(),
        "{:?}",
        leftovers(site.path())
    );
}

/// A site whose build was killed after its swap, before it removed the old
/// output, to which a file had been added while it ran.
#[cfg(unix)]
fn killed_after_the_swap_with_a_file_added() -> tempfile::TempDir {
    let site = site();
    assert!(run(site.path(), &["build"]).status.success());
    let public = site.path().join("public");
    let (mut child, staging) = build_paused(
        site.path(),
        &[
            ("HANDOVER_TEST_PAUSE_BEFORE_SWAP_MS", "1000"),
            ("HANDOVER_TEST_PAUSE_AFTER_SWAP_MS", "20000"),
        ],
    );
    std::fs::write(public.join("www.acme.example/google1234.html"), "verify").unwrap();
    // Swapped: the old output, with the file, is where the staging folder was.
    wait_for(&staging.join("www.acme.example/google1234.html"));
    signal(&child, "KILL");
    let _ = child.wait();
    assert!(kept_beside(site.path()).is_empty());
    site
}

/// The file [`killed_after_the_swap_with_a_file_added`] added, named in
/// `text` and kept beside the output with its bytes.
#[cfg(unix)]
fn assert_added_file_kept(site: &Path, text: &str) {
    assert!(text.contains("www.acme.example/google1234.html"), "{text}");
    assert_eq!(
        kept_beside(site),
        vec![std::collections::BTreeMap::from([(
            "www.acme.example/google1234.html".to_string(),
            b"verify".to_vec(),
        )])]
    );
}

#[cfg(unix)]
#[test]
fn a_file_added_while_a_build_runs_is_kept_even_when_it_is_killed_after_the_swap() {
    let site = killed_after_the_swap_with_a_file_added();
    let result = run(site.path(), &["build"]);
    let text = stderr(&result);
    assert!(result.status.success(), "{text}");
    assert_added_file_kept(site.path(), &text);
    assert!(
        leftovers(site.path()).is_empty(),
        "{:?}",
        leftovers(site.path())
    );
}

#[cfg(unix)]
#[test]
fn a_build_that_fails_still_says_where_it_kept_a_killed_builds_files() {
    let site = killed_after_the_swap_with_a_file_added();
    // The next build fails on a link, found as it renders, after it has
    // cleared the killed build's folders: it still keeps the file, and says so.
    let page = site.path().join("content/en/index.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{text}\n[Gone](/nowhere/)\n")).unwrap();
    let result = run(site.path(), &["build"]);
    let text = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{text}");
    assert!(text.contains("links::broken"), "{text}");
    assert!(text.contains("output::kept-beside"), "{text}");
    assert_added_file_kept(site.path(), &text);
}

#[cfg(unix)]
fn signal(child: &std::process::Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn sigterm_and_ctrl_c_remove_their_staging_folder_and_leave_public_alone() {
    let site = site();
    assert!(run(site.path(), &["build"]).status.success());
    let public = site.path().join("public");
    // The build to stop would change public/.
    let page = site.path().join("content/en/index.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{text}\nChanged since.\n")).unwrap();
    let before = read_tree(&public);
    for name in ["TERM", "INT"] {
        let (child, staging) = build_paused_before_swap(site.path());
        signal(&child, name);
        let result = child.wait_with_output().unwrap();
        assert_eq!(result.status.code(), Some(130), "SIG{name}");
        assert!(stderr(&result).contains("staging folder removed"));
        assert!(!staging.exists(), "SIG{name} left {}", staging.display());
        assert!(
            leftovers(site.path()).is_empty(),
            "{:?}",
            leftovers(site.path())
        );
        assert_eq!(read_tree(&public), before, "SIG{name} changed public/");
    }
}

#[cfg(unix)]
#[test]
fn kill_9_at_the_swap_leaves_public_complete_and_the_next_build_cleans_up() {
    let site = site();
    assert!(run(site.path(), &["build"]).status.success());
    let public = site.path().join("public");
    let before = read_tree(&public);
    let (mut child, staging) = build_paused_before_swap(site.path());
    signal(&child, "KILL");
    let _ = child.wait();
    assert_eq!(read_tree(&public), before);
    assert!(staging.exists(), "kill -9 cannot clean up");
    let result = run(site.path(), &["build"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        leftovers(site.path()).is_empty(),
        "{:?}",
        leftovers(site.path())
    );
}

/// Runs `script` in a new user and mount namespace (`unshare -rm`), where the
/// test may mount a small tmpfs; `None` where namespaces are not allowed.
#[cfg(target_os = "linux")]
fn in_mount_namespace(script: &str, dir: &Path) -> Option<Output> {
    let allowed = Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !allowed {
        eprintln!("skipped: this machine does not allow `unshare -rm`");
        return None;
    }
    Some(
        Command::new("unshare")
            .args(["-rm", "sh", "-c", script])
            .current_dir(dir)
            .env("HANDOVER", env!("CARGO_BIN_EXE_handover"))
            .output()
            .unwrap(),
    )
}

#[cfg(target_os = "linux")]
#[test]
fn a_mount_point_as_output_is_refused_up_front() {
    let site = site();
    std::fs::create_dir(site.path().join("public")).unwrap();
    let Some(result) = in_mount_namespace(
        "mount -t tmpfs -o size=4m tmpfs public && \"$HANDOVER\" build; code=$?; \
         ls -A public; ls -A . | grep '^\\.public\\.'; exit $code",
        site.path(),
    ) else {
        return;
    };
    let text = stderr(&result);
    assert_eq!(result.status.code(), Some(2), "{text}");
    assert!(
        text.contains("the output folder ") && text.contains("public is a mount point"),
        "{text}"
    );
    assert!(text.contains("build into a folder inside it"), "{text}");
    assert_eq!(common::stdout(&result), "", "nothing written, no staging");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_one_error_that_says_so() {
    let site = site();
    // Enough pages that the output cannot fit in 64 KB.
    for index in 0..40 {
        std::fs::write(
            site.path().join(format!("content/en/page-{index}.md")),
            format!(
                "---\ntitle: Page {index}\ndescription: A page.\n---\n{}\n",
                "Some text for the page. ".repeat(200)
            ),
        )
        .unwrap();
    }
    std::fs::create_dir(site.path().join("small")).unwrap();
    let Some(result) = in_mount_namespace(
        "mount -t tmpfs -o size=64k tmpfs small && \"$HANDOVER\" build --output small/public; \
         code=$?; ls -A small; exit $code",
        site.path(),
    ) else {
        return;
    };
    let text = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{text}");
    assert_eq!(text.matches("error[").count(), 1, "one error:\n{text}");
    assert!(
        text.contains("error[output::disk-full]: the disk is full: the build needs "),
        "{text}"
    );
    assert!(text.contains("free at least "), "{text}");
    assert_eq!(common::stdout(&result), "", "no staging copy left");
}

#[cfg(unix)]
#[test]
fn a_public_folder_that_forbids_writing_is_an_error_up_front() {
    use std::os::unix::fs::PermissionsExt;
    let site = site();
    assert!(run(site.path(), &["build"]).status.success());
    let public = site.path().join("public");
    let domain = public.join("www.acme.example");
    std::fs::set_permissions(&domain, std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = read_tree(&public);
    // Root may write anywhere: run as `nobody`, who owns the site and a copy of
    // the binary beside it (the build's own folder may be closed to others).
    let as_root = is_root();
    let mut command = if as_root {
        let binary = site.path().join("handover-copy");
        std::fs::copy(env!("CARGO_BIN_EXE_handover"), &binary).unwrap();
        let status = Command::new("chown")
            .args(["-R", "nobody", site.path().to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut command = Command::new("setpriv");
        command.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"]);
        command.arg(binary);
        command
    } else {
        handover()
    };
    let result = command
        .arg("--root")
        .arg(site.path())
        .arg("build")
        .output()
        .unwrap();
    std::fs::set_permissions(&domain, std::fs::Permissions::from_mode(0o755)).unwrap();
    let text = stderr(&result);
    assert_eq!(result.status.code(), Some(2), "{text}");
    assert!(
        text.contains("www.acme.example cannot be changed: its permissions forbid writing"),
        "{text}"
    );
    assert!(
        leftovers(site.path()).is_empty(),
        "{:?}",
        leftovers(site.path())
    );
    assert_eq!(read_tree(&public), before);
}

#[cfg(unix)]
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
