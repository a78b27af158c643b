import { chromium } from 'playwright-core';
const base = process.env.BASE || 'http://127.0.0.1:8111';
const [,, user, ...paths] = process.argv;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const width = +(process.env.W || 1280);
const ctx = await browser.newContext({ viewport: { width, height: 900 } });
const page = await ctx.newPage();
await page.goto(base + '/sign-in');
await page.fill('#email', user + '@demo.ecaf.org.uk');
await page.fill('#password', 'caf-demo-2026');
await page.click('button[type=submit]');
let i = 0;
for (const p of paths) {
  const r = await page.goto(base + p);
  const name = `/tmp/shots/${process.env.PREFIX||'s'}${i++}.png`;
  await page.screenshot({ path: name, fullPage: true });
  console.log(r.status(), p, name, await page.title());
}
await browser.close();
