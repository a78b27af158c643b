// Each role's home page: the practitioner's CAFs and actions, the line manager's team, the
// early help team's area and the service manager's figures, sorted by a column header and
// filtered through the form (both plain links and GET forms, so no JavaScript is needed), and
// the administrator's alert rules with a refused threshold. Every page is checked with axe-core
// (WCAG 2.2 AA) and at 375 px wide none scrolls sideways, its tables stacked.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEMO_ADMIN, DEMO_PRACTITIONER, checkPage, h1Text, signIn, submitAndWait, useApp, visit, where } from './harness.mjs';

/** How far the page is wider than the window, in CSS pixels (0 when it reflows). */
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

async function fitsAPhone(page, label) {
  await page.setViewportSize({ width: 375, height: 800 });
  assert.equal(await overflow(page), 0, `${label} scrolls sideways at 375 px: ${await where(page)}`);
  const tables = page.locator('main table');
  for (let i = 0; i < (await tables.count()); i++) {
    assert.ok((await tables.nth(i).getAttribute('class')).includes('ecaf-table--stack'), `table ${i + 1} on ${label} does not stack`);
  }
  await checkPage(page);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('home pages', () => {
  const app = useApp({ name: 'home' });

  it("a practitioner's CAFs sort by a column header and filter by state", async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_PRACTITIONER);
    await visit(page, '/');
    assert.equal(await h1Text(page), 'Your CAFs');
    await fitsAPhone(page, 'the practitioner home page');
    // The list of CAFs (Sam also has a request to join one of his teams, in a table above it).
    const reference = page.locator('main table thead').getByRole('link', { name: 'Reference' });
    await submitAndWait(page, reference);
    await checkPage(page);
    assert.equal(await page.locator('th[aria-sort="ascending"]').textContent(), 'Reference');
    await submitAndWait(page, page.locator('thead').getByRole('link', { name: 'Reference' }));
    assert.equal(await page.locator('th[aria-sort="descending"]').textContent(), 'Reference');
    await page.locator('#state').selectOption('plan_in_place');
    await submitAndWait(page, page.getByRole('button', { name: 'Apply filters' }));
    await checkPage(page);
    assert.match(page.url(), /state=plan_in_place/);
    assert.match(page.url(), /sort=reference/, 'the sort is kept when filtering');
    assert.ok(await page.getByRole('link', { name: 'Clear filters' }).isVisible());
  });

  it("a line manager's team, the early help team's area and a service manager's figures", async (t) => {
    const page = await app.newPage(t);
    await signIn(page, 'priya.shah@demo.ecaf.org.uk');
    await visit(page, '/?view=team');
    assert.equal(await h1Text(page), 'Your team');
    assert.ok(await page.getByRole('table', { name: 'People you manage' }).isVisible(), await where(page));
    await fitsAPhone(page, 'the line manager home page');

    const early = await app.newPage(t);
    await signIn(early, 'rachel.adeyemi@demo.ecaf.org.uk');
    await visit(early, '/');
    assert.equal(await h1Text(early), 'CAFs in the area');
    await fitsAPhone(early, 'the early help team home page');
    await submitAndWait(early, early.getByRole('link', { name: /^Without a lead professional/ }));
    await checkPage(early);
    assert.match(early.url(), /no_lead=yes/);
    await visit(early, '/?view=mine');
    assert.equal(await h1Text(early), 'Your CAFs');

    const service = await app.newPage(t);
    await signIn(service, 'david.hughes@demo.ecaf.org.uk');
    await visit(service, '/?view=service');
    assert.equal(await h1Text(service), 'Service overview');
    assert.ok(await service.getByRole('table', { name: 'Opened and closed in the last six months' }).isVisible());
    await fitsAPhone(service, 'the service manager home page');
  });

  it('an administrator switches on a local alert rule, a bad threshold refused first', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_ADMIN);
    await visit(page, '/admin/alert-rules');
    await fitsAPhone(page, 'the alert rules page');
    await page.locator('#draft_unfinished-enabled').check();
    await page.locator('#draft_unfinished-threshold').fill('0');
    const refused = await submitAndWait(page, page.getByRole('button', { name: 'Save alert rules' }));
    assert.equal(refused.status(), 422, await where(page));
    await checkPage(page);
    assert.ok(await page.locator('.govuk-error-summary').isVisible());
    await page.locator('#draft_unfinished-threshold').fill('30');
    await submitAndWait(page, page.getByRole('button', { name: 'Save alert rules' }));
    await checkPage(page);
    assert.ok(await page.getByText('Alert rules saved').isVisible(), await where(page));
    assert.ok(await page.locator('#draft_unfinished-enabled').isChecked());
  });
});
