/**
 * Leader reception in a real browser against the real server: a citizen on a phone books a slot of
 * the published rota (bad input kept and explained), looks the booking up; on the reception day
 * the registrar's board assigns a batch and receives the visit as a case; the leader finds that case
 * in his leader-owned queue. Screenshots of each page.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchBrowser, newContext, screenshot } from './browser.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { client, loginAs, startServer, type TestServer } from '../support/server.js';
import { addDays, atChinaTime, toChinaDate } from '../../src/domain/deadlines/index.js';

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
  expect.poll(async () => ((await l.count()) ? ((await l.first().textContent()) ?? '') : ''), WAIT).toMatch(text);
/** Given a page or dialog and a label, returns its control; optional fields' labels end in （可选）. */
const field = (scope: Page | Locator, label: string) => scope.getByLabel(new RegExp(`^${label}(（可选）)?$`));
const item = (page: Page, label: string) => page.locator('.ant-form-item').filter({ has: field(page, label) });
/**
 * Types a value into a date or time picker once its panel is open and leaves it with Tab: the pickers
 * take a typed value at once (no 确定 button), and Tab, unlike Enter, can never submit the form. Then
 * waits for the panel to close and checks the value stayed.
 */
async function pick(page: Page, scope: Locator, label: string, value: string): Promise<void> {
  const input = field(scope, label);
  await input.click();
  await expect.poll(() => page.locator('.ant-picker-dropdown:visible').count(), WAIT).toBeGreaterThan(0);
  await input.fill(value);
  await page.keyboard.press('Tab');
  await expect.poll(() => page.locator('.ant-picker-dropdown:visible').count(), WAIT).toBe(0);
  await expect.poll(() => input.inputValue(), WAIT).toBe(value);
}

async function shot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, name);
}

describe('leader reception (browser: citizen phone, office screens) [pglite]', { timeout: 120_000 }, () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let slotDate: string;
  let booking: { number: string; code: string } | null = null;
  let caseNumber = '';

  beforeAll(async () => {
    // The browser judges the session cookie's expiry by the real clock: the server's clock starts at the real time.
    t = await makeTestContext('pglite', { start: new Date().toISOString() });
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
    browser = await launchBrowser();
    // The rota: two leaders on one day, three days ahead (booking closes at 17:00 the day before).
    slotDate = addDays(toChinaDate(t.ctx.now()), 3);
    const registrar = await loginAs(server, org.usernames.registrar!);
    const mk = async (body: Record<string, unknown>) => {
      const res = await registrar.post('/api/reception/slots', { date: slotDate, place: '区联合来访接待中心', capacity: 8, ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    await mk({ leaderId: org.actors.leader.userId, post: '区委副书记', remit: '政法、信访、社会治理', startTime: '09:00', endTime: '11:30', room: '第一接待室' });
    await mk({ leaderId: org.actors.leader.userId, post: '区委副书记', remit: '政法、信访、社会治理', startTime: '14:00', endTime: '16:30', room: '第一接待室', capacity: 1 });
    expect((await registrar.post('/api/reception/rota/publish', { month: slotDate.slice(0, 7) })).body.published).toBe(2);
    // the afternoon's one place is taken already
    const all = await client(server).get(`/api/public/reception/slots?month=${slotDate.slice(0, 7)}`);
    const afternoon = all.body.slots.find((s: { startTime: string }) => s.startTime === '14:00');
    expect((await client(server).post('/api/public/reception/bookings', { slotId: afternoon.id, name: '周敏', phone: '13900009999', matter: '咨询拆迁安置房交付时间。', peopleCount: 1 })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await t?.close();
    if (served.dir) (await import('node:fs')).rmSync(served.dir, { recursive: true, force: true });
  });

  async function open(screen: 'phone' | 'office') {
    const context = await newContext(browser, server.base, screen);
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    return { page, errors };
  }

  async function signIn(username: string): Promise<{ page: Page; errors: string[] }> {
    const { page, errors } = await open('office');
    await page.goto('/staff');
    await page.waitForURL(/\/staff\/login\?next=/);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.getByTestId('whoami').waitFor();
    return { page, errors };
  }

  it('a citizen on a phone browses the month, books a slot (bad input kept and explained), and looks the booking up', async () => {
    const { page, errors } = await open('phone');
    await page.goto('/m/submit');
    await page.getByRole('link', { name: '领导接访' }).click();
    await page.waitForURL(/\/m\/reception/);
    if (slotDate.slice(0, 7) !== toChinaDate(t.ctx.now()).slice(0, 7)) await page.getByRole('button', { name: '下个月' }).click();
    const cards = page.getByTestId('reception-slot');
    await expect.poll(() => cards.count(), WAIT).toBe(2);
    await seeText(cards.nth(1), '已约满');
    await seeText(cards.nth(0), '余 8 / 8 个名额');
    await seeText(cards.nth(0), '政法、信访、社会治理');
    await shot(page, 'reception-citizen-rota');

    await cards.nth(0).getByRole('button', { name: /^预约/ }).click();
    await see(page.getByText('填写预约信息'));
    const matter = '小区加装电梯的资金分摊协调了半年没有结果，希望当面向领导反映。';
    await field(page, '姓名').fill('张桂芳');
    await field(page, '手机号码').fill('1381234');
    await field(page, '身份证号').fill('110105194912310021'); // wrong check digit
    await field(page, '来访人数').fill('3');
    await field(page, '反映事项').fill(matter);
    await page.getByRole('button', { name: '确认预约' }).click();
    await seeText(item(page, '手机号码').locator('.ant-form-item-explain-error'), '联系电话格式不正确');
    await seeText(item(page, '身份证号').locator('.ant-form-item-explain-error'), '身份证号校验位不正确');
    expect(await field(page, '反映事项').inputValue()).toBe(matter);
    expect(await field(page, '姓名').inputValue()).toBe('张桂芳');
    await shot(page, 'reception-citizen-book-errors');

    await field(page, '手机号码').fill('13812345678');
    await field(page, '身份证号').fill('11010519491231002X');
    await page.getByRole('button', { name: '确认预约' }).click();
    await see(page.getByText('预约成功'));
    const number = (await page.getByTestId('booking-number').textContent())!.trim();
    const code = (await page.getByTestId('booking-code').textContent())!.trim();
    expect(number).toMatch(/^YF\d{8}$/);
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    booking = { number, code };
    await shot(page, 'reception-citizen-booked');

    // Booking again with the same phone is refused beside the phone field, the rest kept.
    await page.getByRole('button', { name: '返回接访安排' }).click();
    await seeText(cards.nth(0), '余 7 / 8 个名额');
    await cards.nth(0).getByRole('button', { name: /^预约/ }).click();
    expect(await field(page, '姓名').inputValue()).toBe('张桂芳');
    await field(page, '反映事项').fill('再约一次同一场接访看看会怎样。');
    await page.getByRole('button', { name: '确认预约' }).click();
    await seeText(item(page, '手机号码').locator('.ant-form-item-explain-error'), '该手机号已预约过这一场接访');
    expect(await field(page, '反映事项').inputValue()).toBe('再约一次同一场接访看看会怎样。');

    await page.locator('.ant-segmented-item', { hasText: '我的预约' }).click();
    await field(page, '预约号').fill(number);
    await field(page, '预约码').fill(code.toLowerCase());
    await page.getByRole('button', { name: /^查\s?询$/ }).click();
    const view = page.getByTestId('booking-view');
    await seeText(view, '已预约');
    await seeText(view, '张**');
    await seeText(view, '138****5678');
    await see(view.getByRole('button', { name: '取消预约' }));
    await shot(page, 'reception-citizen-lookup');
    expect(errors).toEqual([]);
  });

  it('on the day the registrar assigns a batch and receives the visit; the leader finds the case in his queue', async () => {
    expect(booking).toBeTruthy();
    t.clock.set(atChinaTime(slotDate, 8, 40)); // the reception day, 08:40

    const { page: rota } = await signIn(org.usernames.registrar!);
    await rota.getByRole('menuitem', { name: '接访排班' }).click();
    await rota.waitForURL(/\/staff\/reception$/);
    await seeText(rota.getByTestId('rota-table'), '区委副书记');
    await shot(rota, 'reception-staff-rota');

    const { page, errors } = { page: rota, errors: [] as string[] };
    rota.on('pageerror', (e) => errors.push(e.message));
    await page.getByRole('menuitem', { name: '接访日' }).click();
    await page.waitForURL(/\/staff\/reception\/day/);
    const slot = page.getByTestId('day-slot').filter({ hasText: '09:00–11:30' });
    const row = slot.locator('tr', { hasText: booking!.number });
    await see(row);
    await seeText(row, '未分配');
    await row.getByRole('button', { name: '分配批次' }).click();
    const assign = page.locator('.ant-modal').filter({ hasText: '分配批次和接待室' });
    await see(assign);
    await assign.getByRole('button', { name: /^确\s?定$/ }).click();
    await seeText(row, '第 1 批');
    await seeText(page.locator('[data-figure=batches]'), '1');

    await row.getByRole('button', { name: '接待登记' }).click();
    const receive = page.locator('.ant-modal').filter({ hasText: '接待登记 · leader 包案' });
    await see(receive);
    expect(await field(receive, '接访记录').inputValue()).toContain('小区加装电梯');
    await field(receive, '标题').fill('加装电梯资金分摊协调无果');
    await shot(page, 'reception-staff-receive');
    await receive.locator('.ant-modal-footer').getByRole('button', { name: '接待登记' }).click();
    await see(page.getByTestId('received'));
    caseNumber = (await page.getByTestId('received-number').textContent())!.trim();
    expect(caseNumber).toMatch(/^YH-\d{4}-\d{6}$/);
    expect((await page.getByTestId('received-code').textContent())!.trim()).toMatch(/^[A-Z2-9]{8}$/);
    await shot(page, 'reception-staff-received');
    await page.getByRole('dialog').filter({ hasText: '已登记为信访事项' }).getByRole('button', { name: '关闭' }).click();
    await expect.poll(() => page.locator('.ant-modal-wrap:visible').count(), WAIT).toBe(0);
    await seeText(row, caseNumber);
    await seeText(page.locator('[data-figure=received]'), '1');
    await shot(page, 'reception-staff-day');
    expect(errors).toEqual([]);

    // The citizen's booking shows it received, with the case number.
    const seen = await client(server).get(`/api/public/reception/bookings/${booking!.number}?code=${booking!.code}`);
    expect(seen.body).toMatchObject({ status: 'received', batchNo: 1, caseNumber });

    const { page: leader, errors: leaderErrors } = await signIn(org.usernames.leader!);
    await leader.goto('/staff?queue=leader_owned');
    const link = leader.locator(`a[data-case-number="${caseNumber}"]`);
    await see(link);
    await shot(leader, 'reception-leader-queue');
    await link.click();
    await leader.getByTestId('case-number').filter({ hasText: caseNumber }).waitFor();
    await seeText(leader.locator('body'), '领导接访');
    expect(leaderErrors).toEqual([]);
  });

  it('the rota editor shows a clash beside the start time and keeps what was typed; a walk-in gets a batch on the spot', async () => {
    const { page, errors } = await signIn(org.usernames.registrar!);
    await page.goto('/staff/reception');
    await page.getByRole('button', { name: '新增接访安排' }).click();
    const dialog = page.getByRole('dialog').filter({ hasText: '新增接访安排' });
    await see(dialog);
    // pick the leader by keyboard, type the date and times
    await field(dialog, '接访领导').click();
    await page.keyboard.type('leader');
    await page.keyboard.press('Enter');
    await expect.poll(() => field(dialog, '职务').inputValue(), WAIT).toBe('区委副书记'); // his last post, prefilled
    await pick(page, dialog, '接访日期', slotDate);
    await pick(page, dialog, '开始时间', '10:00');
    await pick(page, dialog, '结束时间', '11:00');
    await field(dialog, '接访地点').fill('南苑街道社会治理中心');
    await field(dialog, '接待室').fill('第三接待室');
    await dialog.getByRole('button', { name: /^保\s?存$/ }).click();
    await seeText(item(page, '开始时间').locator('.ant-form-item-explain-error'), '该领导在这一时段已有接访安排');
    expect(await field(dialog, '接访地点').inputValue()).toBe('南苑街道社会治理中心');
    expect(await field(dialog, '接待室').inputValue()).toBe('第三接待室');
    await shot(page, 'reception-staff-rota-clash');

    await pick(page, dialog, '开始时间', '12:00');
    await pick(page, dialog, '结束时间', '13:00');
    await dialog.getByRole('button', { name: /^保\s?存$/ }).click();
    await expect.poll(() => page.locator('.ant-modal-wrap:visible').count(), WAIT).toBe(0);
    const row = page.getByTestId('rota-table').locator('tr', { hasText: '12:00–13:00' });
    await seeText(row, '草稿');
    await row.getByRole('button', { name: '发布' }).click();
    await seeText(row, '已发布');

    await page.getByRole('menuitem', { name: '接访日' }).click();
    const slot = page.getByTestId('day-slot').filter({ hasText: '09:00–11:30' });
    await slot.getByRole('button', { name: '登记现场来访' }).click();
    const walkIn = page.getByRole('dialog').filter({ hasText: '登记现场来访' });
    await see(walkIn);
    await field(walkIn, '姓名').fill('赵大海');
    await field(walkIn, '联系电话').fill('1382222');
    await field(walkIn, '反映事项').fill('村里征地补偿款分配不公，六户村民一起来反映。');
    await field(walkIn, '来访人数').fill('6');
    await walkIn.getByRole('button', { name: /^确\s?定$/ }).click();
    await seeText(item(page, '联系电话').locator('.ant-form-item-explain-error'), '联系电话格式不正确');
    await field(walkIn, '联系电话').fill('13822223333');
    await walkIn.getByRole('button', { name: /^确\s?定$/ }).click();
    const added = slot.locator('tr', { hasText: '赵**' });
    await seeText(added, '现场');
    await seeText(added, '第 2 批');
    await seeText(page.locator('[data-figure=assignedOnSpot]'), '1');
    await expect.poll(() => page.locator('.ant-modal-wrap:visible').count(), WAIT).toBe(0);
    await shot(page, 'reception-staff-day-walk-in');
    expect(errors).toEqual([]);
  });
});
