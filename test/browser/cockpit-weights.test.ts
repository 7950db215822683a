/**
 * The cockpit's weights in a real browser: the admin sets the 一图一指数 weights to 诉求量 only
 * (each share shown as typed) and saves; a reload shows them; a leader's map explanation then
 * counts 诉求量 at 100%; while a new case waits to be folded into the figures, the cockpit says so
 * and reads them again until it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, newContext, screenshot } from './browser.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { loginAs, startServer, type TestServer } from '../support/server.js';
import { runRollupsOnce } from '../../src/jobs/rollup-worker.js';

const INDEX = ['诉求量', '超期件', '不满意率', '预警'];

describe('cockpit weights (browser, admin then leader)', () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // the browser judges the session cookie's expiry by the real clock
    t = await makeTestContext('pglite', { start: new Date().toISOString() });
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  /** Given a username and a page to go to, returns an office-screen page signed in there through the login form. */
  async function signIn(username: string, next: string): Promise<Page> {
    const ctx = await newContext(browser, server.base, 'office');
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`/staff/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.waitForURL(`**${next}`);
    return page;
  }

  const index = (page: Page, label: string) => page.getByTestId('weights-index').getByRole('spinbutton', { name: label, exact: true });

  it('the admin sets the index to 诉求量 only, and a reload shows it', async () => {
    const page = await signIn(org.usernames.admin!, '/admin/cockpit-weights');
    await page.getByRole('menuitem', { name: /驾驶舱权重/ }).waitFor();
    // the nine rates of the assessment, by their names
    await page.getByTestId('weights-assessment').getByRole('spinbutton', { name: '积案化解率' }).waitFor();
    await expect.poll(() => index(page, '诉求量').inputValue()).not.toBe('');

    for (const [i, label] of INDEX.entries()) await index(page, label).fill(i === 0 ? '1' : '0');
    await expect.poll(() => page.getByTestId('weight-share-index-volume').innerText()).toBe('占 100.0%');
    expect(await page.getByTestId('weight-share-index-overdue').innerText()).toBe('占 0.0%');
    await page.getByRole('button', { name: /保\s*存/ }).click();
    await page.getByText('权重已保存').waitFor();
    await screenshot(page, 'admin-cockpit-weights');

    await page.reload();
    await expect.poll(() => index(page, '诉求量').inputValue()).toBe('1');
    for (const label of INDEX.slice(1)) expect(await index(page, label).inputValue()).toBe('0');
  });

  it("a leader's map explanation then counts 诉求量 at 100%; a case not yet folded in is announced until it is", async () => {
    // a new case, its rollup still queued (the test server runs no rollup worker)
    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const res = await dispatcher.post('/api/cases', { channel: 'phone', nature: 'appeal', title: '小区门口路灯损坏', content: '小区门口路灯损坏多日，夜间出行不便，请尽快维修。', gridId: org.units.gridA1, petitioners: [{ name: '市民甲' }], acceptNow: true });
    expect(res.status).toBe(201);

    const page = await signIn(org.usernames.leader!, '/staff/cockpit');
    const explanation = page.getByTestId('map-explanation');
    await explanation.waitFor();
    expect(await explanation.innerText()).toContain('诉求量 × 100%');
    expect(await explanation.innerText()).toContain('超期件 × 0%');

    const pending = page.getByTestId('cockpit-pending');
    expect(await pending.innerText()).toMatch(/^统计数据更新中：尚有 \d+ 项变更待汇总，数字会在几秒内更新$/);
    expect(Number(await page.getByTestId('kpi-received').getAttribute('data-value'))).toBe(0);
    // folded: the next automatic read (every 5 s) shows the case and drops the notice
    await runRollupsOnce(t.ctx);
    await expect.poll(async () => Number(await page.getByTestId('kpi-received').getAttribute('data-value')), { timeout: 12_000, interval: 250 }).toBe(1);
    expect(await pending.count()).toBe(0);
  });
});
