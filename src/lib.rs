//! handover: builds the notice a brand's regional websites show when they close and
//! hand over to another site, and the redirect maps that move every old URL.
//!
//! The pipeline runs one way: [`config`] and the inputs ([`content`], [`i18n`], the
//! theme) are loaded and validated, [`render`] turns them into pages, and [`output`]
//! writes them into a staging folder that replaces `public/` only when everything
//! succeeded.

pub mod allocator;
pub mod audit;
pub mod check;
pub mod commands;
pub mod config;
pub mod content;
pub mod dates;
pub mod diagnostics;
pub mod fs;
pub mod fuzzing;
pub mod i18n;
pub mod media;
pub mod moved;
pub mod output;
pub mod paths;
pub mod pipeline;
pub mod plan;
pub mod raw_html;
pub mod redirects;
pub mod render;
pub mod serve;
pub mod spill;
pub mod text_list;
pub mod theme;
pub mod timings;
pub mod yaml;
