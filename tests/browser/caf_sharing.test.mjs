// Sharing without consent, by keyboard alone: from the task list of the demo family CAF to a
// recorded decision (the safeguarding warning first, an empty form refused), and
// the family's copy on screen and in print. Every page is checked with axe-core (WCAG 2.2 AA)
// and for browser console errors. Screenshots go to $ECAF_TEST_SHOTS (default /tmp/shots).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { DEMO_PRACTITIONER, checkPage, h1Text, signIn, submitAndWait, useApp, visit, where } from './harness.mjs';
import { enter, hughesTaskList, tabToId, tabToText, typeInto } from './keyboard.mjs';

const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `caf-sharing-${name}.png`), fullPage: true });
}

describe('sharing without consent and the family copy', () => {
  const app = useApp();

  it('records a decision to share by keyboard alone', async (t) => {
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, DEMO_PRACTITIONER);
    const caf = await hughesTaskList(page);

    await tabToText(page, 'Record a decision to share without consent');
    await enter(page);
    assert.equal(await h1Text(page), 'Record a decision to share information without consent');
    const warning = await page.locator('.govuk-warning-text').innerText();
    assert.match(warning, /make a safeguarding referral now/);

    // Nothing chosen: the error summary takes the focus and names each field.
    await tabToText(page, 'Record the decision');
    const refused = await enter(page);
    assert.equal(refused.status(), 422);
    assert.match(await page.title(), /^Error: /);
    const summary = await page.locator('.govuk-error-summary').innerText();
    assert.match(summary, /Select whether you shared information without consent/);

    await tabToId(page, 'shared');
    await page.keyboard.press('Space');
    await tabToId(page, 'agencies');
    await page.keyboard.press('Space');
    await tabToId(page, 'basis');
    await page.keyboard.press('Space');
    await typeInto(page, 'reasoning', 'Amelia described being hit at home; her parents refused consent to tell the school nurse.');
    const today = new Date();
    await typeInto(page, 'decided_on-day', String(today.getDate()));
    await typeInto(page, 'decided_on-month', String(today.getMonth() + 1));
    await typeInto(page, 'decided_on-year', String(today.getFullYear()));
    await shot(page, 'form');
    await tabToText(page, 'Record the decision');
    const saved = await enter(page);
    assert.equal(saved.status(), 200, await where(page));
    assert.equal(new URL(page.url()).pathname, caf);
    const banner = await page.locator('.govuk-notification-banner').innerText();
    assert.match(banner, /The decision on sharing without consent has been recorded/);
    assert.match(await page.locator('main').innerText(), /Shared with /);
    await shot(page, 'recorded');
  });

  it('shows the family copy on screen and in print', async (t) => {
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, DEMO_PRACTITIONER);
    await hughesTaskList(page);
    // GOV.UK Frontend prints each link's address after it; our print stylesheet does not.
    await page.emulateMedia({ media: 'print' });
    const address = await page.evaluate(() => getComputedStyle(document.querySelector('main .govuk-link[href^="/"]'), '::after').content);
    assert.equal(address, 'none', 'no link addresses in print');
    await page.emulateMedia({ media: 'screen' });
    await tabToText(page, 'Print a copy for the family');
    await enter(page);
    assert.match(await h1Text(page), /^Your copy of the assessment for Amelia Hughes and Oliver Hughes/);
    const print = page.getByRole('button', { name: 'Print this page' });
    assert.equal(await print.isVisible(), true, 'the script shows the print button');
    await shot(page, 'family-copy');

    await page.emulateMedia({ media: 'print' });
    const printed = await page.evaluate(() => {
      const hidden = (selector) => [...document.querySelectorAll(selector)].every((e) => getComputedStyle(e).display === 'none');
      return {
        chrome: hidden('.govuk-template__header') && hidden('.govuk-footer') && hidden('.govuk-phase-banner') && hidden('.govuk-back-link'),
        button: hidden('[data-ecaf-print]'),
        breaks: [...document.querySelectorAll('.ecaf-family-copy__part')].slice(1).every((e) => getComputedStyle(e).breakBefore === 'page'),
        colour: getComputedStyle(document.querySelector('h1')).color,
      };
    });
    assert.deepEqual(printed, { chrome: true, button: true, breaks: true, colour: 'rgb(0, 0, 0)' });
    await shot(page, 'family-copy-print');
  });
});
