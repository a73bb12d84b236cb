//! Checks that look at a site's inputs without building it, for translators and CI.
//!
//! [`translations`] compares every locale's `.ftl` files with the reference locale,
//! the way Mozilla's compare-locales does, and reports what a translator should fix.

pub mod translations;
