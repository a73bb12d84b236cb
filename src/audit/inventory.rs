//! The old site's URL inventory, as SEO owners have it: `sitemap.xml` files (a
//! sitemap index too, its sitemaps saved beside it), a plain list of URLs, or a
//! CSV mapping sheet `old_url,expected_url[,expected_status]`.

use std::path::Path;

use super::{Landing, Observation};

/// One old URL to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub url: String,
    /// `file:line` where it was listed.
    pub listed_at: String,
    pub expected: Option<Expected>,
}

/// What a mapping sheet says an old URL must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The URL it must end on (a page of the site, or where the last redirect goes).
    pub url: Option<String>,
    /// The status of its first response.
    pub status: Option<u16>,
}

impl Expected {
    /// Why `observation` is not what the sheet expects, if it is not.
    pub fn mismatch(&self, observation: &Observation) -> Option<String> {
        let (status, _) = observation.first();
        if let Some(want) = self.status {
            if status != Some(want) {
                return Some(format!(
                    "expected status {want}, got {}",
                    status.map_or("none".to_string(), |s| s.to_string())
                ));
            }
        }
        let want = self.url.as_deref()?;
        let got = match &observation.landing {
            Landing::Page { url, .. } | Landing::Leaves { url } => url.as_str(),
            _ => "",
        };
        (got != want).then(|| format!("expected {want}, got {got}"))
    }
}

/// Reads one inventory file; the kind is told by its name and first bytes.
pub fn read(path: &Path) -> Result<Vec<Entry>, String> {
    read_depth(path, 0)
}

fn read_depth(path: &Path, depth: usize) -> Result<Vec<Entry>, String> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let start = text.trim_start();
    if start.starts_with('<') {
        return sitemap(path, text, depth);
    }
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        return mapping_sheet(&shown, text);
    }
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#')
        })
        .map(|(number, line)| Entry {
            url: line.trim().to_string(),
            listed_at: format!("{shown}:{}", number + 1),
            expected: None,
        })
        .collect())
}

/// `<loc>` values of a `<urlset>`, or of each sitemap a `<sitemapindex>` names
/// (read from the index's folder by file name: the audit never downloads).
fn sitemap(path: &Path, text: &str, depth: usize) -> Result<Vec<Entry>, String> {
    let shown = path.display().to_string();
    let locs = locs(text);
    if !text.contains("<sitemapindex") {
        return Ok(locs
            .into_iter()
            .map(|(line, url)| Entry {
                url,
                listed_at: format!("{shown}:{line}"),
                expected: None,
            })
            .collect());
    }
    if depth > 2 {
        return Err(format!("{shown}: sitemap indexes nested too deep"));
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut entries = Vec::new();
    for (line, loc) in locs {
        let name = loc.rsplit('/').next().unwrap_or("");
        let local = folder.join(name);
        if name.is_empty() || name.contains("..") || !local.is_file() {
            return Err(format!(
                "{shown}:{line}: the index names {loc}; save that sitemap as {} (the audit reads files, it does not download)",
                local.display()
            ));
        }
        entries.extend(read_depth(&local, depth + 1)?);
    }
    Ok(entries)
}

/// Every `<loc>...</loc>` with its line number, entities decoded.
fn locs(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    let mut consumed = 0;
    while let Some(open) = rest.find("<loc>") {
        let after = &rest[open + 5..];
        let Some(close) = after.find("</loc>") else {
            break;
        };
        let line = text[..consumed + open].matches('\n').count() + 1;
        let raw = after[..close].trim();
        let raw = raw
            .strip_prefix("<![CDATA[")
            .and_then(|r| r.strip_suffix("]]>"))
            .unwrap_or(raw);
        found.push((line, crate::render::unescape(raw)));
        consumed += open + 5 + close + 6;
        rest = &after[close + 6..];
    }
    found
}

/// `old_url,expected_url[,expected_status]`, an optional header row, `#` comments.
fn mapping_sheet(shown: &str, text: &str) -> Result<Vec<Entry>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut entries = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{shown}: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let at = format!("{shown}:{line}");
        let cell = |i: usize| record.get(i).map(str::trim).filter(|c| !c.is_empty());
        let Some(url) = cell(0) else {
            continue;
        };
        if url == "old_url" {
            continue;
        }
        let status = match cell(2) {
            Some(text) => Some(text.parse::<u16>().map_err(|_| {
                format!(
                    "{at}: `{text}` is not a status code (old_url,expected_url,expected_status)"
                )
            })?),
            None => None,
        };
        let expected_url = cell(1).map(str::to_string);
        entries.push(Entry {
            url: url.to_string(),
            listed_at: at,
            expected: (expected_url.is_some() || status.is_some()).then_some(Expected {
                url: expected_url,
                status,
            }),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_sitemap_index_reads_its_sitemaps_from_the_same_folder() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "products.xml",
            "<?xml version=\"1.0\"?>\n<urlset>\n<url><loc>https://uk.po.co/product/a?x=1&amp;y=2</loc></url>\n<url><loc> https://uk.po.co/store </loc></url>\n</urlset>\n",
        );
        let index = write(
            dir.path(),
            "sitemap.xml",
            "<sitemapindex><sitemap><loc>https://uk.po.co/products.xml</loc></sitemap></sitemapindex>",
        );
        let entries = read(&index).unwrap();
        let urls: Vec<&str> = entries.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://uk.po.co/product/a?x=1&y=2",
                "https://uk.po.co/store"
            ]
        );
        assert!(
            entries[1].listed_at.ends_with("products.xml:4"),
            "{}",
            entries[1].listed_at
        );
        let missing = write(
            dir.path(),
            "other.xml",
            "<sitemapindex><sitemap><loc>https://uk.po.co/gone.xml</loc></sitemap></sitemapindex>",
        );
        assert!(read(&missing).unwrap_err().contains("save that sitemap"));
    }

    #[test]
    fn a_mapping_sheet_gives_the_expected_url_and_status() {
        let dir = tempfile::tempdir().unwrap();
        let sheet = write(
            dir.path(),
            "map.csv",
            "old_url,expected_url,expected_status\nhttps://uk.po.co/store,https://www.mi.com/uk/,301\nhttps://uk.po.co/x,,404\n",
        );
        let entries = read(&sheet).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].expected,
            Some(Expected {
                url: Some("https://www.mi.com/uk/".to_string()),
                status: Some(301)
            })
        );
        assert_eq!(entries[1].expected.as_ref().unwrap().url, None);
        assert_eq!(entries[1].listed_at, format!("{}:3", sheet.display()));
        let bad = write(dir.path(), "bad.csv", "https://uk.po.co/a,,3o1\n");
        assert!(read(&bad).unwrap_err().contains("not a status"));
    }

    #[test]
    fn a_plain_list_skips_comments() {
        let dir = tempfile::tempdir().unwrap();
        let list = write(dir.path(), "old.txt", "# old URLs\n\nhttps://uk.po.co/a\n");
        let entries = read(&list).unwrap();
        assert_eq!(entries.len(), 1);
        assert!(entries[0].listed_at.ends_with("old.txt:3"));
    }
}
