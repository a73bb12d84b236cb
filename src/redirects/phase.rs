//! The lifecycle of a notice. A notice site first serves its pages (200) on
//! purpose, so visitors learn what happened; Google's site-move guidance wants
//! every old URL, the home page included, to 301 to its new home. `notice_until`
//! (in a region's `redirects:`, or at the top level for every region) says when
//! the first phase ends: on that date and after, a build writes a 301 from every
//! notice page to the region's `new_home`, and keeps every other redirect.
//! `build --as-of <date>` previews a date; `check` says which phase each region
//! is in.

use std::fmt;

use serde::Serialize;

use crate::config::{Region, SiteConfig};
use crate::diagnostics::Diagnostic;
use crate::yaml::span_of;

/// A calendar date (`2025-06-30`), compared as dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDate {
    year: i32,
    month: u32,
    day: u32,
}

impl IsoDate {
    /// Parses `YYYY-MM-DD` (a real date of the proleptic Gregorian calendar).
    pub fn parse(text: &str) -> Result<IsoDate, NotADate> {
        let mut parts = text.trim().splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NotADate::Shape);
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(NotADate::Shape);
        }
        let number = |part: &str| part.parse::<u32>().map_err(|_| NotADate::Shape);
        let (year, month, day) = (number(y)? as i32, number(m)?, number(d)?);
        let days = days_in_month(year, month).ok_or(NotADate::NoSuchMonth(month))?;
        if day == 0 || day > days {
            return Err(NotADate::NoSuchDay { year, month, days });
        }
        Ok(IsoDate { year, month, day })
    }

    /// The year, month (1-12) and day (1-31).
    pub fn parts(self) -> (i32, u32, u32) {
        (self.year, self.month, self.day)
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> IsoDate {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        IsoDate::from_days((seconds / 86_400) as i64)
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's civil-from-days).
    fn from_days(days: i64) -> IsoDate {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        IsoDate { year, month, day }
    }
}

/// How many days `month` (1-12) of `year` has; `None` for a month that does
/// not exist.
fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => Some(31),
        4 | 6 | 9 | 11 => Some(30),
        2 if leap => Some(29),
        2 => Some(28),
        _ => None,
    }
}

/// Why a text is not a `YYYY-MM-DD` date. An editor who wrote `2025-13-01`
/// or `2025-02-30` did write YYYY-MM-DD: what is wrong is the month or the
/// day, and the message says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotADate {
    /// Not written `YYYY-MM-DD`.
    Shape,
    /// Written so, with a month that does not exist (`2025-13-01`).
    NoSuchMonth(u32),
    /// Written so, with a day its month does not have (`2025-02-30`).
    NoSuchDay { year: i32, month: u32, days: u32 },
}

impl NotADate {
    /// What is wrong with `text`, in an error message.
    pub fn message(self, text: &str) -> String {
        match self {
            NotADate::Shape => format!("`{text}` is not a date written YYYY-MM-DD"),
            NotADate::NoSuchMonth(month) => format!(
                "`{text}` is not a date: there is no month {month} (in YYYY-MM-DD the month comes second)"
            ),
            NotADate::NoSuchDay { year, month, days } => format!(
                "`{text}` is not a date: {} {year} has {days} days",
                crate::i18n::icu::MONTHS[month as usize - 1]
            ),
        }
    }
}

impl fmt::Display for IsoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for IsoDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Where a region is in its lifecycle, on the date the build is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "kebab-case")]
pub enum Phase {
    /// The notice's pages are served (until the date, if one is set).
    Notice { until: Option<IsoDate> },
    /// Every notice page redirects (301) to the region's `new_home`.
    Redirects { since: IsoDate },
}

impl Phase {
    pub fn describe(&self) -> String {
        match self {
            Phase::Notice { until: Some(until) } => {
                format!("notice (its pages are served; from {until} on they redirect)")
            }
            Phase::Notice { until: None } => {
                "notice (no `notice_until`: its pages are served)".to_string()
            }
            Phase::Redirects { since } => {
                format!("redirects (since {since}: every notice page 301s to new_home)")
            }
        }
    }
}

/// The region's phase on `as_of` (the build's `--as-of`, or today).
pub fn phase(config: &SiteConfig, region: &Region) -> Result<Phase, Diagnostic> {
    let until = region
        .redirects
        .notice_until
        .as_ref()
        .or(config.redirects.notice_until.as_ref());
    let Some(until) = until else {
        return Ok(Phase::Notice { until: None });
    };
    let date = IsoDate::parse(&until.value).map_err(|why| {
        Diagnostic::error("redirects::notice-until", why.message(&until.value))
            .at(span_of(&config.file, until))
            .help("write the last day of the notice phase, e.g. `notice_until: 2025-06-30`")
    })?;
    let as_of = config.redirects.as_of.unwrap_or_else(IsoDate::today);
    // "Until that date the notice; from it, the redirects."
    Ok(if as_of >= date {
        Phase::Redirects { since: date }
    } else {
        Phase::Notice { until: Some(date) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = IsoDate::parse("2024-02-29").unwrap();
        assert_eq!(d.to_string(), "2024-02-29");
        assert_eq!(d.parts(), (2024, 2, 29));
        assert_eq!(
            IsoDate::parse("2025-02-29"),
            Err(NotADate::NoSuchDay {
                year: 2025,
                month: 2,
                days: 28
            })
        );
        assert_eq!(IsoDate::parse("2025-6-30"), Err(NotADate::Shape));
        assert_eq!(IsoDate::parse("30/06/2025"), Err(NotADate::Shape));
        assert_eq!(IsoDate::parse("2025-13-01"), Err(NotADate::NoSuchMonth(13)));
        assert_eq!(IsoDate::parse("2025-00-10"), Err(NotADate::NoSuchMonth(0)));
        assert_eq!(
            IsoDate::parse("2025-04-31").map_err(|e| e.message("2025-04-31")),
            Err("`2025-04-31` is not a date: April 2025 has 30 days".to_string())
        );
        assert_eq!(
            IsoDate::parse("2025-13-01").map_err(|e| e.message("2025-13-01")),
            Err("`2025-13-01` is not a date: there is no month 13 (in YYYY-MM-DD the month comes second)".to_string())
        );
        assert_eq!(IsoDate::from_days(0).to_string(), "1970-01-01");
        assert_eq!(IsoDate::from_days(20_089).to_string(), "2025-01-01");
        assert!(IsoDate::parse("2025-06-30").unwrap() < IsoDate::parse("2025-07-01").unwrap());
    }
}
