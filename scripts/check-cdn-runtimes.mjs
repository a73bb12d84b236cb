// Proves the redirects on the CDNs' own runtimes, offline: for each target
// (Netlify, Cloudflare) it builds the bundled site with that `target:` into a temp
// folder, serves every domain folder with the CDN's local runtime (one process
// per domain, all domains at once), requests every old URL of
// redirects/old-urls.txt from the domain's runtime, and compares the status and
// `Location` with what `handover redirects explain --format json` predicts.
// A mismatch fails, printing the URL, the prediction and the runtime's answer.
//
//   node scripts/check-cdn-runtimes.mjs [--target netlify|cloudflare] [--bin path]
//
// Runtimes (pinned in package.json): `wrangler pages dev` (wrangler 3, which runs
// workerd, Cloudflare's runtime) and `netlify dev --offline
// --internal-disable-edge-functions` (netlify-cli 23).
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, openSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const root = resolve(new URL('..', import.meta.url).pathname);
const bin = resolve(option('--bin', join(root, 'target/release/handover')));
const targets = option('--target', 'netlify,cloudflare').split(',');
const inventory = join(root, 'redirects/old-urls.txt');
const bins = join(root, 'node_modules/.bin');
const READY_TIMEOUT_MS = 180_000;
const REQUEST_TIMEOUT_MS = 15_000;

const children = [];
process.on('exit', () => {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

/** A copy of the bundled site with `target:` switched. */
function siteFor(target, work) {
  const site = join(work, 'site');
  for (const name of ['site.yaml', 'content', 'locales', 'themes', 'redirects']) {
    cpSync(join(root, name), join(site, name), { recursive: true });
  }
  const config = readFileSync(join(site, 'site.yaml'), 'utf8');
  const switched = config.replace(/^target: .*$/m, `target: ${target}`);
  if (!switched.includes(`target: ${target}`)) throw new Error('site.yaml has no `target:` line');
  writeFileSync(join(site, 'site.yaml'), switched);
  return site;
}

function handover(site, ...rest) {
  return execFileSync(bin, ['--root', site, ...rest], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Starts the runtime for one domain folder; resolves with its port once it answers. */
async function serve(target, folder, port, work) {
  const cwd = join(work, `run-${port}`);
  mkdirSync(cwd, { recursive: true });
  // netlify dev's static server listens on 3999 unless told otherwise; its config
  // lives in the working folder, not in the deployed one.
  writeFileSync(join(cwd, 'netlify.toml'), `[dev]\nstaticServerPort = ${port + 2000}\n`);
  const command =
    target === 'cloudflare'
      ? [
          join(bins, 'wrangler'),
          // Each runtime needs its own inspector port to run beside the others.
          ['pages', 'dev', folder, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(port + 1000),
            '--compatibility-date', '2025-07-18'],
        ]
      : [
          join(bins, 'netlify'),
          ['dev', '--offline', '--internal-disable-edge-functions', '--dir', folder, '--port', String(port)],
        ];
  // The runtime's output goes to a file, not a pipe: the audit below runs
  // handover synchronously, and a pipe nobody drains meanwhile fills up and stalls
  // wrangler, which logs every request.
  const logFile = join(cwd, 'runtime.log');
  const logFd = openSync(logFile, 'w');
  const child = spawn(command[0], command[1], {
    cwd,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, BROWSER: 'none', NETLIFY_TELEMETRY_DISABLED: '1', WRANGLER_SEND_METRICS: 'false' },
  });
  children.push(child);
  const started = Date.now();
  while (Date.now() - started < READY_TIMEOUT_MS) {
    if (child.exitCode !== null) throw new Error(`${target} runtime for ${folder} exited:\n${readFileSync(logFile, 'utf8')}`);
    const answer = await request(port, 'localhost', '/').catch(() => null);
    if (answer) return child;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${target} runtime for ${folder} did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${readFileSync(logFile, 'utf8')}`);
}

/** One request with the path exactly as given (no client-side normalising). */
function request(port, host, path) {
  return new Promise((done, fail) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'GET', headers: { host }, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode, location: res.headers.location ?? null }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end();
  });
}

/** A Location on the runtime's own origin is a path, as handover writes it. */
function normalise(location, port) {
  if (location === null) return null;
  for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
    if (location.startsWith(origin)) return location.slice(origin.length) || '/';
  }
  return location;
}

async function checkDomain(target, domain, port, cases) {
  const mismatches = [];
  for (const c of cases) {
    const answer = await request(port, domain, c.path).catch((e) => ({ status: `error: ${e.message}`, location: null }));
    const got = { status: answer.status, location: normalise(answer.location, port) };
    const want = { status: c.prediction.status, location: c.prediction.location ?? null };
    if (got.status !== want.status || got.location !== want.location) {
      mismatches.push({ url: c.url, predicted: want, runtime: got });
    }
  }
  return { domain, requested: cases.length, matched: cases.length - mismatches.length, mismatches };
}

let failed = false;
let requested = 0;
const summary = [];
for (const target of targets) {
  const work = mkdtempSync(join(tmpdir(), `handover-${target}-`));
  try {
    const site = siteFor(target, work);
    const output = join(work, 'public');
    handover(site, 'build', '--output', output);
    const predictions = JSON.parse(handover(site, '--format', 'json', 'redirects', 'explain', '--input', inventory));
    const byDomain = new Map();
    for (const prediction of predictions) {
      const url = new URL(prediction.url);
      // The path exactly as written in the inventory (URL() would normalise it).
      const path = prediction.url.slice(prediction.url.indexOf('/', 'https://'.length));
      if (!byDomain.has(url.host)) byDomain.set(url.host, []);
      byDomain.get(url.host).push({ url: prediction.url, path, prediction });
    }
    const domains = [...byDomain.keys()].sort();
    const base = target === 'cloudflare' ? 8800 : 8900;
    await Promise.all(domains.map((domain, i) => serve(target, join(output, domain), base + i, work)));
    const results = await Promise.all(
      domains.map((domain, i) => checkDomain(target, domain, base + i, byDomain.get(domain))),
    );
    // The live audit, asking the same runtimes, must tell what the offline one tells.
    const resolve = domains.flatMap((domain, i) => ['--resolve', `${domain}=127.0.0.1:${base + i}`]);
    const audit = (...extra) =>
      JSON.parse(
        (() => {
          try {
            return handover(site, '--format', 'json', 'redirects', 'audit', ...extra, inventory);
          } catch (e) {
            return e.stdout; // exit 1 still prints the report
          }
        })(),
      ).findings;
    const offline = audit();
    const live = audit('--live', ...resolve);
    let auditMismatches = 0;
    const key = (f) => `${f.class} ${f.status} ${f.location} ${f.final}`;
    offline.forEach((o, i) => {
      if (key(o) !== key(live[i])) {
        auditMismatches += 1;
        failed = true;
        console.error(
          `AUDIT MISMATCH ${target} ${o.url}\n  offline: ${key(o)}\n  live:    ${key(live[i])}${live[i].why ? ` (${live[i].why})` : ''}`,
        );
      }
    });
    const classes = {};
    for (const f of live) classes[f.class] = (classes[f.class] ?? 0) + 1;
    const auditLine = (
      `${target.padEnd(10)} audit --live: ${live.length - auditMismatches}/${live.length} as offline (${Object.entries(classes)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')})`
    );
    for (const r of results) {
      requested += r.requested;
      summary.push(`${target.padEnd(10)} ${r.domain.padEnd(10)} ${r.matched}/${r.requested} answered as predicted`);
      for (const m of r.mismatches) {
        failed = true;
        console.error(
          `MISMATCH ${target} ${m.url}\n  predicted: ${m.predicted.status} ${m.predicted.location ?? ''}\n  runtime:   ${m.runtime.status} ${m.runtime.location ?? ''}`,
        );
      }
    }
    summary.push(auditLine);
  } finally {
    for (const child of children.splice(0)) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    rmSync(work, { recursive: true, force: true });
  }
}
console.log(summary.join('\n'));
console.log(
  failed
    ? `cdn runtimes: mismatches found (${requested} requests)`
    : `cdn runtimes: every answer as predicted (${requested} requests, ${targets.join(' and ')})`,
);
process.exit(failed ? 1 : 0);
