#!/usr/bin/env node
// Drives the MedicalEdu pages in a real browser, as a student would: Debian's
// Chromium, headless, through playwright-core (pinned; it downloads no
// browser). Elements are found by their accessible names. It starts no
// server: give it the server's base URL.
//
// Usage: ADMIN_EMAIL=… ADMIN_PASSWORD=… node check.js http://127.0.0.1:PORT OUT_DIR
// (the admin, made with `medicaledu admin create-user`, settles the manual
// payment of the paid journey)
//
// It seeds a course with a free session through the JSON API, then:
//  - with JavaScript: signs up, searches, opens the course, books the free
//    session, finds it under "Upcoming sessions", cancels it and sees the
//    seat free again;
//  - works through the course's material to 100% and rates the course;
//  - books a paid session with a promo code, pays at the venue, an admin
//    settles the payment (through the API) and the booking's page turns
//    confirmed by itself;
//  - books a paid session and pays by card: Stripe's Payment Element from a
//    local stand-in for Stripe (fake-stripe.js, which the server is
//    configured to use), whose signed webhook confirms the booking;
//  - without JavaScript: the same free booking, by forms alone;
//  - with the keyboard alone: the free booking;
//  - opens the API reference (/docs) and finds the booking operation;
//  - runs axe-core on every page and fails on a serious or critical
//    violation; saves screenshots at 1280x800 and 390x844 in OUT_DIR.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');
const { politeFetch } = require('./polite-fetch');

const base = process.argv[2];
const outDir = process.argv[3] || 'target/web-check';
if (!base) {
  console.error('usage: node check.js BASE_URL [OUT_DIR]');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
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

async function seed(run, { priceMinor = 0 } = {}) {
  const email = `teacher-${run}@example.org`;
  await api('POST', '/api/v1/auth/register', {
    email, password: PASSWORD, full_name: 'Dr. Grace Okafor', role: 'instructor', timezone: 'Europe/Berlin',
  });
  const { token } = await api('POST', '/api/v1/auth/login', { email, password: PASSWORD });
  await api('PATCH', '/api/v1/me', {
    headline: 'Emergency physician and simulation educator',
    specialty: 'Emergency Medicine',
    credentials: 'MD, FRCEM',
  }, token);
  const course = await api('POST', '/api/v1/courses', {
    title: priceMinor ? `Difficult airway workshop ${run}` : `Airway management essentials ${run}`,
    summary: 'Bag-mask ventilation, supraglottic devices and the first minutes of a difficult airway.',
    description: '## What you will practise\n\n- Two-person bag-mask ventilation\n- **Supraglottic** airways\n- Calling for help early',
    category: 'Emergency Medicine', specialty: 'Airway', level: 'beginner',
    price_minor: priceMinor, currency: 'EUR', cme_credit_hours: 1.5,
  }, token);
  if (priceMinor) {
    await api('POST', '/api/v1/promo-codes', {
      code: `AIRWAY${run}`.toUpperCase(), discount_type: 'percent', value: 25, course_id: course.id,
    }, token);
  }
  await api('POST', `/api/v1/courses/${course.id}/materials`, {
    title: 'Airway anatomy handout', kind: 'article', body: 'Read before the session.', is_required: true,
  }, token);
  await api('POST', `/api/v1/courses/${course.id}/publish`, undefined, token);
  const starts = new Date(Date.now() + 7 * 86400e3);
  starts.setUTCHours(9, 0, 0, 0);
  const ends = new Date(starts.getTime() + 90 * 60e3);
  await api('POST', `/api/v1/courses/${course.id}/slots`, {
    starts_at: starts.toISOString(), ends_at: ends.toISOString(), timezone: 'Europe/Berlin', capacity: 3,
  }, token);
  return course;
}

async function seatsLeft(course) {
  const slots = await api('GET', `/api/v1/courses/${course.id}/slots`);
  return slots.items[0].seats_remaining;
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

async function signUp(page, email, { audit = false } = {}) {
  await page.goto(`${base}/signup`);
  if (audit) { await axe(page, 'the sign-up page'); await shoot(page, 'signup'); }
  await page.getByLabel('Full name').fill('Sam Student');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('I am a student').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/me$/);
}

async function journey(browser, run, { javaScript, record }) {
  const course = await seed(run);
  const context = await browser.newContext({ javaScriptEnabled: javaScript, viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const page = await context.newPage();
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) foreign.push(r.url()); });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const mode = javaScript ? 'with JavaScript' : 'without JavaScript';

  await page.goto(`${base}/`);
  if (record) { await axe(page, 'the home page'); await shoot(page, 'home'); }
  await signUp(page, `student-${run}@example.org`, { audit: record });
  check(await page.getByRole('button', { name: 'Sign out' }).isVisible(), `signed up and signed in (${mode})`);
  check(await page.getByText('Sam Student').first().isVisible(), 'the header names the user');

  await page.goto(`${base}/courses`);
  await page.getByLabel('Search courses').first().fill(`essentials ${run}`);
  if (javaScript) {
    await page.waitForURL(new RegExp(`q=essentials`));
  } else {
    await page.getByRole('button', { name: 'Search' }).click();
  }
  const link = page.getByRole('link', { name: `Airway management essentials ${run}` });
  await link.waitFor();
  if (record) { await axe(page, 'the catalog'); await shoot(page, 'catalog'); }
  await link.click();
  check(await page.getByRole('heading', { level: 1, name: `Airway management essentials ${run}` }).isVisible(), `the course page (${mode})`);
  if (record) { await axe(page, 'the course page'); await shoot(page, 'course'); }
  check((await seatsLeft(course)) === 3, 'three seats before booking');
  await page.getByRole('link', { name: /^Book the session on / }).first().click();
  check(await page.getByLabel('Promo code').isVisible(), 'the booking page offers a promo code');
  if (record) { await axe(page, 'the booking page'); await shoot(page, 'book'); }
  await page.getByRole('button', { name: 'Confirm booking' }).click();
  await page.getByRole('heading', { name: 'Your session is booked' }).waitFor();
  check((await seatsLeft(course)) === 2, `the booking took a seat (${mode})`);
  if (record) { await axe(page, 'the booking status page'); await shoot(page, 'booked'); }

  check(await page.getByRole('link', { name: 'Notifications (1 unread)' }).isVisible(), 'the notification count went up');
  await page.getByRole('link', { name: 'Notifications (1 unread)' }).click();
  if (record) { await axe(page, 'the inbox'); await shoot(page, 'inbox'); }
  await page.getByRole('button', { name: 'Mark all as read' }).click();
  check(await page.getByRole('link', { name: 'Notifications (0 unread)' }).isVisible(), 'the notification count went down');

  await page.goto(`${base}/me`);
  check(await page.getByRole('heading', { name: 'Upcoming sessions' }).isVisible(), 'the dashboard lists upcoming sessions');
  check(await page.getByRole('heading', { name: 'My courses' }).isVisible(), 'the dashboard lists my courses');
  check((await page.locator('progress').count()) >= 1, 'each enrollment shows its progress');
  if (record) {
    await axe(page, 'the dashboard');
    await shoot(page, 'dashboard');
    await page.getByRole('link', { name: /^Reschedule the booking of / }).first().click();
    await page.getByRole('heading', { name: 'Move to another session' }).waitFor();
    await axe(page, 'the reschedule page');
    await shoot(page, 'reschedule');
    await page.goto(`${base}/me`);
  }
  await page.getByRole('link', { name: /^Cancel the booking of / }).first().click();
  check(await page.getByText('Nothing was paid').isVisible(), 'cancelling states the refund consequence first');
  if (record) { await axe(page, 'the cancel confirmation'); await shoot(page, 'cancel'); }
  await page.getByRole('button', { name: 'Cancel booking' }).click();
  await page.waitForURL(/\/me$/);
  check(await page.getByText('No upcoming sessions.').isVisible(), `the booking is gone from the dashboard (${mode})`);
  check((await seatsLeft(course)) === 3, `the seat is free again (${mode})`);

  // Learning: enroll in the free course, open its material, complete it.
  await page.goto(`${base}/courses/${course.slug}`);
  await page.getByRole('button', { name: 'Enroll' }).click();
  await page.waitForURL(/\/me$/);
  await page.goto(`${base}/courses/${course.slug}`);
  await page.getByRole('link', { name: 'Continue learning' }).click();
  await page.waitForURL(/\/learn\//);
  if (record) { await axe(page, 'a learning page'); await shoot(page, 'learn'); }
  // With JavaScript the page reports the time spent reading when it is left.
  if (javaScript) await page.waitForTimeout(2500);
  await page.getByRole('button', { name: 'Mark as complete' }).click();
  check(await page.getByText('You completed this course').isVisible(), `completing the only required material completes the course (${mode})`);
  await page.goto(`${base}/courses/${course.slug}`);
  const rating = page.locator('form', { has: page.getByRole('button', { name: 'Rate this course' }) });
  await rating.getByLabel('5 stars').check();
  await rating.getByLabel('Review').fill(`Clear and practical ${run}`);
  await rating.getByRole('button', { name: 'Rate this course' }).click();
  await page.getByText(`Clear and practical ${run}`).waitFor();
  check(await page.getByText(`Clear and practical ${run}`).isVisible(), `the course's rating and review show on its page (${mode})`);
  if (javaScript) {
    const mine = await (await page.request.get(`${base}/api/v1/me/enrollments`)).json();
    const enrollment = mine.items.find((e) => e.course_id === course.id);
    const progress = await (await page.request.get(`${base}/api/v1/enrollments/${enrollment.id}/progress`)).json();
    const spent = progress.items.reduce((sum, row) => sum + row.time_spent_seconds, 0);
    check(spent >= 2, `the learning page reported the time spent reading (${spent} s)`);
  }

  if (record) {
    for (const [route, name] of [['/me/account', 'the account page'], ['/me/sessions', 'the sessions page'], ['/me/notifications/settings', 'the notification settings']]) {
      await page.goto(`${base}${route}`);
      await axe(page, name);
      await shoot(page, route.slice(1).replace(/\//g, '-'));
    }
  }

  check(errors.length === 0, `no script error or CSP violation (${errors.join(' | ')})`);
  // The browser reports the 404 document itself as a failed load.
  await page.goto(`${base}/no-such-page`);
  check(await page.getByRole('heading', { name: 'Page not found' }).isVisible(), 'an unknown page is a 404 page');
  if (record) { await axe(page, 'the 404 page'); }
  await page.goto(`${base}/signin`);
  if (record) { await axe(page, 'the sign-in page'); await shoot(page, 'signin'); }
  check(foreign.length === 0, `nothing is loaded from another origin (${foreign.join(', ')})`);
  await context.close();
}

async function paidJourney(browser, run) {
  const admin = await api('POST', '/api/v1/auth/login', { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD });
  const course = await seed(run, { priceMinor: 4000 });
  const code = `AIRWAY${run}`.toUpperCase();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const page = await context.newPage();
  await signUp(page, `payer-${run}@example.org`);
  await page.goto(`${base}/courses/${course.slug}`);
  await page.getByRole('link', { name: /^Book the session on / }).first().click();
  await page.getByLabel('Promo code').fill(code);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText(`Code ${code} applied`).waitFor();
  check(await page.getByText('EUR 30.00').first().isVisible(), 'the promo code takes 25% off the EUR 40.00 price');
  await axe(page, 'the booking page with a promo code');
  await shoot(page, 'book-paid');
  await page.getByRole('button', { name: 'Pay at the venue / by invoice' }).click();
  await page.getByRole('heading', { name: 'Awaiting payment' }).waitFor();
  check((await seatsLeft(course)) === 2, 'the pending booking holds a seat');
  await axe(page, 'a pending booking');
  await shoot(page, 'pending');
  const bookingId = page.url().split('/').pop();
  const payments = await api('GET', `/api/v1/bookings/${bookingId}/payments`, undefined, admin.token);
  check(payments.items.length === 1 && payments.items[0].amount_minor === 3000, 'one manual charge of EUR 30.00');
  await api('POST', `/api/v1/admin/payments/${payments.items[0].id}/mark`, { status: 'succeeded' }, admin.token);
  // The pending page refreshes itself (htmx); no reload here.
  await page.getByRole('heading', { name: 'Your session is booked' }).waitFor({ timeout: 15000 });
  check(true, 'the booking turned confirmed once the admin recorded the payment');
  await page.goto(`${base}/me`);
  check(await page.getByRole('link', { name: /^Cancel the booking of / }).first().isVisible(), 'the paid session is under "Upcoming sessions"');
  await context.close();
}

async function cardJourney(browser, run) {
  const course = await seed(run, { priceMinor: 4000 });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await signUp(page, `card-${run}@example.org`);
  await page.goto(`${base}/courses/${course.slug}`);
  await page.getByRole('link', { name: /^Book the session on / }).first().click();
  await page.getByRole('button', { name: 'Pay by card' }).click();
  await page.waitForURL(/\/card$/);
  await page.getByLabel('Card number').waitFor();
  const pay = page.getByRole('button', { name: 'Pay EUR 40.00' });
  await pay.waitFor();
  check(await pay.isEnabled(), 'the card form is ready once the Payment Element is mounted');
  await axe(page, 'the card payment page');
  await shoot(page, 'card');
  await pay.click();
  await page.getByRole('heading', { name: 'Your session is booked' }).waitFor({ timeout: 15000 });
  check(true, "paying by card confirms the booking through Stripe's signed webhook");
  check((await seatsLeft(course)) === 2, 'the card-paid booking holds its seat');
  check(errors.length === 0, `no script error or CSP violation on the card page (${errors.join(' | ')})`);
  await context.close();
}

async function keyboardOnly(browser, run) {
  const course = await seed(run);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signUp(page, `keys-${run}@example.org`);
  await page.goto(`${base}/courses/${course.slug}`);
  // Tab to the first "Book" link and follow it with Enter.
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('aria-label'));
    if (name && name.startsWith('Book the session on ')) break;
  }
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/book\//);
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    const text = await page.evaluate(() => document.activeElement && document.activeElement.textContent);
    if (text && text.trim() === 'Confirm booking') break;
  }
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Your session is booked' }).waitFor();
  check((await seatsLeft(course)) === 2, 'the free booking works with the keyboard alone');
  await context.close();
}

// The API reference: Redoc, served by the binary, renders the OpenAPI
// document with nothing loaded from elsewhere and no policy violation, and
// the booking operation is there with its problem codes.
async function apiReference(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  const foreign = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin !== new URL(base).origin) foreign.push(r.url());
  });
  const response = await page.goto(`${base}/docs`);
  check(/default-src 'none'/.test(response.headers()['content-security-policy'] || ''), 'the API reference is served under a strict CSP');
  const booking = page.getByRole('heading', { name: 'Book a seat in a slot.' });
  await booking.waitFor({ timeout: 30000 });
  await booking.scrollIntoViewIfNeeded();
  check(await page.getByText('/api/v1/bookings', { exact: true }).first().isVisible(), 'the API reference shows the booking operation and its path');
  check((await page.getByText(/Problem codes:.*slot_full/).count()) > 0, 'the API reference lists the problem codes the booking operation answers');
  await shoot(page, 'api-reference');
  check(foreign.length === 0, `the API reference loads nothing from another origin (${foreign.join(', ')})`);
  check(errors.length === 0, `the API reference runs without errors or CSP violations (${errors.join(' | ')})`);
  await context.close();
}

(async () => {
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const run = Date.now().toString(36);
    await journey(browser, `${run}a`, { javaScript: true, record: true });
    await paidJourney(browser, `${run}p`);
    await cardJourney(browser, `${run}k`);
    await journey(browser, `${run}b`, { javaScript: false, record: false });
    await keyboardOnly(browser, `${run}c`);
    await apiReference(browser);
  } finally {
    await browser.close();
  }
  console.log(`web check: ${checks} checks passed; screenshots in ${outDir}`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
