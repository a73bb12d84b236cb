//! Dates and numbers written the way each locale writes them, through ICU4X.
//!
//! fluent-bundle's own `NUMBER` ignores the locale (fr-FR would print `1234.50`) and
//! it has no `DATETIME`; ICU4X with its compiled CLDR data formats both correctly
//! (`9 janvier 2025`, `1 234,5`). The same functions serve Fluent and templates.

use std::str::FromStr;

use fixed_decimal::Decimal;
use icu_calendar::{Date, Iso};
use icu_datetime::fieldsets::YMD;
use icu_datetime::DateTimeFormatter;
use icu_decimal::DecimalFormatter;

use crate::config::Locale;
use crate::redirects::phase::{IsoDate, NotADate};

fn icu_locale(locale: &str) -> icu_locale_core::Locale {
    icu_locale_core::Locale::from_str(locale).unwrap_or(icu_locale_core::Locale::UNKNOWN)
}

/// Parses `YYYY-MM-DD` into an ISO date; the error says what is wrong.
pub fn parse_date(text: &str) -> Result<Date<Iso>, String> {
    let shape = || format!("`{text}` is not a date: write it as YYYY-MM-DD, e.g. 2025-01-09");
    let (year, month, day) = IsoDate::parse(text)
        .map_err(|why| match why {
            NotADate::Shape => shape(),
            wrong => wrong.message(text),
        })?
        .parts();
    // A parsed date's month and day fit: 1-12 and 1-31.
    Date::try_new_iso(year, month as u8, day as u8).map_err(|_| shape())
}

/// What to write instead of `text`, which is not a `YYYY-MM-DD` date: the same
/// date rewritten (both readings when `09/01/2025` could be 9 January or
/// 1 September), or how to write one. `prefix` goes before each date shown
/// (`updated: `).
pub fn date_help(text: &str, prefix: &str) -> String {
    if let Err(NotADate::NoSuchDay { year, month, days }) = IsoDate::parse(text) {
        return format!(
            "write a day {} {year} has: its last is `{prefix}{year:04}-{month:02}-{days:02}`",
            MONTHS[month as usize - 1]
        );
    }
    let readings = iso_readings(text.trim());
    match readings.as_slice() {
        [] => format!("write the date as YYYY-MM-DD, e.g. `{prefix}2025-01-09` for 9 January 2025"),
        [(iso, _)] => format!("write `{prefix}{iso}`"),
        many => {
            let options: Vec<String> = many
                .iter()
                .map(|(iso, meaning)| format!("`{prefix}{iso}` for {meaning}"))
                .collect();
            format!("write {}", options.join(" or "))
        }
    }
}

pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The valid `YYYY-MM-DD` dates `text` can mean, with each one in words:
/// `9/1/2025`, `09.01.2025`, `2025/1/9`, `2025-1-9`, `9 January 2025`,
/// `January 9, 2025`.
fn iso_readings(text: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = text
        .split(|c: char| c == '/' || c == '.' || c == '-' || c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let [a, b, c] = words.as_slice() else {
        return Vec::new();
    };
    let month_name = |word: &str| {
        let word = word.to_ascii_lowercase();
        (word.len() >= 3)
            .then(|| {
                MONTHS
                    .iter()
                    .position(|m| m.to_ascii_lowercase().starts_with(&word))
            })
            .flatten()
            .map(|i| i as u32 + 1)
    };
    let number = |word: &str| word.parse::<u32>().ok();
    // (year, month, day) candidates, in the order people mean them most.
    let candidates: Vec<(u32, u32, u32)> = match (number(a), number(b), number(c)) {
        // Year first is read year, month, day; only when that names no day,
        // as year, day, month (`2025-13-01` for 13 January).
        (Some(y), Some(m), Some(d)) if a.len() == 4 => vec![(y, m, d), (y, d, m)],
        (Some(first), Some(second), Some(y)) if c.len() == 4 => {
            vec![(y, second, first), (y, first, second)]
        }
        (Some(d), None, Some(y)) if c.len() == 4 => {
            month_name(b).map(|m| vec![(y, m, d)]).unwrap_or_default()
        }
        (None, Some(d), Some(y)) if c.len() == 4 => {
            month_name(a).map(|m| vec![(y, m, d)]).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    let mut readings: Vec<(String, String)> = Vec::new();
    for (year, month, day) in candidates {
        let iso = format!("{year:04}-{month:02}-{day:02}");
        if parse_date(&iso).is_ok() && !readings.iter().any(|(seen, _)| *seen == iso) {
            let meaning = format!("{day} {}", MONTHS[month as usize - 1]);
            readings.push((iso, meaning));
        }
    }
    // Year first is the one order with a standard: a second reading is only
    // a guess at a slip, given when the first names no day.
    if a.len() == 4 {
        readings.truncate(1);
    }
    readings
}

/// Formatters for one locale; cheap to share between threads.
pub struct LocaleFormats {
    dates: DateTimeFormatter<YMD>,
    numbers: DecimalFormatter,
}

impl LocaleFormats {
    pub fn new(locale: &Locale) -> Self {
        LocaleFormats::for_tag(locale.as_str())
    }

    fn for_tag(tag: &str) -> Self {
        let locale = icu_locale(tag);
        // Compiled data covers every CLDR locale and falls back to the root locale,
        // so construction only fails for field sets the data lacks, never here.
        let dates = DateTimeFormatter::try_new(locale.clone().into(), YMD::long())
            .or_else(|_| DateTimeFormatter::try_new(Default::default(), YMD::long()))
            .expect("the root locale always has long dates");
        let numbers = DecimalFormatter::try_new(locale.into(), Default::default())
            .or_else(|_| DecimalFormatter::try_new(Default::default(), Default::default()))
            .expect("the root locale always has decimals");
        LocaleFormats { dates, numbers }
    }

    /// `2025-01-09` as a long date: `9 January 2025`, `9. Januar 2025`.
    pub fn date(&self, text: &str) -> Result<String, String> {
        let date = parse_date(text)?;
        Ok(self.dates.format(&date).to_string())
    }

    /// A decimal number in the locale's digits and separators.
    pub fn number(&self, text: &str) -> Result<String, String> {
        let decimal =
            Decimal::from_str(text.trim()).map_err(|_| format!("`{text}` is not a number"))?;
        Ok(self.numbers.format(&decimal).to_string())
    }
}

/// The number formatter Fluent memoizes per bundle locale.
pub struct FluentNumbers(LocaleFormats);

impl intl_memoizer::Memoizable for FluentNumbers {
    type Args = ();
    type Error = ();

    fn construct(lang: unic_langid::LanguageIdentifier, _: ()) -> Result<Self, ()> {
        Ok(FluentNumbers(LocaleFormats::for_tag(&lang.to_string())))
    }
}

impl FluentNumbers {
    pub fn format(&self, text: &str) -> Option<String> {
        self.0.number(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formats(tag: &str) -> LocaleFormats {
        LocaleFormats::new(&tag.parse().unwrap())
    }

    #[test]
    fn each_locale_writes_dates_its_own_way() {
        assert_eq!(
            formats("en-GB").date("2025-01-09").unwrap(),
            "9 January 2025"
        );
        assert_eq!(
            formats("fr-FR").date("2025-01-09").unwrap(),
            "9 janvier 2025"
        );
        assert_eq!(
            formats("it-IT").date("2025-01-09").unwrap(),
            "9 gennaio 2025"
        );
        assert_eq!(
            formats("de-DE").date("2025-01-09").unwrap(),
            "9. Januar 2025"
        );
    }

    #[test]
    fn numbers_use_the_locale_separators() {
        assert_eq!(
            formats("fr-FR").number("1234567.5").unwrap(),
            "1\u{202f}234\u{202f}567,5"
        );
        assert_eq!(formats("de-DE").number("1234567.5").unwrap(), "1.234.567,5");
        assert_eq!(formats("en-GB").number("1234.5").unwrap(), "1,234.5");
    }

    #[test]
    fn dates_in_other_formats_are_rewritten() {
        assert_eq!(
            date_help("09/01/2025", ""),
            "write `2025-01-09` for 9 January or `2025-09-01` for 1 September"
        );
        assert_eq!(date_help("31.12.2024", ""), "write `2024-12-31`");
        assert_eq!(date_help("2025/1/9", ""), "write `2025-01-09`");
        // Month and day swapped: there is no month 13.
        assert_eq!(date_help("2025-13-01", ""), "write `2025-01-13`");
        assert_eq!(
            date_help("2025-02-30", "updated: "),
            "write a day February 2025 has: its last is `updated: 2025-02-28`"
        );
        assert_eq!(
            date_help("2025-14-15", ""),
            "write the date as YYYY-MM-DD, e.g. `2025-01-09` for 9 January 2025"
        );
        assert_eq!(
            date_help("9 January 2025", "updated: "),
            "write `updated: 2025-01-09`"
        );
        assert_eq!(date_help("Jan 9, 2025", ""), "write `2025-01-09`");
        assert_eq!(
            date_help("soon", ""),
            "write the date as YYYY-MM-DD, e.g. `2025-01-09` for 9 January 2025"
        );
    }

    #[test]
    fn bad_dates_say_the_expected_shape() {
        assert!(formats("en")
            .date("09/01/2025")
            .unwrap_err()
            .contains("YYYY-MM-DD"));
        assert!(formats("en").date("2025-02-30").is_err());
    }
}
