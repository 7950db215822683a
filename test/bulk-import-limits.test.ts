/**
 * Bulk import under pressure, as a clerk and an auditor notice it: a failure halfway through the
 * write (a deadlock, a transfer imported meanwhile, a refusal of registerCase) leaves nothing behind
 * but the audited gap of reserved case numbers; files over the row cap, an Excel zip bomb and an
 * oversized file are refused before any work; sheets as other systems write them (a title row above
 * the header, a formula cell, multi-line cells in CSV, UTF-16) import with the rows numbered as the
 * sheet shows them; the 12345 source cannot be spelt differently to import a transfer twice; a 举报
 * row names its accused units, who never see the case.
 */
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, caseCounters, cases, timers } from '../src/store/schema.js';
import { registerCase } from '../src/services/register-case.js';
import { HEADERS, form, goodRows, toCsv, toXlsx, type SheetRow } from './bulk-sheets.js';

/** Every table an import writes to, directly or through registerCase's side effects. */
const TABLES = [
  'cases', 'case_petitioners', 'case_events', 'timers', 'notifications', 'outbox', 'warnings', 'warning_events', 'case_fingerprints',
  'rollup_queue', 'webhook_deliveries', 'idempotency_keys', 'case_facts', 'accusation_facts',
];
const MAX_PGLITE = 20;
const MAX_PG = 25;

/** Given files as name → text, returns a zip (deflated) with a true central directory. */
function zip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const raw = Buffer.from(text, 'utf8');
    const data = zlib.deflateRawSync(raw);
    const n = Buffer.from(name, 'utf8');
    const crc = zlib.crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** Given nothing, returns a 4–5 MB-ish-at-most .xlsx whose one sheet holds a million one-cell rows (60+ MB unpacked). */
function xlsxBomb(): Buffer {
  const rows: string[] = [];
  for (let i = 1; i <= 1_000_000; i++) rows.push(`<row r="${i}"><c r="A${i}" t="inlineStr"><is><t>x</t></is></c></row>`);
  return zip({
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    'xl/workbook.xml':
      '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="工单" sheetId="1" r:id="rId1"/></sheets></workbook>',
    'xl/_rels/workbook.xml.rels':
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    'xl/worksheets/sheet1.xml': `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`,
  });
}

for (const kind of DB_KINDS) {
  describe(`case import, failures and limits [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let registrar: Awaited<ReturnType<typeof loginAs>>;
    const maxRows = kind === 'pglite' ? MAX_PGLITE : MAX_PG;

    /** How many rows every table an import touches holds, and the number counters. */
    const footprint = async () => {
      const out: Record<string, number | string> = {};
      for (const table of TABLES) {
        const res = (await t.ctx.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as { rows: { n: number }[] };
        out[table] = Number(res.rows[0]!.n);
      }
      return out;
    };
    const counter2026 = async () => (await t.ctx.db.select({ last: caseCounters.last }).from(caseCounters).where(eq(caseCounters.year, 2026)))[0]?.last ?? 0;
    const audits = (action: string) => t.ctx.db.select().from(auditLog).where(eq(auditLog.action, action));

    beforeAll(async () => {
      t = await makeTestContext(kind, { env: { IMPORT_MAX_ROWS_PGLITE: String(MAX_PGLITE), IMPORT_MAX_ROWS: String(MAX_PG) } });
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      registrar = await loginAs(server, org.usernames.registrar!);
      // The database refuses chosen rows as a deadlock victim or a unique violation would: the write
      // fails halfway, after four cases (with their events, timers, fingerprints…) were written.
      await t.ctx.db.execute(sql.raw(`
        create function xf_test_refuse() returns trigger language plpgsql as $$
        begin
          if new.external_ref = 'DL-0005' then raise exception 'forced deadlock' using errcode = '40P01'; end if;
          if new.external_ref = 'UQ-0005' then raise exception 'forced unique violation' using errcode = '23505'; end if;
          if new.external_ref = 'LK-0003' then perform pg_sleep(4); end if;
          return new;
        end $$`));
      await t.ctx.db.execute(sql.raw('create trigger xf_test_refuse before insert on cases for each row execute function xf_test_refuse()'));
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('a deadlock on the 5th row: 503 CASE_IMPORT_FAILED with Retry-After, nothing written anywhere, the reserved numbers named in the answer and audited; the next intake numbers after them', async () => {
      await registerCase(t.ctx, org.actors.registrar, { channel: 'phone', nature: 'appeal', title: '导入前的来电', content: '导入前登记的一件来电，用于比较。', petitioners: [{ name: '王五' }], gridId: org.units.gridA1, receivedAt: new Date('2026-02-01T02:00:00Z') });
      const before = await footprint();
      const last = await counter2026();
      const res = await registrar.raw('POST', '/api/imports/cases', form(toCsv(goodRows('DL', 8)), 'deadlock.csv'));
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      expect(res.body).toMatchObject({ code: 'CASE_IMPORT_FAILED', details: { reason: 'conflict', rowCount: 8 } });
      expect(res.body.message).toMatch(/整个文件未导入/);
      const from = `YH-2026-${String(last + 1).padStart(6, '0')}`;
      const to = `YH-2026-${String(last + 8).padStart(6, '0')}`;
      expect(res.body.details.unusedNumbers).toEqual([{ year: 2026, from, to, count: 8 }]);
      expect(res.body.details.note).toContain(`${from} 至 ${to}`);

      expect(await footprint()).toEqual(before);
      expect(await counter2026()).toBe(last + 8); // moved by the reserved range, by design
      const [gap] = await audits('cases.import_numbers_unused');
      expect(gap?.data).toMatchObject({ fileName: 'deadlock.csv', reason: 'conflict', ranges: [{ from, to, count: 8 }] });
      const next = await registerCase(t.ctx, org.actors.registrar, { channel: 'phone', nature: 'appeal', title: '导入后的来电', content: '导入失败后登记的一件来电。', petitioners: [{ name: '赵六' }], gridId: org.units.gridA1, receivedAt: new Date('2026-02-03T02:00:00Z') });
      expect(next.number).toBe(`YH-2026-${String(last + 9).padStart(6, '0')}`);
    });

    it.runIf(kind === 'postgres')('while an import is writing, an ordinary intake in the region gets its number at once (the counter is not held by the import)', async () => {
      let settled = false;
      const importing = registrar.raw('POST', '/api/imports/cases', form(toCsv(goodRows('LK', 5)), 'lk.csv')).finally(() => (settled = true));
      // the import is inside its transaction, its third row held up in the database
      await expect
        .poll(async () => ((await t.ctx.db.execute(sql.raw(`select count(*)::int as n from pg_stat_activity where wait_event = 'PgSleep'`))) as unknown as { rows: { n: number }[] }).rows[0]!.n, { timeout: 30_000 })
        .toBe(1);
      const intake = await registerCase(t.ctx, org.actors.registrar, { channel: 'phone', nature: 'appeal', title: '导入期间的来电', content: '导入进行中登记的一件来电。', petitioners: [{ name: '钱七' }], gridId: org.units.gridA1, receivedAt: new Date('2026-02-04T02:00:00Z') });
      expect(settled).toBe(false);
      const res = await importing;
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      // the intake took the number after the import's reserved block
      const numbers = res.body.created.map((c: { number: string }) => c.number);
      expect(intake.number > numbers.at(-1)).toBe(true);
    });

    it('a unique violation on the 5th row (imported meanwhile) and a refusal of registerCase on the 5th row (an accusation of the whole district) roll everything back: 422 naming sheet row 6, nothing written', async () => {
      const before = await footprint();
      const uq = await registrar.raw('POST', '/api/imports/cases', form(toCsv(goodRows('UQ', 8)), 'uq.csv'));
      expect(uq.status).toBe(422);
      expect(uq.body.details).toMatchObject({ duringWrite: true, rejected: [{ row: 6, column: '工单编号', reason: 'imported_meanwhile' }] });
      expect(uq.body.details.note).toMatch(/未使用，已记入审计日志/);
      expect(await footprint()).toEqual(before);

      const rows = goodRows('AC', 8);
      const csv = toCsv(rows).split('\r\n');
      csv[0] += ',被举报单位编码';
      for (let i = 1; i <= 8; i++) csv[i] += i === 5 ? ',330110000000' : ',';
      csv[5] = csv[5]!.replace(/,(求助|投诉|咨询|建议),/, ',举报,');
      const ac = await registrar.raw('POST', '/api/imports/cases', form(csv.join('\r\n'), 'ac.csv'));
      expect(ac.status, JSON.stringify(ac.body)).toBe(422);
      expect(ac.body.details.rejected).toEqual([{ row: 6, column: '被举报单位编码', reason: 'write_failed', message: expect.stringMatching(/写入时被拒绝/) }]);
      expect(await footprint()).toEqual(before);
      expect((await audits('cases.import_numbers_unused')).length).toBeGreaterThanOrEqual(3);
    });

    it(`a file over the row cap (${maxRows} on ${kind} here; IMPORT_MAX_ROWS${kind === 'pglite' ? '_PGLITE' : ''}) is refused before any work: 413, the cap named, no number reserved`, async () => {
      const before = await footprint();
      const last = await counter2026();
      const csv = await registrar.raw('POST', '/api/imports/cases', form(toCsv(goodRows('CAP', maxRows + 1)), 'cap.csv'));
      expect(csv.status).toBe(413);
      expect(csv.body).toMatchObject({ code: 'CASE_IMPORT_TOO_LARGE', details: { reason: 'too_many_rows', max: maxRows } });
      expect(csv.body.message).toMatch(/拆分后分批导入/);
      const xlsx = await registrar.raw('POST', '/api/imports/cases?dryRun=true', form(await toXlsx(goodRows('CAP', maxRows + 1)), 'cap.xlsx'));
      expect(xlsx.status).toBe(413);
      expect(xlsx.body.details).toMatchObject({ reason: 'too_many_rows', max: maxRows });
      const ok = await registrar.raw('POST', '/api/imports/cases?dryRun=true', form(toCsv(goodRows('CAP', maxRows)), 'cap.csv'));
      expect(ok.status).toBe(200);
      expect(await footprint()).toEqual(before);
      expect(await counter2026()).toBe(last);

      const big = await registrar.raw('POST', '/api/imports/cases', form(Buffer.alloc(11 * 1024 * 1024, 0x41), 'big.csv'));
      expect(big.status).toBe(413);
      expect(big.body.code).toBe('CASE_IMPORT_TOO_LARGE');
    });

    it('an Excel zip bomb (a million one-cell rows, 60+ MB unpacked) is refused from its zip directory: 413 unpacked_too_large', async () => {
      const bomb = xlsxBomb();
      expect(bomb.length).toBeLessThan(10 * 1024 * 1024);
      const res = await registrar.raw('POST', '/api/imports/cases?dryRun=true', form(bomb, 'bomb.xlsx'));
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ code: 'CASE_IMPORT_TOO_LARGE', details: { reason: 'unpacked_too_large' } });
      // the server still answers
      expect((await registrar.get('/api/imports/cases/template.csv')).status).toBe(200);
    });

    it('an Excel sheet with a merged title row above the header and a formula cell imports; rows are numbered as the sheet shows them', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('工单');
      ws.addRow(['2026年3月工单明细']);
      ws.mergeCells('A1:L1');
      ws.addRow(HEADERS);
      const rows = goodRows('XT', 3);
      rows[2]!.phone = '1390571'; // a bad row, to see which number the report gives it
      for (const r of rows) ws.addRow([r.ref, r.receivedAt, r.name, r.phone, '', r.title, r.content, r.categoryCode ?? '', r.gridCode ?? '', r.address ?? '', r.type ?? '', '']);
      ws.getCell('F3').value = { formula: '"路灯"&"不亮了"', result: '路灯不亮了' } as ExcelJS.CellFormulaValue;
      const bytes = Buffer.from(await wb.xlsx.writeBuffer());
      const bad = await registrar.raw('POST', '/api/imports/cases', form(bytes, '三月.xlsx'));
      expect(bad.status, JSON.stringify(bad.body)).toBe(422);
      expect(bad.body.details.rejected.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([[5, '联系电话']]);

      ws.getCell('D5').value = '13905710099';
      const ok = await registrar.raw('POST', '/api/imports/cases', form(Buffer.from(await wb.xlsx.writeBuffer()), '三月.xlsx'));
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect(ok.body.created.map((c: { row: number }) => c.row)).toEqual([3, 4, 5]);
      const first = await registrar.get(`/api/cases/${ok.body.created[0].id}`);
      expect(first.body.title).toBe('路灯不亮了');
      // each imported case has its reminders at once (synced in the import's transaction)
      const ids = ok.body.created.map((c: { id: string }) => c.id);
      const withTimers = new Set((await t.ctx.db.select({ id: timers.caseId }).from(timers).where(inArray(timers.caseId, ids))).map((r) => r.id));
      expect(withTimers.size).toBe(3);
    });

    it('CSV rows are numbered as a spreadsheet shows them after multi-line cells (LF in a CRLF file, CRLF in an LF file) and a blank line; a UTF-16 "Unicode text" file imports', async () => {
      const rows = goodRows('ML', 4);
      rows[0]!.content = '第一行\n第二行：路灯坏了很久，请尽快维修。';
      rows[1]!.content = '第一行\r\n第二行\r\n第三行：路灯坏了很久，请尽快维修。';
      rows[3]!.phone = '1390571';
      const crlf = toCsv(rows).replace(/\r\n(ML-0003)/, '\r\n\r\n$1'); // a blank line before the third row
      const a = await registrar.raw('POST', '/api/imports/cases?dryRun=true', form(crlf, 'crlf.csv'));
      expect(a.body.details.rejected.map((p: { row: number }) => p.row)).toEqual([6]);
      const lf = ['\uFEFF' + HEADERS.join(','), ...rows.map((r) => [r.ref, r.receivedAt, r.name, r.phone, '', r.title, `"${r.content}"`, r.categoryCode, r.gridCode, r.address, r.type, ''].join(','))].join('\n') + '\n';
      const b = await registrar.raw('POST', '/api/imports/cases?dryRun=true', form(lf, 'lf.csv'));
      expect(b.body.details.rejected.map((p: { row: number }) => p.row)).toEqual([5]);

      const good = goodRows('U16', 2);
      const tsv = [HEADERS.join('\t'), ...good.map((r) => [r.ref, r.receivedAt, r.name, r.phone, '', r.title, r.content, r.categoryCode, r.gridCode, r.address, r.type, ''].join('\t'))].join('\r\n');
      const u16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(tsv, 'utf16le')]);
      const c = await registrar.raw('POST', '/api/imports/cases', form(u16, 'unicode.txt'));
      expect(c.status, JSON.stringify(c.body)).toBe(201);
      expect(c.body).toMatchObject({ encoding: 'utf-16le', rowCount: 2 });
    });

    it('the 12345 hotline spelt otherwise (「12345热线」, full-width 「１２３４５」) is the same source: a transfer cannot be imported twice; a ref in a number cell is refused', async () => {
      const rows = goodRows('NS', 2);
      const first = await registrar.raw('POST', '/api/imports/cases', form(toCsv(rows), 'a.csv', { source: '12345热线' }));
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      const [stored] = await t.ctx.db.select({ src: cases.externalSource }).from(cases).where(eq(cases.id, first.body.created[0].id));
      expect(stored?.src).toBe('12345');
      for (const source of ['１２３４５', ' 12345 市民热线']) {
        const again = await registrar.raw('POST', '/api/imports/cases?dryRun=true', form(toCsv(rows), 'b.csv', { source }));
        expect(again.status).toBe(422);
        expect(again.body.details.rejected.map((p: { reason: string }) => p.reason)).toEqual(['already_imported', 'already_imported']);
      }
      const num = goodRows('NN', 1) as (SheetRow & { ref: string | number })[];
      (num[0] as unknown as { ref: number }).ref = 20260105000123456;
      const xl = await registrar.raw('POST', '/api/imports/cases?dryRun=true', form(await toXlsx(num as SheetRow[]), 'num.xlsx'));
      expect(xl.status).toBe(422);
      expect(xl.body.details.rejected).toEqual([{ row: 2, column: '工单编号', reason: 'ref_as_number', message: expect.stringMatching(/文本格式/) }]);
    });

    it('a 举报 row names its accused units (被举报单位编码): the case goes to the intake office and the accused unit never sees it; an unknown code or accused units on a non-accusation are refused', async () => {
      const rows = goodRows('JB', 3);
      rows[0]!.type = '举报';
      rows[1]!.type = '举报';
      const lines = toCsv(rows).split('\r\n');
      lines[0] += ',被举报单位编码';
      lines[1] += ',330110900002'; // 区住建局
      lines[2] += ','; // a 举报 without accused units: accepted, to the intake office
      lines[3] += ',330110900002、NOSUCH';
      const bad = await registrar.raw('POST', '/api/imports/cases', form(lines.join('\r\n'), 'jb.csv'));
      expect(bad.status).toBe(422);
      expect(bad.body.details.rejected.map((p: { row: number; reason: string }) => `${p.row}:${p.reason}`)).toEqual(['4:accused_units_not_accusation', '4:accused_unit_not_found']);
      lines[3] = lines[3]!.replace(/,330110900002、NOSUCH$/, ',');
      const ok = await registrar.raw('POST', '/api/imports/cases', form(lines.join('\r\n'), 'jb.csv'));
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      const accused = await registrar.get(`/api/cases/${ok.body.created[0].id}`);
      expect(accused.body).toMatchObject({ nature: 'accusation', confidential: true });
      expect(accused.body.ownerUnit.id).toBe(org.units.bureau);
      const housing = await loginAs(server, org.usernames.housingHandler!);
      expect((await housing.get(`/api/cases/${ok.body.created[0].id}`)).status).toBe(404);
      const plain = await registrar.get(`/api/cases/${ok.body.created[1].id}`);
      expect(plain.body).toMatchObject({ nature: 'accusation' });
      expect(plain.body.ownerUnit.id).toBe(org.units.bureau);
    });
  });
}
