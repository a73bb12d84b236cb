//! Build benchmark: a generated site of N pages x 4 locales on 4 regions.
//!
//! `cargo bench --bench build` (or `-- 10000` for another page count per locale).
//! Prints the build's wall time and peak memory, and, measured in the same run, a
//! baseline that only reads every source file and writes it back out (the I/O any
//! generator must do), so the figure reads as a ratio on a shared, noisy machine.

use std::path::Path;

mod support;
use std::time::Instant;
use support::{peak_memory_mib, size_argument, timed_build, write};

const LOCALES: [&str; 4] = ["en", "fr-FR", "de-DE", "it-IT"];

fn generate(root: &Path, pages: usize) {
    let regions: String = LOCALES
        .iter()
        .enumerate()
        .map(|(i, locale)| {
            format!(
                "  - id: r{i}\n    domain: r{i}.example\n    locales: [{locale}]\n    new_home: https://store.example/r{i}/\n    values:\n      store: https://store.example/r{i}/\n      date: \"2025-01-09\"\n"
            )
        })
        .collect();
    write(
        &root.join("site.yaml"),
        &format!(
            "brand: Bench\nreference_locale: en\ntheme: t\ntarget: netlify\nregions:\n{regions}"
        ),
    );
    write(
        &root.join("themes/t/templates/page.html"),
        "<!DOCTYPE html><html lang=\"{{ lang }}\"><head><title>{{ page.title }}</title>\
         <link rel=\"stylesheet\" href=\"{{ asset(path='style.css') }}\">\
         {% for alt in translations %}<link rel=\"alternate\" hreflang=\"{{ alt.hreflang }}\" href=\"{{ alt.url }}\">{% endfor %}\
         </head><body><nav>{% for item in nav %}<a href=\"{{ item.path }}\">{{ item.title }}</a>{% endfor %}</nav>\
         <main><h1>{{ page.title }}</h1>{{ page.content }}</main><footer>{{ t(key='footer', date=values.date) }}</footer></body></html>",
    );
    write(
        &root.join("themes/t/templates/404.html"),
        "<h1>{{ t(key='footer', date=values.date) }}</h1>",
    );
    write(
        &root.join("themes/t/static/style.css"),
        "body{font-family:system-ui}",
    );
    for locale in LOCALES {
        write(
            &root.join(format!("locales/{locale}/main.ftl")),
            "language-name = Lang\nfooter = Closed on { DATETIME($date) }.\n",
        );
        write(
            &root.join(format!("content/{locale}/index.md")),
            "---\ntitle: Home\ndescription: Home.\n---\nWelcome. [Store]({{ values.store }})\n",
        );
        for n in 0..pages {
            write(
                &root.join(format!("content/{locale}/p{n:05}.md")),
                &format!(
                    "---\ntitle: Product {n}\ndescription: Page {n}.\nslug: products/p{n:05}\n---\n\
                     ## Product {n}\n\nSold on [the store]({{{{ values.store }}}}) since {{{{ values.date | date }}}}.\n\n\
                     | spec | value |\n|---|---|\n| size | {n} mm |\n\nSome *emphasis* and a [link](/products/p00001/).\n"
                ),
            );
        }
    }
}

fn copy_baseline(from: &Path, to: &Path) -> usize {
    let mut count = 0;
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(from).unwrap();
            let target = to.join(relative);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(&target, std::fs::read(entry.path()).unwrap()).unwrap();
            count += 1;
        }
    }
    count
}

fn main() {
    let pages: usize = size_argument(2_500);
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    generate(&site, pages);
    let memory_before = peak_memory_mib();

    let started = Instant::now();
    let files = copy_baseline(&site.join("content"), &dir.path().join("copy"));
    let baseline = started.elapsed();

    let elapsed = timed_build(&site, &dir.path().join("public"));

    let total_pages = (pages + 1) * LOCALES.len();
    println!(
        "pages rendered:        {total_pages} ({pages} + home, x {} locales/regions)",
        LOCALES.len()
    );
    println!(
        "baseline (copy {files} sources): {:.3} s",
        baseline.as_secs_f64()
    );
    println!("handover build:        {:.3} s", elapsed.as_secs_f64());
    println!(
        "ratio build/baseline:  {:.1}x",
        elapsed.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "per 1,000 pages:       {:.1} ms",
        elapsed.as_secs_f64() * 1e6 / total_pages as f64
    );
    println!(
        "peak memory:           {:.0} MiB (before build: {memory_before:.0} MiB)",
        peak_memory_mib()
    );
}
