//! What only the preview adds to pages: the reload script, the box of problems,
//! the list of regions at `http://localhost:<port>/`, and links between regional
//! domains pointed at their preview origins.
//!
//! Problems sit in a box at the bottom of the window, never over all of it: the
//! errors of the last change (which a build would refuse) open, the warnings
//! about the page itself folded to one line. Each part folds by a tap on its
//! title, its lines wrap at any width, and the page stays visible above it.

use crate::diagnostics::{render_human, Diagnostic, Report};
use crate::render::escape;

use super::snapshot::RegionInfo;

/// Where the preview's own script and stylesheet are served. They are files,
/// not inline code, so the pages keep the site's Content-Security-Policy in the
/// preview (see `src/serve/http.rs`), which allows exactly these two besides it.
pub const SCRIPT_PATH: &str = "/__handover/reload.js";
pub const STYLE_PATH: &str = "/__handover/preview.css";

/// Reconnects after a restart and reloads when told the page changed.
pub const RELOAD_JS: &str = r#"(() => {
  const url = new URL("/__handover/ws", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("path", location.pathname);
  // How many changes the server had announced when it served this page: it
  // tells at once of one that came since, before this tab could listen.
  const seen = document.currentScript && document.currentScript.dataset.seen;
  if (seen) url.searchParams.set("seen", seen);
  let lost = false;
  const connect = () => {
    const socket = new WebSocket(url);
    socket.onopen = () => { if (lost) location.reload(); };
    socket.onmessage = (event) => { if (event.data === "reload") location.reload(); };
    socket.onclose = () => { lost = true; setTimeout(connect, 300); };
  };
  connect();
})();
"#;

/// The reload script's element, for a page served after `seen` changes.
fn reload_script(seen: u64) -> String {
    format!("<script src=\"{SCRIPT_PATH}\" data-seen=\"{seen}\"></script>")
}

const STYLESHEET: &str = "<link rel=\"stylesheet\" href=\"/__handover/preview.css\">";

/// The box of problems. Fixed to the bottom of the window, at most most of its
/// height, so the page stays visible above; clicks outside the panels reach the
/// page; lines wrap at any width (a phone's 390 px), long paths included.
pub const PREVIEW_CSS: &str = "\
#handover-preview{position:fixed;left:0;right:0;bottom:0;z-index:2147483647;\
display:flex;flex-direction:column;gap:.5rem;padding:.5rem;box-sizing:border-box;\
max-height:70vh;pointer-events:none;font:15px/1.45 system-ui,sans-serif;text-align:left}
#handover-preview details{pointer-events:auto;overflow:auto;overscroll-behavior:contain;\
background:#fff;color:#111;border-radius:.5rem;padding:.5rem .75rem;margin:0;\
box-shadow:0 2px 12px rgba(0,0,0,.35);max-width:60rem;width:100%;box-sizing:border-box;\
align-self:center;border:2px solid #8a5a00}
#handover-preview summary{cursor:pointer;font-weight:600;padding:.25rem 0;color:#8a5a00}
#handover-preview #handover-overlay{border-color:#a40000}
#handover-preview #handover-overlay summary{color:#a40000}
#handover-preview p{margin:.25rem 0}
#handover-preview pre{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;\
font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin:.5rem 0;\
padding:0;background:none;color:inherit;border:0}
";

/// What the preview tells on top of a page.
#[derive(Debug, Default, Clone, Copy)]
pub struct Notes<'a> {
    /// The last change did not build: its errors, shown over the last good page.
    pub failure: Option<&'a Report>,
    /// The site built, but `handover build` would refuse it for these errors.
    pub refused: Option<&'a Report>,
    /// Warnings about this page.
    pub warnings: &'a [Diagnostic],
    /// The page is a draft (`serve --drafts`): not published by a build.
    pub draft: bool,
    /// How many changes the server had announced when it read what the page shows.
    pub seen: u64,
}

/// Adds the reload script and the box of problems to an HTML page, and points
/// links to other regional domains at their preview origins.
pub fn decorate(html: &str, notes: &Notes, regions: &[RegionInfo], port: u16) -> String {
    let mut html = to_preview(html, regions, port);
    let problems = problems_box(notes);
    let mut addition = String::new();
    if !problems.is_empty() {
        match html.find("</head>") {
            Some(at) => html.insert_str(at, STYLESHEET),
            None => addition.push_str(STYLESHEET),
        }
    }
    addition.push_str(&problems);
    addition.push_str(&reload_script(notes.seen));
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

/// The box of problems for a page, or nothing when there is none.
pub fn problems_box(notes: &Notes) -> String {
    let mut panels = String::new();
    if let Some(report) = notes.failure {
        panels.push_str(&panel(
            "handover-overlay",
            true,
            &format!("The last change did not build: {}", errors(report)),
            "The page shown is the last good version. Fix the file and save: this box goes away by itself.",
            &report.diagnostics,
        ));
    } else if let Some(report) = notes.refused {
        panels.push_str(&panel(
            "handover-overlay",
            true,
            &format!("handover build would refuse the site: {}", errors(report)),
            "The page shows your last change. Fix these and save: this box goes away by itself.",
            &report.diagnostics,
        ));
    }
    if notes.draft || !notes.warnings.is_empty() {
        let count = match notes.warnings.len() {
            0 => String::new(),
            1 => "1 warning about this page".to_string(),
            n => format!("{n} warnings about this page"),
        };
        let title = match (notes.draft, count.is_empty()) {
            (true, true) => "Draft: handover build does not publish this page".to_string(),
            (true, false) => format!("Draft: handover build does not publish this page · {count}"),
            (false, _) => count,
        };
        panels.push_str(&panel(
            "handover-warnings",
            false,
            &title,
            "They do not stop a build; `handover check --strict` counts them as errors.",
            notes.warnings,
        ));
    }
    if panels.is_empty() {
        return String::new();
    }
    format!("<div id=\"handover-preview\">{panels}</div>")
}

fn errors(report: &Report) -> String {
    match report.errors() {
        1 => "1 error".to_string(),
        n => format!("{n} errors"),
    }
}

/// One folding panel: a title line, a sentence, and the diagnostics as the
/// terminal shows them (HTML-escaped).
fn panel(id: &str, open: bool, title: &str, intro: &str, diagnostics: &[Diagnostic]) -> String {
    let role = if open { " role=\"alert\"" } else { "" };
    let problems: String = diagnostics
        .iter()
        .map(|d| format!("<pre>{}</pre>", escape(&render_human(d))))
        .collect();
    let intro = if diagnostics.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", escape(intro))
    };
    format!(
        "<details id=\"{id}\"{}{role}><summary>{}</summary>{intro}{problems}</details>",
        if open { " open" } else { "" },
        escape(title)
    )
}

/// A whole page for when there is nothing good to show yet.
pub fn failure_page(report: &Report, seen: u64) -> String {
    let notes = Notes {
        failure: Some(report),
        seen,
        ..Notes::default()
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>handover: build failed</title>{STYLESHEET}</head>\
         <body>{}{}</body></html>",
        problems_box(&notes),
        reload_script(seen)
    )
}

/// A whole page for before the site is loaded: it asks again each second.
pub fn loading_page() -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"1\">\
         <title>handover: loading the site</title>{STYLESHEET}</head>\
         <body><p>Loading the site: this page shows it as soon as it is loaded.</p></body></html>"
    )
}

/// `http://localhost:<port>/`: every region, its languages, and its preview origin.
pub fn index(regions: &[RegionInfo], port: u16, notes: &Notes) -> String {
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
    decorate(&page, notes, &[], port)
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
        let html = problems_box(&Notes {
            failure: Some(&report),
            ..Notes::default()
        });
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
            &Notes {
                seen: 7,
                ..Notes::default()
            },
            &regions,
            1111,
        );
        assert_eq!(
            html,
            "<body><a href=\"http://fr.localhost:1111/x/\">fr</a>\
             <script src=\"/__handover/reload.js\" data-seen=\"7\"></script></body>"
        );
        let boxed = decorate(
            "<head></head><body></body>",
            &Notes {
                draft: true,
                ..Notes::default()
            },
            &regions,
            1111,
        );
        assert!(
            boxed.starts_with(
                "<head><link rel=\"stylesheet\" href=\"/__handover/preview.css\"></head>"
            ),
            "{boxed}"
        );
        assert!(!boxed.contains("style="), "no inline style: {boxed}");
    }

    #[test]
    fn errors_open_warnings_fold_and_nothing_covers_the_whole_window() {
        let file = SourceFile::new("content/en/help.md", "---\ndescription: x\n---\n");
        let warning = Diagnostic::warning("content::long-description", "too long")
            .at(Span::new(&file, 4, 11));
        let refused = Report::new(vec![Diagnostic::error(
            "links::broken",
            "the link `/x/` goes nowhere",
        )]);
        let html = problems_box(&Notes {
            refused: Some(&refused),
            warnings: std::slice::from_ref(&warning),
            draft: true,
            ..Notes::default()
        });
        assert!(
            html.contains("<details id=\"handover-overlay\" open role=\"alert\""),
            "{html}"
        );
        assert!(
            html.contains("handover build would refuse the site: 1 error<"),
            "{html}"
        );
        assert!(
            html.contains("<details id=\"handover-warnings\"><summary>"),
            "{html}"
        );
        assert!(
            html.contains(
                "Draft: handover build does not publish this page · 1 warning about this page"
            ),
            "{html}"
        );
        assert!(html.contains("content/en/help.md:2:1"), "{html}");
        assert!(PREVIEW_CSS.contains("max-height:70vh"));
        assert!(PREVIEW_CSS.contains("white-space:pre-wrap;overflow-wrap:anywhere"));
        assert!(!PREVIEW_CSS.contains("inset:0"));
        assert_eq!(problems_box(&Notes::default()), "");
    }
}
