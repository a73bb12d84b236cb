//! handover: builds the notice a brand's regional websites show when they close and
//! hand over to another site, and the redirect maps that move every old URL.
//!
//! The pipeline runs one way: [`config`] and the inputs are loaded, validated,
//! rendered, then written by [`output`] into a staging folder that replaces `public/`
//! only when everything succeeded.

pub mod diagnostics;
