//! Compares every locale's `.ftl` files with the reference locale, the way Mozilla's
//! compare-locales does, and tells translators what to fix.
//!
//! Each locale is read from `locales/<locale>/*.ftl` and treated as one catalogue (a
//! message may live in any of the locale's files, as in the build). The checks are:
//!
//! - in every locale: Fluent syntax errors, duplicate messages and attributes,
//!   duplicate variants, references to messages or terms the locale does not define,
//!   and plural variants that do not fit the locale's CLDR plural rules;
//! - in every other locale, against the reference: missing and obsolete messages,
//!   attributes and values, and `$variables` that differ from the reference's
//!   (compare-locales does not check these: a translation that invents a variable
//!   renders `{$name}` on the page).
//!
//! Plural categories come from ICU4X (the current CLDR), not from compare-locales'
//! older tables: French and Italian have a `many` category now.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use fluent_syntax::ast;
use icu_plurals::{PluralCategory, PluralRules};

use crate::config::{Locale, SiteConfig};
use crate::diagnostics::{closest, Diagnostic, SourceFile, Span};
use crate::fs;
use crate::i18n::LOCALES_DIR;

/// Everything the translation checks found.
#[derive(Debug, Clone)]
pub struct TranslationReport {
    pub diagnostics: Vec<Diagnostic>,
    pub coverage: Vec<LocaleCoverage>,
}

/// How much of the reference a locale translates: `translated` of the reference's
/// `total` messages and terms are defined in the locale's own files (fallbacks do not
/// count). The reference locale is `total` of `total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocaleCoverage {
    pub locale: Locale,
    pub translated: usize,
    pub total: usize,
}

/// CLDR plural category names, the only variant keys a plural select should use.
const CLDR_CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

/// Runs every check on every locale of the site.
pub fn check_translations(config: &SiteConfig) -> TranslationReport {
    let mut diagnostics = Vec::new();
    let sources: BTreeMap<Locale, Vec<SourceFile>> = all_locales(config)
        .into_iter()
        .filter_map(|locale| {
            let files = read_locale(config, &locale, &mut diagnostics)?;
            Some((locale, files))
        })
        .collect();
    let parsed: BTreeMap<&Locale, Vec<ParsedFile<'_>>> = sources
        .iter()
        .map(|(locale, files)| (locale, parse_files(files, &mut diagnostics)))
        .collect();
    let catalogs: BTreeMap<&Locale, Catalog<'_>> = parsed
        .iter()
        .map(|(locale, files)| (*locale, Catalog::index(locale, files, &mut diagnostics)))
        .collect();
    for catalog in catalogs.values() {
        diagnostics.extend(check_locale(catalog));
    }
    let reference = catalogs.get(&config.reference_locale);
    if let Some(reference) = reference {
        for catalog in catalogs.values() {
            if catalog.locale != reference.locale {
                diagnostics.extend(compare(reference, catalog));
            }
        }
    }
    let coverage = coverage(config, reference, &catalogs);
    TranslationReport {
        diagnostics,
        coverage,
    }
}

/// The site's locales and the reference locale (which a site might not publish).
fn all_locales(config: &SiteConfig) -> BTreeSet<Locale> {
    let mut locales = config.locales();
    locales.insert(config.reference_locale.clone());
    locales
}

/// The locale's `.ftl` files sorted by name; `None` when it has no folder (it is
/// then served entirely through its fallbacks, which the build reports).
fn read_locale(
    config: &SiteConfig,
    locale: &Locale,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Vec<SourceFile>> {
    let dir = config.root.join(LOCALES_DIR).join(locale.as_str());
    if !dir.is_dir() {
        return None;
    }
    let mut files = Vec::new();
    let (paths, found) = fs::input_files(&config.root, &dir, 1);
    diagnostics.extend(found);
    for path in &paths {
        if path.extension().and_then(|e| e.to_str()) != Some("ftl") {
            continue;
        }
        let shown = fs::shown_path(&config.root, path);
        match fs::read_to_string(path, &shown) {
            Ok(text) => files.push(SourceFile::new(shown, text)),
            Err(problem) => diagnostics.push(problem),
        }
    }
    Some(files)
}

/// A file and its syntax tree, which borrows from the file's text: every name in the
/// tree is a slice of it, so a slice's address gives its position.
struct ParsedFile<'a> {
    file: &'a SourceFile,
    resource: ast::Resource<&'a str>,
}

/// Parses every file, keeping what parsed: Fluent skips a broken entry as junk and
/// goes on, so one typo does not hide the rest of the file.
fn parse_files<'a>(
    files: &'a [SourceFile],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ParsedFile<'a>> {
    files
        .iter()
        .map(|file| {
            let resource = match fluent_syntax::parser::parse(&*file.text) {
                Ok(resource) => resource,
                Err((resource, errors)) => {
                    diagnostics.extend(errors.iter().map(|error| syntax_error(file, error)));
                    resource
                }
            };
            ParsedFile { file, resource }
        })
        .collect()
}

fn syntax_error(file: &SourceFile, error: &fluent_syntax::parser::ParserError) -> Diagnostic {
    let len = error.pos.end.saturating_sub(error.pos.start).max(1);
    Diagnostic::error(
        "translations::syntax",
        format!("Fluent syntax error: {}", error.kind),
    )
    .at(Span::new(file, syntax_error_offset(file, error), len))
    .help("fix the syntax (see https://projectfluent.org/fluent/guide/); until then this entry is left out")
}

/// Where the parser stopped, unless that is past the broken entry (an unclosed `{`
/// is noticed only at the next line or the end of the file): then the start of the
/// entry, which is where the translator has to look.
fn syntax_error_offset(file: &SourceFile, error: &fluent_syntax::parser::ParserError) -> usize {
    let Some(junk) = error
        .slice
        .as_ref()
        .and_then(|range| file.text.get(range.clone()))
    else {
        return error.pos.start;
    };
    let start = error.slice.as_ref().map_or(0, |range| range.start);
    let content_start = start + (junk.len() - junk.trim_start().len());
    let content_end = start + junk.trim_end().len();
    if error.pos.start >= content_end {
        content_start
    } else {
        error.pos.start
    }
}

/// A message (`id`) or term (`-id`) as defined in one locale.
struct Entry<'a> {
    file: &'a SourceFile,
    /// `id` for a message, `-id` for a term, as references write them.
    key: String,
    id_span: Span,
    value: Option<&'a ast::Pattern<&'a str>>,
    attributes: &'a [ast::Attribute<&'a str>],
}

impl<'a> Entry<'a> {
    fn from_ast(file: &'a SourceFile, entry: &'a ast::Entry<&'a str>) -> Option<Self> {
        match entry {
            ast::Entry::Message(m) => Some(Entry {
                file,
                key: m.id.name.to_string(),
                id_span: Span::of_slice(file, m.id.name),
                value: m.value.as_ref(),
                attributes: &m.attributes,
            }),
            ast::Entry::Term(t) => Some(Entry {
                file,
                key: format!("-{}", t.id.name),
                id_span: sigil_span(file, t.id.name),
                value: Some(&t.value),
                attributes: &t.attributes,
            }),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        if self.key.starts_with('-') {
            "term"
        } else {
            "message"
        }
    }

    fn attribute(&self, name: &str) -> Option<&'a ast::Attribute<&'a str>> {
        self.attributes.iter().find(|a| a.id.name == name)
    }

    /// The value and every attribute, with where each is defined.
    fn patterns(&self) -> Vec<(Option<&'a str>, &'a ast::Pattern<&'a str>, Span)> {
        let value = self.value.map(|v| (None, v, self.id_span.clone()));
        let attributes = self
            .attributes
            .iter()
            .map(|a| (Some(a.id.name), &a.value, sigil_span(self.file, a.id.name)));
        value.into_iter().chain(attributes).collect()
    }
}

/// The span of a name together with the sigil written just before it: the `-` of a
/// term, the `$` of a variable, the `.` of an attribute.
fn sigil_span(file: &SourceFile, name: &str) -> Span {
    let span = Span::of_slice(file, name);
    Span::new(file, span.offset.saturating_sub(1), span.len + 1)
}

/// One locale's messages and terms; the first definition wins, as in the build.
struct Catalog<'a> {
    locale: &'a Locale,
    entries: BTreeMap<String, Entry<'a>>,
}

impl<'a> Catalog<'a> {
    fn index(
        locale: &'a Locale,
        files: &'a [ParsedFile<'a>],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut entries: BTreeMap<String, Entry<'a>> = BTreeMap::new();
        for parsed in files {
            for entry in parsed.resource.body.iter() {
                let Some(entry) = Entry::from_ast(parsed.file, entry) else {
                    continue;
                };
                match entries.get(&entry.key) {
                    Some(first) => diagnostics.push(duplicate_message(locale, first, &entry)),
                    None => {
                        entries.insert(entry.key.clone(), entry);
                    }
                }
            }
        }
        Catalog { locale, entries }
    }
}

fn duplicate_message(locale: &Locale, first: &Entry, again: &Entry) -> Diagnostic {
    let at = first.id_span.position();
    Diagnostic::error(
        "translations::duplicate-message",
        format!("the {} `{}` is defined twice in {locale}", again.kind(), again.key),
    )
    .at(again.id_span.clone())
    .help(format!(
        "it is already defined at {}:{}:{}; keep one and delete the other (the build uses the first)",
        at.file, at.line, at.column
    ))
}

/// What a pattern uses, collected once so each check reads it.
#[derive(Default)]
struct PatternFacts<'a> {
    /// Every `$variable` occurrence (the name, without `$`), in order.
    variables: Vec<&'a str>,
    references: Vec<Reference<'a>>,
    selects: Vec<Select<'a>>,
}

/// `{ msg }`, `{ msg.attr }`, `{ -term }` or `{ -term.attr }`.
struct Reference<'a> {
    /// The key as in [`Entry::key`].
    key: String,
    id: &'a str,
    attribute: Option<&'a str>,
}

struct Select<'a> {
    /// Selects on a number (`$n` or `NUMBER($n)`), so the keys may be plural categories.
    numeric: bool,
    variants: &'a [ast::Variant<&'a str>],
}

impl<'a> PatternFacts<'a> {
    fn of(pattern: &'a ast::Pattern<&'a str>) -> Self {
        let mut facts = PatternFacts::default();
        facts.pattern(pattern);
        facts
    }

    fn pattern(&mut self, pattern: &'a ast::Pattern<&'a str>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                self.expression(expression);
            }
        }
    }

    fn expression(&mut self, expression: &'a ast::Expression<&'a str>) {
        match expression {
            ast::Expression::Inline(inline) => self.inline(inline),
            ast::Expression::Select { selector, variants } => {
                self.inline(selector);
                self.selects.push(Select {
                    numeric: is_numeric_selector(selector),
                    variants,
                });
                for variant in variants {
                    self.pattern(&variant.value);
                }
            }
        }
    }

    fn inline(&mut self, inline: &'a ast::InlineExpression<&'a str>) {
        use ast::InlineExpression as Inline;
        match inline {
            Inline::VariableReference { id } => self.variables.push(id.name),
            Inline::MessageReference { id, attribute } => self.references.push(Reference {
                key: id.name.to_string(),
                id: id.name,
                attribute: attribute.as_ref().map(|a| a.name),
            }),
            Inline::TermReference {
                id,
                attribute,
                arguments,
            } => {
                self.references.push(Reference {
                    key: format!("-{}", id.name),
                    id: id.name,
                    attribute: attribute.as_ref().map(|a| a.name),
                });
                if let Some(arguments) = arguments {
                    self.arguments(arguments);
                }
            }
            Inline::FunctionReference { arguments, .. } => self.arguments(arguments),
            Inline::Placeable { expression } => self.expression(expression),
            Inline::StringLiteral { .. } | Inline::NumberLiteral { .. } => {}
        }
    }

    fn arguments(&mut self, arguments: &'a ast::CallArguments<&'a str>) {
        for positional in &arguments.positional {
            self.inline(positional);
        }
        for named in &arguments.named {
            self.inline(&named.value);
        }
    }

    fn variable_names(&self) -> BTreeSet<&'a str> {
        self.variables.iter().copied().collect()
    }
}

/// `$n` or `NUMBER($n, ...)`: a selector whose value is a number at run time.
fn is_numeric_selector(selector: &ast::InlineExpression<&str>) -> bool {
    match selector {
        ast::InlineExpression::VariableReference { .. } => true,
        ast::InlineExpression::FunctionReference { id, arguments } => {
            id.name == "NUMBER"
                && matches!(
                    arguments.positional.first(),
                    Some(ast::InlineExpression::VariableReference { .. })
                )
        }
        _ => false,
    }
}

/// The checks that need only the locale itself.
fn check_locale(catalog: &Catalog) -> Vec<Diagnostic> {
    let plurals = plural_categories(catalog.locale);
    let mut diagnostics = Vec::new();
    for entry in catalog.entries.values() {
        diagnostics.extend(duplicate_attributes(catalog.locale, entry));
        for (_, pattern, _) in entry.patterns() {
            let facts = PatternFacts::of(pattern);
            for reference in &facts.references {
                diagnostics.extend(unknown_reference(catalog, entry.file, reference));
            }
            for select in &facts.selects {
                diagnostics.extend(duplicate_variants(entry, select));
                if let Some(known) = &plurals {
                    diagnostics.extend(plural_problems(catalog.locale, entry, select, known));
                }
            }
        }
    }
    diagnostics
}

fn duplicate_attributes(locale: &Locale, entry: &Entry) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    let mut diagnostics = Vec::new();
    for attribute in entry.attributes {
        let span = sigil_span(entry.file, attribute.id.name);
        if let Some(first) = seen.get(attribute.id.name) {
            diagnostics.push(
                Diagnostic::error(
                    "translations::duplicate-attribute",
                    format!(
                        "the attribute `.{}` of `{}` is defined twice in {locale}",
                        attribute.id.name, entry.key
                    ),
                )
                .at(span)
                .help(format!(
                    "it is already defined on line {}; keep one and delete the other",
                    first.position().line
                )),
            );
        } else {
            seen.insert(attribute.id.name, span);
        }
    }
    diagnostics
}

fn unknown_reference(
    catalog: &Catalog,
    file: &SourceFile,
    reference: &Reference,
) -> Option<Diagnostic> {
    let target = catalog.entries.get(&reference.key);
    let (what, help) = match (target, reference.attribute) {
        (None, _) => (
            format!("`{}`", reference.key),
            match did_you_mean_key(catalog, &reference.key) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!(
                    "define `{}` in {LOCALES_DIR}/{}/ or refer to one that exists",
                    reference.key, catalog.locale
                ),
            },
        ),
        (Some(entry), Some(attribute)) if entry.attribute(attribute).is_none() => (
            format!("`{}.{attribute}`", reference.key),
            format!(
                "`{}` has no attribute `.{attribute}`; add it or fix the name",
                reference.key
            ),
        ),
        _ => return None,
    };
    Some(
        Diagnostic::error(
            "translations::unknown-reference",
            format!(
                "{what} is referred to but not defined in {}",
                catalog.locale
            ),
        )
        .at(reference_span(file, reference))
        .help(help),
    )
}

fn did_you_mean_key<'c>(catalog: &'c Catalog, key: &str) -> Option<&'c str> {
    let candidates = catalog.entries.keys().map(String::as_str);
    closest(key, candidates)
}

/// From the reference's `-` (for a term) or id to the end of its attribute.
fn reference_span(file: &SourceFile, reference: &Reference) -> Span {
    let start = if reference.key.starts_with('-') {
        sigil_span(file, reference.id)
    } else {
        Span::of_slice(file, reference.id)
    };
    let end = match reference.attribute {
        Some(attribute) => {
            let at = Span::of_slice(file, attribute);
            at.offset + at.len
        }
        None => start.offset + start.len,
    };
    Span::new(file, start.offset, end.saturating_sub(start.offset))
}

fn variant_key_text<'a>(key: &ast::VariantKey<&'a str>) -> &'a str {
    match key {
        ast::VariantKey::Identifier { name } => name,
        ast::VariantKey::NumberLiteral { value } => value,
    }
}

fn variant_key_span(file: &SourceFile, key: &ast::VariantKey<&str>) -> Span {
    Span::of_slice(file, variant_key_text(key))
}

/// Fluent picks the first matching variant, so a repeated key is never chosen.
fn duplicate_variants(entry: &Entry, select: &Select) -> Vec<Diagnostic> {
    let mut seen = BTreeSet::new();
    select
        .variants
        .iter()
        .filter(|variant| !seen.insert(variant_key_text(&variant.key)))
        .map(|variant| {
            let key = variant_key_text(&variant.key);
            Diagnostic::warning(
                "translations::duplicate-variant",
                format!("the variant `[{key}]` appears twice in `{}`", entry.key),
            )
            .at(variant_key_span(entry.file, &variant.key))
            .help("delete one: only the first `[".to_string() + key + "]` is ever chosen")
        })
        .collect()
}

/// The cardinal plural categories of `locale` in CLDR as ICU4X ships it, by name;
/// `None` when ICU4X does not know the language.
fn plural_categories(locale: &Locale) -> Option<BTreeSet<&'static str>> {
    let icu_locale = icu_locale_core::Locale::from_str(locale.as_str()).ok()?;
    let rules = PluralRules::try_new_cardinal((&icu_locale).into()).ok()?;
    let categories: Vec<PluralCategory> = rules.categories().collect();
    Some(
        CLDR_CATEGORIES
            .into_iter()
            .filter(|name| {
                PluralCategory::get_for_cldr_string(name).is_some_and(|c| categories.contains(&c))
            })
            .collect(),
    )
}

/// The category keys of a plural select, or `None` when the select is not one: like
/// compare-locales, a select counts as plural when it selects on a number, every key
/// that is a name is a CLDR category, and at least one of them is not `other` (which
/// any select may use).
fn plural_keys<'a>(select: &Select<'a>) -> Option<Vec<&'a ast::VariantKey<&'a str>>> {
    if !select.numeric {
        return None;
    }
    let named: Vec<&ast::VariantKey<&str>> = select
        .variants
        .iter()
        .map(|v| &v.key)
        .filter(|key| matches!(key, ast::VariantKey::Identifier { .. }))
        .collect();
    let names: Vec<&str> = named.iter().map(|k| variant_key_text(k)).collect();
    let all_categories = names.iter().all(|n| CLDR_CATEGORIES.contains(n));
    let any_real = names.iter().any(|n| *n != "other");
    (all_categories && any_real).then_some(named)
}

fn plural_problems(
    locale: &Locale,
    entry: &Entry,
    select: &Select,
    known: &BTreeSet<&'static str>,
) -> Vec<Diagnostic> {
    let Some(keys) = plural_keys(select) else {
        return Vec::new();
    };
    let given: BTreeSet<&str> = keys.iter().map(|k| variant_key_text(k)).collect();
    let mut diagnostics = Vec::new();
    let missing: Vec<&str> = known
        .iter()
        .copied()
        .filter(|c| !given.contains(c))
        .collect();
    if !missing.is_empty() {
        let first = &select.variants[0].key;
        diagnostics.push(
            Diagnostic::warning(
                "translations::missing-plural-category",
                format!(
                    "`{}` has no variant for the {locale} plural categor{} {}",
                    entry.key,
                    if missing.len() == 1 { "y" } else { "ies" },
                    backticked(&missing)
                ),
            )
            .at(variant_key_span(entry.file, first))
            .help(format!(
                "add {}: {locale} uses them for some numbers (CLDR plural rules: {})",
                missing
                    .iter()
                    .map(|c| format!("`[{c}]`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                backticked(&known.iter().copied().collect::<Vec<_>>())
            )),
        );
    }
    for key in keys.iter().filter(|k| !known.contains(variant_key_text(k))) {
        let name = variant_key_text(key);
        diagnostics.push(
            Diagnostic::warning(
                "translations::impossible-plural-category",
                format!("`{}` has a `[{name}]` variant, which {locale} never selects", entry.key),
            )
            .at(variant_key_span(entry.file, key))
            .help(format!(
                "delete `[{name}]` (or use an exact number such as `[0]`): {locale}'s plural categories are {}",
                backticked(&known.iter().copied().collect::<Vec<_>>())
            )),
        );
    }
    diagnostics
}

fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The checks of a translation against the reference.
fn compare(reference: &Catalog, translation: &Catalog) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for (key, wanted) in &reference.entries {
        match translation.entries.get(key) {
            None => diagnostics.push(missing_message(reference, translation, wanted)),
            Some(found) => diagnostics.extend(compare_entry(reference.locale, wanted, found)),
        }
    }
    for (key, found) in &translation.entries {
        if !reference.entries.contains_key(key) {
            diagnostics.push(obsolete_message(
                reference.locale,
                translation.locale,
                found,
            ));
        }
    }
    diagnostics
}

/// Points at the reference's definition: the translation has no place to point at.
fn missing_message(reference: &Catalog, translation: &Catalog, wanted: &Entry) -> Diagnostic {
    let file_name = wanted.file.name.rsplit('/').next().unwrap_or("main.ftl");
    Diagnostic::error(
        "translations::missing-message",
        format!("the {} `{}` is missing in {}", wanted.kind(), wanted.key, translation.locale),
    )
    .at(wanted.id_span.clone())
    .help(format!(
        "translate it: add `{} = ...` to {LOCALES_DIR}/{}/{file_name} (until then {} pages show the {} text)",
        wanted.key, translation.locale, translation.locale, reference.locale
    ))
}

fn obsolete_message(reference: &Locale, locale: &Locale, found: &Entry) -> Diagnostic {
    Diagnostic::warning(
        "translations::obsolete-message",
        format!(
            "the {} `{}` in {locale} is not in {reference}",
            found.kind(),
            found.key
        ),
    )
    .at(found.id_span.clone())
    .help(format!(
        "delete it, or rename it if {reference} now uses another id for the same text"
    ))
}

fn compare_entry(reference: &Locale, wanted: &Entry, found: &Entry) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    diagnostics.extend(compare_values(reference, wanted, found));
    diagnostics.extend(compare_attributes(reference, wanted, found));
    if let (Some(want), Some(have)) = (wanted.value, found.value) {
        diagnostics.extend(compare_variables(
            reference,
            found,
            want,
            have,
            found.id_span.clone(),
        ));
    }
    for attribute in wanted.attributes {
        if let Some(translated) = found.attribute(attribute.id.name) {
            let span = sigil_span(found.file, translated.id.name);
            diagnostics.extend(compare_variables(
                reference,
                found,
                &attribute.value,
                &translated.value,
                span,
            ));
        }
    }
    diagnostics
}

fn compare_values(reference: &Locale, wanted: &Entry, found: &Entry) -> Option<Diagnostic> {
    match (wanted.value, found.value) {
        (Some(_), None) => Some(
            Diagnostic::error(
                "translations::missing-value",
                format!(
                    "`{}` has only attributes, but in {reference} it has a value",
                    found.key
                ),
            )
            .at(found.id_span.clone())
            .help(format!(
                "add the text after `{} =`, translating the {reference} value",
                found.key
            )),
        ),
        (None, Some(value)) => Some(
            Diagnostic::error(
                "translations::obsolete-value",
                format!(
                    "`{}` has a value, but in {reference} it has only attributes",
                    found.key
                ),
            )
            .at(pattern_span(found, value))
            .help(format!(
                "delete the text after `{} =` and keep the attributes, as {reference} does",
                found.key
            )),
        ),
        _ => None,
    }
}

/// Where a value starts: its first text, or the message id when it opens with a
/// placeable (whose `{` the syntax tree does not keep).
fn pattern_span(entry: &Entry, pattern: &ast::Pattern<&str>) -> Span {
    match pattern.elements.first() {
        Some(ast::PatternElement::TextElement { value }) => {
            Span::of_slice(entry.file, value.trim_end())
        }
        _ => entry.id_span.clone(),
    }
}

fn compare_attributes(reference: &Locale, wanted: &Entry, found: &Entry) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for attribute in wanted.attributes {
        let name = attribute.id.name;
        if found.attribute(name).is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "translations::missing-attribute",
                    format!(
                        "`{}` has no attribute `.{name}`, which {reference} has",
                        found.key
                    ),
                )
                .at(found.id_span.clone())
                .help(format!(
                    "add `.{name} = ...` under `{}`, translating the {reference} attribute",
                    found.key
                )),
            );
        }
    }
    for attribute in found.attributes {
        let name = attribute.id.name;
        if wanted.attribute(name).is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "translations::obsolete-attribute",
                    format!(
                        "the attribute `.{name}` of `{}` is not in {reference}",
                        found.key
                    ),
                )
                .at(sigil_span(found.file, name))
                .help(format!(
                    "delete `.{name}`, or rename it to the attribute {reference} uses"
                )),
            );
        }
    }
    diagnostics
}

/// A variable the reference does not have is never passed, so the page would show
/// `{$name}`: an error. A dropped variable loses information but renders: a warning.
fn compare_variables(
    reference: &Locale,
    found: &Entry,
    want: &ast::Pattern<&str>,
    have: &ast::Pattern<&str>,
    at: Span,
) -> Vec<Diagnostic> {
    let wanted = PatternFacts::of(want).variable_names();
    let facts = PatternFacts::of(have);
    let present = facts.variable_names();
    let mut diagnostics = Vec::new();
    let mut reported = BTreeSet::new();
    for name in facts.variables.iter().filter(|n| !wanted.contains(*n)) {
        if reported.insert(*name) {
            let help = match wanted.is_empty() {
                true => format!("the {reference} text uses no variables; remove `${name}`"),
                false => format!(
                    "use only the variables the {reference} text uses: {}",
                    wanted
                        .iter()
                        .map(|w| format!("`${w}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            diagnostics.push(
                Diagnostic::error(
                    "translations::unknown-variable",
                    format!(
                        "`{}` uses `${name}`, which the {reference} text does not have",
                        found.key
                    ),
                )
                .at(sigil_span(found.file, name))
                .help(help),
            );
        }
    }
    for name in wanted.iter().filter(|n| !present.contains(*n)) {
        diagnostics.push(
            Diagnostic::warning(
                "translations::dropped-variable",
                format!(
                    "`{}` does not use `${name}`, which the {reference} text shows",
                    found.key
                ),
            )
            .at(at.clone())
            .help(format!(
                "include `{{ ${name} }}` in the translation unless the language does not need it"
            )),
        );
    }
    diagnostics
}

fn coverage(
    config: &SiteConfig,
    reference: Option<&Catalog>,
    catalogs: &BTreeMap<&Locale, Catalog>,
) -> Vec<LocaleCoverage> {
    let total = reference.map_or(0, |r| r.entries.len());
    all_locales(config)
        .into_iter()
        .map(|locale| {
            let translated = match (reference, catalogs.get(&locale)) {
                _ if locale == config.reference_locale => total,
                (Some(reference), Some(catalog)) => reference
                    .entries
                    .keys()
                    .filter(|key| catalog.entries.contains_key(*key))
                    .count(),
                _ => 0,
            };
            LocaleCoverage {
                locale,
                translated,
                total,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;

    const SITE: &str = "brand: Acme
reference_locale: en
theme: plain
target: netlify
regions:
  - id: global
    domain: www.acme.example
    locales: [en, fr-FR]
    new_home: https://store.example/
";

    /// Checks a site made of `site.yaml` and the given `.ftl` files (paths under
    /// `locales/`).
    fn check(files: &[(&str, &str)]) -> TranslationReport {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("site.yaml"), SITE).unwrap();
        std::fs::create_dir_all(dir.path().join("themes/plain/templates")).unwrap();
        for (path, text) in files {
            let path = dir.path().join(LOCALES_DIR).join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let config = crate::config::load(dir.path()).unwrap_or_else(|d| panic!("{d:?}"));
        check_translations(&config)
    }

    fn pair(en: &str, fr: &str) -> TranslationReport {
        check(&[("en/main.ftl", en), ("fr-FR/main.ftl", fr)])
    }

    /// The only diagnostic with `code`.
    fn only<'r>(report: &'r TranslationReport, code: &str) -> &'r Diagnostic {
        let found: Vec<&Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == code)
            .collect();
        assert_eq!(found.len(), 1, "one {code} in {:#?}", report.diagnostics);
        assert!(found[0].help.is_some(), "{code} has a help line");
        found[0]
    }

    /// (file, line, column) of the only diagnostic with `code`.
    fn at(report: &TranslationReport, code: &str) -> (String, usize, usize) {
        let p = only(report, code).position().expect("a position");
        (p.file, p.line, p.column)
    }

    fn fr(line: usize, column: usize) -> (String, usize, usize) {
        ("locales/fr-FR/main.ftl".to_string(), line, column)
    }

    #[test]
    fn a_faithful_translation_is_clean_and_fully_covered() {
        let report = pair(
            "-brand = Acme\nhello = Hello { -brand }\n    .title = { $name }\n",
            "-brand = Acme\nhello = Bonjour { -brand }\n    .title = { $name }\n",
        );
        assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
        let coverage: Vec<(String, usize, usize)> = report
            .coverage
            .iter()
            .map(|c| (c.locale.to_string(), c.translated, c.total))
            .collect();
        assert_eq!(coverage, [("en".into(), 2, 2), ("fr-FR".into(), 2, 2)]);
    }

    #[test]
    fn syntax_errors_point_at_the_line_and_the_rest_is_still_checked() {
        let report = pair(
            "hello = Hello\nbye = Bye\n",
            "hello = Bonjour\nbye = { $n\n",
        );
        assert_eq!(at(&report, "translations::syntax"), fr(2, 1));
        // The broken entry is junk, so it is also missing.
        assert_eq!(
            at(&report, "translations::missing-message"),
            ("locales/en/main.ftl".into(), 2, 1)
        );
    }

    #[test]
    fn missing_messages_point_at_the_reference_and_name_the_locale() {
        let report = pair("hello = Hello\n-brand = Acme\n", "hello = Bonjour\n");
        let missing = only(&report, "translations::missing-message");
        assert_eq!(missing.severity, Severity::Error);
        assert!(missing.message.contains("fr-FR"), "{}", missing.message);
        assert!(missing.message.contains("`-brand`"), "{}", missing.message);
        assert_eq!(
            at(&report, "translations::missing-message"),
            ("locales/en/main.ftl".into(), 2, 1)
        );
        let coverage = &report.coverage[1];
        assert_eq!((coverage.translated, coverage.total), (1, 2));
    }

    #[test]
    fn obsolete_messages_are_warnings() {
        let report = pair("hello = Hello\n", "hello = Bonjour\nold = Vieux\n");
        assert_eq!(
            only(&report, "translations::obsolete-message").severity,
            Severity::Warning
        );
        assert_eq!(at(&report, "translations::obsolete-message"), fr(2, 1));
    }

    #[test]
    fn missing_and_obsolete_attributes() {
        let en = "link = Go\n    .title = Title\n";
        let report = pair(en, "link = Aller\n");
        assert_eq!(at(&report, "translations::missing-attribute"), fr(1, 1));
        let report = pair(en, "link = Aller\n    .title = Titre\n    .extra = X\n");
        assert_eq!(at(&report, "translations::obsolete-attribute"), fr(3, 5));
    }

    #[test]
    fn missing_and_obsolete_values() {
        let report = pair("link = Go\n    .title = T\n", "link =\n    .title = T\n");
        assert_eq!(at(&report, "translations::missing-value"), fr(1, 1));
        let report = pair(
            "only =\n    .title = T\n",
            "only = Valeur\n    .title = T\n",
        );
        assert_eq!(at(&report, "translations::obsolete-value"), fr(1, 8));
    }

    #[test]
    fn duplicate_messages_across_files_point_at_the_second() {
        let report = check(&[
            ("en/main.ftl", "hello = Hello\n"),
            ("fr-FR/a.ftl", "hello = Bonjour\n"),
            ("fr-FR/b.ftl", "\nhello = Salut\n"),
        ]);
        let duplicate = only(&report, "translations::duplicate-message");
        assert!(duplicate
            .help
            .as_deref()
            .unwrap()
            .contains("locales/fr-FR/a.ftl:1:1"));
        assert_eq!(
            at(&report, "translations::duplicate-message"),
            ("locales/fr-FR/b.ftl".into(), 2, 1)
        );
    }

    #[test]
    fn duplicate_attributes_point_at_the_second() {
        let en = "link = Go\n    .title = T\n";
        let report = pair(en, "link = Aller\n    .title = A\n    .title = B\n");
        assert_eq!(at(&report, "translations::duplicate-attribute"), fr(3, 5));
    }

    #[test]
    fn unknown_message_term_and_attribute_references() {
        let en = "link = Go\n    .title = T\nhello = Hello\n";
        let report = pair(
            en,
            "link = Aller\n    .title = T\nhello = { -marque } Bonjour\n",
        );
        assert_eq!(at(&report, "translations::unknown-reference"), fr(3, 11));
        let report = pair(
            en,
            "link = Aller\n    .title = T\nhello = Bonjour { lien }\n",
        );
        let unknown = only(&report, "translations::unknown-reference");
        assert_eq!(unknown.help.as_deref(), Some("did you mean `link`?"));
        assert_eq!(at(&report, "translations::unknown-reference"), fr(3, 19));
        let report = pair(en, "link = Aller\n    .title = T\nhello = { link.nope }\n");
        let unknown = only(&report, "translations::unknown-reference");
        assert!(
            unknown.message.contains("`link.nope`"),
            "{}",
            unknown.message
        );
        assert_eq!(unknown.span.as_ref().unwrap().len, "link.nope".len());
    }

    const ITEMS_EN: &str = "items = { $n ->\n    [one] One item\n   *[other] { $n } items\n}\n";

    #[test]
    fn plural_categories_follow_current_cldr() {
        // French has `many` in CLDR now (compare-locales' tables predate it).
        let fr_items = "items = { $n ->\n    [one] Un article\n   *[other] { $n } articles\n}\n";
        let report = pair(ITEMS_EN, fr_items);
        let missing = only(&report, "translations::missing-plural-category");
        assert_eq!(missing.severity, Severity::Warning);
        assert!(missing.message.contains("`many`"), "{}", missing.message);
        assert_eq!(
            at(&report, "translations::missing-plural-category"),
            fr(2, 6)
        );
    }

    #[test]
    fn plural_variants_the_locale_never_selects() {
        let en_items = "items = { $n ->\n    [one] One\n    [few] Few\n   *[other] Many\n}\n";
        let report = check(&[("en/main.ftl", en_items)]);
        let impossible = only(&report, "translations::impossible-plural-category");
        assert_eq!(impossible.severity, Severity::Warning);
        assert_eq!(
            at(&report, "translations::impossible-plural-category"),
            ("locales/en/main.ftl".into(), 3, 6)
        );
    }

    #[test]
    fn selects_that_are_not_plurals_are_left_alone() {
        let en = "role = { $role ->\n    [admin] Admin\n   *[other] User\n}\n";
        let report = check(&[("en/main.ftl", en)]);
        assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    }

    #[test]
    fn duplicate_variants_are_warnings() {
        let en = "role = { $role ->\n    [admin] Admin\n    [admin] Boss\n   *[other] User\n}\n";
        let report = check(&[("en/main.ftl", en)]);
        assert_eq!(
            at(&report, "translations::duplicate-variant"),
            ("locales/en/main.ftl".into(), 3, 6)
        );
    }

    #[test]
    fn variables_must_match_the_reference() {
        let report = pair(
            "price = Price: { $amount }\n",
            "price = Prix : { $montant }\n",
        );
        let unknown = only(&report, "translations::unknown-variable");
        assert_eq!(unknown.severity, Severity::Error);
        assert_eq!(unknown.span.as_ref().unwrap().len, "$montant".len());
        assert_eq!(at(&report, "translations::unknown-variable"), fr(1, 18));
        let dropped = only(&report, "translations::dropped-variable");
        assert_eq!(dropped.severity, Severity::Warning);
        assert_eq!(at(&report, "translations::dropped-variable"), fr(1, 1));
    }

    #[test]
    fn variables_are_compared_per_attribute_and_across_variants() {
        let en = format!("{ITEMS_EN}    .title = {{ $n }} things\n");
        let translation = "items = { $n ->\n    [one] Un\n    [many] { $n } de\n   *[other] { $n }\n}\n    .title = Des choses\n";
        let report = pair(&en, translation);
        assert_eq!(at(&report, "translations::dropped-variable"), fr(6, 5));
        assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
    }

    /// The fixture `scripts/compare-locales-parity` runs on holds each problem once.
    #[test]
    fn the_check_fixture_has_one_of_each_code() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
        let config = crate::config::load(&root).unwrap_or_else(|d| panic!("{d:?}"));
        let report = check_translations(&config);
        let mut codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        let expected = [
            "dropped-variable",
            "duplicate-attribute",
            "duplicate-message",
            "duplicate-variant",
            "impossible-plural-category",
            "missing-attribute",
            "missing-message",
            "missing-plural-category",
            "missing-value",
            "obsolete-attribute",
            "obsolete-message",
            "obsolete-value",
            "syntax",
            "unknown-reference",
            "unknown-variable",
        ]
        .map(|code| format!("translations::{code}"));
        assert_eq!(codes, expected);
        assert!(report
            .diagnostics
            .iter()
            .all(|d| d.file.as_deref() != Some("locales/en/main.ftl")
                || d.code == "translations::missing-message"));
    }
}
