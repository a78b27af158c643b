// Browser-test harness: starts the real `ecaf` binary on a fresh data directory, drives Debian's
// chromium through playwright-core, and checks every page it visits with axe-core.
//
// Use from a test file (run with `node --test --test-concurrency=1 tests/browser/`):
//
//   import { describe, it, before, after } from 'node:test';
//   import { useApp, visit, signIn } from './harness.mjs';
//   describe('…', () => {
//     const app = useApp();                  // one server + one browser for the file
//     it('…', async (t) => {
//       const page = await app.newPage(t);   // a fresh browser context for this test
//       await visit(page, '/sign-in');       // status < 400, no console errors, axe-clean
//     });
//   });
//
// Environment: ECAF_BIN (default target/debug/ecaf), CHROMIUM (default /usr/bin/chromium),
// ECAF_TEST_HEADED=1 to watch the browser, ECAF_TEST_SERVER_LOG=1 to echo the server's output.
// The server's output is also kept in test-results/browser/<file>-server.log.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { AxeBuilder } from '@axe-core/playwright';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every demo account has this password (see `ecaf serve --demo`). */
export const DEMO_PASSWORD = 'caf-demo-2026';
export const DEMO_ADMIN = 'admin@demo.ecaf.org.uk';
export const DEMO_PRACTITIONER = 'sam.taylor@demo.ecaf.org.uk';

/** WCAG 2.2 AA, as the design asks: every page visited is checked against these. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const SERVER_START_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `$ECAF_BIN serve --demo --data-dir <fresh temp dir> --listen 127.0.0.1:<free port>`
 * (plus `extraArgs`; in `dataDir` instead, which is then kept at stop) and waits until
 * `GET /healthz` answers 200. Returns { baseURL, logPath, logTail(), stop() }.
 */
export async function startServer({ name = 'server', dataDir: givenDir, extraArgs = [] } = {}) {
  const bin = path.resolve(ROOT, process.env.ECAF_BIN || 'target/debug/ecaf');
  if (!existsSync(bin)) {
    throw new Error(
      `The ecaf binary is not at ${bin}. Build it with \`cargo build -p ecaf\` ` +
        'or point ECAF_BIN at it (scripts/test does both).',
    );
  }
  const dataDir = givenDir || (await mkdtemp(path.join(os.tmpdir(), 'ecaf-browser-')));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const args = ['serve', '--demo', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...extraArgs];

  const logDir = path.join(ROOT, 'test-results', 'browser');
  mkdirSync(logDir, { recursive: true });
  const logPath = path.join(logDir, `${name}-server.log`);
  const logFile = createWriteStream(logPath);
  const tail = [];
  const echo = process.env.ECAF_TEST_SERVER_LOG === '1';

  const child = spawn(bin, args, {
    cwd: ROOT,
    env: { RUST_LOG: 'info', ...process.env, RUST_BACKTRACE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  child.on('error', (error) => {
    exited = { code: null, signal: null, error };
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      logFile.write(chunk);
      if (echo) process.stderr.write(chunk);
      for (const line of chunk.split('\n')) {
        if (line) tail.push(line);
      }
      if (tail.length > 200) tail.splice(0, tail.length - 200);
    });
  }
  const logTail = (n = 40) => tail.slice(-n).join('\n');

  const stop = async () => {
    process.off('exit', killOnExit);
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
    await new Promise((resolve) => logFile.end(resolve));
    if (!givenDir) await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(
        `\`${bin} ${args.join(' ')}\` exited before answering GET /healthz ` +
          `(${exited.error ? exited.error.message : `code ${exited.code}, signal ${exited.signal}`}). ` +
          `Its last output:\n${logTail()}`,
      );
    }
    try {
      const response = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) break;
      lastProblem = `GET /healthz answered ${response.status}`;
    } catch (error) {
      lastProblem = `GET /healthz failed: ${error.cause?.code ?? error.message}`;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `The server did not answer GET /healthz with 200 within ${SERVER_START_TIMEOUT_MS / 1000} s ` +
          `(${lastProblem}). Its last output:\n${logTail()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { baseURL, logPath, logTail, stop };
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/** Launches Debian's chromium (headless unless ECAF_TEST_HEADED=1). */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`No chromium at ${executablePath}: \`apt-get install -y chromium\` (scripts/test does it).`);
  }
  return chromium.launch({
    executablePath,
    args: CHROMIUM_ARGS,
    headless: process.env.ECAF_TEST_HEADED !== '1',
  });
}

/**
 * Opens a page in a fresh browser context (own cookies and storage). Console errors, page errors
 * and failed same-origin requests are collected on `page.problems` and checked by `visit()` and
 * `checkPage()`. When `t` (the node:test context) is given, the context is closed after the test.
 */
export async function newPage(browser, baseURL, t) {
  const context = await browser.newContext({ baseURL, locale: 'en-GB', timezoneId: 'Europe/London' });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs "Failed to load resource: … status of 404" for the document itself when a
    // page is an error page on purpose (403, 404, 401 after a wrong password); the tests assert
    // on those statuses themselves. A sub-resource that fails is still reported.
    const at = message.location()?.url;
    if (/^Failed to load resource: the server responded with a status of/.test(message.text()) && at === page.url()) {
      return;
    }
    page.problems.push(`console error: ${message.text()}${at ? ` (${at})` : ''}`);
  });
  page.on('pageerror', (error) => page.problems.push(`uncaught exception: ${error.message}`));
  page.on('requestfailed', (request) => {
    const errorText = request.failure()?.errorText ?? '';
    // A request cut short by the next navigation is not a problem of the page.
    if (errorText === 'net::ERR_ABORTED') return;
    page.problems.push(`request failed: ${request.method()} ${request.url()} (${errorText})`);
  });
  if (t) t.after(() => context.close());
  return page;
}

/**
 * Registers before/after hooks that start one server and one browser for the current test file
 * (or describe block). Returns an object whose `newPage(t)` gives each test its own context.
 */
export function useApp({ name } = {}) {
  const app = { server: null, browser: null };
  const fileName = name || path.basename(process.argv[1] || 'browser', '.test.mjs');
  before(async () => {
    app.server = await startServer({ name: fileName });
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.stop();
  });
  app.newPage = (t) => newPage(app.browser, app.server.baseURL, t);
  app.url = (p) => new URL(p, app.server.baseURL).toString();
  return app;
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** Runs axe-core (WCAG 2.2 AA tags) on the page and fails listing every violation. */
export async function checkA11y(page, { exclude = [] } = {}) {
  let builder = new AxeBuilder({ page }).withTags(AXE_TAGS);
  for (const selector of exclude) builder = builder.exclude(selector);
  const results = await builder.analyze();
  if (results.violations.length === 0) return results;
  const lines = [];
  for (const violation of results.violations) {
    lines.push(`- ${violation.id} [${violation.impact}]: ${violation.help} (${violation.helpUrl})`);
    for (const node of violation.nodes) {
      lines.push(`    at ${node.target.join(' ')}: ${node.html.replace(/\s+/g, ' ').slice(0, 200)}`);
      if (node.failureSummary) {
        lines.push(`      ${node.failureSummary.replace(/\s*\n\s*/g, ' / ')}`);
      }
    }
  }
  assert.fail(
    `axe-core found ${results.violations.length} accessibility violation(s) on ${page.url()}:\n${lines.join('\n')}`,
  );
}

/** Fails if the page logged console errors, threw, or a request failed since the last check. */
export function assertNoPageProblems(page) {
  const problems = page.problems.splice(0);
  if (problems.length > 0) {
    assert.fail(`Problems in the browser on ${page.url()}:\n- ${problems.join('\n- ')}`);
  }
}

/** Text of the first <h1>, trimmed ('' if there is none). */
export async function h1Text(page) {
  const h1 = page.locator('h1').first();
  if ((await h1.count()) === 0) return '';
  return (await h1.innerText()).trim();
}

/**
 * Describes where the page is, for failure messages. It never waits: the tests build their
 * messages eagerly (`${await where(page)}` in every assertion, failing or not), so a locator
 * that auto-waits for an absent element (`.govuk-error-summary` on most pages) would cost the
 * full default timeout, 15 s, on every assertion.
 */
export async function where(page) {
  const state = await page
    .evaluate(() => ({
      heading: (document.querySelector('h1')?.innerText ?? '').trim(),
      summary: (document.querySelector('.govuk-error-summary')?.innerText ?? '').replace(/\s+/g, ' ').trim(),
    }))
    .catch(() => ({ heading: '', summary: '' }));
  return `${page.url()} (h1: ${JSON.stringify(state.heading)}${state.summary ? `; error summary: ${JSON.stringify(state.summary)}` : ''})`;
}

/** The checks every page gets: no console errors or failed requests, and axe-clean. */
export async function checkPage(page) {
  assertNoPageProblems(page);
  await checkA11y(page);
}

/**
 * Navigates to `pathname`, asserts the final response's status < 400, and checks the page
 * (no browser problems, axe-core). Returns the response.
 */
export async function visit(page, pathname) {
  const response = await page.goto(pathname, { waitUntil: 'load' });
  assert.ok(response, `No response for ${pathname}`);
  assert.ok(
    response.status() < 400,
    `GET ${pathname} answered ${response.status()}, expected < 400; now at ${await where(page)}`,
  );
  await checkPage(page);
  return response;
}

/**
 * Resolves with the next main-frame document response that is not a redirect (so a POST that
 * answers 303 resolves with the page it redirects to). Start it before the click or key press.
 */
export function nextDocument(page) {
  return page.waitForResponse(
    (response) =>
      response.request().isNavigationRequest() &&
      response.frame() === page.mainFrame() &&
      !(response.status() >= 300 && response.status() < 400),
  );
}

/** Clicks (or runs `action`) and waits for the resulting page to load; returns its response. */
export async function submitAndWait(page, action) {
  const documentResponse = nextDocument(page);
  await (typeof action === 'function' ? action() : action.click());
  const response = await documentResponse;
  // The response can arrive before the page commits to its URL; wait for that too, or the
  // caller may read the previous page's URL.
  await page.waitForURL(response.url(), { timeout: 10_000 }).catch(() => {});
  await page.waitForLoadState('load');
  return response;
}

/** Signs in through the form with the mouse (the keyboard journey has its own test). */
export async function signIn(page, email, password = DEMO_PASSWORD) {
  await visit(page, '/sign-in');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  const response = await submitAndWait(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  assert.ok(response.status() < 400, `Signing in as ${email} answered ${response.status()}; now at ${await where(page)}`);
  assert.notEqual(
    new URL(page.url()).pathname,
    '/sign-in',
    `Signing in as ${email} with the demo password stayed on the sign-in page: ${await where(page)}`,
  );
  return response;
}
