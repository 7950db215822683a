/**
 * The leader cockpit (驾驶舱) in a real browser, real server, embedded database: a leader sees the
 * rates (a definition one click away) and the volume; the 一图一指数 map draws the district's
 * streets as SVG paths; clicking a path, then the area list under the map, drills district →
 * street → community → grid, where the grid's case is listed; the breadcrumb goes back up; the
 * assessment page downloads its Excel workbook with the session.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, newContext, screenshot } from './browser.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { loginAs, startServer, type TestServer } from '../support/server.js';
import { runRollupsOnce } from '../../src/jobs/rollup-worker.js';
import { orgUnitShapes } from '../../src/store/schema.js';

/** A square outline (lng/lat) of side `size` degrees with its south-west corner at (lng, lat). */
const square = (lng: number, lat: number, size: number) => ({
  type: 'Polygon',
  coordinates: [[[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]],
});

describe('leader cockpit (browser, office screen)', () => {
  let t: TestContext;
  let org: MiniOrg;
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let gridCase: { id: string; number: string };

  beforeAll(async () => {
    // the browser judges the session cookie's expiry by the real clock
    t = await makeTestContext('pglite', { start: new Date().toISOString() });
    org = await seedMiniOrg(t.ctx);
    const u = org.units;
    // outlines: 南苑街道 west of 北湖街道; 梅园社区 fills 南苑街道; its two grids side by side
    const now = t.ctx.now();
    await t.ctx.db.insert(orgUnitShapes).values([
      { unitId: u.streetA, geometry: square(120.0, 30.0, 0.1), source: 'import', updatedAt: now },
      { unitId: u.streetB, geometry: square(120.1, 30.0, 0.1), source: 'import', updatedAt: now },
      { unitId: u.communityA, geometry: square(120.0, 30.0, 0.1), source: 'import', updatedAt: now },
      { unitId: u.gridA1, geometry: square(120.0, 30.0, 0.05), source: 'import', updatedAt: now },
      { unitId: u.gridA2, geometry: square(120.05, 30.0, 0.05), source: 'import', updatedAt: now },
      { unitId: u.communityB, geometry: square(120.1, 30.0, 0.1), source: 'import', updatedAt: now },
    ]);
    server = await startServer(t.ctx);
    browser = await launchBrowser();

    const dispatcher = await loginAs(server, org.usernames.dispatcher!);
    const register = async (title: string, content: string, gridId: string, channel: string) => {
      const res = await dispatcher.post('/api/cases', { channel, nature: 'appeal', title, content, gridId, petitioners: [{ name: '市民' + title.slice(0, 2) }], acceptNow: true });
      expect(res.status).toBe(201);
      return res.body as { id: string; number: string };
    };
    gridCase = await register('小区门口路灯损坏', '梅园社区第1网格小区门口路灯损坏多日，夜间出行不便，请尽快维修。', u.gridA1, 'phone');
    // sent down to the grid, so the grid's case list (by lead unit) holds it
    expect((await dispatcher.post(`/api/cases/${gridCase.id}/commands`, { type: 'dispatch', leadUnitId: u.gridA1 })).status).toBe(200);
    await register('楼道堆放杂物', '梅园社区第2网格楼道内长期堆放杂物，存在消防隐患。', u.gridA2, 'online');
    await register('河道垃圾无人清理', '荷塘社区河道垃圾堆积，气味难闻，请有关部门清理。', u.gridB1, 'visit');
    await runRollupsOnce(t.ctx);
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

  /** Waits until the cockpit shows the unit `unitId` (figures and map loaded for it). */
  const showing = (page: Page, unitId: string) => page.locator(`[data-testid=cockpit-scope][data-unit-id="${unitId}"]`).waitFor();

  /** The map's area paths (the large filled paths of the map's SVG), west to east, with their screen boxes. */
  async function areaPaths(page: Page) {
    const map = page.getByTestId('cockpit-map');
    await map.locator('svg path').first().waitFor();
    const boxes = await map.locator('svg path').evaluateAll((els) =>
      els
        .map((el, i) => {
          const r = el.getBoundingClientRect();
          return { i, x: r.x, y: r.y, w: r.width, h: r.height, fill: el.getAttribute('fill') ?? '' };
        })
        .filter((b) => b.fill !== 'none'),
    );
    // the regions are the largest paths (the scale and handles of the visual map are smaller)
    const largest = Math.max(0, ...boxes.map((b) => b.w * b.h));
    return boxes.filter((b) => b.w * b.h >= largest / 2).sort((a, b) => a.x - b.x);
  }

  it('a leader sees the cockpit first in the menu, the rates with their definitions, the volume and the map of streets', async () => {
    const page = await signIn(org.usernames.leader!);
    const first = page.locator('nav .ant-menu-item').first();
    expect(await first.innerText()).toBe('驾驶舱');
    await first.click();
    await page.waitForURL('**/staff/cockpit');
    await showing(page, org.units.district);

    // KPIs and volume from the rollups
    await expect.poll(async () => Number(await page.getByTestId('kpi-received').getAttribute('data-value'))).toBe(3);
    expect(await page.getByTestId('volume-total').innerText()).toBe('合计 3 件');
    await page.getByTestId('volume-chart').locator('svg').waitFor();
    expect(await page.getByTestId('volume-channels').innerText()).toMatch(/来电\s*1/);

    // the nine rates, each a percentage (or — when nothing to rate) with numerator / denominator
    const rates = page.getByTestId('cockpit-rates').locator('.xf-cockpit-rate');
    expect(await rates.count()).toBe(9);
    expect(await page.getByTestId('rate-timely_acceptance').innerText()).toContain('及时受理率');
    expect(await page.getByTestId('rate-satisfaction').innerText()).toMatch(/满意率[\s\S]*(\d+\.\d%|—)/);
    await page.getByTestId('rate-info-repeat').click();
    const pop = page.locator('.ant-popover').filter({ hasText: '重复信访率 · 口径说明' });
    await pop.waitFor();
    expect((await pop.innerText()).length).toBeGreaterThan('重复信访率 · 口径说明'.length + 4);
    await page.keyboard.press('Escape');

    // the map: the district's two streets as SVG paths, the same in the list under it
    const paths = await areaPaths(page);
    expect(paths.length).toBeGreaterThanOrEqual(2);
    const list = page.getByTestId('map-areas');
    expect(await list.locator('[data-area-id]').count()).toBe(2);
    expect(await list.innerText()).toContain('南苑街道');
    expect(await list.innerText()).toContain('北湖街道');
    expect(await page.getByTestId('map-explanation').innerText()).toMatch(/权重/);
    await page.waitForTimeout(600); // the chart's entry animation
    await screenshot(page, 'staff-cockpit');
  }, 90_000);

  it('clicking the map drills district → street → community → grid, the grid lists its case, the breadcrumb goes back up', async () => {
    const page = await signIn(org.usernames.leader!);
    await page.goto('/staff/cockpit');
    await showing(page, org.units.district);

    // a click on the western street's path (南苑街道), away from its label in the middle
    const west = (await areaPaths(page))[0]!;
    await page.mouse.click(west.x + west.w * 0.3, west.y + west.h * 0.25);
    await showing(page, org.units.streetA);
    expect(page.url()).toContain(`unitId=${org.units.streetA}`);
    expect(await page.getByTestId('cockpit-breadcrumb').innerText()).toMatch(/云湖区\s*\/\s*南苑街道/);

    // down by the list under the map
    await page.getByTestId('map-areas').locator(`[data-area-id="${org.units.communityA}"]`).click();
    await showing(page, org.units.communityA);
    expect(await page.getByTestId('map-areas').innerText()).toContain('梅园社区第1网格');
    await page.getByTestId('map-areas').locator(`[data-area-id="${org.units.gridA1}"]`).click();
    await showing(page, org.units.gridA1);

    const cases = page.getByTestId('grid-cases');
    const link = cases.getByRole('link', { name: gridCase.number });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`/staff/cases/${gridCase.id}`);
    expect(await page.getByTestId('cockpit-map').count()).toBe(0);
    expect(await page.getByTestId('cockpit-breadcrumb').innerText()).toMatch(/云湖区\s*\/\s*南苑街道\s*\/\s*梅园社区\s*\/\s*梅园社区第1网格/);
    await screenshot(page, 'staff-cockpit-grid');

    // back up to the district by the breadcrumb
    await page.getByTestId('cockpit-breadcrumb').locator(`[data-unit-id="${org.units.district}"]`).click();
    await showing(page, org.units.district);
    expect(await page.getByTestId('map-areas').locator('[data-area-id]').count()).toBe(2);
    expect(page.url()).not.toContain('unitId=');
  }, 90_000);

  it('the period presets reload the figures for 近7天', async () => {
    const page = await signIn(org.usernames.leader!);
    await page.goto('/staff/cockpit');
    await showing(page, org.units.district);
    await page.getByTestId('cockpit-period').first().click();
    await page.locator('.ant-picker-presets li', { hasText: '近7天' }).click();
    await page.waitForURL(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}/);
    const from = new URL(page.url()).searchParams.get('from')!;
    const to = new URL(page.url()).searchParams.get('to')!;
    expect((Date.parse(to) - Date.parse(from)) / 86_400_000).toBe(6);
    await expect.poll(() => page.locator('[data-testid=cockpit-scope]').innerText()).toContain(`${from} 至 ${to}`);
    expect(await page.getByTestId('volume-total').innerText()).toBe('合计 3 件');
  }, 60_000);

  it('the assessment page ranks the streets and downloads the Excel workbook (and the annual Word report) with the session', async () => {
    const page = await signIn(org.usernames.leader!);
    await page.goto('/staff/cockpit');
    await page.getByRole('tab', { name: '考核' }).click();
    await page.waitForURL('**/staff/cockpit/assessment');
    const table = page.locator('.ant-table').first();
    await table.waitFor();
    await expect.poll(() => table.locator('.ant-table-tbody tr.ant-table-row').count()).toBeGreaterThan(0);
    expect(await table.innerText()).toContain('南苑街道');
    await screenshot(page, 'staff-cockpit-assessment');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('assessment-xlsx').click()]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const file = await download.path();
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK'); // a zip container, as .xlsx is
    // the same address from the page carries the session cookie and answers with the xlsx type
    const href = (await page.getByTestId('assessment-xlsx').getAttribute('href'))!;
    const type = await page.evaluate(async (u) => (await fetch(u)).headers.get('content-type'), href);
    expect(type).toContain('spreadsheetml');
    // and the annual report (Art. 41) as Word
    const docx = (await page.getByTestId('annual-report-docx').getAttribute('href'))!;
    expect(docx).toMatch(/^\/api\/cockpit\/annual-report\.docx\?year=\d{4}$/);
    const word = await page.evaluate(async (u) => {
      const res = await fetch(u);
      return { status: res.status, type: res.headers.get('content-type'), head: new TextDecoder('latin1').decode((await res.arrayBuffer()).slice(0, 2)) };
    }, docx);
    expect(word).toMatchObject({ status: 200, head: 'PK' });
    expect(word.type).toContain('wordprocessingml');
  }, 60_000);
});
