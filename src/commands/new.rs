//! `handover new <dir>`: a minimal working site for another brand.
//!
//! One region with two locales (English and French) and the bundled `notice`
//! theme, embedded in the binary so `new` works anywhere. The result builds with no
//! edits; the brand, domain and links are the lines to change.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Cli, Status};

/// Creates a new site in <dir> that builds as it is.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The folder to create (must not exist, or be empty).
    pub dir: PathBuf,

    /// The brand name shown on the notice.
    #[arg(long, default_value = "Example")]
    pub brand: String,
}

/// The files of a new site: (path, contents). `{brand}` is replaced in
/// `site.yaml`; the pages write `{{ brand }}`, so a later change of `brand:`
/// shows on every page.
const STARTER: &[(&str, &str)] = &[
    ("site.yaml", include_str!("starter/site.yaml")),
    ("content/en/index.md", include_str!("starter/index.en.md")),
    ("content/fr/index.md", include_str!("starter/index.fr.md")),
    ("locales/en/main.ftl", include_str!("starter/en.ftl")),
    ("locales/fr/main.ftl", include_str!("starter/fr.ftl")),
    (
        "themes/notice/templates/base.html",
        include_str!("../../themes/notice/templates/base.html"),
    ),
    (
        "themes/notice/templates/page.html",
        include_str!("../../themes/notice/templates/page.html"),
    ),
    (
        "themes/notice/templates/404.html",
        include_str!("../../themes/notice/templates/404.html"),
    ),
    (
        "themes/notice/templates/languages.html",
        include_str!("../../themes/notice/templates/languages.html"),
    ),
    (
        "themes/notice/static/style.css",
        include_str!("../../themes/notice/static/style.css"),
    ),
    (
        "themes/notice/static/favicon.svg",
        include_str!("../../themes/notice/static/favicon.svg"),
    ),
    (".gitignore", "/public\n/.public.*\n"),
];

impl NewArgs {
    pub fn run(&self, _cli: &Cli) -> Status {
        if let Err(message) = self.check_target() {
            eprintln!("error: {message}");
            return Status::CouldNotRun;
        }
        if self.brand.trim().is_empty() || self.brand.contains(['\n', '"', '{', '}']) {
            eprintln!("error: --brand must be a plain name on one line, without quotes or braces");
            return Status::CouldNotRun;
        }
        for (relative, text) in STARTER {
            let text = if relative.starts_with("themes/") {
                (*text).to_string()
            } else {
                text.replace("{brand}", &self.brand)
            };
            if let Err(problem) = crate::fs::write(&self.dir.join(relative), text.as_bytes()) {
                eprint!("{}", crate::diagnostics::render_human(&problem));
                return Status::CouldNotRun;
            }
        }
        eprintln!(
            "created a site for {} in {}\n\nnext:\n  cd {}\n  handover build      # writes public/www.example.com/\n  handover serve      # preview while you edit\n\nchange the domain and links in site.yaml, the text in content/ and locales/",
            self.brand,
            self.dir.display(),
            self.dir.display()
        );
        Status::Clean
    }

    fn check_target(&self) -> Result<(), String> {
        let dir: &Path = &self.dir;
        if dir.is_file() {
            return Err(format!(
                "{} is a file; choose a new folder name",
                dir.display()
            ));
        }
        let occupied = dir
            .read_dir()
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(false);
        if occupied {
            return Err(format!(
                "{} is not empty; choose a new folder so nothing is overwritten",
                dir.display()
            ));
        }
        Ok(())
    }
}
