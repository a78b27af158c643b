// WCAG 1.4.10 reflow: at 375 CSS pixels wide no page scrolls sideways, tables included (they
// stack, one block per row, each cell led by its column's name).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEMO_ADMIN, DEMO_PRACTITIONER, checkPage, signIn, submitAndWait, useApp, visit, where } from './harness.mjs';

/** How far the page is wider than the window, in CSS pixels (0 when it reflows). */
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

describe('reflow at 375 px', () => {
  const app = useApp();

  it('the sign-in page, the account and the administration pages fit a phone', async (t) => {
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 375, height: 800 });
    await visit(page, '/sign-in');
    assert.equal(await overflow(page), 0, `sign-in scrolls sideways: ${await where(page)}`);
    await signIn(page, DEMO_ADMIN);
    for (const path of ['/', '/account', '/account/api-tokens', '/admin/users', '/admin/users/new', '/admin/agencies', '/admin/audit']) {
      await visit(page, path);
      assert.equal(await overflow(page), 0, `${path} scrolls sideways at 375 px: ${await where(page)}`);
    }
  });

  it('the register\'s search results, a record and its history fit a phone', async (t) => {
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 375, height: 800 });
    await signIn(page, DEMO_PRACTITIONER);
    await visit(page, '/people/search');
    await page.locator('#given_name').fill('Emilia');
    await page.locator('#family_name').fill('Hughs');
    await page.locator('#date_of_birth-day').fill('3');
    await page.locator('#date_of_birth-month').fill('7');
    await page.locator('#date_of_birth-year').fill('2019');
    await submitAndWait(page, page.getByRole('button', { name: 'Search', exact: true }));
    assert.match(new URL(page.url()).pathname, /^\/people\/search\/[0-9a-f]+$/, `the search should show its results: ${await where(page)}`);
    assert.equal(await overflow(page), 0, `the search results scroll sideways at 375 px: ${await where(page)}`);
    await checkPage(page);
    // Amelia Hughes's record: the demo's family, with household and relationship tables.
    const record = await page.locator('main .govuk-summary-card').first().getByRole('link', { name: /^View record/ }).getAttribute('href');
    for (const path of [record, `${record}/history`]) {
      await visit(page, path);
      assert.equal(await overflow(page), 0, `${path} scrolls sideways at 375 px: ${await where(page)}`);
      const tables = page.locator('main table');
      for (let i = 0; i < (await tables.count()); i++) {
        assert.ok(
          (await tables.nth(i).getAttribute('class')).includes('ecaf-table--stack'),
          `table ${i + 1} on ${path} does not stack at 375 px`,
        );
        const unlabelled = await tables.nth(i).locator('tbody td:not([data-label])').count();
        assert.equal(unlabelled, 0, `table ${i + 1} on ${path} has cells without a column name`);
      }
      await checkPage(page);
    }
  });

  it('a stacked table names each cell by its column', async (t) => {
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 375, height: 800 });
    await signIn(page, DEMO_ADMIN);
    await visit(page, '/admin/users');
    const first = page.locator('table.ecaf-table--stack tbody tr').first().locator('td').nth(1);
    const label = await first.evaluate((td) => getComputedStyle(td, '::before').content);
    assert.equal(label, '"Email address: "');
    await checkPage(page);
  });
});
