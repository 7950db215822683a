/**
 * What intake works out, in the staff workbench (real browser, real server, embedded database):
 * the routing suggestion while typing (采用 fills the category), 重复信访 for the same person's same
 * text, the case page's 疑似重复信访 alert with 并入原件, an extreme statement's urgent warning on
 * the warnings page, and the hot-issues page for a leader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, newContext, screenshot } from './browser.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { client, loginAs, startServer, type TestServer } from '../support/server.js';

describe('intake intelligence (browser, office screen)', () => {
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
    // dispatch history for 劳动和社会保障 (02): the unit suggestion's fallback names 区住建局. Its text is
    // about something else, so that registering it does not look up (and cache) the history of 02 first.
    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const earlier = await dispatcher.post('/api/cases', {
      channel: 'phone', nature: 'appeal', category: '02', title: '道路井盖缺失', content: '南苑街道某路口井盖缺失多日，夜间行人易跌落。',
      gridId: org.units.gridA1, petitioners: [{ name: '钱进' }], acceptNow: true,
    });
    expect(earlier.status).toBe(201);
    expect((await dispatcher.post(`/api/cases/${earlier.body.id}/commands`, { type: 'dispatch', leadUnitId: org.units.housing })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  /** Given a username, returns a fresh office-screen page signed in through the login form. */
  async function signIn(username: string): Promise<Page> {
    const ctx = await newContext(browser, server.base, 'office');
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto('/staff/login');
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.getByTestId('whoami').waitFor();
    return page;
  }

  /** Waits until the open modal's opening animation has finished (for a clean screenshot). */
  const settled = (page: Page) =>
    page.locator('.ant-modal').first().evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)).then(() => undefined));

  /** The tree select's shown value for the form field `id`. */
  const selectedTitle = (page: Page, id: string) => page.locator(`.ant-form-item:has([id="${id}"])`).locator('.ant-select-content, .ant-select-selection-item').first();

  it('while typing a wage-arrears text the registrar sees the suggested category, and 采用 fills the form', async () => {
    const reg = await signIn(org.usernames.registrar!);
    await reg.goto('/staff/intake');
    await reg.getByLabel('标题').fill('工地老板拖欠农民工工资');
    await reg.getByLabel('诉求内容').fill('我们在云湖区某工地干了八个月，包工头拖欠工资共计六万余元，多次讨薪未果，请劳动监察部门帮助追讨欠薪。');
    const card = reg.getByTestId('routing-suggestion');
    await card.waitFor();
    const suggested = card.getByTestId('suggested-category');
    await expect.poll(() => suggested.innerText()).toBe('劳动和社会保障');
    expect(await card.innerText()).toMatch(/\d+%/);
    expect(await card.getByTestId('suggested-unit').innerText()).toMatch(/区住建局\s*\d+%\s*历史交办/);
    await card.getByTestId('adopt-category').click();
    await expect.poll(() => selectedTitle(reg, 'category').textContent()).toContain('劳动和社会保障');
    await card.getByRole('button', { name: '已采用' }).waitFor();
    expect(await card.getByTestId('adopt-category').isDisabled()).toBe(true);
    await screenshot(reg, 'staff-intake-routing');
  }, 90_000);

  it('the same person with the same text is a 重复信访 while typing; on the new case a dispatcher merges it into the original', async () => {
    const title = '小区门口夜市噪音扰民';
    const content = '锦绣家园小区南门外夜市每晚营业到凌晨两点，油烟和噪音严重影响居民休息，多次向城管反映无果，请求取缔或规范夜市经营时间。';
    const phone = '13655557777';
    const registrar = await loginAs(server, org.usernames.registrar!);
    const original = await registrar.post('/api/cases', {
      channel: 'phone',
      nature: 'appeal',
      title,
      content,
      gridId: org.units.gridA1,
      petitioners: [{ name: '周建国', phone }],
    });
    expect(original.status).toBe(201);

    const reg = await signIn(org.usernames.registrar!);
    await reg.goto('/staff/intake');
    await reg.getByLabel('标题').fill(title);
    await reg.getByLabel('诉求内容').fill(content);
    await reg.getByLabel('姓名 1').fill('周建国');
    await reg.getByLabel('联系电话 1').fill(phone);
    const same = reg.getByTestId('same-matter');
    await same.getByText(original.body.number).waitFor();
    expect(await same.locator('[data-same-person="true"]').innerText()).toBe('重复信访（同一人同一事项）');
    expect(await same.getByRole('link', { name: original.body.number }).getAttribute('href')).toBe(`/staff/cases/${original.body.id}`);
    await screenshot(reg, 'staff-intake-repeat');

    await reg.locator('form button[type=submit]').click();
    await reg.getByTestId('created').waitFor();
    const number = (await reg.getByTestId('created-number').innerText()).trim();
    await reg.getByRole('button', { name: '查看该件' }).click();
    await reg.getByTestId('case-number').filter({ hasText: number }).waitFor();
    const alert = reg.getByTestId('repeat-alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain(`疑似重复信访：与 ${original.body.number}「${title}」为同一人同一事项`);
    expect(await reg.getByTestId('merge-into-original').count()).toBe(0); // a registrar may not merge
    const id = reg.url().split('/').pop()!;

    const disp = await signIn(org.usernames.dispatcher!);
    await disp.goto(`/staff/cases/${id}`);
    await disp.getByTestId('repeat-alert').waitFor();
    await disp.locator('article [data-state="registered"]').first().waitFor();
    const panel = disp.getByTestId('case-intelligence');
    await panel.getByTestId('matter-cases').getByText(original.body.number).waitFor();
    expect(await panel.getByTestId('matter-cases').innerText()).toContain('同一事项 2 件');
    expect((await panel.getByTestId('case-keywords').locator('.ant-tag').count())).toBeGreaterThan(0);
    await screenshot(disp, 'staff-case-repeat');
    await disp.getByTestId('merge-into-original').click();
    const confirm = disp.getByTestId('merge-confirm');
    await confirm.waitFor();
    expect(await confirm.getByLabel('并案理由').inputValue()).toBe('同一人同一事项重复信访');
    await settled(disp);
    await screenshot(disp, 'staff-case-merge-confirm');
    await confirm.locator('button[type=submit]').click();
    await disp.locator('.ant-modal').waitFor({ state: 'hidden' });
    await disp.locator('article [data-state="merged"]').first().waitFor();
    expect(await disp.locator('article [data-state="merged"]').first().innerText()).toBe('已并案');
    expect(await disp.getByTestId('repeat-alert').count()).toBe(0); // merged: the header says where to
    await screenshot(disp, 'staff-case-merged');
    const merged = await disp.evaluate(async (caseId) => (await (await fetch(`/api/cases/${caseId}`)).json()) as { state: string; mergedIntoId: string }, id);
    expect(merged).toMatchObject({ state: 'merged', mergedIntoId: original.body.id });
  }, 120_000);

  it('a dispatcher sees the routing suggestion beside the dispatch action', async () => {
    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const created = await dispatcher.post('/api/cases', {
      channel: 'phone',
      nature: 'appeal',
      title: '公司拖欠工资不发',
      content: '我在某物流公司工作，公司已拖欠三个月工资，老板避而不见，请劳动保障部门帮忙追讨工资。',
      gridId: org.units.gridA1,
      petitioners: [{ name: '孙小兵', phone: '13511112222' }],
      acceptNow: true,
    });
    expect(created.status).toBe(201);
    const disp = await signIn(org.usernames.dispatcher!);
    await disp.goto(`/staff/cases/${created.body.id}`);
    const line = disp.getByTestId('routing-line');
    await line.waitFor();
    expect(await line.innerText()).toContain('劳动和社会保障');
    expect(await line.innerText()).toContain('区住建局');
    await screenshot(disp, 'staff-case-routing');
    // the dispatch form starts with the suggested lead unit
    await disp.locator('[data-testid=actions] [data-command="dispatch"]').click();
    const modal = disp.locator('.ant-modal [data-command="dispatch"]');
    await modal.getByTestId('lead-unit-suggested').waitFor();
    expect(await selectedTitle(disp, 'leadUnitId').textContent()).toContain('区住建局');
    await settled(disp);
    await screenshot(disp, 'staff-action-dispatch-suggested');
    await disp.locator('.ant-modal button[type=submit]').click();
    await disp.locator('.ant-modal').waitFor({ state: 'hidden' });
    await disp.locator('article [data-state="dispatched"]').first().waitFor();
    expect(await disp.locator('article').innerText()).toContain('区住建局');
  }, 90_000);

  it('an extreme statement in a public submission is an urgent warning on the warnings page; the hot-issues page loads for a leader', async () => {
    const pub = client(server);
    const res = await pub.post('/api/public/cases', {
      title: '拖欠工程款讨要无门',
      content: '工地拖欠我们工程款一年多，多次讨要无果，如果再不解决我就跳楼。',
      petitioner: { name: '王大力', phone: '13844445555' },
    });
    expect(res.status).toBe(201);

    const sup = await signIn(org.usernames.supervisor!);
    await sup.goto('/staff/warnings');
    const row = sup.locator('.ant-table-tbody tr.ant-table-row', { hasText: '跳楼' }).first();
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('紧急');
    expect(text).toContain('极端言论');
    expect(await row.getAttribute('class')).toContain('xf-warning-urgent');
    await screenshot(sup, 'staff-warnings-extreme');

    const leader = await signIn(org.usernames.leader!);
    await leader.goto('/staff/hot-issues');
    await leader.getByRole('heading', { name: '热点与每月一题' }).waitFor();
    await leader.locator('.ant-table').first().waitFor();
    expect(await leader.locator('.ant-result-error').count()).toBe(0);
    await screenshot(leader, 'staff-hot-issues-leader');
  }, 90_000);
});
