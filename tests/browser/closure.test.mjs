// Closing a CAF and starting a new one after it: the close form (an empty form refused with
// its error summary), the confirmation with the family's final copy and the feedback offer,
// the closed task list, the family copy with the closing summary, and the form for the new
// linked CAF. Every page is checked with axe-core (WCAG 2.2 AA) and for console errors.
// Screenshots go to $ECAF_TEST_SHOTS (default /tmp/shots).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { checkPage, h1Text, signIn, submitAndWait, useApp, visit, where } from './harness.mjs';
import { switchManagerSignOff } from './manager_sign_off.mjs';

const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';

async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `closure-${name}.png`), fullPage: true });
}

describe('closing a CAF', () => {
  const app = useApp({ name: 'closure' });

  it('closes the demo CAF Jayden agreed to, then offers a new CAF linked to it', async (t) => {
    // The practitioner takes the step themselves, as where the area asks for no sign-off.
    await switchManagerSignOff(app, t, []);
    const page = await app.newPage(t);
    await signIn(page, 'leon.walsh@demo.ecaf.org.uk');
    await visit(page, '/people/search');
    await page.locator('#given_name').fill('Jayden');
    await page.locator('#family_name').fill('Williams');
    await submitAndWait(page, page.getByRole('button', { name: 'Search' }));
    const record = await page.locator('a[href^="/people/"]:not([href*="/search"])').filter({ hasText: 'Jayden' }).first().getAttribute('href');
    await visit(page, record);
    const caf = await page.locator('a[href^="/cafs/"]').first().getAttribute('href');
    assert.match(caf, /^\/cafs\/\d+$/, `no CAF link on ${await where(page)}`);

    await visit(page, caf);
    await submitAndWait(page, page.getByRole('link', { name: 'Close the CAF' }));
    await checkPage(page);
    assert.equal(await h1Text(page), 'Close the CAF');

    const refused = await submitAndWait(page, page.getByRole('button', { name: 'Close the CAF' }));
    assert.equal(refused.status(), 422, await where(page));
    await checkPage(page);
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.locator('.govuk-error-summary').isVisible());
    await shot(page, 'refused');

    await page.getByLabel('Actions complete and outcomes achieved').check();
    await page.locator('#summary').fill('Jayden is back at college full time. Carrying on: his mentor meets him weekly.');
    const today = new Date();
    await page.locator('#closed_on-day').fill(String(today.getDate()));
    await page.locator('#closed_on-month').fill(String(today.getMonth() + 1));
    await page.locator('#closed_on-year').fill(String(today.getFullYear()));
    await submitAndWait(page, page.getByRole('button', { name: 'Close the CAF' }));
    await checkPage(page);
    assert.equal(await h1Text(page), 'CAF closed', await where(page));
    assert.ok(await page.getByRole('link', { name: "Print the family's final copy" }).isVisible());
    await shot(page, 'confirmation');

    await visit(page, caf);
    assert.ok(await page.getByText('Closed on').first().isVisible(), await where(page));
    assert.equal(await page.getByRole('link', { name: 'Close the CAF' }).count(), 0);
    await shot(page, 'closed-task-list');
    await visit(page, `${caf}/family-copy`);
    assert.ok(await page.getByRole('heading', { name: 'Closing the CAF' }).isVisible());
    await visit(page, caf);
    await submitAndWait(page, page.getByRole('link', { name: 'Start a new CAF linked to this one' }));
    await checkPage(page);
    assert.equal(await h1Text(page), 'Start a new CAF linked to this one');
  });
});
