// Reviews by keyboard alone: the demo family CAF (its plan agreed) reviewed twice, its
// Parent/Child Indicators improving, the second review deciding to close, then the closure;
// the distance travelled chart and its table on the CAF and in the family copy; an empty
// review refused field by field. Every page is checked with axe-core (WCAG 2.2 AA) and for
// console errors; at 375 px nothing scrolls sideways. Screenshots go to $ECAF_TEST_SHOTS.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { DEMO_PRACTITIONER, h1Text, signIn, useApp, visit, where } from './harness.mjs';
import { switchManagerSignOff } from './manager_sign_off.mjs';
import { enter, hughesTaskList, tabToId, tabToText, typeInto } from './keyboard.mjs';

const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `review-${name}.png`), fullPage: true });
}

/** Ticks the first radio of a group (a group is one tab stop) and moves down `down` options. */
async function choose(page, id, down = 0) {
  await tabToId(page, id);
  await page.keyboard.press('Space');
  for (let i = 0; i < down; i++) await page.keyboard.press('ArrowDown');
}

/** Fills a review of the Hughes CAF's three indicators with `scores` and the decision. */
async function fillReview(page, scores, decisionDown) {
  await choose(page, 'setting');
  await choose(page, 'undertaken', 1);
  await typeInto(page, 'improvements', 'Evenings are calmer; the arrears plan is agreed with the landlord.');
  for (const [i, score] of scores.entries()) await typeInto(page, `pci_score-${i + 1}`, String(score));
  await choose(page, 'consent_resought');
  await typeInto(page, 'family_view', 'Sarah and Daniel say things feel more settled.');
  await typeInto(page, 'child_view', 'Amelia likes her sticker chart; Oliver likes homework club.');
  await choose(page, 'feedback_offered');
  await choose(page, 'decision', decisionDown);
}

/** The cells of the distance table's row for `need`. */
async function row(page, scope, need) {
  return page.locator(`${scope} table.govuk-table tr`, { has: page.locator('th', { hasText: need }) }).first().locator('td').allInnerTexts();
}

describe('reviews and distance travelled', () => {
  const app = useApp();

  it('reviews the plan twice and closes the CAF by keyboard alone', async (t) => {
    // The practitioner takes the step themselves, as where the area asks for no sign-off.
    await switchManagerSignOff(app, t, []);
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, DEMO_PRACTITIONER);
    const caf = await hughesTaskList(page);
    assert.deepEqual(await row(page, '#main-content', 'Calm evening routines'), ['4']);

    await tabToText(page, 'Record a review');
    await enter(page);
    assert.equal(await h1Text(page), 'Record review 1');
    await tabToText(page, 'Record the review');
    const refused = await enter(page);
    assert.equal(refused.status(), 422);
    assert.match(await page.title(), /^Error: /);
    const summary = await page.locator('.govuk-error-summary').innerText();
    for (const message of [
      'Select how the review was held',
      'Select whether the actions have been undertaken',
      'The score for “Calm evening routines” must be a whole number',
      "Select whether the family's consent to share was asked for again",
      'Select what the review decided',
    ]) {
      assert.ok(summary.includes(message), `${message} in ${summary}`);
    }
    await shot(page, 'refused');

    await fillReview(page, [3, 4, 2], 0);
    await shot(page, 'first');
    await tabToText(page, 'Record the review');
    const first = await enter(page);
    assert.equal(first.status(), 200, await where(page));
    assert.equal(new URL(page.url()).pathname, `${caf}/reviews/1`);
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /Review 1 has been recorded/);
    assert.deepEqual(await row(page, '#main-content', 'Calm evening routines'), ['4', '3']);

    await visit(page, caf);
    await tabToText(page, 'Record a review');
    await enter(page);
    assert.equal(await h1Text(page), 'Record review 2');
    await fillReview(page, [2, 3, 1], 2);
    await tabToText(page, 'Record the review');
    await enter(page);
    assert.equal(new URL(page.url()).pathname, `${caf}/reviews/2`);
    assert.match(await page.locator('.govuk-warning-text').innerText(), /The review decided to close the CAF/);
    await shot(page, 'second');

    // The CAF: both reviews, the latest version, and the distance travelled.
    await visit(page, caf);
    const main = await page.locator('main').innerText();
    assert.match(main, /Review 1, .*: carry on with the plan and review it again \(version 2\)/);
    assert.match(main, /Review 2, .*: close the caf \(version 3\)/);
    assert.match(main, /Version 3, frozen at review 2, is the latest/);
    assert.deepEqual(await row(page, '#main-content', 'Calm evening routines'), ['4', '3', '2']);
    assert.deepEqual(await row(page, '#main-content', "Amelia's speech"), ['3', '2', '1']);
    const chart = page.getByRole('img', { name: /Parent\/Child Indicator scores from the start to review 2/ });
    assert.equal(await chart.count(), 1, 'the chart is an image named for what it shows');
    assert.match(await chart.locator('desc').textContent(), /Calm evening routines: 4 at first, 2 now: 2 points less concern/);
    await shot(page, 'caf');
    await page.setViewportSize({ width: 375, height: 800 });
    await visit(page, caf);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no sideways scrolling at 375 px');
    await shot(page, 'caf-375');
    await page.setViewportSize({ width: 1280, height: 900 });

    // The closure the review decided.
    await visit(page, `${caf}/reviews/2`);
    await tabToText(page, 'Record the closure');
    await enter(page);
    assert.equal(await h1Text(page), 'Close the CAF');
    await choose(page, 'reason');
    await typeInto(page, 'summary', 'Evenings are calm and the arrears are being paid. Amelia carries on with speech therapy through the school.');
    const today = new Date();
    await typeInto(page, 'closed_on-day', String(today.getDate()));
    await typeInto(page, 'closed_on-month', String(today.getMonth() + 1));
    await typeInto(page, 'closed_on-year', String(today.getFullYear()));
    await tabToText(page, 'Close the CAF');
    const closed = await enter(page);
    assert.equal(closed.status(), 200, await where(page));
    assert.match(await h1Text(page), /CAF closed/);

    await visit(page, `${caf}/family-copy`);
    assert.match(await page.locator('main').innerText(), /How things have changed/);
    assert.deepEqual(await row(page, '#main-content', 'Money and the rent arrears'), ['5', '4', '3']);
    await shot(page, 'family-copy');
  });
});
