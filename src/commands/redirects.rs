//! `handover redirects explain|list|export`: the redirect table, as people and
//! other tools need to see it.

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

use super::{load_site, print_json, Cli, Status};
use crate::diagnostics::Format;
use crate::pipeline::Site;
use crate::redirects::lookup::{resolve, End, Resolution};
use crate::redirects::pattern::RequestPath;
use crate::redirects::write::{
    cloudflare_bulk_csv, final_destination, ordered, redirects_file, vercel_json,
};
use crate::redirects::{Rule, RuleTable};

/// Shows and exports the redirect rules of every regional domain.
#[derive(Debug, Args)]
pub struct RedirectsArgs {
    #[command(subcommand)]
    pub command: RedirectsCommand,
}

#[derive(Debug, Subcommand)]
pub enum RedirectsCommand {
    /// Which rule answers a URL, from which file and line, each hop, and where it ends.
    Explain {
        /// A full URL (`https://uk.po.co/product/poco-f6`), or a path with --region.
        url: String,
        /// The region whose domain answers a bare path.
        #[arg(long)]
        region: Option<String>,
    },
    /// Every rule of every region (or one), in the order they are written.
    List {
        #[arg(long)]
        region: Option<String>,
    },
    /// Prints one region's rules in another format, for hosts other than the target.
    Export {
        /// `redirects` (the target's _redirects), `vercel` (vercel.json), or
        /// `cloudflare-bulk` (Cloudflare Bulk Redirects CSV).
        #[arg(long = "to", value_enum)]
        to: ExportFormat,
        #[arg(long)]
        region: Option<String>,
    },
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
            RedirectsCommand::Explain { url, region } => {
                explain(&site, url, region.as_deref(), cli.format)
            }
            RedirectsCommand::List { region } => list(&site, region.as_deref(), cli.format),
            RedirectsCommand::Export { to, region } => export(&site, *to, region.as_deref()),
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

/// Splits `https://domain/path?query` (or a bare path) into the table and the path.
fn locate<'a>(
    site: &'a Site,
    url: &str,
    region: Option<&str>,
) -> Result<(&'a RuleTable, RequestPath), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    let (table, path) = if rest.starts_with('/') {
        let tables = tables(site, region).map_err(|_| String::new())?;
        match tables[..] {
            [one] => (one, rest),
            _ => {
                return Err(
                    "a bare path needs --region (or give the full URL with its domain)".to_string(),
                )
            }
        }
    } else {
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let table = site
            .redirects
            .iter()
            .find(|t| t.domain == host)
            .ok_or_else(|| {
                let domains: Vec<&str> = site.redirects.iter().map(|t| t.domain.as_str()).collect();
                format!(
                    "no region serves `{host}`; the domains are: {}",
                    domains.join(", ")
                )
            })?;
        (table, if path.is_empty() { "/" } else { path })
    };
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let request = RequestPath::parse(path).map_err(|why| format!("the path `{path}` {why}"))?;
    Ok((table, request))
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

fn explain(site: &Site, url: &str, region: Option<&str>, format: Format) -> Status {
    let (table, request) = match locate(site, url, region) {
        Ok(found) => found,
        Err(why) => {
            if !why.is_empty() {
                eprintln!("error: {why}");
            }
            return Status::CouldNotRun;
        }
    };
    let resolution = resolve(table, &request);
    if format == Format::Json {
        print_json(&explain_json(site, table, &resolution));
    } else {
        print!("{}", explain_text(site, table, &resolution));
    }
    Status::Clean
}

fn explain_json(site: &Site, table: &RuleTable, resolution: &Resolution) -> Value {
    let (status, location) = resolution.first_response();
    let hops: Vec<Value> = resolution
        .hops
        .iter()
        .map(|hop| {
            let rule = &table.rules[hop.rule];
            json!({
                "path": hop.path,
                "rule": { "from": rule.from.to_string(), "to": rule.to.as_str(), "status": rule.status, "force": rule.force },
                "source": source(rule),
                "location": hop.location,
                "status": hop.status,
            })
        })
        .collect();
    json!({
        "region": site.model.region(table.region).id.as_str(),
        "domain": table.domain,
        "target": table.target,
        "request": resolution.request,
        "hops": hops,
        "end": resolution.end,
        "status": status,
        "location": location,
    })
}

fn explain_text(site: &Site, table: &RuleTable, resolution: &Resolution) -> String {
    let mut text = format!(
        "https://{}{} (region {}, {})\n",
        table.domain,
        resolution.request,
        site.model.region(table.region).id,
        table.target.name()
    );
    for (step, hop) in resolution.hops.iter().enumerate() {
        let rule = &table.rules[hop.rule];
        let place = rule.span.position();
        text.push_str(&format!(
            "  {}. {} matches `{} {} {}{}` ({}, {}:{}:{})\n     -> {} {}\n",
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
    text.push_str(&format!("final: {end}\n"));
    text
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
            println!(
                "  {} {} {}{}    # {} {}:{}",
                rule.from,
                final_destination(table, index),
                rule.status,
                if rule.force { "!" } else { "" },
                rule.kind.describe(),
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
            json!({
                "from": rule.from.to_string(),
                "to": final_destination(table, index),
                "written_to": rule.to.as_str(),
                "status": rule.status,
                "force": rule.force,
                "static": rule.from.is_static(),
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

fn export(site: &Site, to: ExportFormat, region: Option<&str>) -> Status {
    let tables = match tables(site, region) {
        Ok(tables) => tables,
        Err(status) => return status,
    };
    let [table] = tables[..] else {
        eprintln!("error: export writes one region's rules\n  = help: add --region <id>");
        return Status::CouldNotRun;
    };
    let text = match to {
        ExportFormat::Redirects => redirects_file(table, site.model.config.cloudflare_bulk()),
        ExportFormat::Vercel => vercel_json(table),
        ExportFormat::CloudflareBulk => cloudflare_bulk_csv(table),
    };
    print!("{text}");
    Status::Clean
}
