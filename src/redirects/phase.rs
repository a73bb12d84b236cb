//! The lifecycle of a notice. A notice site first serves its pages (200) on
//! purpose, so visitors learn what happened; Google's site-move guidance wants
//! every old URL, the home page included, to 301 to its new home. `notice_until`
//! (in a region's `redirects:`, or at the top level for every region) says when
//! the first phase ends: on that date and after, a build writes a 301 from every
//! notice page to the region's `new_home`, and keeps every other redirect.
//! `build --as-of <date>` previews a date; `check` says which phase each region
//! is in.

use serde::Serialize;

use crate::dates::IsoDate;

use crate::config::{Region, SiteConfig};
use crate::diagnostics::Diagnostic;
use crate::yaml::span_of;

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
