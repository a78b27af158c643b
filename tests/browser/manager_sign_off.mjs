// The demo switches manager sign-off on for the assessment, the plan and closure. Journeys of
// a practitioner taking those steps themselves switch it off first, as an administrator would.

import assert from 'node:assert/strict';

import { DEMO_ADMIN, signIn, submitAndWait, visit, where } from './harness.mjs';

/** Sets which steps need a line manager's sign-off (`assessment`, `plan`, `closure`). */
export async function switchManagerSignOff(app, t, steps) {
  const page = await app.newPage(t);
  await signIn(page, DEMO_ADMIN);
  await visit(page, '/admin/sign-off');
  for (const step of ['assessment', 'plan', 'closure']) {
    await page.locator(`#step-${step}`).setChecked(steps.includes(step));
  }
  await submitAndWait(page, page.getByRole('button', { name: 'Save manager sign-off' }));
  assert.ok(await page.getByText('Manager sign-off saved').isVisible(), await where(page));
  await page.close();
}
