// Asking to join the team around the family, by keyboard alone. Dr Amir Khan (a GP whose
// practice the Hughes family has not agreed may see their CAF) finds only that it exists,
// asks to join (an empty request refused first), and is told it was sent. Sam, its lead
// professional, finds both requests (the demo's from Leon Walsh and the new one) on his home
// page: he accepts Leon's with the family's agreement (an incomplete answer refused first)
// and declines Amir's, saying why; Amir reads the reason, and Leon now reads the CAF. Every
// page is checked with axe-core (WCAG 2.2 AA) and for console errors, and the answer page for
// sideways scrolling at 375 px. Screenshots go to $ECAF_TEST_SHOTS.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { DEMO_PRACTITIONER, h1Text, signIn, useApp, visit, where } from './harness.mjs';
import { enter, hughesTaskList, tabToId, tabToText, typeDate, typeInto } from './keyboard.mjs';

const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';
const AMIR = 'amir.khan@demo.ecaf.org.uk';
const LEON = 'leon.walsh@demo.ecaf.org.uk';

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `join-${name}.png`), fullPage: true });
}

describe('asking to join the team around the family', () => {
  const app = useApp({ name: 'join' });

  it('is asked, accepted and declined by keyboard alone', async (t) => {
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, DEMO_PRACTITIONER);
    const caf = await hughesTaskList(page);
    await page.context().clearCookies();

    // Amir sees only that the CAF exists, and asks.
    await signIn(page, AMIR);
    await visit(page, caf);
    assert.match(await h1Text(page), /exists for this child/);
    const outside = await page.locator('main').innerText();
    assert.doesNotMatch(outside, /Sarah Hughes|Oliver/, 'nothing of the CAF is shown');
    await tabToText(page, 'Ask to join the team around the family');
    await enter(page);
    assert.equal(await h1Text(page), 'Ask to join the team around the family');
    await tabToText(page, 'Send the request');
    const empty = await enter(page);
    assert.equal(empty.status(), 422);
    assert.match(await page.title(), /^Error: /);
    assert.match(await page.locator('.govuk-error-summary').innerText(), /Enter why you need to join/);
    await typeInto(page, 'reason', 'Amelia is registered with us and I see her for her asthma reviews.');
    await tabToText(page, 'Send the request');
    const sent = await enter(page);
    assert.equal(sent.status(), 200, await where(page));
    assert.equal(await h1Text(page), 'Request sent');
    await shot(page, 'sent');
    await visit(page, caf);
    assert.match(await page.locator('main').innerText(), /You asked to join the team around the family on/);
    await page.context().clearCookies();

    // Sam finds both requests on his home page and answers Leon's.
    await signIn(page, DEMO_PRACTITIONER);
    const home = await page.locator('main').innerText();
    assert.match(home, /Requests to join your teams \(2\)/);
    assert.match(home, /Leon Walsh \(Brookford Youth Service\)/);
    const leonHref = await page.locator('a[href*="/join-requests/"]').filter({ hasText: /CAF-/ }).first().getAttribute('href');
    await visit(page, leonHref);
    assert.equal(await h1Text(page), 'Leon Walsh asked to join the team around the family');
    await tabToId(page, 'decision');
    await page.keyboard.press('Space');
    await tabToText(page, 'Send your answer');
    const incomplete = await enter(page);
    assert.equal(incomplete.status(), 422);
    assert.match(
      await page.locator('.govuk-error-summary').innerText(),
      /Select whether the family agreed that Brookford Youth Service may receive the CAF/,
    );
    await tabToId(page, 'family_agreed');
    await page.keyboard.press('Space');
    const today = new Date();
    await typeDate(page, 'agreed_on', String(today.getDate()), String(today.getMonth() + 1), String(today.getFullYear()));
    await typeInto(page, 'agreed_how', 'By telephone with Sarah Hughes');
    await shot(page, 'answer');
    await tabToText(page, 'Send your answer');
    const accepted = await enter(page);
    assert.equal(accepted.status(), 200, await where(page));
    assert.equal(await h1Text(page), 'Team around the family');
    const team = await page.locator('main').innerText();
    assert.match(team, /Leon Walsh/);

    // Amir's request: declined, with the reason he will read.
    const amirHref = await page.locator('a[href*="/join-requests/"]').first().getAttribute('href');
    await visit(page, amirHref);
    assert.equal(await h1Text(page), 'Dr Amir Khan asked to join the team around the family');
    await page.setViewportSize({ width: 375, height: 800 });
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(sideways, false, 'the answer page fits a phone');
    await shot(page, 'answer-375');
    await page.setViewportSize({ width: 1280, height: 900 });
    await tabToId(page, 'decision');
    await page.keyboard.press('ArrowDown');
    await typeInto(page, 'decline_reason', 'The family asked for the school nurse to lead on health; please contact Sam Taylor.');
    await tabToText(page, 'Send your answer');
    const declined = await enter(page);
    assert.equal(declined.status(), 200, await where(page));
    await page.context().clearCookies();

    await signIn(page, AMIR);
    await visit(page, caf);
    const told = await page.locator('main').innerText();
    assert.match(told, /was declined by Sam Taylor/);
    assert.match(told, /please contact Sam Taylor/);
    await shot(page, 'declined');
    await page.context().clearCookies();

    // Leon reads the CAF now.
    await signIn(page, LEON);
    await visit(page, caf);
    assert.doesNotMatch(await h1Text(page), /exists for this child/);
    assert.match(await page.locator('main').innerText(), /Amelia/);
  });
});
