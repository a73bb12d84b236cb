//! `handover check`: everything wrong with the site, before anything is deployed,
//! without writing a file.
//!
//! It runs `build`'s pipeline in its lenient mode (pages and `.ftl` entries that
//! fail are left out so the rest is still checked), renders every page in memory,
//! and adds what a build does not look at: translations compared with the
//! reference locale the way Mozilla's compare-locales does ([`translations`]),
//! messages used but undefined or defined but unused ([`usage`]), links
//! ([`links`]), drafts and descriptions too long for search results.

pub mod links;
pub mod translations;
pub mod usage;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::config::{self, Locale, SiteConfig};
use crate::content::Content;
use crate::diagnostics::{Diagnostic, Report, SourceFile};
use crate::pipeline::Site;
use crate::raw_html::RawHtml;

/// Search results cut descriptions near this length.
pub const DESCRIPTION_LIMIT: usize = 160;

/// How complete one locale is.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub locale: String,
    pub messages_translated: usize,
    pub messages_total: usize,
    pub pages_present: usize,
    pub pages_total: usize,
}

/// Everything `check` found.
pub struct CheckReport {
    pub report: Report,
    pub coverage: Vec<Coverage>,
    /// Each region's notice phase today (region id, phase).
    pub phases: Vec<(String, crate::redirects::phase::Phase)>,
}

/// Checks the site at `root`: loads it leniently, renders every page in memory
/// for the link check, and validates.
pub fn check_site(root: &Path) -> CheckReport {
    let (site, mut problems) = Site::load_for_check(root);
    let links = site.as_ref().map(links::LinkSink::new);
    if let (Some(site), Some(links)) = (&site, &links) {
        problems.extend(site.render_all(links));
    }
    validate(root, site.as_ref(), problems, links, &root.join("public"))
}

/// Everything a loaded site is checked for, once its pages were rendered into
/// `links` (`None` when there is no site to render): `check` reports it, and `build` refuses the site on any error in it,
/// so the two always give one verdict. `previous` holds the last build, whose
/// URLs must still answer ([`crate::moved`]).
pub fn validate(
    root: &Path,
    site: Option<&Site>,
    mut problems: Vec<Diagnostic>,
    links: Option<links::LinkSink>,
    previous: &Path,
) -> CheckReport {
    let config = match site {
        Some(site) => site.model.config.clone(),
        None => match config::load(root) {
            Ok(config) => config,
            Err(_) => {
                return CheckReport {
                    report: Report::new(problems),
                    coverage: Vec::new(),
                    phases: Vec::new(),
                }
            }
        },
    };
    let translation_report = translations::check_translations(&config);
    problems.extend(translation_report.diagnostics);
    let locale_folders = locale_folders(&config);
    problems.extend(messages_no_region_shows(&config, &locale_folders));
    problems.extend(files_not_read(
        &locale_folders,
        site.map(|site| &*site.model.content),
    ));
    let mut coverage: Vec<Coverage> = translation_report
        .coverage
        .iter()
        .map(|c| Coverage {
            locale: c.locale.to_string(),
            messages_translated: c.translated,
            messages_total: c.total,
            pages_present: 0,
            pages_total: 0,
        })
        .collect();
    if let Some(site) = site {
        let templates: Vec<SourceFile> = site.model.theme.templates.values().cloned().collect();
        problems.extend(usage::check_usage(
            &site.model.config,
            &site.model.translations,
            &templates,
            &site.model.content,
        ));
        problems.extend(
            links
                .map(|links| links.finish(&templates))
                .unwrap_or_default(),
        );
        if site.model.config.raw_html == RawHtml::Sanitize {
            problems.extend(links::unsafe_markdown_links(site));
        }
        problems.extend(content_problems(site));
        problems.extend(pages_no_region_shows(site));
        problems.extend(crate::moved::moved_urls(site, previous));
        fill_page_coverage(site, &mut coverage);
    }
    let phases = config
        .regions
        .iter()
        .filter_map(|region| {
            let phase = crate::redirects::phase::phase(&config, region).ok()?;
            Some((region.id.to_string(), phase))
        })
        .collect();
    CheckReport {
        report: Report::new(dedup(without_image_links(without_repeats(problems)))),
        coverage,
        phases,
    }
}

/// A missing image is reported at its reference by `content::missing-image`;
/// the link check would say the same of its `src`, with a redirect rule's help.
fn without_image_links(mut problems: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let images: BTreeSet<Option<String>> = problems
        .iter()
        .filter(|d| d.code.starts_with("content::") && d.code.contains("image"))
        .map(Diagnostic::location_label)
        .collect();
    problems.retain(|d| !(d.code.starts_with("links::") && images.contains(&d.location_label())));
    problems
}

/// The comparison reports every `.ftl` duplicate and unknown reference at the
/// entry itself; the build's versions of the same problems (`i18n::*`, and the
/// render errors they cause) would only repeat them. Syntax errors come from one
/// function in both, so the report's dedup merges them. Likewise, a message used
/// but defined nowhere is reported once where it is used
/// (`translations::undefined`), not again by every page that renders it.
fn without_repeats(mut problems: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let has_unknown_reference = problems
        .iter()
        .any(|d| d.code == "translations::unknown-reference");
    let undefined: Vec<String> = problems
        .iter()
        .filter(|d| d.code == "translations::undefined")
        .filter_map(|d| d.message.split('`').nth(1))
        .map(|id| format!("message `{id}` is not defined for "))
        .collect();
    problems.retain(|d| {
        let rendering = matches!(d.code, "i18n::resolve" | "render::failed");
        let repeated_reference = rendering
            && has_unknown_reference
            && ["Unknown term", "Unknown message", "Unknown attribute"]
                .iter()
                .any(|m| d.message.contains(m));
        let repeated_undefined = rendering
            && undefined
                .iter()
                .any(|prefix| d.message.starts_with(prefix.as_str()));
        d.code != "i18n::duplicate" && !repeated_reference && !repeated_undefined
    });
    problems
}

/// Rendering every page repeats a problem once per page: report it once.
fn dedup(mut problems: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = BTreeSet::new();
    problems.retain(|d| seen.insert((d.code, d.location_label(), d.message.clone())));
    problems
}

/// Drafts (not published), descriptions search results would cut, and pages the
/// reference locale does not have (no other locale can fall back to them).
fn content_problems(site: &Site) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let reference = &site.model.config.reference_locale;
    let used = site.model.config.used_locales();
    // Those of a locale no region shows have one problem, their folder's.
    let shown_pages = site
        .model
        .content
        .all()
        .filter(|page| used.contains(&page.locale));
    for page in shown_pages {
        let content = &site.model.content;
        if &page.locale != reference
            && content.head(reference, &page.name).is_none()
            && !content.is_broken(reference, &page.name)
        {
            problems.push(
                Diagnostic::warning(
                    "content::not-in-reference",
                    format!("`{}` exists in {} but not in the reference locale {reference}", page.name, page.locale),
                )
                .at(page.key_span("title"))
                .help(format!(
                    "add content/{reference}/{}.md: the reference locale is what translators start from and what other locales fall back to",
                    page.name
                )),
            );
        }
        if page.draft {
            problems.push(
                Diagnostic::warning(
                    "content::draft",
                    format!(
                        "`{}` ({}) is a draft: it is not published",
                        page.name, page.locale
                    ),
                )
                .at(page.key_span("draft"))
                .help("remove `draft: true` to publish it"),
            );
        }
        if site.model.config.raw_html == RawHtml::Sanitize {
            problems.extend(page.extras.removed_html.iter().cloned());
        }
        let texts = match page.texts() {
            Ok(texts) => texts,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let length = texts.description().chars().count();
        if length > DESCRIPTION_LIMIT {
            problems.push(
                Diagnostic::warning("content::long-description", format!("the description is {length} characters; search results show about {DESCRIPTION_LIMIT}"))
                    .at(page.key_span("description"))
                    .help("shorten it to one sentence that says what the page is for"),
            );
        }
    }
    problems
}

/// The folders of `content/` with pages in a locale that no region shows nor
/// falls back to (`content/fr/` where the regions show `fr-FR`): nothing in
/// them is published. One warning a folder.
fn pages_no_region_shows(site: &Site) -> Vec<Diagnostic> {
    let config = &site.model.config;
    let used = config.used_locales();
    let content = &site.model.content;
    // By locale: the folder as it is named, and how many pages it holds.
    let mut folders: BTreeMap<&Locale, (String, usize)> = BTreeMap::new();
    let loaded = content.heads().map(|page| {
        let file = page.file_name();
        let folder = file.rsplit_once('/').map(|(folder, _)| folder);
        (page.locale, folder.map(str::to_string))
    });
    let broken = content.broken.iter().map(|(locale, _)| (locale, None));
    for (locale, folder) in loaded.chain(broken) {
        if used.contains(locale) {
            continue;
        }
        let folder = folder.unwrap_or_else(|| format!("{}/{locale}", crate::content::CONTENT_DIR));
        folders.entry(locale).or_insert((folder, 0)).1 += 1;
    }
    folders
        .into_iter()
        .map(|(locale, (folder, count))| {
            let what = match count {
                1 => "1 page".to_string(),
                n => format!("{n} pages"),
            };
            no_region_shows(config, "content::no-region", &folder, locale, &what)
        })
        .collect()
}

/// The folders of `locales/`, each with the names of the files right in it,
/// sorted: read once for the checks of folders and of file names.
fn locale_folders(config: &SiteConfig) -> Vec<(String, Vec<String>)> {
    let locales = config.root.join(crate::i18n::LOCALES_DIR);
    crate::fs::folder_names(&locales)
        .into_iter()
        .filter_map(|folder| {
            let entries = std::fs::read_dir(locales.join(&folder)).ok()?;
            let mut names: Vec<String> = entries
                .flatten()
                .filter(|entry| entry.file_type().is_ok_and(|kind| !kind.is_dir()))
                .filter_map(|entry| entry.file_name().into_string().ok())
                .collect();
            names.sort();
            Some((folder, names))
        })
        .collect()
}

/// The folders of `locales/` with `.ftl` files in a locale that no region
/// shows nor falls back to: none of their messages is shown.
fn messages_no_region_shows(
    config: &SiteConfig,
    folders: &[(String, Vec<String>)],
) -> Vec<Diagnostic> {
    let used = config.used_locales();
    folders
        .iter()
        .filter_map(|(name, files)| {
            let locale: Locale = name.parse().ok()?;
            let files = files
                .iter()
                .filter(|file| Path::new(file).extension().is_some_and(|e| e == "ftl"))
                .count();
            if used.contains(&locale) || files == 0 {
                return None;
            }
            let what = match files {
                1 => "1 file of messages".to_string(),
                n => format!("{n} files of messages"),
            };
            let folder = format!("{}/{name}", crate::i18n::LOCALES_DIR);
            let code = "translations::no-region";
            Some(no_region_shows(config, code, &folder, &locale, &what))
        })
        .collect()
}

/// The warning `code` for `folder` (`content/fr`), which holds `what` in a
/// locale no region shows; its help names the site's locale closest to it.
fn no_region_shows(
    config: &SiteConfig,
    code: &'static str,
    folder: &str,
    locale: &Locale,
    what: &str,
) -> Diagnostic {
    let used: Vec<String> = config
        .used_locales()
        .iter()
        .map(Locale::to_string)
        .collect();
    let dir = folder.rsplit_once('/').map_or(folder, |(dir, _)| dir);
    let help = match crate::diagnostics::closest(locale.as_str(), used.iter().map(String::as_str)) {
        Some(close) => format!(
            "if it is meant for {close}, move its files to {dir}/{close}/; otherwise add {locale} to a region's `locales:` in site.yaml"
        ),
        None => format!(
            "add {locale} to a region's `locales:` in site.yaml (the site's locales are {}), or move the folder out of {dir}/",
            used.join(", ")
        ),
    };
    Diagnostic::warning(
        code,
        format!("{folder}/ holds {what} in {locale}, which no region in site.yaml shows: none of it is published"),
    )
    .in_file(folder)
    .help(help)
}

/// The files of the locale folders of `content/` and `locales/` that look
/// meant for the build but that it does not read: `help.md.txt` (Notepad adds
/// `.txt` unless "All files" is chosen), `help.MD`, `help.markdown`,
/// `main.ftl.txt`. Their page or messages would be missing without a word.
/// Those of `content/` were noted by the pages' load, which lists the folder.
fn files_not_read(folders: &[(String, Vec<String>)], content: Option<&Content>) -> Vec<Diagnostic> {
    let mut problems: Vec<Diagnostic> = content
        .into_iter()
        .flat_map(|content| &content.not_read)
        .map(|(shown, meant)| not_read("content::not-read", shown, "page files", "md", meant))
        .collect();
    for (folder, names) in folders {
        for name in names {
            if let Some(meant) = crate::fs::meant_as(name, "ftl") {
                let shown = format!("{}/{folder}/{name}", crate::i18n::LOCALES_DIR);
                let code = "translations::not-read";
                problems.push(not_read(code, &shown, "message files", "ftl", &meant));
            }
        }
    }
    problems
}

/// The warning `code` for the file `shown`, not read: `what` end in
/// `.{extension}`, and it needs the name `meant`.
fn not_read(
    code: &'static str,
    shown: &str,
    what: &str,
    extension: &str,
    meant: &str,
) -> Diagnostic {
    Diagnostic::warning(code, format!("{shown} is not read: {what} end in `.{extension}`"))
        .in_file(shown)
        .help(format!(
            "rename it to {meant} (when saving, choose \"All files\" as the type, or the editor adds its own extension)"
        ))
}

/// Pages present / total per locale, against the reference locale's published pages.
fn fill_page_coverage(site: &Site, coverage: &mut Vec<Coverage>) {
    let config: &SiteConfig = &site.model.config;
    let content = &site.model.content;
    // The reference locale's pages, walked for each locale, not gathered:
    // its names are each once in its sorted list.
    let reference = || {
        let pages = content.pages.get(&config.reference_locale);
        pages
            .into_iter()
            .flat_map(|pages| pages.heads())
            .filter(|page| !page.draft)
    };
    let total = reference().count();
    for locale in config.locales() {
        let present = reference()
            .filter(|page| content.head(&locale, page.name).is_some_and(|p| !p.draft))
            .count();
        let tag = locale.to_string();
        match coverage.iter_mut().find(|c| c.locale == tag) {
            Some(row) => {
                row.pages_present = present;
                row.pages_total = total;
            }
            None => coverage.push(Coverage {
                locale: tag,
                messages_translated: 0,
                messages_total: 0,
                pages_present: present,
                pages_total: total,
            }),
        }
    }
    coverage.sort_by(|a, b| a.locale.cmp(&b.locale));
}
