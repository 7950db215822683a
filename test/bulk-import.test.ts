/**
 * Bulk import of cases as a clerk does it: a 12345 sheet uploaded to the real server (CSV and Excel
 * built here, a GB18030 file from a Chinese Windows system), checked row by row, all or nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, caseCounters, caseEvents, casePetitioners, cases, timers } from '../src/store/schema.js';
import { GRID_B1, form, goodRows, toCsv, toXlsx } from './bulk-sheets.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'bulk');

for (const kind of DB_KINDS) {
  describe(`case import [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let registrar: Awaited<ReturnType<typeof loginAs>>;

    /** What an import would move: cases, their people and events, the number counters, timers. */
    const footprint = async () => {
      const db = t.ctx.db;
      const n = async (table: typeof cases | typeof caseEvents | typeof casePetitioners | typeof timers) => (await db.select({ n: count() }).from(table))[0]!.n;
      const counters = await db.select().from(caseCounters).orderBy(caseCounters.year);
      return { cases: await n(cases), events: await n(caseEvents), petitioners: await n(casePetitioners), timers: await n(timers), counters: JSON.stringify(counters) };
    };

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      registrar = await loginAs(server, org.usernames.registrar!);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('a file with bad rows in the middle (rows 3 and 7 of 10: a bad phone, an unknown category) is refused whole: 422, the report names exactly those rows and columns, and nothing is written', async () => {
      const rows = goodRows('MID', 10);
      rows[1]!.phone = '1390571'; // sheet row 3
      rows[5]!.categoryCode = '999999'; // sheet row 7
      const before = await footprint();

      const dry = await registrar.raw('POST', '/api/imports/cases?dryRun=true', form(toCsv(rows), '12345转办.csv'));
      expect(dry.status).toBe(422);
      const res = await registrar.raw('POST', '/api/imports/cases', form(toCsv(rows), '12345转办.csv'));
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('CASE_IMPORT_REJECTED');
      expect(res.body.message).toMatch(/整个文件未导入/);
      expect(res.body.details).toMatchObject({ rowCount: 10, accepted: 8, rejectedRowCount: 2 });
      expect(res.body.details.rejected.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([
        [3, '联系电话'],
        [7, '类别编码'],
      ]);
      expect(res.body.details.rejected[0].message).toMatch(/联系电话无效/);
      expect(res.body.details.rejected[1].message).toMatch(/类别编码不存在/);

      expect(await footprint()).toEqual(before);
      const [audit] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'cases.import_rejected'));
      expect(audit?.data).toMatchObject({ fileName: '12345转办.csv', rows: 10, rejectedRows: [3, 7] });

      // the report a clerk downloads names the same rows
      const xlsx = await registrar.raw('POST', '/api/imports/cases/report?format=csv', form(toCsv(rows), '12345转办.csv'));
      expect(xlsx.status).toBe(200);
      expect(xlsx.headers.get('content-disposition')).toContain(encodeURIComponent('12345转办-校验报告.csv'));
      const lines = String(xlsx.body).replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0]).toBe('行号,列,问题');
      expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual(['3,联系电话', '7,类别编码']);
    });

    it('the fixed file imports all 10 in one go with their case numbers; the same file again is refused as already imported, row by row', async () => {
      const rows = goodRows('FIX', 10);
      const before = await footprint();
      const dry = await registrar.raw('POST', '/api/imports/cases', form(toCsv(rows), 'fixed.csv', { source: '12345', dryRun: 'true' }));
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({ dryRun: true, rowCount: 10, accepted: 10, created: [] });
      expect(await footprint()).toEqual(before);

      const res = await registrar.raw('POST', '/api/imports/cases', form(toCsv(rows), 'fixed.csv'));
      expect(res.status).toBe(201);
      expect(res.body.created).toHaveLength(10);
      expect(res.body.created.map((c: { row: number }) => c.row)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      for (const c of res.body.created) expect(c.number).toMatch(/^YH-2026-\d{6}$/);
      const after = await footprint();
      expect(after.cases - before.cases).toBe(10);
      expect(after.timers).toBeGreaterThan(before.timers); // synced per case in the import's transaction

      // one of them as staff see it: a 12345 transfer, received when the sheet says, masked
      const one = await registrar.get(`/api/cases/${res.body.created[1].id}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ channel: 'transfer_12345', type12345: 'complaint', nature: 'appeal', categoryCode: '010101', state: 'registered' });
      expect(one.body.receivedAt).toBe('2026-02-02T01:07:00.000Z'); // 2026/2/2 9:07 China time
      expect(one.body.gridUnit.id).toBe(org.units.gridA1);
      expect(one.body.petitioners[0].phone).toBe('139****1001');
      const [stored] = await t.ctx.db.select({ src: cases.externalSource, ref: cases.externalRef }).from(cases).where(eq(cases.id, res.body.created[1].id));
      expect(stored).toEqual({ src: '12345', ref: 'FIX-0002' });
      const [audit] = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'cases.imported'));
      expect(audit?.data).toMatchObject({ fileName: 'fixed.csv', rows: 10, source: '12345', first: res.body.created[0].number, last: res.body.created[9].number });
      expect((audit?.data as { sha256: string }).sha256).toBe(res.body.sha256);

      const again = await registrar.raw('POST', '/api/imports/cases', form(toCsv(rows), 'fixed.csv'));
      expect(again.status).toBe(422);
      expect(again.body.details.rejected).toHaveLength(10);
      for (const p of again.body.details.rejected) expect(p).toMatchObject({ column: '工单编号', reason: 'already_imported' });
      expect((await footprint()).cases).toBe(after.cases);
    });

    it('every problem of every row is reported: required cells, a future date, a bad ID number, a duplicate ref in the file, a grid outside the scope, unknown values', async () => {
      const rows = goodRows('ALL', 6);
      rows[0]!.title = '';
      rows[1]!.receivedAt = '2026/3/9 9:00'; // a week after the test clock
      rows[2]!.idNumber = '110105194912310021'; // checksum wrong
      rows[3]!.ref = rows[2]!.ref;
      rows[4]!.type = '表扬';
      rows[5]!.receivedAt = '2026/2/30 9:00';
      const res = await registrar.raw('POST', '/api/imports/cases', form(toCsv(rows), 'all.csv'));
      expect(res.status).toBe(422);
      const got = res.body.details.rejected.map((p: { row: number; column: string; reason: string }) => `${p.row}:${p.column}:${p.reason}`);
      expect(got).toEqual(['2:标题:required', '3:受理时间:date_in_future', '4:身份证号:id_number_invalid', '5:工单编号:duplicate_in_file', '6:诉求类型:unknown_value', '7:受理时间:date_invalid']);
      expect(res.body.details.rejected[3].message).toBe('与第 4 行的工单编号重复');

      // a dispatcher of the bureau is scoped to the district: a grid of the other street is fine for him, but
      // not for a unit head scoped to street A (who may not import at all: 403)
      const head = await loginAs(server, org.usernames.headA!);
      expect((await head.raw('POST', '/api/imports/cases', form(toCsv(goodRows('HEAD', 1)), 'x.csv'))).status).toBe(403);
      const handler = await loginAs(server, org.usernames.handlerA!);
      expect((await handler.raw('POST', '/api/imports/cases', form(toCsv(goodRows('H', 1)), 'x.csv'))).status).toBe(403);
      const b = goodRows('GB', 1);
      b[0]!.gridCode = GRID_B1;
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      expect((await dispatcher.raw('POST', '/api/imports/cases?dryRun=true', form(toCsv(b), 'b.csv'))).status).toBe(200);
    });

    it('a GB18030 CSV from a Chinese Windows system imports with its synonym headers and Chinese date styles', async () => {
      const bytes = fs.readFileSync(path.join(FIXTURES, 'transfers-gb18030.csv'));
      const res = await registrar.raw('POST', '/api/imports/cases', form(bytes, 'transfers-gb18030.csv', {}));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ encoding: 'gb18030', rowCount: 3 });
      const got = await Promise.all(res.body.created.map((c: { id: string }) => registrar.get(`/api/cases/${c.id}`)));
      expect(got.map((g) => g.body.title)).toEqual(['工地拖欠农民工工资', '楼道堆放杂物存在消防隐患', '咨询公租房申请条件']);
      expect(got.map((g) => g.body.categoryCode)).toEqual(['020101', '010101', '010201']);
      expect(got.map((g) => g.body.receivedAt)).toEqual(['2026-02-10T01:05:00.000Z', '2026-02-11T06:20:00.000Z', '2026-02-11T16:00:00.000Z']);
      expect(got[1]!.body.petitioners[0]).toMatchObject({ name: '李**', phone: '0571-****1234' });
    });

    it('an Excel sheet with real date cells and numbers as cells imports; an ID number stored as a number is refused with the advice to format the column as text', async () => {
      const rows = goodRows('XL', 3);
      rows[0]!.receivedAt = new Date(Date.UTC(2026, 1, 20, 9, 30)); // the cell shows 2026/2/20 9:30
      rows[1]!.receivedAt = new Date(Date.UTC(2026, 1, 21, 16, 45));
      rows[1]!.phone = 13905719999; // a number cell
      rows[2]!.idNumber = '11010519491231002X';
      const ok = await registrar.raw('POST', '/api/imports/cases', form(await toXlsx(rows), '转办.xlsx'));
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect(ok.body.format).toBe('xlsx');
      const [a, b, c] = await Promise.all(ok.body.created.map((x: { id: string }) => registrar.get(`/api/cases/${x.id}`)));
      expect(a!.body.receivedAt).toBe('2026-02-20T01:30:00.000Z');
      expect(b!.body.receivedAt).toBe('2026-02-21T08:45:00.000Z');
      expect(b!.body.petitioners[0].phone).toBe('139****9999');
      expect(c!.body.petitioners[0].idNumber).toBe('110105********002X');

      const bad = goodRows('XB', 2);
      bad[1]!.idNumber = 110105194912310000;
      const res = await registrar.raw('POST', '/api/imports/cases', form(await toXlsx(bad), 'bad.xlsx'));
      expect(res.status).toBe(422);
      expect(res.body.details.rejected).toEqual([{ row: 3, column: '身份证号', reason: 'id_number_as_number', message: expect.stringMatching(/文本格式/) }]);
    });

    it('a file that is neither CSV nor Excel is refused with 415; a header without required columns with 400 naming them; the template downloads', async () => {
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      const r1 = await registrar.raw('POST', '/api/imports/cases', form(Buffer.concat([png, Buffer.alloc(64)]), 'a.csv'));
      expect(r1.status).toBe(415);
      expect(r1.body.code).toBe('CASE_IMPORT_FILE_TYPE');
      const xls = Buffer.from('d0cf11e0a1b11ae1', 'hex');
      const r2 = await registrar.raw('POST', '/api/imports/cases', form(Buffer.concat([xls, Buffer.alloc(512)]), 'old.xls'));
      expect(r2.status).toBe(415);
      expect(r2.body.details.reason).toBe('legacy_xls');
      const r3 = await registrar.raw('POST', '/api/imports/cases', form('姓名,电话\r\n张三,13800138000\r\n', 'x.csv'));
      expect(r3.status).toBe(400);
      expect(r3.body.code).toBe('CASE_IMPORT_FILE_INVALID');
      expect(r3.body.details.missing).toEqual(['工单编号', '受理时间', '标题', '诉求内容']);
      const json = await registrar.raw('POST', '/api/imports/cases', { not: 'a file' });
      expect(json.status).toBe(415);

      const tpl = await registrar.bytes('/api/imports/cases/template.xlsx');
      expect(tpl.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(tpl.buffer as unknown as ArrayBuffer);
      const header = (wb.worksheets[0]!.getRow(1).values as unknown[]).slice(1);
      expect(header).toContain('工单编号');
      expect(header).toContain('诉求内容');
      // the template's own example row passes a dry run as is
      const dry = await registrar.raw('POST', '/api/imports/cases?dryRun=true', form(tpl.buffer, 'template.xlsx', {}));
      expect(dry.status, JSON.stringify(dry.body)).toBe(200);
      const csv = await registrar.bytes('/api/imports/cases/template.csv');
      expect(csv.buffer.subarray(0, 3).toString('hex')).toBe('efbbbf');
    });

    it('two clerks importing the same file at once: one gets the numbers, the other is refused (already imported, or caught by the unique index inside its transaction and rolled back whole)', async () => {
      const rows = goodRows('RACE', 4);
      const before = await footprint();
      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      const [a, b] = await Promise.all([
        registrar.raw('POST', '/api/imports/cases', form(toCsv(rows), 'race.csv')),
        dispatcher.raw('POST', '/api/imports/cases', form(toCsv(rows), 'race.csv')),
      ]);
      expect([a.status, b.status].sort()).toEqual([201, 422]);
      const refused = a.status === 422 ? a : b;
      for (const p of refused.body.details.rejected) expect(['already_imported', 'imported_meanwhile']).toContain(p.reason);
      const [{ n }] = (await t.ctx.db.select({ n: count() }).from(cases).where(and(eq(cases.externalSource, '12345'), sql`${cases.externalRef} like 'RACE-%'`))) as [{ n: number }];
      expect(n).toBe(4);
      expect((await footprint()).cases).toBe(before.cases + 4);
    });
  });
}
