/**
 * The citizen's phone portal in a real browser against the real server: submitting by a grid's QR
 * code with a photo, tracking and rating a reply, bad input kept and explained in Chinese, a lost
 * answer retried without a second case, withdrawing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { makeTestContext, type TestContext } from '../support/context.js';
import { seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { client, loginAs, startServer, type TestServer } from '../support/server.js';
import { launchBrowser, newContext, screenshot } from './browser.js';

/**
 * The server serves web/dist as it was when it started, file by file. Several people building the
 * same checkout while this runs would swap the bundle under it (index.html naming assets the server
 * never registered), so the app is served from a consistent copy taken when the server module loads.
 */
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

// 1×1 PNG: the server sniffs the type from the bytes, so it has to be a real one.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** Given the first 17 digits of an ID number, returns them with their MOD 11-2 check character. */
function withCheckDigit(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

// antd spaces out two-character button labels (提 交)
const SUBMIT = /^提\s?交$/;
const QUERY = /^查\s?询$/;
const WAIT = { timeout: 10_000, interval: 100 };
/** Given a locator, waits until it shows (the first match). */
const see = (l: Locator) => l.first().waitFor({ state: 'visible', timeout: WAIT.timeout });
/** Given a locator and a text (substring) or pattern, waits until its first match's text fits. */
const seeText = (l: Locator, text: string | RegExp) =>
  expect.poll(async () => ((await l.count()) ? ((await l.first().textContent()) ?? '') : ''), WAIT).toMatch(text);
/** Given a locator and a number, waits until that many elements match. */
const seeCount = (l: Locator, n: number) => expect.poll(() => l.count(), WAIT).toBe(n);
/** Given a form control, returns what is typed in it now. */
const valueOf = (l: Locator) => l.inputValue({ timeout: WAIT.timeout });

/** Given a page and a name, saves a full-page screenshot from the top (the header is sticky). */
async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, name);
}
/** Given a page (or dialog) and a field's label, returns its control; optional fields' labels end in （可选）. */
const field = (scope: Page | Locator, label: string) => scope.getByLabel(new RegExp(`^${label}(（可选）)?$`));
/** Given a page and a field's label, returns its form item (label, control, messages). */
const item = (page: Page, label: string) => page.locator('.ant-form-item').filter({ has: field(page, label) });

// Generous per-test time: the browser shares two cores with the server and the embedded database.
describe('citizen portal on a phone [pglite]', { timeout: 120_000 }, () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  let tmp: string;

  beforeAll(async () => {
    t = await makeTestContext('pglite');
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
    browser = await launchBrowser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-citizen-'));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (served.dir) fs.rmSync(served.dir, { recursive: true, force: true });
  });

  /** Given a screen, returns a fresh browser context and page that records the page's script errors. */
  async function open(screen: 'phone' | 'office') {
    const context = await newContext(browser, server.base, screen);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return { context, page, errors };
  }

  /** Given a title, registers a case through the public API; returns its number and code. */
  async function submitByApi(title: string) {
    const res = await client(server).post('/api/public/cases', {
      title,
      content: '楼道里的声控灯坏了一个多月，晚上上下楼很不安全。',
      channel: 'online',
      type12345: 'help',
      petitioner: { name: '李桂英', phone: '13912345678' },
    });
    expect(res.status).toBe(201);
    return res.body as { number: string; queryCode: string };
  }

  /** Given a case number, returns the staff view of it (as the dispatcher, who sees the district). */
  async function staffView(number: string) {
    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const list = await dispatcher.get(`/api/cases?q=${encodeURIComponent(number)}&limit=5`);
    expect(list.status).toBe(200);
    const found = list.body.items.find((c: any) => c.number === number);
    expect(found).toBeTruthy();
    const detail = await dispatcher.get(`/api/cases/${found.id}`);
    const files = await dispatcher.get(`/api/cases/${found.id}/attachments`);
    return { detail: detail.body, attachments: files.body as any[], dispatcher, id: found.id as string };
  }

  it('a citizen arriving by a grid QR code sees the grid, attaches a photo, submits, and gets number and code', async () => {
    const photo = path.join(tmp, '现场照片.png');
    fs.writeFileSync(photo, PNG);
    const { context, page, errors } = await open('phone');
    await page.goto(`/m/submit?grid=${org.units.gridA1}`);

    await seeText(page.getByTestId('qr-grid-name'), /^梅园社区第1网格$/);
    await page.getByText('投诉', { exact: true }).click();
    await field(page, '问题分类').click();
    await page.getByRole('menuitemcheckbox', { name: '城乡建设' }).click();
    await page.getByRole('menuitemcheckbox', { name: '市容市貌' }).click();
    await page.keyboard.press('Escape');
    await field(page, '标题').fill('小区门口占道经营严重');
    await field(page, '具体内容').fill('梅园社区南门每天傍晚有流动摊贩占道经营，堵塞消防通道，请城管处理。');
    await field(page, '详细地址').fill('梅园社区南门');
    await page.locator('input[type=file]').setInputFiles(photo);
    await seeCount(page.locator('.ant-upload-list-item'), 1);
    await field(page, '姓名').fill('王小明');
    await field(page, '联系电话').fill('13812341234');
    await field(page, '身份证号').fill('11010519491231002X');
    await shot(page, 'citizen-submit-qr');

    await page.getByRole('button', { name: SUBMIT }).click();
    await see(page.getByText('提交成功'));
    const number = (await page.getByTestId('receipt-number').textContent())!.trim();
    const code = (await page.getByTestId('receipt-code').textContent())!.trim();
    expect(number).toMatch(/^YH-2026-\d{6}$/);
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    await see(page.getByText('已上传'));
    await shot(page, 'citizen-submit-done');

    const { detail, attachments } = await staffView(number);
    expect(detail.channel).toBe('qr');
    expect(detail.gridUnit?.id).toBe(org.units.gridA1);
    expect(detail.type12345).toBe('complaint');
    expect(detail.categoryCode).toMatch(/^0104/);
    expect(detail.petitioners[0].phone).toBe('138****1234');
    expect(attachments).toHaveLength(1);
    expect(attachments[0].mime).toBe('image/png');

    // the receipt's link opens tracking already filled in
    await page.getByRole('link', { name: '查询办理进度' }).click();
    await seeText(page.getByTestId('case-state'), '已登记');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('tracking: the citizen enters number and code, reads the reply, rates it satisfied; the case is visited', async () => {
    const { number, queryCode } = await submitByApi('楼道声控灯坏了');
    const { dispatcher, id } = await staffView(number);
    expect((await dispatcher.post(`/api/cases/${id}/commands`, { type: 'accept' })).status).toBe(200);
    expect((await dispatcher.post(`/api/cases/${id}/commands`, { type: 'dispatch', leadUnitId: org.units.gridA1 })).status).toBe(200);
    const handler = await loginAs(server, org.usernames.handlerA!);
    expect((await handler.post(`/api/cases/${id}/commands`, { type: 'sign' })).body.state).toBe('handling');
    const replied = await handler.post(`/api/cases/${id}/commands`, { type: 'reply', opinion: 'support', text: '已安排物业更换楼道声控灯，并检查了整栋楼的照明线路。' });
    expect(replied.body.state).toBe('replied');

    const { context, page, errors } = await open('phone');
    await page.clock.setFixedTime(t.clock.now()); // the page's "now" is the server's (review windows)
    await page.goto('/m/track');
    await field(page, '件号').fill(number);
    await field(page, '查询码').fill(queryCode.toLowerCase());
    await page.getByRole('button', { name: QUERY }).click();

    await seeText(page.getByTestId('case-state'), '已答复');
    await seeText(page.getByTestId('case-reply'), '已安排物业更换楼道声控灯');
    await seeText(page.getByTestId('case-reply'), '支持');
    await see(page.getByText('已交办承办单位'));
    await shot(page, 'citizen-track-replied');

    await page.getByText('满意', { exact: true }).click();
    await page.getByText('已解决', { exact: true }).click();
    await field(page, '评价说明').fill('灯修好了，谢谢。');
    await page.getByRole('button', { name: '提交评价' }).click();
    await seeText(page.getByTestId('case-state'), '已回访');
    await seeCount(page.getByRole('region', { name: '评价办理结果' }), 0);
    await see(page.getByRole('region', { name: '申请复查' })); // the 30-day window is open
    await shot(page, 'citizen-track-rated');

    const after = await client(server).get(`/api/public/cases/${number}?code=${queryCode}`);
    expect(after.body.state).toBe('visited');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the app has an icon: the page names one and /favicon.ico is there for clients that ask for it anyway', async () => {
    const { context, page, errors } = await open('phone');
    const missing: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 404) missing.push(r.url());
    });
    await page.goto('/m/submit');
    await see(page.getByRole('button', { name: SUBMIT }));
    const icon = await page.locator('link[rel=icon]').getAttribute('href');
    expect(icon).toBe('/favicon.svg');
    for (const [file, type] of [[icon!, 'image/svg+xml'], ['/favicon.ico', 'image/vnd.microsoft.icon']]) {
      const res = await fetch(server.base + file);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toContain(type);
    }
    expect(missing).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('bad input: Chinese errors beside the fields, nothing typed is lost; a wrong query code is explained', async () => {
    const { context, page, errors } = await open('phone');
    await page.goto('/m/submit');
    const content = '我家楼下的垃圾桶已经三天没有清运，气味很大，请尽快处理。';
    await page.getByText('求助', { exact: true }).click();
    await field(page, '标题').fill('脏');
    await field(page, '具体内容').fill(content);
    await field(page, '姓名').fill('赵敏');
    await field(page, '联系电话').fill('12345678');
    await field(page, '身份证号').fill('110105194912310021'); // check digit wrong
    const submit = page.getByRole('button', { name: SUBMIT });
    await submit.click();

    await seeText(item(page, '标题').locator('.ant-form-item-explain-error'), /^标题为 2 至 100 个字$/);
    await seeText(item(page, '联系电话').locator('.ant-form-item-explain-error'), '联系电话格式不正确');
    await seeText(item(page, '身份证号').locator('.ant-form-item-explain-error'), /^身份证号校验位不正确，请核对$/);
    expect(await valueOf(field(page, '标题'))).toBe('脏');
    expect(await valueOf(field(page, '具体内容'))).toBe(content);
    expect(await valueOf(field(page, '姓名'))).toBe('赵敏');
    expect(await valueOf(field(page, '联系电话'))).toBe('12345678');
    await shot(page, 'citizen-submit-errors');

    // the server is authoritative: a well-formed number from no province is refused there, and shown at the field with its reason
    await field(page, '标题').fill('垃圾三天未清运');
    await field(page, '联系电话').fill('0571-87654321');
    const noProvince = withCheckDigit('99010519800101001');
    await field(page, '身份证号').fill(noProvince);
    await submit.click();
    await seeText(item(page, '身份证号').locator('.ant-form-item-explain-error'), /^身份证号码中的地区码无效$/);
    await seeCount(item(page, '标题').locator('.ant-form-item-explain-error'), 0);
    expect(await valueOf(field(page, '身份证号'))).toBe(noProvince);
    expect(await valueOf(field(page, '具体内容'))).toBe(content);
    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const listed = await dispatcher.get('/api/cases?q=' + encodeURIComponent('垃圾三天未清运'));
    expect(listed.body.items).toHaveLength(0);

    const { number } = await submitByApi('路灯不亮');
    await page.goto('/m/track');
    await field(page, '件号').fill(number);
    await field(page, '查询码').fill('ABCDEFGH');
    await page.getByRole('button', { name: QUERY }).click();
    await seeText(page.getByTestId('track-problem'), '件号或查询码不正确');
    expect(await valueOf(field(page, '件号'))).toBe(number);
    await shot(page, 'citizen-track-wrong-code');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a lost answer: the form stays, a retry (even a double tap) returns the same case, never a second', async () => {
    const { context, page, errors } = await open('phone');
    let lose = true;
    // the first submission reaches the server, but its answer never reaches the phone
    await page.route('**/api/public/cases', async (route) => {
      if (route.request().method() !== 'POST' || !lose) return route.continue();
      lose = false;
      await route.fetch();
      await route.abort('connectionfailed');
    });
    await page.goto('/m/submit');
    await page.getByText('建议', { exact: true }).click();
    await field(page, '标题').fill('建议增设公交站台雨棚');
    await field(page, '具体内容').fill('湖滨路公交站没有雨棚，雨天候车的老人孩子淋雨，建议增设。');
    await field(page, '姓名').fill('陈静');
    await field(page, '联系电话').fill('13700001111');
    const submit = page.getByRole('button', { name: SUBMIT });
    await submit.click();
    await seeText(page.getByTestId('submit-problem'), '网络连接失败');
    expect(await valueOf(field(page, '标题'))).toBe('建议增设公交站台雨棚');
    await shot(page, 'citizen-submit-network-error');

    await submit.dblclick();
    await see(page.getByText('提交成功'));
    const number = (await page.getByTestId('receipt-number').textContent())!.trim();
    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const found = await dispatcher.get('/api/cases?q=' + encodeURIComponent('建议增设公交站台雨棚'));
    expect(found.body.items.map((c: any) => c.number)).toEqual([number]);
    expect(found.body.items[0].nature).toBe('suggestion');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('withdrawing asks for confirmation and a reason, then the case shows as withdrawn', async () => {
    const { number, queryCode } = await submitByApi('邻居装修噪音');
    const { context, page, errors } = await open('phone');
    await page.goto(`/m/track?number=${number}&code=${queryCode}`);
    await seeText(page.getByTestId('case-state'), '已登记');
    await page.getByRole('button', { name: '撤回诉求' }).click();
    const dialog = page.getByRole('dialog');
    await seeText(dialog, '确定撤回这件诉求吗？');
    await dialog.getByRole('button', { name: '确定撤回' }).click();
    await seeText(dialog.locator('.ant-form-item-explain-error'), /^请填写撤回原因$/);
    await field(dialog, '撤回原因').fill('已和邻居协商解决');
    await seeCount(dialog.locator('.ant-form-item-explain-error'), 0);
    await shot(page, 'citizen-track-withdraw');
    await dialog.getByRole('button', { name: '确定撤回' }).click();
    await seeText(page.getByTestId('case-state'), '已撤回');
    await seeCount(page.getByRole('button', { name: '撤回诉求' }), 0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the submit form also works on an office screen, every control labelled and reachable by keyboard', async () => {
    const { context, page, errors } = await open('office');
    await page.goto('/m/submit');
    await see(field(page, '标题'));
    const unlabelled = await page
      .locator('form input, form textarea, form button[role=switch]')
      .evaluateAll((els) => els.filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label') && !e.closest('label')).map((e) => e.outerHTML.slice(0, 80)));
    expect(unlabelled).toEqual([]);
    const reached: string[] = [];
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || ''));
    }
    const order = ['citizen-submit_category', 'citizen-submit_title', 'citizen-submit_content', 'citizen-submit_gridId', '添加照片', 'citizen-submit_petitioner_name', 'citizen-submit_petitioner_phone'];
    expect(order.map((id) => reached.indexOf(id))).toEqual(order.map((id) => reached.indexOf(id)).sort((a, b) => a - b));
    expect(order.every((id) => reached.includes(id))).toBe(true);
    await field(page, '所在网格').click();
    await page.keyboard.type('荷塘');
    await page.locator('.ant-select-item-option', { hasText: '荷塘社区第1网格' }).click();
    await seeText(item(page, '所在网格'), '荷塘社区第1网格');
    await seeCount(page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)'), 0);
    await shot(page, 'citizen-submit-desktop');
    expect(errors).toEqual([]);
    await context.close();
  });
});
