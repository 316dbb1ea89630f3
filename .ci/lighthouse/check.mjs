#!/usr/bin/env node
// Lighthouse 12.2.3 (desktop preset) in Debian's headless Chromium on the
// pages a newcomer sees first (the home page, the catalog and a course page)
// and on the pages people work in every day: the instructor's dashboard and
// course editor, and the administrators' payments. Prints every score and
// fails when performance, accessibility or best practices is under 95 on any
// of them. It starts no server: give it the base URL of a server with a
// published course (the web check leaves several); the newest one's page is
// measured. For the signed-in pages it registers an instructor with a course
// of their own, and signs in as the administrator it is given. For the
// continuing-education pages it sets up a CME activity through the API and
// has a learner pass its post-test and claim a certificate (the server needs
// MEDICALEDU_CREDENTIAL_KEY): the learner's CME page, certificates and
// transcript, and the certificate's public verification page, are measured
// too.
//
// Usage: ADMIN_EMAIL=… ADMIN_PASSWORD=… node check.mjs http://127.0.0.1:PORT [OUT_DIR]
import fs from 'node:fs';
import path from 'node:path';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import puppeteer from 'puppeteer-core';
import polite from '../web-check/polite-fetch.js';

const { politeFetch } = polite;

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
  const response = await politeFetch(`${base}${route}`, { method, headers, body: body && JSON.stringify(body) });
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

// A CME activity of one question and an evaluation, passed and claimed.
async function certified() {
  const provider = await api('POST', '/api/v1/cme/providers', {
    name: `Lighthouse CME Academy ${run}`, accreditor: 'EACCME',
    accreditation_statement: 'Lighthouse CME Academy is accredited by the EACCME to provide CME.',
  }, adminToken);
  const course = await api('POST', '/api/v1/courses', {
    title: `Sepsis recognition ${run}`, summary: 'Recognise sepsis early.',
    category: 'Emergency Medicine', level: 'intermediate', price_minor: 0, currency: 'EUR',
  }, teacherToken);
  const material = await api('POST', `/api/v1/courses/${course.id}/materials`, {
    title: 'The first hour', kind: 'article', body: 'Lactate, cultures, antibiotics, fluids.',
  }, teacherToken);
  await api('POST', `/api/v1/courses/${course.id}/publish`, undefined, teacherToken);
  await api('PUT', `/api/v1/courses/${course.id}/cme`, {
    provider_id: provider.id, format: 'enduring', release_on: '2020-01-01', disclosure: 'Nothing to disclose.',
  }, teacherToken);
  const designation = await api('POST', `/api/v1/courses/${course.id}/cme/designations`, {
    credit_type: 'ECMEC®', max_credits: 2, step: 0.5, professions: ['physician'],
    statement: 'This activity is accredited by the EACCME for a maximum of 2 European CME credits (ECMEC®s).',
  }, teacherToken);
  await api('PUT', `/api/v1/courses/${course.id}/cme/assessments/post_test`, { pass_mark_percent: 80 }, teacherToken);
  const question = await api('POST', `/api/v1/courses/${course.id}/cme/assessments/post_test/questions`, {
    kind: 'single_choice', prompt: 'Which comes first?', options: ['Blood cultures', 'Discharge'], correct: [0],
    rationale: 'Cultures before antibiotics.',
  }, teacherToken);
  await api('PUT', `/api/v1/courses/${course.id}/cme/assessments/evaluation`, {}, teacherToken);
  const feedback = await api('POST', `/api/v1/courses/${course.id}/cme/assessments/evaluation/questions`, {
    kind: 'single_choice', prompt: 'Will this change your practice?', options: ['Yes', 'No'],
  }, teacherToken);
  const learnerEmail = `lighthouse-learner-${run}@example.org`;
  await api('POST', '/api/v1/auth/register', { email: learnerEmail, password, full_name: 'Dr. Sam Okafor', role: 'student', timezone: 'Europe/Berlin' });
  const learner = (await api('POST', '/api/v1/auth/login', { email: learnerEmail, password })).token;
  await api('PUT', '/api/v1/me/cme-profile', { profession: 'physician', report_consent: false }, learner);
  const enrollment = await api('POST', `/api/v1/courses/${course.id}/enrollments`, undefined, learner);
  await api('PUT', `/api/v1/enrollments/${enrollment.id}/progress/${material.id}`, { progress_percent: 100, time_spent_delta_seconds: 1800 }, learner);
  for (const [kind, q] of [['post_test', question], ['evaluation', feedback]]) {
    const attempt = await api('POST', `/api/v1/courses/${course.id}/cme/assessments/${kind}/attempts`, undefined, learner);
    await api('POST', `/api/v1/cme/attempts/${attempt.id}/submit`, { answers: [{ question_id: q.id, option_ids: [q.options[0].id] }] }, learner);
  }
  const claimed = await api('POST', `/api/v1/courses/${course.id}/cme/claims`, { designation_id: designation.id, credits: 2, attest: true }, learner);
  return { learner, slug: course.slug, code: claimed.certificate.code };
}
const cme = await certified();

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
    // Public first: no session cookie is set yet.
    ['certificate-verification', `/verify/${cme.code}`],
    ['home', '/'],
    ['catalog', '/courses'],
    ['course', coursePath],
    ['instructor-dashboard', '/teach', signedIn(teacherToken)],
    ['course-editor', `/teach/courses/${draft.id}`, signedIn(teacherToken)],
    ['admin-payments', '/admin/payments', signedIn(adminToken)],
    ['learner-cme', `/courses/${cme.slug}/cme`, signedIn(cme.learner)],
    ['learner-certificates', '/me/certificates', signedIn(cme.learner)],
    ['learner-transcript', '/me/transcript', signedIn(cme.learner)],
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
