// WCAG 1.4.10 reflow: at 375 CSS pixels wide no page scrolls sideways, tables included (they
// stack, one block per row, each cell led by its column's name).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEMO_ADMIN, checkPage, signIn, useApp, visit, where } from './harness.mjs';

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
