/**
 * Text a citizen submits is shown as text, never run as markup: a case whose title, content and
 * name carry script and HTML injection is opened by the intake unit's dispatcher (queue and case page) and by the
 * citizen (tracking page) in a real browser. Nothing runs (no dialog, no flag set by the payloads),
 * and the payloads read back literally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newContext } from './browser.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { client, startServer, type TestServer } from '../support/server.js';

const TITLE = `<img src=x onerror="window.__xss='title'">路灯<script>window.__xss='script'</script>`;
const CONTENT = `<svg onload="window.__xss='svg'"></svg>小区门口的路灯坏了 <a href="javascript:window.__xss='link'">点我</a> {{constructor.constructor('window.__xss=1')()}}`;
const NAME = `<b onmouseover="window.__xss='name'">王五</b>`;

describe('stored text renders as text (browser)', () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  let number: string;
  let queryCode: string;

  beforeAll(async () => {
    t = await makeTestContext('pglite', { start: new Date().toISOString() });
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
    browser = await launchBrowser();
    const res = await client(server).post('/api/public/cases', { title: TITLE, content: CONTENT, petitioner: { name: NAME, phone: '13900139000' } });
    expect(res.status).toBe(201);
    ({ number, queryCode } = res.body);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  /** Given a page, returns what the payloads did: dialogs opened and the flag they set. */
  async function watch(page: Page): Promise<() => Promise<{ dialogs: string[]; flag: unknown }>> {
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    return async () => ({ dialogs, flag: await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss) });
  }

  it("the dispatcher's queue and case page show the payloads as text and run none of them", async () => {
    const ctx = await newContext(browser, server.base, 'office');
    const page = await ctx.newPage();
    const ran = await watch(page);
    await page.goto(`/staff/login?next=${encodeURIComponent('/staff')}`);
    await page.getByLabel('用户名').fill(org.usernames.dispatcher!);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.locator('.ant-table').waitFor();
    await page.keyboard.press('/'); // the search box
    await page.keyboard.type(number);
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=/);
    const link = page.locator(`a[data-case-number="${number}"]`);
    await link.waitFor();
    await expect.poll(() => page.locator('tr', { has: link }).innerText()).toContain('<img src=x onerror=');
    await link.click();
    await page.locator('#xf-case-title').waitFor();
    await expect.poll(() => page.locator('#xf-case-title').innerText()).toContain(`<img src=x onerror="window.__xss='title'">`);
    await expect.poll(() => page.locator('article').innerText()).toContain(`<svg onload="window.__xss='svg'"></svg>`);
    await page.mouse.move(10, 10);
    expect(await page.locator('article img[src=x], article svg[onload], article script').count()).toBe(0);
    expect(await ran()).toEqual({ dialogs: [], flag: undefined });
    await ctx.close();
  });

  it("the citizen's tracking page shows them as text too", async () => {
    const ctx = await newContext(browser, server.base, 'phone');
    const page = await ctx.newPage();
    const ran = await watch(page);
    await page.goto(`/m/track?number=${number}&code=${queryCode}`);
    await page.getByTestId('case-state').waitFor();
    await expect.poll(() => page.locator('body').innerText()).toContain('<img src=x onerror=');
    expect(await page.locator('img[src=x], svg[onload]').count()).toBe(0);
    expect(await ran()).toEqual({ dialogs: [], flag: undefined });
    await ctx.close();
  });
});
