#!/usr/bin/env node
// Drives the schema viewer in a real browser: Debian's Chromium, headless,
// through playwright-core (pinned in package.json; it downloads no browser).
// It starts no server: give it the viewer's URL.
//
// Usage: node check.js http://127.0.0.1:PORT/schema [SCREENSHOT.png]
//
// Environment: CHROMIUM, the browser binary (default /usr/bin/chromium).
//
// It loads the page, checks that nothing came from another origin, clicks the
// `bookings` table and checks that its neighbours are highlighted and an
// unrelated table faded, zooms and pans, searches for a table, checks the
// side panel and the download links, and saves a screenshot.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const url = process.argv[2];
const screenshot = process.argv[3] || 'target/schema-viewer.png';
if (!url) {
  console.error('usage: node check.js URL [SCREENSHOT.png]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

let checks = 0;
function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  checks += 1;
  console.log(`ok - ${message}`);
}

async function classesOf(page, table) {
  return page.$eval(`svg g.table[data-table="${table}"]`, (g) => Array.from(g.classList));
}

async function viewBox(page) {
  return page.$eval('#viewport svg', (svg) => svg.getAttribute('viewBox'));
}

async function main() {
  const origin = new URL(url).origin;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medicaledu-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    deviceScaleFactor: 1,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    const foreign = [];
    const problems = [];
    page.on('request', (request) => {
      const target = request.url();
      if (!target.startsWith(origin + '/') && !target.startsWith('data:')) foreign.push(target);
    });
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));

    const response = await page.goto(url, { waitUntil: 'load' });
    check(response && response.status() === 200, `GET ${url} answers 200`);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 15000 });
    await page.evaluate(() => document.fonts.ready);
    const tables = await page.$$eval('svg g.table', (gs) => gs.map((g) => g.dataset.table));
    check(tables.length >= 15, `the diagram has a box per table (${tables.length})`);
    const fonts = await page.evaluate(() =>
      Array.from(document.fonts).filter((f) => f.status === 'loaded').map((f) => `${f.family} ${f.weight}`),
    );
    check(fonts.length >= 1, `the bundled font loaded from the server (${fonts.join(', ')})`);

    // Click a table: it, its neighbours and the connecting columns light up.
    await page.click('svg g.table[data-table="bookings"] text.table-name');
    check((await classesOf(page, 'bookings')).includes('selected'), 'clicking bookings selects it');
    for (const neighbour of ['availability_slots', 'users', 'payments', 'booking_promo_codes']) {
      check((await classesOf(page, neighbour)).includes('related'), `${neighbour} is highlighted as a neighbour`);
    }
    for (const unrelated of ['notifications', 'course_materials']) {
      check((await classesOf(page, unrelated)).includes('faded'), `${unrelated} (unrelated) is faded`);
    }
    const opacity = await page.$eval('svg g.table[data-table="notifications"]', (g) =>
      Number(getComputedStyle(g).opacity),
    );
    check(opacity < 0.5, `the faded table is drawn faded (opacity ${opacity})`);
    const highlighted = await page.$$eval('svg g.edge.highlight', (es) => es.length);
    check(highlighted >= 6, `bookings' connectors are highlighted (${highlighted})`);
    const slotColumn = await page.$eval(
      'svg g.table[data-table="bookings"] g.column[data-column="slot_id"]',
      (g) => g.classList.contains('highlight'),
    );
    check(slotColumn, 'the foreign key column bookings.slot_id is highlighted');
    const panel = await page.textContent('#panel');
    check(panel.includes('bookings') && panel.includes('Indexes'), 'the side panel shows the table');
    check(/partial/.test(panel), 'the side panel lists partial indexes');
    await page.screenshot({ path: screenshot });
    console.log(`screenshot: ${screenshot}`);

    // Zoom with the wheel, then pan by dragging.
    const before = await viewBox(page);
    const box = await page.locator('#viewport').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    const zoomed = await viewBox(page);
    check(zoomed !== before, `the wheel zooms (viewBox ${before} -> ${zoomed})`);
    await page.mouse.move(box.x + 200, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 320, box.y + 260, { steps: 5 });
    await page.mouse.up();
    const panned = await viewBox(page);
    check(panned !== zoomed, `dragging pans (viewBox ${zoomed} -> ${panned})`);
    check((await classesOf(page, 'bookings')).includes('selected'), 'a drag is not a click');

    // Search: jump to another table.
    await page.fill('#search', 'course_progress');
    await page.press('#search', 'Enter');
    check((await classesOf(page, 'course_progress')).includes('selected'), 'searching selects course_progress');
    for (const neighbour of ['enrollments', 'course_materials']) {
      check((await classesOf(page, neighbour)).includes('related'), `${neighbour} is its neighbour`);
    }
    check((await classesOf(page, 'bookings')).includes('faded'), 'bookings is faded now');
    check((await page.textContent('#panel h2')) === 'course_progress', 'the panel follows the search');
    await page.screenshot({ path: screenshot.replace(/\.png$/, '-search.png') });

    // Every download link answers with its format.
    const links = await page.$$eval('nav.downloads a', (as) => as.map((a) => a.href));
    const expected = {
      svg: 'image/svg+xml',
      png: 'image/png',
      pdf: 'application/pdf',
      dbml: 'text/plain',
      postgres: 'application/sql',
      sqlite: 'application/sql',
      json: 'application/json',
      mermaid: 'text/plain',
    };
    for (const [format, type] of Object.entries(expected)) {
      const link = links.find((l) => new URL(l).searchParams.get('format') === format);
      check(link !== undefined, `a download link for ${format}`);
      const answer = await page.request.get(link);
      check(
        answer.status() === 200 && answer.headers()['content-type'].startsWith(type),
        `${format} downloads as ${type}`,
      );
    }

    check(foreign.length === 0, `nothing loaded from another origin${foreign.length ? ': ' + foreign.join(', ') : ''}`);
    check(problems.length === 0, `no script errors${problems.length ? ': ' + problems.join('; ') : ''}`);
    console.log(`browser check: ${checks} checks passed`);
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
