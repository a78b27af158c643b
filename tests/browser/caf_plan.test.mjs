// The action plan, by keyboard alone: from the task list of the demo family CAF (its plan
// agreed) to the plan, an empty action refused field by field, an action added, and its
// status updated with a reason; the plan's table stacks at 375 px. Every page is checked with
// axe-core (WCAG 2.2 AA) and for browser console errors. Screenshots go to $ECAF_TEST_SHOTS
// (default /tmp/shots).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { DEMO_PRACTITIONER, checkPage, h1Text, signIn, submitAndWait, useApp, visit, where } from './harness.mjs';
import { enter, hughesTaskList, tabToId, tabToText, typeInto } from './keyboard.mjs';

const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `caf-plan-${name}.png`), fullPage: true });
}

describe('the action plan', () => {
  const app = useApp();

  it('adds an action and updates its status by keyboard alone', async (t) => {
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, DEMO_PRACTITIONER);
    const caf = await hughesTaskList(page);

    await tabToText(page, 'Action plan');
    await enter(page);
    assert.equal(await h1Text(page), 'Action plan');
    const plan = await page.locator('main').innerText();
    assert.match(plan, /The plan has been agreed\. The next review is due by/);
    assert.match(plan, /Sarah Hughes \(parent or carer\)/);
    await shot(page, 'plan');

    await tabToText(page, 'Add an action');
    await enter(page);
    assert.equal(await h1Text(page), 'Add an action to the plan');
    await tabToText(page, 'Add the action');
    const refused = await enter(page);
    assert.equal(refused.status(), 422);
    assert.match(await page.title(), /^Error: /);
    const summary = await page.locator('.govuk-error-summary').innerText();
    for (const message of ['Enter what will be done', 'Select who will do it', 'Enter the date it will be done by', 'Enter the outcome it aims at']) {
      assert.match(summary, new RegExp(message));
    }

    await typeInto(page, 'what', 'Ask the school nurse to see Oliver about his sleep, and share what she advises with Sarah');
    await tabToId(page, 'owner');
    // The radios are one tab stop: arrows move through them, to Oliver, then a parent or carer.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await typeInto(page, 'owner_name', 'Sarah Hughes');
    const due = new Date(Date.now() + 21 * 24 * 3600 * 1000);
    await typeInto(page, 'due_on-day', String(due.getDate()));
    await typeInto(page, 'due_on-month', String(due.getMonth() + 1));
    await typeInto(page, 'due_on-year', String(due.getFullYear()));
    await typeInto(page, 'waiting_list', 'About 3 weeks for the nurse');
    await typeInto(page, 'outcome', 'Oliver sleeps through most nights');
    await shot(page, 'new-action');
    await tabToText(page, 'Add the action');
    const added = await enter(page);
    assert.equal(added.status(), 200, await where(page));
    assert.equal(new URL(page.url()).pathname, `${caf}/plan`);
    assert.match(await page.locator('.govuk-notification-banner').innerText(), /The action has been added to the plan/);
    assert.match(await page.locator('main').innerText(), /Waiting list: About 3 weeks for the nurse/);

    await tabToText(page, 'Update the status of action 4');
    await enter(page);
    assert.equal(await h1Text(page), 'Update an action');
    await tabToId(page, 'status');
    // Not started → in progress → done → not done.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await tabToText(page, 'Save');
    const noReason = await enter(page);
    assert.equal(noReason.status(), 422);
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Say why it was not done/);
    await typeInto(page, 'reason', 'The nurse has left and the post is vacant');
    await tabToText(page, 'Save');
    const saved = await enter(page);
    assert.equal(saved.status(), 200, await where(page));
    assert.match(await page.locator('main').innerText(), /Not done: The nurse has left and the post is vacant/);

    // At 375 px the table stacks: each cell on its own line, labelled.
    await page.setViewportSize({ width: 375, height: 800 });
    await checkPage(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no sideways scrolling at 375 px');
    await shot(page, 'plan-375');
  });
});
