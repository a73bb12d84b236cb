//! `handover serve`: a live preview of every regional domain.
//!
//! Each region gets its own origin (`http://<id>.localhost:<port>/`; browsers send
//! `*.localhost` to loopback), so absolute paths, cookies and the language switcher
//! behave as on the real domains. Pages come from an in-memory build by the same
//! pipeline as `build`; old URLs are answered by the same rule engine as the
//! written `_redirects`, with the target CDN's semantics. Saving a file rebuilds
//! and reloads the tabs whose page changed; a failed rebuild keeps the last good
//! pages and shows the problems over them.

mod files;
mod http;
pub use http::file_for_request;
pub mod pages;
pub mod snapshot;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, oneshot};

use crate::diagnostics::{render_human, Diagnostic};
use crate::pipeline::InputChange;
use snapshot::{build_in_memory, Build, Change, Snapshot};

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// Print rebuilds and problems on standard error.
    pub verbose: bool,
    /// A connection that sends no complete request head for this long (an idle
    /// keep-alive connection included) is closed, so idle clients cannot use up
    /// the process's open files.
    pub idle_timeout: Duration,
    /// Render drafts too, marked as such (`serve --drafts`).
    pub drafts: bool,
}

/// What `handover serve` uses for [`ServeOptions::idle_timeout`].
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// State shared by the HTTP handlers and the rebuild thread.
pub struct Shared {
    pub snapshot: RwLock<Snapshot>,
    /// Every change announced, in order: see [`Shared::announce`].
    changes: broadcast::Sender<Arc<Change>>,
    /// The last changes announced, so a tab that connects late learns what it
    /// missed since its page was served.
    announced: Mutex<Announced>,
    pub port: u16,
    pub bind: IpAddr,
    /// Drafts are rendered (`serve --drafts`).
    pub drafts: bool,
    /// The newest build not checked yet, with its generation (see [`checker`]).
    /// A newer build replaces it: saves made during a long check leave one
    /// build waiting, not one site per save.
    to_check: Latest<(u64, Arc<Build>)>,
    /// Wakes the checker when a build waits.
    checks: mpsc::Sender<()>,
    /// Print rebuilds and problems on standard error.
    verbose: bool,
}

impl Shared {
    /// The current build, the problems of the last one, and how many changes
    /// had been announced before they were read: a page served from them says
    /// so, and its tab is told of any change announced since when it connects.
    pub fn current(&self) -> Current {
        // Counted first: a change announced between the two reads makes the tab
        // reload once more, never miss one.
        let seen = self.announced().count;
        let snapshot = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        Current {
            build: snapshot.good.clone(),
            failure: snapshot.failure.clone(),
            seen,
        }
    }

    /// Tells every open tab of `change`, and keeps it for tabs still connecting.
    fn announce(&self, change: Change) {
        let change = Arc::new(change);
        let mut announced = self.announced();
        announced.count += 1;
        if announced.recent.len() == Announced::KEPT {
            announced.recent.pop_front();
        }
        announced.recent.push_back(change.clone());
        // Sent under the lock, so `subscribe` sees each change once: either
        // among the recent ones or on its receiver.
        let _ = self.changes.send(change);
    }

    /// A receiver of the changes to come, and whether any announced after the
    /// `seen`-th is true of `concerns` (also when too many came to tell).
    fn subscribe(
        &self,
        seen: u64,
        concerns: impl Fn(&Change) -> bool,
    ) -> (broadcast::Receiver<Arc<Change>>, bool) {
        let announced = self.announced();
        let missed = announced.count.saturating_sub(seen);
        let missed_one = missed > announced.recent.len() as u64
            || announced
                .recent
                .iter()
                .rev()
                .take(missed as usize)
                .any(|change| concerns(change));
        (self.changes.subscribe(), missed_one)
    }

    fn announced(&self) -> std::sync::MutexGuard<'_, Announced> {
        self.announced.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What [`Shared::current`] reads for one request.
pub struct Current {
    pub build: Option<Arc<snapshot::Build>>,
    pub failure: Option<Arc<crate::diagnostics::Report>>,
    /// How many changes had been announced before these were read.
    pub seen: u64,
}

/// The changes announced so far: their count, and the last [`Announced::KEPT`].
#[derive(Default)]
struct Announced {
    count: u64,
    recent: std::collections::VecDeque<Arc<Change>>,
}

impl Announced {
    const KEPT: usize = 64;
}

/// A running server; dropping `shutdown` or sending on it stops it.
pub struct Server {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    _watcher: watch::Watcher,
}

impl Server {
    /// Stops accepting, finishes open requests, and returns.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = self.task.await;
    }
}

/// Why the server could not start, in words for the user.
pub fn bind_problem(error: &std::io::Error, addr: SocketAddr) -> Diagnostic {
    let diagnostic = Diagnostic::error("serve::bind", format!("cannot listen on {addr}: {error}"));
    if error.kind() == std::io::ErrorKind::AddrInUse {
        diagnostic.help(format!(
            "port {} is in use (another `handover serve`?): stop it, or pass `--port {}`",
            addr.port(),
            addr.port().wrapping_add(1).max(1024)
        ))
    } else {
        diagnostic.help("pass another `--port`, or `--bind 127.0.0.1`")
    }
}

/// Builds the site once, binds, starts watching, and serves until stopped.
pub async fn start(options: ServeOptions) -> Result<Server, Diagnostic> {
    let addr = SocketAddr::new(options.bind, options.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| bind_problem(&e, addr))?;
    let addr = listener.local_addr().map_err(|e| bind_problem(&e, addr))?;
    let (changes, _) = broadcast::channel(64);
    let (checks, wake_checker) = mpsc::channel();
    let shared = Arc::new(Shared {
        snapshot: RwLock::new(Snapshot::default()),
        changes,
        announced: Mutex::default(),
        port: addr.port(),
        bind: options.bind,
        drafts: options.drafts,
        to_check: Latest::default(),
        checks,
        verbose: options.verbose,
    });
    // Absolute, so the watcher's paths and the site's file names agree.
    let root = options
        .root
        .canonicalize()
        .unwrap_or_else(|_| options.root.clone());
    // Requests are answered from the start: with a page that reloads until the
    // site is loaded, then with each file rendered on request until the whole
    // site is rendered.
    let (shutdown, stopped) = oneshot::channel::<()>();
    let app = http::router(shared.clone());
    let task = tokio::spawn(http::accept(listener, app, options.idle_timeout, stopped));
    let first = tokio::task::spawn_blocking({
        let shared = shared.clone();
        let root = root.clone();
        move || rebuild(&shared, &root, &InputChange::Everything)
    });
    let _ = first.await;
    if options.verbose {
        print_banner(&shared);
    }
    // Started after the banner, so that the first check's report comes after
    // it, not sometimes before: the first build waits for it in `to_check`.
    std::thread::spawn({
        let (shared, root) = (Arc::downgrade(&shared), root.clone());
        move || checker(&shared, &root, &wake_checker)
    });
    let watcher = watch::Watcher::start(&root, shared.clone())?;
    Ok(Server {
        addr,
        shared,
        shutdown: Some(shutdown),
        task,
        _watcher: watcher,
    })
}

/// Where each region is served, and a warning when the preview is open to
/// the network.
fn print_banner(shared: &Shared) {
    let port = shared.port;
    if !shared.bind.is_loopback() {
        eprintln!(
            "WARNING: listening on {}: anyone who can reach this machine can see the preview.\n         Use the default (--bind 127.0.0.1) to keep it on this machine.",
            shared.bind
        );
    }
    eprintln!("handover serve: every region on its own origin (Ctrl-C stops)");
    if let Some(build) = shared.current().build {
        for region in &build.regions {
            let locales: Vec<&str> = region.locales.iter().map(|l| l.as_str()).collect();
            eprintln!(
                "  http://{}.localhost:{port}/   {} ({})",
                region.id,
                region.domain,
                locales.join(", ")
            );
        }
    }
    eprintln!("  http://localhost:{port}/   the list of regions");
}

/// Rebuilds into memory (only what `change` needs when the last build was good),
/// swaps the snapshot, tells the open tabs, and hands the build to the checker.
pub fn rebuild(shared: &Shared, root: &std::path::Path, change: &InputChange) {
    let verbose = shared.verbose;
    let started = Instant::now();
    let previous = {
        let snapshot = shared.snapshot.read().unwrap_or_else(|e| e.into_inner());
        // After a failure the good build may miss earlier saves: reload everything.
        snapshot.good.clone().filter(|_| snapshot.failure.is_none())
    };
    // The very first build answers as soon as the site is loaded.
    let loaded = |unrendered: Build| {
        let mut snapshot = shared.snapshot.write().unwrap_or_else(|e| e.into_inner());
        if snapshot.good.is_none() && snapshot.failure.is_none() {
            snapshot.good = Some(Arc::new(unrendered));
        }
    };
    let result = build_in_memory(root, previous.as_deref(), change, shared.drafts, &loaded);
    let elapsed = started.elapsed();
    if let (Err(report), true) = (&result, verbose) {
        for diagnostic in &report.diagnostics {
            eprintln!("{}", render_human(diagnostic));
        }
    }
    let built = result.as_ref().ok().map(|b| (b.rendered, b.checked));
    let failed = result.as_ref().err().map(|r| r.summary());
    let (change, good) = {
        let mut snapshot = shared.snapshot.write().unwrap_or_else(|e| e.into_inner());
        let change = snapshot.update(result);
        (change, snapshot.good.clone())
    };
    if verbose {
        match (failed, built) {
            (Some(summary), _) => eprintln!(
                "rebuild failed ({summary}) in {} ms; still serving the last good pages",
                elapsed.as_millis()
            ),
            _ if change.generation == 1 => {
                eprintln!("built in memory in {} ms", elapsed.as_millis())
            }
            (None, Some((rendered, _))) => eprintln!(
                "rebuilt in {} ms: {rendered} file{} rendered, {} changed",
                elapsed.as_millis(),
                if rendered == 1 { "" } else { "s" },
                change.files.len()
            ),
            (None, None) => {}
        }
    }
    let generation = change.generation;
    shared.announce(change);
    if let (Some(good), Some((_, false))) = (good, built) {
        shared.to_check.put((generation, good));
        let _ = shared.checks.send(());
    }
}

/// The newest value put, until it is taken: a newer value replaces the older
/// one, which is dropped at once.
pub struct Latest<T>(Mutex<Option<T>>);

impl<T> Default for Latest<T> {
    fn default() -> Self {
        Latest(Mutex::new(None))
    }
}

impl<T> Latest<T> {
    pub fn put(&self, value: T) {
        let old = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(value);
        // Dropped here, outside the lock.
        drop(old);
    }

    pub fn take(&self) -> Option<T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Lowers the calling thread's scheduling priority (Linux keeps one per thread),
/// so the check runs on what the rebuilds leave of the cores.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    let _ = rustix::process::nice(10);
}

/// Checks each new build as `build` would, after its pages are served: the check
/// reads every page of the site, which takes seconds on a large one, and an edit
/// should not wait for it. Builds replaced while one is checked are skipped. The
/// findings then go to the snapshot, the terminal and, when they changed, every
/// open tab. Ends with the server.
fn checker(shared: &Weak<Shared>, root: &std::path::Path, wake: &mpsc::Receiver<()>) {
    // The check's threads yield the cores to the next edit's rebuild.
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("handover-check-{i}"))
        .start_handler(|_| lower_priority())
        .build();
    let mut shown: Option<Vec<String>> = None;
    while wake.recv().is_ok() {
        while wake.try_recv().is_ok() {}
        let Some(waiting) = shared.upgrade() else {
            return;
        };
        let next = waiting.to_check.take();
        drop(waiting);
        let Some((generation, build)) = next else {
            continue;
        };
        let started = Instant::now();
        let checked = match &pool {
            Ok(pool) => pool.install(|| snapshot::check(root, &build)),
            Err(_) => snapshot::check(root, &build),
        };
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let report = checked.report.clone();
        let change = {
            let mut snapshot = shared.snapshot.write().unwrap_or_else(|e| e.into_inner());
            snapshot.checked(generation, checked)
        };
        let Some(change) = change else {
            continue;
        };
        // The terminal shows what the pages show, each time it changes.
        let now: Vec<String> = report.diagnostics.iter().map(render_human).collect();
        if shared.verbose && shown.as_ref() != Some(&now) {
            for diagnostic in &now {
                eprintln!("{diagnostic}");
            }
            let found = match report.diagnostics.is_empty() {
                true => "nothing to report".to_string(),
                false => report.summary(),
            };
            eprintln!("checked in {} ms: {found}", started.elapsed().as_millis());
        }
        shown = Some(now);
        shared.announce(change);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_waiting_for_the_check_is_dropped_when_a_newer_one_comes() {
        let waiting = Latest::default();
        let (older, newer) = (Arc::new("older site"), Arc::new("newer site"));
        waiting.put(older.clone());
        waiting.put(newer.clone());
        assert_eq!(
            Arc::strong_count(&older),
            1,
            "nothing holds the older build"
        );
        assert_eq!(waiting.take().as_deref(), Some(&"newer site"));
        assert_eq!(waiting.take(), None);
    }

    fn shared() -> Shared {
        let (checks, _) = mpsc::channel();
        Shared {
            snapshot: RwLock::default(),
            changes: broadcast::channel(4).0,
            announced: Mutex::default(),
            port: 0,
            bind: IpAddr::from([127, 0, 0, 1]),
            drafts: false,
            to_check: Latest::default(),
            checks,
            verbose: false,
        }
    }

    fn change_of(file: &str) -> Change {
        Change {
            files: [("uk.po.co".to_string(), file.to_string())].into(),
            ..Change::default()
        }
    }

    #[test]
    fn a_tab_that_connects_late_learns_of_the_changes_since_its_page_was_served() {
        let shared = shared();
        let of_page = |change: &Change| change.files.iter().any(|(_, f)| f == "a.html");
        let served = shared.current().seen;
        assert!(!shared.subscribe(served, of_page).1, "nothing came since");
        shared.announce(change_of("b.html"));
        assert!(!shared.subscribe(served, of_page).1, "not its page");
        shared.announce(change_of("a.html"));
        let after = shared.current().seen;
        assert!(shared.subscribe(served, of_page).1, "its page changed");
        assert!(
            !shared.subscribe(after, of_page).1,
            "served after the change"
        );
        let (mut receiver, _) = shared.subscribe(after, of_page);
        shared.announce(change_of("a.html"));
        assert!(
            receiver.try_recv().is_ok(),
            "later changes come on the receiver"
        );
    }

    #[test]
    fn a_tab_that_missed_more_changes_than_are_kept_reloads() {
        let shared = shared();
        let served = shared.current().seen;
        for _ in 0..=Announced::KEPT {
            shared.announce(change_of("b.html"));
        }
        assert!(shared.subscribe(served, |_| false).1);
        assert!(!shared.subscribe(shared.current().seen, |_| false).1);
    }
}
