/**
 * Category questions in a real browser against the real server: the admin adds questions to 路灯照明
 * (a duplicate code refused at the field), a citizen on a phone is asked them for that category
 * (the required one enforced before sending), a registrar noting a call is shown them without being
 * held to the required one, and the registrar and the petitioner see the answers. Labels, hints
 * and option names with markup show as text everywhere; a new option's key never repeats one left
 * after a removal; a text answer keeps its line breaks on the petitioner's tracking page.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { client, loginAs, startServer, type TestServer } from '../support/server.js';
import { launchBrowser, newContext, screenshot } from './browser.js';

/** The app is served from a consistent copy of web/dist taken when the server module loads (see citizen.test.ts). */
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
/** Given a page (or dialog) and a field's label, returns its control; optional fields' labels end in （可选）. */
const field = (scope: Page | Locator, label: string) => scope.getByLabel(new RegExp(`^${label}(（可选）)?$`));
const SUBMIT = /^提\s?交$/;

/** Given a page with the question modal open, presses its save button (the footer's primary button). */
async function saveModal(page: Page) {
  const save = page.locator('.ant-modal-wrap:visible .ant-modal-footer .ant-btn-primary');
  await see(save);
  await save.scrollIntoViewIfNeeded();
  await save.click();
}

/** Given a page, a select's control and an option's text, opens the select and picks that option. */
async function pick(page: Page, control: Locator, option: string) {
  await control.click();
  const item = page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first();
  await see(item);
  await item.click();
}

describe('category questions from the admin to the citizen and back [pglite]', { timeout: 120_000 }, () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  let receipt = { number: '', code: '' };

  beforeAll(async () => {
    t = await makeTestContext('pglite');
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  it('the admin adds a required pole number and a damage list to 路灯照明; a code its parent could clash with is refused at the field', async () => {
    // the class above already asks something: the subcategory shows it as inherited
    const api = await loginAs(server, org.usernames.admin!);
    expect((await api.post('/api/admin/categories/0106/questions', { code: 'road_name', datatype: 'string', label: '所在道路' })).status).toBe(201);

    const context = await newContext(browser, server.base, 'office');
    const page = await context.newPage();
    await page.goto('/admin/categories');
    await page.getByLabel('用户名').fill(org.usernames.admin!);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    const search = page.getByPlaceholder('按名称或编码查找分类');
    await see(search);
    await search.fill('路灯照明');
    await search.press('Enter');
    await page.locator('.ant-tree').getByText('路灯照明', { exact: true }).click();
    const card = page.getByTestId('category-questions-admin');
    await seeText(card, /所在道路/);
    await seeText(card, /继承自「市政设施」/);

    await card.getByRole('button', { name: /新增问题/ }).click();
    let modal = page.getByRole('dialog');
    await see(modal);
    await field(modal, '编码').fill('road_name');
    await field(modal, '问题').fill('道路名称');
    await saveModal(page);
    const codeError = modal.locator('.ant-form-item').filter({ has: page.getByLabel(/^编码$/) }).locator('.ant-form-item-explain-error');
    await seeText(codeError, '问题编码已被本分类、上级或下级分类使用');
    await field(modal, '编码').fill('lamp_no');
    await field(modal, '问题').fill('灯杆编号');
    await field(modal, '填写说明').fill('灯杆上喷涂的编号，如 LD-0231');
    await modal.getByRole('switch').click();
    await saveModal(page);
    await seeText(card, /灯杆编号/);
    await expect.poll(() => modal.isVisible(), WAIT).toBe(false);

    await card.getByRole('button', { name: /新增问题/ }).click();
    modal = page.getByRole('dialog');
    await see(modal);
    await field(modal, '编码').fill('damage');
    await pick(page, field(modal, '类型'), '单选');
    await field(modal, '问题').fill('损坏情况');
    await modal.getByRole('button', { name: /添加选项/ }).click();
    await modal.getByRole('button', { name: /添加选项/ }).click();
    await modal.getByLabel('选项名称 1').fill('灯不亮');
    await modal.getByLabel('选项名称 2').fill('灯杆倾斜');
    await screenshot(page, 'admin-category-question');
    await saveModal(page);
    await seeText(card, /损坏情况/);
    await screenshot(page, 'admin-category-questions');
    await context.close();

    const asked = await client(server).get('/api/categories/010602/questions');
    expect(asked.body.items.map((q: any) => [q.code, q.required])).toEqual([
      ['road_name', false],
      ['lamp_no', true],
      ['damage', false],
    ]);
  });

  it('a citizen on a phone choosing 路灯照明 is asked them, must give the pole number, and sees the answers when tracking', async () => {
    const context = await newContext(browser, server.base, 'phone');
    const page = await context.newPage();
    await page.goto('/m/submit');
    await page.getByText('投诉', { exact: true }).click();
    await field(page, '问题分类').click();
    await page.getByRole('menuitemcheckbox', { name: '城乡建设' }).click();
    await page.getByRole('menuitemcheckbox', { name: '市政设施' }).click();
    await page.getByRole('menuitemcheckbox', { name: '路灯照明' }).click();
    await page.keyboard.press('Escape');
    const questions = page.getByTestId('category-questions');
    await seeText(questions, /灯杆编号/);
    await seeText(questions, /灯杆上喷涂的编号/);
    await field(page, '标题').fill('小区门口路灯不亮');
    await field(page, '具体内容').fill('梅园社区南门的路灯坏了一个多月，晚上出行很不方便，请尽快维修。');
    await field(page, '姓名').fill('王小明');
    await field(page, '联系电话').fill('13812341234');
    await page.getByRole('button', { name: SUBMIT }).click();
    await see(page.getByText('请回答：灯杆编号'));

    await field(page, '灯杆编号').fill('LD-0231');
    await pick(page, field(page, '损坏情况'), '灯杆倾斜');
    await screenshot(page, 'citizen-submit-questions');
    await page.getByRole('button', { name: SUBMIT }).click();
    await see(page.getByText('提交成功'));
    receipt = { number: (await page.getByTestId('receipt-number').textContent())!.trim(), code: (await page.getByTestId('receipt-code').textContent())!.trim() };

    await page.getByRole('link', { name: '查询办理进度' }).click();
    const answers = page.getByTestId('case-answers');
    await seeText(answers, /灯杆编号\s*LD-0231/);
    await seeText(answers, /损坏情况\s*灯杆倾斜/);
    await screenshot(page, 'citizen-track-answers');
    await context.close();
  });

  it('a registrar noting a call for 路灯照明 is shown the questions and may register without the required one', async () => {
    const login = await client(server).post('/api/auth/login', { username: org.usernames.registrar, password: PASSWORD });
    const context = await newContext(browser, server.base, 'office');
    await context.addCookies([{ name: 'xf_session', value: login.body.token, url: server.base }]);
    const page = await context.newPage();
    await page.goto('/staff/intake');
    await page.getByLabel('标题').fill('路灯不亮（来电）');
    await page.getByLabel('诉求内容').fill('来电反映梅园社区南门路灯不亮，晚上出行不便，请维修。');
    await page.getByLabel('问题分类', { exact: true }).click();
    await page.keyboard.type('路灯照明');
    await page.locator('.ant-select-dropdown:visible .ant-select-tree-node-content-wrapper', { hasText: '路灯照明' }).first().click();
    const questions = page.getByTestId('category-questions');
    await seeText(questions, /灯杆编号/);
    await pick(page, page.getByLabel('损坏情况', { exact: true }), '灯不亮');
    await page.getByLabel('姓名 1').fill('李春华');
    await screenshot(page, 'staff-intake-questions');
    await page.locator('form button[type=submit]').click();
    await page.getByTestId('created').waitFor();
    const number = (await page.getByTestId('created-number').innerText()).trim();
    const registrar = await loginAs(server, org.usernames.registrar!);
    const found = (await registrar.get(`/api/cases?q=${encodeURIComponent(number)}&limit=5`)).body.items.find((c: any) => c.number === number);
    expect((await registrar.get(`/api/cases/${found.id}`)).body.answers).toEqual([{ code: 'damage', label: '损坏情况', value: '灯不亮' }]);
    await context.close();
  });

  it('markup in a label, hint or option name shows as text on the admin page, the portal and the tracking page; a text answer keeps its line breaks', async () => {
    const api = await loginAs(server, org.usernames.admin!);
    const script = '<script>window.__xf_pwned=1</script>';
    const img = '<img src=x onerror="window.__xf_pwned=2">';
    expect((await api.post('/api/admin/categories/010603/questions', { code: 'where_tag', datatype: 'singlevaluelist', label: `位置${script}`, hint: `说明${img}`, options: [{ key: 'a', name: `北侧${img}` }, { key: 'b', name: '南侧' }] })).status).toBe(201);
    expect((await api.post('/api/admin/categories/010603/questions', { code: 'story', datatype: 'text', label: '经过' })).status).toBe(201);

    const office = await newContext(browser, server.base, 'office');
    const admin = await office.newPage();
    const login = await client(server).post('/api/auth/login', { username: org.usernames.admin, password: PASSWORD });
    await office.addCookies([{ name: 'xf_session', value: login.body.token, url: server.base }]);
    await admin.goto('/admin/categories');
    const search = admin.getByPlaceholder('按名称或编码查找分类');
    await see(search);
    await search.fill('二次供水');
    await search.press('Enter');
    await admin.locator('.ant-tree').getByText('二次供水', { exact: true }).click();
    const card = admin.getByTestId('category-questions-admin');
    await seeText(card, /位置<script>/);

    // a new option's key: after removing the second of three, the next is not the third's key again
    await card.getByRole('button', { name: /新增问题/ }).click();
    const modal = admin.getByRole('dialog');
    await see(modal);
    const addOption = modal.getByRole('button', { name: /添加选项/ });
    // the type select can be caught mid-animation on a loaded machine: pick again until the options editor shows
    await expect
      .poll(async () => {
        if (!(await addOption.isVisible())) await pick(admin, field(modal, '类型'), '单选');
        return addOption.isVisible();
      }, { timeout: 20_000, interval: 500 })
      .toBe(true);
    for (let i = 0; i < 3; i++) await addOption.click();
    await modal.getByRole('button', { name: '删除 2' }).click();
    await addOption.click();
    const keys = async () => Promise.all([1, 2, 3].map((i) => modal.getByLabel(`选项值 ${i}`).inputValue()));
    await expect.poll(keys, WAIT).toEqual(['o1', 'o3', 'o4']);
    await admin.keyboard.press('Escape');
    await office.close();

    const phone = await newContext(browser, server.base, 'phone');
    const page = await phone.newPage();
    await page.goto('/m/submit');
    await page.getByText('投诉', { exact: true }).click();
    await field(page, '问题分类').click();
    await page.getByRole('menuitemcheckbox', { name: '城乡建设' }).click();
    await page.getByRole('menuitemcheckbox', { name: '市政设施' }).click();
    await page.getByRole('menuitemcheckbox', { name: '二次供水' }).click();
    await page.keyboard.press('Escape');
    const questions = page.getByTestId('category-questions');
    await seeText(questions, /位置<script>window.__xf_pwned=1<\/script>/);
    await seeText(questions, /说明<img src=x onerror=/);
    await pick(page, page.getByLabel(/^位置<script>/), '北侧<img');
    await page.getByLabel(/^经过/).fill('第一行\n第二行');
    await field(page, '标题').fill('小区二次供水水压低');
    await field(page, '具体内容').fill('梅园社区三号楼二次供水水压很低，高层住户经常停水，请尽快处理。');
    await field(page, '姓名').fill('王小明');
    await field(page, '联系电话').fill('13812341234');
    await page.getByRole('button', { name: SUBMIT }).click();
    await see(page.getByText('提交成功'));
    await page.getByRole('link', { name: '查询办理进度' }).click();
    const answers = page.getByTestId('case-answers');
    await seeText(answers, /北侧<img src=x onerror=/);
    expect(await answers.locator('img').count()).toBe(0);
    const story = answers.getByText(/第一行/);
    await see(story);
    // two lines, as typed: the line break is rendered, not folded into a space
    expect(await story.innerText()).toBe('第一行\n第二行');
    expect(await page.evaluate(() => (window as unknown as { __xf_pwned?: number }).__xf_pwned)).toBeUndefined();
    await screenshot(page, 'citizen-track-answers-markup');
    await phone.close();
  });

  it('the registrar sees the answers on the case page', async () => {
    const registrar = await loginAs(server, org.usernames.registrar!);
    const list = await registrar.get(`/api/cases?q=${encodeURIComponent(receipt.number)}&limit=5`);
    const id = list.body.items.find((c: any) => c.number === receipt.number).id as string;
    const login = await client(server).post('/api/auth/login', { username: org.usernames.registrar, password: PASSWORD });
    const context = await newContext(browser, server.base, 'office');
    await context.addCookies([{ name: 'xf_session', value: login.body.token, url: server.base }]);
    const page = await context.newPage();
    await page.goto(`/staff/cases/${id}`);
    await page.getByTestId('case-number').filter({ hasText: receipt.number }).waitFor();
    const answers = page.getByTestId('case-answers');
    await seeText(answers, /灯杆编号\s*LD-0231/);
    await seeText(answers, /损坏情况\s*灯杆倾斜/);
    expect(await answers.textContent()).not.toContain('所在道路'); // unanswered questions are not listed
    await screenshot(page, 'staff-case-answers');
    await context.close();
  });
});
