// Keyboard-only helpers for the CAF journeys: where the focus is, Tab until something has
// it, type into a field, press Enter and wait for the page (checked with axe-core), and the
// demo family CAF's task list reached through the search.

import assert from 'node:assert/strict';

import { checkPage, submitAndWait, visit, where } from './harness.mjs';

export async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { id: '', href: '', text: '', describe: '<body>' };
    const text = (e.innerText || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 60);
    const href = e.getAttribute('href') || '';
    return { id: e.id, href, text, describe: `<${e.tagName.toLowerCase()} id="${e.id}" href="${href}"> "${text}"` };
  });
}

/** Presses Tab until `matches(focused)` holds; fails listing where the focus went instead. */
export async function tabUntil(page, what, matches, maxPresses = 200) {
  const seen = [];
  for (let i = 0; i <= maxPresses; i++) {
    const now = await focused(page);
    if (matches(now)) return now;
    seen.push(now.describe);
    await page.keyboard.press('Tab');
  }
  assert.fail(`Tab never reached ${what} on ${await where(page)}. Focus went to:\n- ${seen.slice(-20).join('\n- ')}`);
}

export const tabToId = (page, id) => tabUntil(page, `#${id}`, (f) => f.id === id);
export const tabToText = (page, text) => tabUntil(page, `"${text}"`, (f) => f.text === text);

export async function typeInto(page, id, text) {
  await tabToId(page, id);
  await page.keyboard.type(text);
}

/** Presses Enter on what has the focus and waits for the page it leads to, then checks it. */
export async function enter(page) {
  await page.evaluate(() => {
    window.ecafOldDocument = true;
  });
  const response = await submitAndWait(page, () => page.keyboard.press('Enter'));
  await page.waitForFunction(() => !window.ecafOldDocument && document.readyState === 'complete');
  await checkPage(page);
  return response;
}

/** The task list of the demo family CAF (Amelia and Oliver Hughes), whose assessor is Sam. */
export async function hughesTaskList(page) {
  await visit(page, '/people/search');
  await page.locator('#given_name').fill('Amelia');
  await page.locator('#family_name').fill('Hughes');
  await submitAndWait(page, page.getByRole('button', { name: 'Search' }));
  const record = await page.locator('a[href^="/people/"]:not([href*="/search"])').filter({ hasText: 'Amelia' }).first().getAttribute('href');
  assert.match(record, /^\/people\/\d+$/, `no record link on ${await where(page)}`);
  await visit(page, record);
  const caf = await page.locator('a[href^="/cafs/"]').first().getAttribute('href');
  assert.match(caf, /^\/cafs\/\d+$/, `no CAF link on ${await where(page)}`);
  await visit(page, caf);
  return caf;
}


/** Types a GOV.UK date into its three boxes. */
export async function typeDate(page, name, day, month, year) {
  await typeInto(page, `${name}-day`, day);
  await typeInto(page, `${name}-month`, month);
  await typeInto(page, `${name}-year`, year);
}
