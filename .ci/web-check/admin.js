#!/usr/bin/env node
// The administrators' pages in a real browser (Debian's Chromium, headless,
// through playwright-core), elements found by their accessible names:
//  - an admin signs in through the sign-in page, marks a student's manual
//    payment as paid and refunds half of it, each after its confirmation
//    step, then sees the refund on the payment's page and its entry in the
//    audit log;
//  - an account is locked by failed sign-ins; the admin finds it and
//    presses "Unlock"; its owner then signs in through the sign-in page;
//  - a platform-wide promo code is created and found by its scope;
//  - a CME provider is added and edited; a learner's certificate (claimed
//    through the API) is found by its code, re-issued and the new one
//    revoked, each after its confirmation page;
//  - axe-core on every admin page (no serious or critical violation),
//    screenshots at 1280x800 and 390x844 in OUT_DIR.
//
// Usage: ADMIN_EMAIL=… ADMIN_PASSWORD=… node admin.js http://127.0.0.1:PORT OUT_DIR
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');
const { politeFetch } = require('./polite-fetch');

const base = process.argv[2];
const outDir = process.argv[3] || 'target/web-check-admin';
const adminEmail = process.env.ADMIN_EMAIL;
const adminPassword = process.env.ADMIN_PASSWORD;
if (!base || !adminEmail || !adminPassword) {
  console.error('usage: ADMIN_EMAIL=… ADMIN_PASSWORD=… node admin.js BASE_URL [OUT_DIR]');
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

async function api(method, route, body, token, { allow = [] } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await politeFetch(`${base}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok && !allow.includes(response.status)) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function account(email, role, fullName) {
  await api('POST', '/api/v1/auth/register', { email, password: PASSWORD, full_name: fullName, role, timezone: 'Europe/Berlin' });
  return (await api('POST', '/api/v1/auth/login', { email, password: PASSWORD })).body.token;
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

async function signIn(page, email, password) {
  await page.goto(`${base}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}

// A student's pending manual payment of EUR 49.00: its id.
async function manualPayment(run) {
  const teacher = await account(`admin-check-teacher-${run}@example.org`, 'instructor', 'Dr. Lena Fischer');
  const course = (await api('POST', '/api/v1/courses', {
    title: `Paediatric sepsis recognition ${run}`,
    summary: 'Early warning signs, fluids and antibiotics in the first hour.',
    description: 'A case-based session.', category: 'Paediatrics', level: 'intermediate',
    price_minor: 4900, currency: 'EUR',
  }, teacher)).body;
  await api('POST', `/api/v1/courses/${course.id}/materials`, {
    title: 'Sepsis bundle checklist', kind: 'article', body: 'Read before the session.', is_required: true,
  }, teacher);
  await api('POST', `/api/v1/courses/${course.id}/publish`, undefined, teacher);
  const starts = new Date(Date.now() + 9 * 86400e3);
  starts.setUTCHours(14, 0, 0, 0);
  const slot = (await api('POST', `/api/v1/courses/${course.id}/slots`, {
    starts_at: starts.toISOString(), ends_at: new Date(starts.getTime() + 60 * 60e3).toISOString(),
    timezone: 'Europe/Berlin', capacity: 4,
  }, teacher)).body.items[0];
  const student = await account(`admin-check-student-${run}@example.org`, 'student', 'Noah Becker');
  const booking = (await api('POST', '/api/v1/bookings', { slot_id: slot.id }, student)).body;
  const payment = (await api('POST', `/api/v1/bookings/${booking.id}/payments`, { provider: 'manual' }, student)).body;
  return payment.id;
}

async function refundJourney(page, run) {
  const paymentId = await manualPayment(run);
  await page.goto(`${base}/admin`);
  await axe(page, 'the admin home');
  await shoot(page, 'admin-home');
  await page.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name: 'Payments' }).click();
  await page.getByLabel('Provider').selectOption('manual');
  await page.getByLabel('Currency').fill('EUR');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/provider=manual/);
  await axe(page, 'the payments list');
  await shoot(page, 'admin-payments');
  await page.locator(`a[href="/admin/payments/${paymentId}"]`).click();
  await page.getByRole('link', { name: 'Mark as paid' }).click();
  await page.getByRole('heading', { name: 'Mark EUR 49.00 as received?' }).waitFor();
  await axe(page, 'the mark-as-paid confirmation');
  await page.getByRole('button', { name: 'Mark as paid' }).click();
  await page.getByText('The payment is marked as paid and its booking confirmed.').waitFor();

  await page.getByLabel('Amount').fill('24.50');
  await page.getByLabel('Reason').fill('The second half of the session was cancelled');
  await page.getByRole('button', { name: 'Refund' }).click();
  await page.getByRole('heading', { name: 'Refund EUR 24.50 of EUR 49.00?' }).waitFor();
  await axe(page, 'the refund confirmation');
  await shoot(page, 'admin-refund-confirm');
  await page.getByRole('button', { name: 'Confirm refund' }).click();
  await page.getByText('The refund is recorded.').waitFor();
  check(await page.getByRole('table').getByText('EUR 24.50').isVisible(), 'the refund of half the payment is listed on its page');
  check((await page.getByLabel('Amount').inputValue()) === '24.50', 'what is left to refund is offered next');
  await axe(page, 'a payment page');
  await shoot(page, 'admin-payment');
  // The refund has a page of its own, and its entries in the audit log.
  await page.getByRole('table').getByRole('link').first().click();
  await page.getByRole('heading', { name: /Payment: EUR 24\.50/ }).waitFor();
  await page.getByRole('link', { name: 'This payment in the audit log' }).click();
  await page.getByRole('heading', { name: 'payment.refund_requested' }).first().waitFor();
  check(await page.getByText('The second half of the session was cancelled').first().isVisible(), 'the audit log shows the refund with its reason');
  await axe(page, 'the audit log');
  await shoot(page, 'admin-audit');
}

async function unlockJourney(browser, page, run) {
  const email = `locked-${run}@example.org`;
  await api('POST', '/api/v1/auth/register', { email, password: PASSWORD, full_name: 'Mia Hoffmann', role: 'student', timezone: 'Europe/Berlin' });
  // Its owner, or someone guessing, types wrong passwords on the sign-in
  // page until the account locks.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const owner = await context.newPage();
  for (let i = 0; i < 5; i++) {
    await owner.goto(`${base}/signin`);
    await owner.getByLabel('Email').fill(email);
    await owner.getByLabel('Password').fill(`wrong password number ${i}`);
    await owner.getByRole('button', { name: 'Sign in' }).click();
    await owner.waitForLoadState();
  }
  await owner.goto(`${base}/signin`);
  await owner.getByLabel('Email').fill(email);
  await owner.getByLabel('Password').fill(PASSWORD);
  await owner.getByRole('button', { name: 'Sign in' }).click();
  await owner.getByText(/this account is locked/).waitFor();
  check(true, 'the account is locked by failed sign-ins: even the right password is refused');

  await page.goto(`${base}/admin/users`);
  await page.getByLabel('Name or email').fill(email);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/q=/);
  await axe(page, 'the users list');
  await shoot(page, 'admin-users');
  await page.getByRole('link', { name: 'Mia Hoffmann' }).click();
  await axe(page, "a user's page");
  await shoot(page, 'admin-user');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByText('The account is unlocked').waitFor();
  check(await page.getByRole('link', { name: 'user.unlocked' }).isVisible(), 'the audit trail shows the unlock');

  await signIn(owner, email, PASSWORD);
  check(new URL(owner.url()).pathname === '/me', 'the unlocked owner signs in through the sign-in page');
  await context.close();

  await page.goto(`${base}/admin/outbox`);
  await axe(page, 'the notification outbox');
  await shoot(page, 'admin-outbox');
}

// A platform-wide code of EUR 5.00 made on the admin pages, found again by
// the scope filter; the schema viewer is a link away.
async function promoJourney(page, run) {
  await page.goto(`${base}/admin`);
  check(await page.getByRole('link', { name: 'Schema viewer' }).first().isVisible(), 'the schema viewer is linked from the admin pages');
  await page.getByRole('link', { name: 'Promo codes' }).first().click();
  await page.getByRole('link', { name: 'New promo code' }).click();
  const code = `WELCOME${run}`.toUpperCase().replace(/[^A-Z0-9]/g, '');
  await page.getByLabel('Code', { exact: true }).fill(code);
  await page.getByLabel('Kind of discount').selectOption({ label: 'Fixed amount' });
  await page.getByLabel('Currency (fixed amounts only)').selectOption('EUR');
  await page.getByLabel('Discount', { exact: true }).fill('5.00');
  await axe(page, 'the new promo code form');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL(/\/admin\/promo-codes\?done=created/);
  await page.getByLabel('Scope').selectOption({ label: 'The whole platform' });
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/scope=platform/);
  const row = page.locator('tr', { hasText: code });
  check(await row.getByRole('cell', { name: 'EUR 5.00', exact: true }).isVisible(), 'the platform-wide code is listed under its scope');
  await axe(page, 'the promo codes');
  await shoot(page, 'admin-promo-codes');
  await page.getByRole('link', { name: `Edit ${code}` }).click();
  await axe(page, 'a promo code editor');
}

// The revenue report after the refund journey: a chart per currency beside
// its table, by month and then by course.
async function revenueJourney(page, run) {
  await page.goto(`${base}/admin`);
  await page.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name: 'Revenue' }).click();
  await page.getByRole('img', { name: 'Net revenue in EUR' }).waitFor();
  await axe(page, 'the revenue report');
  await shoot(page, 'admin-revenue');
  await page.getByLabel('Group by').selectOption({ label: 'Course' });
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/group_by=course/);
  check(await page.getByRole('rowheader', { name: `Paediatric sepsis recognition ${run}` }).isVisible(), 'the revenue report names the course');
  await axe(page, 'the revenue report by course');
}

// A CME activity with a participation certificate claimed through the API
// by a learner who passed its post-test and filled in its evaluation; the
// certificate's code.
async function cmeCertificate(run, providerId) {
  const teacher = await account(`cme-teacher-${run}@example.org`, 'instructor', 'Dr. Jonas Weber');
  const course = (await api('POST', '/api/v1/courses', {
    title: `Sepsis recognition for nurses ${run}`, summary: 'The first hour.', description: 'A short course.',
    category: 'Emergency Medicine', level: 'beginner', price_minor: 0, currency: 'EUR',
  }, teacher)).body;
  const material = (await api('POST', `/api/v1/courses/${course.id}/materials`, {
    title: 'The sepsis bundle', kind: 'article', body: 'Lactate, cultures, antibiotics.', is_required: true,
  }, teacher)).body;
  await api('POST', `/api/v1/courses/${course.id}/publish`, undefined, teacher);
  await api('PUT', `/api/v1/courses/${course.id}/cme`, { provider_id: providerId, format: 'enduring', release_on: '2020-01-01' }, teacher);
  await api('POST', `/api/v1/courses/${course.id}/cme/designations`, {
    kind: 'participation', credit_type: 'Certificate of participation', max_credits: 0, step: 0.25,
    statement: 'This certifies participation in the activity.',
  }, teacher);
  const questions = {};
  for (const [kind, body] of [
    ['post_test', { pass_mark_percent: 50 }],
    ['evaluation', {}],
  ]) {
    await api('PUT', `/api/v1/courses/${course.id}/cme/assessments/${kind}`, body, teacher);
    questions[kind] = (await api('POST', `/api/v1/courses/${course.id}/cme/assessments/${kind}/questions`, {
      kind: 'single_choice', prompt: 'Which comes first?', options: ['Antibiotics', 'Paperwork'],
      correct: kind === 'post_test' ? [0] : [],
    }, teacher)).body;
  }
  const learner = await account(`cme-learner-${run}@example.org`, 'student', 'Lea Schmidt');
  const enrollment = (await api('POST', `/api/v1/courses/${course.id}/enrollments`, undefined, learner)).body;
  await api('PUT', `/api/v1/enrollments/${enrollment.id}/progress/${material.id}`, { progress_percent: 100, time_spent_delta_seconds: 900 }, learner);
  for (const kind of ['post_test', 'evaluation']) {
    const attempt = (await api('POST', `/api/v1/courses/${course.id}/cme/assessments/${kind}/attempts`, undefined, learner)).body;
    const question = questions[kind];
    await api('POST', `/api/v1/cme/attempts/${attempt.id}/submit`, {
      answers: [{ question_id: question.id, option_ids: [question.options[0].id] }],
    }, learner);
  }
  const claimed = (await api('POST', `/api/v1/courses/${course.id}/cme/claims`, {
    designation_id: (await api('GET', `/api/v1/courses/${course.id}/cme`)).body.designations[0].id, credits: 0, attest: true,
  }, learner)).body;
  return claimed.certificate.code;
}

// The CME pages: a provider added and edited on its pages; a certificate
// found by its code, re-issued, and the new one revoked, each confirmed.
async function cmeJourney(page, run) {
  await page.goto(`${base}/admin`);
  await page.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name: 'CME' }).click();
  await page.getByRole('heading', { level: 1, name: 'Continuing medical education' }).waitFor();
  await axe(page, 'the CME section');
  await shoot(page, 'admin-cme');
  await page.getByRole('link', { name: 'CME providers' }).click();
  const name = `Berlin CME Institute ${run}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Accreditor').fill('EACCME');
  await page.getByLabel('Accreditation statement').fill('The Berlin CME Institute is accredited by the EACCME to provide CME.');
  await page.getByLabel('Accredited until').fill('2030-12-31');
  await page.getByRole('button', { name: 'Add the provider' }).click();
  await page.waitForURL(/done=created/);
  const row = page.locator('tr', { hasText: name });
  check(await row.getByRole('cell', { name: '2030-12-31' }).isVisible(), 'the provider is listed with its last day of accreditation');
  await axe(page, 'the CME providers');
  await shoot(page, 'admin-cme-providers');
  await page.getByRole('link', { name: `Edit ${name}` }).click();
  await page.getByLabel('Accreditor').fill('UEMS-EACCME');
  await axe(page, 'a CME provider editor');
  await shoot(page, 'admin-cme-provider');
  await page.getByRole('button', { name: 'Save the provider' }).click();
  await page.waitForURL(/done=saved/);
  check(await row.getByRole('cell', { name: 'UEMS-EACCME' }).isVisible(), 'the provider is saved');

  const { token: admin } = await api('POST', '/api/v1/auth/login', { email: adminEmail, password: adminPassword }).then((r) => r.body);
  const providers = (await api('GET', '/api/v1/cme/providers', undefined, admin)).body;
  const code = await cmeCertificate(run, providers.find((p) => p.name === name).id);
  await page.goto(`${base}/admin/cme`);
  await page.getByRole('link', { name: 'Certificates' }).first().click();
  await page.getByLabel('Certificate code').fill(code);
  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByRole('heading', { name: `Certificate ${code}` }).waitFor();
  check(await page.getByText('Lea Schmidt').isVisible(), 'the certificate shows what it prints');
  await axe(page, 'a certificate');
  await shoot(page, 'admin-cme-certificate');
  await page.locator('#reissue-reason').fill('The course title was corrected.');
  await page.getByRole('button', { name: 'Re-issue…' }).click();
  await page.getByRole('heading', { name: `Re-issue certificate ${code}?` }).waitFor();
  await axe(page, 'the re-issue confirmation');
  await shoot(page, 'admin-cme-reissue-confirm');
  await page.getByRole('button', { name: 'Re-issue the certificate' }).click();
  await page.getByText('Re-issued: this is the new certificate').waitFor();
  const fresh = new URL(page.url()).searchParams.get('code');
  check(fresh !== code && await page.locator(`a[href="/verify/${fresh}"]`).isVisible(), `the new certificate ${fresh} links its verification page`);
  await page.locator('#revoke-reason').fill('Issued in error.');
  await page.getByRole('button', { name: 'Revoke…' }).click();
  await page.getByRole('heading', { name: `Revoke certificate ${fresh}?` }).waitFor();
  await axe(page, 'the revoke confirmation');
  await page.getByRole('button', { name: 'Revoke the certificate' }).click();
  await page.getByText('The certificate is revoked.').waitFor();
  check((await api('GET', `/api/v1/certificates/${fresh}`)).body.status === 'revoked', 'the re-issued certificate is revoked');
  await axe(page, 'a revoked certificate');
  await shoot(page, 'admin-cme-revoked');
}

(async () => {
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const run = Date.now().toString(36);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await signIn(page, adminEmail, adminPassword);
    await refundJourney(page, run);
    await revenueJourney(page, run);
    await unlockJourney(browser, page, run);
    await promoJourney(page, run);
    await cmeJourney(page, run);
    check(errors.length === 0, `no script error or CSP violation on the admin pages (${errors.join(' | ')})`);
    await context.close();
  } finally {
    await browser.close();
  }
  console.log(`admin check: ${checks} checks passed; screenshots in ${outDir}`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
