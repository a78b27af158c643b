// Manager sign-off by keyboard alone, on the demo (where it is switched on): Sam reads the
// comments his line manager Priya returned the Hughes family's closure with, sends the
// closure again; Priya finds it on her home page and queue, returns it with comments (an
// empty return refused with its error summary); Sam reads them and sends it again; Priya
// approves and the CAF closes. Every page is checked with axe-core (WCAG 2.2 AA) and the new
// pages at 375 px for sideways scrolling.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEMO_ADMIN, DEMO_PRACTITIONER, h1Text, signIn, useApp, visit, where } from './harness.mjs';
import { enter, hughesTaskList, tabToId, tabToText, tabUntil, typeDate, typeInto } from './keyboard.mjs';

const MANAGER = 'priya.shah@demo.ecaf.org.uk';

/** How far the page is wider than the window, in CSS pixels (0 when it reflows). */
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

async function fitsAPhone(page, path) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 375, height: 800 });
  await visit(page, path);
  assert.equal(await overflow(page), 0, `${path} scrolls sideways at 375 px: ${await where(page)}`);
  await page.setViewportSize(size);
}

/** Sam sends the closure of the Hughes family's CAF from its close form. */
async function sendClosure(page, caf, summary) {
  await visit(page, caf);
  await tabToText(page, 'Close the CAF');
  await enter(page);
  assert.equal(await h1Text(page), 'Close the CAF');
  await tabToId(page, 'reason');
  await page.keyboard.press('Space');
  await typeInto(page, 'summary', summary);
  const today = new Date();
  await typeDate(page, 'closed_on', String(today.getDate()), String(today.getMonth() + 1), String(today.getFullYear()));
  await tabToText(page, 'Send to your line manager for sign-off');
  await enter(page);
  assert.equal(new URL(page.url()).pathname, caf, await where(page));
  assert.ok(await page.getByText('The closure is awaiting sign-off by Priya Shah since').isVisible(), await where(page));
}

/** Priya opens the request waiting for her from her home page. */
async function openRequest(page) {
  await visit(page, '/');
  await tabToText(page, 'Waiting for your sign-off (1)');
  await enter(page);
  assert.equal(await h1Text(page), 'Waiting for your sign-off');
  await tabUntilRequest(page);
  await enter(page);
  assert.equal(await h1Text(page), 'Sign off the closure');
  return new URL(page.url()).pathname;
}

async function tabUntilRequest(page) {
  await tabUntil(page, 'the Hughes request', (f) => f.href.startsWith('/sign-offs/') && f.text.startsWith('Amelia Hughes'));
}

describe('manager sign-off', () => {
  const app = useApp({ name: 'sign-off' });

  it('the administrator sees the switches, on in the demo', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_ADMIN);
    await visit(page, '/admin/sign-off');
    assert.equal(await h1Text(page), 'Manager sign-off');
    for (const step of ['assessment', 'plan', 'closure']) {
      assert.ok(await page.locator(`#step-${step}`).isChecked(), `${step} is on in the demo`);
    }
    await fitsAPhone(page, '/admin/sign-off');
  });

  it('a closure is sent, returned with comments, sent again and approved, by keyboard', async (t) => {
    const sam = await app.newPage(t);
    await sam.setViewportSize({ width: 1280, height: 900 });
    await signIn(sam, DEMO_PRACTITIONER);
    const caf = await hughesTaskList(sam);
    assert.ok(await sam.getByText('Returned for changes').isVisible(), await where(sam));
    assert.ok(await sam.getByText("Oliver's school actions are still open").isVisible());
    await sendClosure(sam, caf, 'Amelia and Oliver are settled at school. Carrying on: homework club with the school until the summer.');

    const priya = await app.newPage(t);
    await priya.setViewportSize({ width: 1280, height: 900 });
    await signIn(priya, MANAGER);
    const request = await openRequest(priya);
    await fitsAPhone(priya, '/sign-offs');
    await fitsAPhone(priya, request);
    await tabToText(priya, 'Return with comments');
    const refused = await enter(priya);
    assert.equal(refused.status(), 422, await where(priya));
    assert.match(await priya.title(), /^Error: /);
    assert.ok(await priya.locator('.govuk-error-summary').isVisible());
    await typeInto(priya, 'comments', 'Name who runs homework club and until when.');
    await tabToText(priya, 'Return with comments');
    await enter(priya);
    assert.ok(await priya.getByText('Returned with your comments').isVisible(), await where(priya));

    await visit(sam, caf);
    assert.ok(await sam.getByText('Name who runs homework club and until when.').isVisible(), await where(sam));
    await sendClosure(sam, caf, 'Amelia and Oliver are settled at school. Carrying on: Mrs Patel runs homework club for Oliver until July.');

    await openRequest(priya);
    await tabToText(priya, 'Approve and sign off');
    await enter(priya);
    assert.ok(await priya.getByText('Signed off: it has taken effect').isVisible(), await where(priya));
    assert.ok(await priya.getByText('Nothing is waiting for your sign-off').isVisible());

    await visit(sam, caf);
    assert.ok(await sam.getByText('Closed on').first().isVisible(), await where(sam));
  });
});
