//! `locales/<locale>/*.ftl`: Fluent messages, one concurrent bundle per locale.
//!
//! All files of a locale form one bundle, parsed once and shared by every render
//! thread. A lookup walks the locale's fallback chain (its configured fallbacks, then
//! the reference locale); each use of a fallback that `site.yaml` does not
//! declare for the locale is remembered and reported as a warning. A missing message, a missing `$variable`, a cycle or an unknown
//! reference is an error that names the `.ftl` file and line: a visitor never sees a
//! raw message id or `{$var}`.
//!
//! Bidi isolation marks are turned off: every locale handover ships is left-to-right,
//! and the invisible U+2068/U+2069 marks would land in `<title>`, attributes and meta
//! tags. A right-to-left locale should turn them back on for itself.

pub mod icu;
pub mod names;
pub mod syntax;
pub mod variables;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::resolver::errors::{ReferenceKind, ResolverError};
use fluent_bundle::{FluentArgs, FluentError, FluentResource, FluentValue};
use fluent_syntax::ast;

use crate::config::{Locale, SiteConfig};
use crate::diagnostics::{closest, Diagnostic, Outcome, SourceFile, Span};
use crate::fs;
use icu::{FluentNumbers, LocaleFormats};

pub const LOCALES_DIR: &str = "locales";

/// Where a message is defined.
#[derive(Debug, Clone)]
pub struct MessageInfo {
    pub span: Span,
    pub attributes: Vec<String>,
}

/// One locale's messages.
pub struct LocaleBundle {
    pub locale: Locale,
    bundle: FluentBundle<FluentResource>,
    pub messages: BTreeMap<String, MessageInfo>,
    pub files: Vec<SourceFile>,
    pub formats: Arc<LocaleFormats>,
    /// Ids of the entries that did not parse (reported as syntax errors).
    pub broken: BTreeSet<String>,
}

/// Why a message could not be shown.
#[derive(Debug, Clone)]
pub struct TranslateError {
    /// One line for the template's error ("message `x` is missing in fr-FR").
    pub summary: String,
    /// The full problem, pointing into the `.ftl` file when there is one.
    pub diagnostic: Box<Diagnostic>,
    /// The fix is in the translation, not where the message is used: the
    /// template's own error would only send the reader to the wrong file.
    pub translation_at_fault: bool,
    /// Variables the message uses that were not passed (without `$`).
    unknown_variables: Vec<String>,
}

/// Every locale's messages, with fallback.
pub struct Translations {
    bundles: BTreeMap<Locale, LocaleBundle>,
    chains: BTreeMap<Locale, Vec<Locale>>,
    reference: Locale,
    /// The fallbacks `site.yaml` declares: using them is intended, not reported.
    declared: BTreeMap<Locale, Vec<Locale>>,
    /// (wanted locale, message id, locale used instead).
    fallback_uses: Mutex<BTreeSet<(Locale, String, Locale)>>,
}

thread_local! {
    /// Problems raised inside Fluent functions, which have no error channel of their own.
    static FUNCTION_PROBLEMS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

impl Translations {
    /// Loads every locale folder, collecting all parse errors and duplicate ids.
    pub fn load(config: &SiteConfig) -> Outcome<Translations> {
        let (translations, problems) = Translations::load_lenient(config);
        if problems.is_empty() {
            Ok(translations)
        } else {
            Err(problems)
        }
    }

    /// Loads what can be loaded, with every problem: a file with a syntax error
    /// keeps its good entries, a duplicate id keeps its first definition. `check`
    /// uses this to go on to the pages after a broken `.ftl` file.
    pub fn load_lenient(config: &SiteConfig) -> (Translations, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        let mut bundles = BTreeMap::new();
        let chains: BTreeMap<Locale, Vec<Locale>> = config
            .locales()
            .into_iter()
            .map(|locale| {
                let chain = config.fallback_chain(&locale);
                (locale, chain)
            })
            .collect();
        for locale in config.used_locales() {
            let (bundle, mut found) = load_locale(config, &locale);
            problems.append(&mut found);
            if let Some(bundle) = bundle {
                bundles.insert(locale, bundle);
            }
        }
        if !bundles.contains_key(&config.reference_locale) && problems.is_empty() {
            problems.push(
                Diagnostic::error(
                    "i18n::missing-locale",
                    format!(
                        "the reference locale {} has no messages",
                        config.reference_locale
                    ),
                )
                .in_file(format!("{LOCALES_DIR}/{}", config.reference_locale))
                .help(format!(
                    "create {LOCALES_DIR}/{}/main.ftl: every other locale falls back to it",
                    config.reference_locale
                )),
            );
        }
        let translations = Translations {
            bundles,
            chains,
            reference: config.reference_locale.clone(),
            declared: config.fallbacks.clone(),
            fallback_uses: Mutex::new(BTreeSet::new()),
        };
        (translations, problems)
    }

    pub fn bundle(&self, locale: &Locale) -> Option<&LocaleBundle> {
        self.bundles.get(locale)
    }

    pub fn bundles(&self) -> impl Iterator<Item = &LocaleBundle> {
        self.bundles.values()
    }

    fn chain(&self, locale: &Locale) -> Vec<Locale> {
        self.chains
            .get(locale)
            .cloned()
            .unwrap_or_else(|| vec![locale.clone()])
    }

    /// The date and number formatters for `locale`.
    pub fn formats(&self, locale: &Locale) -> Arc<LocaleFormats> {
        match self.bundles.get(locale) {
            Some(bundle) => bundle.formats.clone(),
            None => Arc::new(LocaleFormats::new(locale)),
        }
    }

    /// Whether `id` (with `attribute`) exists somewhere on `locale`'s chain.
    pub fn has(&self, locale: &Locale, id: &str) -> bool {
        self.chain(locale).iter().any(|l| {
            self.bundles
                .get(l)
                .is_some_and(|b| b.bundle.has_message(id))
        })
    }

    /// Formats message `id` (or one of its attributes) in `locale`.
    pub fn format(
        &self,
        locale: &Locale,
        id: &str,
        attribute: Option<&str>,
        args: Option<&FluentArgs>,
    ) -> Result<String, TranslateError> {
        let chain = self.chain(locale);
        for candidate in &chain {
            let Some(bundle) = self.bundles.get(candidate) else {
                continue;
            };
            let Some(message) = bundle.bundle.get_message(id) else {
                continue;
            };
            let pattern = match attribute {
                Some(name) => message.get_attribute(name).map(|a| a.value()),
                None => message.value(),
            };
            let Some(pattern) = pattern else {
                continue;
            };
            if candidate != locale {
                self.note_fallback(locale, id, candidate);
            }
            return bundle
                .resolve(id, pattern, args)
                .map_err(|error| self.blame_translation(bundle, id, attribute, pattern, error));
        }
        Err(self.missing(locale, id, attribute, &chain))
    }

    /// A variable the template did not pass, in a translation whose reference
    /// text does not use it either: the translator's mistake (`$day` for
    /// `$date`), reported at the variable in the `.ftl` file with the variables
    /// the reference text has, as `check` reports it.
    fn blame_translation(
        &self,
        bundle: &LocaleBundle,
        id: &str,
        attribute: Option<&str>,
        pattern: &ast::Pattern<&str>,
        error: TranslateError,
    ) -> TranslateError {
        let reference = &self.reference;
        let reference_pattern = self
            .bundles
            .get(reference)
            .filter(|_| bundle.locale != *reference)
            .and_then(|b| b.bundle.get_message(id))
            .and_then(|m| match attribute {
                Some(name) => m.get_attribute(name).map(|a| a.value()),
                None => m.value(),
            });
        let (Some(reference_pattern), Some(info)) = (reference_pattern, bundle.messages.get(id))
        else {
            return error;
        };
        let wanted: BTreeSet<&str> = variables::in_pattern(reference_pattern)
            .into_iter()
            .collect();
        let Some(name) = error
            .unknown_variables
            .iter()
            .find(|name| !wanted.contains(name.as_str()))
        else {
            return error;
        };
        let span = variables::span_in_entry(&info.span, name);
        let present: BTreeSet<&str> = variables::in_pattern(pattern).into_iter().collect();
        let diagnostic = variables::unknown(reference, id, name, span, &wanted, &present);
        TranslateError {
            summary: diagnostic.message.clone(),
            diagnostic: Box::new(diagnostic),
            translation_at_fault: true,
            unknown_variables: error.unknown_variables,
        }
    }

    fn note_fallback(&self, wanted: &Locale, id: &str, used: &Locale) {
        if let Ok(mut uses) = self.fallback_uses.lock() {
            uses.insert((wanted.clone(), id.to_string(), used.clone()));
        }
    }

    fn missing(
        &self,
        locale: &Locale,
        id: &str,
        attribute: Option<&str>,
        chain: &[Locale],
    ) -> TranslateError {
        let what = match attribute {
            Some(attr) => format!("message `{id}.{attr}`"),
            None => format!("message `{id}`"),
        };
        let tried: Vec<&str> = chain.iter().map(Locale::as_str).collect();
        let known: Vec<&str> = chain
            .iter()
            .filter_map(|l| self.bundles.get(l))
            .flat_map(|b| b.messages.keys().map(String::as_str))
            .collect();
        let help = match closest(id, known.iter().copied()) {
            Some(best) if attribute.is_none() => format!("did you mean `{best}`?"),
            _ => format!(
                "add `{id} = ...` to {LOCALES_DIR}/{}/ (looked in {})",
                locale,
                tried.join(", ")
            ),
        };
        TranslateError {
            translation_at_fault: false,
            unknown_variables: Vec::new(),
            summary: format!("{what} is not defined for {locale}"),
            diagnostic: Box::new(
                Diagnostic::error(
                    "i18n::missing-message",
                    format!("{what} is not defined for {locale}"),
                )
                .in_file(format!("{LOCALES_DIR}/{locale}"))
                .help(help),
            ),
        }
    }

    /// One warning per (locale, locale used instead), listing the messages.
    pub fn fallback_warnings(&self) -> Vec<Diagnostic> {
        let uses = match self.fallback_uses.lock() {
            Ok(uses) => uses.clone(),
            Err(_) => return Vec::new(),
        };
        let mut grouped: BTreeMap<(Locale, Locale), Vec<String>> = BTreeMap::new();
        // A message that is there (in the locale or one it falls back to first)
        // but did not parse has its own syntax error.
        let broken = |wanted: &Locale, id: &str| {
            self.chain(wanted).iter().any(|locale| {
                self.bundles
                    .get(locale)
                    .is_some_and(|b| b.broken.contains(id))
            })
        };
        for (wanted, id, used) in uses {
            let intended = self
                .declared
                .get(&wanted)
                .is_some_and(|chain| chain.contains(&used));
            if !intended && !broken(&wanted, &id) {
                grouped.entry((wanted, used)).or_default().push(id);
            }
        }
        grouped
            .into_iter()
            .map(|((wanted, used), ids)| {
                let shown: Vec<String> = ids.iter().take(5).map(|id| format!("`{id}`")).collect();
                let more = if ids.len() > 5 {
                    format!(" and {} more", ids.len() - 5)
                } else {
                    String::new()
                };
                Diagnostic::warning(
                    "i18n::fallback",
                    format!(
                        "{} message{} shown in {used} on {wanted} pages: {}{more}",
                        ids.len(),
                        if ids.len() == 1 { "" } else { "s" },
                        shown.join(", ")
                    ),
                )
                .in_file(format!("{LOCALES_DIR}/{wanted}"))
                .help(format!("translate them in {LOCALES_DIR}/{wanted}/"))
            })
            .collect()
    }
}

impl LocaleBundle {
    fn resolve(
        &self,
        id: &str,
        pattern: &ast::Pattern<&str>,
        args: Option<&FluentArgs>,
    ) -> Result<String, TranslateError> {
        FUNCTION_PROBLEMS.with(|p| p.borrow_mut().clear());
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        let unknown_variables = errors
            .iter()
            .filter_map(|error| match error {
                FluentError::ResolverError(ResolverError::Reference(ReferenceKind::Variable {
                    id,
                })) => Some(id.clone()),
                _ => None,
            })
            .collect();
        let mut problems: Vec<String> = errors.iter().map(describe_fluent_error).collect();
        FUNCTION_PROBLEMS.with(|p| problems.append(&mut p.borrow_mut()));
        if problems.is_empty() {
            return Ok(text.into_owned());
        }
        let summary = format!("message `{id}` in {}: {}", self.locale, problems.join("; "));
        let help = if problems.iter().any(|p| p.contains("is not a date")) {
            "write the date as YYYY-MM-DD in site.yaml, e.g. \"2025-01-09\""
        } else if problems.iter().any(|p| p.contains("was not passed")) {
            "pass the variable where the message is used (t(key=..., name=value)), or remove it from the message"
        } else {
            "define every message and term this message refers to"
        };
        let mut diagnostic = Diagnostic::error("i18n::resolve", summary.clone()).help(help);
        if let Some(info) = self.messages.get(id) {
            diagnostic = diagnostic.at(info.span.clone());
        }
        Err(TranslateError {
            summary,
            diagnostic: Box::new(diagnostic),
            translation_at_fault: false,
            unknown_variables,
        })
    }
}

fn describe_fluent_error(error: &FluentError) -> String {
    match error {
        FluentError::ResolverError(resolver) => {
            let text = resolver.to_string();
            match text.strip_prefix("Unknown variable: ") {
                Some(var) => format!("the variable `{var}` was not passed"),
                None => text,
            }
        }
        other => other.to_string(),
    }
}

/// Reads a `.ftl` file under `root`, as the bundles and `check` read it.
pub fn read_ftl(root: &Path, path: &Path) -> Result<SourceFile, Diagnostic> {
    let shown = fs::shown_path(root, path);
    let text = fs::read_to_string(path, &shown)?;
    Ok(SourceFile::new(shown, text))
}

/// Loads `locales/<locale>/*.ftl`; `Ok(None)` when the folder does not exist.
/// One locale's bundle (absent without a folder) and the problems found on the way.
fn load_locale(config: &SiteConfig, locale: &Locale) -> (Option<LocaleBundle>, Vec<Diagnostic>) {
    let dir = config.root.join(LOCALES_DIR).join(locale.as_str());
    if !dir.is_dir() {
        return (None, Vec::new());
    }
    let formats = Arc::new(LocaleFormats::new(locale));
    let mut bundle = FluentBundle::new_concurrent(vec![locale.language_identifier()]);
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(format_number));
    let dates = formats.clone();
    let _ = bundle.add_builtins();
    let _ = bundle.add_function("DATETIME", move |positional, _named| {
        fluent_datetime(&dates, positional)
    });

    let mut problems = Vec::new();
    let mut messages: BTreeMap<String, MessageInfo> = BTreeMap::new();
    let mut files = Vec::new();
    let mut broken = BTreeSet::new();
    let (paths, found) = fs::input_files(&config.root, &dir, 1);
    problems.extend(found);
    for path in &paths {
        if path.extension().and_then(|e| e.to_str()) != Some("ftl") {
            continue;
        }
        let file = match read_ftl(&config.root, path) {
            Ok(file) => file,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let resource = match FluentResource::try_new(file.text.to_string()) {
            Ok(resource) => resource,
            Err((resource, errors)) => {
                for error in errors {
                    problems.push(syntax::diagnostic(&file, &error));
                }
                resource
            }
        };
        broken.extend(syntax::junk_ids(resource.entries()));
        for (id, info) in message_positions(&file, &resource) {
            if let Some(first) = messages.get(&id) {
                let first = first.span.position();
                problems.push(
                    Diagnostic::error(
                        "i18n::duplicate",
                        format!("the message `{id}` is defined twice for {locale}"),
                    )
                    .at(info.span.clone())
                    .help(format!(
                        "it is already defined at {}:{}:{}; keep one",
                        first.file, first.line, first.column
                    )),
                );
            } else {
                messages.insert(id, info);
            }
        }
        // Duplicates were reported above with both places; keep the first definition.
        bundle.add_resource_overriding_none(resource);
        files.push(file);
    }
    let bundle = LocaleBundle {
        locale: locale.clone(),
        bundle,
        messages,
        files,
        formats,
        broken,
    };
    (Some(bundle), problems)
}

trait AddKeepingFirst {
    fn add_resource_overriding_none(&mut self, resource: FluentResource);
}

impl AddKeepingFirst for FluentBundle<FluentResource> {
    fn add_resource_overriding_none(&mut self, resource: FluentResource) {
        // add_resource adds every entry that is new and reports the others, which
        // load_locale has already turned into diagnostics with both positions.
        let _ = self.add_resource(resource);
    }
}

/// Message and term ids with their positions in the file.
pub fn message_positions(
    file: &SourceFile,
    resource: &FluentResource,
) -> Vec<(String, MessageInfo)> {
    // The resource holds its own copy of the text, so offsets are taken against it
    // and applied to the file, whose text is the same.
    let source = resource.source();
    let offset_of = |slice: &str| slice.as_ptr() as usize - source.as_ptr() as usize;
    resource
        .entries()
        .filter_map(|entry| match entry {
            ast::Entry::Message(m) => Some((
                m.id.name.to_string(),
                Span::new(file, offset_of(m.id.name), m.id.name.len()),
                m.attributes.iter().map(|a| a.id.name.to_string()).collect(),
            )),
            ast::Entry::Term(t) => Some((
                format!("-{}", t.id.name),
                Span::new(
                    file,
                    offset_of(t.id.name).saturating_sub(1),
                    t.id.name.len() + 1,
                ),
                t.attributes.iter().map(|a| a.id.name.to_string()).collect(),
            )),
            _ => None,
        })
        .map(|(id, span, attributes)| (id, MessageInfo { span, attributes }))
        .collect()
}

fn format_number<M: fluent_bundle::memoizer::MemoizerKind>(
    value: &FluentValue,
    memoizer: &M,
) -> Option<String> {
    match value {
        FluentValue::Number(number) => {
            let text = number.as_string();
            memoizer
                .with_try_get_threadsafe::<FluentNumbers, _, _>((), |numbers| numbers.format(&text))
                .ok()
                .flatten()
        }
        _ => None,
    }
}

fn fluent_datetime<'a>(formats: &LocaleFormats, positional: &[FluentValue<'a>]) -> FluentValue<'a> {
    let result = match positional.first() {
        Some(FluentValue::String(text)) => formats.date(text),
        Some(_) => Err("DATETIME() takes a date written as YYYY-MM-DD".to_string()),
        None => Err("DATETIME() needs a date: DATETIME($date)".to_string()),
    };
    match result {
        Ok(text) => FluentValue::String(text.into()),
        Err(problem) => {
            FUNCTION_PROBLEMS.with(|p| p.borrow_mut().push(problem));
            FluentValue::Error
        }
    }
}

#[cfg(test)]
mod tests;
