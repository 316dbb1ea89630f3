#!/usr/bin/env node
// Lighthouse 12.2.3 (desktop preset) in Debian's headless Chromium on the
// pages a newcomer sees first (the home page, the catalog and a course page)
// and on the pages people work in every day: the instructor's dashboard and
// course editor, and the administrators' payments. Prints every score and
// fails when performance, accessibility or best practices is under 95 on any
// of them. It starts no server: give it the base URL of a server with a
// published course (the web check leaves several); the newest one's page is
// measured. For the signed-in pages it registers an instructor with a course
// of their own, and signs in as the administrator it is given.
//
// Usage: ADMIN_EMAIL=… ADMIN_PASSWORD=… node check.mjs http://127.0.0.1:PORT [OUT_DIR]
import fs from 'node:fs';
import path from 'node:path';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import puppeteer from 'puppeteer-core';

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

async function api(method, route, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${route}`, { method, headers, body: body && JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
// The pages read the session the API hands out from their cookie, which is
// put in the browser before Lighthouse loads the page (its storage reset
// leaves cookies alone).
const signedIn = (token) => token;
const run = Date.now().toString(36);
const password = 'correct horse battery staple';
const teacher = `lighthouse-${run}@example.org`;
await api('POST', '/api/v1/auth/register', { email: teacher, password, full_name: 'Dr. Lena Brandt', role: 'instructor', timezone: 'Europe/Berlin' });
const teacherToken = (await api('POST', '/api/v1/auth/login', { email: teacher, password })).token;
const draft = await api('POST', '/api/v1/courses', {
  title: `Neonatal resuscitation ${run}`,
  summary: 'The first minutes after birth: airway, breathing, circulation.',
  description: '## Outline\n\n- Drying and stimulation\n- **Inflation breaths**\n- Chest compressions',
  category: 'Paediatrics', level: 'intermediate', price_minor: 6900, currency: 'EUR',
}, teacherToken);
const adminEmail = process.env.ADMIN_EMAIL;
const adminPassword = process.env.ADMIN_PASSWORD;
if (!adminEmail || !adminPassword) {
  console.error('ADMIN_EMAIL and ADMIN_PASSWORD name the administrator whose payments page is measured');
  process.exit(2);
}
const adminToken = (await api('POST', '/api/v1/auth/login', { email: adminEmail, password: adminPassword })).token;
fs.mkdirSync(outDir, { recursive: true });
const MINIMUM = 95;
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM || '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'],
});
let failed = 0;
try {
  const pages = [
    ['home', '/'],
    ['catalog', '/courses'],
    ['course', coursePath],
    ['instructor-dashboard', '/teach', signedIn(teacherToken)],
    ['course-editor', `/teach/courses/${draft.id}`, signedIn(teacherToken)],
    ['admin-payments', '/admin/payments', signedIn(adminToken)],
  ];
  const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
  for (const [name, route, session] of pages) {
    if (session) {
      const [tab] = await browser.pages();
      await tab.setCookie({ name: 'medicaledu_session', value: session, url: base, httpOnly: true, sameSite: 'Lax' });
    }
    const result = await lighthouse(`${base}${route}`, {
      port: chrome.port,
      output: 'html',
      logLevel: 'error',
      onlyCategories: CATEGORIES,
    }, desktopConfig);
    if (new URL(result.lhr.finalDisplayedUrl).pathname !== route) {
      failed += 1;
      console.log(`lighthouse ${name}: ${route} ended at ${result.lhr.finalDisplayedUrl}, not the page meant`);
      continue;
    }
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
  await browser.disconnect();
} finally {
  await chrome.kill();
}
console.log(failed ? `lighthouse: ${failed} score(s) under ${MINIMUM}; reports in ${outDir}` : `lighthouse: every score at least ${MINIMUM}; reports in ${outDir}`);
process.exit(failed ? 1 : 0);
