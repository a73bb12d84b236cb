//! The benchmark's site: N pages per locale on four single-locale regions, each
//! page 3-7 KB of Markdown (headings, paragraphs, a list, a table, links, a date),
//! shown with its title, a language switcher across the four domains, three
//! Fluent strings, and listed in each domain's sitemap. The same content is also
//! written as a Hugo site, so both tools build the same pages in the same loop.

use std::path::Path;

use crate::support::write;

pub const LOCALES: [&str; 4] = ["en", "fr-FR", "de-DE", "it-IT"];

/// Words for the generated text (accents included, so the bytes are realistic).
const WORDS: [&str; 48] = [
    "notice",
    "store",
    "warranty",
    "service",
    "order",
    "délai",
    "produit",
    "clients",
    "garanzia",
    "negozio",
    "Kunden",
    "Bestellung",
    "support",
    "account",
    "data",
    "moved",
    "remains",
    "handled",
    "région",
    "après-vente",
    "spedizione",
    "Rückgabe",
    "coupon",
    "points",
    "history",
    "delivery",
    "protected",
    "launch",
    "model",
    "range",
    "device",
    "update",
    "repair",
    "invoice",
    "receipt",
    "contact",
    "privacy",
    "settings",
    "transfer",
    "exclusive",
    "website",
    "closed",
    "Xiaomi",
    "page",
    "help",
    "questions",
    "answers",
    "information",
];

/// A small deterministic generator: the same N gives the same site.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn sentence(&mut self, out: &mut String) {
        let len = 8 + self.pick(12);
        for i in 0..len {
            let word = WORDS[self.pick(WORDS.len())];
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push(' ');
                match self.pick(14) {
                    0 => out.push_str(&format!("*{word}*")),
                    1 => out.push_str(&format!("**{word}**")),
                    _ => out.push_str(word),
                }
            }
        }
        out.push_str(". ");
    }
}

/// The date shown on page `n` (YYYY-MM-DD).
pub fn date(n: usize) -> String {
    format!("2024-{:02}-{:02}", 1 + n % 12, 1 + n % 28)
}

/// The page body as Markdown, 3-7 KB; `store` and `date` are how the tool writes
/// the region's store link and the localized date.
pub fn body(n: usize, pages: usize, locale_index: usize, store: &str, date: &str) -> String {
    let mut words = Words(0x9E37_79B9_7F4A_7C15 ^ ((n as u64) << 3 | locale_index as u64));
    let target = 3_000 + (n * 7919 + locale_index * 131) % 4_000;
    let mut out = format!(
        "Published {date}. Everything you bought is still covered: see [the store]({store}).\n\n"
    );
    let mut section = 0;
    while out.len() < target {
        section += 1;
        out.push_str(&format!("## Section {section}\n\n"));
        for _ in 0..2 + words.pick(2) {
            for _ in 0..3 + words.pick(3) {
                words.sentence(&mut out);
            }
            out.push_str("\n\n");
        }
        match section % 3 {
            0 => {
                out.push_str("| item | value |\n|---|---|\n");
                for row in 0..4 {
                    out.push_str(&format!(
                        "| {} | {} |\n",
                        WORDS[words.pick(WORDS.len())],
                        row * 17 + n % 100
                    ));
                }
                out.push('\n');
            }
            1 => {
                for _ in 0..4 {
                    out.push_str("- ");
                    words.sentence(&mut out);
                    out.push('\n');
                }
                out.push('\n');
            }
            _ => out.push_str(&format!(
                "See also [page {}](/products/p{:05}/), [its first section](/products/p{:05}/#section-1) and [the home page](/).\n\n",
                (n + 1) % pages,
                (n + 1) % pages,
                (n + 1) % pages,
            )),
        }
    }
    out
}

fn title(n: usize, locale: &str) -> String {
    format!("Product {n} ({locale}): what changes")
}

/// Writes the handover site for `pages` pages per locale (plus a home page).
pub fn handover(root: &Path, pages: usize) {
    let regions: String = LOCALES
        .iter()
        .enumerate()
        .map(|(i, locale)| {
            format!(
                "  - id: r{i}\n    domain: r{i}.example\n    locales: [{locale}]\n    new_home: https://store.example/r{i}/\n    values:\n      store: https://store.example/r{i}/\n      closure_date: \"2024-12-31\"\n"
            )
        })
        .collect();
    write(
        &root.join("site.yaml"),
        &format!(
            "brand: Bench\nreference_locale: en\ntheme: t\ntarget: netlify\nregions:\n{regions}"
        ),
    );
    let templates = root.join("themes/t/templates");
    write(
        &templates.join("base.html"),
        "<!DOCTYPE html>\n<html lang=\"{{ lang }}\">\n<head>\n<meta charset=\"utf-8\">\n\
         {%- block head %}{%- endblock head %}\n\
         <link rel=\"stylesheet\" href=\"{{ asset(path='style.css') }}\">\n</head>\n<body>\n\
         <header><p><a href=\"{{ home }}\">{{ t(key='site-name', brand=site.brand) }}</a></p>\n\
         <nav aria-label=\"languages\"><ul>\n\
         {%- for tr in translations %}\n<li><a href=\"{{ tr.url }}\" hreflang=\"{{ tr.hreflang }}\"{% if tr.current %} aria-current=\"page\"{% endif %}>{{ tr.language_name }}</a></li>\n{%- endfor %}\n\
         </ul></nav></header>\n<main>\n{%- block main %}{%- endblock main %}\n</main>\n\
         <footer><p>{{ t(key='footer', brand=site.brand, date=values.closure_date) }}</p>\
         <p><a href=\"{{ region.new_home }}\">{{ t(key='cta') }}</a></p></footer>\n</body>\n</html>\n",
    );
    write(
        &templates.join("page.html"),
        "{% extends \"base.html\" %}\n{%- block head %}\n<title>{{ page.title }}</title>\n\
         <meta name=\"description\" content=\"{{ page.description }}\">\n\
         <link rel=\"canonical\" href=\"{{ canonical }}\">\n\
         {%- for tr in translations %}\n<link rel=\"alternate\" hreflang=\"{{ tr.hreflang }}\" href=\"{{ tr.url }}\">\n{%- endfor %}\n\
         {%- endblock head %}\n{%- block main %}\n<h1>{{ page.title }}</h1>\n{{ page.content }}\n{%- endblock main %}\n",
    );
    write(
        &templates.join("404.html"),
        "{% extends \"base.html\" %}\n{%- block main %}<h1>404</h1>{%- endblock main %}\n",
    );
    write(
        &root.join("themes/t/static/style.css"),
        "body{font-family:system-ui;max-width:40rem;margin:auto}\n",
    );
    for (index, locale) in LOCALES.iter().enumerate() {
        write(
            &root.join(format!("locales/{locale}/main.ftl")),
            &format!(
                "language-name = {locale}\nsite-name = {{ $brand }} customer notice\n\
                 footer = The {{ $brand }} website closed after {{ DATETIME($date) }}.\n\
                 cta = Go to the store\n"
            ),
        );
        write(
            &root.join(format!("content/{locale}/index.md")),
            "---\ntitle: Home\ndescription: The notice.\n---\nWelcome. [Store]({{ values.store }})\n",
        );
        for n in 0..pages {
            let date = date(n);
            let text = body(
                n,
                pages,
                index,
                "{{ values.store }}",
                &format!("{{{{ \"{date}\" | date }}}}"),
            );
            write(
                &root.join(format!("content/{locale}/p{n:05}.md")),
                &format!(
                    "---\ntitle: \"{}\"\ndescription: What changes for product {n}.\nslug: products/p{n:05}\n---\n{text}",
                    title(n, locale)
                ),
            );
        }
    }
}

/// The path of page `n`'s Markdown in the handover site.
pub fn handover_page(root: &Path, locale: &str, n: usize) -> std::path::PathBuf {
    root.join(format!("content/{locale}/p{n:05}.md"))
}

/// Writes the same site for Hugo: four languages on their own hosts, the same
/// bodies (with the store link and date written out), three i18n strings, the
/// language switcher from `.Translations`, and Hugo's sitemaps.
pub fn hugo(root: &Path, pages: usize) {
    let mut config = String::from(
        "title = \"Bench\"\ndefaultContentLanguage = \"en\"\n\
         disableKinds = [\"taxonomy\", \"term\", \"RSS\", \"section\"]\n\
         [markup.goldmark.renderer]\nunsafe = false\n",
    );
    for (i, locale) in LOCALES.iter().enumerate() {
        let lang = locale.to_lowercase();
        config.push_str(&format!(
            "[languages.{lang}]\nlanguageCode = \"{locale}\"\nlanguageName = \"{locale}\"\nweight = {}\n\
             contentDir = \"content/{lang}\"\nbaseURL = \"https://r{i}.example/\"\n",
            i + 1
        ));
    }
    write(&root.join("hugo.toml"), &config);
    let layouts = root.join("layouts/_default");
    write(
        &layouts.join("baseof.html"),
        "<!DOCTYPE html>\n<html lang=\"{{ .Site.Language.LanguageCode }}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{{ .Title }}</title>\n<link rel=\"canonical\" href=\"{{ .Permalink }}\">\n\
         {{- range .AllTranslations }}\n<link rel=\"alternate\" hreflang=\"{{ .Language.LanguageCode }}\" href=\"{{ .Permalink }}\">\n{{- end }}\n\
         <link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n\
         <header><p><a href=\"{{ .Site.Home.Permalink }}\">{{ i18n \"siteName\" }}</a></p>\n<nav aria-label=\"languages\"><ul>\n\
         {{- range .AllTranslations }}\n<li><a href=\"{{ .Permalink }}\" hreflang=\"{{ .Language.LanguageCode }}\">{{ .Language.LanguageName }}</a></li>\n{{- end }}\n\
         </ul></nav></header>\n<main>\n{{- block \"main\" . }}{{ end }}\n</main>\n\
         <footer><p>{{ i18n \"footer\" }}</p><p><a href=\"https://store.example/\">{{ i18n \"cta\" }}</a></p></footer>\n</body>\n</html>\n",
    );
    write(
        &layouts.join("single.html"),
        "{{ define \"main\" }}<h1>{{ .Title }}</h1>\n<p>{{ .Date | time.Format \":date_long\" }}</p>\n{{ .Content }}{{ end }}\n",
    );
    write(
        &layouts.join("home.html"),
        "{{ define \"main\" }}<h1>{{ .Title }}</h1>\n{{ .Content }}{{ end }}\n",
    );
    write(&root.join("layouts/404.html"), "<h1>404</h1>\n");
    write(
        &root.join("static/style.css"),
        "body{font-family:system-ui;max-width:40rem;margin:auto}\n",
    );
    for (index, locale) in LOCALES.iter().enumerate() {
        let lang = locale.to_lowercase();
        write(
            &root.join(format!("i18n/{lang}.toml")),
            "siteName = \"Bench customer notice\"\nfooter = \"The Bench website closed after 31 December 2024.\"\ncta = \"Go to the store\"\n",
        );
        write(
            &root.join(format!("content/{lang}/_index.md")),
            "---\ntitle: Home\n---\nWelcome. [Store](https://store.example/)\n",
        );
        let store = format!("https://store.example/r{index}/");
        for n in 0..pages {
            let date = date(n);
            let text = body(n, pages, index, &store, &date);
            write(
                &root.join(format!("content/{lang}/products/p{n:05}.md")),
                &format!(
                    "---\ntitle: \"{}\"\ndescription: What changes for product {n}.\ndate: {date}\n---\n{text}",
                    title(n, locale)
                ),
            );
        }
    }
}
