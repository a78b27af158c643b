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
import { enter, hughesTaskList, tabToId, tabToText, typeInto } from './keyboard.mjs';

const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `team-${name}.png`), fullPage: true });
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
