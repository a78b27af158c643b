// Choosing which emails you get (/account/notifications), with a refused choice shown in the
// error summary, keyboard only; and the administrators' jobs and email page (/admin/jobs),
// listing the scheduler's runs and saying that no mail transport is configured. Every page is
// checked with axe-core (WCAG 2.2 AA) and for console errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEMO_ADMIN, DEMO_PRACTITIONER, checkPage, h1Text, signIn, submitAndWait, useApp, visit, where } from './harness.mjs';

describe('emails and jobs', () => {
  const app = useApp({ name: 'notifications' });

  it('a practitioner turns the urgent emails off and back on, with the keyboard', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_PRACTITIONER);
    await visit(page, '/account');
    await submitAndWait(page, page.getByRole('link', { name: 'Choose which emails you get' }));
    await checkPage(page);
    assert.equal(await h1Text(page), 'Emails you get');
    const urgent = page.getByLabel('Urgent emails at once');
    const digest = page.getByLabel('A daily digest of everything else');
    assert.ok(await urgent.isChecked());
    assert.ok(await digest.isChecked());

    await urgent.focus();
    await page.keyboard.press('Space');
    assert.equal(await urgent.isChecked(), false);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const saved = await submitAndWait(page, () => page.keyboard.press('Enter'));
    assert.ok(saved.status() < 400, await where(page));
    await checkPage(page);
    assert.ok(await page.getByText('Your email choices have been saved').isVisible(), await where(page));
    assert.equal(await page.getByLabel('Urgent emails at once').isChecked(), false);
    assert.ok(await page.getByLabel('A daily digest of everything else').isChecked());

    // A value the form never offers (a tampered page) is refused with the error summary.
    await page.getByLabel('Urgent emails at once').evaluate((box) => {
      box.value = 'hourly';
      box.checked = true;
    });
    const refused = await submitAndWait(page, page.getByRole('button', { name: 'Save your choices' }));
    assert.equal(refused.status(), 422, await where(page));
    await checkPage(page);
    assert.match(await page.title(), /^Error: /);
    assert.ok(await page.locator('.govuk-error-summary').isVisible());
    await page.getByRole('link', { name: 'Select the emails you want from the list' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'receive');

    await page.getByLabel('Urgent emails at once').check();
    await submitAndWait(page, page.getByRole('button', { name: 'Save your choices' }));
    await checkPage(page);
    assert.ok(await page.getByLabel('Urgent emails at once').isChecked());
  });

  it('an administrator sees the jobs that ran and that email is not being sent', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_ADMIN);
    await visit(page, '/admin/jobs');
    assert.equal(await h1Text(page), 'Jobs and email');
    assert.ok(await page.getByText('Email is not being sent').isVisible(), await where(page));
    assert.ok(await page.getByRole('cell', { name: 'send-notifications' }).first().isVisible(), await where(page));
    await submitAndWait(page, page.getByRole('link', { name: 'Show failed runs only' }));
    await checkPage(page);
    assert.ok(await page.getByText('No run has failed.').isVisible(), await where(page));
  });
});
