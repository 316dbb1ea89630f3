#!/usr/bin/env node
// Lighthouse 12.2.3 (desktop preset) in Debian's headless Chromium on the
// pages a newcomer sees first: the home page, the catalog and a course page.
// Prints every score and fails when performance, accessibility or best
// practices is under 95 on any of them. It starts no server and seeds
// nothing: give it the base URL of a server with a published course (the web
// check leaves several); the newest one's page is measured.
//
// Usage: node check.mjs http://127.0.0.1:PORT [OUT_DIR]
import fs from 'node:fs';
import path from 'node:path';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';

const [base, outDir = 'target/lighthouse'] = process.argv.slice(2);
if (!base) {
  console.error('usage: node check.mjs BASE_URL [OUT_DIR]');
  process.exit(2);
}
const newest = await (await fetch(`${base}/api/v1/courses?limit=1`)).json();
if (!newest.items || newest.items.length === 0) {
  console.error('no published course to measure');
  process.exit(2);
}
const coursePath = `/courses/${newest.items[0].slug}`;
fs.mkdirSync(outDir, { recursive: true });
const MINIMUM = 95;
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'],
});
let failed = 0;
try {
  for (const [name, route] of [['home', '/'], ['catalog', '/courses'], ['course', coursePath]]) {
    const result = await lighthouse(`${base}${route}`, {
      port: chrome.port,
      output: 'html',
      logLevel: 'error',
      onlyCategories: CATEGORIES,
    }, desktopConfig);
    fs.writeFileSync(path.join(outDir, `${name}.html`), result.report);
    const scores = CATEGORIES.map((id) => [id, Math.round(result.lhr.categories[id].score * 100)]);
    console.log(`lighthouse ${name} (${route}): ${scores.map(([id, s]) => `${id} ${s}`).join(', ')}`);
    for (const [id, score] of scores) {
      if (score < MINIMUM) {
        failed += 1;
        console.log(`  ${id} is under ${MINIMUM}; what it found:`);
        for (const ref of result.lhr.categories[id].auditRefs) {
          const audit = result.lhr.audits[ref.id];
          if (ref.weight > 0 && audit.score !== null && audit.score < 0.9) {
            console.log(`    - ${audit.id}: ${audit.title} (${audit.displayValue || Math.round(audit.score * 100)})`);
          }
        }
      }
    }
  }
} finally {
  await chrome.kill();
}
console.log(failed ? `lighthouse: ${failed} score(s) under ${MINIMUM}; reports in ${outDir}` : `lighthouse: every score at least ${MINIMUM}; reports in ${outDir}`);
process.exit(failed ? 1 : 0);
