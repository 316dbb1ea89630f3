#!/usr/bin/env node
// The instructor's journey through /teach in a real browser (Debian's
// Chromium, headless, through playwright-core), elements found by their
// accessible names. It starts no server: give it the server's base URL.
//
// Usage: DATABASE_URL=… ADMIN_EMAIL=… ADMIN_PASSWORD=… node teach.js http://127.0.0.1:PORT OUT_DIR
// (DATABASE_URL, the server's own database, lets the check start a session:
// no route creates one in the past, so its start is moved through sqlite3 or
// psql, as the integration tests move it through the store)
//
// An instructor in Europe/Berlin:
//  - creates a course with every field, previews its Markdown description,
//    saves it, is told why it cannot be published yet, adds two materials,
//    moves the second up with the keyboard alone, and publishes it;
//  - previews and creates a weekly series at 09:00 local across the spring
//    clock change and sees every occurrence at 09:00 in the week view and in
//    the month view, and saves one session from its edit page;
//  - sees a student's booking in the roster and marks it completed once the
//    session has started;
//  - reads what cancelling the rest of the series would do, and cancels it;
//  - creates a promo code for the course and deactivates it from the list;
//  - makes the course a CME activity of a provider (which the administrator
//    of ADMIN_EMAIL / ADMIN_PASSWORD adds through the API), adds a credit
//    designation after a refusal at its maximum, sets the post-test's rules,
//    adds a question and saves a new version of it, and opens the item
//    statistics.
// axe-core runs on every instructor page (no serious or critical violation);
// screenshots at 1280x800 and 390x844 are saved in OUT_DIR.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');
const { politeFetch } = require('./polite-fetch');

const base = process.argv[2];
const outDir = process.argv[3] || 'target/teach-check';
if (!base) {
  console.error('usage: node teach.js BASE_URL [OUT_DIR]');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const databaseUrl = process.env.DATABASE_URL;
const adminEmail = process.env.ADMIN_EMAIL;
const adminPassword = process.env.ADMIN_PASSWORD;
const PASSWORD = 'correct horse battery staple';

let checks = 0;
function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  checks += 1;
  console.log(`ok - ${message}`);
}

async function api(method, route, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await politeFetch(`${base}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function account(email, role, name) {
  await api('POST', '/api/v1/auth/register', {
    email, password: PASSWORD, full_name: name, role, timezone: 'Europe/Berlin',
  });
  const { token } = await api('POST', '/api/v1/auth/login', { email, password: PASSWORD });
  return token;
}

async function axe(page, name) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) {
    console.log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  }
  check(bad.length === 0, `axe finds no serious or critical violation on ${name}`);
}

async function shoot(page, name) {
  for (const [label, size] of [['desktop', { width: 1280, height: 800 }], ['mobile', { width: 390, height: 844 }]]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(outDir, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function audit(page, name, shot) {
  await axe(page, name);
  await shoot(page, shot);
}

/// The last Sunday of March at least a week away, and the Monday before.
function springChange() {
  const today = new Date();
  for (let year = today.getUTCFullYear(); ; year += 1) {
    const last = new Date(Date.UTC(year, 2, 31));
    const sunday = new Date(last.getTime() - last.getUTCDay() * 86400e3);
    if (sunday - today > 8 * 86400e3) {
      return { sunday, monday: new Date(sunday.getTime() - 6 * 86400e3) };
    }
  }
}

const day = (d) => d.toISOString().slice(0, 10);

/// Moves a session's start into the past, in the server's own database.
function startSession(slotId) {
  const starts = new Date(Date.now() - 10 * 60e3).toISOString().replace('Z', '000Z');
  const ends = new Date(Date.now() + 50 * 60e3).toISOString().replace('Z', '000Z');
  const sql = `UPDATE availability_slots SET starts_at = '${starts}', ends_at = '${ends}' WHERE id = '${slotId}'`;
  if (databaseUrl.startsWith('sqlite://')) {
    execFileSync('sqlite3', [databaseUrl.slice('sqlite://'.length), sql]);
  } else {
    execFileSync('psql', [databaseUrl, '-qc', sql]);
  }
}

// The course made a CME activity through its pages: a provider to choose
// (added by the administrator through the API), a designation refused at
// its maximum and then added, the post-test's rules, a question and a new
// version of it, and the item statistics.
async function cmeJourney(page, courseId, run) {
  const { token: admin } = await api('POST', '/api/v1/auth/login', { email: adminEmail, password: adminPassword });
  const providerName = `Heidelberg CME Academy ${run}`;
  await api('POST', '/api/v1/cme/providers', {
    name: providerName,
    accreditor: 'EACCME',
    accreditation_statement: 'The Heidelberg CME Academy is accredited by the EACCME to provide CME.',
  }, admin);
  await page.goto(`${base}/teach/courses/${courseId}`);
  await page.getByRole('link', { name: 'Continuing education (CME)' }).click();
  await page.getByRole('heading', { level: 1, name: /^Continuing education:/ }).waitFor();
  await page.getByLabel('Accredited provider').selectOption({ label: `${providerName} (EACCME)` });
  await page.getByLabel('Release date').fill('2020-01-01');
  await page.getByLabel('Topics').fill('sepsis, antimicrobial stewardship');
  await audit(page, 'the new CME activity form', 'teach-cme-new');
  await page.getByRole('button', { name: 'Make it a CME activity' }).click();
  await page.waitForURL(/done=activity/);
  check(await page.getByText('The activity is saved.').isVisible(), 'the course is a CME activity');

  await page.getByRole('link', { name: 'Add a designation' }).click();
  await page.getByLabel('Credit type').fill('AMA PRA Category 1 Credit™');
  await page.getByLabel('Maximum credits').fill('1.3');
  await page.getByLabel('Designation statement').fill('The Heidelberg CME Academy designates this enduring material for a maximum of 1.5 AMA PRA Category 1 Credits™.');
  await page.getByLabel('Nurse', { exact: true }).check();
  await page.getByRole('button', { name: 'Add a designation' }).click();
  check(await page.locator('#max_credits-error').isVisible(), 'maximum credits off the claim step are refused at their field');
  await audit(page, 'the designation form with a refusal', 'teach-cme-designation');
  await page.getByLabel('Maximum credits').fill('1.5');
  await page.getByRole('button', { name: 'Add a designation' }).click();
  await page.waitForURL(/done=designation_added/);
  check(await page.getByRole('rowheader', { name: 'AMA PRA Category 1 Credit™' }).isVisible(), 'the designation is listed');
  await audit(page, 'the CME set-up', 'teach-cme');

  await page.getByRole('link', { name: 'Rules of the Post-test' }).click();
  await page.getByLabel('Attempts allowed').fill('3');
  await page.getByLabel('Shuffle the questions for each attempt').check();
  await audit(page, 'the post-test rules', 'teach-cme-rules');
  await page.getByRole('button', { name: 'Save the rules' }).click();
  await page.waitForURL(/saved=1/);
  await page.getByRole('link', { name: 'Questions', exact: true }).click();
  await page.getByLabel('Question', { exact: true }).fill('Which comes first in the first hour of sepsis?');
  await page.getByLabel('Options', { exact: true }).fill('Lactate\nBlood cultures\nAntibiotics');
  await page.getByLabel('Correct options').fill('3');
  await page.getByLabel('Rationale').fill('Every hour of delay costs lives.');
  await page.getByRole('button', { name: 'Add the question' }).click();
  await page.waitForURL(/done=added/);
  check(await page.locator('li.correct', { hasText: 'Antibiotics' }).isVisible(), 'the bank marks the correct option');
  await audit(page, 'the question bank', 'teach-cme-questions');
  await page.getByRole('link', { name: 'Edit question 1' }).click();
  check(await page.getByText('Learners who already drew this question keep the version they saw.').isVisible(), 'editing says learners keep the version they saw');
  await audit(page, 'the question editor', 'teach-cme-question');
  await page.getByLabel('Question', { exact: true }).fill('Which comes first in the first hour of septic shock?');
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.waitForURL(/done=revised/);
  check(await page.getByText(/version 2/).isVisible(), 'the question is at version 2');
  await page.getByRole('link', { name: 'Item statistics', exact: true }).click();
  await page.getByRole('table', { name: 'How each question of the Post-test fared' }).waitFor();
  check(await page.getByRole('cell', { name: 'Not answered yet' }).isVisible(), 'no attempt yet: nothing answered');
  await audit(page, 'the item statistics', 'teach-cme-statistics');
}

async function main() {
  if (!databaseUrl) throw new Error('DATABASE_URL (the server\'s database) is needed to start a session');
  if (!adminEmail || !adminPassword) throw new Error('ADMIN_EMAIL and ADMIN_PASSWORD are needed to add a CME provider');
  const run = Date.now().toString(36);
  const token = await account(`instructor-${run}@example.org`, 'instructor', 'Dr. Lena Brandt');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  await context.addCookies([{ name: 'medicaledu_session', value: token, url: base }]);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 409|status of 422/.test(m.text())) errors.push(m.text()); });

  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'Teaching', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Teaching' }).waitFor();
  check(true, 'the site navigation leads instructors to /teach');

  // A course with every field, its description previewed on the server.
  const title = `Sepsis in the first hour ${run}`;
  await page.getByRole('link', { name: 'New course' }).first().click();
  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Summary').fill('Recognise sepsis early and start treatment within the hour.');
  await page.getByLabel('Description').fill('## The first hour\n\n- Lactate\n- Blood cultures\n- **Antibiotics**');
  await page.getByLabel('Category').fill('Emergency Medicine');
  await page.getByLabel('Specialty').fill('Infectious Disease');
  await page.getByLabel('Tags').fill('sepsis, antibiotics');
  await page.getByLabel('Level').selectOption({ label: 'Intermediate' });
  await page.getByLabel('Language').selectOption({ label: 'English' });
  await page.getByLabel('Price').fill('49.00');
  await page.getByLabel('Currency').selectOption('EUR');
  await page.getByLabel('CME credit hours').fill('1.5');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: 'Preview of the description' }).waitFor();
  check(await page.locator('.preview strong', { hasText: 'Antibiotics' }).isVisible(), 'the description preview is rendered Markdown');
  await audit(page, 'the new course form', 'teach-course-new');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/teach\/courses\/[0-9a-f-]+\?saved=1/);
  const courseId = page.url().match(/courses\/([0-9a-f-]+)/)[1];
  check(await page.getByLabel('Slug').inputValue() !== '', 'the slug is shown and editable');

  await page.getByRole('button', { name: 'Publish' }).click();
  check(await page.getByRole('alert').filter({ hasText: 'cannot be published yet' }).isVisible(), 'publishing is refused with the reason in words');
  await audit(page, 'the course editor with a refusal', 'teach-course-refused');

  for (const material of [
    { title: 'Lecture notes', kind: 'Article', body: 'Lactate above 2 mmol/l is a warning sign.' },
    { title: 'Slides', kind: 'Link', url: 'https://example.org/sepsis-slides' },
  ]) {
    await page.getByRole('link', { name: 'Add material' }).click();
    await page.getByLabel('Title', { exact: true }).fill(material.title);
    await page.getByLabel('Kind').selectOption({ label: material.kind });
    if (material.body) await page.getByLabel('Body').fill(material.body);
    if (material.url) await page.getByLabel('URL').fill(material.url);
    if (material.title === 'Slides') await audit(page, 'the material form', 'teach-material');
    await page.getByRole('button', { name: 'Add material' }).click();
    await page.waitForURL(/\/teach\/courses\/[0-9a-f-]+\?material=1/);
  }
  const order = async () => page.locator('ol.materials .material-title > a').allTextContents();
  check(JSON.stringify(await order()) === JSON.stringify(['Lecture notes', 'Slides']), 'two materials in the order added');

  // The keyboard alone: focus "Move up" and press Enter.
  await page.getByRole('button', { name: 'Move up: Slides' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/moved=1/);
  check(JSON.stringify(await order()) === JSON.stringify(['Slides', 'Lecture notes']), 'moved up with the keyboard, saved in one reorder');

  await page.getByRole('button', { name: 'Publish' }).click();
  await page.waitForURL(/published=1/);
  check(await page.getByText('Published: the course is in the catalog.').isVisible(), 'the course is published');
  await audit(page, 'the course editor', 'teach-course');

  // A weekly series at 09:00 Europe/Berlin across the spring clock change.
  const { monday } = springChange();
  const weeks = [0, 1, 2].map((w) => new Date(monday.getTime() + w * 7 * 86400e3));
  await page.getByRole('link', { name: 'New session' }).first().click();
  await page.getByLabel('Course').selectOption(courseId);
  check(await page.getByText('Europe/Berlin').first().isVisible(), 'the new-session form names the time zone');
  await page.getByLabel('Starts').fill(`${day(monday)}T09:00`);
  await page.getByLabel('Duration (minutes)').fill('60');
  await page.getByLabel('Capacity').fill('5');
  // Sessions of this paid course are free to attend: booked seats confirm at once.
  await page.getByLabel('Price').fill('0');
  await page.getByLabel('Location').fill('Skills lab 2');
  await page.getByLabel('Repeat', { exact: true }).selectOption({ label: 'Weekly' });
  await page.getByLabel('Monday').check();
  await page.getByLabel('Times', { exact: true }).fill('3');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: 'The sessions this creates' }).waitFor();
  const previewed = await page.locator('ol.occurrences li').allTextContents();
  check(previewed.length === 3 && previewed.every((t) => t.includes(', 09:00 (Europe/Berlin)')), `the preview lists three sessions at 09:00 local: ${previewed.join(' | ')}`);
  await audit(page, 'the new-session form', 'teach-session-new');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/\/teach\/schedule\?week=.*created=3/);
  for (const [i, week] of weeks.entries()) {
    if (i > 0) {
      await page.getByRole('link', { name: 'Next week' }).click();
      await page.waitForURL(new RegExp(`week=${day(week)}`));
    }
    const times = await page.locator('.week-sessions a', { hasText: title }).locator('.session-time').allTextContents();
    check(times.length === 1 && times[0] === '09:00–10:00', `week of ${day(week)}: the session at 09:00 local (${times.join(', ')})`);
    if (i === 1) await audit(page, 'the week view', 'teach-schedule');
  }

  // The month view: each session on its local day; a session's edit page.
  await page.getByRole('link', { name: 'Month', exact: true }).click();
  await page.getByRole('link', { name: 'Previous month' }).click();
  await page.getByRole('table', { name: /^Sessions in March/ }).waitFor();
  for (const week of weeks.filter((w) => w.getUTCMonth() === 2)) {
    const times = await page.locator(`#day-${day(week)} .month-sessions a`, { hasText: title }).locator('.session-time').allTextContents();
    check(times.length === 1 && times[0] === '09:00', `month view: ${day(week)} shows the session at 09:00 local (${times.join(', ')})`);
  }
  await audit(page, 'the month view', 'teach-month');
  await page.locator(`#day-${day(weeks[1])} .month-sessions a`, { hasText: title }).click();
  await page.getByRole('link', { name: 'Edit or move this session' }).click();
  await page.getByRole('heading', { level: 1, name: 'Edit session' }).waitFor();
  check(await page.getByLabel('Starts').inputValue() === `${day(weeks[1])}T09:00`, 'the edit page shows the local start');
  await audit(page, 'the edit page', 'teach-session-edit');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.waitForURL(/changed=1/);
  check(await page.getByText('1 session was changed.').isVisible(), 'saving one session says so');

  // A student books the first session; it starts; the roster marks it.
  const from = `${day(monday)}T00:00:00Z`;
  const to = `${day(new Date(monday.getTime() + 21 * 86400e3))}T00:00:00Z`;
  const slots = (await api('GET', `/api/v1/courses/${courseId}/slots?from=${from}&to=${to}`)).items;
  check(slots.length === 3, 'three sessions were created');
  check(slots[0].starts_at.endsWith('T08:00:00Z') && slots[1].starts_at.endsWith('T07:00:00Z'), 'stored at 08:00Z in winter time and 07:00Z in summer time');
  const student = await account(`student-${run}@example.org`, 'student', 'Sam Student');
  const booking = await api('POST', '/api/v1/bookings', { slot_id: slots[0].id }, student);
  check(booking.status === 'confirmed', 'a student booked the first (free) session');
  await api('POST', '/api/v1/bookings', { slot_id: slots[2].id }, student);
  await page.goto(`${base}/teach/sessions/${slots[0].id}`);
  check(await page.getByText(`student-${run}@example.org`).isVisible(), 'the roster shows the student');
  check(!(await page.getByRole('button', { name: 'Completed' }).isVisible()), 'no attendance before the start');
  startSession(slots[0].id);
  await page.reload();
  await audit(page, 'the roster', 'teach-roster');
  await page.getByRole('button', { name: 'Completed' }).click();
  await page.waitForURL(/marked=1/);
  check(await page.getByRole('cell', { name: 'attended' }).isVisible(), 'the booking is marked completed');

  // Cancelling the rest of the series says first what it does.
  await page.goto(`${base}/teach/sessions/${slots[1].id}`);
  await page.getByLabel('This and the following sessions of the series').check();
  await page.getByRole('button', { name: 'Continue…' }).click();
  check(await page.getByText('This cancels 2 sessions. 1 booked student will be cancelled and told.').isVisible(), 'the consequence is stated before cancelling');
  await audit(page, 'the cancel confirmation', 'teach-cancel');
  await page.getByRole('button', { name: 'Cancel them' }).click();
  await page.waitForURL(/cancelled=2/);
  check(await page.getByText('2 sessions were cancelled.').isVisible(), 'two sessions cancelled');

  await page.goto(`${base}/teach`);
  check(await page.getByRole('link', { name: title }).isVisible(), 'the dashboard lists the course');
  await audit(page, 'the instructor dashboard', 'teach-dashboard');

  // A promo code for the course: created, listed with its redemptions,
  // deactivated from the list.
  await page.getByRole('link', { name: 'Promo codes' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Promo codes' }).waitFor();
  await page.getByRole('link', { name: 'New promo code' }).click();
  const code = `SEPSIS${run}`.toUpperCase().replace(/[^A-Z0-9]/g, '');
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByLabel('Discount', { exact: true }).fill('15');
  await page.getByLabel('Course', { exact: true }).selectOption(courseId);
  await page.getByLabel('Redemptions in all').fill('20');
  await audit(page, 'the new promo code form', 'teach-promo-new');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(/\/teach\/promo-codes\?done=created/);
  const promoRow = page.locator('tr', { hasText: code });
  check(await promoRow.getByRole('cell', { name: '0 / 20', exact: true }).isVisible(), 'the code is listed with 0 of 20 redemptions');
  await audit(page, 'the promo codes', 'teach-promo-codes');
  await page.getByRole('button', { name: `Deactivate ${code}` }).click();
  await page.waitForURL(/done=deactivated/);
  check(await promoRow.getByRole('cell', { name: 'Inactive', exact: true }).isVisible(), 'the code is deactivated');
  await page.getByRole('link', { name: `Edit ${code}` }).click();
  await page.getByRole('button', { name: 'Reactivate' }).waitFor();
  await audit(page, 'the promo code editor', 'teach-promo-code');
  await page.getByRole('navigation', { name: 'Teaching pages' }).getByRole('link', { name: 'Earnings' }).click();
  await page.getByLabel('From').waitFor();
  check(await page.getByText('Nothing was paid for your courses in this period.').isVisible(), 'the earnings page: nothing paid for free sessions');
  await audit(page, 'the earnings page', 'teach-earnings');

  await cmeJourney(page, courseId, run);

  check(errors.length === 0, `no script errors (${errors.join('; ')})`);
  await browser.close();
  console.log(`${checks} checks passed; screenshots in ${outDir}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
