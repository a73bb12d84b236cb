//! Redirect benchmark: 100,000 CSV rows across 5 regions (20,000 each), plus shared
//! patterns and page aliases, read, checked (duplicates, shadowing, loops, chains,
//! hidden pages) and written as `_redirects`.
//!
//! `cargo bench --bench redirects` (or `-- 50000` for rows per region). Prints the
//! time for load + checks + write, time per 1,000 rules and peak memory, and a
//! baseline measured in the same run: reading the same CSV files with the csv crate
//! and writing their rows back out as lines, the least any tool must do.

use std::path::Path;

mod support;
use std::time::Instant;
use support::{peak_memory_mib, size_argument, timed_build, write};

const REGIONS: usize = 5;

fn generate(root: &Path, rows: usize) {
    let regions: String = (0..REGIONS)
        .map(|i| {
            format!(
                "  - id: r{i}\n    domain: r{i}.example\n    locales: [en]\n    new_home: https://store.example/r{i}/\n    \
                 values:\n      store: https://store.example/r{i}/\n    redirects:\n      csv: [redirects/r{i}.csv]\n"
            )
        })
        .collect();
    write(
        &root.join("site.yaml"),
        &format!(
            "brand: Bench\nreference_locale: en\ntheme: t\ntarget: netlify\n\
             redirects:\n  unmatched: notice\n  rules:\n\
             \x20   - {{ from: /product/:model, to: \"{{store}}product/:model/\", status: 301 }}\n\
             \x20   - {{ from: /support/*, to: \"{{store}}support/\", status: 301 }}\n\
             regions:\n{regions}"
        ),
    );
    write(
        &root.join("themes/t/templates/page.html"),
        "<h1>{{ page.title }}</h1>{{ page.content }}",
    );
    write(&root.join("themes/t/templates/404.html"), "<h1>404</h1>");
    write(
        &root.join("locales/en/main.ftl"),
        "language-name = English\n",
    );
    write(
        &root.join("content/en/index.md"),
        "---\ntitle: Home\ndescription: Home.\naliases: [/old-home/]\n---\nWelcome.\n",
    );
    for region in 0..REGIONS {
        let mut csv = String::from("from,to,status\n");
        for n in 0..rows {
            // Mostly external moves, some to the notice, like a real SEO map.
            if n % 10 == 0 {
                csv.push_str(&format!("/old/r{region}/page-{n}/,/,301\n"));
            } else {
                csv.push_str(&format!(
                    "/old/r{region}/page-{n}/,{{store}}new/page-{n}/,301\n"
                ));
            }
        }
        write(&root.join(format!("redirects/r{region}.csv")), &csv);
    }
}

fn baseline(root: &Path, out: &Path) -> usize {
    let mut count = 0;
    for region in 0..REGIONS {
        let mut reader =
            csv::Reader::from_path(root.join(format!("redirects/r{region}.csv"))).unwrap();
        let mut text = String::new();
        for record in reader.records() {
            let record = record.unwrap();
            text.push_str(&format!("{} {} {}\n", &record[0], &record[1], &record[2]));
            count += 1;
        }
        write(&out.join(format!("r{region}/_redirects")), &text);
    }
    count
}

fn main() {
    handover::allocator::return_freed_memory_at_once();
    let rows: usize = size_argument(20_000);
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    generate(&site, rows);
    let memory_before = peak_memory_mib();

    let started = Instant::now();
    let copied = baseline(&site, &dir.path().join("copy"));
    let baseline_time = started.elapsed();

    let elapsed = timed_build(&site, &dir.path().join("public"));
    let written: usize = (0..REGIONS)
        .map(|r| {
            let text =
                std::fs::read_to_string(dir.path().join(format!("public/r{r}.example/_redirects")))
                    .unwrap();
            text.lines().filter(|l| !l.starts_with('#')).count()
        })
        .sum();
    assert!(written >= copied, "every CSV row is written");

    println!("rules written:         {written} ({copied} CSV rows over {REGIONS} regions, + patterns, aliases, policy)");
    println!(
        "baseline (csv read + write lines): {:.3} s",
        baseline_time.as_secs_f64()
    );
    println!(
        "handover build:        {:.3} s (load, check, write; the site has one page)",
        elapsed.as_secs_f64()
    );
    println!(
        "ratio build/baseline:  {:.1}x",
        elapsed.as_secs_f64() / baseline_time.as_secs_f64()
    );
    println!(
        "per 1,000 rules:       {:.2} ms",
        elapsed.as_secs_f64() * 1e6 / written as f64
    );
    println!(
        "peak memory:           {:.0} MiB (after generating the input: {memory_before:.0} MiB)",
        peak_memory_mib()
    );
}
