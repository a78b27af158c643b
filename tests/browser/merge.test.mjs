// Merging a duplicate by keyboard alone: from Amelia Hughes's record, "This is the same
// person as…", the duplicate chosen from her household, both records checked side by side,
// "Merge records", the banner naming both records, and "Undo this merge" in it. Every page is
// axe-clean and fits 375 CSS pixels without scrolling sideways.
// Screenshots of the check page and the banner, 1280 and 375 wide, go to $ECAF_TEST_SHOTS
// (default /tmp/shots) as merge-*.png.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { checkPage, nextDocument, signIn, submitAndWait, useApp, visit, where } from './harness.mjs';

const DEMO_EARLY_HELP = 'rachel.adeyemi@demo.ecaf.org.uk';
const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';

/** How far the page is wider than the window, in CSS pixels (0 when it reflows). */
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Checks the page (axe, console) and that it fits 375 px, then returns to the wide view. */
async function checkBothWidths(page, name, { screenshot = false } = {}) {
  await checkPage(page);
  if (screenshot) {
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `merge-${name}-1280.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 375, height: 800 });
  assert.equal(await overflow(page), 0, `${name} scrolls sideways at 375 px: ${await where(page)}`);
  await checkPage(page);
  if (screenshot) await page.screenshot({ path: path.join(SHOTS, `merge-${name}-375.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** What has the keyboard focus, described for failure messages. */
async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { id: '', text: '', describe: '<body>' };
    const text = (e.innerText || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 80);
    return { id: e.id, text, describe: `<${e.tagName.toLowerCase()}${e.id ? ` id="${e.id}"` : ''}> "${text}"` };
  });
}

/** Presses Tab until `matches(focused)` holds; fails listing where the focus went instead. */
async function tabUntil(page, what, matches, maxPresses = 120) {
  const seen = [];
  for (let i = 0; i <= maxPresses; i++) {
    const now = await focused(page);
    if (matches(now)) return now;
    seen.push(now.describe);
    await page.keyboard.press('Tab');
  }
  assert.fail(`Pressing Tab ${maxPresses} times never focused ${what} on ${await where(page)}. Focus went to:\n- ${seen.join('\n- ')}`);
}

/** Presses Enter on what has the focus and waits for the page it leads to. */
async function enter(page) {
  const response = nextDocument(page);
  await page.keyboard.press('Enter');
  const answer = await response;
  // The response can arrive before the page commits to its URL.
  await page.waitForURL(answer.url(), { timeout: 10_000 }).catch(() => {});
  await page.waitForLoadState('load');
  return answer;
}

/** Adds a person with the mouse (set-up, not the journey under test), answering "None of these". */
async function addDuplicate(page) {
  await visit(page, '/people/new');
  await page.locator('#given_name').fill('Amy');
  await page.locator('#family_name').fill('Hughes');
  await page.getByRole('radio', { name: 'Female', exact: true }).check();
  await page.locator('#date_of_birth-day').fill('7');
  await page.locator('#date_of_birth-month').fill('3');
  await page.locator('#date_of_birth-year').fill('2019');
  await page.locator('#address_line1').fill('4 Mill Lane');
  await page.locator('#town').fill('Brookford');
  await page.locator('#postcode').fill('BF1 2AB');
  await submitAndWait(page, page.getByRole('button', { name: 'Add to the register', exact: true }));
  if (!/^\/people\/\d+$/.test(new URL(page.url()).pathname)) {
    await page.locator('#answer-none').check();
    await submitAndWait(page, page.getByRole('button', { name: 'Continue', exact: true }));
  }
  const match = new URL(page.url()).pathname.match(/^\/people\/(\d+)$/);
  assert.ok(match, `Adding Amy Hughes should land on her record: ${await where(page)}`);
  return match[1];
}

describe('merging a duplicate record', () => {
  const app = useApp();

  it('by keyboard: record, choose the duplicate from the household, check, merge, banner, undo', async (t) => {
    const page = await app.newPage(t);
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, DEMO_EARLY_HELP);
    const duplicateId = await addDuplicate(page);

    // Amelia Hughes, found by her NHS number.
    await visit(page, '/people/search');
    await page.locator('#nhs_number').fill('943 476 5919');
    await submitAndWait(page, page.getByRole('button', { name: 'Search', exact: true }));
    const href = await page.locator('main .govuk-summary-card', { hasText: 'Amelia Hughes' }).getByRole('link', { name: /^View record/ }).getAttribute('href');
    const keptId = href.split('/').pop();
    await visit(page, `/people/${keptId}`);
    await checkBothWidths(page, 'record');

    // "This is the same person as…", by Tab and Enter.
    await tabUntil(page, '"This is the same person as…"', (f) => f.text.startsWith('This is the same person as'));
    let response = await enter(page);
    assert.equal(response.status(), 200, `The choice answered ${response.status()}: ${await where(page)}`);
    assert.equal(new URL(page.url()).pathname, `/people/${keptId}/merge`);
    await checkBothWidths(page, 'choose');

    // Amy Hughes lives at the same address: chosen from the household table.
    await tabUntil(page, `"Choose this record" for record ${duplicateId}`, (f) => f.text.startsWith('Choose this record') && f.text.includes(`record ${duplicateId}`));
    response = await enter(page);
    assert.equal(new URL(page.url()).pathname, `/people/${keptId}/merge/${duplicateId}`, `"Choose this record" went to ${await where(page)}`);
    const table = (await page.locator('main table').innerText()).replace(/\s+/g, ' ');
    for (const text of [`Record ${keptId}`, `Record ${duplicateId}`, 'Amelia Hughes', 'Amy Hughes', '7 March 2019']) {
      assert.ok(table.includes(text), `The check page's table does not show ${JSON.stringify(text)}: ${table}`);
    }
    assert.ok(await page.locator(`#kept`).isChecked(), `Amelia's record should be kept unless the practitioner chooses otherwise: ${await where(page)}`);
    await checkBothWidths(page, 'check', { screenshot: true });

    // The reason, then "Merge records".
    await tabUntil(page, 'the reason', (f) => f.id === 'reason');
    await page.keyboard.type('Same child: confirmed with the school and the family');
    await tabUntil(page, '"Merge records"', (f) => f.text === 'Merge records');
    response = await enter(page);
    assert.ok(response.status() < 400, `Merging answered ${response.status()}: ${await where(page)}`);
    assert.equal(new URL(page.url()).pathname, `/people/${keptId}`, `After merging the browser should be on Amelia's record: ${await where(page)}`);
    const banner = (await page.locator('.govuk-notification-banner').innerText()).replace(/\s+/g, ' ');
    assert.ok(
      banner.includes(`Record ${duplicateId} (Amy Hughes) merged into record ${keptId} (Amelia Hughes)`),
      `The banner should name both records: ${banner}`,
    );
    const otherNames = (await page.locator('.govuk-summary-list__row', { hasText: 'Other names' }).innerText()).replace(/\s+/g, ' ');
    assert.ok(otherNames.includes(`Amy Hughes (merged record ${duplicateId})`), `Other names should list the merged record's name: ${otherNames}`);
    await checkBothWidths(page, 'banner', { screenshot: true });

    // "Undo this merge" in the banner, by keyboard.
    await page.keyboard.press('Home');
    await tabUntil(page, '"Undo this merge"', (f) => f.text.startsWith('Undo this merge'));
    response = await enter(page);
    assert.ok(response.status() < 400, `Undoing answered ${response.status()}: ${await where(page)}`);
    const undone = (await page.locator('.govuk-notification-banner').innerText()).replace(/\s+/g, ' ');
    assert.ok(
      undone.includes(`The merge of record ${duplicateId} (Amy Hughes) into record ${keptId} (Amelia Hughes) has been undone`),
      `After undoing, the banner should say so: ${undone}`,
    );
    assert.equal(await page.getByRole('button', { name: /^Undo this merge/ }).count(), 0, 'Undone, the merge is not offered for undoing again');
    await checkBothWidths(page, 'undone');
  });
});
