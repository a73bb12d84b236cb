//! Dates as editors write them: `YYYY-MM-DD`, read into an [`IsoDate`]; when a
//! text is not one, what is wrong with it ([`NotADate`]) and what to write
//! instead ([`date_help`]). Formatting a date for a locale is ICU4X's job
//! (`i18n::icu`).

use std::fmt;

use serde::Serialize;

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
        // Digits only: `parse` would also take a sign (`2025-+1-01`).
        let number = |part: &str| {
            let digits = part.bytes().all(|b| b.is_ascii_digit());
            part.parse::<u32>()
                .ok()
                .filter(|_| digits)
                .ok_or(NotADate::Shape)
        };
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
                MONTHS[month as usize - 1]
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

const MONTHS: [&str; 12] = [
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
        if IsoDate::parse(&iso).is_ok() && !readings.iter().any(|(seen, _)| *seen == iso) {
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
        assert_eq!(IsoDate::parse("2025-+1-01"), Err(NotADate::Shape));
        assert_eq!(IsoDate::parse("+202-01-01"), Err(NotADate::Shape));
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
}
