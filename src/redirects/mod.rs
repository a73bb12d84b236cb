//! Placeholder until the redirect engine branch lands: the config shapes only.
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Netlify,
    Cloudflare,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectsConfig {
    #[serde(default)]
    pub unmatched: Option<String>,
    #[serde(default)]
    pub csv: Vec<String>,
}
