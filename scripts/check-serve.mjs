// `handover serve` in a real browser (Debian's headless Chromium via playwright-core):
// open a region's notice, edit its Markdown file, and check the page shows the new
// text without a manual reload. Then, on a phone-sized window (390 x 844): a broken
// front matter shows the errors in a box that wraps its lines, leaves the last good
// page visible above it and folds away; a warning about the page shows folded in a
// small panel. With `--bench N`, repeat N edits and report the save-to-reloaded-page
// time (median and max).
//
//   node scripts/check-serve.mjs                 # the browser test (CI)
//   node scripts/check-serve.mjs --bench 20      # the save-to-reload benchmark
//
// Uses target/release/handover (HANDOVER=<path> for another binary) on a copy of
// the bundled site, so the repository is never edited.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const binary = process.env.HANDOVER ?? path.join(repo, 'target/release/handover');
const benchIndex = process.argv.indexOf('--bench');
const edits = benchIndex > 0 ? Number.parseInt(process.argv[benchIndex + 1] ?? '20', 10) : 1;

const site = fs.mkdtempSync(path.join(os.tmpdir(), 'handover-serve-'));
for (const entry of ['site.yaml', 'content', 'locales', 'themes', 'redirects']) {
  fs.cpSync(path.join(repo, entry), path.join(site, entry), { recursive: true });
}
const page = path.join(site, 'content/en-GB/index.md');
const original = fs.readFileSync(page, 'utf8');

// A port the system says is free now (a random one collided with another
// program's connection in CI).
const port = await new Promise((resolve, reject) => {
  const probe = net.createServer();
  probe.on('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const server = spawn(binary, ['--root', site, 'serve', '--port', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
let serverLog = '';
const ready = new Promise((resolve, reject) => {
  server.stderr.on('data', (chunk) => {
    serverLog += chunk;
    if (serverLog.includes('the list of regions')) resolve();
  });
  server.on('exit', (code) => reject(new Error(`handover serve exited (${code}):\n${serverLog}`)));
});
await ready;

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handover-chromium-'));
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
// The notice links to the new store: never fetch anything but the preview.
await browser.route('**/*', (route) => {
  const host = new URL(route.request().url()).hostname;
  return host.endsWith('localhost') ? route.continue() : route.fulfill({ status: 204, body: '' });
});

let failed = false;
const timings = [];
const baseline = [];
try {
  const tab = await browser.newPage();
  // The preview sends the site's Content-Security-Policy: its own script and
  // reload channel must work under it, and nothing of the page may be refused.
  const refused = [];
  tab.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
  });
  const url = `http://uk.localhost:${port}/`;
  await tab.goto(url, { waitUntil: 'load' });
  const heading = await tab.textContent('h1');
  if (!heading || heading.trim() === '') throw new Error('the UK notice has no heading');
  await tab.waitForTimeout(300); // the reload channel connects after load
  if (benchIndex > 0) {
    // Baseline from the same run: the browser reloading the page by itself, which
    // every save-to-reload includes.
    for (let i = 0; i < edits; i += 1) {
      const started = performance.now();
      await tab.reload({ waitUntil: 'load' });
      baseline.push(performance.now() - started);
    }
    await tab.waitForTimeout(300);
  }
  let navigations = 0;
  tab.on('framenavigated', () => { navigations += 1; });
  for (let i = 0; i < edits; i += 1) {
    const marker = `Edited in the preview, save ${i + 1}.`;
    const loaded = tab.waitForEvent('load', { timeout: 10000 });
    const started = performance.now();
    fs.writeFileSync(page, `${original.trimEnd()}\n\n${marker}\n`);
    await loaded;
    const elapsed = performance.now() - started;
    const text = await tab.textContent('main');
    if (!text.includes(marker)) throw new Error(`the page reloaded without the new text: ${marker}`);
    timings.push(elapsed);
    await tab.waitForTimeout(150);
  }
  if (navigations < edits) throw new Error(`expected ${edits} reloads, saw ${navigations}`);
  console.log(`serve: the UK notice showed ${edits} edit(s) without a manual reload`);
  if (benchIndex < 0) await checkProblemsOnAPhone(tab);
  const csp = (await (await tab.goto(url, { waitUntil: 'load' })).allHeaders())['content-security-policy'] ?? '';
  if (!csp.startsWith("default-src 'none'")) throw new Error(`the preview sends no site CSP: ${csp}`);
  if (refused.length > 0) throw new Error(`the CSP refused something:\n${refused.join('\n')}`);
  console.log('serve: the page runs under the site\'s Content-Security-Policy with nothing refused');
} catch (error) {
  failed = true;
  console.error(`FAIL ${error.message}\n--- server log ---\n${serverLog}`);
} finally {
  fs.writeFileSync(page, original);
  await browser.close();
  server.kill('SIGINT');
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

/// Saves `text` to the page and waits for the reload it causes.
async function saveAndReload(tab, text) {
  const loaded = tab.waitForEvent('load', { timeout: 10000 });
  fs.writeFileSync(page, text);
  await loaded;
  await tab.waitForTimeout(300);
}

/// The box of problems at 390 x 844: readable, not over the whole page, foldable.
async function checkProblemsOnAPhone(tab) {
  await tab.setViewportSize({ width: 390, height: 844 });
  await saveAndReload(tab, original.replace(/^---\n/, '---\ntitel: oops\n'));
  const overlay = tab.locator('#handover-overlay');
  if (await overlay.count() !== 1) throw new Error('a broken front matter shows no error box');
  const box = await overlay.boundingBox();
  if (box.y < 844 * 0.3) throw new Error(`the error box starts at y=${box.y}: it hides the page`);
  if (box.width > 390) throw new Error(`the error box is ${box.width} px wide on a 390 px screen`);
  const clipped = await tab.$$eval('#handover-overlay pre', (pres) => pres.filter((p) => p.scrollWidth > p.clientWidth + 1).length);
  if (clipped > 0) throw new Error(`${clipped} error line(s) overflow the box instead of wrapping`);
  const text = await overlay.innerText();
  if (!text.includes('unknown key `titel`') || !text.includes('content/en-GB/index.md:2:1')) {
    throw new Error(`the error box does not say what and where: ${text}`);
  }
  // The last good page is there above the box, and all of it once the box is folded.
  const pageAbove = await tab.evaluate(() => !document.elementFromPoint(195, 40).closest('#handover-preview'));
  if (!pageAbove) throw new Error('the top of the page is covered');
  await tab.click('#handover-overlay summary');
  const folded = await overlay.boundingBox();
  if (folded.height > 80) throw new Error(`the folded error box is still ${folded.height} px high`);
  const heading = await tab.evaluate(() => {
    const h1 = document.querySelector('h1').getBoundingClientRect();
    const hit = document.elementFromPoint(h1.left + 5, h1.top + h1.height / 2);
    return hit && hit.closest('h1') !== null;
  });
  if (!heading) throw new Error('the heading of the last good page cannot be seen with the box folded');
  console.log(`serve: at 390 px the error box starts at y=${Math.round(box.y)} of 844, wraps its lines and folds to ${Math.round(folded.height)} px`);

  // A warning about this page only: folded to one line, readable when opened.
  const long = `description: ${'Where POCO customers find help now. '.repeat(6).trim()}`;
  await saveAndReload(tab, original.replace(/^description: .*$/m, long));
  // The edit is served first; the check's findings follow with one more reload.
  const panel = tab.locator('#handover-warnings');
  await panel.waitFor({ state: 'attached', timeout: 10000 }).catch(() => {});
  if (await tab.locator('#handover-overlay').count() !== 0) throw new Error('a warning opened the error box');
  if (await panel.count() !== 1) throw new Error('a long description shows no warning on its page');
  const closed = await panel.boundingBox();
  if (closed.height > 80) throw new Error(`the warnings panel is ${closed.height} px high before it is opened`);
  await tab.click('#handover-warnings summary');
  const warning = await panel.innerText();
  if (!warning.includes('content::long-description') || !warning.includes('content/en-GB/index.md:4:1')) {
    throw new Error(`the warnings panel does not say what and where: ${warning}`);
  }
  console.log('serve: a long description shows as a folded warning on its own page');
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
if (benchIndex > 0 && timings.length > 0) {
  const saved = median(timings);
  const reload = median(baseline);
  console.log(`save to reloaded page over ${timings.length} edits: median ${saved.toFixed(1)} ms, max ${Math.max(...timings).toFixed(1)} ms`);
  console.log(`baseline, the browser reloading the same page (same run): median ${reload.toFixed(1)} ms, max ${Math.max(...baseline).toFixed(1)} ms`);
  console.log(`ratio save-to-reload / plain reload: ${(saved / reload).toFixed(2)}x; handover's share (watch, debounce, rebuild, notify): ${(saved - reload).toFixed(1)} ms`);
}
fs.rmSync(site, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
