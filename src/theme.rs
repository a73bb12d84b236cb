//! `themes/<theme>/`: Tera 2 templates and static files.
//!
//! Templates are parsed once per build. Static files are fingerprinted: a hash of the
//! content goes into the file name (`style.3a9f1c2e7b.css`), so the CDN can cache them
//! for a year while a changed file gets a new URL. Templates reach them through
//! `asset(path=...)`, never by a hand-written name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::SiteConfig;
use crate::diagnostics::{Diagnostic, Outcome, SourceFile};
use crate::fs;
use crate::paths::SitePath;

/// A static file with its fingerprinted output path.
#[derive(Debug, Clone)]
pub struct Asset {
    pub source_name: String,
    pub output: SitePath,
    pub bytes: Vec<u8>,
}

/// The theme's templates (as source, for Tera and for error snippets) and assets.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, SourceFile>,
    pub assets: BTreeMap<String, Asset>,
}

impl Theme {
    pub fn load(config: &SiteConfig) -> Outcome<Theme> {
        let dir = config.theme_dir();
        let mut problems = Vec::new();
        let templates = load_templates(config, &dir.join("templates"), &mut problems);
        let assets = load_assets(config, &dir.join("static"), &mut problems);
        if templates.is_empty() && problems.is_empty() {
            problems.push(
                Diagnostic::error("theme::empty", "the theme has no templates")
                    .in_file(fs::shown_path(&config.root, &dir.join("templates")))
                    .help("add page.html (and 404.html) under the theme's templates/ folder"),
            );
        }
        if problems.is_empty() {
            Ok(Theme { templates, assets })
        } else {
            Err(problems)
        }
    }

    /// The output path of a static file, by its name under `static/`.
    pub fn asset(&self, name: &str) -> Option<&Asset> {
        self.assets.get(name.trim_start_matches('/'))
    }
}

/// The theme's files under `dir`, without hidden ones.
fn files_under(config: &SiteConfig, dir: &Path, problems: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let (mut files, found) = fs::input_files(&config.root, dir, usize::MAX);
    problems.extend(found);
    files.retain(|path| {
        !path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'))
    });
    files
}

fn name_under(dir: &Path, path: &Path) -> String {
    fs::shown_path(dir, path)
}

fn load_templates(
    config: &SiteConfig,
    dir: &Path,
    problems: &mut Vec<Diagnostic>,
) -> BTreeMap<String, SourceFile> {
    let mut templates = BTreeMap::new();
    for path in files_under(config, dir, problems) {
        let shown = fs::shown_path(&config.root, &path);
        match fs::read_to_string(&path, &shown) {
            Ok(text) => {
                templates.insert(name_under(dir, &path), SourceFile::new(shown, text));
            }
            Err(problem) => problems.push(problem),
        }
    }
    templates
}

fn load_assets(
    config: &SiteConfig,
    dir: &Path,
    problems: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Asset> {
    let mut assets = BTreeMap::new();
    for path in files_under(config, dir, problems) {
        let name = name_under(dir, &path);
        let shown = fs::shown_path(&config.root, &path);
        let bytes = match fs::read(&path, &shown) {
            Ok(bytes) => bytes,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        match SitePath::parse(&fingerprinted_name(&name, &bytes)) {
            Ok(output) => {
                assets.insert(
                    name.clone(),
                    Asset {
                        source_name: name,
                        output,
                        bytes,
                    },
                );
            }
            Err(why) => problems.push(
                Diagnostic::error("theme::asset-name", format!("the file name `{name}` {why}"))
                    .in_file(shown)
                    .help("rename the file with letters, digits, `-`, `_` and `.`"),
            ),
        }
    }
    assets
}

/// `css/style.css` -> `css/style.3a9f1c2e7b.css`: ten hex digits of SHA-256.
pub fn fingerprinted_name(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    let (dir, file) = match name.rsplit_once('/') {
        Some((dir, file)) => (format!("{dir}/"), file),
        None => (String::new(), name),
    };
    match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{dir}{stem}.{hash}.{ext}"),
        _ => format!("{dir}{file}.{hash}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_follow_the_content() {
        let a = fingerprinted_name("css/style.css", b"body{}");
        let b = fingerprinted_name("css/style.css", b"body{ }");
        assert!(a.starts_with("css/style.") && a.ends_with(".css"));
        assert_eq!(a.len(), "css/style.".len() + 10 + ".css".len());
        assert_ne!(a, b);
        assert_eq!(a, fingerprinted_name("css/style.css", b"body{}"));
        assert!(fingerprinted_name("LICENSE", b"x").starts_with("LICENSE."));
    }
}
