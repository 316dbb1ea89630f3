#!/usr/bin/env node
// A learner's continuing medical education in a real browser (Debian's
// Chromium, headless, through playwright-core), elements found by their
// accessible names. It starts no server: give it the server's base URL (the
// server needs MEDICALEDU_CREDENTIAL_KEY to sign certificates, and its
// MEDICALEDU_PUBLIC_URL should be that base URL, which certificates print).
//
// Usage: ADMIN_EMAIL=… ADMIN_PASSWORD=… node cme.js http://127.0.0.1:PORT OUT_DIR
// (the JSON API sets up the activity: the admin adds a provider, an
// instructor makes a course a CME activity with a designation, a timed
// post-test and an evaluation)
//
// A physician:
//  - states their profession on their CME profile page;
//  - enrolls, completes the course's material, and opens their CME page from
//    the course's page;
//  - fails the post-test on the first attempt (the review marks what was
//    wrong but keeps the answers for after a pass), passes it on the retake
//    (now the key and why), and fills in the evaluation;
//  - claims 1.5 credits with the attestation, lands on their certificates,
//    and downloads the PDF;
//  - opens the verification link in a fresh browser that never signed in,
//    and sees the certificate valid, with their name and the credits;
//  - adds their licence (40 credits in two years) and sees it short by
//    38.5, records 2 credits earned elsewhere, and reads their transcript:
//    the certificate's line links it, the other is self-reported, the
//    licence short by 36.5; the transcript's PDF downloads.
// axe-core runs on the CME profile, progress, attempt, result, claim,
// certificates, verification, licences, external credits and transcript
// pages (no serious or critical violation); screenshots at 1280x800 and
// 375x812 are saved in OUT_DIR.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const { AxeBuilder } = require('@axe-core/playwright');
const { politeFetch } = require('./polite-fetch');

const base = process.argv[2];
const outDir = process.argv[3] || 'target/cme-check';
const adminEmail = process.env.ADMIN_EMAIL;
const adminPassword = process.env.ADMIN_PASSWORD;
if (!base || !adminEmail || !adminPassword) {
  console.error('usage: ADMIN_EMAIL=… ADMIN_PASSWORD=… node cme.js BASE_URL [OUT_DIR]');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'correct horse battery staple';
const CREDIT_TYPE = 'AMA PRA Category 1 Credit™';

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

async function login(email, password) {
  return (await api('POST', '/api/v1/auth/login', { email, password })).token;
}

async function account(email, role, name) {
  await api('POST', '/api/v1/auth/register', {
    email, password: PASSWORD, full_name: name, role, timezone: 'Europe/Berlin',
  });
  return login(email, PASSWORD);
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
  for (const [label, size] of [['desktop', { width: 1280, height: 800 }], ['mobile', { width: 375, height: 812 }]]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(outDir, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function audit(page, name, shot) {
  await axe(page, name);
  await shoot(page, shot);
}

/// The activity: a free published course with one material, made a CME
/// activity of a new provider, 2 credits in steps of 0.25 for physicians, a
/// 30-minute post-test of three questions (pass mark 80 %, three attempts)
/// and a one-question evaluation.
async function setUp(run) {
  const admin = await login(adminEmail, adminPassword);
  const provider = await api('POST', '/api/v1/cme/providers', {
    name: `MedicalEdu Institute ${run}`,
    accreditor: 'ACCME',
    accreditation_statement: 'MedicalEdu Institute is accredited by the Accreditation Council for Continuing Medical Education (ACCME) to provide continuing medical education for physicians.',
  }, admin);
  const instructor = await account(`cme-instructor-${run}@example.org`, 'instructor', 'Dr. Lena Brandt');
  const title = `Sepsis: the first hour ${run}`;
  const course = await api('POST', '/api/v1/courses', {
    title, category: 'Emergency Medicine', level: 'intermediate', price_minor: 0, currency: 'EUR',
    summary: 'Recognise sepsis early and start treatment within the hour.',
  }, instructor);
  await api('POST', `/api/v1/courses/${course.id}/materials`, {
    title: 'The first hour', kind: 'article', body: 'Lactate, cultures, antibiotics, fluids.',
  }, instructor);
  await api('POST', `/api/v1/courses/${course.id}/publish`, undefined, instructor);
  await api('PUT', `/api/v1/courses/${course.id}/cme`, {
    provider_id: provider.id, format: 'enduring', release_on: '2020-01-01',
    disclosure: 'No one in control of the content has a relevant financial relationship to disclose.',
    topics: ['sepsis'],
  }, instructor);
  await api('POST', `/api/v1/courses/${course.id}/cme/designations`, {
    credit_type: CREDIT_TYPE, max_credits: 2, step: 0.25, professions: ['physician'],
    statement: 'MedicalEdu Institute designates this enduring material for a maximum of 2 AMA PRA Category 1 Credits™. Physicians should claim only the credit commensurate with the extent of their participation in the activity.',
  }, instructor);
  await api('PUT', `/api/v1/courses/${course.id}/cme/assessments/post_test`, {
    pass_mark_percent: 80, max_attempts: 3, time_limit_seconds: 1800, grace_seconds: 30,
  }, instructor);
  const questions = [
    { kind: 'single_choice', prompt: 'Which comes first in the first hour?', options: ['Blood cultures', 'Discharge planning', 'Physiotherapy'], correct: [0] },
    { kind: 'single_choice', prompt: 'Which lactate level calls for fluids?', options: ['1 mmol/l', '4 mmol/l or more', 'Any level'], correct: [1] },
    { kind: 'multiple_choice', prompt: 'Which are signs of septic shock?', options: ['Hypotension despite fluids', 'Raised lactate', 'Bradycardia at rest'], correct: [0, 1] },
  ];
  for (const q of questions) {
    await api('POST', `/api/v1/courses/${course.id}/cme/assessments/post_test/questions`, {
      ...q, rationale: `The answer: ${q.options.filter((_, i) => q.correct.includes(i)).join(' and ')}, as the guideline says.`,
    }, instructor);
  }
  await api('PUT', `/api/v1/courses/${course.id}/cme/assessments/evaluation`, {}, instructor);
  await api('POST', `/api/v1/courses/${course.id}/cme/assessments/evaluation/questions`, {
    kind: 'single_choice', prompt: 'Will this activity change your practice?', options: ['Yes', 'No', 'Not sure'],
  }, instructor);
  return { slug: course.slug, title, questions };
}

/// Answers the attempt on the page: every question right, or the last one wrong.
async function answer(page, questions, allRight) {
  for (const [i, q] of questions.entries()) {
    const group = page.getByRole('group', { name: new RegExp(q.prompt.replace(/[?()]/g, '\\$&')) });
    const right = allRight || i < questions.length - 1;
    const chosen = right ? q.correct : [q.options.findIndex((_, j) => !q.correct.includes(j))];
    for (const j of chosen) {
      await group.getByLabel(q.options[j], { exact: true }).check();
    }
  }
}

async function main() {
  const run = Date.now().toString(36);
  const { slug, title, questions } = await setUp(run);
  const student = await account(`cme-student-${run}@example.org`, 'student', 'Dr. Sam Okafor');

  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', acceptDownloads: true });
  await context.addCookies([{ name: 'medicaledu_session', value: student, url: base }]);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 409|status of 422/.test(m.text())) errors.push(m.text()); });

  // The profession decides between credit and participation.
  await page.goto(`${base}/me/cme-profile`);
  await page.getByLabel('Profession', { exact: true }).selectOption({ label: 'Physician' });
  await audit(page, 'the CME profile page', 'cme-profile');
  await page.getByRole('button', { name: 'Save CME profile' }).click();
  check(await page.getByText('Your CME profile is saved.').isVisible(), 'the CME profile is saved');

  // The course's page names the activity; enrolling and learning the material.
  await page.goto(`${base}/courses/${slug}`);
  const cme = page.getByRole('region', { name: 'Continuing medical education' });
  check(await cme.getByText(`Up to 2 ${CREDIT_TYPE}`).isVisible(), 'the course page shows the designation');
  await page.getByRole('button', { name: 'Enroll' }).click();
  await page.waitForURL(/\/me$/);
  await page.goto(`${base}/courses/${slug}`);
  await page.getByRole('link', { name: 'Continue learning' }).click();
  await page.getByRole('button', { name: 'Mark as complete' }).click();
  await page.getByText('You completed this material.').waitFor();
  await page.goto(`${base}/courses/${slug}`);
  await shoot(page, 'cme-course');
  await page.getByRole('link', { name: 'Your CME progress' }).click();
  await page.getByRole('heading', { level: 1, name: 'Continuing medical education' }).waitFor();
  check(await page.getByText('Next: pass the post-test.').isVisible(), 'the CME page names the next step');
  await audit(page, 'the CME progress page', 'cme-progress');

  // The first attempt: the last question wrong, so 67 % of a mark of 80 %.
  await page.getByRole('button', { name: 'Start: Post-test' }).click();
  await page.waitForURL(/\/cme\/attempts\/[0-9a-f-]+$/);
  const firstAttempt = page.url();
  check(await page.getByRole('timer').filter({ hasText: /Time left: \d+:\d\d/ }).isVisible(), 'a timed attempt counts down');
  check(!/rationale|correct/i.test(await page.content()), 'the attempt page holds no answer key');
  await answer(page, questions, false);
  await audit(page, 'the attempt page', 'cme-attempt');
  await page.getByRole('button', { name: 'Submit answers' }).click();
  await page.waitForURL(firstAttempt);
  check(await page.getByText('Not passed: 66.66%; the pass mark is 80%.').isVisible(), 'the first attempt fails');
  check(await page.getByText('You did not answer this correctly.').isVisible(), 'the review marks the wrong answer');
  check(!(await page.getByText('Correct answer').count()), 'with a retake left, the review does not give the answers away');
  await audit(page, 'the result page', 'cme-result');

  // The retake passes.
  await page.getByRole('link', { name: 'Back to your CME progress' }).click();
  check(await page.getByText('66.66% · not passed').isVisible(), 'the CME page lists the failed attempt');
  await page.getByRole('button', { name: 'Retake: Post-test' }).click();
  await page.waitForURL(/\/cme\/attempts\/[0-9a-f-]+$/);
  check(page.url() !== firstAttempt, 'a retake is a new attempt');
  await answer(page, questions, true);
  await page.getByRole('button', { name: 'Submit answers' }).click();
  await page.getByText('Passed with 100%; the pass mark is 80%.').waitFor();
  check(true, 'the second attempt passes');
  check(await page.getByText('Correct answer').first().isVisible(), 'once passed, the review shows the key');

  // The evaluation.
  await page.getByRole('link', { name: 'Back to your CME progress' }).click();
  await page.getByRole('button', { name: 'Start: Evaluation' }).click();
  await page.getByRole('group', { name: /Will this activity change your practice\?/ }).getByLabel('Yes', { exact: true }).check();
  await page.getByRole('button', { name: 'Submit answers' }).click();
  await page.getByText('Thank you: your evaluation is submitted.').waitFor();
  check(true, 'the evaluation is submitted');

  // The claim.
  await page.getByRole('link', { name: 'Back to your CME progress' }).click();
  const credits = page.getByLabel('Credits', { exact: true });
  await credits.fill('1.3');
  await page.getByLabel(/I claim only the credit commensurate/).check();
  await page.getByRole('button', { name: 'Claim credit' }).click();
  check(await page.getByText('Claim a multiple of 0.25 credits.').isVisible(), 'an amount off the step is refused at its field');
  await audit(page, 'the claim page with a refusal', 'cme-claim-refused');
  await page.getByLabel('Credits', { exact: true }).fill('1.5');
  await page.getByLabel(/I claim only the credit commensurate/).check();
  await audit(page, 'the claim page', 'cme-claim');
  await page.getByRole('button', { name: 'Claim credit' }).click();
  await page.waitForURL(/\/me\/certificates\?claimed=1$/);
  check(await page.getByText('Your certificate is issued.').isVisible(), 'the certificate is issued at once');
  const row = page.getByRole('row', { name: new RegExp(title) });
  check(await row.getByText(`1.5 ${CREDIT_TYPE}`).isVisible(), 'the certificate carries 1.5 credits');
  check(await row.getByText('Valid').isVisible(), 'the certificate is valid');
  await audit(page, 'the certificates page', 'cme-certificates');

  // The PDF.
  const pdfHref = await row.getByRole('link', { name: `PDF of the certificate for ${title}` }).getAttribute('href');
  const pdf = await context.request.get(`${base}${pdfHref}`);
  const bytes = await pdf.body();
  check(pdf.ok() && pdf.headers()['content-type'] === 'application/pdf' && bytes.subarray(0, 5).toString() === '%PDF-', 'the PDF is a PDF');
  fs.writeFileSync(path.join(outDir, 'certificate.pdf'), bytes);

  // The verification link, opened by someone who never signed in.
  const shareUrl = await row.getByLabel(`Verification link for ${title}`).inputValue();
  check(shareUrl.startsWith(`${base}/verify/MEDU-`), `the share link is the verification page under the public URL: ${shareUrl}`);
  const stranger = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  check((await stranger.cookies()).length === 0, 'the fresh browser holds no session');
  const verifier = await stranger.newPage();
  verifier.on('pageerror', (e) => errors.push(String(e)));
  const response = await verifier.goto(shareUrl);
  check(response.status() === 200, 'the verification page opens without signing in');
  check(await verifier.getByRole('status').getByText('Valid', { exact: true }).isVisible(), 'the certificate verifies as valid');
  check(await verifier.getByText('Dr. Sam Okafor').isVisible() && await verifier.getByText(title).isVisible(), 'it names the learner and the activity');
  check(await verifier.getByRole('definition').filter({ hasText: /^1\.5$/ }).isVisible(), 'it states the 1.5 credits');
  await audit(verifier, 'the verification page', 'cme-verify');
  await stranger.close();

  // A licence, credit from elsewhere, and the transcript that counts both.
  const inDays = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
  await page.goto(`${base}/me/licences`);
  await page.getByLabel('Profession', { exact: true }).selectOption({ label: 'Physician' });
  await page.getByLabel('Jurisdiction', { exact: true }).fill('California');
  await page.getByLabel('Licence number', { exact: true }).fill('A123456');
  await page.getByLabel('Next renewal', { exact: true }).fill(inDays(91));
  await page.getByLabel('Credits required per cycle', { exact: true }).fill('40');
  await page.getByRole('button', { name: 'Add licence' }).click();
  check(await page.getByText('The licence is added.').isVisible(), 'the licence is added');
  const licence = page.getByRole('region', { name: 'Physician · California · A123456' });
  check(await licence.getByText('Short by 38.5').isVisible(), 'the licence is short by what the certificate leaves');
  await audit(page, 'the licences page', 'cme-licences');

  await page.goto(`${base}/me/external-credits`);
  await page.getByLabel('Activity', { exact: true }).fill('Stroke update');
  await page.getByLabel('Provider', { exact: true }).fill('State Medical Society');
  await page.getByLabel('Credit type', { exact: true }).fill(CREDIT_TYPE);
  await page.getByLabel('Credits', { exact: true }).fill('2');
  await page.getByLabel('Completed on', { exact: true }).fill(inDays(-3));
  await page.getByRole('button', { name: 'Record credit' }).click();
  check(await page.getByText('The credit is recorded.').isVisible(), 'credit from elsewhere is recorded');
  await audit(page, 'the external credits page', 'cme-external-credits');

  await page.getByRole('navigation', { name: 'Account settings' }).getByRole('link', { name: 'My transcript' }).click();
  await page.getByRole('heading', { level: 1, name: 'My transcript' }).waitFor();
  const earned = page.getByRole('row', { name: new RegExp(title) });
  check(await earned.getByRole('link', { name: /^Certificate MEDU-/ }).isVisible(), 'the earned line links its certificate');
  check(await page.getByRole('row', { name: /Stroke update/ }).getByText('Self-reported').isVisible(), 'the reported line is self-reported');
  check(await page.getByText('Short by 36.5').isVisible(), 'the transcript counts both towards the licence');
  await audit(page, 'the transcript page', 'cme-transcript');
  const transcriptHref = await page.getByRole('link', { name: 'Download PDF' }).getAttribute('href');
  const transcript = await context.request.get(`${base}${transcriptHref}`);
  const transcriptBytes = await transcript.body();
  check(transcript.ok() && transcriptBytes.subarray(0, 5).toString() === '%PDF-', 'the transcript downloads as a PDF');
  fs.writeFileSync(path.join(outDir, 'transcript.pdf'), transcriptBytes);

  await browser.close();
  check(errors.length === 0, `no script errors (${errors.join('; ')})`);
  console.log(`cme: ${checks} checks passed; screenshots in ${outDir}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
