//! `handover redirects explain|list|export`: the redirect table, as people and
//! other tools need to see it.

use std::path::Path;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

use super::{load_site, print_json, Cli, Status};
use crate::diagnostics::Format;
use crate::pipeline::Site;
use crate::redirects::lookup::{resolve_in, End, Options, Resolution};
use crate::redirects::pattern::RequestPath;
use crate::redirects::write::{cloudflare_bulk_csv, ordered, redirects_file, vercel_json, written};
use crate::redirects::{Rule, RuleTable};

/// Shows and exports the redirect rules of every regional domain.
#[derive(Debug, Args)]
pub struct RedirectsArgs {
    #[command(subcommand)]
    pub command: RedirectsCommand,
}

#[derive(Debug, Subcommand)]
pub enum RedirectsCommand {
    /// Which rule answers a URL, from which file and line, each hop, and where it
    /// ends, as the target CDN answers it: the query string forwarded, the path
    /// matched as that CDN reads it, its own trailing-slash redirects, and rules as
    /// written to `_redirects` (chains collapsed).
    Explain {
        /// Full URLs (`https://uk.po.co/product/poco-f6?ref=x`), or paths with --region.
        #[arg(required_unless_present = "input")]
        urls: Vec<String>,
        /// Also explain every URL of this file (one a line, `#` comments).
        #[arg(long)]
        input: Option<std::path::PathBuf>,
        /// The region whose domain answers a bare path.
        #[arg(long)]
        region: Option<String>,
    },
    /// Audits the old site's URL inventory: where each old URL lands, by class
    /// (1:1, many-to-one, home, notice, 404, loop, chain, mismatch), with a
    /// coverage table per domain. Offline by default (the engine, with the target
    /// CDN's semantics); `--live` asks the deployed domains, or local servers.
    ///
    /// Exit 1 on a loop, a mismatch or an error (with --strict also on a 404 or a
    /// soft-404 risk).
    Audit(AuditArgs),
    /// Every rule of every region (or one), in the order they are written.
    List {
        #[arg(long)]
        region: Option<String>,
    },
    /// Exports the rules in another format, for hosts other than the target: with
    /// --region, one region's to standard output; without, every region's, one file
    /// per domain, into --output.
    Export {
        /// `redirects` (the target's _redirects), `vercel` (vercel.json), or
        /// `cloudflare-bulk` (Cloudflare Bulk Redirects CSV).
        #[arg(long = "to", value_enum)]
        to: ExportFormat,
        #[arg(long)]
        region: Option<String>,
        /// Where to write one file per domain [default: <root>/export/<format>].
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// sitemap.xml files (a sitemap index reads its sitemaps from its folder),
    /// plain lists of URLs, or CSV mapping sheets
    /// (`old_url,expected_url[,expected_status]`).
    #[arg(required = true)]
    pub inventory: Vec<std::path::PathBuf>,
    /// Ask over HTTP instead of the engine.
    #[arg(long)]
    pub live: bool,
    /// With --live: ask a local server for a domain, like curl's --resolve
    /// (`uk.po.co=127.0.0.1:8788`; `uk.po.co=uk.localhost:1111` for `handover serve`).
    #[arg(long, value_name = "DOMAIN=HOST:PORT")]
    pub resolve: Vec<String>,
    /// More old URLs than this ending on one page is a soft-404 risk.
    #[arg(long, default_value_t = 10)]
    pub many: usize,
    /// With --live: requests at once per host.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// With --live: seconds to wait for each response.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// A 404 or a soft-404 risk fails the audit too.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Redirects,
    Vercel,
    CloudflareBulk,
}

impl RedirectsArgs {
    pub fn run(&self, cli: &Cli) -> Status {
        let site = match load_site(cli) {
            Ok(site) => site,
            Err(status) => return status,
        };
        match &self.command {
            RedirectsCommand::Explain {
                urls,
                input,
                region,
            } => {
                let mut urls = urls.clone();
                if let Some(input) = input {
                    match std::fs::read_to_string(input) {
                        Ok(text) => urls.extend(inventory_lines(&text)),
                        Err(error) => {
                            eprintln!("error: cannot read {}: {error}", input.display());
                            return Status::CouldNotRun;
                        }
                    }
                }
                explain(&site, &urls, region.as_deref(), cli.format)
            }
            RedirectsCommand::List { region } => list(&site, region.as_deref(), cli.format),
            RedirectsCommand::Audit(args) => audit(&site, args, cli.format),
            RedirectsCommand::Export { to, region, output } => {
                let output = output.clone().unwrap_or_else(|| {
                    cli.root.join("export").join(
                        to.to_possible_value()
                            .map_or("x".into(), |v| v.get_name().to_string()),
                    )
                });
                export(&site, *to, region.as_deref(), &output)
            }
        }
    }
}

/// The region a `--region` names, or every region when none is given.
fn tables<'a>(site: &'a Site, region: Option<&str>) -> Result<Vec<&'a RuleTable>, Status> {
    let config = &site.model.config;
    let Some(id) = region else {
        return Ok(site.redirects.iter().collect());
    };
    match config.regions.iter().position(|r| r.id.as_str() == id) {
        Some(index) => Ok(vec![&site.redirects[index]]),
        None => {
            let ids: Vec<&str> = config.regions.iter().map(|r| r.id.as_str()).collect();
            eprintln!(
                "error: there is no region `{id}`\n  = help: {}",
                crate::diagnostics::did_you_mean(id, ids.iter().copied())
            );
            Err(Status::CouldNotRun)
        }
    }
}

/// The URLs of an inventory file: one a line, blank lines and `#` comments skipped.
pub fn inventory_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
}

/// One URL to explain: the table whose domain answers it, the path as that CDN
/// reads it, and the query string.
pub struct Located {
    pub table: usize,
    pub path: RequestPath,
    pub query: Option<String>,
}

/// Splits `https://domain/path?query` (or a bare path) into the table, the path
/// and the query.
pub fn locate(site: &Site, url: &str, region: Option<&str>) -> Result<Located, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    let (table, path) = if rest.starts_with('/') {
        let tables = tables(site, region).map_err(|_| String::new())?;
        match tables[..] {
            [one] => (one.region, rest),
            _ => {
                return Err(
                    "a bare path needs --region (or give the full URL with its domain)".to_string(),
                )
            }
        }
    } else {
        let (host, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
        let table = site
            .redirects
            .iter()
            .position(|t| t.domain.eq_ignore_ascii_case(host))
            .ok_or_else(|| {
                let domains: Vec<&str> = site.redirects.iter().map(|t| t.domain.as_str()).collect();
                format!(
                    "no region serves `{host}`; the domains are: {}",
                    domains.join(", ")
                )
            })?;
        (table, path)
    };
    let path = path.split('#').next().unwrap_or("");
    let (path, query) = match path.split_once('?') {
        Some((path, query)) => (path, Some(query.to_string())),
        None => (path, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    let target = site.redirects[table].target;
    let path = RequestPath::parse_request(path, target)
        .map_err(|why| format!("the path `{path}` {why}"))?;
    Ok(Located { table, path, query })
}

/// How the target CDN answers `located`: rules as written, the query forwarded,
/// absolute destinations on the site's domains followed.
pub fn answer(site: &Site, located: &Located) -> Resolution {
    let options = Options {
        as_written: true,
        query: located.query.clone(),
    };
    resolve_in(&site.redirects, located.table, &located.path, &options)
}

fn source(rule: &Rule) -> Value {
    let position = rule.span.position();
    json!({
        "kind": rule.kind,
        "file": position.file,
        "line": position.line,
        "column": position.column,
    })
}

fn explain(site: &Site, urls: &[String], region: Option<&str>, format: Format) -> Status {
    let mut found = Vec::new();
    for url in urls {
        match locate(site, url, region) {
            Ok(located) => found.push((url, located)),
            Err(why) => {
                if !why.is_empty() {
                    eprintln!("error: {url}: {why}");
                }
                return Status::CouldNotRun;
            }
        }
    }
    if format == Format::Json {
        let answers: Vec<Value> = found
            .iter()
            .map(|(url, located)| explain_json(site, url, located, &answer(site, located)))
            .collect();
        match &answers[..] {
            [one] => print_json(one),
            _ => print_json(&Value::Array(answers)),
        }
    } else {
        for (_, located) in &found {
            print!("{}", explain_text(site, located, &answer(site, located)));
        }
    }
    Status::Clean
}

fn explain_json(site: &Site, url: &str, located: &Located, resolution: &Resolution) -> Value {
    let table = &site.redirects[located.table];
    let (status, location) = resolution.first_response();
    let hops: Vec<Value> = resolution
        .hops
        .iter()
        .map(|hop| {
            let by = hop.rule.map(|index| {
                let rule = &site.redirects[hop.table].rules[index];
                json!({
                    "rule": { "from": rule.from.to_string(), "to": rule.to.as_str(), "status": rule.status, "force": rule.force },
                    "source": source(rule),
                })
            });
            json!({
                "domain": hop.domain,
                "path": hop.path,
                "rule": by.as_ref().map(|b| b["rule"].clone()),
                "source": by.as_ref().map(|b| b["source"].clone()),
                "cdn": hop.rule.is_none().then_some("trailing-slash"),
                "location": hop.location,
                "status": hop.status,
            })
        })
        .collect();
    json!({
        "url": url,
        "region": site.model.region(table.region).id.as_str(),
        "domain": table.domain,
        "target": table.target,
        "request": resolution.request,
        "query": located.query,
        "hops": hops,
        "end": resolution.end,
        "end_domain": resolution.end_domain,
        "status": status,
        "location": location,
    })
}

fn explain_text(site: &Site, located: &Located, resolution: &Resolution) -> String {
    let table = &site.redirects[located.table];
    let query = located
        .query
        .as_deref()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let mut text = format!(
        "https://{}{}{query} (region {}, {})\n",
        table.domain,
        resolution.request,
        site.model.region(table.region).id,
        table.target.name()
    );
    for (step, hop) in resolution.hops.iter().enumerate() {
        let on = if hop.domain == table.domain {
            String::new()
        } else {
            format!("https://{}", hop.domain)
        };
        match hop.rule {
            Some(index) => {
                let hop_table = &site.redirects[hop.table];
                let rule = &hop_table.rules[index];
                let place = rule.span.position();
                let twin = if hop_table.twins.contains(&index) {
                    ", Cloudflare trailing-slash twin"
                } else {
                    ""
                };
                text.push_str(&format!(
                    "  {}. {on}{} matches `{} {} {}{}` ({}{twin}, {}:{}:{})\n     -> {} {}\n",
                    step + 1,
                    hop.path,
                    rule.from,
                    rule.to,
                    rule.status,
                    if rule.force { "!" } else { "" },
                    rule.kind.describe(),
                    place.file,
                    place.line,
                    place.column,
                    hop.status,
                    hop.location
                ));
            }
            None => text.push_str(&format!(
                "  {}. {on}{} has no rule: {} redirects it to its other spelling\n     -> {} {}\n",
                step + 1,
                hop.path,
                table.target.name(),
                hop.status,
                hop.location
            )),
        }
    }
    let end = match &resolution.end {
        End::File { path, status } => format!("{status}, serves {path} (generated by the build)"),
        End::External { location, status } => format!("{status}, Location: {location}"),
        End::Missing { path, status } => {
            format!("{status} with {path}, which the build does not generate")
        }
        End::Loop => "a redirect loop: the browser gives up".to_string(),
        End::NotFound { page: Some(page) } => {
            format!("404, no rule or page matches: the CDN serves {page}")
        }
        End::NotFound { page: None } => "404, no rule or page matches".to_string(),
    };
    let on = if resolution.end_domain == table.domain {
        String::new()
    } else {
        format!(" on {}", resolution.end_domain)
    };
    text.push_str(&format!("final{on}: {end}\n"));
    text
}

fn audit(site: &Site, args: &AuditArgs, format: Format) -> Status {
    use crate::audit::{self, inventory, live};
    let mut entries = Vec::new();
    for path in &args.inventory {
        match inventory::read(path) {
            Ok(found) => entries.extend(found),
            Err(why) => {
                eprintln!("error: {why}");
                return Status::CouldNotRun;
            }
        }
    }
    if entries.is_empty() {
        eprintln!("error: the inventory lists no URL\n  = help: list the old URLs one a line, or give a sitemap.xml");
        return Status::CouldNotRun;
    }
    let mut resolve = std::collections::BTreeMap::new();
    for text in &args.resolve {
        match live::parse_resolve(text) {
            Ok((domain, address)) => {
                resolve.insert(domain, address);
            }
            Err(why) => {
                eprintln!("error: --resolve {why}");
                return Status::CouldNotRun;
            }
        }
    }
    if !resolve.is_empty() && !args.live {
        eprintln!("error: --resolve needs --live");
        return Status::CouldNotRun;
    }
    let target = site.model.config.target;
    let (observations, mode) = if args.live {
        let options = live::Options {
            resolve,
            domains: site.redirects.iter().map(|t| t.domain.clone()).collect(),
            concurrency: args.concurrency.max(1),
            timeout: std::time::Duration::from_secs(args.timeout.max(1)),
        };
        (live::observe(&entries, &options), "live".to_string())
    } else {
        (
            audit::observe_offline(site, &entries),
            format!("offline, {} semantics", target.name()),
        )
    };
    let rules = audit::Rules {
        many: args.many,
        homes: site
            .model
            .config
            .regions
            .iter()
            .map(|r| r.new_home.clone())
            .collect(),
    };
    let findings = audit::classify(&entries, observations, &rules);
    let failed = audit::failed(&findings, args.strict);
    match format {
        Format::Json => {
            let coverage: Vec<Value> = audit::coverage(&findings)
                .into_iter()
                .map(|(domain, counts)| {
                    let counts: serde_json::Map<String, Value> = counts
                        .into_iter()
                        .map(|(class, n)| {
                            (
                                serde_json::to_value(class)
                                    .ok()
                                    .and_then(|v| v.as_str().map(str::to_string))
                                    .unwrap_or_default(),
                                json!(n),
                            )
                        })
                        .collect();
                    json!({ "domain": domain, "counts": counts })
                })
                .collect();
            print_json(&json!({
                "ok": !failed,
                "mode": mode,
                "strict": args.strict,
                "urls": findings.len(),
                "coverage": coverage,
                "findings": findings,
            }));
        }
        Format::Github => print!("{}", audit::render_github(&findings, args.strict)),
        Format::Human => print!(
            "{}",
            audit::render_human(
                &findings,
                &format!("audit of {} old URLs ({mode})", findings.len()),
                args.strict
            )
        ),
    }
    if failed {
        Status::Problems
    } else {
        Status::Clean
    }
}

fn list(site: &Site, region: Option<&str>, format: Format) -> Status {
    let tables = match tables(site, region) {
        Ok(tables) => tables,
        Err(status) => return status,
    };
    if format == Format::Json {
        let regions: Vec<Value> = tables.iter().map(|t| list_json(site, t)).collect();
        print_json(&json!({ "regions": regions }));
        return Status::Clean;
    }
    for table in tables {
        let (statics, dynamics) = ordered(table, site.model.config.cloudflare_bulk());
        println!(
            "{} ({}): {} rules",
            table.domain,
            table.target.name(),
            statics.len() + dynamics.len()
        );
        for index in statics.into_iter().chain(dynamics) {
            let rule = &table.rules[index];
            let place = rule.span.position();
            let written = written(table, index);
            println!(
                "  {} {} {}{}    # {}{} {}:{}",
                rule.from,
                written.to,
                written.status,
                if rule.force { "!" } else { "" },
                rule.kind.describe(),
                if table.twins.contains(&index) {
                    " (trailing-slash twin)"
                } else {
                    ""
                },
                place.file,
                place.line
            );
        }
    }
    Status::Clean
}

fn list_json(site: &Site, table: &RuleTable) -> Value {
    let (statics, dynamics) = ordered(table, site.model.config.cloudflare_bulk());
    let rules: Vec<Value> = statics
        .into_iter()
        .chain(dynamics)
        .map(|index| {
            let rule = &table.rules[index];
            let written = written(table, index);
            json!({
                "from": rule.from.to_string(),
                "to": rule.to.as_str(),
                "status": rule.status,
                "written_to": written.to,
                "written_status": written.status,
                "force": rule.force,
                "static": rule.from.is_static(),
                "twin": table.twins.contains(&index),
                "source": source(rule),
            })
        })
        .collect();
    json!({
        "region": site.model.region(table.region).id.as_str(),
        "domain": table.domain,
        "target": table.target,
        "rules": rules,
    })
}

fn export(site: &Site, to: ExportFormat, region: Option<&str>, output: &Path) -> Status {
    let tables = match tables(site, region) {
        Ok(tables) => tables,
        Err(status) => return status,
    };
    let text = |table: &RuleTable| match to {
        ExportFormat::Redirects => redirects_file(table, site.model.config.cloudflare_bulk()),
        ExportFormat::Vercel => vercel_json(table),
        ExportFormat::CloudflareBulk => cloudflare_bulk_csv(table),
    };
    if region.is_some() {
        print!("{}", text(tables[0]));
        return Status::Clean;
    }
    let name = match to {
        ExportFormat::Redirects => "_redirects",
        ExportFormat::Vercel => "vercel.json",
        ExportFormat::CloudflareBulk => "bulk-redirects.csv",
    };
    let files: Vec<(std::path::PathBuf, String)> = tables
        .iter()
        .map(|table| (output.join(&table.domain).join(name), text(table)))
        .collect();
    match write_export(output, &files) {
        Ok(()) => {
            for (path, _) in &files {
                eprintln!("wrote {}", path.display());
            }
            Status::Clean
        }
        Err(why) => {
            eprintln!("error: {why}");
            Status::CouldNotRun
        }
    }
}

/// The file that marks a folder as written by `export`: only such a folder (or a
/// new or empty one) is written into, so nothing handover did not write is replaced.
const EXPORT_MARKER: &str = ".handover-export";

fn write_export(output: &Path, files: &[(std::path::PathBuf, String)]) -> Result<(), String> {
    let shown = output.display();
    if output.exists() {
        let empty = std::fs::read_dir(output)
            .map_err(|e| format!("cannot read {shown}: {e}"))?
            .next()
            .is_none();
        if !empty && !output.join(EXPORT_MARKER).is_file() {
            return Err(format!(
                "{shown} is not empty and was not written by `handover redirects export`\n  = help: pass --output with a new or empty folder"
            ));
        }
    }
    std::fs::create_dir_all(output).map_err(|e| format!("cannot create {shown}: {e}"))?;
    std::fs::write(
        output.join(EXPORT_MARKER),
        "Written by `handover redirects export`; the next export replaces the files here.\n",
    )
    .map_err(|e| format!("cannot write in {shown}: {e}"))?;
    for (path, text) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
