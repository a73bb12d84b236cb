//! `handover serve` measured from outside, as an editor and a browser see it:
//! the release binary runs as a child; a page's Markdown is saved in place
//! (truncate and write, as VS Code and vim do) and the page is requested over HTTP
//! until it shows the edit. Its memory is read from `/proc`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::measure::{median, memory_of, percentile};
use crate::site::{self, LOCALES};

/// A keep-alive HTTP/1.1 connection to the server, for one region's `Host`.
pub struct Client {
    addr: SocketAddr,
    host: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Client {
    pub fn new(addr: SocketAddr, region: &str) -> Client {
        Client {
            addr,
            host: format!("{region}.localhost:{}", addr.port()),
            stream: None,
        }
    }

    /// GETs `path`; `None` when the server cannot be reached (yet).
    pub fn get(&mut self, path: &str) -> Option<(u16, String)> {
        for _ in 0..2 {
            if self.stream.is_none() {
                let stream = TcpStream::connect(self.addr).ok()?;
                let _ = stream.set_nodelay(true);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                self.stream = Some(BufReader::new(stream));
            }
            match self.exchange(path) {
                Some(answer) => return Some(answer),
                // A connection the server closed (idle timeout): open another.
                None => self.stream = None,
            }
        }
        None
    }

    fn exchange(&mut self, path: &str) -> Option<(u16, String)> {
        let reader = self.stream.as_mut()?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.host);
        reader.get_mut().write_all(request.as_bytes()).ok()?;
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
        let mut length = None;
        loop {
            line.clear();
            reader.read_line(&mut line).ok()?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        let mut body = vec![0; length?];
        reader.read_exact(&mut body).ok()?;
        Some((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

/// A running `handover serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// Its standard error, line by line (the rebuild reports).
    pub log: Arc<Mutex<Vec<String>>>,
    /// From spawning the process to the first page answered.
    pub first_page: Duration,
    /// From spawning the process to the whole site rendered (`built in memory`):
    /// pages asked for before are rendered on request.
    pub site_rendered: Duration,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `/products/p00001/` on region 0.
pub fn page_path(n: usize) -> String {
    format!("/products/p{n:05}/")
}

impl Server {
    /// Starts `handover serve` on `site` and waits until it answers a page.
    pub fn start(binary: &Path, site: &Path) -> Server {
        let port = free_port();
        let started = Instant::now();
        let mut child = Command::new(binary)
            .args(["--root"])
            .arg(site)
            .args(["serve", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start handover serve");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped");
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut client = Client::new(addr, "r0");
        loop {
            if let Some((200, _)) = client.get(&page_path(0)) {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "handover serve stopped ({status}): {:?}",
                    log.lock().unwrap()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "serve answered nothing in 10 minutes"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let first_page = started.elapsed();
        // Edits are watched, and memory is read, once the whole site is rendered.
        loop {
            if log
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.starts_with("built in memory"))
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "serve rendered nothing in 10 minutes"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        Server {
            first_page,
            site_rendered: started.elapsed(),
            child,
            addr,
            log,
        }
    }

    /// Current and peak resident memory, MiB.
    pub fn memory(&self) -> (f64, f64) {
        memory_of(self.child.id())
    }

    fn log_len(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// The first `rebuilt in ...` line logged after line `from`, waiting a little.
    fn rebuild_line(&self, from: usize) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let found = self.log.lock().unwrap()[from..]
                .iter()
                .find(|l| l.starts_with("rebuil"))
                .cloned();
            if found.is_some() || Instant::now() > deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Saves `path` in place with `text` (truncate, then write: the inode stays).
fn save_in_place(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .expect("open the page to edit");
    file.write_all(text.as_bytes()).expect("save the page");
}

/// Edits the body of `page` in place so it shows `marker`, then asks for the
/// page until it does; returns the time from the save to the served edit.
fn edit_and_wait(client: &mut Client, file: &Path, path: &str, marker: &str) -> Duration {
    let text = std::fs::read_to_string(file).expect("read the page");
    let (head, body) = text.rsplit_once("\n---\n").expect("front matter");
    let body = match body.find("\n\nEdited ") {
        Some(at) => &body[..at],
        None => body,
    };
    let edited = format!("{head}\n---\n{body}\n\nEdited {marker}.\n");
    save_in_place(file, &edited);
    let saved = Instant::now();
    loop {
        if let Some((200, page)) = client.get(path) {
            if page.contains(marker) {
                return saved.elapsed();
            }
        }
        assert!(
            saved.elapsed() < Duration::from_secs(60),
            "the edit {marker} was not served within a minute"
        );
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// What one serve measurement found.
pub struct ServeFigures {
    pub first_page: Duration,
    pub site_rendered: Duration,
    pub rss_start: f64,
    pub edits: Vec<Duration>,
    pub rss_after_edits: f64,
    pub peak: f64,
    /// Latency of a `.ftl` edit, and how many files that rebuild rendered.
    pub ftl: Option<(Duration, String)>,
    /// Under load: request latencies (ms) while editing, and the edits' latencies.
    pub load: Option<(Vec<f64>, Vec<Duration>)>,
    /// The rebuild reports of the quiet edits (first and last).
    pub rebuild_lines: (String, String),
}

impl ServeFigures {
    pub fn print(&self) {
        let ms = |d: &Duration| d.as_secs_f64() * 1e3;
        let edits: Vec<f64> = self.edits.iter().map(ms).collect();
        println!(
            "  serve: first page served {:.2} s after launch (whole site rendered after {:.2} s); memory after start {:.0} MiB",
            self.first_page.as_secs_f64(),
            self.site_rendered.as_secs_f64(),
            self.rss_start
        );
        println!(
            "  serve: page edit saved in place -> served: median {:.1} ms, max {:.1} ms over {} edits",
            median(&edits),
            edits.iter().copied().fold(0.0, f64::max),
            edits.len()
        );
        println!(
            "  serve: memory after {} edits {:.0} MiB (start {:.0} MiB, {:+.0} MiB); peak {:.0} MiB",
            edits.len(),
            self.rss_after_edits,
            self.rss_start,
            self.rss_after_edits - self.rss_start,
            self.peak
        );
        println!(
            "  serve: rebuild reports: first `{}`, last `{}`",
            self.rebuild_lines.0, self.rebuild_lines.1
        );
        if let Some((latency, line)) = &self.ftl {
            println!(
                "  serve: .ftl edit (fr-FR) -> served {:.1} ms; `{line}`",
                ms(latency)
            );
        }
        if let Some((requests, edits)) = &self.load {
            let edits: Vec<f64> = edits.iter().map(ms).collect();
            println!(
                "  serve: {} requests at 50 concurrent while editing: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; edits under load: median {:.1} ms, max {:.1} ms",
                requests.len(),
                percentile(requests, 50.0),
                percentile(requests, 99.0),
                requests.iter().copied().fold(0.0, f64::max),
                median(&edits),
                edits.iter().copied().fold(0.0, f64::max),
            );
        }
    }
}

/// How much of `serve` to measure.
pub struct ServePlan {
    pub edits: usize,
    /// Requests to send at 50 concurrent while editing (0: none).
    pub load_requests: usize,
}

/// Starts serve on `site` (N pages per locale), edits pages, a `.ftl` file, and
/// optionally loads it with concurrent requests while editing.
pub fn measure(binary: &Path, site: &Path, pages: usize, plan: &ServePlan) -> ServeFigures {
    let server = Server::start(binary, site);
    // Let the first build's garbage settle before reading memory.
    std::thread::sleep(Duration::from_millis(300));
    let (rss_start, _) = server.memory();
    let mut client = Client::new(server.addr, "r0");
    let edited = |i: usize| (i * 7 + 3) % pages.max(1);
    let mut edits = Vec::new();
    let (mut first_line, mut last_line) = (String::new(), String::new());
    for i in 0..plan.edits {
        let n = edited(i);
        let file = site::handover_page(site, LOCALES[0], n);
        let before = server.log_len();
        edits.push(edit_and_wait(
            &mut client,
            &file,
            &page_path(n),
            &format!("quiet-{i}"),
        ));
        if i == 0 || i + 1 == plan.edits {
            let line = server.rebuild_line(before).unwrap_or_default();
            if i == 0 {
                first_line = line.clone();
            }
            last_line = line;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    let (rss_after_edits, _) = server.memory();

    let ftl = ftl_edit(&server, site);

    let load = (plan.load_requests > 0).then(|| {
        let stop = Arc::new(AtomicBool::new(false));
        let remaining = Arc::new(std::sync::atomic::AtomicUsize::new(plan.load_requests));
        let workers: Vec<_> = (0..50)
            .map(|w| {
                let (stop, remaining, addr) = (stop.clone(), remaining.clone(), server.addr);
                std::thread::spawn(move || {
                    let mut client = Client::new(addr, "r0");
                    let mut latencies = Vec::new();
                    let mut k = w;
                    while !stop.load(Ordering::Relaxed)
                        && remaining
                            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |r| {
                                r.checked_sub(1)
                            })
                            .is_ok()
                    {
                        k = (k * 31 + 17) % pages.max(1);
                        let asked = Instant::now();
                        let answer = client.get(&page_path(k));
                        assert!(
                            matches!(answer, Some((200, _))),
                            "request failed under load"
                        );
                        latencies.push(asked.elapsed().as_secs_f64() * 1e3);
                    }
                    latencies
                })
            })
            .collect();
        let mut edits = Vec::new();
        let mut i = 0;
        while remaining.load(Ordering::Relaxed) > 0 {
            let n = edited(plan.edits + i);
            let file = site::handover_page(site, LOCALES[0], n);
            edits.push(edit_and_wait(
                &mut client,
                &file,
                &page_path(n),
                &format!("load-{i}"),
            ));
            i += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, Ordering::Relaxed);
        let requests: Vec<f64> = workers
            .into_iter()
            .flat_map(|w| w.join().expect("a load thread"))
            .collect();
        (requests, edits)
    });
    let (_, peak) = server.memory();
    ServeFigures {
        first_page: server.first_page,
        site_rendered: server.site_rendered,
        rss_start,
        edits,
        rss_after_edits,
        peak,
        ftl,
        load,
        rebuild_lines: (first_line, last_line),
    }
}

/// Changes the fr-FR footer message and waits until region 1 (fr-FR) shows it.
fn ftl_edit(server: &Server, site: &Path) -> Option<(Duration, String)> {
    let file: PathBuf = site.join("locales/fr-FR/main.ftl");
    let text = std::fs::read_to_string(&file).ok()?;
    let edited = text.replace("Go to the store", "Go to the new store");
    let before = server.log_len();
    save_in_place(&file, &edited);
    let saved = Instant::now();
    let mut client = Client::new(server.addr, "r1");
    loop {
        if let Some((200, page)) = client.get(&page_path(0)) {
            if page.contains("Go to the new store") {
                break;
            }
        }
        if saved.elapsed() > Duration::from_secs(120) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let latency = saved.elapsed();
    let line = server.rebuild_line(before).unwrap_or_default();
    let restored = server.log_len();
    save_in_place(&file, &text);
    // Putting the text back renders the same pages again: what is measured
    // next (the edits under load) waits for that rebuild, not behind it.
    server.rebuild_line(restored);
    Some((latency, line))
}
