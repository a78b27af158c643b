// The child moving away: from the CAF's task list, "The child has moved away" offers the
// download of the whole CAF (JSON) and closes it as moved out of the area; an empty form is
// refused with its error summary. The page a received CAF shows what was sent. Every page is
// checked with axe-core (WCAG 2.2 AA) and for console errors.
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
  await page.screenshot({ path: path.join(SHOTS, `transfer-${name}.png`), fullPage: true });
}

describe('the child moving away', () => {
  const app = useApp({ name: 'transfer' });

  it('downloads the CAF Jayden agreed to and closes it as moved out of the area', async (t) => {
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
    const download = page.getByRole('link', { name: 'Download this CAF (JSON)' });
    assert.equal(await download.getAttribute('href'), `${caf}/export.json`);
    await submitAndWait(page, page.getByRole('link', { name: 'The child has moved away' }));
    await checkPage(page);
    assert.equal(await h1Text(page), 'The child has moved away');
    await shot(page, 'form');

    const refused = await submitAndWait(page, page.getByRole('button', { name: 'Close the CAF as moved out of the area' }));
    assert.equal(refused.status(), 422, await where(page));
    await checkPage(page);
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.locator('.govuk-error-summary').isVisible());
    await shot(page, 'refused');

    await page.getByLabel('Which local authority has the family moved to?').fill('Leeds City Council');
    await page.locator('#summary').fill('The family moved to Leeds; the CAF was sent to their early help team.');
    const today = new Date();
    await page.locator('#closed_on-day').fill(String(today.getDate()));
    await page.locator('#closed_on-month').fill(String(today.getMonth() + 1));
    await page.locator('#closed_on-year').fill(String(today.getFullYear()));
    await submitAndWait(page, page.getByRole('button', { name: 'Close the CAF as moved out of the area' }));
    await checkPage(page);
    assert.equal(await h1Text(page), 'CAF closed', await where(page));
    assert.ok(await page.getByText('Moved out of the area').first().isVisible());
  });
});
