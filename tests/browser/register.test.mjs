// The children and families register: "Check if a CAF exists" (by keyboard), adding a person
// after the duplicate check, validation with the GOV.UK error summary, merging a duplicate,
// and who may use the register at all.
// Every page visited is checked with axe-core (WCAG 2.2 AA) and for browser console errors.
// Full-page screenshots go to $ECAF_TEST_SHOTS (default /tmp/shots) as register-*.png.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import {
  DEMO_ADMIN,
  DEMO_PRACTITIONER,
  checkPage,
  h1Text,
  signIn,
  submitAndWait,
  useApp,
  visit,
  where,
} from './harness.mjs';

const DEMO_EARLY_HELP = 'rachel.adeyemi@demo.ecaf.org.uk';
const SHOTS = process.env.ECAF_TEST_SHOTS || '/tmp/shots';

/** A full-page screenshot, for people to look at (not compared). */
async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `register-${name}.png`), fullPage: true });
}

/** What has the keyboard focus, in a form fit for failure messages. */
async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { tag: 'body', id: '', text: '', href: '', describe: '<body> (nothing focused)' };
    const text = (e.innerText || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 60);
    const href = e.getAttribute('href') || '';
    const attrs = [e.id && `id="${e.id}"`, e.getAttribute('name') && `name="${e.getAttribute('name')}"`, href && `href="${href}"`].filter(Boolean);
    return {
      tag: e.tagName.toLowerCase(),
      id: e.id,
      text,
      href,
      describe: `<${e.tagName.toLowerCase()}${attrs.length ? ` ${attrs.join(' ')}` : ''}>${text ? ` "${text}"` : ''}`,
    };
  });
}

/**
 * Presses Tab until `matches(focused)` holds; fails listing where the focus went instead.
 * `what` names the target in the failure message.
 */
async function tabUntil(page, what, matches, maxPresses = 80) {
  const seen = [];
  for (let i = 0; i <= maxPresses; i++) {
    const now = await focused(page);
    if (matches(now)) return now;
    seen.push(now.describe);
    await page.keyboard.press('Tab');
  }
  assert.fail(`Pressing Tab ${maxPresses} times never focused ${what} on ${await where(page)}. Focus went to:\n- ${seen.join('\n- ')}`);
}

const tabToId = (page, id) => tabUntil(page, `#${id}`, (f) => f.id === id);

/** Fails unless `Tab` from the current focus lands on #id (the fields follow each other). */
async function tabNext(page, id) {
  await page.keyboard.press('Tab');
  const now = await focused(page);
  assert.equal(now.id, id, `Tab should move to #${id}, but focused ${now.describe} on ${page.url()}`);
}

/** The value of the summary-list row whose key is `key` inside `scope`, whitespace collapsed. */
async function rowValue(scope, key) {
  const row = scope.locator('.govuk-summary-list__row').filter({
    has: scope.page().locator('.govuk-summary-list__key', { hasText: new RegExp(`^\\s*${key}\\s*$`) }),
  });
  if ((await row.count()) === 0) return null;
  return (await row.first().locator('.govuk-summary-list__value').innerText()).replace(/\s+/g, ' ').trim();
}

/** The search-result (or possible-match) summary cards on the page, as { title, why, caf, id }. */
async function cards(page) {
  const list = [];
  const all = page.locator('main .govuk-summary-card');
  for (let i = 0; i < (await all.count()); i++) {
    const card = all.nth(i);
    list.push({
      card,
      title: (await card.locator('.govuk-summary-card__title').innerText()).replace(/\s+/g, ' ').trim(),
      why: await rowValue(card, 'Why it may be them'),
      caf: await rowValue(card, 'CAF'),
      id: await rowValue(card, 'Record number'),
    });
  }
  return list;
}

/** The success notification banner's text ('' if there is none). */
async function successBanner(page) {
  const banner = page.locator('.govuk-notification-banner--success');
  if ((await banner.count()) === 0) return '';
  return (await banner.first().innerText()).replace(/\s+/g, ' ').trim();
}

/** The record number from a /people/{id} address. */
function recordId(page) {
  const match = new URL(page.url()).pathname.match(/^\/people\/(\d+)$/);
  return match ? match[1] : null;
}

/** Fills the "Add a person to the register" form (mouse and typing, not the journey under test). */
async function fillPersonForm(page, { given, family, gender = 'Male', day, month, year, postcode, nhs, expected = false }) {
  await page.locator('#given_name').fill(given);
  await page.locator('#family_name').fill(family);
  if (gender) {
    const radio = page.getByRole('radio', { name: gender, exact: true });
    assert.equal(await radio.count(), 1, `The add-person form has no "${gender}" gender radio: ${await where(page)}`);
    await radio.check();
  }
  await page.locator('#date_of_birth-day').fill(String(day ?? ''));
  await page.locator('#date_of_birth-month').fill(String(month ?? ''));
  await page.locator('#date_of_birth-year').fill(String(year ?? ''));
  if (expected) await page.locator('#date_of_birth_is_expected').check();
  if (postcode !== undefined) await page.locator('#postcode').fill(postcode);
  if (nhs !== undefined) await page.locator('#nhs_number').fill(nhs);
}

const addButton = (page) => page.getByRole('button', { name: 'Add to the register', exact: true });
const continueButton = (page) => page.getByRole('button', { name: 'Continue', exact: true });

/**
 * Adds a person through /people/new; if asked "Is this the person you are adding?", answers
 * "None of these". Returns the new record's number.
 */
async function addPerson(page, person) {
  await visit(page, '/people/new');
  await fillPersonForm(page, person);
  let response = await submitAndWait(page, addButton(page));
  assert.ok(response.status() < 400, `Adding ${person.given} ${person.family} answered ${response.status()}: ${await where(page)}`);
  if (recordId(page) === null) {
    await checkPage(page);
    const none = page.locator('#answer-none');
    assert.equal(
      await none.count(),
      1,
      `Adding ${person.given} ${person.family} neither created a record nor asked "Is this the person you are adding?" with "None of these": ${await where(page)}`,
    );
    await none.check();
    response = await submitAndWait(page, continueButton(page));
    assert.ok(response.status() < 400, `Answering "None of these" for ${person.given} ${person.family} answered ${response.status()}: ${await where(page)}`);
  }
  const id = recordId(page);
  assert.ok(id, `Adding ${person.given} ${person.family} should land on the new record /people/{id}, but is at ${await where(page)}`);
  await checkPage(page);
  return id;
}

/** Searches through the form on /people/search (mouse); returns the result cards. */
async function search(page, { given = '', family = '', day = '', month = '', year = '', nhs = '' }) {
  await visit(page, '/people/search');
  await page.locator('#given_name').fill(given);
  await page.locator('#family_name').fill(family);
  await page.locator('#date_of_birth-day').fill(String(day));
  await page.locator('#date_of_birth-month').fill(String(month));
  await page.locator('#date_of_birth-year').fill(String(year));
  await page.locator('#nhs_number').fill(nhs);
  const response = await submitAndWait(page, page.getByRole('button', { name: 'Search', exact: true }));
  assert.equal(response.status(), 200, `Searching for ${given} ${family} ${nhs} answered ${response.status()}: ${await where(page)}`);
  await checkPage(page);
  return cards(page);
}

/** The record number of the demo child Amelia Hughes (found by her NHS number). */
async function ameliaId(page) {
  const hits = await search(page, { nhs: '943 476 5919' });
  const amelia = hits.find((h) => h.title.startsWith('Amelia Hughes'));
  assert.ok(amelia, `Searching by NHS number 943 476 5919 did not find Amelia Hughes; found: ${JSON.stringify(hits.map((h) => h.title))}`);
  return amelia.id;
}

describe('children and families register', () => {
  const app = useApp();

  it('"Check if a CAF exists" by keyboard alone finds Amelia Hughes from a misheard name and a swapped date', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_PRACTITIONER);
    await visit(page, '/');

    // The service navigation link, by Tab and Enter.
    const link = await tabUntil(page, 'the service-navigation link "Check if a CAF exists"', (f) => f.tag === 'a' && f.text === 'Check if a CAF exists', 40);
    let response = await submitAndWait(page, () => page.keyboard.press('Enter'));
    assert.ok(
      response.status() < 400,
      `Following the "Check if a CAF exists" link (href="${link.href}") answered ${response.status()}: ${await where(page)}. ` +
        'The search form is served at /people/search.',
    );
    assert.equal(await h1Text(page), 'Check if a CAF exists', `The navigation link should open the search form: ${await where(page)}`);
    await checkPage(page);

    // The search form, field after field.
    await tabToId(page, 'given_name');
    await page.keyboard.type('Emilia');
    await tabNext(page, 'family_name');
    await page.keyboard.type('Hughs');
    await tabNext(page, 'date_of_birth-day');
    await page.keyboard.type('3');
    await tabNext(page, 'date_of_birth-month');
    await page.keyboard.type('7');
    await tabNext(page, 'date_of_birth-year');
    await page.keyboard.type('2019');
    response = await submitAndWait(page, () => page.keyboard.press('Enter'));
    assert.equal(response.status(), 200, `Submitting the search with Enter answered ${response.status()}: ${await where(page)}`);
    await checkPage(page);

    const results = page.locator('#results');
    assert.equal(await results.count(), 1, `After searching there is no results heading (#results): ${await where(page)}`);
    const heading = (await results.innerText()).trim();
    assert.match(heading, /\d+ possible match(es)?$/, `The results heading should say how many possible matches, but says ${JSON.stringify(heading)}`);
    // GOV.UK search pattern: the results are the page (their count is its <h1> and its title),
    // with what was searched for and a way back to the filled form.
    assert.equal(await h1Text(page), heading, `The results heading should be the page's <h1>: ${await where(page)}`);
    assert.ok((await page.title()).startsWith(`${heading} – Check if a CAF exists`), `The title should start with the count, but is ${JSON.stringify(await page.title())}`);
    const resultsPath = new URL(page.url()).pathname;
    assert.match(resultsPath, /^\/people\/search\/[0-9a-f]{64}$/, `The results should be a page of their own whose address holds no name: ${await where(page)}`);
    const searchedFor = (await page.locator('main p', { hasText: 'You searched for' }).innerText()).replace(/\s+/g, ' ');
    assert.ok(searchedFor.startsWith('You searched for Emilia Hughs, born 3 July 2019.'), `The results should say what was searched for: ${searchedFor}`);

    const hits = await cards(page);
    assert.ok(hits.length > 0, `The results heading says ${JSON.stringify(heading)} but there are no result cards`);
    const first = hits[0];
    assert.ok(
      first.title.startsWith('Amelia Hughes'),
      `The first possible match for Emilia Hughs 3/7/2019 should be Amelia Hughes, but the cards are ${JSON.stringify(hits.map((h) => h.title))}`,
    );
    assert.ok(
      first.why?.includes('day and month of birth swapped'),
      `Amelia Hughes's "Why it may be them" should mention "day and month of birth swapped", but says ${JSON.stringify(first.why)}`,
    );
    // The demo gives Amelia a family CAF: the search says it exists and whom to contact, no more.
    assert.ok(first.caf?.startsWith('Open CAF (CAF-'), `Amelia Hughes's CAF row should say she has an open CAF, but says ${JSON.stringify(first.caf)}`);
    assert.ok(first.caf?.includes('Contact Sam Taylor'), `Amelia Hughes's CAF row should say whom to contact: ${JSON.stringify(first.caf)}`);
    await shot(page, 'search-results');

    // "View record" of the first card, by Tab and Enter.
    const viewHref = await first.card.getByRole('link', { name: /^View record/ }).getAttribute('href');
    assert.ok(viewHref, 'The Amelia Hughes card has no "View record" link');
    await tabUntil(page, `the "View record" link of Amelia Hughes (${viewHref})`, (f) => f.tag === 'a' && f.href === viewHref, 80);
    response = await submitAndWait(page, () => page.keyboard.press('Enter'));
    assert.ok(response.status() < 400, `Following "View record" answered ${response.status()}: ${await where(page)}`);
    // The document response can arrive before the page commits to the new URL.
    await page.waitForURL((url) => url.pathname === viewHref, { timeout: 5_000 }).catch(() => {});
    assert.equal(new URL(page.url()).pathname, viewHref, `"View record" should open ${viewHref}, but is at ${await where(page)}`);
    assert.equal(await h1Text(page), 'Amelia Hughes', `The record page's <h1> should be the child's name: ${await where(page)}`);
    await checkPage(page);

    const tableRows = async (caption) => {
      const table = page.locator('main table.govuk-table', { has: page.locator('caption', { hasText: caption }) });
      assert.equal(await table.count(), 1, `Amelia Hughes's record has no table captioned "${caption}": ${await where(page)}`);
      return table.locator('tbody tr').evaluateAll((trs) =>
        trs.map((tr) => [...tr.cells].map((c) => c.innerText.replace(/\s+/g, ' ').trim())),
      );
    };
    const family = await tableRows('Family and relationships');
    for (const [name, role] of [['Sarah Hughes', 'Mother'], ['Oliver Hughes', 'Sibling']]) {
      assert.ok(
        family.some((r) => r[0] === name && r[1] === role),
        `The family table on Amelia Hughes's record should list ${name} as ${role}; its rows are ${JSON.stringify(family)}`,
      );
    }
    // The household: who else has 4 Mill Lane as their main address (the father lives elsewhere).
    const household = await tableRows('Also living at 4 Mill Lane');
    assert.deepEqual(
      household.map((r) => [r[0], r[2]]),
      [['Sarah Hughes', 'Mother'], ['Oliver Hughes', 'Sibling']],
      `The household table on Amelia Hughes's record should list her mother and brother; its rows are ${JSON.stringify(household)}`,
    );
    await shot(page, 'record-amelia-hughes');

    // Back from the record returns to the results (a GET page, so no "Confirm form
    // resubmission"), and so does Refresh there.
    for (const how of ['Back', 'Refresh']) {
      const again = how === 'Back' ? await page.goBack() : await page.reload();
      assert.equal(again?.status(), 200, `${how} to the results answered ${again?.status()}: ${await where(page)}`);
      assert.equal(new URL(page.url()).pathname, resultsPath, `${how} should show the results again: ${await where(page)}`);
      assert.equal(await h1Text(page), heading, `After ${how} the results heading should still say ${JSON.stringify(heading)}: ${await where(page)}`);
      const shown = await cards(page);
      assert.equal(shown[0]?.title, first.title, `After ${how} the first result should still be ${first.title}: ${JSON.stringify(shown.map((h) => h.title))}`);
      await checkPage(page);
    }

    // "Change search" opens the form with what was typed.
    response = await submitAndWait(page, page.getByRole('link', { name: /^Change search/ }));
    assert.equal(response.status(), 200, `"Change search" answered ${response.status()}: ${await where(page)}`);
    assert.equal(await page.locator('#given_name').inputValue(), 'Emilia', '"Change search" should keep the first name typed');
    assert.equal(await page.locator('#date_of_birth-month').inputValue(), '7', '"Change search" should keep the date typed');
    await checkPage(page);
  });

  it('a child not on the register is added after the search; a misspelt second entry is caught as a possible match first', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_PRACTITIONER);
    const noah = { given: 'Noah', family: 'Patel', gender: 'Male', day: 12, month: 4, year: 2020, postcode: 'BF2 6EF' };

    const hits = await search(page, noah);
    assert.equal(
      (await page.locator('#results').innerText()).trim(),
      'No possible matches',
      `Noah Patel 12/4/2020 is not on the demo register, but the search found ${JSON.stringify(hits.map((h) => h.title))}`,
    );
    const addLink = page.getByRole('link', { name: 'add them to the register', exact: true });
    assert.equal(await addLink.count(), 1, `The results have no "add them to the register" link: ${await where(page)}`);
    let response = await submitAndWait(page, addLink);
    assert.ok(response.status() < 400, `"add them to the register" answered ${response.status()}: ${await where(page)}`);
    assert.equal(await h1Text(page), 'Add a person to the register', `"add them to the register" should open the add form: ${await where(page)}`);
    await checkPage(page);
    // Filled in with what was searched for.
    for (const [id, value] of [['given_name', 'Noah'], ['family_name', 'Patel'], ['date_of_birth-day', '12'], ['date_of_birth-year', '2020']]) {
      assert.equal(await page.locator(`#${id}`).inputValue(), value, `"add them to the register" should carry the search's ${id} over: ${await where(page)}`);
    }

    await fillPersonForm(page, noah);
    response = await submitAndWait(page, addButton(page));
    assert.ok(response.status() < 400, `Adding Noah Patel answered ${response.status()}: ${await where(page)}`);
    const firstId = recordId(page);
    assert.ok(firstId, `Adding Noah Patel (no possible matches) should land on the new record, but is at ${await where(page)}`);
    assert.equal(await h1Text(page), 'Noah Patel', `The new record's <h1> should be "Noah Patel": ${await where(page)}`);
    assert.ok(
      (await successBanner(page)).includes('The person has been added to the register'),
      `The new record should show a success banner "The person has been added to the register": ${await where(page)}`,
    );
    await checkPage(page);

    // The same child again, surname misspelt: the register asks first, on a page of its own.
    await visit(page, '/people/new');
    await fillPersonForm(page, { ...noah, family: 'Patell' });
    response = await submitAndWait(page, addButton(page));
    assert.equal(response.status(), 200, `Adding "Noah Patell" should ask about the possible match (200), but answered ${response.status()}: ${await where(page)}`);
    assert.equal(recordId(page), null, `Adding "Noah Patell" created a record without asking about the possible match Noah Patel: ${await where(page)}`);
    const questionPath = new URL(page.url()).pathname;
    assert.match(questionPath, /^\/people\/new\/[0-9a-f]{64}\/check$/, `The duplicate check should be a page of its own: ${await where(page)}`);
    assert.equal(await h1Text(page), 'Is this the person you are adding?', `The duplicate check should ask "Is this the person you are adding?": ${await where(page)}`);
    await checkPage(page);
    const candidate = page.getByRole('radio', { name: `Yes, Noah Patel (record ${firstId})` });
    assert.equal(await candidate.count(), 1, `The question should offer "Yes, Noah Patel (record ${firstId})": ${await where(page)}`);
    assert.equal(await page.getByRole('radio', { name: 'None of these – add a new record' }).count(), 1, `The question should offer "None of these – add a new record": ${await where(page)}`);
    await shot(page, 'is-this-the-person');

    // A candidate's record, then Back: the question is still there, with what was typed.
    response = await submitAndWait(page, page.getByRole('link', { name: new RegExp(`^View record ${firstId}`) }));
    assert.equal(recordId(page), firstId, `"View record ${firstId}" should open that record: ${await where(page)}`);
    const back = await page.goBack();
    assert.equal(back?.status(), 200, `Back to the question answered ${back?.status()}: ${await where(page)}`);
    assert.equal(new URL(page.url()).pathname, questionPath, `Back should return to the question: ${await where(page)}`);
    assert.ok((await page.locator('#answer-hint').innerText()).includes('Noah Patell'), `After Back the question should still say who is being added: ${await where(page)}`);

    // Continue without an answer: the error summary's link focuses the first radio.
    response = await submitAndWait(page, continueButton(page));
    assert.equal(response.status(), 422, `Continuing without an answer answered ${response.status()}: ${await where(page)}`);
    assert.equal(recordId(page), null, `Continuing without an answer created a record: ${await where(page)}`);
    assert.ok((await page.title()).startsWith('Error: '), `The title should start with "Error: " but is ${JSON.stringify(await page.title())}`);
    await checkPage(page);
    await page.locator('.govuk-error-summary__list a').first().click();
    let now = await focused(page);
    assert.equal(now.id, 'answer', `The error link should focus the first radio, but focused ${now.describe}`);

    // By keyboard: the arrow keys to "None of these", Enter to send.
    for (let i = 0; i < 12 && !(await page.locator('#answer-none').isChecked()); i++) {
      await page.keyboard.press('ArrowDown');
    }
    assert.ok(await page.locator('#answer-none').isChecked(), `The arrow keys never reached "None of these": focus on ${(await focused(page)).describe}`);
    response = await submitAndWait(page, () => page.keyboard.press('Enter'));
    assert.ok(response.status() < 400, `Answering "None of these" answered ${response.status()}: ${await where(page)}`);
    const secondId = recordId(page);
    assert.ok(secondId, `After answering "None of these" a record should be created, but the browser is at ${await where(page)}`);
    assert.notEqual(secondId, firstId, 'The confirmed "Noah Patell" should be a new record, not Noah Patel\'s');
    assert.equal(await h1Text(page), 'Noah Patell', `The second record's <h1> should be "Noah Patell": ${await where(page)}`);
    assert.ok(
      (await successBanner(page)).includes('The person has been added to the register'),
      `The second record should show the success banner: ${await where(page)}`,
    );
    await checkPage(page);

    // Its history says the possible matches were ruled out.
    const historyLink = page.getByRole('link', { name: 'See the history of this record', exact: true });
    assert.equal(await historyLink.count(), 1, `The record has no "See the history of this record" link: ${await where(page)}`);
    response = await submitAndWait(page, historyLink);
    assert.ok(response.status() < 400, `The history page answered ${response.status()}: ${await where(page)}`);
    assert.equal(new URL(page.url()).pathname, `/people/${secondId}/history`, `The history link went to ${await where(page)}`);
    await checkPage(page);
    const history = (await page.locator('main table.govuk-table').innerText()).replace(/\s+/g, ' ');
    assert.match(
      history,
      /confirmed not to be this person/,
      `The history of record ${secondId} should say the possible matches were confirmed not to be this person; it says: ${history}`,
    );
    assert.ok(history.includes(firstId), `The history of record ${secondId} should name the possible match ${firstId}; it says: ${history}`);
    await shot(page, 'history');
  });

  it('an invalid NHS number, postcode and future date of birth are listed in an error summary whose links focus the fields', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_PRACTITIONER);
    await visit(page, '/people/new');
    const nextYear = new Date().getFullYear() + 1;
    await fillPersonForm(page, {
      given: 'Quillon',
      family: 'Vantreight',
      gender: 'Female',
      day: 1,
      month: 6,
      year: nextYear,
      postcode: 'XX',
      nhs: '943 476 5918',
    });
    const response = await submitAndWait(page, addButton(page));
    assert.ok(
      [200, 400, 422].includes(response.status()),
      `An invalid add-person form should be shown again with errors (200, 400 or 422), but answered ${response.status()}: ${await where(page)}`,
    );
    assert.equal(recordId(page), null, `An invalid add-person form created a record: ${await where(page)}`);
    await checkPage(page);

    const summary = page.locator('.govuk-error-summary');
    assert.equal(await summary.count(), 1, `No GOV.UK error summary after submitting invalid details: ${await where(page)}`);
    const links = await summary.locator('.govuk-error-summary__list a').evaluateAll((as) =>
      as.map((a) => ({ text: a.innerText.trim(), href: a.getAttribute('href') })),
    );
    // Each expected error: its message, and the control the GOV.UK pattern puts the focus in.
    const expected = [
      { what: 'future date of birth', message: /Date of birth must be today or in the past/, field: 'date_of_birth-day' },
      { what: 'NHS number', message: /NHS number/, field: 'nhs_number' },
      { what: 'postcode', message: /postcode/i, field: 'postcode' },
    ];
    for (const e of expected) {
      assert.ok(
        links.some((l) => e.message.test(l.text)),
        `The error summary should list the ${e.what} (${e.message}); it lists ${JSON.stringify(links)}`,
      );
    }

    // The first link, then every other: the GOV.UK error-summary script moves the focus into the field.
    const problems = [];
    for (const e of [...expected].sort((a, b) => links.findIndex((l) => a.message.test(l.text)) - links.findIndex((l) => b.message.test(l.text)))) {
      const index = links.findIndex((l) => e.message.test(l.text));
      await summary.locator('.govuk-error-summary__list a').nth(index).click();
      const now = await focused(page);
      if (now.id !== e.field) {
        problems.push(`"${links[index].text}" (href="${links[index].href}") left the focus on ${now.describe}, expected #${e.field}`);
      }
    }

    // Nothing was created.
    const hits = await search(page, { given: 'Quillon', family: 'Vantreight' });
    assert.ok(
      !hits.some((h) => h.title.startsWith('Quillon Vantreight')),
      `The invalid form created a record for Quillon Vantreight after all: ${JSON.stringify(hits.map((h) => `${h.id} ${h.title}`))}`,
    );

    assert.deepEqual(
      problems,
      [],
      `Error-summary links must focus the field they name (GOV.UK: a date links to its first input, an address error to the field in error):\n- ${problems.join('\n- ')}`,
    );
  });

  it('the early help team merges a duplicate into Amelia Hughes\'s record, and a practitioner may not', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_EARLY_HELP);
    const duplicateId = await addPerson(page, {
      given: 'Amelie',
      family: 'Hewitt',
      gender: 'Female',
      day: 8,
      month: 4,
      year: 2020,
    });
    const caption = (await page.locator('main .govuk-caption-l').first().innerText()).trim();
    assert.equal(caption, `Record ${duplicateId}`, `The new record should show its number as "Record ${duplicateId}", but shows ${JSON.stringify(caption)}`);

    const keptId = await ameliaId(page);
    await visit(page, `/people/${keptId}`);
    const mergeLink = page.getByRole('link', { name: /^This is the same person as…/ });
    assert.equal(await mergeLink.count(), 1, `The early help team sees no "This is the same person as…" link on ${await where(page)}`);
    let response = await submitAndWait(page, mergeLink);
    assert.ok(response.status() < 400, `The merge page answered ${response.status()}: ${await where(page)}`);
    assert.equal(new URL(page.url()).pathname, `/people/${keptId}/merge`, `The merge link went to ${await where(page)}`);
    await checkPage(page);
    // The duplicate is found with a search of the register, not typed in from memory.
    await page.locator('#given_name').fill('Amelie');
    await page.locator('#family_name').fill('Hewitt');
    response = await submitAndWait(page, page.getByRole('button', { name: 'Search', exact: true }));
    assert.ok(response.status() < 400, `The search for the duplicate answered ${response.status()}: ${await where(page)}`);
    await checkPage(page);
    const choose = page.locator('main .govuk-summary-card', { hasText: 'Amelie Hewitt' }).getByRole('link', { name: /^Choose this record/ });
    assert.equal(await choose.count(), 1, `The search for the duplicate does not offer "Choose this record" for Amelie Hewitt: ${await where(page)} ${(await page.locator('main').innerText()).slice(0, 1500)}`);
    response = await submitAndWait(page, choose);
    assert.equal(new URL(page.url()).pathname, `/people/${keptId}/merge/${duplicateId}`, `"Choose this record" went to ${await where(page)}`);
    await checkPage(page);
    await page.locator('#reason').fill('Same child: the spelling was confirmed with the family and the school');
    await shot(page, 'merge');

    response = await submitAndWait(page, page.getByRole('button', { name: 'Merge records', exact: true }));
    assert.ok(response.status() < 400, `Merging record ${duplicateId} into ${keptId} answered ${response.status()}: ${await where(page)}`);
    assert.equal(new URL(page.url()).pathname, `/people/${keptId}`, `After merging, the browser should be on the kept record: ${await where(page)}`);
    assert.ok(
      (await successBanner(page)).includes(`Record ${duplicateId} (Amelie Hewitt) merged into record ${keptId} (Amelia Hughes)`),
      `After merging there is no banner naming both records: ${await where(page)}`,
    );
    await checkPage(page);
    const mergedHeading = page.getByRole('heading', { name: 'Records merged into this one' });
    assert.equal(await mergedHeading.count(), 1, `Amelia Hughes's record does not show "Records merged into this one": ${await where(page)}`);
    const mergedItem = page.locator('main li').filter({ hasText: `Record ${duplicateId}: Amelie Hewitt` });
    assert.equal(await mergedItem.count(), 1, `"Records merged into this one" does not list "Record ${duplicateId}: Amelie Hewitt": ${await where(page)}`);
    const undo = mergedItem.getByRole('button', { name: `Undo merge of record ${duplicateId}`, exact: true });
    assert.equal(await undo.count(), 1, `The merged record ${duplicateId} has no "Undo merge" button: ${await where(page)}`);

    // The duplicate now points at the kept record.
    await visit(page, `/people/${duplicateId}`);
    assert.ok(
      (await page.locator('main .govuk-warning-text').innerText()).includes(`merged into record ${keptId}`),
      `Record ${duplicateId} should say it was merged into record ${keptId}: ${await where(page)}`,
    );

    // A practitioner may not merge.
    const practitioner = await app.newPage(t);
    await signIn(practitioner, DEMO_PRACTITIONER);
    response = await practitioner.goto(`/people/${keptId}/merge`);
    assert.equal(response.status(), 403, `A practitioner asking for /people/${keptId}/merge got ${response.status()}, expected 403: ${await where(practitioner)}`);
    assert.ok(
      (await h1Text(practitioner)).includes('You do not have permission'),
      `The 403 page's <h1> should contain "You do not have permission": ${await where(practitioner)}`,
    );
    await checkPage(practitioner);
    await visit(practitioner, `/people/${keptId}`);
    assert.equal(
      await practitioner.getByRole('link', { name: /^This is the same person as/ }).count(),
      0,
      `A practitioner should not be offered "This is the same person as…": ${await where(practitioner)}`,
    );
    assert.equal(
      await practitioner.getByRole('button', { name: /^Undo merge/ }).count(),
      0,
      `A practitioner should not be offered "Undo merge": ${await where(practitioner)}`,
    );
  });

  it('errors in "Add a family member" open it, and the error summary links focus visible fields', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_PRACTITIONER);
    const id = await ameliaId(page);
    await visit(page, `/people/${id}`);
    await page.getByText('Add a family member or other significant adult').click();
    const response = await submitAndWait(page, page.getByRole('button', { name: 'Add relationship', exact: true }));
    assert.equal(response.status(), 422, `An empty relationship form answered ${response.status()}: ${await where(page)}`);
    await checkPage(page);
    assert.ok(await page.locator('main details.govuk-details').evaluate((d) => d.open), `"Add a family member" should be open when its form has errors: ${await where(page)}`);
    const links = page.locator('.govuk-error-summary__list a');
    const problems = [];
    for (let i = 0; i < (await links.count()); i++) {
      const href = await links.nth(i).getAttribute('href');
      await links.nth(i).click();
      const now = await focused(page);
      const visible = now.id ? await page.locator(`#${now.id}`).isVisible() : false;
      if (`#${now.id}` !== href || !visible) problems.push(`${href} focused ${now.describe} (visible: ${visible})`);
    }
    assert.ok((await links.count()) >= 2, `Both fields should be in the error summary: ${await where(page)}`);
    assert.deepEqual(problems, [], `Error-summary links must focus visible fields:\n- ${problems.join('\n- ')}`);
  });

  it('a stale edit comes back with the practitioner\'s typing, theirs beside yours, and an error summary', async (t) => {
    const first = await app.newPage(t);
    await signIn(first, DEMO_EARLY_HELP);
    const second = await app.newPage(t);
    await signIn(second, DEMO_PRACTITIONER);
    const id = await ameliaId(first);
    await visit(first, `/people/${id}/edit`);
    await visit(second, `/people/${id}/edit`);
    await first.locator('#telephone').fill('01632 960 111');
    let response = await submitAndWait(first, first.getByRole('button', { name: 'Save changes', exact: true }));
    assert.ok(response.status() < 400, `The first save answered ${response.status()}: ${await where(first)}`);
    await second.locator('#telephone').fill('01632 960 222');
    await second.locator('#disability').fill('Asthma');
    response = await submitAndWait(second, second.getByRole('button', { name: 'Save changes', exact: true }));
    assert.equal(response.status(), 409, `The stale save answered ${response.status()}: ${await where(second)}`);
    assert.ok((await second.title()).startsWith('Error: '), `The title should start with "Error: ": ${JSON.stringify(await second.title())}`);
    await checkPage(second);
    assert.equal(await second.locator('#telephone').inputValue(), '01632 960 222', 'The practitioner\'s telephone should be kept');
    assert.equal(await second.locator('#disability').inputValue(), 'Asthma', 'The practitioner\'s disability note should be kept');
    const table = (await second.locator('main table', { hasText: 'What changed while you were editing' }).innerText()).replace(/\s+/g, ' ');
    assert.ok(table.includes('01632 960 111') && table.includes('01632 960 222'), `The table should show theirs beside yours: ${table}`);
    await second.locator('.govuk-error-summary__list a').first().click();
    const now = await focused(second);
    assert.equal(now.id, 'telephone', `The error link should focus the telephone, but focused ${now.describe}`);
    // Sent again, it saves.
    response = await submitAndWait(second, second.getByRole('button', { name: 'Save changes', exact: true }));
    assert.ok(response.status() < 400, `Saving again answered ${response.status()}: ${await where(second)}`);
    assert.ok((await successBanner(second)).includes('The changes have been saved'), `Saving again should succeed: ${await where(second)}`);
  });

  it('an administrator may not search the register (403 page)', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_ADMIN);
    const response = await page.goto('/people/search');
    assert.equal(response.status(), 403, `An administrator asking for /people/search got ${response.status()}, expected 403: ${await where(page)}`);
    assert.ok(
      (await h1Text(page)).includes('You do not have permission'),
      `The 403 page's <h1> should contain "You do not have permission", but is ${JSON.stringify(await h1Text(page))}`,
    );
    await checkPage(page);
    assert.equal(
      await page.getByRole('link', { name: 'Check if a CAF exists' }).count(),
      0,
      `An administrator should not be offered "Check if a CAF exists" in the navigation: ${await where(page)}`,
    );
  });
});
