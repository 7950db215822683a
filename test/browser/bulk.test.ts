/**
 * 批量导入 in a real browser: a registrar uploads a 12345 sheet with a bad row, checks it and sees the
 * row and column named (and downloads the report), uploads the fixed sheet, checks and imports it,
 * and sees the new case numbers. A supervisor exports a period, sees how many rows were saved, and
 * sees a refusal (a unit no longer his) in Chinese instead of a saved error page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { count } from 'drizzle-orm';
import { launchBrowser, newContext, screenshot } from './browser.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from '../support/factories.js';
import { startServer, type TestServer } from '../support/server.js';
import { cases } from '../../src/store/schema.js';
import { goodRows, toCsv } from '../bulk-sheets.js';
import dayjs from 'dayjs';
import { registerCase } from '../../src/services/register-case.js';
import { updateUserAsAdmin } from '../../src/services/org-admin.js';

describe('bulk import (browser, registrar)', () => {
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

  const caseCount = async () => (await t.ctx.db.select({ n: count() }).from(cases))[0]!.n;

  it('a sheet with a bad row shows that row and column and imports nothing; the fixed sheet imports and shows the numbers', async () => {
    const page = await signIn(org.usernames.registrar!, '/staff/bulk');
    await page.getByRole('menuitem', { name: /批量导入导出/ }).waitFor();
    const importCard = page.getByTestId('bulk-import');
    await importCard.waitFor();

    const rows = goodRows('WEB', 5);
    rows[2]!.phone = '1380013'; // sheet row 4: too short for a mobile
    await importCard.locator('input[type=file]').setInputFiles({ name: '12345转办-三月.csv', mimeType: 'text/csv', buffer: Buffer.from(toCsv(rows)) });
    await expect.poll(() => page.getByTestId('bulk-chosen').innerText()).toContain('12345转办-三月.csv');
    await page.getByTestId('bulk-check').click();
    const rejected = page.getByTestId('bulk-rejected');
    await rejected.waitFor();
    await rejected.getByText('整个文件未导入').waitFor();
    const cells = rejected.locator('tbody tr').first().locator('td');
    await expect.poll(() => cells.nth(0).innerText()).toBe('4');
    expect(await cells.nth(1).innerText()).toBe('联系电话');
    expect(await cells.nth(2).innerText()).toContain('联系电话无效');
    expect(await rejected.locator('tbody tr').count()).toBe(1);
    await expect.poll(() => page.getByTestId('bulk-submit').isDisabled()).toBe(true);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bulk-report-xlsx').click()]);
    expect(download.suggestedFilename()).toBe('12345转办-三月-校验报告.xlsx');
    await screenshot(page, 'staff-bulk-rejected');
    expect(await caseCount()).toBe(0);

    rows[2]!.phone = '13800138000';
    await importCard.locator('input[type=file]').setInputFiles({ name: '12345转办-三月-改.csv', mimeType: 'text/csv', buffer: Buffer.from(toCsv(rows)) });
    await expect.poll(() => page.getByTestId('bulk-chosen').innerText()).toContain('12345转办-三月-改.csv');
    await expect.poll(() => page.getByTestId('bulk-rejected').count()).toBe(0);
    await page.getByTestId('bulk-check').click();
    await page.getByTestId('bulk-passed').getByText('5 行均可导入').waitFor();
    await page.getByTestId('bulk-submit').click();
    const done = page.getByTestId('bulk-done');
    await done.getByText('已导入 5 件').waitFor();
    const numbers = await done.locator('tbody tr td:nth-child(2)').allInnerTexts();
    expect(numbers).toHaveLength(5);
    for (const n of numbers) expect(n).toMatch(/^YH-\d{4}-\d{6}$/);
    expect(await caseCount()).toBe(5);
    await screenshot(page, 'staff-bulk-imported');

    // a number is a link to the case
    await done.getByRole('link', { name: numbers[0]! }).click();
    await page.waitForURL('**/staff/cases/*');
    await page.getByText(numbers[0]!).first().waitFor();
  });

  it('a supervisor exports a period and is told how many rows were saved; a period over 366 days cannot be picked; a refusal is shown in Chinese and nothing is saved', async () => {
    const today = dayjs();
    await registerCase(t.ctx, org.actors.registrar, { channel: 'phone', nature: 'appeal', title: '导出测试：路灯不亮', content: '梅园小区路灯不亮。', petitioners: [{ name: '郑秀兰', phone: '13805719876' }], gridId: org.units.gridA1, receivedAt: today.subtract(2, 'day').toDate() });
    const page = await signIn(org.usernames.supervisor!, '/staff/bulk');
    const card = page.getByTestId('bulk-export');
    await card.waitFor();
    const button = page.getByTestId('bulk-export-download');
    expect(await button.isDisabled()).toBe(true);
    const inputs = card.locator('.ant-picker-range input');
    const pick = async (from: string, to: string) => {
      await inputs.nth(0).click();
      await inputs.nth(0).fill(from);
      await inputs.nth(0).press('Enter');
      await inputs.nth(1).fill(to);
      await inputs.nth(1).press('Enter');
    };

    // 367 days: the end date is refused by the picker, so nothing can be exported
    await pick(today.subtract(366, 'day').format('YYYY-MM-DD'), today.format('YYYY-MM-DD'));
    await page.keyboard.press('Escape');
    await expect.poll(() => button.isDisabled()).toBe(true);

    await pick(today.subtract(30, 'day').format('YYYY-MM-DD'), today.format('YYYY-MM-DD'));
    await expect.poll(() => button.isDisabled()).toBe(false);
    let downloads = 0;
    page.on('download', () => downloads++);
    const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(file.suggestedFilename()).toMatch(/^信访件导出-云湖区-.*\.xlsx$/);
    await expect.poll(() => page.getByTestId('bulk-export-done').innerText()).toContain('已导出 1 行');
    await screenshot(page, 'staff-bulk-exported');

    // the supervisor is moved to another street meanwhile: the district is no longer his to export
    await updateUserAsAdmin(t.ctx, org.actors.admin, org.actors.supervisor.userId, { scopeUnitId: org.units.streetB });
    await button.click();
    const error = page.getByTestId('bulk-export-error');
    await expect.poll(() => error.innerText()).toContain('未找到该单位，或不在您的管辖范围内');
    expect(downloads).toBe(1);
    await screenshot(page, 'staff-bulk-export-refused');
  });
});
