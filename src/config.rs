//! `site.yaml`: the brand, its locales, theme, CDN target and regions.
//!
//! The file is read into raw serde structs (unknown keys rejected) and then checked
//! into types that cannot hold a wrong value: a [`Locale`] is a valid language tag, a
//! [`RegionId`] is a short lowercase name, a domain is a bare hostname, a `new_home`
//! is an absolute `https://` URL. Every problem keeps its line in `site.yaml`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::dates::NotADate;
use crate::diagnostics::{did_you_mean, Diagnostic, Outcome, SourceFile, Span};
use crate::fs;
use crate::i18n::names;
use crate::raw_html::RawHtml;
use crate::redirects::{RedirectsConfig, Target};

pub const CONFIG_FILE: &str = "site.yaml";

/// A BCP 47 language tag such as `fr-BE`, in its canonical spelling. Shared,
/// not copied: every page and every planned file holds its locale, and a site
/// has a handful of them. Behind one pointer of 8 bytes, not a pointer and a
/// length of 16: a 100,000-page build keeps 300,000 of them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct Locale(std::sync::Arc<Box<str>>);

impl Locale {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tag as written in URLs: `/fr-be/`.
    pub fn url_segment(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    pub fn language_identifier(&self) -> unic_langid::LanguageIdentifier {
        self.0
            .parse()
            .expect("a Locale is only built from a tag that parsed")
    }

    /// The Open Graph form, `fr_BE`.
    pub fn og_locale(&self) -> String {
        self.0.replace('-', "_")
    }
}

impl FromStr for Locale {
    type Err = String;

    /// Each tag is checked against CLDR once per thread: every page's folder
    /// name is parsed as a locale, and a site has a handful of them.
    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        thread_local! {
            static PARSED: std::cell::RefCell<HashMap<String, Result<Locale, String>>> =
                std::cell::RefCell::default();
        }
        PARSED.with(|parsed| {
            if let Some(known) = parsed.borrow().get(tag) {
                return known.clone();
            }
            let result = Locale::parse_tag(tag);
            // Bounded: text that is not a site's folder names (a fuzzer's) is
            // not kept.
            if parsed.borrow().len() < 64 {
                parsed.borrow_mut().insert(tag.to_string(), result.clone());
            }
            result
        })
    }
}

impl Locale {
    fn parse_tag(tag: &str) -> Result<Locale, String> {
        let id: unic_langid::LanguageIdentifier = tag
            .parse()
            .map_err(|_| format!("`{tag}` is not a language tag"))?;
        if tag.contains('_') {
            return Err(format!("`{tag}` uses `_`; language tags use `-`"));
        }
        let language = id.language.as_str();
        if !names::is_known_language(language) {
            return Err(format!(
                "`{tag}` is not a language tag: CLDR knows no language `{language}`"
            ));
        }
        if let Some(region) = id.region.filter(|r| !names::is_known_region(r.as_str())) {
            return Err(format!(
                "`{tag}` is not a language tag: CLDR knows no region `{region}`"
            ));
        }
        Ok(Locale(std::sync::Arc::new(id.to_string().into_boxed_str())))
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Locale> for String {
    fn from(locale: Locale) -> String {
        locale.0.to_string()
    }
}

fn capitalize_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A region's short name: lowercase letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct RegionId(String);

impl RegionId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RegionId {
    type Err = String;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        let valid = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            Ok(RegionId(id.to_string()))
        } else {
            Err(format!(
                "`{id}` is not a region id: use lowercase letters, digits and `-`"
            ))
        }
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<RegionId> for String {
    fn from(id: RegionId) -> String {
        id.0
    }
}

/// A bare hostname: it names the output folder, so it must be one safe path segment.
fn check_domain(domain: &str) -> Result<(), String> {
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    if labels_ok && domain.len() <= 253 {
        Ok(())
    } else {
        Err(format!(
            "`{domain}` is not a hostname: write it lowercase, without `https://` or a path"
        ))
    }
}

/// A value that is meant as a date but is not written `YYYY-MM-DD`: its name ends
/// in `date`, or it reads as a date written another way (`09/01/2025`). Caught
/// here, at the value, rather than in every template and message that shows it.
fn date_problem(key: &str, value: &str) -> Option<(String, String)> {
    let named = key == "date" || key.ends_with("_date");
    let parts: Vec<&str> = value.trim().split(['/', '.', '-']).collect();
    let looks_like_one = parts.len() == 3
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
        && parts.iter().filter(|p| p.len() == 4).count() == 1
        && parts
            .iter()
            .all(|p| p.len() == 4 || (1..=2).contains(&p.len()));
    let why = match crate::dates::IsoDate::parse(value) {
        Ok(_) => return None,
        Err(_) if !(named || looks_like_one) => return None,
        Err(NotADate::Shape) => {
            format!("`{value}` is not a date handover can read: dates are written YYYY-MM-DD")
        }
        Err(wrong) => wrong.message(value),
    };
    Some((why, crate::dates::date_help(value, "")))
}

/// An absolute `https://` URL.
pub fn check_https_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| format!("`{url}` is not an absolute https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{url}` is not an absolute https:// URL"));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    brand: String,
    reference_locale: Spanned<String>,
    theme: Spanned<String>,
    target: Target,
    #[serde(default)]
    fallbacks: BTreeMap<String, Spanned<Vec<String>>>,
    #[serde(default)]
    x_default: Option<Spanned<String>>,
    #[serde(default)]
    redirects: RedirectsConfig,
    #[serde(default)]
    raw_html: RawHtml,
    regions: Vec<Spanned<RawRegion>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    domain: Spanned<String>,
    locales: Spanned<Vec<String>>,
    new_home: Spanned<String>,
    #[serde(default)]
    values: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    redirects: RedirectsConfig,
}

/// One regional domain.
#[derive(Debug, Clone)]
pub struct Region {
    pub id: RegionId,
    /// What the language switcher calls the region when two entries share a
    /// language ("International"); CLDR's region name otherwise.
    pub name: Option<String>,
    pub domain: String,
    pub locales: Vec<Locale>,
    /// Where each locale is written in `site.yaml`, in the order of `locales`.
    pub locale_spans: Vec<Span>,
    pub new_home: String,
    pub values: BTreeMap<String, String>,
    pub redirects: RedirectsConfig,
    /// Where the region is defined in `site.yaml`.
    pub span: Span,
}

impl Region {
    /// More than one locale: pages live under `/<locale>/` and `/` offers the choice.
    pub fn is_multilingual(&self) -> bool {
        self.locales.len() > 1
    }

    pub fn base_url(&self) -> String {
        format!("https://{}/", self.domain)
    }
}

/// The whole, checked site configuration.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub root: PathBuf,
    pub file: SourceFile,
    pub brand: String,
    pub reference_locale: Locale,
    pub theme: String,
    pub target: Target,
    pub fallbacks: BTreeMap<Locale, Vec<Locale>>,
    pub x_default: Option<RegionId>,
    pub redirects: RedirectsConfig,
    /// What page bodies' raw HTML becomes: sanitized (default), kept, or escaped.
    pub raw_html: RawHtml,
    pub regions: Vec<Region>,
    /// Drafts are rendered like other pages: only `serve --drafts` sets it (never
    /// `site.yaml`), so no build publishes a draft.
    pub drafts: bool,
}

impl SiteConfig {
    /// Every CSV redirect map the config names, shared ones first, as written
    /// (a file named twice is listed twice).
    pub fn csv_maps(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.redirects
            .csv
            .iter()
            .chain(self.regions.iter().flat_map(|r| r.redirects.csv.iter()))
    }

    /// Every locale some region uses, plus the reference locale, sorted.
    pub fn locales(&self) -> BTreeSet<Locale> {
        let mut all: BTreeSet<Locale> = self
            .regions
            .iter()
            .flat_map(|r| r.locales.iter().cloned())
            .collect();
        all.insert(self.reference_locale.clone());
        all
    }

    /// Every locale whose files the build reads: [`SiteConfig::locales`] and
    /// the locales they fall back to.
    pub fn used_locales(&self) -> BTreeSet<Locale> {
        let shown = self.locales();
        let fallbacks: Vec<Locale> = shown
            .iter()
            .flat_map(|locale| self.fallback_chain(locale))
            .collect();
        shown.into_iter().chain(fallbacks).collect()
    }

    /// Where to look, in order, for text in `locale`: itself, its configured
    /// fallbacks, then the reference locale.
    pub fn fallback_chain(&self, locale: &Locale) -> Vec<Locale> {
        let mut chain = vec![locale.clone()];
        for next in self.fallbacks.get(locale).into_iter().flatten() {
            if !chain.contains(next) {
                chain.push(next.clone());
            }
        }
        if !chain.contains(&self.reference_locale) {
            chain.push(self.reference_locale.clone());
        }
        chain
    }

    pub fn region(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.id.as_str() == id)
    }

    /// The region whose pages are the `x-default` alternates.
    pub fn x_default_region(&self) -> Option<&Region> {
        match &self.x_default {
            Some(id) => self.region(id.as_str()),
            None => self
                .regions
                .iter()
                .find(|r| r.locales.contains(&self.reference_locale)),
        }
    }

    /// Cloudflare static redirects go to a Bulk Redirects CSV (`cloudflare_bulk: true`).
    pub fn cloudflare_bulk(&self) -> bool {
        self.target == Target::Cloudflare
            && self
                .redirects
                .cloudflare_bulk
                .as_ref()
                .is_some_and(|b| b.value)
    }

    pub fn theme_dir(&self) -> PathBuf {
        self.root.join("themes").join(&self.theme)
    }
}

/// Reads and checks `<root>/site.yaml`.
pub fn load(root: &Path) -> Outcome<SiteConfig> {
    let path = root.join(CONFIG_FILE);
    let text = fs::read_input(root, &path, CONFIG_FILE).map_err(|d| vec![d])?;
    let file = SourceFile::new(CONFIG_FILE, text);
    let raw: RawSite = crate::yaml::parse(&file, &file.text, 1, "config::invalid")
        .map_err(|d| vec![d.help_if_missing("see docs/site-format.md for every key")])?;
    Checker::new(&file, root).check(raw)
}

/// Turns raw values into checked ones, collecting every problem.
struct Checker<'a> {
    file: &'a SourceFile,
    root: &'a Path,
    problems: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    fn new(file: &'a SourceFile, root: &'a Path) -> Self {
        Checker {
            file,
            root,
            problems: Vec::new(),
        }
    }

    fn span<T>(&self, spanned: &Spanned<T>) -> Span {
        crate::yaml::span_of(self.file, spanned)
    }

    fn problem(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.problems.push(
            Diagnostic::error("config::invalid", message)
                .at(span)
                .help(help),
        );
    }

    fn locale(&mut self, tag: &str, span: Span) -> Option<Locale> {
        match tag.parse::<Locale>() {
            Ok(locale) => Some(locale),
            Err(message) => {
                let span = self.within(&span, tag);
                let help = self.locale_help(tag);
                self.problem(span, message, help);
                None
            }
        }
    }

    /// The span of `needle` inside `span`'s line (one tag of `[en, fr-FR]`), or
    /// `span` itself.
    fn within(&self, span: &Span, needle: &str) -> Span {
        let line_end = self.file.text[span.offset..]
            .find('\n')
            .map_or(self.file.text.len(), |i| span.offset + i);
        match self.file.text[span.offset..line_end].find(needle) {
            Some(at) if !needle.is_empty() => Span::new(self.file, span.offset + at, needle.len()),
            _ => span.clone(),
        }
    }

    /// What to write instead of `tag`: the site's own locale of the language it
    /// names (`german` -> `de-DE` when content/de-DE/ exists), else CLDR's usual
    /// tag for it, else a close tag the site already uses.
    fn locale_help(&self, tag: &str) -> String {
        const SHAPE: &str = "locales are BCP 47 tags such as `en`, `fr-FR` or `de-CH`";
        let site_tags: Vec<String> = ["content", "locales"]
            .iter()
            .flat_map(|dir| fs::folder_names(&self.root.join(dir)))
            .filter(|name| name.parse::<Locale>().is_ok())
            .collect();
        let suggestion = names::canonical(tag)
            .filter(|canonical| canonical != tag && canonical.parse::<Locale>().is_ok())
            .or_else(|| self.same_language(tag, &site_tags))
            .or_else(|| {
                crate::diagnostics::closest(tag, site_tags.iter().map(String::as_str))
                    .map(str::to_string)
            });
        match suggestion {
            Some(tag) => format!("did you mean `{tag}`? {SHAPE}"),
            None => capitalize_first(SHAPE),
        }
    }

    /// A tag for the language `tag` names (`german`, `Deutsch` or `de`): one the
    /// site already uses, else `language-REGION` when the region is real, else
    /// CLDR's usual tag for the language.
    fn same_language(&self, tag: &str, site_tags: &[String]) -> Option<String> {
        let subtags: Vec<&str> = tag.split(['-', '_']).collect();
        let first = subtags[0].to_ascii_lowercase();
        let language = if names::is_known_language(&first) {
            first
        } else {
            names::language_named(subtags[0])?
        };
        let region = subtags
            .get(1)
            .map(|r| r.to_ascii_uppercase())
            .filter(|r| names::is_known_region(r));
        let ours = |t: &&String| names::language_of(t).as_deref() == Some(language.as_str());
        let own = match &region {
            Some(region) => site_tags
                .iter()
                .filter(ours)
                .find(|t| t.ends_with(&format!("-{region}"))),
            None => site_tags.iter().find(ours),
        };
        Some(match (own, region) {
            (Some(own), _) => own.clone(),
            (None, Some(region)) => format!("{language}-{region}"),
            (None, None) => names::likely_tag(&language),
        })
    }

    fn check(mut self, raw: RawSite) -> Outcome<SiteConfig> {
        let reference_span = self.span(&raw.reference_locale);
        let reference_locale = self.locale(&raw.reference_locale.value, reference_span);
        self.check_theme(&raw.theme);

        let mut fallbacks = BTreeMap::new();
        for (from, to) in &raw.fallbacks {
            let span = self.span(to);
            let Some(from) = self.locale(from, span.clone()) else {
                continue;
            };
            let chain: Vec<Locale> = to
                .value
                .iter()
                .filter_map(|tag| self.locale(tag, span.clone()))
                .collect();
            fallbacks.insert(from, chain);
        }

        let regions: Vec<Region> = raw
            .regions
            .iter()
            .filter_map(|region| self.region(region))
            .collect();
        if raw.regions.is_empty() {
            self.problems.push(
                Diagnostic::error("config::invalid", "the site has no regions")
                    .at(Span::new(self.file, 0, 0))
                    .help("add at least one region under `regions:`"),
            );
        }
        self.check_unique_regions(&raw.regions, &regions);

        let x_default = raw.x_default.as_ref().and_then(|spanned| {
            let span = self.span(spanned);
            // Every region written, also one with its own problems (reported there).
            let known: Vec<&str> = raw
                .regions
                .iter()
                .map(|r| r.value.id.value.as_str())
                .collect();
            if known.contains(&spanned.value.as_str()) {
                spanned.value.parse().ok()
            } else {
                let help = did_you_mean(&spanned.value, known.iter().copied());
                self.problem(
                    span,
                    format!("no region is called `{}`", spanned.value),
                    help,
                );
                None
            }
        });

        match reference_locale {
            Some(reference_locale) if self.problems.is_empty() => Ok(SiteConfig {
                root: self.root.to_path_buf(),
                file: self.file.clone(),
                brand: raw.brand,
                reference_locale,
                theme: raw.theme.value,
                target: raw.target,
                fallbacks,
                x_default,
                redirects: raw.redirects,
                raw_html: raw.raw_html,
                regions,
                drafts: false,
            }),
            _ => Err(self.problems),
        }
    }

    fn check_theme(&mut self, theme: &Spanned<String>) {
        let name = &theme.value;
        let span = self.span(theme);
        let safe = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !safe {
            self.problem(
                span,
                format!("`{name}` is not a theme name"),
                "use the name of a folder under `themes/` (letters, digits, `-`, `_`)",
            );
            return;
        }
        if !self.root.join("themes").join(name).is_dir() {
            let installed = fs::folder_names(&self.root.join("themes"));
            let help = if installed.is_empty() {
                "create `themes/<name>/templates/` or fix the name".to_string()
            } else {
                did_you_mean(name, installed.iter().map(String::as_str))
            };
            self.problem(span, format!("there is no theme `{name}` in themes/"), help);
        }
    }

    fn region(&mut self, spanned: &Spanned<RawRegion>) -> Option<Region> {
        let raw = &spanned.value;
        let before = self.problems.len();

        let id = match raw.id.value.parse::<RegionId>() {
            Ok(id) => Some(id),
            Err(message) => {
                let span = self.span(&raw.id);
                self.problem(span, message, "for example `uk` or `fr-be`");
                None
            }
        };
        if let Err(message) = check_domain(&raw.domain.value) {
            let span = self.span(&raw.domain);
            self.problem(span, message, "for example `www.example.co.uk`");
        }
        if let Err(message) = check_https_url(&raw.new_home.value) {
            let span = self.span(&raw.new_home);
            self.problem(span, message, "for example `https://www.example.com/uk/`");
        }
        let locales_span = self.span(&raw.locales);
        let locales: Vec<Locale> = raw
            .locales
            .value
            .iter()
            .filter_map(|tag| self.locale(tag, locales_span.clone()))
            .collect();
        if raw.locales.value.is_empty() {
            self.problem(
                locales_span.clone(),
                "a region needs at least one locale",
                "list its locales, e.g. `locales: [fr-BE, nl-BE]`",
            );
        }
        let distinct: BTreeSet<_> = locales.iter().map(Locale::url_segment).collect();
        if distinct.len() != locales.len() {
            self.problem(
                locales_span.clone(),
                "a locale is listed twice",
                "list each locale once",
            );
        }
        for (key, value) in &raw.values {
            if let Some((message, help)) = date_problem(key, &value.value) {
                let span = self.span(value);
                self.problem(span, message, help);
            }
            let valid_key = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid_key {
                let span = self.span(value);
                self.problem(
                    span,
                    format!("`{key}` is not a value name"),
                    "use lowercase letters, digits and `_`, e.g. `support_url`",
                );
            }
        }

        if self.problems.len() > before {
            return None;
        }
        let locale_spans = raw
            .locales
            .value
            .iter()
            .map(|tag| self.within(&locales_span, tag))
            .collect();
        Some(Region {
            id: id?,
            name: raw.name.clone(),
            domain: raw.domain.value.clone(),
            locales,
            locale_spans,
            new_home: raw.new_home.value.clone(),
            values: raw
                .values
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect(),
            redirects: raw.redirects.clone(),
            span: self.span(&raw.id),
        })
    }

    fn check_unique_regions(&mut self, raw: &[Spanned<RawRegion>], regions: &[Region]) {
        if regions.len() != raw.len() {
            return;
        }
        let mut ids = BTreeSet::new();
        let mut domains = BTreeSet::new();
        for (raw, region) in raw.iter().zip(regions) {
            if !ids.insert(region.id.clone()) {
                let span = self.span(&raw.value.id);
                self.problem(
                    span,
                    format!("two regions are called `{}`", region.id),
                    "give each region its own id",
                );
            }
            if !domains.insert(region.domain.clone()) {
                let span = self.span(&raw.value.domain);
                self.problem(
                    span,
                    format!("two regions use the domain `{}`", region.domain),
                    "a domain with several languages is one region with several `locales`",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_canonical_and_checked() {
        assert_eq!("fr-be".parse::<Locale>().unwrap().as_str(), "fr-BE");
        assert_eq!("fr-BE".parse::<Locale>().unwrap().url_segment(), "fr-be");
        assert!("fr_BE".parse::<Locale>().is_err());
        assert!("not a tag".parse::<Locale>().is_err());
    }

    #[test]
    fn domains_cannot_be_paths() {
        assert!(check_domain("www.po.co").is_ok());
        for bad in [
            "https://x.com",
            "x.com/a",
            "..",
            "a..b",
            "X.com",
            "a/../b",
            "",
        ] {
            assert!(check_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn region_ids_are_lowercase_names() {
        assert!("fr-be".parse::<RegionId>().is_ok());
        assert!("FR".parse::<RegionId>().is_err());
        assert!("../x".parse::<RegionId>().is_err());
    }

    #[test]
    fn dates_are_checked_at_the_value() {
        assert!(date_problem("closing_date", "2025-01-09").is_none());
        assert!(date_problem("closing_date", "09/01/2025").is_some());
        assert!(date_problem("closing_date", "soon").is_some());
        assert!(date_problem("launch", "9.1.2025").is_some());
        assert!(date_problem("app_version", "2.1.0").is_none());
        assert!(date_problem("store", "https://x.example/").is_none());
    }

    #[test]
    fn new_home_must_be_https() {
        assert!(check_https_url("https://www.mi.com/uk/").is_ok());
        assert!(check_https_url("http://www.mi.com/").is_err());
        assert!(check_https_url("https:///x").is_err());
        assert!(check_https_url("www.mi.com").is_err());
    }
}
