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
use crate::dates::{IsoDate, NotADate};

fn icu_locale(locale: &str) -> icu_locale_core::Locale {
    icu_locale_core::Locale::from_str(locale).unwrap_or(icu_locale_core::Locale::UNKNOWN)
}

/// Parses `YYYY-MM-DD` into an ISO date; the error says what is wrong.
fn parse_date(text: &str) -> Result<Date<Iso>, String> {
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
    fn bad_dates_say_the_expected_shape() {
        assert!(formats("en")
            .date("09/01/2025")
            .unwrap_err()
            .contains("YYYY-MM-DD"));
        assert!(formats("en").date("2025-02-30").is_err());
    }
}
