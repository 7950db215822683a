/**
 * The 百案攻坚 ledger, spot checks (抽查) and notification channels in a real browser against the
 * real server (embedded database, loopback): a leader records the month's review of his case
 * (a refusal shown beside its field, the text kept) and downloads the Excel ledger; a supervisor
 * draws a round, records a return visit and a sloppy verdict and sees the deduction; an admin
 * creates a WeCom channel pointing at a local receiver, sends a test and sees it delivered.
 * Screenshots of each page.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchBrowser, newContext, screenshot } from './browser.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { client, loginAs, startServer, type TestServer } from '../support/server.js';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers.js';
import { runOutboxOnce } from '../../src/jobs/outbox-worker.js';
import { cases } from '../../src/store/schema.js';
import { eq } from 'drizzle-orm';

/** The app as built when the server module loads (others may rebuild web/dist meanwhile): see citizen.test.ts. */
const served = vi.hoisted(() => ({ dir: '' }));
vi.mock('../../src/http/web-app.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/http/web-app.js')>();
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  served.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-web-'));
  for (let attempt = 0; ; attempt++) {
    fs.rmSync(served.dir, { recursive: true, force: true });
    fs.cpSync(real.WEB_DIST, served.dir, { recursive: true });
    const index = fs.readFileSync(path.join(served.dir, 'index.html'), 'utf8');
    const named = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
    if (named.every((f) => fs.existsSync(path.join(served.dir, f)))) break;
    if (attempt > 60) throw new Error('web/dist keeps changing; cannot take a consistent copy');
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { ...real, registerWebApp: (app: Parameters<typeof real.registerWebApp>[0]) => real.registerWebApp(app, served.dir) };
});

const WAIT = { timeout: 10_000, interval: 100 };
const see = (l: Locator) => l.first().waitFor({ state: 'visible', timeout: WAIT.timeout });
const seeText = (l: Locator, text: string | RegExp) =>
  expect.poll(async () => ((await l.count()) ? ((await l.first().innerText()) ?? '') : ''), WAIT).toMatch(text);
/** antd puts a space between the two characters of a two-character button label. */
const two = (label: string) => new RegExp(`^${[...label].join('\\s?')}$`);
/** Given a dialog and a field's id, returns the error antd shows beside it. */
const errorOf = (scope: Page | Locator, id: string) => scope.locator(`.ant-form-item:has([id="${id}"]) .ant-form-item-explain-error`);

async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, name);
}

describe('ledger, spot checks and notification channels (browser, office screen) [pglite]', { timeout: 120_000 }, () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  let receiver: HttpReceiver;
  const contexts: BrowserContext[] = [];
  /** the leader's open case on this month's ledger */
  let owned: { id: string; number: string };
  /** cases closed this month (the spot checks' population) */
  const closed: { id: string; number: string }[] = [];

  beforeAll(async () => {
    // The browser judges the session cookie's expiry by the real clock: the server's clock starts at the real time.
    t = await makeTestContext('pglite', { start: new Date().toISOString() });
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
    receiver = await startHttpReceiver();
    browser = await launchBrowser();

    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const handler = await loginAs(server, org.usernames.handlerA!);
    const leader = await loginAs(server, org.usernames.leader!);
    const ok = async (res: Promise<{ status: number; body: any }>) => {
      const r = await res;
      expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
      return r.body;
    };
    const command = (who: typeof dispatcher, id: string, body: Record<string, unknown>) => ok(who.post(`/api/cases/${id}/commands`, body));
    /** a citizen's case submitted online in grid A1, accepted and dispatched there, signed for by the grid's handler */
    const toHandling = async (title: string, content: string, ownedByLeader: boolean) => {
      const submitted = await ok(client(server).post('/api/public/cases', { title, content, gridId: org.units.gridA1, petitioner: { name: '王五', phone: '13812345678' } }));
      const [row] = await t.ctx.db.select({ id: cases.id }).from(cases).where(eq(cases.number, submitted.number));
      const id = row!.id;
      await command(dispatcher, id, { type: 'accept' });
      if (ownedByLeader) await command(leader, id, { type: 'take_ownership' });
      await command(dispatcher, id, { type: 'dispatch', leadUnitId: org.units.gridA1, assistUnitIds: [] });
      await command(handler, id, { type: 'sign' });
      return { id, number: submitted.number as string };
    };

    owned = await toHandling('梅园小区违建阳光房影响消防通道', '梅园小区3幢一楼住户搭建阳光房，占用消防通道，多次反映未解决。', true);
    for (const [title, content] of [
      ['梅园社区北门路灯损坏', '梅园社区北门路灯坏了一个月，晚上出行不便。'],
      ['梅园小区垃圾清运不及时', '梅园小区东门垃圾堆放多日无人清运，气味很大。'],
    ]) {
      const c = await toHandling(title!, content!, false);
      await command(handler, c.id, { type: 'reply', opinion: 'support', text: '已现场核实并处理完毕。' });
      await command(dispatcher, c.id, { type: 'return_visit', contacted: true, solved: true, satisfied: true, method: 'phone' });
      await command(dispatcher, c.id, { type: 'close' });
      closed.push(c);
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await receiver?.close();
    await server?.close();
    await t?.close();
    if (served.dir) fs.rmSync(served.dir, { recursive: true, force: true });
  });

  /** Given a username and where to go, returns an office-screen page signed in through the login form (which comes back there). */
  async function signIn(username: string, path = '/staff'): Promise<{ page: Page; errors: string[] }> {
    const context = await newContext(browser, server.base, 'office');
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(path);
    await page.waitForURL(/\/staff\/login\?next=/);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.waitForURL((url) => url.pathname === path);
    return { page, errors };
  }

  it('a leader opens the ledger, sees his case, records the month\'s review (a refusal kept beside its field) and downloads the workbook', async () => {
    const { page, errors } = await signIn(org.usernames.leader!);
    await page.getByRole('menuitem', { name: '百案攻坚台账' }).click();
    await page.waitForURL(/\/staff\/ledger/);
    const row = page.locator(`tr[data-row-number="${owned.number}"]`);
    await see(row);
    await seeText(row, '包案');
    await seeText(row, '本月新增');
    await seeText(row, 'leader'); // the owning leader
    await seeText(row, '梅园社区第1网格');
    await seeText(row, '本月尚未审查');
    await seeText(page.locator('[data-figure=owned]'), '1');
    await seeText(page.locator('[data-figure=total]'), '1');
    expect(await page.locator(`a[data-case-number="${owned.number}"]`).getAttribute('href')).toBe(`/staff/cases/${owned.id}`);
    // the closed cases were never owned nor backlog: not on the ledger
    for (const c of closed) expect(await page.locator(`tr[data-row-number="${c.number}"]`).count()).toBe(0);
    await shot(page, 'ledger-leader');

    // the review form, by keyboard: the text has the cursor; 已销号 while the case is open is refused beside the conclusion
    await row.locator('[data-review-case]').click();
    const dialog = page.locator('.ant-modal').filter({ hasText: '滚动审查' });
    await see(dialog);
    await page.waitForFunction(() => document.activeElement?.id === 'ledger-review_progress');
    const progress = '已约谈违建户并下达限期整改通知，街道城管中队本周复查。';
    await page.keyboard.type(progress);
    await dialog.getByText('已销号', { exact: true }).click();
    await dialog.locator('button[type=submit]').click();
    await seeText(errorOf(dialog, 'ledger-review_status'), '案件尚未办结，不能销号');
    expect(await dialog.getByLabel('进展情况').inputValue()).toBe(progress);
    await shot(page, 'ledger-review-refused');
    await dialog.getByText('按计划推进', { exact: true }).click();
    await dialog.getByLabel('进展情况').focus();
    await page.keyboard.press('Control+Enter');
    await dialog.waitFor({ state: 'hidden' });
    const review = row.getByTestId('ledger-review');
    await see(review);
    expect(await review.getAttribute('data-review-status')).toBe('on_track');
    await seeText(review, progress);
    await seeText(page.locator('[data-figure=reviewed]'), '1');
    await seeText(page.locator('[data-figure=onTrack]'), '1');
    await shot(page, 'ledger-leader-reviewed');

    // the Excel workbook: a plain link the browser downloads with the session cookie
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('ledger-xlsx').click()]);
    expect(download.suggestedFilename()).toMatch(/百案攻坚台账.*\.xlsx$/);
    const file = await download.path();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(fs.readFileSync(file) as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('台账')!;
    const cells: string[] = [];
    sheet.eachRow((r) => r.eachCell((c) => cells.push(String(c.value ?? ''))));
    expect(cells).toContain(owned.number);
    expect(cells).toContain(progress);
    // and the Word report answers to the same session
    const docx = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength };
    }, (await page.getByTestId('ledger-docx').getAttribute('href'))!);
    expect(docx.status).toBe(200);
    expect(docx.type).toContain('wordprocessingml');
    expect(docx.size).toBeGreaterThan(1000);

    // the review is on the case's timeline
    await page.locator(`a[data-case-number="${owned.number}"]`).click();
    await page.locator('[data-testid=timeline] [data-event="case.ledger_reviewed"]').waitFor();
    await page.locator('[data-testid=timeline] [data-event="case.ledger_reviewed"]').scrollIntoViewIfNeeded();
    await screenshot(page, 'ledger-case-timeline');
    expect(errors).toEqual([]);
  });

  it('a supervisor draws a round, records the return visit and a sloppy verdict, and sees the deduction', async () => {
    const { page, errors } = await signIn(org.usernames.supervisor!);
    await page.getByRole('menuitem', { name: '办结抽查' }).click();
    await page.waitForURL(/\/staff\/spot-checks/);
    await see(page.getByTestId('spot-settings'));
    // the form fills once the settings have loaded: wait for the values, not just the card
    await expect.poll(() => page.getByTestId('spot-settings').getByLabel('抽查比例').inputValue(), WAIT).toBe('5.00');
    await expect.poll(() => page.getByTestId('spot-settings').getByLabel('每件草率办结扣分').inputValue(), WAIT).toBe('2.0');
    await seeText(page.getByTestId('spot-rounds'), '还没有抽查轮次');

    // this month's round (the month picker starts on it): one lead unit closed two cases → ⌈5% × 2⌉ = 1 sampled
    await page.getByTestId('spot-draw').locator('button[type=submit]').click();
    await seeText(page.getByTestId('draw-result'), /可抽办结件 2 件，本次新抽 1 件/);
    const checkRow = page.getByTestId('spot-checks').locator('tr[data-row-number]');
    await expect.poll(() => checkRow.count(), WAIT).toBe(1);
    const number = (await checkRow.getAttribute('data-row-number'))!;
    expect(closed.map((c) => c.number)).toContain(number);
    await seeText(checkRow, '尚未回访');
    expect(await checkRow.locator('[data-action=verdict]').isDisabled()).toBe(true);
    await shot(page, 'spot-checks-drawn');

    // the return visit
    await checkRow.locator('[data-action=visit]').click();
    const visit = page.locator('.ant-modal').filter({ hasText: '抽查回访：' });
    await see(visit);
    const answer = async (label: string, yes: boolean) =>
      visit.locator('.ant-form-item').filter({ hasText: label }).getByText(yes ? '是' : '否', { exact: true }).click();
    await answer('是否联系上信访人', true);
    await answer('问题是否解决', false);
    await answer('信访人是否满意', false);
    await visit.getByText('电话回访', { exact: true }).click();
    await visit.getByLabel(/^回访记录/).fill('信访人称路灯只修了一天又不亮，无人再来处理。');
    await shot(page, 'spot-checks-visit');
    await visit.getByRole('button', { name: '保存回访' }).click();
    await visit.waitFor({ state: 'hidden' });
    await seeText(checkRow.getByTestId('spot-visit'), /已联系上[\s\S]*问题未解决[\s\S]*不满意/);

    // the verdict: sloppy needs a reason (asked beside the field), and says what it costs
    await checkRow.locator('[data-action=verdict]').click();
    const verdict = page.locator('.ant-modal').filter({ hasText: '抽查认定：' });
    await see(verdict);
    await verdict.getByText('草率办结（扣分）', { exact: true }).click();
    await seeText(verdict.getByTestId('deduction-warning'), /梅园社区第1网格 2 分/);
    await verdict.locator('button[type=submit]').click();
    await seeText(errorOf(verdict, 'spot-verdict_reason'), '认定草率办结须写明理由');
    await verdict.getByLabel('认定理由').fill('回访核实问题未解决即办结，属草率办结。');
    await shot(page, 'spot-checks-verdict');
    await verdict.locator('button[type=submit]').click();
    await verdict.waitFor({ state: 'hidden' });
    const judged = checkRow.getByTestId('spot-verdict');
    await expect.poll(() => judged.getAttribute('data-verdict'), WAIT).toBe('sloppy');
    await seeText(judged.getByTestId('spot-deduction'), '扣 2 分');
    expect(await checkRow.locator('[data-action]').count()).toBe(0); // judged once: no more buttons
    await seeText(page.getByTestId('spot-rounds').locator('tbody tr').first(), /1\s+1\s+0\s+0\s+1\s+2/);
    await shot(page, 'spot-checks-judged');
    expect(errors).toEqual([]);
  });

  it('an admin creates a WeCom channel at a local receiver (a bad address refused beside its field), sends a test and sees it delivered', async () => {
    const { page, errors } = await signIn(org.usernames.admin!, '/admin/channels');
    await see(page.getByRole('menuitem', { name: '通知渠道' }));
    await seeText(page.getByTestId('channels-table'), '还没有通知渠道');

    await page.getByRole('button', { name: '新增渠道' }).click();
    const dialog = page.locator('.ant-modal').filter({ hasText: '新增通知渠道' });
    await see(dialog);
    await page.waitForFunction(() => document.activeElement?.id === 'channel_name');
    await page.keyboard.type('区信访局工作群');
    await dialog.getByLabel('单位', { exact: true }).click();
    await page.keyboard.type('区信访局');
    await page.locator('.ant-select-dropdown:visible .ant-select-tree-node-content-wrapper', { hasText: '区信访局' }).first().click();
    // an address with a login in it passes the form's check but not the server's: said beside the address
    const webhook = dialog.getByLabel('Webhook 地址');
    await webhook.fill('http://robot:secret@127.0.0.1/cgi-bin/webhook/send?key=x');
    await dialog.locator('button[type=submit]').click();
    await seeText(errorOf(dialog, 'channel_target'), 'Webhook 地址中不能含有用户名或密码');
    expect(await dialog.getByLabel('名称').inputValue()).toBe('区信访局工作群');
    await shot(page, 'channels-form-refused');
    const url = `${receiver.base}/cgi-bin/webhook/send?key=xf-test-key-7d3a`;
    await webhook.fill(url);
    await dialog.locator('button[type=submit]').click();
    await dialog.waitFor({ state: 'hidden' });

    const row = page.locator('tr[data-channel="区信访局工作群"]');
    await see(row);
    await seeText(row, '企业微信机器人');
    await seeText(row, '区信访局');
    const shown = await row.innerText();
    expect(shown).toContain('****7d3a');
    expect(shown).not.toContain('xf-test-key'); // only ever masked

    // a test message: queued, sent by the outbox worker, the status follows
    await row.locator('[data-action=test]').click();
    await expect.poll(() => row.getByTestId('delivery').getAttribute('data-status').catch(() => null), WAIT).toBe('pending');
    expect((await runOutboxOnce(t.ctx)).sent).toBe(1);
    const got = receiver.at('/cgi-bin/webhook/send');
    expect(got).toHaveLength(1);
    expect(got[0]!.url).toContain('key=xf-test-key-7d3a');
    expect(got[0]!.body.msgtype).toBe('markdown');
    expect(got[0]!.body.markdown.content).toContain('通知渠道测试');
    await expect.poll(() => row.getByTestId('delivery').getAttribute('data-status'), WAIT).toBe('sent');
    await seeText(row.getByTestId('delivery'), '已送达');
    await shot(page, 'channels-tested');

    // change what it forwards: overdue notices only, red only
    await row.getByRole('button', { name: two('修改') }).click();
    const edit = page.locator('.ant-modal').filter({ hasText: '修改通知渠道' });
    await see(edit);
    await edit.getByLabel('转发的消息类型').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '已超期' }).click();
    await page.keyboard.press('Escape');
    await page.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' });
    await edit.getByText('仅紧急', { exact: true }).click();
    await shot(page, 'channels-form-edit');
    await edit.locator('button[type=submit]').click();
    await edit.waitFor({ state: 'hidden' });
    await seeText(row, '已超期');
    await seeText(row, '仅紧急');

    // switched off: no test; then deleted
    await row.getByRole('switch').click();
    await expect.poll(() => row.locator('[data-action=test]').isDisabled(), WAIT).toBe(true);
    await row.getByRole('button', { name: two('删除') }).click();
    await page.locator('.ant-popconfirm:visible').getByRole('button', { name: two('确定') }).click();
    await seeText(page.getByTestId('channels-table'), '还没有通知渠道');
    expect(errors).toEqual([]);
  });
});
