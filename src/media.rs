//! Images the pages show: placed next to a page's Markdown (a page bundle,
//! `content/<locale>/card.png`, looked up along the locale's fallback chain so a
//! translation can share the reference locale's image or have its own) or in
//! the theme (`/logo.svg` is `themes/<theme>/static/logo.svg`).
//!
//! Every image a page refers to is read before anything is rendered: a missing
//! one is an error at the reference, its size is known so `<img>` gets `width`
//! and `height` (no layout shift), and its file is fingerprinted like the
//! theme's assets. `![alt](photo.jpg){width=600}` asks for a width: the image is
//! resized with the `image` crate (never enlarged) and a lossless WebP is offered
//! as well when it is the smaller file. Encoded variants are kept for the life
//! of the process, so `serve` does not resize again on every save.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use image::{DynamicImage, ImageFormat, ImageReader};
use pulldown_cmark::{Event, Parser, Tag};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::config::SiteConfig;
use crate::content::{Content, SourcePage, CONTENT_DIR};
use crate::diagnostics::{did_you_mean, Diagnostic, SourceFile, Span};
use crate::paths::SitePath;
use crate::theme::{fingerprinted_name, Theme};

/// The folder of every domain that holds the pages' images.
pub const IMAGES_DIR: &str = "images";

/// What a page shows for one image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Site-relative URL of the image (`/images/card.3a9f1c2e7b.png`).
    pub src: String,
    pub width: u32,
    pub height: u32,
    /// A smaller WebP of the same image, offered first when the browser takes it.
    pub webp: Option<String>,
}

/// Every image the pages use, and the files to write.
#[derive(Debug, Default)]
pub struct Media {
    /// (page file, destination as written) -> what the page shows.
    pictures: HashMap<(String, String), Picture>,
    /// Output files (beyond the theme's assets), by path.
    pub files: BTreeMap<SitePath, Arc<Vec<u8>>>,
    /// Page file -> the output files it uses.
    uses: HashMap<String, Vec<SitePath>>,
}

/// One local image reference in a page's Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub dest: String,
    /// The destination's byte offset and length in the page's file.
    pub at: usize,
    pub len: usize,
    pub width: Option<u32>,
}

impl Reference {
    /// Where the destination is written, for a problem with the image.
    fn span(&self, page: &SourcePage) -> Span {
        page.span_at(self.at, self.len)
    }
}

/// An image file read from the site.
struct Source {
    shown: String,
    bytes: Arc<Vec<u8>>,
    /// The fingerprinted file that serves it as it is.
    output: SitePath,
    /// Already an output of the theme (no extra file to write).
    in_theme: bool,
}

impl Media {
    /// Reads every image the published pages refer to.
    pub fn load(config: &SiteConfig, content: &Content, theme: &Theme) -> (Media, Vec<Diagnostic>) {
        // Only the few pages with images: a list of every page, each with its
        // file name written out, took 8 MB of a 100,000-page build's peak.
        let pages: Vec<&SourcePage> = content
            .with_extras()
            .filter(|p| !p.draft && has_images(p))
            .collect();
        type Found = Vec<Result<(String, Resolved), Diagnostic>>;
        let found: Vec<(String, Found)> = pages
            .par_iter()
            .map(|page| {
                let problems = page.extras.image_problems.iter().cloned().map(Err);
                let refs = page
                    .extras
                    .images
                    .iter()
                    .map(|r| Ok((r.dest.clone(), resolve(config, theme, page, r)?)))
                    .chain(problems)
                    .collect();
                (page.file_name().to_string(), refs)
            })
            .collect();
        let mut media = Media::default();
        let mut problems = Vec::new();
        for (page, refs) in found {
            for resolved in refs {
                match resolved {
                    Ok((dest, resolved)) => media.add(&page, &dest, resolved),
                    Err(problem) => problems.push(problem),
                }
            }
        }
        (media, problems)
    }

    fn add(&mut self, page: &str, dest: &str, resolved: Resolved) {
        let uses = self.uses.entry(page.to_string()).or_default();
        for (path, bytes) in resolved.files {
            uses.push(path.clone());
            self.files.insert(path, bytes);
        }
        self.pictures
            .insert((page.to_string(), dest.to_string()), resolved.picture);
    }

    /// What `page` shows for the image written `dest`.
    pub fn picture(&self, page: &str, dest: &str) -> Option<&Picture> {
        self.pictures.get(&(page.to_string(), dest.to_string()))
    }

    /// The output files a page uses.
    pub fn files_of(&self, page: &str) -> &[SitePath] {
        self.uses.get(page).map_or(&[], Vec::as_slice)
    }
}

/// Whether `page` refers to an image, or wrote one wrong.
fn has_images(page: &SourcePage) -> bool {
    !(page.extras.images.is_empty() && page.extras.image_problems.is_empty())
}

/// A resolved reference: the picture and the files it needs written.
struct Resolved {
    picture: Picture,
    files: Vec<(SitePath, Arc<Vec<u8>>)>,
}

/// The `{width=600}` written right after an image, if any: `Ok(None)` when
/// there is none, `Err` when it is there but not a width.
pub fn width_suffix(after: &str) -> Result<Option<(u32, usize)>, String> {
    let Some(rest) = after.strip_prefix("{width=") else {
        return Ok(None);
    };
    let end = rest.find('}').ok_or("is not closed with `}`")?;
    match rest[..end].trim().parse::<u32>() {
        Ok(width) if width > 0 => Ok(Some((width, "{width=".len() + end + 1))),
        _ => Err(format!("`{}` is not a number of pixels", &rest[..end])),
    }
}

/// Local image destinations (not `https:`, `data:`, `#`, or a placeholder).
fn is_local(dest: &str) -> bool {
    let scheme = dest
        .find(['/', '?', '#'])
        .map_or(dest, |end| &dest[..end])
        .contains(':');
    let placeholder = dest.contains("{{") || dest.contains("{%");
    !(dest.is_empty() || scheme || placeholder || dest.starts_with("//") || dest.starts_with('#'))
}

/// The images a page's Markdown refers to, with their place in the file.
/// Whether two versions of a page show the same images at the same widths (and
/// have the same problems with them), so what the site's media hold for it
/// stays true.
pub fn same_references(old: &SourcePage, new: &SourcePage) -> bool {
    fn shown(page: &SourcePage) -> (Vec<(&str, Option<u32>)>, usize) {
        let images = page.extras.images.iter();
        let images = images.map(|r| (r.dest.as_str(), r.width)).collect();
        (images, page.extras.image_problems.len())
    }
    shown(old) == shown(new)
}

/// The local images of the body that starts at `body_offset` in `file`, and the
/// widths written after them that are not widths.
pub fn references(file: &SourceFile, body_offset: usize) -> (Vec<Reference>, Vec<Diagnostic>) {
    let body = &file.text[body_offset..];
    let mut found = Vec::new();
    let mut problems = Vec::new();
    // Every Markdown image, inline or by reference, starts with `![`: a body
    // without one needs no parse.
    if !body.contains("![") {
        return (found, problems);
    }
    let parser = Parser::new_ext(body, crate::raw_html::markdown_options());
    for (event, range) in parser.into_offset_iter() {
        let Event::Start(Tag::Image { dest_url, .. }) = event else {
            continue;
        };
        let dest = dest_url.to_string();
        if !is_local(&dest) {
            continue;
        }
        let written = &body[range.clone()];
        let at = written.rfind(&format!("]({dest}")).map_or(0, |i| i + 2) + range.start;
        let width = match width_suffix(&body[range.end..]) {
            Ok(width) => width.map(|(w, _)| w),
            Err(why) => {
                // Reported here; the image itself is still found and shown.
                let suffix = &body[range.end..];
                let len = suffix.find('}').map_or(suffix.len(), |end| end + 1);
                problems.push(Diagnostic::error(
                    "content::image",
                    format!(
                        "`{}` after the image is not a width: {why}",
                        &suffix[..len.min(40)]
                    ),
                )
                .at(Span::new(file, body_offset + range.end, len))
                .help("ask for a width in pixels right after the image: `![A phone](phone.jpg){width=600}`"));
                None
            }
        };
        found.push(Reference {
            at: body_offset + at,
            len: dest.len(),
            dest,
            width,
        });
    }
    (found, problems)
}

fn resolve(
    config: &SiteConfig,
    theme: &Theme,
    page: &SourcePage,
    reference: &Reference,
) -> Result<Resolved, Diagnostic> {
    let source = find_source(config, theme, page, reference)?;
    let problem = |message: String| {
        Diagnostic::error("content::image", message)
            .at(reference.span(page))
            .help("use a PNG, JPEG, GIF, WebP or SVG file")
    };
    let (width, height) =
        dimensions(&source.bytes).map_err(|why| problem(format!("{} {why}", source.shown)))?;
    let own_file = |source: &Source| -> Vec<(SitePath, Arc<Vec<u8>>)> {
        if source.in_theme {
            Vec::new()
        } else {
            vec![(source.output.clone(), source.bytes.clone())]
        }
    };
    let wanted = reference.width.filter(|w| *w < width);
    let Some(wanted) = wanted else {
        return Ok(Resolved {
            picture: Picture {
                src: source.output.file_url(),
                width,
                height,
                webp: None,
            },
            files: own_file(&source),
        });
    };
    let scaled_height =
        ((height as u64 * wanted as u64 + width as u64 / 2) / width as u64).max(1) as u32;
    if is_svg(&source.bytes) {
        // A vector image is drawn at any size: only the box changes.
        return Ok(Resolved {
            picture: Picture {
                src: source.output.file_url(),
                width: wanted,
                height: scaled_height,
                webp: None,
            },
            files: own_file(&source),
        });
    }
    let variant =
        resized(&source, wanted).map_err(|why| problem(format!("{} {why}", source.shown)))?;
    let mut files = vec![(variant.output.clone(), variant.bytes.clone())];
    let webp = variant.webp.as_ref().map(|(path, bytes)| {
        files.push((path.clone(), bytes.clone()));
        path.file_url()
    });
    Ok(Resolved {
        picture: Picture {
            src: variant.output.file_url(),
            width: variant.width,
            height: variant.height,
            webp,
        },
        files,
    })
}

/// Finds the file: `/x` in the theme's `static/`, anything else next to the
/// page, then in the folders of the locale's fallbacks.
fn find_source(
    config: &SiteConfig,
    theme: &Theme,
    page: &SourcePage,
    reference: &Reference,
) -> Result<Source, Diagnostic> {
    let dest = &reference.dest;
    let decoded = percent_encoding::percent_decode_str(dest.split(['?', '#']).next().unwrap_or(""))
        .decode_utf8_lossy()
        .into_owned();
    if let Some(name) = decoded.strip_prefix('/') {
        return match theme.asset(name) {
            Some(asset) => Ok(Source {
                shown: format!("themes/{}/static/{name}", config.theme),
                bytes: Arc::new(asset.bytes.clone()),
                output: asset.output.clone(),
                in_theme: true,
            }),
            None => Err(Diagnostic::error(
                "content::missing-image",
                format!("there is no image `{dest}` in the theme (themes/{}/static/)", config.theme),
            )
            .at(reference.span(page))
            .help(missing_help(
                name,
                theme.assets.keys().map(String::as_str).filter(|n| is_image_name(n)),
                &format!(
                    "put it in themes/{}/static/, or next to the page and write it without the leading `/`",
                    config.theme
                ),
            ))),
        };
    }
    let relative = decoded.trim_start_matches("./");
    let path = SitePath::parse(relative).map_err(|why| {
        Diagnostic::error(
            "content::missing-image",
            format!("the image path `{dest}` {why}"),
        )
        .at(reference.span(page))
        .help("write the file name of an image next to the page, e.g. `card.png`")
    })?;
    let chain = config.fallback_chain(&page.locale);
    for locale in &chain {
        let dir = config.root.join(CONTENT_DIR).join(locale.as_str());
        let file = path.under(&dir);
        if file.is_file() {
            let shown = format!("{CONTENT_DIR}/{locale}/{path}");
            let bytes = crate::fs::read(&file, &shown).map_err(|d| d.at(reference.span(page)))?;
            let name = path.to_string();
            let file_name = name.rsplit('/').next().unwrap_or(&name);
            let output = SitePath::parse(&fingerprinted_name(
                &format!("{IMAGES_DIR}/{file_name}"),
                &bytes,
            ))
            .map_err(|why| {
                Diagnostic::error(
                    "content::image",
                    format!("the file name `{file_name}` {why}"),
                )
                .at(reference.span(page))
                .help("rename the file with letters, digits, `-`, `_` and `.`")
            })?;
            return Ok(Source {
                shown,
                bytes: Arc::new(bytes),
                output,
                in_theme: false,
            });
        }
    }
    let folders: Vec<String> = chain.iter().map(|l| format!("content/{l}/")).collect();
    let nearby: Vec<String> = chain
        .iter()
        .flat_map(|l| image_files(&config.root.join(CONTENT_DIR).join(l.as_str())))
        .collect();
    Err(Diagnostic::error(
        "content::missing-image",
        format!("there is no image `{dest}` next to {}", page.file_name()),
    )
    .at(reference.span(page))
    .help(missing_help(
        relative,
        nearby.iter().map(String::as_str),
        &if folders.len() > 1 {
            format!(
                "put {relative} in {}, or in {} to share it with the other languages",
                folders[0],
                folders[1..].join(" or ")
            )
        } else {
            format!("put {relative} in {}, next to the page", folders[0])
        },
    )))
}

fn missing_help<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
    otherwise: &str,
) -> String {
    match crate::diagnostics::closest(wanted, candidates) {
        Some(close) => did_you_mean(wanted, [close]),
        None => otherwise.to_string(),
    }
}

fn is_image_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// The image files of a content folder, by name under it.
fn image_files(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| crate::fs::shown_path(dir, e.path()))
        .filter(|name| is_image_name(name))
        .collect()
}

fn is_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    head.contains("<svg")
}

/// Width and height in CSS pixels.
fn dimensions(bytes: &[u8]) -> Result<(u32, u32), String> {
    if is_svg(bytes) {
        return svg_dimensions(&String::from_utf8_lossy(bytes));
    }
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .into_dimensions()
        .map_err(|_| "is not an image handover can read".to_string())
}

/// An SVG's size: its `width` and `height` in pixels, else its `viewBox`.
fn svg_dimensions(text: &str) -> Result<(u32, u32), String> {
    let start = text.find("<svg").ok_or("is not an SVG image")?;
    let tag = &text[start
        ..text[start..]
            .find('>')
            .map_or(text.len(), |end| start + end)];
    let attribute = |name: &str| -> Option<&str> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        tag[at..].split('"').next()
    };
    let pixels = |value: &str| -> Option<u32> {
        let number = value.trim().strip_suffix("px").unwrap_or(value.trim());
        number
            .parse::<f64>()
            .ok()
            .filter(|n| *n > 0.0)
            .map(|n| n.round() as u32)
    };
    if let (Some(w), Some(h)) = (
        attribute("width").and_then(pixels),
        attribute("height").and_then(pixels),
    ) {
        return Ok((w, h));
    }
    let view_box: Vec<f64> = attribute("viewBox")
        .unwrap_or("")
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    match view_box.as_slice() {
        [_, _, w, h] if *w > 0.0 && *h > 0.0 => Ok((w.round() as u32, h.round() as u32)),
        _ => Err("has no width and height in pixels and no viewBox: add `width` and `height` to its <svg> tag".to_string()),
    }
}

/// A raster image scaled to one width: its file, and a WebP twin when smaller.
struct Variant {
    output: SitePath,
    bytes: Arc<Vec<u8>>,
    width: u32,
    height: u32,
    webp: Option<(SitePath, Arc<Vec<u8>>)>,
}

type Cache = Mutex<HashMap<([u8; 32], u32), Arc<Variant>>>;

/// Encoded variants by (source hash, width), for the life of the process.
fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

fn resized(source: &Source, width: u32) -> Result<Arc<Variant>, String> {
    let key: [u8; 32] = Sha256::digest(source.bytes.as_slice()).into();
    if let Some(found) = cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&(key, width)).cloned())
    {
        return Ok(found);
    }
    let reader = ImageReader::new(Cursor::new(source.bytes.as_slice()))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let format = reader.format().ok_or("is not an image handover can read")?;
    let image = reader
        .decode()
        .map_err(|_| "is not an image handover can read".to_string())?;
    let height = ((image.height() as u64 * width as u64 + image.width() as u64 / 2)
        / image.width() as u64)
        .max(1) as u32;
    let scaled = image.resize_exact(width, height, image::imageops::FilterType::Lanczos3);
    let (bytes, extension) = encode(&scaled, format)?;
    let stem = source
        .output
        .to_string()
        .rsplit('/')
        .next()
        .and_then(|name| name.split('.').next())
        .unwrap_or("image")
        .to_string();
    let name = |ext: &str, bytes: &[u8]| -> Result<SitePath, String> {
        SitePath::parse(&fingerprinted_name(
            &format!("{IMAGES_DIR}/{stem}-{width}w.{ext}"),
            bytes,
        ))
    };
    let webp = if extension == "webp" {
        None
    } else {
        let (webp, _) = encode(&scaled, ImageFormat::WebP)?;
        (webp.len() < bytes.len())
            .then(|| name("webp", &webp).map(|path| (path, Arc::new(webp))))
            .transpose()?
    };
    let variant = Arc::new(Variant {
        output: name(extension, &bytes)?,
        bytes: Arc::new(bytes),
        width,
        height,
        webp,
    });
    if let Ok(mut cache) = cache().lock() {
        cache.insert((key, width), variant.clone());
    }
    Ok(variant)
}

/// Encodes in `format` (a GIF becomes a PNG: the encoder keeps one frame).
fn encode(image: &DynamicImage, format: ImageFormat) -> Result<(Vec<u8>, &'static str), String> {
    let mut out = Cursor::new(Vec::new());
    let written = match format {
        ImageFormat::Jpeg => image
            .to_rgb8()
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut out, 85,
            ))
            .map(|_| "jpg"),
        ImageFormat::WebP => image
            .to_rgba8()
            .write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out))
            .map(|_| "webp"),
        _ => image
            .write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
            .map(|_| "png"),
    };
    let extension = written.map_err(|e| format!("could not be resized: {e}"))?;
    Ok((out.into_inner(), extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_width_follows_the_image_in_braces() {
        assert_eq!(width_suffix("{width=600} and text"), Ok(Some((600, 11))));
        assert_eq!(width_suffix(" {width=600}"), Ok(None));
        assert!(width_suffix("{width=wide}").is_err());
        assert!(width_suffix("{width=0}").is_err());
        assert!(width_suffix("{width=600").is_err());
    }

    #[test]
    fn svg_sizes_come_from_width_and_height_or_the_view_box() {
        assert_eq!(
            svg_dimensions(r#"<svg xmlns="x" width="120" height="40px">"#),
            Ok((120, 40))
        );
        assert_eq!(
            svg_dimensions(r#"<svg viewBox="0 0 320 180">"#),
            Ok((320, 180))
        );
        assert!(svg_dimensions(r#"<svg width="100%">"#).is_err());
    }

    #[test]
    fn only_local_files_are_images_to_resolve() {
        assert!(is_local("card.png"));
        assert!(is_local("/logo.svg"));
        assert!(!is_local("https://example.com/a.png"));
        assert!(!is_local("data:image/png;base64,xx"));
        assert!(!is_local("{{ values.banner }}"));
        assert!(!is_local(""));
    }
}
