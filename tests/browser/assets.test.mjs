// The vendored GOV.UK Frontend and the harness itself, without the ecaf server: a tiny static
// server serves assets/ at /assets/ and tests/browser/fixtures/layout.html (the reference page
// layout that the minijinja templates follow) under the same Content-Security-Policy as the app
// should send. If these fail, the browser tests of the app cannot be trusted either.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ROOT, assertNoPageProblems, checkA11y, launchBrowser, newPage, visit, where } from './harness.mjs';

/** The CSP the layout is meant to work under: no inline script or style, everything from 'self'. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
  "manifest-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
  "frame-ancestors 'none'";

const TYPES = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

function startStaticServer() {
  const assets = path.join(ROOT, 'assets');
  const server = http.createServer(async (request, response) => {
    const { pathname } = new URL(request.url, 'http://localhost');
    let file = null;
    if (pathname === '/' || pathname === '/sign-in') {
      file = path.join(ROOT, 'tests', 'browser', 'fixtures', 'layout.html');
    } else if (pathname.startsWith('/assets/')) {
      const candidate = path.normalize(path.join(assets, decodeURIComponent(pathname.slice('/assets/'.length))));
      if (candidate.startsWith(assets + path.sep)) file = candidate;
    }
    try {
      if (!file) throw new Error('not found');
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-security-policy': STRICT_CSP,
        'x-content-type-options': 'nosniff',
      });
      response.end(body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

describe('vendored GOV.UK Frontend and the harness', () => {
  let server;
  let browser;
  let baseURL;
  before(async () => {
    server = await startStaticServer();
    baseURL = `http://127.0.0.1:${server.address().port}`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('the reference layout loads every asset under a strict CSP, runs GOV.UK Frontend and passes axe', async (t) => {
    const page = await newPage(browser, baseURL, t);
    const assetResponses = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/assets/')) assetResponses.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await visit(page, '/');
    await page.evaluate(() => document.fonts.ready);

    const state = await page.evaluate(() => ({
      bodyClass: document.body.className,
      version: getComputedStyle(document.documentElement)
        .getPropertyValue('--govuk-frontend-version')
        .trim()
        .replace(/^"|"$/g, ''),
      skipLinkInitialised: document.querySelector('.govuk-skip-link').hasAttribute('data-govuk-skip-link-init'),
      errorSummaryFocused: document.activeElement?.classList.contains('govuk-error-summary') ?? false,
      font: document.fonts.check('19px "GDS Transport"'),
      bodyFont: getComputedStyle(document.querySelector('.govuk-heading-l')).fontFamily,
    }));
    assert.match(state.bodyClass, /\bjs-enabled\b/, 'supported.js did not add js-enabled');
    assert.match(state.bodyClass, /\bgovuk-frontend-supported\b/, 'supported.js did not add govuk-frontend-supported');
    const installed = JSON.parse(await readFile(path.join(ROOT, 'node_modules', 'govuk-frontend', 'package.json'), 'utf8')).version;
    assert.ok(state.version, 'govuk-frontend.min.css did not load (no --govuk-frontend-version on :root)');
    assert.equal(
      state.version,
      installed,
      `assets/ holds GOV.UK Frontend ${state.version} but package.json installs ${installed}: run scripts/vendor-govuk-frontend`,
    );
    assert.ok(state.skipLinkInitialised, 'init.js did not initialise the skip link (initAll did not run)');
    assert.ok(state.errorSummaryFocused, 'init.js did not focus the error summary (initAll did not run)');
    assert.ok(state.font, `The GDS Transport font did not load (font-family: ${state.bodyFont})`);
    assert.ok(
      assetResponses.every((line) => line.startsWith('200 ')),
      `Some assets failed:\n${assetResponses.join('\n')}`,
    );
    for (const asset of ['/assets/govuk/govuk-frontend.min.css', '/assets/govuk/supported.js', '/assets/govuk/init.js', '/assets/govuk/govuk-frontend.min.js']) {
      assert.ok(assetResponses.includes(`200 ${asset}`), `${asset} was not loaded; loaded:\n${assetResponses.join('\n')}`);
    }
    // The manifest and icons are fetched lazily; ask for them directly.
    for (const asset of ['/assets/manifest.json', '/assets/images/favicon.svg', '/assets/images/govuk-crest.svg']) {
      const r = await page.request.get(asset);
      assert.equal(r.status(), 200, `${asset} answered ${r.status()}`);
    }
  });

  it('checkA11y reports a violation with its id and target', async (t) => {
    const page = await newPage(browser, baseURL, t);
    await page.setContent(
      '<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad page</h1>' +
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt"><input id="unlabelled"></main></body></html>',
    );
    await assert.rejects(
      () => checkA11y(page),
      (error) => {
        assert.match(error.message, /image-alt/);
        assert.match(error.message, /#no-alt/);
        assert.match(error.message, /label/);
        return true;
      },
    );
  });

  it('where() answers at once on a page without an error summary (failure messages must not wait)', async (t) => {
    const page = await newPage(browser, baseURL, t);
    await page.setContent('<!DOCTYPE html><html lang="en"><head><title>Plain</title></head><body><h1>Plain page</h1></body></html>');
    const started = performance.now();
    const text = await where(page);
    const ms = performance.now() - started;
    assert.match(text, /h1: "Plain page"/);
    assert.doesNotMatch(text, /error summary/);
    assert.ok(ms < 2_000, `where() took ${Math.round(ms)} ms: it waits for an element that is not there`);
    await page.setContent(
      '<!DOCTYPE html><html lang="en"><head><title>Errors</title></head><body><div class="govuk-error-summary">' +
        '<h2>There is a problem</h2><ul><li>Enter an email</li></ul></div><h1>Form</h1></body></html>',
    );
    assert.match(await where(page), /error summary: "There is a problem Enter an email"/);
  });

  it('the page-problem check reports console errors', async (t) => {
    const page = await newPage(browser, baseURL, t);
    await page.goto('/assets/govuk/govuk-frontend.min.css'); // any same-origin page
    await page.evaluate(() => console.error('something broke'));
    assert.throws(() => assertNoPageProblems(page), /something broke/);
  });
});
