//! `handover serve` on an ephemeral loopback port: pages per region, 404s,
//! redirects as the CDN gives them, every traversal attempt refused, the `Host` and
//! `Origin` checks, and the error overlay appearing and clearing by itself.
//!
//! Requests are written by hand over TCP so odd paths and headers reach the server
//! exactly as sent (an HTTP client would normalise them).

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::{Duration, Instant};

use handover::serve::{start, ServeOptions, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }
}

async fn request(addr: SocketAddr, host: &str, path: &str, extra: &str) -> Response {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let text = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n");
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut bytes)).await;
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

async fn serve(site: &Path) -> Server {
    serve_with(site, false).await
}

async fn serve_with(site: &Path, drafts: bool) -> Server {
    let server = start(ServeOptions {
        root: site.to_path_buf(),
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        verbose: false,
        idle_timeout: Duration::from_secs(1),
        drafts,
    })
    .await
    .expect("the server starts");
    checked(&server).await;
    server
}

/// Waits until the check of the build being served has ended: pages are served
/// before it, and its findings follow.
async fn checked(server: &Server) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let current = server.shared.current();
        if current.failure.is_some() || current.build.is_some_and(|build| build.checked) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the check of the served build did not end");
}

fn copy_of_multi() -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    common::copy_tree(&common::fixtures().join("fixtures/multi"), site.path());
    site
}

fn host(server: &Server, region: &str) -> String {
    format!("{region}.localhost:{}", server.addr.port())
}

#[tokio::test]
async fn each_region_is_served_on_its_own_origin_with_404s_and_redirects() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let global = host(&server, "global");

    let home = request(server.addr, &global, "/", "").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<html lang=\"en\""), "{}", home.body);
    assert!(
        home.body.contains("/__handover/reload.js"),
        "the reload script is injected"
    );
    assert_eq!(home.header("access-control-allow-origin"), None);

    let languages = request(server.addr, &host(&server, "be"), "/", "").await;
    assert_eq!(languages.status, 200);
    assert!(languages.body.contains("/fr-be/"), "{}", languages.body);

    let missing = request(server.addr, &global, "/no/such/page", "").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("<html"),
        "the site's 404 page: {}",
        missing.body
    );

    let alias = request(server.addr, &global, "/old-home/", "").await;
    assert_eq!(alias.status, 301);
    assert_eq!(alias.header("location").as_deref(), Some("/"));

    let config = request(server.addr, &global, "/_redirects", "").await;
    assert_eq!(config.status, 404, "the CDN never serves _redirects");

    let index = request(
        server.addr,
        &format!("localhost:{}", server.addr.port()),
        "/",
        "",
    )
    .await;
    assert_eq!(index.status, 200);
    assert!(index
        .body
        .contains(&format!("http://be.localhost:{}/", server.addr.port())));
    server.stop().await;
}

#[tokio::test]
async fn nothing_outside_the_site_can_be_read() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let global = host(&server, "global");
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%2f..%2fetc/passwd",
        "//etc/passwd",
        "/a\\..\\secret.txt",
        "/..%5c..%5csecret.txt",
        "/../www.acme.example-secret/x",
    ] {
        let response = request(server.addr, &global, path, "").await;
        assert!(
            response.status == 400 || response.status == 404,
            "{path}: {} {}",
            response.status,
            response.body
        );
        assert!(
            !response.body.contains("root:"),
            "{path} leaked: {}",
            response.body
        );
    }
    server.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_theme_file_linked_outside_the_site_is_an_error_that_shows_no_content() {
    let site = copy_of_multi();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "TOP-SECRET-VALUE").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        site.path().join("themes/plain/static/secret.txt"),
    )
    .unwrap();
    let server = serve(site.path()).await;
    let global = host(&server, "global");
    for path in ["/", "/secret.txt"] {
        let response = request(server.addr, &global, path, "").await;
        assert!(
            response
                .body
                .contains("themes/plain/static/secret.txt is a link to "),
            "{path}: {}",
            response.body
        );
        assert!(
            !response.body.contains("TOP-SECRET-VALUE"),
            "{}",
            response.body
        );
    }
    server.stop().await;
}

/// The headers that ask for a WebSocket (the reload channel), without `Origin`.
const WS_HANDSHAKE: &str =
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
                            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

#[tokio::test]
async fn unexpected_hosts_and_foreign_origins_are_refused() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let port = server.addr.port();
    for bad in [
        "evil.example",
        "evil.example:80",
        &format!("attacker.example:{port}"),
        "global.localhost:1",
    ] {
        let response = request(server.addr, bad, "/", "").await;
        assert_eq!(response.status, 421, "{bad}");
    }
    let handshake = WS_HANDSHAKE;
    let global = host(&server, "global");
    let foreign = request(
        server.addr,
        &global,
        "/__handover/ws?path=/",
        &format!("{handshake}Origin: http://evil.example\r\n"),
    )
    .await;
    assert_eq!(foreign.status, 403);
    let missing = request(server.addr, &global, "/__handover/ws?path=/", handshake).await;
    assert_eq!(missing.status, 403);
    // The page's own origin gets the upgrade (read with a short timeout: the socket
    // stays open).
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let text = format!("GET /__handover/ws?path=/ HTTP/1.1\r\nHost: {global}\r\n{handshake}Origin: http://{global}\r\n\r\n");
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut buffer = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 101"));
    server.stop().await;
}

/// The reload channel of `path` on `host`, for a page served after `seen`
/// changes: whether it says "reload" within `within`.
async fn told_to_reload(
    addr: SocketAddr,
    host: &str,
    path: &str,
    seen: &str,
    within: Duration,
) -> bool {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let text = format!(
        "GET /__handover/ws?path={path}&seen={seen} HTTP/1.1\r\nHost: {host}\r\n\
         {WS_HANDSHAKE}Origin: http://{host}\r\n\r\n"
    );
    stream.write_all(text.as_bytes()).await.unwrap();
    let deadline = Instant::now() + within;
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 512];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(read)) if read > 0 => bytes.extend_from_slice(&buffer[..read]),
            _ => break,
        }
        // An unmasked text frame from the server: 0x81, its length, the text.
        if bytes.windows(8).any(|w| w == b"\x81\x06reload") {
            return true;
        }
    }
    assert!(bytes.starts_with(b"HTTP/1.1 101"), "{bytes:?}");
    false
}

/// The number of changes a preview page says it was served after.
fn seen_of(body: &str) -> String {
    let (_, rest) = body.split_once("data-seen=\"").expect("the reload script");
    rest[..rest.find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_tab_whose_page_changed_before_it_listened_is_told_to_reload() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let global = host(&server, "global");
    let before = request(server.addr, &global, "/help/", "").await;
    let seen = seen_of(&before.body);
    let page = site.path().join("content/en/help.md");
    let original = std::fs::read_to_string(&page).unwrap();
    save(&page, &format!("{original}\nA new paragraph.\n"));
    let after = wait_for(server.addr, &global, "/help/", |r| {
        r.body.contains("A new paragraph.")
    })
    .await;
    checked(&server).await;
    let short = Duration::from_millis(500);
    // The tab of the old page connects only now: the change has been announced.
    assert!(
        told_to_reload(
            server.addr,
            &global,
            "/help/",
            &seen,
            Duration::from_secs(5)
        )
        .await
    );
    // Another page, unchanged, is not reloaded; nor is the new page.
    assert!(!told_to_reload(server.addr, &global, "/", &seen, short).await);
    let now = seen_of(&request(server.addr, &global, "/help/", "").await.body);
    assert!(!told_to_reload(server.addr, &global, "/help/", &now, short).await);
    assert_ne!(seen, now, "{}", after.body);
    server.stop().await;
}

async fn wait_for(
    addr: SocketAddr,
    host: &str,
    path: &str,
    predicate: impl Fn(&Response) -> bool,
) -> Response {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let response = request(addr, host, path, "").await;
        if predicate(&response) || Instant::now() > deadline {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_broken_file_shows_the_overlay_over_the_last_good_page_until_fixed() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let global = host(&server, "global");
    let page = site.path().join("content/en/help.md");
    let good = std::fs::read_to_string(&page).unwrap();

    std::fs::write(
        &page,
        good.replacen("---\n", "---\ntitel: <b>oops</b>\n", 1),
    )
    .unwrap();
    let broken = wait_for(server.addr, &global, "/help/", |r| {
        r.body.contains("handover-overlay")
    })
    .await;
    assert!(broken.body.contains("handover-overlay"), "{}", broken.body);
    assert!(
        broken.body.contains("content/en/help.md:2:1"),
        "{}",
        broken.body
    );
    assert!(
        broken.body.contains("unknown key `titel`"),
        "{}",
        broken.body
    );
    assert!(
        broken.body.contains("&lt;b&gt;oops&lt;"),
        "escaped: {}",
        broken.body
    );
    assert_eq!(broken.status, 200, "the last good page is still served");

    std::fs::write(
        &page,
        good.replacen("title: Help", "title: Help, edited", 1),
    )
    .unwrap();
    let fixed = wait_for(server.addr, &global, "/help/", |r| {
        !r.body.contains("handover-overlay")
    })
    .await;
    assert!(!fixed.body.contains("handover-overlay"), "{}", fixed.body);
    server.stop().await;
}

#[tokio::test]
async fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let site = copy_of_multi();
    let error = start(ServeOptions {
        root: site.path().to_path_buf(),
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port,
        verbose: false,
        idle_timeout: Duration::from_secs(1),
        drafts: false,
    })
    .await
    .err()
    .expect("the port is taken");
    assert!(
        error
            .message
            .contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{}",
        error.message
    );
    assert!(error.help.unwrap().contains("is in use"));
}

/// Saves like an editor: a hidden temporary file renamed over the page, so no
/// rebuild can read it half-written (which would fail and force a full reload).
/// The `src` of the page's image whose file name holds `name`.
fn image_src<'a>(body: &'a str, name: &str) -> &'a str {
    body.split("src=\"")
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .find(|src| src.contains(name))
        .expect("the resized image")
}

fn save(path: &Path, text: &str) {
    let temporary = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

#[tokio::test]
async fn a_body_edit_renders_only_that_page_and_a_title_edit_renders_the_site() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let global = host(&server, "global");
    let all = server.shared.current().build.unwrap().files.len();
    let page = site.path().join("content/en/help.md");
    let original = std::fs::read_to_string(&page).unwrap();

    save(&page, &format!("{original}\nA new paragraph.\n"));
    let edited = wait_for(server.addr, &global, "/help/", |r| {
        r.body.contains("A new paragraph.")
    })
    .await;
    assert!(edited.body.contains("A new paragraph."));
    // en/help.md is shown on www (en) and, by fallback, on be (nl-BE): two files.
    assert_eq!(server.shared.current().build.unwrap().rendered, 2);

    let retitled = original.replacen("title: ", "title: Retitled ", 1);
    assert_ne!(retitled, original);
    save(&page, &retitled);
    wait_for(server.addr, &global, "/help/", |r| {
        r.body.contains("Retitled")
    })
    .await;
    let build = server.shared.current().build.unwrap();
    assert_eq!(
        build.rendered, all,
        "navigation on every page shows the title"
    );
    assert_eq!(build.files.len(), all);
    server.stop().await;
}

#[tokio::test]
async fn a_body_edit_that_changes_an_image_renders_the_new_image_file_too() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let global = host(&server, "global");
    let page = site.path().join("content/en/help.md");
    let original = std::fs::read_to_string(&page).unwrap();
    assert!(original.contains("{width=40}"));

    // Only the body changed, but the page now needs an image file that no page
    // used before (and `_headers` lists every image).
    save(&page, &original.replace("{width=40}", "{width=30}"));
    let edited = wait_for(server.addr, &global, "/help/", |r| {
        r.body.contains("photo-30w.")
    })
    .await;
    let src = image_src(&edited.body, "photo-30w.");
    let image = request(server.addr, &global, src, "").await;
    assert_eq!(image.status, 200, "{src}");
    server.stop().await;
}

#[tokio::test]
async fn a_translation_edit_renders_the_pages_of_the_locales_that_read_it() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let be = host(&server, "be");
    let all = server.shared.current().build.unwrap().files.len();
    let french = site.path().join("locales/fr-FR/main.ftl");
    let text = std::fs::read_to_string(&french).unwrap();
    assert!(text.contains("nav-label = Pages"));

    // fr-BE falls back to fr-FR; en and nl-BE never read it.
    save(
        &french,
        &text.replace("nav-label = Pages", "nav-label = Rubriques"),
    );
    wait_for(server.addr, &be, "/fr-be/", |r| {
        r.body.contains("Rubriques")
    })
    .await;
    let build = server.shared.current().build.unwrap();
    let fr_be: Vec<&(String, String)> = build
        .files
        .keys()
        .filter(|(domain, path)| {
            domain == "be.acme.example"
                && (path.starts_with("fr-be/") || path == "404.html" || path == "index.html")
        })
        .collect();
    assert_eq!(build.rendered, fr_be.len(), "{fr_be:?}");
    assert!(build.rendered < all);

    // Every locale falls back to the reference locale: its messages redo every
    // page (and nothing else: images, sitemaps and rules show no message).
    let pages = build
        .files
        .keys()
        .filter(|(_, p)| p.ends_with(".html"))
        .count();
    let english = site.path().join("locales/en/main.ftl");
    let text = std::fs::read_to_string(&english).unwrap();
    save(&english, &format!("{text}\nunused-new-message = New\n"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.shared.current().build.unwrap().rendered != pages && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.shared.current().build.unwrap().rendered, pages);
    server.stop().await;
}

#[tokio::test]
async fn a_site_broken_at_start_shows_the_overlay_and_recovers_on_the_first_good_save() {
    let site = copy_of_multi();
    let page = site.path().join("content/en/help.md");
    let good = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, good.replacen("---\n", "---\ntitel: oops\n", 1)).unwrap();
    let server = serve(site.path()).await;
    for region in ["global", "be"] {
        let broken = request(server.addr, &host(&server, region), "/", "").await;
        assert!(
            broken.body.contains("unknown key `titel`"),
            "{region}: {} {}",
            broken.status,
            broken.body
        );
        assert!(
            broken.body.contains("/__handover/reload.js"),
            "it reloads by itself"
        );
    }
    save(&page, &good);
    let fixed = wait_for(server.addr, &host(&server, "global"), "/help/", |r| {
        r.status == 200 && !r.body.contains("handover-overlay")
    })
    .await;
    assert_eq!(fixed.status, 200, "{}", fixed.body);
    assert!(!fixed.body.contains("handover-overlay"), "{}", fixed.body);
    server.stop().await;
}

/// `cp -r` of a folder, as a user restores a backup.
fn copy_folder(from: &Path, to: &Path) {
    for (relative, bytes) in common::read_tree(from) {
        let target = to.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
}

/// Replaces `folder` of the site the way users do: deleted then copied back
/// from a backup, or a new copy renamed into place.
fn replace_folder(site: &Path, folder: &str, by_rename: bool) {
    let backup = tempfile::tempdir().unwrap();
    copy_folder(&site.join(folder), backup.path());
    if by_rename {
        let new = site.join(format!("{folder}.new"));
        copy_folder(backup.path(), &new);
        std::fs::rename(site.join(folder), site.join(format!("{folder}.old"))).unwrap();
        std::fs::rename(&new, site.join(folder)).unwrap();
    } else {
        std::fs::remove_dir_all(site.join(folder)).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        copy_folder(backup.path(), &site.join(folder));
    }
}

#[tokio::test]
async fn input_folders_deleted_and_created_again_are_watched_again() {
    let site = copy_of_multi();
    std::fs::create_dir(site.path().join("redirects")).unwrap();
    std::fs::write(
        site.path().join("redirects/map.csv"),
        "from,to,status\n/old-1,https://store.example/1,301\n",
    )
    .unwrap();
    let config = site.path().join("site.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}\nredirects:\n  csv: [redirects/map.csv]\n"),
    )
    .unwrap();
    let server = serve(site.path()).await;
    let global = host(&server, "global");
    let mut edit = 0;
    for by_rename in [false, true] {
        // content/
        replace_folder(site.path(), "content", by_rename);
        edit += 1;
        let page = site.path().join("content/en/help.md");
        let text = std::fs::read_to_string(&page).unwrap();
        save(&page, &format!("{text}\nEdit number {edit}.\n"));
        let shown = wait_for(server.addr, &global, "/help/", |r| {
            r.body.contains(&format!("Edit number {edit}."))
        })
        .await;
        assert!(
            shown.body.contains(&format!("Edit number {edit}.")),
            "content/ replaced (rename: {by_rename}): {}",
            shown.body
        );
        // locales/
        replace_folder(site.path(), "locales", by_rename);
        edit += 1;
        let ftl = site.path().join("locales/en/main.ftl");
        let text = std::fs::read_to_string(&ftl).unwrap();
        let label = format!("Pages {edit}");
        save(
            &ftl,
            &text.replace("nav-label = Pages", &format!("nav-label = {label}")),
        );
        let shown = wait_for(server.addr, &global, "/help/", |r| r.body.contains(&label)).await;
        assert!(
            shown.body.contains(&label),
            "locales/ replaced (rename: {by_rename}): {}",
            shown.body
        );
        // redirects/
        replace_folder(site.path(), "redirects", by_rename);
        edit += 1;
        let csv = site.path().join("redirects/map.csv");
        let text = std::fs::read_to_string(&csv).unwrap();
        save(
            &csv,
            &format!("{text}/old-{edit},https://store.example/{edit},301\n"),
        );
        let moved = wait_for(server.addr, &global, &format!("/old-{edit}"), |r| {
            r.status == 301
        })
        .await;
        assert_eq!(
            moved.status, 301,
            "redirects/ replaced (rename: {by_rename})"
        );
        for folder in ["content", "locales", "redirects"] {
            let _ = std::fs::remove_dir_all(site.path().join(format!("{folder}.old")));
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    // A connection that never sends a request.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    // A keep-alive connection after one request.
    let mut kept = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\n\r\n",
        host(&server, "global")
    );
    kept.write_all(head.as_bytes()).await.unwrap();
    for (name, stream) in [("silent", &mut silent), ("keep-alive", &mut kept)] {
        let mut buffer = vec![0u8; 1 << 16];
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => continue,
                }
            }
        })
        .await;
        assert!(
            closed.is_ok(),
            "the {name} connection is still open after 5 s"
        );
    }
    // The server still answers.
    let home = request(server.addr, &host(&server, "global"), "/", "").await;
    assert_eq!(home.status, 200);
    server.stop().await;
}

/// Inotify watches this process holds, from /proc/self/fdinfo.
#[cfg(target_os = "linux")]
fn inotify_watches() -> usize {
    std::fs::read_dir("/proc/self/fdinfo")
        .unwrap()
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .map(|info| info.matches("inotify wd:").count())
        .sum()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_watcher_does_not_follow_links_out_of_the_site() {
    let site = copy_of_multi();
    std::os::unix::fs::symlink("/usr", site.path().join("content/en/usr")).unwrap();
    let before = inotify_watches();
    let server = serve(site.path()).await;
    let added = inotify_watches().saturating_sub(before);
    // The fixture has a dozen folders; /usr has thousands.
    assert!(added < 200, "{added} watches");
    server.stop().await;
}

/// The text of the warnings panel of a page, or "" without one.
fn warnings_panel(body: &str) -> &str {
    let Some(start) = body.find("<details id=\"handover-warnings\"") else {
        return "";
    };
    let end = body[start..]
        .find("</details>")
        .map_or(body.len(), |e| start + e);
    &body[start..end]
}

#[tokio::test]
async fn each_page_shows_its_own_warnings_in_a_folded_panel() {
    let site = copy_of_multi();
    let help = site.path().join("content/en/help.md");
    let text = std::fs::read_to_string(&help).unwrap();
    let long = format!("description: {}", "Where to get help now. ".repeat(9));
    std::fs::write(
        &help,
        text.replacen("description: Where to get help now.", &long, 1),
    )
    .unwrap();
    let server = serve(site.path()).await;
    let global = host(&server, "global");

    let page = request(server.addr, &global, "/help/", "").await;
    let panel = warnings_panel(&page.body);
    assert!(panel.contains("1 warning about this page"), "{}", page.body);
    assert!(panel.contains("content/en/help.md:3:1"), "{panel}");
    assert!(
        panel.contains("the description is 206 characters"),
        "{panel}"
    );
    assert!(!panel.contains(" open"), "folded until asked: {panel}");
    assert!(
        !page.body.contains("handover-overlay"),
        "a warning is no error"
    );
    let home = request(server.addr, &global, "/", "").await;
    assert_eq!(warnings_panel(&home.body), "", "not on another page");

    // nl-BE has no help page of its own: the English one says so where it is shown.
    let fallback = request(server.addr, &host(&server, "be"), "/nl-be/help/", "").await;
    let panel = warnings_panel(&fallback.body);
    assert!(
        panel.contains("the page `help` has no nl-BE version: the en page is shown instead"),
        "{}",
        fallback.body
    );
    // fr-BE shows fr-FR's pages as site.yaml declares: nothing to warn about.
    let french = request(server.addr, &host(&server, "be"), "/fr-be/", "").await;
    assert_eq!(warnings_panel(&french.body), "", "{}", french.body);
    server.stop().await;
}

#[tokio::test]
async fn a_broken_link_shows_the_edit_with_the_error_a_build_would_refuse() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let global = host(&server, "global");
    let page = site.path().join("content/en/help.md");
    let original = std::fs::read_to_string(&page).unwrap();

    save(
        &page,
        &format!("{original}\nSee [the old shop](/old-shop/).\n"),
    );
    // The edit is served first; the check's verdict follows.
    let edited = wait_for(server.addr, &global, "/help/", |r| {
        r.body.contains("the old shop") && r.body.contains("handover-overlay")
    })
    .await;
    assert!(
        edited
            .body
            .contains("<a href=\"/old-shop/\">the old shop</a>"),
        "the edit is shown"
    );
    assert!(
        edited
            .body
            .contains("handover build would refuse the site: 1 error"),
        "{}",
        edited.body
    );
    assert!(edited.body.contains("links::broken"), "{}", edited.body);
    let line = original.lines().count() + 2;
    assert!(
        edited.body.contains(&format!("content/en/help.md:{line}:")),
        "{}",
        edited.body
    );
    // Every tab learns of it: the home page, unchanged, shows it too.
    let home = request(server.addr, &global, "/", "").await;
    assert!(home.body.contains("handover-overlay"), "{}", home.body);

    save(&page, &original);
    let fixed = wait_for(server.addr, &global, "/", |r| {
        !r.body.contains("handover-overlay")
    })
    .await;
    assert!(!fixed.body.contains("handover-overlay"), "{}", fixed.body);
    server.stop().await;
}

#[tokio::test]
async fn drafts_are_previewed_with_drafts_and_marked_as_such() {
    let site = copy_of_multi();
    std::fs::write(
        site.path().join("content/en/soon.md"),
        "---\ntitle: Coming soon\ndescription: Not yet.\ndraft: true\n---\nSoon.\n",
    )
    .unwrap();
    let server = serve(site.path()).await;
    let hidden = request(server.addr, &host(&server, "global"), "/soon/", "").await;
    assert_eq!(hidden.status, 404, "not without --drafts");
    server.stop().await;

    let server = serve_with(site.path(), true).await;
    let draft = request(server.addr, &host(&server, "global"), "/soon/", "").await;
    assert_eq!(draft.status, 200, "{}", draft.body);
    assert!(
        draft.body.contains("<h1>Coming soon</h1>"),
        "{}",
        draft.body
    );
    let panel = warnings_panel(&draft.body);
    assert!(
        panel.contains("Draft: handover build does not publish this page"),
        "{}",
        draft.body
    );
    assert!(panel.contains("content/en/soon.md:4:1"), "{panel}");
    let other = request(server.addr, &host(&server, "global"), "/help/", "").await;
    assert!(
        !warnings_panel(&other.body).contains("Draft"),
        "{}",
        other.body
    );
    server.stop().await;
}

#[tokio::test]
async fn the_preview_sends_the_security_headers_of_the_generated_headers_file() {
    let site = copy_of_multi();
    let server = serve(site.path()).await;
    let global = host(&server, "global");
    let page = request(server.addr, &global, "/help/", "").await;
    assert_eq!(page.status, 200);
    // What `_headers` gives every path (`/*`), from the same build.
    let build = server.shared.current().build.unwrap();
    let written = build
        .files
        .get(&("www.acme.example".to_string(), "_headers".to_string()))
        .expect("the build writes _headers");
    let written = String::from_utf8_lossy(&written.unpack()).into_owned();
    let rules: Vec<(String, String)> = written
        .lines()
        .skip_while(|l| *l != "/*")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.trim().split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert!(rules.len() >= 5, "{written}");
    for (name, value) in &rules {
        let sent = page.header(name).unwrap_or_default();
        if name == "Content-Security-Policy" {
            assert_eq!(
                sent,
                format!(
                    "{value}; script-src http://{global}/__handover/reload.js; connect-src ws://{global}/__handover/ws"
                ),
                "only the preview's own script and channel are added"
            );
        } else {
            assert_eq!(&sent, value, "{name}");
        }
    }
    // No inline script or style of the preview's own: both are files.
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(page
        .body
        .contains("<script src=\"/__handover/reload.js\" data-seen=\""));
    let script = request(server.addr, &global, "/__handover/reload.js", "").await;
    assert_eq!(script.status, 200);
    assert!(script.body.contains("new WebSocket"));
    let css = request(server.addr, &global, "/__handover/preview.css", "").await;
    assert!(css.body.contains("#handover-preview"));
    assert_eq!(
        css.header("content-type").as_deref(),
        Some("text/css; charset=utf-8")
    );
    server.stop().await;
}

/// A page of a large site is answered long before every other page is
/// rendered: the binary is held before its first render
/// (`HANDOVER_TEST_PAUSE_BEFORE_RENDER_MS`, debug builds), and asked for pages.
#[tokio::test]
async fn pages_are_answered_while_the_first_render_runs() {
    let site = copy_of_multi();
    let port = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut child = common::handover()
        .arg("--root")
        .arg(site.path())
        .args(["serve", "--port", &port.to_string()])
        .env("HANDOVER_TEST_PAUSE_BEFORE_RENDER_MS", "120000")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    let global = format!("global.localhost:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut answered = None;
    while Instant::now() < deadline {
        if TcpStream::connect(addr).await.is_ok() {
            let page = request(addr, &global, "/help/", "").await;
            if page.status == 200 {
                answered = Some(page);
                break;
            }
            // Before the site is loaded: a page that asks again.
            assert_eq!(page.status, 503, "{}", page.body);
            assert!(page.body.contains("http-equiv=\"refresh\""));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let page = answered.expect("the page is answered while the render is held");
    assert!(page.body.contains("Help &amp; support"), "{}", page.body);
    // Rendered on request like the whole build renders it: the image the page
    // shows is there too, and a page that does not exist is the site's 404.
    let src = image_src(&page.body, "photo-40w.");
    assert_eq!(request(addr, &global, src, "").await.status, 200, "{src}");
    assert_eq!(
        request(addr, &global, "/no-such-page/", "").await.status,
        404
    );
    let _ = child.kill();
    let log = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&log.stderr);
    assert!(
        !log.contains("built in memory"),
        "answered only after the whole site was rendered:\n{log}"
    );
}

/// A page and an `.ftl` file saved during one rebuild arrive as one change:
/// each is applied as if saved alone, not by loading and rendering everything.
#[test]
fn a_page_and_a_translation_saved_together_render_only_what_each_needs() {
    use handover::pipeline::{InputChange, Output, Site};
    let site = copy_of_multi();
    let root = site.path().canonicalize().unwrap();
    let before = Site::load_previewing(&root, false).unwrap_or_else(|e| panic!("{e:?}"));
    let page = root.join("content/en/help.md");
    let french = root.join("locales/fr-FR/main.ftl");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{text}\nSaved together.\n")).unwrap();
    let messages = std::fs::read_to_string(&french).unwrap();
    std::fs::write(
        &french,
        messages.replace("nav-label = Pages", "nav-label = Rubriques"),
    )
    .unwrap();

    let change = InputChange::classify(&root, &[page, french]);
    let (after, outputs) = before.updated(&change).unwrap_or_else(|e| panic!("{e:?}"));
    let outputs = outputs.expect("only some files are rendered again");
    let all = after.outputs();
    assert!(
        outputs.len() < all.len(),
        "{} of {}",
        outputs.len(),
        all.len()
    );
    let shown = |output: &Output| {
        let rendered = after.render(output).unwrap_or_else(|e| panic!("{e:?}"));
        (
            rendered.domain,
            rendered.path.to_string(),
            String::from_utf8(rendered.bytes).unwrap(),
        )
    };
    let rendered: Vec<_> = outputs.iter().map(shown).collect();
    assert!(rendered.iter().any(|(d, p, html)| d == "www.acme.example"
        && p == "help/index.html"
        && html.contains("Saved together.")));
    assert!(rendered.iter().any(|(d, p, html)| d == "be.acme.example"
        && p == "fr-be/index.html"
        && html.contains("Rubriques")));
}
