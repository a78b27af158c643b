// The team around the family by keyboard alone, from the demo family CAF's task list: add a
// member without an account (an empty form refused first), record a team meeting (the
// team's members filled in), and see both on the team page. The other pages this stop added
// (the lead professional, the owner, stepping up, comparing versions, the wording) are visited and
// checked. Every page is checked with axe-core (WCAG 2.2 AA) and for console errors, and the
// team page for sideways scrolling at 375 px. Screenshots go to $ECAF_TEST_SHOTS.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { DEMO_ADMIN, DEMO_PRACTITIONER, checkPage, h1Text, signIn, submitAndWait, useApp, visit, where } from './harness.mjs';

const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `team-${name}.png`), fullPage: true });
}

async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { id: '', href: '', text: '', describe: '<body>' };
    const text = (e.innerText || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 60);
    const href = e.getAttribute('href') || '';
    return { id: e.id, href, text, describe: `<${e.tagName.toLowerCase()} id="${e.id}" href="${href}"> "${text}"` };
  });
}

/** Presses Tab until `matches(focused)` holds; fails listing where the focus went instead. */
async function tabUntil(page, what, matches, maxPresses = 200) {
  const seen = [];
  for (let i = 0; i <= maxPresses; i++) {
    const now = await focused(page);
    if (matches(now)) return now;
    seen.push(now.describe);
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${what} on ${await where(page)}. Focus went to:\n- ${seen.slice(-20).join('\n- ')}`);
}

const tabToId = (page, id) => tabUntil(page, `#${id}`, (f) => f.id === id);
const tabToText = (page, text) => tabUntil(page, `"${text}"`, (f) => f.text === text);

async function typeInto(page, id, text) {
  await tabToId(page, id);
  await page.keyboard.type(text);
}

/** Presses Enter on what has the focus and waits for the page it leads to, then checks it. */
async function enter(page) {
  await page.evaluate(() => {
    window.ecafOldDocument = true;
  });
  const response = await submitAndWait(page, () => page.keyboard.press('Enter'));
  await page.waitForFunction(() => !window.ecafOldDocument && document.readyState === 'complete');
  await checkPage(page);
  return response;
}

/** The task list of the demo family CAF (Amelia and Oliver Hughes), whose assessor is Sam. */
async function hughesTaskList(page) {
  await visit(page, '/people/search');
  await page.locator('#given_name').fill('Amelia');
  await page.locator('#family_name').fill('Hughes');
  await submitAndWait(page, page.getByRole('button', { name: 'Search' }));
  const record = await page.locator('a[href^="/people/"]:not([href*="/search"])').filter({ hasText: 'Amelia' }).first().getAttribute('href');
  assert.match(record, /^\/people\/\d+$/, `no record link on ${await where(page)}`);
  await visit(page, record);
  const caf = await page.locator('a[href^="/cafs/"]').first().getAttribute('href');
  assert.match(caf, /^\/cafs\/\d+$/, `no CAF link on ${await where(page)}`);
  await visit(page, caf);
  return caf;
}


describe('the team around the family', () => {
  const app = useApp({ name: 'team' });

  it('adds a member and records a meeting by keyboard alone', async (t) => {
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, DEMO_PRACTITIONER);
    const caf = await hughesTaskList(page);
    assert.match(await page.locator('main').innerText(), /Sam Taylor is the lead professional\. 3 people in the team/);

    await tabToText(page, 'See the team around the family');
    await enter(page);
    assert.equal(await h1Text(page), 'Team around the family');
    const team = await page.locator('main').innerText();
    assert.match(team, /Gary Holt/);
    assert.match(team, /Team around the family meeting/);

    await tabToText(page, 'Add someone to the team');
    await enter(page);
    await tabToText(page, 'Add to the team');
    const refused = await enter(page);
    assert.equal(refused.status(), 422);
    assert.match(await page.title(), /^Error: /);
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Choose who is joining the team/);

    await typeInto(page, 'name', 'Pat Ellis');
    await typeInto(page, 'agency_name', 'Family');
    await typeInto(page, 'role', 'Grandmother');
    await typeInto(page, 'contact', '07700 900555');
    const today = new Date();
    await typeInto(page, 'joined_on-day', String(today.getDate()));
    await typeInto(page, 'joined_on-month', String(today.getMonth() + 1));
    await typeInto(page, 'joined_on-year', String(today.getFullYear()));
    await tabToText(page, 'Add to the team');
    const added = await enter(page);
    assert.equal(added.status(), 200, await where(page));
    assert.match(await page.locator('main').innerText(), /Pat Ellis/);

    await tabToText(page, 'Record a meeting');
    await enter(page);
    assert.equal(await page.locator('#attendee_name-1').inputValue() !== '', true, 'the team is filled in');
    await tabToId(page, 'kind');
    await page.keyboard.press('Space');
    await typeInto(page, 'held_on-day', String(today.getDate()));
    await typeInto(page, 'held_on-month', String(today.getMonth() + 1));
    await typeInto(page, 'held_on-year', String(today.getFullYear()));
    await typeInto(page, 'notes', 'Pat will collect the children on Tuesdays.');
    await shot(page, 'meeting');
    await tabToText(page, 'Record the meeting');
    const recorded = await enter(page);
    assert.equal(recorded.status(), 200, await where(page));
    assert.match(await page.locator('main').innerText(), /Pat will collect the children on Tuesdays/);

    await page.setViewportSize({ width: 375, height: 800 });
    await visit(page, `${caf}/team`);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(sideways, false, 'the team page fits a phone');
    await shot(page, 'team-375');
    await page.setViewportSize({ width: 1280, height: 900 });
    for (const p of [`${caf}/team/lead`, `${caf}/owner`, `${caf}/step-up`, `${caf}/versions`, `${caf}/versions/compare?from=1&to=now`]) {
      await visit(page, p);
    }
    assert.match(await h1Text(page), /^Version 1 compared with the CAF as it is now/);
  });

  it('the wording page is accessible and names each problem', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_ADMIN);
    await visit(page, '/admin/wording');
    await page.locator('#assessment').fill('');
    const refused = await submitAndWait(page, page.getByRole('button', { name: 'Save a new version' }));
    assert.equal(refused.status(), 422);
    await checkPage(page);
    const summary = await page.locator('.govuk-error-summary').innerText();
    assert.match(summary, /Enter what the assessment is called/);
    assert.match(summary, /Say why the wording is changing/);
  });
});
