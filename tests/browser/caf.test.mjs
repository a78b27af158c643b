// A CAF by keyboard alone, from starting it for a child on the register to sign-off: the
// agreement, every required section from the task list, a Parent/Child Indicator refused
// and corrected, consent to share, check answers, sign-off, version 1 and the chronology.
// Every page visited is checked with axe-core (WCAG 2.2 AA) and for browser console errors.
// Full-page screenshots go to $ECAF_TEST_SHOTS (default /tmp/shots) as caf-*.png.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { DEMO_PRACTITIONER, checkPage, h1Text, signIn, submitAndWait, useApp, visit, where } from './harness.mjs';
import { switchManagerSignOff } from './manager_sign_off.mjs';
import { enter, tabToId, tabToText, tabUntil, typeDate, typeInto } from './keyboard.mjs';

const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `caf-${name}.png`), fullPage: true });
}

describe('a CAF by keyboard', () => {
  const app = useApp();

  it('goes from the agreement to version 1 and the chronology', async (t) => {
    // The practitioner takes the step themselves, as where the area asks for no sign-off.
    await switchManagerSignOff(app, t, []);
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, DEMO_PRACTITIONER);
    // Setting up: find a demo child with no CAF yet (Amelia Hughes has the demo family CAF).
    await visit(page, '/people/search');
    await page.locator('#given_name').fill('Aaliyah');
    await page.locator('#family_name').fill('Khan');
    await submitAndWait(page, page.getByRole('button', { name: 'Search' }));
    const record = await page.locator('a[href^="/people/"]:not([href*="/search"])').filter({ hasText: 'Aaliyah' }).first().getAttribute('href');
    assert.match(record, /^\/people\/\d+$/, `no record link on ${await where(page)}`);

    await visit(page, `${record}/cafs/new`);
    await shot(page, 'start');
    await tabToId(page, 'giver');
    await page.keyboard.press('ArrowDown'); // a parent or carer
    await typeInto(page, 'giver_name', 'Farida Khan');
    await typeDate(page, 'agreed_on', '20', '11', '2026');
    await tabToId(page, 'may_contact');
    await page.keyboard.press('Space');
    await tabToText(page, 'Start the CAF');
    await enter(page);
    assert.match(await h1Text(page), /^CAF for Aaliyah/, await where(page));
    const taskList = new URL(page.url()).pathname;
    await shot(page, 'task-list');

    const required = await page.$$eval('.govuk-task-list__item', (items) =>
      items.filter((i) => !i.querySelector('.govuk-task-list__hint')).map((i) => i.querySelector('a').getAttribute('href')),
    );
    assert.ok(required.length >= 10, `required sections on ${taskList}`);
    for (const href of required) {
      await tabUntil(page, href, (f) => f.href === href);
      await enter(page);
      if (href.includes('/purpose')) {
        await tabToId(page, 'purpose');
        await page.keyboard.press('Space');
      }
      if (href.includes('/development')) await shot(page, 'development');
      if (href.includes('/priorities')) {
        await typeInto(page, 'pci_need-1', 'School attendance');
        await typeInto(page, 'pci_score-1', '9');
        await tabToId(page, 'completed');
        await page.keyboard.press('Space');
        await tabToText(page, 'Save and continue');
        const refused = await enter(page);
        assert.equal(refused.status(), 422, await where(page));
        await shot(page, 'priorities-error');
        assert.match(await page.title(), /^Error: /);
        // The error summary takes the focus; its link leads to the box to correct.
        await tabUntil(page, 'the error link', (f) => f.href === '#pci_score-1');
        await page.keyboard.press('Enter');
        await tabToId(page, 'pci_score-1');
        await page.keyboard.press('Control+A');
        await page.keyboard.type('4');
      }
      await tabToId(page, 'completed');
      await page.keyboard.press('Space');
      await tabToText(page, 'Save and continue');
      await enter(page);
      assert.equal(new URL(page.url()).pathname, taskList, `saving ${href}: ${await where(page)}`);
    }

    await tabUntil(page, 'the consent link', (f) => f.href.endsWith('/consent'));
    await enter(page);
    await typeInto(page, 'parent1_name', 'Farida Khan');
    await typeDate(page, 'given_on', '24', '11', '2026');
    await typeInto(page, 'signed_copy_kept', 'School safeguarding file');
    await tabToText(page, 'Record consent');
    await enter(page);
    assert.equal(new URL(page.url()).pathname, taskList, await where(page));

    await tabUntil(page, 'the sign-off link', (f) => f.href.endsWith('/sign-off'));
    await enter(page);
    await shot(page, 'check-answers');
    await tabToText(page, 'Sign off the assessment');
    await enter(page);
    assert.equal(await h1Text(page), 'Version 1', await where(page));
    assert.match(await page.locator('main').innerText(), /School attendance: 4 out of 5/);
    await shot(page, 'version-1');

    await visit(page, `${record}/chronology`);
    assert.match(await page.locator('main').innerText(), /Assessment signed off/);
    await page.setViewportSize({ width: 375, height: 800 });
    await shot(page, 'chronology-375');
    await visit(page, taskList);
    await shot(page, 'task-list-375');

    // The family withdraws consent; a "yes" on significant harm points to the referral at once.
    await tabUntil(page, 'the withdrawal link', (f) => f.href.endsWith('/consent/withdraw'));
    await enter(page);
    await typeDate(page, 'withdrawn_on', '25', '11', '2026');
    await tabToId(page, 'reason');
    await page.keyboard.press('Space');
    await tabToId(page, 'harm');
    await page.keyboard.press('Space');
    await typeInto(page, 'harm_reasoning', 'Bruising seen at school');
    await tabToText(page, 'Record withdrawal');
    await enter(page);
    assert.equal(await h1Text(page), 'Make a safeguarding referral now', await where(page));
    await page.reload();
    assert.equal(await h1Text(page), 'Make a safeguarding referral now', 'Refresh shows it again');
    await shot(page, 'withdrawn-375');

    // Someone from another agency, nobody to the family, sees only that the CAF exists.
    const other = await app.newPage(t);
    await signIn(other, 'leon.walsh@demo.ecaf.org.uk');
    await visit(other, taskList);
    assert.equal(await h1Text(other), 'A CAF exists for this child', await where(other));
    assert.doesNotMatch(await other.locator('main').innerText(), /School attendance|Farida Khan/);
  });
});
