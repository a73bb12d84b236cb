//! The build pipeline that `build`, `check` and `serve` share: load and validate
//! every input, plan the outputs, render them in parallel into a [`Sink`].
//!
//! Loading keeps going after a bad file so one run reports everything; rendering
//! writes each file as soon as it is rendered instead of holding the site in memory.
//!
//! A [`Site`] has three jobs, one module each: `load` reads and checks the
//! inputs, `update` makes the next site after an edit (for `serve`), and
//! `outputs` lists the site's files and renders them. `build` runs them for
//! `handover build` and swaps the result into place.
//!
//! [`Sink`]: crate::output::Sink

mod build;
mod load;
mod outputs;
mod update;

pub use build::{build, BuildOptions, BuildSummary};
pub use update::InputChange;

use std::sync::Arc;

use crate::config::Locale;
use crate::diagnostics::{Diagnostic, Outcome};
use crate::output::SitemapLimits;
use crate::paths::SitePath;
use crate::redirects::RuleTable;
use crate::render::{Model, Renderer};

/// A loaded, validated site, ready to render any of its outputs.
pub struct Site {
    pub model: Model,
    /// Shared with the site's next version when an edit leaves the templates
    /// and titles as they were.
    pub renderer: Arc<Renderer>,
    /// One rule table per region, in the order of `site.yaml`; shared like the
    /// renderer.
    pub redirects: Arc<Vec<RuleTable>>,
    /// Problems that do not stop the build (fallbacks and the like).
    pub warnings: Vec<Diagnostic>,
    /// How many URLs and bytes one sitemap file may hold: sitemaps.org's
    /// limits (tests set smaller ones to see a region's sitemap split).
    pub sitemap_limits: SitemapLimits,
}

/// Where Cloudflare Bulk Redirects lists go: beside the domain folders, because
/// they are uploaded to Cloudflare's dashboard or API, not deployed with a site.
pub const CLOUDFLARE_BULK_DIR: &str = "_cloudflare-bulk";

/// One file of one domain folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Output {
    Page(usize),
    Languages {
        region: usize,
    },
    NotFound {
        region: usize,
        locale: Locale,
        path: SitePath,
    },
    Asset {
        region: usize,
        name: String,
    },
    /// An image a page of the region shows (see [`crate::media`]).
    Image {
        region: usize,
        path: SitePath,
    },
    /// `sitemap.xml`: the region's URLs, or, when they are more than one
    /// sitemap may hold, the index of its [`Output::SitemapPart`]s.
    Sitemap {
        region: usize,
    },
    /// `sitemap-<n>.xml`: one part of a region's URLs.
    SitemapPart {
        region: usize,
        part: usize,
    },
    Robots {
        region: usize,
    },
    Headers {
        region: usize,
    },
    Redirects {
        region: usize,
    },
    CloudflareBulk {
        region: usize,
    },
}

/// A rendered file.
pub struct Rendered {
    pub domain: String,
    pub path: SitePath,
    pub bytes: Vec<u8>,
}

pub(super) fn split<T>(outcome: Outcome<T>, problems: &mut Vec<Diagnostic>) -> Option<T> {
    match outcome {
        Ok(value) => Some(value),
        Err(mut found) => {
            problems.append(&mut found);
            None
        }
    }
}
