//! Updating a loaded site after an edit (`serve`): only the inputs the edit
//! touched are read again, and only the outputs they change are rendered again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Output, Site};
use crate::config::Locale;
use crate::content;
use crate::diagnostics::Outcome;
use crate::i18n::Translations;
use crate::render::{Model, Renderer};
use crate::theme::Theme;
use crate::timings::Timings;

/// Which inputs a change touched, from the paths a file watcher saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputChange {
    /// Markdown files under `content/` only.
    Pages(Vec<PathBuf>),
    /// `.ftl` files only.
    Translations(Vec<PathBuf>),
    /// Templates or static files only.
    Theme,
    /// Pages, `.ftl` files and the theme together (saves that arrived during
    /// one rebuild): each kind in turn, translations first.
    Several(Vec<InputChange>),
    /// `site.yaml`, a CSV map, or anything else.
    Everything,
}

impl InputChange {
    /// Classifies absolute `paths` below `root`.
    pub fn classify(root: &Path, paths: &[PathBuf]) -> InputChange {
        let area = |path: &PathBuf| -> Option<&'static str> {
            let relative = path.strip_prefix(root).ok()?;
            let first = relative.components().next()?.as_os_str().to_str()?;
            let markdown = relative.extension().is_some_and(|e| e == "md");
            match first {
                content::CONTENT_DIR if markdown => Some("pages"),
                crate::i18n::LOCALES_DIR => Some("translations"),
                "themes" => Some("theme"),
                _ => None,
            }
        };
        let mut changes = Vec::new();
        for kind in ["translations", "theme", "pages"] {
            let of_kind: Vec<PathBuf> = paths
                .iter()
                .filter(|path| area(path) == Some(kind))
                .cloned()
                .collect();
            if of_kind.is_empty() {
                continue;
            }
            changes.push(match kind {
                "pages" => InputChange::Pages(of_kind),
                "translations" => InputChange::Translations(of_kind),
                _ => InputChange::Theme,
            });
        }
        if paths.is_empty() || paths.iter().any(|path| area(path).is_none()) {
            return InputChange::Everything;
        }
        match changes.len() {
            1 => changes.remove(0),
            _ => InputChange::Several(changes),
        }
    }
}

impl Site {
    /// The site after `change`, re-reading only the inputs it touched, and the
    /// outputs to render again (`None`: every one). Editing a page's body redoes
    /// that page alone; its front matter, a `.ftl` file or the theme redo the site
    /// from the inputs already loaded; `site.yaml` and anything else reload all.
    pub fn updated(&self, change: &InputChange) -> Outcome<(Site, Option<Vec<Output>>)> {
        let model = &self.model;
        let (config, translations, theme) = (
            model.config.clone(),
            model.translations.clone(),
            model.theme.clone(),
        );
        let content = || (*model.content).clone();
        let (site, problems) = match change {
            InputChange::Several(changes) => return self.updated_by_each(changes),
            InputChange::Everything => {
                return Site::load_previewing(&model.config.root, model.config.drafts)
                    .map(|site| (site, None))
            }
            InputChange::Translations(paths) => {
                let translations = Arc::new(Translations::load(&config)?);
                // Messages change no page, title, image or redirect rule: the
                // pages in the locales that read these files are rendered again.
                let mut model = self.model.clone();
                model.translations = translations;
                let renderer = Arc::new(Renderer::new(&model)?);
                let site = self.sharing(model, renderer);
                let outputs = site.translated_outputs(paths);
                return Ok((site, outputs));
            }
            InputChange::Theme => {
                let theme = Arc::new(Theme::load(&config)?);
                Site::assemble(
                    config,
                    content(),
                    translations,
                    theme,
                    false,
                    &Timings::off(),
                )
            }
            InputChange::Pages(paths) => {
                let mut content = content();
                let mut problems = content::reload_files(&config, &mut content, paths);
                problems.extend(content::no_pages(&config, &content));
                if !problems.is_empty() {
                    return Err(problems);
                }
                if let Some(names) = self.pages_to_redo(&content, paths) {
                    if self.same_images(&content, &names) {
                        // Only bodies changed: the plan, titles, media and redirect
                        // tables stay true, so only these pages are rendered again.
                        let outputs = self.page_outputs(&names);
                        return Ok((self.with_content(content), Some(outputs)));
                    }
                }
                // A new, removed or retitled page, or other images (new image
                // files, and `_headers` lists them): the whole site again.
                Site::assemble(config, content, translations, theme, false, &Timings::off())
            }
        };
        Ok((Site::strict(site, problems)?, None))
    }

    /// The site after each of `changes` in turn, and the outputs any of them
    /// renders again (`None`: every one).
    fn updated_by_each(&self, changes: &[InputChange]) -> Outcome<(Site, Option<Vec<Output>>)> {
        let mut site: Option<Site> = None;
        let mut outputs: Option<Vec<Output>> = Some(Vec::new());
        for change in changes {
            let (next, only) = site.as_ref().unwrap_or(self).updated(change)?;
            outputs = match (outputs, only) {
                (Some(mut all), Some(only)) => {
                    all.extend(only);
                    Some(all)
                }
                _ => None,
            };
            site = Some(next);
        }
        let mut seen = std::collections::HashSet::new();
        let outputs =
            outputs.map(|all| all.into_iter().filter(|o| seen.insert(o.clone())).collect());
        match site {
            Some(site) => Ok((site, outputs)),
            None => self.updated(&InputChange::Everything),
        }
    }

    /// The files that show messages of the `.ftl` files at `paths`: the pages of
    /// every locale whose fallback chain reads them. `None` (every file) when a
    /// path is not in a locale's folder.
    fn translated_outputs(&self, paths: &[PathBuf]) -> Option<Vec<Output>> {
        let config = &self.model.config;
        let folder = |path: &PathBuf| -> Option<Locale> {
            let relative = path.strip_prefix(&config.root).ok()?;
            let mut parts = relative.components().skip(1);
            parts.next()?.as_os_str().to_str()?.parse().ok()
        };
        let changed: Vec<Locale> = paths.iter().map(folder).collect::<Option<_>>()?;
        let reads = |locale: &Locale| {
            let chain = config.fallback_chain(locale);
            changed.iter().any(|c| chain.contains(c))
        };
        let region_reads = |region: usize| self.model.region(region).locales.iter().any(reads);
        let outputs = self.outputs().into_iter().filter(|output| match output {
            Output::Page(index) => reads(self.model.plan.locale(&self.model.plan.jobs[*index])),
            Output::NotFound { locale, .. } => reads(locale),
            Output::Languages { region } => region_reads(*region),
            _ => false,
        });
        Some(outputs.collect())
    }

    /// Whether the pages `names` show the same images in `content` as now.
    fn same_images(&self, content: &content::Content, names: &[String]) -> bool {
        names.iter().all(
            |name| match (self.model.content.by_file(name), content.by_file(name)) {
                (Some(old), Some(new)) => crate::media::same_references(&old, &new),
                _ => false,
            },
        )
    }

    /// This site with `content` in place of its pages, sharing everything else:
    /// for an edit that changed page bodies only.
    fn with_content(&self, content: content::Content) -> Site {
        let mut model = self.model.clone();
        model.content = Arc::new(content);
        self.sharing(model, self.renderer.clone())
    }

    /// A site of `model` and `renderer` with this one's redirect tables and
    /// warnings: for edits that change neither pages' places nor rules.
    fn sharing(&self, model: Model, renderer: Arc<Renderer>) -> Site {
        Site {
            model,
            renderer,
            redirects: self.redirects.clone(),
            warnings: self.warnings.clone(),
            sitemap_limits: self.sitemap_limits,
        }
    }

    /// The files whose pages changed only in their body, or `None` when anything
    /// else may have changed (a new, removed or retitled page).
    fn pages_to_redo(&self, content: &content::Content, paths: &[PathBuf]) -> Option<Vec<String>> {
        let root = &self.model.config.root;
        let mut names = Vec::new();
        for path in paths {
            let shown = crate::fs::shown_path(root, path);
            match (self.model.content.by_file(&shown), content.by_file(&shown)) {
                (Some(old), Some(new)) if old.same_front_matter(&new) => names.push(shown),
                _ => return None,
            }
        }
        Some(names)
    }

    /// The page outputs rendered from these source files.
    fn page_outputs(&self, files: &[String]) -> Vec<Output> {
        let plan = &self.model.plan;
        let mut indexes: Vec<usize> = files
            .iter()
            .filter_map(|file| self.model.content.by_file(file))
            .flat_map(|page| {
                plan.indexes_named(&page.name)
                    .filter(move |&i| *plan.source_locale(&plan.jobs[i]) == page.locale)
            })
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes.into_iter().map(Output::Page).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_classified_by_the_input_they_touch() {
        let root = Path::new("/site");
        let paths = |list: &[&str]| list.iter().map(|p| root.join(p)).collect::<Vec<_>>();
        let pages = paths(&["content/en/index.md", "content/fr-FR/aide.md"]);
        assert_eq!(
            InputChange::classify(root, &pages),
            InputChange::Pages(pages.clone())
        );
        let ftl = paths(&["locales/en/main.ftl"]);
        assert_eq!(
            InputChange::classify(root, &ftl),
            InputChange::Translations(ftl.clone())
        );
        let theme = paths(&[
            "themes/notice/static/style.css",
            "themes/notice/templates/base.html",
        ]);
        assert_eq!(InputChange::classify(root, &theme), InputChange::Theme);
        // Saves of several kinds during one rebuild: each kind in turn.
        assert_eq!(
            InputChange::classify(
                root,
                &paths(&["content/en/index.md", "locales/en/main.ftl"])
            ),
            InputChange::Several(vec![
                InputChange::Translations(paths(&["locales/en/main.ftl"])),
                InputChange::Pages(paths(&["content/en/index.md"])),
            ])
        );
        for other in [
            paths(&["site.yaml"]),
            paths(&["redirects/campaigns.csv"]),
            paths(&["content/en/index.md", "site.yaml"]),
            paths(&["content/en"]),
        ] {
            assert_eq!(
                InputChange::classify(root, &other),
                InputChange::Everything,
                "{other:?}"
            );
        }
    }
}
