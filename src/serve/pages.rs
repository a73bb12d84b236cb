//! What only the preview adds to pages: the reload script, the error overlay, the
//! list of regions at `http://localhost:<port>/`, and links between regional
//! domains pointed at their preview origins.

use crate::diagnostics::{render_human, Report};
use crate::render::escape;

use super::snapshot::RegionInfo;

/// Reconnects after a restart and reloads when told the page changed.
const RELOAD_SCRIPT: &str = r#"<script>(() => {
  const url = new URL("/__handover/ws", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("path", location.pathname);
  let lost = false;
  const connect = () => {
    const socket = new WebSocket(url);
    socket.onopen = () => { if (lost) location.reload(); };
    socket.onmessage = (event) => { if (event.data === "reload") location.reload(); };
    socket.onclose = () => { lost = true; setTimeout(connect, 300); };
  };
  connect();
})();</script>"#;

/// Adds the reload script (and the overlay, when the last build failed) to an HTML
/// page, and points links to other regional domains at their preview origins.
pub fn decorate(html: &str, failure: Option<&Report>, regions: &[RegionInfo], port: u16) -> String {
    let mut html = to_preview(html, regions, port);
    let overlay = failure.map(overlay).unwrap_or_default();
    let addition = format!("{overlay}{RELOAD_SCRIPT}");
    match html.rfind("</body>") {
        Some(at) => html.insert_str(at, &addition),
        None => html.push_str(&addition),
    }
    html
}

/// Points every URL of a regional domain in `text` at that region's preview
/// origin: `https://fr.po.co/x` becomes `http://fr.localhost:1111/x`.
pub fn to_preview(text: &str, regions: &[RegionInfo], port: u16) -> String {
    let mut text = text.to_string();
    for region in regions {
        text = text.replace(
            &format!("https://{}/", region.domain),
            &format!("http://{}.localhost:{port}/", region.id),
        );
    }
    text
}

/// The diagnostics of a failed build over the last good page, HTML-escaped.
pub fn overlay(report: &Report) -> String {
    let problems: String = report
        .diagnostics
        .iter()
        .map(|d| format!("<pre>{}</pre>", escape(&render_human(d))))
        .collect();
    format!(
        "<div id=\"handover-overlay\" role=\"alert\" style=\"position:fixed;inset:0;z-index:2147483647;\
         overflow:auto;background:#fff;color:#111;padding:1.5rem;font:15px/1.45 system-ui,sans-serif\">\
         <h2 style=\"margin-top:0;color:#a40000\">The last change did not build: {}</h2>\
         <p>The page below is the last good version. Fix the file and save: this message goes away by itself.</p>\
         <div style=\"font:13px/1.4 ui-monospace,monospace;white-space:pre-wrap\">{problems}</div></div>",
        escape(&report.summary())
    )
}

/// A whole page for when there is nothing good to show yet.
pub fn failure_page(report: &Report) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>handover: build failed</title></head>\
         <body>{}{RELOAD_SCRIPT}</body></html>",
        overlay(report)
    )
}

/// `http://localhost:<port>/`: every region, its languages, and its preview origin.
pub fn index(regions: &[RegionInfo], port: u16, failure: Option<&Report>) -> String {
    let rows: String = regions
        .iter()
        .map(|r| {
            let locales: Vec<&str> = r.locales.iter().map(|l| l.as_str()).collect();
            format!(
                "<li><a href=\"http://{id}.localhost:{port}/\">{id}</a>: {domain} ({locales})</li>",
                id = escape(&r.id),
                domain = escape(&r.domain),
                locales = escape(&locales.join(", "))
            )
        })
        .collect();
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>handover serve</title></head>\
         <body><main><h1>Regions in this preview</h1><ul>{rows}</ul>\
         <p>Each region is served on its own origin, as on its own domain.</p></main></body></html>"
    );
    decorate(&page, failure, &[], port)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Diagnostic, SourceFile, Span};

    #[test]
    fn the_overlay_escapes_what_it_shows() {
        let file = SourceFile::new("content/en/index.md", "<script>alert(1)</script>\n");
        let report = Report::new(vec![Diagnostic::error("content::x", "bad <b>")
            .at(Span::new(&file, 0, 8))
            .help("fix & save")]);
        let html = overlay(&report);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
                || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("content/en/index.md:1:1"), "{html}");
        assert!(html.contains("fix &amp; save"), "{html}");
    }

    #[test]
    fn the_script_goes_before_the_end_of_the_body_and_links_stay_in_the_preview() {
        let regions = [RegionInfo {
            id: "fr".into(),
            domain: "fr.po.co".into(),
            locales: vec![],
        }];
        let html = decorate(
            "<body><a href=\"https://fr.po.co/x/\">fr</a></body>",
            None,
            &regions,
            1111,
        );
        assert!(
            html.starts_with("<body><a href=\"http://fr.localhost:1111/x/\">fr</a><script>"),
            "{html}"
        );
        assert!(html.ends_with("</script></body>"));
    }
}
