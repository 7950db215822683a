/**
 * The staff workbench in a real browser against the real server (embedded database, loopback):
 * a phone case from intake to closure through the UI, scope (another street sees nothing), an
 * overdue case red on top of the handler's queue, and intake errors next to their fields.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, newContext, screenshot } from './browser.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { client, loginAs, startServer, type TestServer } from '../support/server.js';
import { runSweepOnce } from '../../src/jobs/deadline-sweeper.js';

const DAY = 86_400_000;
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('staff workbench (browser, office screen)', () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** the phone case of the first test: seen by later tests */
  let caseA: { id: string; number: string } | null = null;

  beforeAll(async () => {
    // The browser judges the session cookie's expiry by the real clock, so the server's test clock
    // starts at the real time (and only moves forward from there).
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

  /** Given a username, returns a fresh office-screen page signed in through the login form. */
  async function signIn(username: string, opts: { shot?: string } = {}): Promise<Page> {
    const ctx = await newContext(browser, server.base, 'office');
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto('/staff');
    await page.waitForURL(/\/staff\/login\?next=/);
    await page.getByLabel('用户名').fill(username);
    await page.getByLabel('密码').fill(PASSWORD);
    if (opts.shot) await screenshot(page, opts.shot);
    await page.locator('button[type=submit]').click();
    await page.getByTestId('whoami').waitFor();
    expect(await page.getByTestId('whoami').innerText()).toContain(username);
    return page;
  }

  async function openCase(page: Page, number: string) {
    await page.locator(`a[data-case-number="${number}"]`).click();
    await page.getByTestId('case-number').filter({ hasText: number }).waitFor();
  }

  async function stateIs(page: Page, state: string) {
    await page.locator(`article [data-state="${state}"]`).first().waitFor();
  }

  async function openAction(page: Page, command: string) {
    await page.locator(`[data-testid=actions] [data-command="${command}"]`).click();
    await page.locator(`.ant-modal [data-command="${command}"]`).waitFor();
  }

  async function submitModal(page: Page) {
    await page.locator('.ant-modal button[type=submit]').click();
    await page.locator('.ant-modal').waitFor({ state: 'hidden' });
  }

  /** Opens the tree picker labelled `label`, searches `text` and picks the node with exactly that title. */
  async function pickInTree(page: Page, label: string, text: string) {
    await page.getByLabel(label, { exact: true }).click();
    await page.keyboard.type(text);
    await page.locator('.ant-select-dropdown:visible .ant-select-tree-node-content-wrapper', { hasText: text }).first().click();
  }

  async function eventsOnTimeline(page: Page): Promise<string[]> {
    return page.locator('[data-testid=timeline] [data-event]').evaluateAll((els) => els.map((e) => e.getAttribute('data-event') ?? ''));
  }

  it('a phone case goes from intake to closure through the workbench, every step on its timeline', async () => {
    // 1. the registrar enters a phone call
    const reg = await signIn(org.usernames.registrar!, { shot: 'staff-login' });
    await screenshot(reg, 'staff-queues-registrar');
    await reg.getByRole('link', { name: '登记来件' }).click();
    await reg.getByLabel('标题').fill('梅园小区二期地下车库长期积水');
    await reg.getByLabel('诉求内容').fill('梅园小区二期地下车库每逢下雨即积水，深处没过脚踝，物业多次推诿，请相关部门督促整改。');
    await pickInTree(reg, '问题分类', '城乡建设');
    await reg.getByLabel('姓名 1').fill('李春华');
    await reg.getByLabel('联系电话 1').fill('13912345678');
    await reg.getByLabel('身份证号 1').fill('11010519491231002X');
    await reg.getByLabel('住址 1').fill('云湖区梅园小区二期7幢302');
    await reg.getByLabel('所属网格').click();
    await reg.keyboard.type('第1网格');
    await reg.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '梅园社区第1网格' }).first().click();
    await reg.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' });
    await reg.getByLabel('事发地址').fill('梅园小区二期地下车库');
    expect(await reg.getByRole('checkbox', { name: '当场受理' }).isDisabled()).toBe(true); // a registrar cannot accept
    await screenshot(reg, 'staff-intake');
    await reg.locator('form button[type=submit]').click();
    await reg.getByTestId('created').waitFor();
    const number = (await reg.getByTestId('created-number').innerText()).trim();
    const code = (await reg.getByTestId('created-code').innerText()).trim();
    expect(number).toMatch(/^YH-\d{4}-\d{6}$/);
    expect(code).toMatch(/^[A-Z2-9]{8}$/);
    await screenshot(reg, 'staff-intake-done');
    await reg.getByRole('button', { name: /打印告知书/ }).click();
    await reg.getByTestId('notice').waitFor();
    const notice = await reg.getByTestId('notice').innerText();
    expect(notice).toContain(number);
    expect(notice).toContain(code);
    expect(notice).toContain('李春华');
    await screenshot(reg, 'staff-notice');
    await reg.getByRole('button', { name: /返\s*回/ }).click(); // back on the result, number and code still there
    expect((await reg.getByTestId('created-number').innerText()).trim()).toBe(number);

    // 2. the dispatcher accepts it and dispatches it to grid A1, picked in the org tree
    const disp = await signIn(org.usernames.dispatcher!);
    await disp.locator('[data-queue="to_accept"]').click();
    await disp.locator(`a[data-case-number="${number}"]`).waitFor();
    await screenshot(disp, 'staff-queues');
    await openCase(disp, number);
    const id = disp.url().split('/').pop()!;
    caseA = { id, number };
    await stateIs(disp, 'registered');
    expect(await disp.getByTestId('petitioners').innerText()).toContain('139****5678');
    // by keyboard: the action button opens its form, Ctrl+Enter submits it
    await disp.locator('[data-testid=actions] [data-command="accept"]').focus();
    await disp.keyboard.press('Enter');
    await disp.locator('.ant-modal [data-command="accept"]').waitFor();
    await disp.getByLabel('备注').waitFor();
    await disp.waitForFunction(() => document.activeElement?.id === 'note'); // the first field has the focus
    await disp.keyboard.type('材料齐全，予以受理');
    await disp.keyboard.press('Control+Enter');
    await disp.locator('.ant-modal').waitFor({ state: 'hidden' });
    await stateIs(disp, 'accepted');
    await openAction(disp, 'dispatch');
    await pickInTree(disp, '主办单位', '梅园社区第1网格');
    await disp.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' });
    await disp.getByLabel('交办意见').fill('请网格员现场核实，督促物业排水整改。');
    await screenshot(disp, 'staff-action-dispatch');
    await submitModal(disp);
    await stateIs(disp, 'dispatched');
    expect(await disp.locator('article').innerText()).toContain('梅园社区第1网格');

    // the masked petitioner is shown in clear only with a reason, and that read is on the timeline
    await disp.getByTestId('reveal').click();
    await disp.getByLabel('查看理由').fill('电话联系信访人核实车库位置');
    await disp.locator('.ant-modal button[type=submit]').click();
    await disp.getByTestId('petitioners').getByText('13912345678').waitFor();
    await disp.locator('[data-testid=timeline] [data-event="case.personal_data_revealed"]').waitFor();

    // a photo attached to the case is listed with a download link
    await disp.locator('input[type=file]').setInputFiles({ name: '车库积水.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1X1, 'base64') });
    const link = disp.locator('a[download="车库积水.png"]');
    await link.waitFor();
    const download = await disp.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get('content-type') };
    }, (await link.getAttribute('href'))!);
    expect(download).toEqual({ status: 200, type: 'image/png' });

    // 3. handler A (grid A1) signs for it and replies with a template
    const handler = await signIn(org.usernames.handlerA!);
    await handler.locator('[data-queue="to_sign"]').click();
    await openCase(handler, number);
    expect(await handler.getByTestId('petitioners').innerText()).not.toContain('13912345678');
    await openAction(handler, 'sign');
    await submitModal(handler);
    await stateIs(handler, 'handling');
    await openAction(handler, 'reply');
    await handler.getByLabel('答复模板').click();
    await handler.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '支持 · 问题已解决' }).click();
    await handler.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' });
    const replyText = await handler.getByLabel('答复正文（信访处理意见书）').inputValue();
    expect(replyText).toContain('梅园小区二期地下车库长期积水');
    await screenshot(handler, 'staff-action-reply');
    await submitModal(handler);
    await stateIs(handler, 'replied');

    // 4. the citizen rates it on the public API
    const rated = await client(server).post(`/api/public/cases/${number}/commands?code=${code}`, { type: 'rate', satisfied: true, solved: true });
    expect(rated.status).toBe(200);
    expect(rated.body.state).toBe('visited');

    // 5. the dispatcher closes it; the supervisor sees it closed with every step on its timeline
    await disp.reload();
    await stateIs(disp, 'visited');
    await openAction(disp, 'close');
    await disp.getByLabel('办结说明').fill('车库排水泵已更换，信访人满意。');
    await submitModal(disp);
    await stateIs(disp, 'closed');

    const sup = await signIn(org.usernames.supervisor!);
    await sup.getByPlaceholder('件号、标题或内容关键词').fill(number);
    await sup.getByPlaceholder('件号、标题或内容关键词').press('Enter');
    await openCase(sup, number);
    await stateIs(sup, 'closed');
    const events = await eventsOnTimeline(sup);
    expect(events.filter((e) => e !== 'case.personal_data_revealed' && e !== 'case.attachment_added')).toEqual([
      'case.registered',
      'case.accepted',
      'case.dispatched',
      'case.signed',
      'case.replied',
      'case.rated',
      'case.closed',
    ]);
    expect(events).toContain('case.personal_data_revealed');
    expect(events).toContain('case.attachment_added');
    const timeline = await sup.getByTestId('timeline').innerText();
    for (const label of ['登记', '受理', '交办', '签收', '答复', '信访人评价', '办结', '查看个人信息']) expect(timeline).toContain(label);
    expect(timeline).toContain('梅园社区第1网格'); // the dispatch names its lead unit
    // the buttons are exactly the server's abilities for this user (a closed case: notes only)
    const shown = await sup.locator('[data-testid=actions] [data-command]').evaluateAll((els) => els.map((e) => e.getAttribute('data-command')));
    const abilities = await sup.evaluate(async (caseId) => (await (await fetch(`/api/cases/${caseId}`)).json()).abilities, caseA!.id);
    expect(shown).toEqual(abilities);
    expect(shown).not.toContain('close');
    await screenshot(sup, 'staff-case');
  }, 180_000);

  it('handler B of another street neither lists case A nor opens it by URL', async () => {
    expect(caseA).not.toBeNull();
    const b = await signIn(org.usernames.handlerB!);
    await b.locator('.ant-table').waitFor();
    expect(await b.locator(`a[data-case-number="${caseA!.number}"]`).count()).toBe(0);
    await b.keyboard.press('/'); // jumps to the search box
    await b.keyboard.type(caseA!.number);
    await b.keyboard.press('Enter');
    await b.waitForURL(/q=/);
    await b.getByText('该队列暂无信访件').waitFor();
    await b.goto(`/staff/cases/${caseA!.id}`);
    await b.getByText('未找到该信访件或无权查看').waitFor();
    expect(await b.locator('[data-testid=case-number]').count()).toBe(0);
    await screenshot(b, 'staff-case-not-found');
    await b.goto('/staff/cases/not-a-case-id');
    await b.getByText('未找到该信访件或无权查看').waitFor();
  }, 90_000);

  it('an overdue case is red and on top of the handler queue', async () => {
    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const newCase = async (title: string) => {
      const created = await dispatcher.post('/api/cases', {
        channel: 'phone',
        nature: 'appeal',
        title,
        content: `${title}，请尽快处理。`,
        gridId: org.units.gridA1,
        petitioners: [{ name: '赵敏', phone: '13700001111' }],
        acceptNow: true,
      });
      expect(created.status).toBe(201);
      const dispatched = await dispatcher.post(`/api/cases/${created.body.id}/commands`, { type: 'dispatch', leadUnitId: org.units.gridA1 });
      expect(dispatched.status).toBe(200);
      return created.body as { id: string; number: string };
    };
    const late = await newCase('梅园社区路灯损坏无人修');
    t.clock.advance(70 * DAY); // past the objection window and the 60-day handling period
    const fresh = await (async () => {
      const d = await loginAs(server, org.usernames.dispatcher!); // sessions last 12 hours
      const created = await d.post('/api/cases', {
        channel: 'letter',
        nature: 'suggestion',
        title: '建议梅园社区增设快递柜',
        content: '建议在梅园社区南门增设智能快递柜，方便老人取件。',
        gridId: org.units.gridA1,
        petitioners: [{ name: '钱多多' }],
        acceptNow: true,
      });
      expect(created.status).toBe(201);
      expect((await d.post(`/api/cases/${created.body.id}/commands`, { type: 'dispatch', leadUnitId: org.units.gridA1 })).status).toBe(200);
      return created.body as { id: string; number: string };
    })();

    const page = await signIn(org.usernames.handlerA!);
    await page.locator('.ant-table-tbody tr.ant-table-row').first().waitFor();
    const first = page.locator('.ant-table-tbody tr.ant-table-row').first();
    expect(await first.getAttribute('data-row-number')).toBe(late.number);
    expect(await first.getAttribute('data-due')).toBe('overdue');
    expect(await first.getAttribute('class')).toContain('xf-row-overdue');
    expect(await first.locator('[data-due="overdue"]').innerText()).toContain('超期');
    const bg = await first.locator('td').first().evaluate((td) => getComputedStyle(td).backgroundColor);
    expect(bg).toBe('rgb(255, 241, 240)');
    const freshRow = page.locator(`tr[data-row-number="${fresh.number}"]`);
    expect(await freshRow.getAttribute('data-due')).toBe('ok');
    expect(await freshRow.locator('[data-due="ok"]').innerText()).toContain('正常');
    expect(await page.getByText(/有 \d+ 件超期未办/).count()).toBe(1);
    await screenshot(page, 'staff-queues-overdue');

    // the same in the 待签收 queue, where both wait
    await page.locator('[data-queue="to_sign"]').click();
    await page.waitForURL(/queue=to_sign/);
    await page.locator(`tr[data-row-number="${fresh.number}"]`).waitFor();
    expect(await page.locator('.ant-table-tbody tr.ant-table-row').first().getAttribute('data-row-number')).toBe(late.number);

    await openCase(page, late.number);
    expect(await page.locator('article [data-due="overdue"]').count()).toBeGreaterThan(0);

    // the sweeper has told the handler: the bell counts it, the inbox shows it red, and opens the case
    await runSweepOnce(t.ctx);
    await page.goto('/staff');
    await page.getByTestId('inbox-bell').locator('.ant-badge-count').waitFor();
    await page.getByTestId('inbox-bell').click();
    await page.waitForURL(/\/staff\/inbox/);
    const overdueItem = page.getByTestId('inbox-item').filter({ hasText: late.number }).filter({ hasText: '已超期' });
    await overdueItem.first().waitFor();
    await screenshot(page, 'staff-inbox');
    expect(await page.getByRole('button', { name: '全部标为已读' }).isEnabled()).toBe(true);
    await overdueItem.first().click();
    await page.getByTestId('case-number').filter({ hasText: late.number }).waitFor();
  }, 90_000);

  it('while typing, the registrar sees the petitioner\'s earlier cases and similar ones, and can answer an inquiry on the spot', async () => {
    expect(caseA).not.toBeNull();
    const reg = await signIn(org.usernames.registrar!);
    await reg.goto('/staff/intake');
    await reg.getByLabel('标题').fill('地下车库积水');
    await reg.getByLabel('诉求内容').fill('梅园小区二期地下车库下雨积水，想咨询物业维修基金怎么申请。');
    await reg.getByLabel('姓名 1').fill('李春华');
    await reg.getByLabel('联系电话 1').fill('139 1234 5678');
    const earlier = reg.getByTestId('earlier-cases');
    await earlier.getByText(caseA!.number).waitFor();
    expect(await earlier.innerText()).toContain('电话相同');
    await reg.getByTestId('similar-cases').getByText(caseA!.number).waitFor();
    await screenshot(reg, 'staff-intake-hints');

    await reg.getByRole('checkbox', { name: /当场答复/ }).check();
    await reg.locator('form button[type=submit]').click();
    const answerError = reg.locator('.ant-form-item:has([id="answerText"]) .ant-form-item-explain-error');
    await answerError.waitFor();
    expect(await answerError.innerText()).toBe('请填写当场答复的内容');
    await reg.getByLabel('答复内容').fill('已告知：可由业委会向街道申请使用专项维修资金，材料清单已短信发送。');
    await reg.locator('form button[type=submit]').click();
    await reg.getByTestId('created').waitFor();
    expect(await reg.getByText('登记并已当场答复').count()).toBeGreaterThan(0);
  }, 90_000);

  it('a supervisor supervises a case with a reply deadline and the handler answers it from the 催办督办 queue', async () => {
    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const created = await dispatcher.post('/api/cases', {
      channel: 'phone', nature: 'appeal', title: '梅园社区健身器材损坏', content: '梅园社区广场健身器材损坏多日，存在安全隐患。',
      gridId: org.units.gridA1, petitioners: [{ name: '吴青', phone: '13600002222' }], acceptNow: true,
    });
    await dispatcher.post(`/api/cases/${created.body.id}/commands`, { type: 'dispatch', leadUnitId: org.units.gridA1 });
    await (await loginAs(server, org.usernames.handlerA!)).post(`/api/cases/${created.body.id}/commands`, { type: 'sign' });

    const sup = await signIn(org.usernames.supervisor!);
    await sup.goto(`/staff/cases/${created.body.id}`);
    await sup.getByTestId('case-number').waitFor();
    await openAction(sup, 'supervise');
    await sup.locator('.ant-modal').getByLabel('理由').fill('涉及安全隐患，请三日内整改并回复');
    // the server's clock ran ahead in the overdue test: a deadline three days after it
    const due = new Date(t.clock.now().getTime() + 3 * DAY + 8 * 3_600_000).toISOString().slice(0, 10);
    await sup.locator('.ant-modal').getByRole('checkbox', { name: /挂牌督办/ }).check();
    const dueInput = sup.locator('.ant-modal').getByLabel('回复期限');
    await dueInput.click();
    await dueInput.fill(`${due} 17:30`);
    await screenshot(sup, 'staff-action-supervise');
    await dueInput.press('Enter'); // confirms the typed date and submits the form, keyboard only
    await sup.locator('.ant-modal').waitFor({ state: 'hidden' });
    await sup.getByTestId('supervisions').getByText('挂牌督办').waitFor();

    const handler = await signIn(org.usernames.handlerA!);
    await handler.locator('[data-queue="supervised"]').click();
    await handler.waitForURL(/queue=supervised/);
    await openCase(handler, created.body.number);
    await openAction(handler, 'supervision_reply');
    await handler.locator('.ant-modal').getByLabel('回复内容').fill('已拆除损坏器材并设置警示，新器材下周安装。');
    await submitModal(handler);
    await handler.getByTestId('supervisions').getByText('已回复').waitFor();
    expect(await eventsOnTimeline(handler)).toEqual(expect.arrayContaining(['case.supervised', 'case.supervision_replied']));
    await screenshot(handler, 'staff-case-supervised');
  }, 90_000);

  it('bad intake input shows Chinese errors next to the fields and keeps what was typed', async () => {
    const reg = await signIn(org.usernames.registrar!);
    await reg.goto('/staff/intake');
    await reg.getByLabel('诉求内容').fill('小区东门垃圾清运不及时，夏天异味严重。');
    await reg.getByLabel('姓名 1').fill('孙丽');
    await reg.getByLabel('联系电话 1').fill('138123');
    await reg.getByLabel('身份证号 1').fill('110105194912310021');
    await reg.locator('form button[type=submit]').click();

    const errorOf = (field: string) => reg.locator(`.ant-form-item:has([id="${field}"]) .ant-form-item-explain-error`);
    await errorOf('title').waitFor();
    expect(await errorOf('title').innerText()).toBe('请填写标题');
    expect(await errorOf('petitioners_0_phone').innerText()).toContain('电话号码无效');
    expect(await errorOf('petitioners_0_idNumber').innerText()).toContain('身份证号码校验位不正确');
    expect(await reg.getByLabel('联系电话 1').inputValue()).toBe('138123');
    expect(await reg.getByLabel('身份证号 1').inputValue()).toBe('110105194912310021');
    expect(await reg.getByLabel('诉求内容').inputValue()).toBe('小区东门垃圾清运不及时，夏天异味严重。');
    expect(await reg.getByLabel('姓名 1').inputValue()).toBe('孙丽');
    await screenshot(reg, 'staff-intake-errors');

    // a refusal only the server can make (an accusation against the district itself, which the
    // petition office belongs to) is shown, and nothing typed is lost
    await reg.getByLabel('标题').fill('举报区里某干部违规收受礼金');
    await reg.getByLabel('联系电话 1').fill('13812345678');
    await reg.getByLabel('身份证号 1').fill('11010519491231002X');
    await reg.getByText('检举控告', { exact: true }).click();
    await pickInTree(reg, '被检举控告单位', '云湖区');
    await reg.keyboard.press('Escape');
    await reg.locator('.ant-select-dropdown:visible').waitFor({ state: 'hidden' });
    await reg.locator('form button[type=submit]').click();
    await reg.locator('#xf-main .ant-alert-error', { hasText: '检举控告件不得交由被检举控告的单位办理' }).waitFor();
    expect(await reg.getByLabel('标题').inputValue()).toBe('举报区里某干部违规收受礼金');
    expect(await reg.getByLabel('诉求内容').inputValue()).toBe('小区东门垃圾清运不及时，夏天异味严重。');
    expect(await reg.getByLabel('联系电话 1').inputValue()).toBe('13812345678');
    expect(await reg.getByTestId('created').count()).toBe(0);
    await screenshot(reg, 'staff-intake-server-error');
  }, 90_000);
});
