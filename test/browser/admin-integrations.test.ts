/**
 * System integration in a real browser against the real server: the admin issues an API key with
 * an acting dispatcher and sees the key once (it is nowhere on the page after the dialog closes),
 * then revokes it after confirming; he creates a webhook for a street, sees its signing secret once,
 * and a ping reaches a receiving system on loopback, signed with that secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { loginAs, startServer, type TestServer } from '../support/server.js';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers.js';
import { launchBrowser, newContext, screenshot } from './browser.js';
import { verifyWebhookSignature } from '../../src/services/webhooks/signature.js';

const WAIT = { timeout: 10_000, interval: 100 };
/** Given a locator, waits until its first match shows. */
const see = (l: Locator) => l.first().waitFor({ state: 'visible', timeout: WAIT.timeout });
/** Given a page, a part of it and a label, returns the form item (label, control, messages) labelled so. */
const item = (page: Page, scope: Locator, label: string) => scope.locator('.ant-form-item').filter({ has: page.locator('label', { hasText: new RegExp(`^${label}`) }) });

describe('admin: API keys and webhooks (browser) [pglite]', () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let rx: HttpReceiver;

  beforeAll(async () => {
    // the browser judges the session cookie's expiry by the real clock
    // an intranet deployment: plain http allowed, the loopback receiver and one intranet network allow-listed
    t = await makeTestContext('pglite', { start: new Date().toISOString(), env: { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,10.20.0.0/16', WEBHOOK_TIMEOUT_SECONDS: '2' } });
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
    rx = await startHttpReceiver();
    browser = await launchBrowser();
    context = await newContext(browser, server.base, 'office');
    page = await context.newPage();
    await page.goto(`/staff/login?next=${encodeURIComponent('/admin/api-keys')}`);
    await page.getByLabel('用户名').fill(org.usernames.admin!);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.locator('button[type=submit]').click();
    await page.waitForURL('**/admin/api-keys');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
    await rx?.close();
  });

  it('issues an API key with an acting dispatcher: the key is shown once, with a warning, then never again', async () => {
    await see(page.getByRole('menuitem', { name: /接口密钥/ }));
    await page.getByRole('button', { name: /签发密钥/ }).click();
    const modal = page.getByRole('dialog');
    await see(modal.getByText('签发接口密钥'));
    await modal.getByLabel('名称', { exact: true }).fill('市12345热线平台');
    // the acting user is picked among those who may register and accept (dispatchers, leaders): not a registrar alone
    await item(page, modal, '代办人员').locator('.ant-select').click();
    const option = page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: 'dispatcher' });
    await see(option);
    expect(await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: 'registrar' }).count()).toBe(0);
    await option.click();
    await modal.getByRole('button', { name: /签\s*发/ }).click();

    const once = page.getByTestId('secret-once');
    await see(once);
    await see(page.getByText('关闭此窗口后，密钥将不再显示', { exact: false }));
    const key = await once.inputValue();
    expect(key.length).toBeGreaterThanOrEqual(20);
    await screenshot(page, 'admin-api-key-issued');
    await page.getByRole('button', { name: /我已保存/ }).click();
    await expect.poll(() => once.count(), WAIT).toBe(0); // gone from the page, not merely hidden

    const row = page.locator('.ant-table-row', { hasText: '市12345热线平台' });
    await see(row);
    await expect.poll(async () => (await row.textContent()) ?? '', WAIT).toContain('有效');
    expect(await row.textContent()).toContain('dispatcher');
    // the key itself is nowhere on the page any more, and the list does not carry it
    expect(await page.content()).not.toContain(key);
    const admin = await loginAs(server, org.usernames.admin!);
    const listed = await admin.get('/api/admin/api-keys');
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(listed.body.items[0]).toMatchObject({ name: '市12345热线平台', actingUserId: org.actors.dispatcher.userId, revokedAt: null });
  });

  it('revokes the key after a confirmation', async () => {
    const row = page.locator('.ant-table-row', { hasText: '市12345热线平台' });
    await row.getByRole('button', { name: /吊\s*销/ }).click();
    await see(page.getByText('使用该密钥的系统将立即无法提交', { exact: false }));
    await page.locator('.ant-popconfirm').getByRole('button', { name: /确\s*定/ }).click();
    await see(page.locator('.ant-message', { hasText: '已吊销「市12345热线平台」' }));
    await expect.poll(async () => (await row.textContent()) ?? '', WAIT).toContain('已吊销');
    expect(await row.getByRole('button', { name: /吊\s*销/ }).count()).toBe(0);
    const admin = await loginAs(server, org.usernames.admin!);
    expect((await admin.get('/api/admin/api-keys')).body.items[0].revokedAt).not.toBeNull();
  });

  it('creates a webhook for a street, sees its secret once, and a ping reaches the receiving system signed with it', async () => {
    await page.getByRole('menuitem', { name: /推送订阅/ }).click();
    await page.waitForURL('**/admin/webhooks');
    await page.getByRole('button', { name: /新增订阅/ }).click();
    const modal = page.getByRole('dialog');
    await see(modal.getByText('新增推送订阅'));
    await modal.getByLabel('名称', { exact: true }).fill('南苑街道网格化平台');
    await modal.getByLabel('推送地址', { exact: true }).fill(`${rx.base}/xinfang-hook`);
    // event types by their zh-CN names
    await item(page, modal, '事件类型').locator('.ant-select').click();
    await page.keyboard.type('交办');
    const eventOption = page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: /^交办$/ });
    await see(eventOption);
    await eventOption.click();
    await page.keyboard.press('Escape');
    await item(page, modal, '范围单位').locator('.ant-select').click();
    await page.keyboard.type('南苑街道');
    const node = page.locator('.ant-select-dropdown:visible .ant-select-tree-node-content-wrapper', { hasText: '南苑街道' }).first();
    await see(node);
    await node.click();
    await modal.getByRole('button', { name: /保\s*存/ }).click();

    const once = page.getByTestId('secret-once');
    await see(once);
    const secret = await once.inputValue();
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    await see(page.getByText('只显示这一次', { exact: false }));
    await screenshot(page, 'admin-webhook-secret');
    await page.getByRole('button', { name: /我已保存/ }).click();
    await expect.poll(() => once.count(), WAIT).toBe(0); // gone from the page, not merely hidden

    const row = page.locator('.ant-table-row', { hasText: '南苑街道网格化平台' });
    await see(row);
    expect(await row.textContent()).toContain('交办');
    expect(await row.textContent()).toContain('南苑街道');
    expect(await page.content()).not.toContain(secret);

    await row.getByRole('button', { name: /测\s*试/ }).click();
    const ping = row.getByTestId('ping');
    await see(ping);
    await expect.poll(() => ping.getAttribute('data-status'), WAIT).toBe('ok');
    expect(await ping.textContent()).toContain('已送达（HTTP 200');
    await screenshot(page, 'admin-webhooks');

    const [got] = rx.at('/xinfang-hook');
    expect(got).toBeDefined();
    expect(got!.headers['x-xinfang-event']).toBe('ping');
    expect(got!.body).toMatchObject({ type: 'ping', subscription: { name: '南苑街道网格化平台' } });
    // the receiver's raw body is the JSON the server sent: re-serialising it gives the same bytes
    expect(verifyWebhookSignature(secret, got!.headers['x-xinfang-signature'] as string, JSON.stringify(got!.body), new Date())).toMatchObject({ ok: true });
  });

  it('creates an http intranet subscription where the deployment allows it, shows the server\'s refusal on the address field, saves an edit, and tells a failed ping in zh-CN', async () => {
    await page.getByRole('button', { name: /新增订阅/ }).click();
    const modal = page.getByRole('dialog');
    await see(modal.getByText('新增推送订阅'));
    await modal.getByLabel('名称', { exact: true }).fill('区内网办公系统');
    const url = modal.getByLabel('推送地址', { exact: true });
    await url.fill('https://user:pw@oa.gov.cn/hook');
    await item(page, modal, '范围单位').locator('.ant-select').click();
    await page.keyboard.type('南苑街道');
    const node = page.locator('.ant-select-dropdown:visible .ant-select-tree-node-content-wrapper', { hasText: '南苑街道' }).first();
    await see(node);
    await node.click();
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    // the server's refusal, in zh-CN, on the field it concerns
    await see(item(page, modal, '推送地址').getByText('Webhook 地址中不能含有用户名或密码'));
    // plain http to an intranet address: refused by the old form, allowed by this deployment
    await url.fill('http://10.20.0.5/xinfang');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    await see(page.getByTestId('secret-once'));
    await page.getByRole('button', { name: /我已保存/ }).click();
    const row = page.locator('.ant-table-row', { hasText: 'http://10.20.0.5/xinfang' });
    await see(row);

    // an edit of the http subscription saves
    await row.getByRole('button', { name: /修\s*改/ }).click();
    await see(modal.getByText('修改推送订阅'));
    await modal.getByLabel('名称', { exact: true }).fill('区内网办公系统（新）');
    // a port on this machine where nobody listens (deterministic, unlike an intranet address here)
    await modal.getByLabel('推送地址', { exact: true }).fill('http://127.0.0.1:1/xinfang');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    const edited = page.locator('.ant-table-row', { hasText: '区内网办公系统（新）' });
    await see(edited);
    expect(await edited.textContent()).toContain('http://127.0.0.1:1/xinfang');

    // nobody answers there: the ping says so in zh-CN, no English from the network stack
    await edited.getByRole('button', { name: /测\s*试/ }).click();
    const ping = edited.getByTestId('ping');
    await expect.poll(() => ping.getAttribute('data-status').catch(() => null), WAIT).toBe('failed');
    const said = (await ping.textContent()) ?? '';
    expect(said).toMatch(/^未送达：无法连接对方/);
    expect(said).not.toMatch(/timeout|ECONN|network|error/i);
    await screenshot(page, 'admin-webhooks-intranet');
  });
});
