/**
 * The admin area in a real browser against the real server: the admin signs in at the staff login,
 * adds a grid under a community, imports units (a bad file is refused row by row), creates a user
 * for the new grid, reads the deadline rule sets and previews a grid's 码上办 poster.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { client, loginAs, startServer, type TestServer } from '../support/server.js';
import { launchBrowser, newContext, screenshot } from './browser.js';

const WAIT = { timeout: 10_000, interval: 100 };
/** Given a locator, waits until its first match shows. */
const see = (l: Locator) => l.first().waitFor({ state: 'visible', timeout: WAIT.timeout });
/** Given a page and a pattern, waits until the page's address (path and query) fits it — client-side navigations included. */
const atUrl = (page: Page, re: RegExp) =>
  expect
    .poll(() => {
      const u = new URL(page.url());
      return u.pathname + u.search;
    }, WAIT)
    .toMatch(re);
/** Given a page, a part of it and a label, returns the form item (label, control, messages) labelled so. */
const item = (page: Page, scope: Locator, label: string) => scope.locator('.ant-form-item').filter({ has: page.locator('label', { hasText: new RegExp(`^${label}$`) }) });
/** Given a page, returns the open dialog. */
const dialog = (page: Page) => page.getByRole('dialog');

/** Given a page and a tree-select inside `scope`, types `text` into it and picks the node titled exactly so. */
async function pickInTreeSelect(page: Page, scope: Locator, text: string) {
  await scope.locator('.ant-select').first().click();
  await page.keyboard.type(text);
  const node = page.locator('.ant-select-dropdown:visible .ant-select-tree-node-content-wrapper', { hasText: text }).first();
  await see(node);
  await node.click();
}

describe('admin area [pglite]', () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let tmp: string;

  beforeAll(async () => {
    t = await makeTestContext('pglite');
    org = await seedMiniOrg(t.ctx);
    server = await startServer(t.ctx);
    browser = await launchBrowser();
    context = await newContext(browser, server.base, 'office');
    page = await context.newPage();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-admin-'));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sends a visitor without a session to the staff login, and lets the admin in after it', async () => {
    await page.goto('/admin');
    await atUrl(page, /^\/staff\/login\?next=%2Fadmin/);
    await page.getByLabel('用户名').fill(org.usernames.admin!);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    // back where he was going: the admin area
    await atUrl(page, /^\/admin\/org$/);
    await see(page.getByRole('menuitem', { name: /组织机构/ }));
    await see(page.locator('.ant-tree').getByText('南苑街道', { exact: true }));
  });

  it('adds a grid under a community from the org tree', async () => {
    await page.locator('.ant-tree').getByText('南苑街道', { exact: true }).click();
    // the street's children are not open yet: open the street, then pick the community
    await page.locator('.ant-tree-treenode', { hasText: '南苑街道' }).locator('.ant-tree-switcher').first().click();
    // on a busy machine a click can land while the tree is still rendering the opened level: click again until the card follows
    for (let attempt = 1; ; attempt++) {
      await page.locator('.ant-tree').getByText('梅园社区', { exact: true }).click();
      try {
        await page.locator('.ant-card-head-title', { hasText: '梅园社区' }).first().waitFor({ state: 'visible', timeout: 4_000 });
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    await expect.poll(() => page.locator('.ant-descriptions').textContent(), WAIT).toContain('临江市 / 云湖区 / 南苑街道 / 梅园社区');
    await screenshot(page, 'admin-org');

    await page.getByRole('button', { name: /新增下级/ }).click();
    const modal = dialog(page);
    await see(modal);
    await expect.poll(() => modal.locator('.ant-select-content, .ant-select-selection-item').first().textContent(), WAIT).toContain('网格');
    await modal.getByLabel('名称', { exact: true }).fill('梅园社区第3网格');
    // a code another unit has: the server's reason is shown at the code, the modal keeps what was typed
    await modal.getByLabel('编码', { exact: true }).fill('330110001001002');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    const codeError = item(page, modal, '编码').locator('.ant-form-item-explain-error');
    await expect.poll(() => codeError.textContent(), WAIT).toBe('该编码已被其他单位使用');
    expect(await modal.getByLabel('名称', { exact: true }).inputValue()).toBe('梅园社区第3网格');
    await screenshot(page, 'admin-org-create-duplicate-code');
    await modal.getByLabel('编码', { exact: true }).fill('330110001001003');
    await screenshot(page, 'admin-org-create');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    await see(page.locator('.ant-message', { hasText: '已新增「梅园社区第3网格」' }));
    await see(page.locator('.ant-tree').getByText('梅园社区第3网格', { exact: true }));
    await see(page.locator('.ant-card-head-title', { hasText: '梅园社区第3网格' }));

    const admin = await loginAs(server, org.usernames.admin!);
    const units = await admin.get(`/api/admin/units?under=${org.units.communityA}`);
    const created = units.body.items.find((u: any) => u.code === '330110001001003');
    expect(created).toMatchObject({ name: '梅园社区第3网格', kind: 'grid', parentId: org.units.communityA, active: true });
  });

  it('refuses a bad import file row by row, then imports a good one', async () => {
    const bad = path.join(tmp, 'bad.csv');
    fs.writeFileSync(
      bad,
      ['code,parentCode,kind,level,name,lat,lng', '330110002001002,330110002001,grid,,荷塘社区第2网格,,', '330110002001003,NOPE,grid,,荷塘社区第3网格,,', '330110002001001,330110002001,grid,,重复编码,,'].join('\n') + '\n',
    );
    await page.locator('.ant-upload input[type=file]').setInputFiles(bad);
    await see(page.getByText('已选择：bad.csv', { exact: false }));
    await page.getByRole('button', { name: /开始导入/ }).click();
    const errors = page.getByTestId('import-errors');
    await see(errors);
    await expect.poll(() => errors.textContent(), WAIT).toContain('共 3 行，其中 2 行有误');
    const rows = errors.locator('tbody tr');
    await expect.poll(() => rows.count(), WAIT).toBe(2);
    expect(await rows.nth(0).textContent()).toContain('找不到上级单位');
    expect(await rows.nth(0).textContent()).toMatch(/^3/);
    expect(await rows.nth(1).textContent()).toContain('编码已存在');
    await screenshot(page, 'admin-org-import-errors');

    const good = path.join(tmp, 'good.csv');
    fs.writeFileSync(good, ['code,parentCode,kind,level,name,lat,lng', '330110002001002,330110002001,grid,,荷塘社区第2网格,30.42,120.31', '330110002001002M01,330110002001002,micro_grid,,荷塘2-微网格1,,'].join('\n') + '\n');
    await page.locator('.ant-upload input[type=file]').setInputFiles(good);
    await page.getByRole('button', { name: /开始导入/ }).click();
    await see(page.getByText('导入成功，共新增 2 个单位', { exact: false }));
    await expect.poll(() => errors.count(), WAIT).toBe(0);
  });

  it('creates a user for the new grid with his role and unit', async () => {
    await page.getByRole('menuitem', { name: /用户与角色/ }).click();
    await atUrl(page, /^\/admin\/users$/);
    await see(page.locator('.ant-table-row', { hasText: 'handler.a1' }));
    await page.getByRole('button', { name: /新增用户/ }).click();
    const modal = dialog(page);
    await see(modal);
    await modal.getByLabel('用户名', { exact: true }).fill('grid.worker3');
    await modal.getByLabel('姓名', { exact: true }).fill('张网格');
    await modal.getByLabel('初始密码', { exact: true }).fill('Grid2026pass');
    await pickInTreeSelect(page, item(page, modal, '所在单位'), '梅园社区第3网格');
    await screenshot(page, 'admin-users-create');
    await modal.getByRole('button', { name: /保\s*存/ }).click();
    await see(page.locator('.ant-message', { hasText: '已新增用户「张网格」' }));
    const row = page.locator('.ant-table-row', { hasText: 'grid.worker3' });
    await see(row);
    expect(await row.textContent()).toContain('承办人');
    expect(await row.textContent()).toContain('梅园社区第3网格');
    await screenshot(page, 'admin-users');

    const worker = await loginAs(server, 'grid.worker3', 'Grid2026pass');
    const me = await worker.get('/api/auth/me');
    expect(me.body).toMatchObject({ username: 'grid.worker3', displayName: '张网格', roles: ['handler'] });
  });

  it('shows the deadline rule sets with the one in force marked', async () => {
    await page.getByRole('menuitem', { name: /期限规则/ }).click();
    await atUrl(page, /^\/admin\/rules$/);
    const inForce = page.getByTestId('rule-set-reg2022');
    await see(inForce);
    expect(await inForce.textContent()).toContain('现行');
    expect(await inForce.textContent()).toContain('《信访工作条例》第三十四条');
    expect(await inForce.textContent()).toContain('60 日');
    expect(await inForce.textContent()).toContain('5 个工作日');
    await see(page.getByTestId('rule-set-beijing12345'));
    // the rule set in force comes first
    const first = page.locator('[data-testid^="rule-set-"]').first();
    expect(await first.getAttribute('data-testid')).toBe('rule-set-reg2022');
    await screenshot(page, 'admin-rules');
  });

  it('previews a grid poster and offers the street zip', async () => {
    await page.goto(`/admin/posters?grid=${org.units.gridA1}`);
    const img = page.locator('img[alt*="梅园社区第1网格"]');
    await see(img);
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0)), { timeout: 20_000, interval: 200 }).toBe(1240);
    expect(await img.evaluate((el: HTMLImageElement) => el.naturalHeight)).toBe(1754);
    const download = page.getByRole('link', { name: /下载 PNG/ });
    expect(await download.getAttribute('href')).toContain(`/api/admin/posters/grids/${org.units.gridA1}.png`);
    await see(page.getByText('尚未设置公网访问地址', { exact: false }));
    await screenshot(page, 'admin-posters');

    // before printing, the admin sets the address citizens' phones reach; the preview is drawn again
    await page.getByLabel('公网访问地址').fill('https://xf.example.gov.cn/');
    await page.getByRole('button', { name: /保\s*存/ }).click();
    await see(page.getByText('二维码指向 https://xf.example.gov.cn/m/submit?grid=…'));
    await expect.poll(() => img.getAttribute('src'), WAIT).toContain('?v=1');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0)), { timeout: 20_000, interval: 200 }).toBe(1240);

    await page.locator('.ant-card', { hasText: '整条街道' }).locator('.ant-select').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: '南苑街道' }).click();
    const zip = page.getByRole('link', { name: /下载全部海报/ });
    await see(zip);
    expect(await zip.getAttribute('href')).toBe(`/api/admin/posters/streets/${org.units.streetA}.zip`);
    // streetA: grids 1, 2 and the new 3
    await see(page.getByText('共 3 张海报', { exact: false }));

    const res = await page.request.get(`/api/admin/posters/streets/${org.units.streetA}.zip`);
    expect(res.status()).toBe(200);
    expect(res.headers()['x-poster-count']).toBe('3');
  });

  it('keeps a non-admin out of the admin area', async () => {
    const other = await newContext(browser, server.base, 'office');
    try {
      const login = await client(server).post('/api/auth/login', { username: org.usernames.dispatcher, password: PASSWORD });
      await other.addCookies([{ name: 'xf_session', value: login.body.token, url: server.base }]);
      const p = await other.newPage();
      await p.goto('/admin/users');
      await see(p.getByText('需要管理员权限'));
    } finally {
      await other.close();
    }
  });
});
