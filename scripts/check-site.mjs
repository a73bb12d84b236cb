// Checks the built site in a real browser: axe-core (WCAG 2 A and AA) on every page
// of every domain, in light and dark colour schemes; each page plus its CSS under
// 30 KB; no request leaves the site; and, for each region's notice at 390 px and
// 1280 px wide, that the main heading, the store link and the language switcher are
// visible, the header padded and the menu on one row (two on a phone); and, on a
// 390x844 phone screen, that every page's main heading lies
// within the first screen, its top in the upper 40 % (a header that grows, say a
// menu wrapping onto four rows, pushes it down and fails). Screenshots go to the
// folder given with --screenshots.
//
// Usage: node scripts/check-site.mjs <public dir> [--screenshots <dir>]
//
// Pages are opened at their real https:// URLs; every request is answered from the
// built folders, so nothing reaches the network and links between domains work.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const args = process.argv.slice(2);
const publicDir = path.resolve(args[0] ?? 'public');
const shotsAt = args.indexOf('--screenshots');
const shotsDir = shotsAt >= 0 ? path.resolve(args[shotsAt + 1]) : null;
const MAX_BYTES = 30 * 1024;
const PHONE = { width: 390, height: 844 };
// The highest the main heading's top may start on the phone screen, in CSS pixels.
const PHONE_H1_MAX_TOP = Math.round(PHONE.height * 0.4);

const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.xml': 'application/xml', '.txt': 'text/plain' };

function fileFor(url) {
  const u = new URL(url);
  const root = path.join(publicDir, u.hostname);
  let rel = decodeURIComponent(u.pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const full = path.join(root, rel);
  if (!full.startsWith(root + path.sep)) return null;
  return fs.existsSync(full) && fs.statSync(full).isFile() ? full : null;
}

// The domain folders: the build also leaves files beside them (`.handover-output`).
function domains() {
  return fs.readdirSync(publicDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))
    .map((e) => e.name).sort();
}

function htmlPages() {
  const pages = [];
  for (const domain of domains()) {
    const walk = (dir) => {
      for (const name of fs.readdirSync(dir).sort()) {
        const full = path.join(dir, name);
        if (fs.statSync(full).isDirectory()) walk(full);
        else if (name.endsWith('.html')) {
          const rel = path.relative(path.join(publicDir, domain), full).split(path.sep).join('/');
          pages.push({ domain, file: full,
            url: `https://${domain}/${rel.replace(/(^|\/)index\.html$/, '$1')}` });
        }
      }
    };
    walk(path.join(publicDir, domain));
  }
  return pages;
}

const failures = [];
const fail = (msg) => { failures.push(msg); console.error(`FAIL ${msg}`); };

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handover-chromium-'));
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
await browser.route('**/*', async (route) => {
  const url = route.request().url();
  const host = new URL(url).hostname;
  if (!fs.existsSync(path.join(publicDir, host))) {
    // A link to the new store or any third party: never fetched.
    return route.fulfill({ status: 204, body: '' });
  }
  const file = fileFor(url);
  if (!file) {
    const notFound = path.join(publicDir, host, '404.html');
    return route.fulfill({ status: 404, contentType: types['.html'], body: fs.readFileSync(notFound) });
  }
  return route.fulfill({ status: 200, contentType: types[path.extname(file)] ?? 'application/octet-stream',
    body: fs.readFileSync(file) });
});

const page = browser.pages()[0] ?? await browser.newPage();
const external = [];
page.on('request', (req) => {
  const host = new URL(req.url()).hostname;
  if (!fs.existsSync(path.join(publicDir, host))) external.push(req.url());
});

const pages = htmlPages();
let checked = 0;
for (const { domain, file, url } of pages) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    await page.setViewportSize({ width: 1280, height: 900 });
    external.length = 0;
    await page.goto(url, { waitUntil: 'load' });
    if (external.length) fail(`${url}: requests outside the site: ${external.join(', ')}`);
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(() =>
      // eslint-disable-next-line no-undef
      axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
    for (const v of result.violations) {
      fail(`${url} (${scheme}): axe ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
    }
    checked++;
  }
  const css = await page.evaluate(() =>
    [...document.querySelectorAll('link[rel=stylesheet]')].map((l) => l.getAttribute('href')));
  const weight = fs.statSync(file).size + css.reduce((sum, href) => {
    const f = fileFor(new URL(href, url).href);
    return sum + (f ? fs.statSync(f).size : 0);
  }, 0);
  if (weight > MAX_BYTES) fail(`${url}: page plus CSS is ${weight} bytes, over ${MAX_BYTES}`);
}

// Every page on a phone: the main heading on the first screen, near its top.
await page.emulateMedia({ colorScheme: 'light' });
await page.setViewportSize(PHONE);
let highest = null;
for (const { url } of pages) {
  await page.goto(url, { waitUntil: 'load' });
  const h1 = page.locator('main h1').first();
  const box = (await h1.count()) ? await h1.boundingBox() : null;
  if (!box) { fail(`${url} at ${PHONE.width}x${PHONE.height}: no visible main heading`); continue; }
  const bottom = box.y + box.height;
  if (box.y > PHONE_H1_MAX_TOP || bottom > PHONE.height) {
    fail(`${url} at ${PHONE.width}x${PHONE.height}: the main heading spans y=${Math.round(box.y)}-${Math.round(bottom)}; ` +
      `it must start by y=${PHONE_H1_MAX_TOP} and end on the first screen`);
  }
  if (!highest || box.y > highest.y) highest = { url, y: Math.round(box.y), bottom: Math.round(bottom) };
  // A visitor who lands on a dead address can still change language.
  if (url.endsWith('/404.html') && pages.some((p) => p.domain !== new URL(url).hostname)
    && !(await page.locator('nav.languages').isVisible())) {
    fail(`${url}: the not-found page has no language switcher`);
  }
}
if (highest) {
  console.log(`fold: main heading on the first ${PHONE.width}x${PHONE.height} screen on all ${pages.length} pages; ` +
    `lowest starts at y=${highest.y} (ends ${highest.bottom}) on ${highest.url}`);
}

// The notice of each region, on a phone and a desktop.
if (shotsDir) fs.mkdirSync(shotsDir, { recursive: true });
for (const domain of domains()) {
  const home = `https://${domain}/`;
  for (const width of [390, 1280]) {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
    await page.goto(home, { waitUntil: 'load' });
    // A multi-locale domain's root offers the languages: check its first language.
    if (await page.locator('h1').count() && !(await page.locator('a.button').count())) {
      const first = page.locator('main a').first();
      if (await first.count()) await page.goto(new URL(await first.getAttribute('href'), home).href);
    }
    for (const [what, selector] of [['main heading', 'main h1'], ['store link', 'main a.button'],
      ['language switcher', 'nav.languages']]) {
      const el = page.locator(selector).first();
      if (!(await el.count()) || !(await el.isVisible())) fail(`${home} at ${width}px: ${what} (${selector}) not visible`);
    }
    const box = await page.locator('main a.button').first().boundingBox();
    if (box && box.x + box.width > width) fail(`${home} at ${width}px: the store link overflows the screen`);
    // The header keeps its padding (a later rule once reset it, and the brand
    // touched the top of the window), and the menu fits on one row on a desktop
    // and two on a phone.
    const brand = await page.locator('.brand').first().boundingBox();
    if (brand && brand.y < 8) fail(`${home} at ${width}px: the brand is ${Math.round(brand.y)}px from the top of the window`);
    const rows = new Set(await page.locator('.site-nav li').evaluateAll((items) =>
      items.map((li) => Math.round(li.getBoundingClientRect().top))));
    const maxRows = width < 600 ? 2 : 1;
    if (rows.size > maxRows) fail(`${home} at ${width}px: the menu takes ${rows.size} rows (at most ${maxRows})`);
    if (shotsDir) {
      await page.screenshot({ path: path.join(shotsDir, `${domain}-${width}.png`), fullPage: false });
    }
  }
}

await browser.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
console.log(`axe: ${checked} page views checked (${pages.length} pages x light/dark); ${failures.length} failure(s)`);
process.exit(failures.length ? 1 : 0);
