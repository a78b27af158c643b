// The foundation journeys: signing in (by keyboard), the GOV.UK page furniture, user and agency
// administration, the audit trail, permissions, signing out and the error pages.
// Every page visited is checked with axe-core (WCAG 2.2 AA) and for browser console errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  DEMO_ADMIN,
  DEMO_PASSWORD,
  DEMO_PRACTITIONER,
  checkPage,
  h1Text,
  signIn,
  submitAndWait,
  useApp,
  visit,
  where,
} from './harness.mjs';

/** What has the keyboard focus, in a form fit for failure messages. */
async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return { tag: 'body', id: '', describe: '<body> (nothing focused)' };
    const text = (e.innerText || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    const attrs = [
      e.id && `id="${e.id}"`,
      e.getAttribute('name') && `name="${e.getAttribute('name')}"`,
      e.getAttribute('href') && `href="${e.getAttribute('href')}"`,
      e.className && `class="${e.className}"`,
    ].filter(Boolean);
    return {
      tag: e.tagName.toLowerCase(),
      id: e.id,
      className: String(e.className || ''),
      text,
      describe: `<${e.tagName.toLowerCase()} ${attrs.join(' ')}>${text ? ` "${text}"` : ''}`,
    };
  });
}

/** Presses Tab until the element with `id` has focus; fails listing what got focus instead. */
async function tabTo(page, id, maxPresses = 40) {
  const seen = [];
  for (let i = 0; i < maxPresses; i++) {
    const now = await focused(page);
    if (now.id === id) return;
    seen.push(now.describe);
    await page.keyboard.press('Tab');
  }
  assert.fail(`Pressing Tab ${maxPresses} times never focused #${id} on ${page.url()}. Focus went to:\n- ${seen.join('\n- ')}`);
}

/** Visible text of the page with e-mail addresses removed (so "demo.ecaf.org.uk" does not count). */
async function visibleTextWithoutEmails(page) {
  return (await page.locator('body').innerText()).replace(/[^\s@]+@[^\s@]+/g, ' ');
}

/** The <form> that holds a field called `name`. */
function formWithField(page, name) {
  return page.locator('form').filter({ has: page.locator(`[name="${name}"]`) });
}

/** The submit button of a form. */
function submitButton(form) {
  return form.locator('button[type="submit"], button:not([type]), input[type="submit"]').first();
}

/** Fails if the browser would refuse to submit an incomplete form itself (HTML `required`). */
async function assertServerValidated(form) {
  const blocking = await form.evaluate((f) =>
    f.noValidate ? [] : [...f.elements].filter((e) => e.required).map((e) => e.name || e.id),
  );
  assert.deepEqual(
    blocking,
    [],
    'The form uses HTML `required` without `novalidate`, so the browser blocks an incomplete submission ' +
      'and the GOV.UK error summary never shows. GOV.UK forms validate on the server: add `novalidate` ' +
      'to the <form> (or drop `required`).',
  );
}

describe('foundation', () => {
  const app = useApp();

  it('the sign-in page has an email field, a password field and a "Sign in" button', async (t) => {
    const page = await app.newPage(t);
    await visit(page, '/sign-in');
    const email = page.locator('input#email');
    assert.equal(await email.count(), 1, `No <input id="email"> on ${await where(page)}`);
    assert.equal(await email.getAttribute('name'), 'email', '#email must have name="email"');
    assert.equal(await email.getAttribute('type'), 'email', '#email must have type="email"');
    const password = page.locator('input#password');
    assert.equal(await password.count(), 1, `No <input id="password"> on ${await where(page)}`);
    assert.equal(await password.getAttribute('name'), 'password', '#password must have name="password"');
    assert.equal(await password.getAttribute('type'), 'password', '#password must have type="password"');
    assert.equal(
      await page.getByRole('button', { name: 'Sign in', exact: true }).count(),
      1,
      'Expected exactly one button named "Sign in"',
    );
  });

  it('GOV.UK Frontend is loaded, and its JavaScript runs under a CSP without inline scripts', async (t) => {
    const page = await app.newPage(t);
    const response = await visit(page, '/sign-in');
    const csp = response.headers()['content-security-policy'];
    assert.ok(csp, 'GET /sign-in has no Content-Security-Policy header');
    const scriptSrc = (csp.split(';').find((d) => d.trim().startsWith('script-src')) ??
      csp.split(';').find((d) => d.trim().startsWith('default-src')) ?? '').trim();
    assert.ok(scriptSrc, `The Content-Security-Policy sets neither script-src nor default-src: ${csp}`);
    assert.ok(!scriptSrc.includes("'unsafe-inline'"), `The CSP allows inline scripts: ${scriptSrc}`);

    const state = await page.evaluate(() => ({
      htmlClass: document.documentElement.className,
      bodyClass: document.body.className,
      version: getComputedStyle(document.documentElement).getPropertyValue('--govuk-frontend-version').trim(),
      lang: document.documentElement.lang,
      title: document.title,
    }));
    assert.ok(state.version, 'The GOV.UK Frontend stylesheet did not load (no --govuk-frontend-version on :root)');
    assert.match(state.htmlClass, /\bgovuk-template\b/, '<html> lacks the govuk-template class');
    assert.match(state.bodyClass, /\bgovuk-template__body\b/, '<body> lacks the govuk-template__body class');
    assert.match(
      state.bodyClass,
      /\bjs-enabled\b/,
      '<body> lacks js-enabled: the external script that replaces the template\'s inline one did not run',
    );
    assert.match(
      state.bodyClass,
      /\bgovuk-frontend-supported\b/,
      '<body> lacks govuk-frontend-supported: the external script that replaces the template\'s inline one did not run',
    );
    assert.equal(state.lang, 'en', '<html lang> should be "en"');
    assert.ok(state.title.trim(), 'The page has an empty <title>');
  });

  it('signs in with the keyboard alone, starting from the skip link, and lands on a demo home page', async (t) => {
    const page = await app.newPage(t);
    await visit(page, '/sign-in');

    await page.keyboard.press('Tab');
    const first = await focused(page);
    assert.ok(
      first.className.split(/\s+/).includes('govuk-skip-link') && first.text === 'Skip to main content',
      `The first Tab should focus the GOV.UK skip link "Skip to main content", but focused ${first.describe}`,
    );

    await tabTo(page, 'email');
    await page.keyboard.type(DEMO_ADMIN);
    await page.keyboard.press('Tab');
    const afterEmail = await focused(page);
    assert.equal(afterEmail.id, 'password', `Tab from the email field should reach #password, but focused ${afterEmail.describe}`);
    await page.keyboard.type(DEMO_PASSWORD);
    const response = await submitAndWait(page, () => page.keyboard.press('Enter'));

    assert.ok(response.status() < 400, `Signing in answered ${response.status()}; now at ${await where(page)}`);
    assert.equal(
      new URL(page.url()).pathname,
      '/',
      `After signing in as ${DEMO_ADMIN} the browser should be at /, but is at ${await where(page)}`,
    );
    assert.ok(await h1Text(page), `The home page has no (or an empty) <h1>: ${await where(page)}`);
    assert.match(
      await visibleTextWithoutEmails(page),
      /\bdemo\b/i,
      'A demo server should say so on every page (a "demo" phase banner), but the home page never says "demo"',
    );
    await checkPage(page);
  });

  it('a wrong password keeps you on the sign-in page with an error summary', async (t) => {
    const page = await app.newPage(t);
    await visit(page, '/sign-in');
    await page.locator('#email').fill(DEMO_ADMIN);
    await page.locator('#password').fill('not-the-demo-password');
    const response = await submitAndWait(page, page.getByRole('button', { name: 'Sign in', exact: true }));

    assert.ok(
      [200, 401].includes(response.status()),
      `A wrong password should answer 200 or 401, but answered ${response.status()}`,
    );
    assert.equal(new URL(page.url()).pathname, '/sign-in', `A wrong password should stay on /sign-in, but went to ${await where(page)}`);
    const summary = page.locator('.govuk-error-summary');
    assert.equal(await summary.count(), 1, `No GOV.UK error summary (.govuk-error-summary) after a wrong password: ${await where(page)}`);
    const text = (await summary.innerText()).replace(/\s+/g, ' ');
    assert.ok(
      text.includes('Enter a correct email address and password'),
      `The error summary should say "Enter a correct email address and password", but says: ${text}`,
    );
    await checkPage(page);
  });

  it('an administrator sees the users in a table', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_ADMIN);
    await visit(page, '/admin/users');
    const table = page.locator('table.govuk-table');
    assert.ok((await table.count()) >= 1, `/admin/users has no govuk-table: ${await where(page)}`);
    const text = await table.first().innerText();
    for (const email of [DEMO_ADMIN, DEMO_PRACTITIONER]) {
      assert.ok(text.includes(email), `The users table on /admin/users does not list ${email}`);
    }
  });

  it('an administrator adds a user: an empty form shows errors, a complete one creates the user', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_ADMIN);
    await visit(page, '/admin/users/new');

    for (const name of ['name', 'email', 'job_title']) {
      assert.equal(await page.locator(`input[name="${name}"]`).count(), 1, `/admin/users/new has no <input name="${name}">`);
    }
    const agency = page.locator('select[name="agency_id"]');
    assert.equal(await agency.count(), 1, '/admin/users/new has no <select name="agency_id">');
    // Roles are GOV.UK checkboxes named "roles" (a user may hold several).
    const roleBoxes = page.locator('input[type="checkbox"][name="roles"]');
    assert.ok((await roleBoxes.count()) >= 6, '/admin/users/new has no role checkboxes named "roles"');

    // An empty submission is refused with a GOV.UK error summary.
    let form = formWithField(page, 'email');
    await assertServerValidated(form);
    let response = await submitAndWait(page, submitButton(form));
    assert.ok(
      [200, 400, 422].includes(response.status()),
      `An empty new-user form should be shown again with errors (200, 400 or 422), but answered ${response.status()}: ${await where(page)}`,
    );
    const summary = page.locator('.govuk-error-summary');
    assert.equal(await summary.count(), 1, `Submitting an empty new-user form showed no error summary: ${await where(page)}`);
    await checkPage(page);

    // A complete submission creates the user.
    const email = `robin.tester.${Date.now()}@demo.ecaf.org.uk`;
    await page.locator('input[name="name"]').fill('Robin Tester');
    await page.locator('input[name="email"]').fill(email);
    await page.locator('input[name="job_title"]').fill('Family support worker');
    const agencies = await page
      .locator('select[name="agency_id"]')
      .evaluate((s) => [...s.options].filter((o) => o.value).map((o) => o.value));
    assert.ok(agencies.length > 0, 'The agency <select> offers no agency to choose');
    await page.locator('select[name="agency_id"]').selectOption(agencies[0]);
    await roleBoxes.first().check();
    form = formWithField(page, 'email');
    response = await submitAndWait(page, submitButton(form));
    assert.ok(response.status() < 400, `Creating ${email} answered ${response.status()}: ${await where(page)}`);
    assert.equal(
      await page.locator('.govuk-error-summary').count(),
      0,
      `Creating a user with every field filled in showed errors: ${await where(page)}`,
    );
    assert.ok(
      (await page.locator('body').innerText()).includes(email),
      `After creating the user the page does not show their email ${email}: ${await where(page)}`,
    );
    await checkPage(page);

    await visit(page, '/admin/users');
    assert.ok(
      (await page.locator('table.govuk-table').first().innerText()).includes(email),
      `The new user ${email} is not in the table on /admin/users`,
    );
  });

  it('an administrator sees the agencies', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_ADMIN);
    await visit(page, '/admin/agencies');
    assert.ok(await h1Text(page), `/admin/agencies has no <h1>: ${await where(page)}`);
    const rows = page.locator('main .govuk-table__body .govuk-table__row, main .govuk-summary-list__row, main ul.govuk-list > li');
    assert.ok((await rows.count()) > 0, `/admin/agencies lists no agency (no table rows, summary-list rows or list items in <main>)`);
  });

  it('an administrator sees the audit trail and can download it as CSV', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_ADMIN);
    await visit(page, '/admin/audit');
    const rows = page.locator('table.govuk-table .govuk-table__body .govuk-table__row');
    assert.ok((await rows.count()) > 0, `/admin/audit shows no audit events in a govuk-table (even this sign-in should be one)`);
    const link = page.getByRole('link', { name: 'Download CSV' });
    assert.equal(await link.count(), 1, '/admin/audit has no link named "Download CSV"');
    const href = await link.getAttribute('href');
    assert.ok(href?.startsWith('/admin/audit.csv'), `The "Download CSV" link should point to /admin/audit.csv…, but points to ${href}`);
    const csv = await page.request.get(href);
    assert.equal(csv.status(), 200, `GET ${href} answered ${csv.status()}`);
    assert.match(csv.headers()['content-type'] ?? '', /text\/csv/, `GET ${href} is not served as text/csv`);
  });

  it('a practitioner is refused the user administration with a 403 page', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_PRACTITIONER);
    const response = await page.goto('/admin/users');
    assert.equal(response.status(), 403, `A practitioner asking for /admin/users got ${response.status()}, expected 403: ${await where(page)}`);
    const heading = await h1Text(page);
    assert.ok(
      heading.includes('You do not have permission'),
      `The 403 page's <h1> should contain "You do not have permission", but is ${JSON.stringify(heading)}`,
    );
    await checkPage(page);
  });

  it('signing out from the account page ends the session', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_PRACTITIONER);
    await visit(page, '/account');
    const button = page.getByRole('button', { name: 'Sign out', exact: true });
    assert.ok((await button.count()) >= 1, `/account has no "Sign out" button: ${await where(page)}`);
    const form = await button.first().evaluate((b) => {
      const f = b.closest('form');
      return f && { method: (f.getAttribute('method') || 'get').toLowerCase(), action: new URL(f.action, location.href).pathname };
    });
    assert.deepEqual(form, { method: 'post', action: '/sign-out' }, 'The "Sign out" button must submit a form with method="post" to /sign-out');
    const response = await submitAndWait(page, button.first());
    assert.ok(response.status() < 400, `Signing out answered ${response.status()}: ${await where(page)}`);
    await checkPage(page);

    await visit(page, '/');
    assert.equal(new URL(page.url()).pathname, '/sign-in', `After signing out, / should redirect to /sign-in, but shows ${await where(page)}`);
  });

  it('an unknown address shows a 404 "Page not found" page', async (t) => {
    const page = await app.newPage(t);
    await signIn(page, DEMO_PRACTITIONER);
    const response = await page.goto('/this-page-does-not-exist');
    assert.equal(response.status(), 404, `GET /this-page-does-not-exist answered ${response.status()}, expected 404`);
    assert.equal(await h1Text(page), 'Page not found', `The 404 page's <h1> should be "Page not found": ${await where(page)}`);
    await checkPage(page);
  });
});
