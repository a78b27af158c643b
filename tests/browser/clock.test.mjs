// Time passing, as a newcomer would try it: the demo is served today, then served again on the
// same data with its clock 20 days ahead (`serve --demo --days-ahead 20 --mail-folder …`).
// Ruby Marsh's review, due within two weeks, is "due soon" today; 20 days on it is overdue on the
// home pages of Helen Price (her lead professional), Grace Evans (Helen's line manager) and
// the early help team, and on nobody else's (Sam Taylor's), and the alerts job mails Helen and
// Grace once each, naming no child. Every page is checked with axe-core and for console errors.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DEMO_PRACTITIONER, launchBrowser, newPage, signIn, startServer, visit } from './harness.mjs';

const HELEN = 'helen.price@demo.ecaf.org.uk';
const GRACE = 'grace.evans@demo.ecaf.org.uk';
const RACHEL = 'rachel.adeyemi@demo.ecaf.org.uk';

/** The row of the home page's table about Ruby Marsh, as text ('' if there is none). */
async function rubyRow(page) {
  const rows = page.locator('tbody tr').filter({ hasText: 'Ruby Marsh' });
  return (await rows.count()) === 0 ? '' : rows.first().innerText();
}

/** Every mail written to the folder, as { to, subject, text }. */
async function mails(folder) {
  const found = [];
  for (const name of await readdir(folder).catch(() => [])) {
    if (!name.endsWith('.eml')) continue;
    const text = await readFile(path.join(folder, name), 'utf8');
    const header = (field) => (text.match(new RegExp(`^${field}: (.*)$`, 'mi')) || [])[1] || '';
    found.push({ to: header('To'), subject: header('Subject'), text });
  }
  return found;
}

describe('moving the clock forward', () => {
  let dataDir;
  let mailDir;
  let browser;
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ecaf-clock-'));
    mailDir = await mkdtemp(path.join(os.tmpdir(), 'ecaf-clock-mail-'));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(mailDir, { recursive: true, force: true });
  });

  it('makes the overdue review appear on the right home pages and mails each person once', async (t) => {
    // Today: Ruby's review is due soon, not overdue.
    const today = await startServer({ name: 'clock-today', dataDir });
    try {
      const page = await newPage(browser, today.baseURL, t);
      await signIn(page, HELEN);
      const row = await rubyRow(page);
      assert.match(row, /Arrange the review due on/, row);
      assert.doesNotMatch(row, /Hold the review/);
    } finally {
      await today.stop();
    }

    // Twenty days on.
    const later = await startServer({
      name: 'clock-later',
      dataDir,
      extraArgs: ['--days-ahead', '20', '--mail-folder', mailDir, '--mail-from', 'Early help <ecaf@brookford.example>'],
    });
    try {
      const page = await newPage(browser, later.baseURL, t);
      await signIn(page, HELEN);
      assert.match(await page.locator('.govuk-phase-banner').innerText(), /clock runs 20 days ahead/);
      assert.match(await rubyRow(page), /Hold the review: it was due on/);
      await page.context().clearCookies();

      await signIn(page, GRACE);
      await visit(page, '/?view=team');
      assert.match(await rubyRow(page), /Hold the review: it was due on/, 'her line manager sees it');
      await page.context().clearCookies();

      await signIn(page, RACHEL);
      await visit(page, '/?view=area&alert=review_overdue');
      assert.match(await rubyRow(page), /Hold the review: it was due on/, 'the early help team sees it');
      await page.context().clearCookies();

      await signIn(page, DEMO_PRACTITIONER);
      assert.equal(await rubyRow(page), '', 'not on the home page of someone with no part in it');

      // The alerts job ran at start; the next minute's send writes the mails.
      // Other demo CAFs' reviews may be overdue by then too; Helen and Grace have only Ruby's.
      const deadline = Date.now() + 150_000;
      let overdue = [];
      const theirs = (m) => /helen\.price@|grace\.evans@/.test(m.to);
      while (Date.now() < deadline) {
        overdue = (await mails(mailDir)).filter((m) => /A review is overdue/.test(m.subject) && theirs(m));
        if (overdue.length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      // A moment longer, so a duplicate sent late would be caught.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      overdue = (await mails(mailDir)).filter((m) => /A review is overdue/.test(m.subject) && theirs(m));
      const to = overdue.map((m) => m.to).sort();
      assert.equal(to.length, 2, `one mail each to Helen and Grace: ${JSON.stringify(to)}\n${later.logTail()}`);
      assert.match(to[0], /grace\.evans@/);
      assert.match(to[1], /helen\.price@/);
      for (const m of overdue) {
        assert.doesNotMatch(m.text, /Ruby|Marsh/, 'no child is named in a mail');
        assert.match(m.text, /\/cafs\/\d+/, 'the mail links to the CAF');
      }
    } finally {
      await later.stop();
    }
  });
});
