// Parses every generated `_redirects` with Netlify's own published parser
// (@netlify/redirect-parser) and checks it reads exactly the rules handover wrote:
// zero errors, the same number of rules, and the same source, destination, status
// and force on every line.
//
//   node scripts/check-redirects.mjs public [more folders...]
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllRedirects } from '@netlify/redirect-parser';

const roots = process.argv.slice(2);
if (roots.length === 0) {
  console.error('usage: node scripts/check-redirects.mjs <output folder>...');
  process.exit(2);
}

function redirectsFiles(root) {
  return readdirSync(root)
    .map((name) => join(root, name, '_redirects'))
    .filter((file) => existsSync(file) && statSync(file).isFile())
    .sort();
}

function writtenRules(text) {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const [from, to, status] = line.trim().split(/\s+/);
      return { from, to, status: Number.parseInt(status, 10), force: status.endsWith('!') };
    });
}

let failures = 0;
let files = 0;
let rules = 0;
for (const root of roots) {
  for (const file of redirectsFiles(root)) {
    files += 1;
    const expected = writtenRules(readFileSync(file, 'utf8'));
    const { redirects, errors } = await parseAllRedirects({ redirectsFiles: [file], minimal: false });
    const problems = errors.map((e) => `parser error: ${e.message ?? e}`);
    if (redirects.length !== expected.length) {
      problems.push(`Netlify read ${redirects.length} rules, handover wrote ${expected.length}`);
    }
    redirects.forEach((parsed, i) => {
      const want = expected[i];
      if (!want) return;
      const got = { from: parsed.from, to: parsed.to, status: parsed.status, force: parsed.force };
      // The parser turns `*` into `/*` paths and keeps `:splat`; compare what it read.
      if (got.from !== want.from || got.to !== want.to || got.status !== want.status || got.force !== want.force) {
        problems.push(`rule ${i + 1}: wrote ${JSON.stringify(want)}, Netlify read ${JSON.stringify(got)}`);
      }
    });
    rules += expected.length;
    if (problems.length > 0) {
      failures += problems.length;
      console.error(`${file}:\n  ${problems.join('\n  ')}`);
    }
  }
}
console.log(`netlify redirect-parser: ${files} _redirects files, ${rules} rules; ${failures} problem(s)`);
process.exit(failures === 0 && files > 0 ? 0 : 1);
