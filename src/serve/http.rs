//! The HTTP side of `serve`: which origin a request is for, which file or rule
//! answers it, and the reload channel.
//!
//! Nothing is read from disk: files come from the in-memory build, so a request
//! path can only name a generated file. Paths with `..` (also encoded), `//`,
//! backslashes or control characters are refused before any lookup all the same,
//! and requests for an unexpected `Host` are refused (DNS rebinding).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, State};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use percent_encoding::percent_decode_str;
use tower_http::set_header::SetResponseHeaderLayer;

use super::pages;
use super::snapshot::{Build, Change, FileKey};
use super::{Current, Shared};
use crate::config::RegionId;
use crate::redirects::lookup::{resolve, resolve_in, End, Options};
use crate::redirects::pattern::RequestPath;

pub const WS_PATH: &str = "/__handover/ws";

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(shared)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

/// Serves connections until `stopped`: HTTP/1.1 with upgrades (the reload
/// channel), and a limit on how long a connection may wait for a request head,
/// which closes idle keep-alive connections and silent ones too (axum's `serve`
/// sets no such limit, and its protocol sniffing would wait forever).
pub async fn accept(
    listener: tokio::net::TcpListener,
    app: Router,
    idle_timeout: Duration,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let (stopping, stop_signal) = tokio::sync::watch::channel(false);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(idle_timeout);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, say: wait for connections to close.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop_signal = stop_signal.clone();
        tokio::spawn(async move {
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stop_signal.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(1), connection).await;
                }
            }
        });
    }
    // Open requests finish (each connection drops its receiver when it ends);
    // reload channels, which never do, are cut after a second.
    drop(stop_signal);
    let _ = stopping.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(1), stopping.closed()).await;
}

/// Which origin a request is for.
#[derive(Debug, PartialEq, Eq)]
enum Origin {
    Index,
    Region(usize),
    /// `<name>.localhost` while no build has succeeded yet, so the regions are
    /// unknown: it shows the problems and reloads once the site builds.
    Pending,
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `uk.localhost:1111` -> the region `uk`; `localhost`, `127.0.0.1`, `[::1]` (and the
/// address given to `--bind`) -> the index; anything else is refused.
fn origin_for(host: &str, shared: &Shared, build: Option<&Build>) -> Option<Origin> {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let (ip, port) = rest.split_once(']')?;
            (format!("[{ip}]"), port.strip_prefix(':'))
        }
        None => match host.rsplit_once(':') {
            Some((name, port)) => (name.to_string(), Some(port)),
            None => (host.to_string(), None),
        },
    };
    let port = match port {
        Some(port) => port.parse::<u16>().ok()?,
        None => 80,
    };
    if port != shared.port {
        return None;
    }
    let name = name.to_ascii_lowercase();
    let bind = shared.bind.to_string();
    let is_index = matches!(name.as_str(), "localhost" | "127.0.0.1" | "[::1]")
        || (!shared.bind.is_loopback() && !shared.bind.is_unspecified() && name == bind);
    if is_index {
        return Some(Origin::Index);
    }
    let id = name.strip_suffix(".localhost")?;
    let Some(build) = build else {
        return id.parse::<RegionId>().is_ok().then_some(Origin::Pending);
    };
    build
        .regions
        .iter()
        .position(|r| r.id == id)
        .map(Origin::Region)
}

/// Refuses what must never reach a lookup; returns the normalised path.
fn checked_path(raw: &str) -> Result<RequestPath, String> {
    let lowered = raw.to_ascii_lowercase();
    if raw.contains('\\') || lowered.contains("%5c") {
        return Err("backslashes are not allowed in a path".to_string());
    }
    if lowered.contains("%2f") {
        return Err("an encoded `/` is not allowed in a path".to_string());
    }
    RequestPath::parse(raw)
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request<Body>) -> Response {
    let current = shared.current();
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let Some(origin) = origin_for(&host, &shared, current.build.as_deref()) else {
        return text(
            StatusCode::MISDIRECTED_REQUEST,
            format!("handover serve does not answer for the host `{host}`: open http://localhost:{}/ for the list of regions\n", shared.port),
        );
    };
    let response = answer(&shared, current, origin, &host, request).await;
    with_security_headers(response, &host)
}

async fn answer(
    shared: &Arc<Shared>,
    Current {
        build,
        failure,
        seen,
    }: Current,
    origin: Origin,
    host: &str,
    request: Request<Body>,
) -> Response {
    let raw_path = request.uri().path().to_string();
    if let Some(response) = preview_file(&raw_path) {
        return response;
    }
    if raw_path == WS_PATH {
        return reload_channel(shared.clone(), origin, host.to_string(), request).await;
    }
    let path = match checked_path(&raw_path) {
        Ok(path) => path,
        Err(why) => return text(StatusCode::BAD_REQUEST, format!("refused: {why}\n")),
    };
    let Some(build) = build else {
        return match failure {
            Some(report) => html(
                StatusCode::INTERNAL_SERVER_ERROR,
                pages::failure_page(&report, seen),
            ),
            // Before the first build has loaded the site.
            None => html(StatusCode::SERVICE_UNAVAILABLE, pages::loading_page()),
        };
    };
    match origin {
        Origin::Index if path.segments.is_empty() => {
            let refused = build.refused();
            let notes = pages::Notes {
                failure: failure.as_deref(),
                refused: refused.as_ref(),
                seen,
                ..pages::Notes::default()
            };
            html(
                StatusCode::OK,
                pages::index(&build.regions, shared.port, &notes),
            )
        }
        Origin::Index => text(
            StatusCode::NOT_FOUND,
            "not found: regions are served on their own origins, listed at /\n",
        ),
        Origin::Region(region) => {
            let query = request.uri().query().map(str::to_string);
            let told = pages::Notes {
                failure: failure.as_deref(),
                seen,
                ..pages::Notes::default()
            };
            region_response(shared, &build, told, region, &path, query)
        }
        // Built since the origin was read: the tab reloads into the region.
        Origin::Pending => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "the site was just rebuilt: reload\n",
        ),
    }
}

/// The preview's own script and stylesheet.
fn preview_file(path: &str) -> Option<Response> {
    let (kind, body) = match path {
        pages::SCRIPT_PATH => ("text/javascript; charset=utf-8", pages::RELOAD_JS),
        pages::STYLE_PATH => ("text/css; charset=utf-8", pages::PREVIEW_CSS),
        _ => return None,
    };
    Some((StatusCode::OK, [(header::CONTENT_TYPE, kind)], body).into_response())
}

/// The generated `_headers`' security headers, as the CDN sends them, on every
/// answer. The Content-Security-Policy allows, besides the site's own, exactly
/// the preview's script and its reload channel on this origin, so a theme's
/// inline script or a request elsewhere is blocked here as on the CDN.
fn with_security_headers(mut response: Response, host: &str) -> Response {
    let headers = response.headers_mut();
    for (name, value) in crate::output::SECURITY_HEADERS {
        let value = if name == "Content-Security-Policy" {
            format!(
                "{value}; script-src http://{host}{}; connect-src ws://{host}{WS_PATH}",
                pages::SCRIPT_PATH
            )
        } else {
            value.to_string()
        };
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
    response
}

/// Answers like the CDN: the first matching rule (with the target's file
/// shadowing and force), a generated file, or the site's 404 page.
///
/// `told` is what every page of this answer tells besides its own notes.
fn region_response(
    shared: &Shared,
    build: &Build,
    told: pages::Notes,
    region: usize,
    path: &RequestPath,
    query: Option<String>,
) -> Response {
    let table = &build.site.redirects[region];
    // As the CDN answers: the rules as written (chains collapsed), the query kept.
    let options = Options {
        as_written: true,
        query,
    };
    let resolution = resolve_in(&build.site.redirects, region, path, &options);
    let (status, location) = resolution.first_response();
    if let (300..=399, Some(location)) = (status, location) {
        // A `Location` on another regional domain stays in the preview.
        let location = pages::to_preview(location, &build.regions, shared.port);
        return Response::builder()
            .status(status)
            .header(header::LOCATION, location.as_str())
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from(format!(
                "<!DOCTYPE html><title>Moved</title><p>Moved to <a href=\"{0}\">{0}</a></p>",
                crate::render::escape(&location)
            )))
            .unwrap_or_else(|_| {
                text(StatusCode::INTERNAL_SERVER_ERROR, "bad redirect location\n")
            });
    }
    let (file, status) = match &resolution.end {
        End::File { path, status } => (Some(path.clone()), *status),
        End::NotFound { page } => (page.clone(), 404),
        End::Missing { .. } => (None, 404),
        End::Loop => return text(StatusCode::LOOP_DETECTED, "redirect loop\n"),
        End::External { .. } => (None, 404),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    match file
        .and_then(|f| file_key(&table.domain, &f))
        .filter(|k| !is_cdn_config(k))
    {
        Some(key) => serve_file(shared, build, told, &key, status),
        None => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// `_redirects` and `_headers` configure the CDN; it never serves them.
fn is_cdn_config(key: &FileKey) -> bool {
    key.1
        .rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with('_'))
}

/// The file a request path would name once checked and decoded, as the preview
/// looks files up: the fuzz target `serve_path` checks that it never leaves the
/// domain's folder, whatever the request.
pub fn file_for_request(raw: &str) -> Option<String> {
    let path = checked_path(raw).ok()?;
    file_key("", &path.to_string()).map(|(_, file)| file)
}

/// `/warranty/index.html` on `uk.po.co` -> the in-memory key.
fn file_key(domain: &str, url_path: &str) -> Option<FileKey> {
    let decoded = percent_decode_str(url_path.trim_start_matches('/'))
        .decode_utf8()
        .ok()?;
    Some((domain.to_string(), decoded.into_owned()))
}

fn serve_file(
    shared: &Shared,
    build: &Build,
    told: pages::Notes,
    key: &FileKey,
    status: StatusCode,
) -> Response {
    let bytes = match build.files.get(key) {
        Some(packed) => packed.unpack(),
        // Asked for before the whole site is rendered.
        None => match build.render_now(key) {
            Some(Ok(bytes)) => bytes,
            Some(Err(report)) => {
                return html(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    pages::failure_page(&report, told.seen),
                )
            }
            None => return text(StatusCode::NOT_FOUND, "not found\n"),
        },
    };
    let kind = content_type(&key.1);
    if kind.starts_with("text/html") {
        let page = crate::output::text_of(&bytes);
        let refused = build.refused();
        let notes = pages::Notes {
            refused: refused.as_ref(),
            warnings: build.notes.get(key).map_or(&[], Vec::as_slice),
            draft: build.drafts.contains(key),
            ..told
        };
        return html(
            status,
            pages::decorate(&page, &notes, &build.regions, shared.port),
        );
    }
    (status, [(header::CONTENT_TYPE, kind)], Body::from(bytes)).into_response()
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The reload channel: only for pages of this server (`Origin` must be the origin
/// the page was served from), told to reload when its page changed.
async fn reload_channel(
    shared: Arc<Shared>,
    origin: Origin,
    host: String,
    request: Request<Body>,
) -> Response {
    let expected = format!("http://{host}");
    let sent = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or("");
    if sent != expected {
        return text(
            StatusCode::FORBIDDEN,
            "refused: the reload channel only answers this server's own pages\n",
        );
    }
    let page = query_value(&request, "path").unwrap_or_else(|| "/".to_string());
    // A page that does not say what it was served from reloads at the next change.
    let seen = query_value(&request, "seen").and_then(|s| s.parse::<u64>().ok());
    let watched = watched_file(&shared, &origin, &page);
    let (mut parts, _) = request.into_parts();
    match WebSocketUpgrade::from_request_parts(&mut parts, &shared).await {
        Ok(upgrade) => {
            upgrade.on_upgrade(move |socket| notify_reloads(shared, socket, watched, seen))
        }
        Err(rejection) => rejection.into_response(),
    }
}

/// The decoded value of `name` in the request's query.
fn query_value(request: &Request<Body>, name: &str) -> Option<String> {
    let query = request.uri().query()?;
    let value = query
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?;
    Some(percent_decode_str(value).decode_utf8().ok()?.into_owned())
}

/// The file a tab shows, so it reloads only when that file changes.
fn watched_file(shared: &Shared, origin: &Origin, page: &str) -> Option<FileKey> {
    let Origin::Region(region) = origin else {
        return None;
    };
    let build = shared.current().build;
    let build = build?;
    let table = &build.site.redirects[*region];
    let path = checked_path(page).ok()?;
    match resolve(table, &path).end {
        End::File { path, .. } => file_key(&table.domain, &path),
        End::NotFound { page: Some(page) } => file_key(&table.domain, &page),
        _ => None,
    }
}

/// Tells the tab to reload when a change concerns its page: at once for one
/// announced after its page was served (the `seen`-th change) and before it
/// connected, as a reload's page connects again after being served.
async fn notify_reloads(
    shared: Arc<Shared>,
    mut socket: WebSocket,
    watched: Option<FileKey>,
    seen: Option<u64>,
) {
    let concerns = |change: &Change| {
        change.everything
            || watched
                .as_ref()
                .is_none_or(|key| change.files.contains(key))
    };
    let (mut changes, missed) = shared.subscribe(seen.unwrap_or(u64::MAX), concerns);
    if missed && socket.send(Message::Text("reload".into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            change = changes.recv() => {
                let reload = match change {
                    Ok(change) => concerns(&change),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                    Err(_) => return,
                };
                if reload && socket.send(Message::Text("reload".into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                if !matches!(incoming, Some(Ok(_))) {
                    return;
                }
            }
        }
    }
}
