/**
 * Bulk export as a supervisor, leader or unit head takes it: the cases (or their events) of a unit in
 * his scope received in a period, read back from the CSV, Excel and JSONL files the real server
 * streams — exactly those cases, personal data masked, accusations hidden from the accused.
 */
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { PASSWORD, seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, casePetitioners, cases } from '../src/store/schema.js';
import { registerCase, type RegisterCaseInput } from '../src/services/register-case.js';
import { createUser } from '../src/services/org-units.js';
import { actorForUser } from '../src/services/auth.js';
import { importCases } from '../src/services/bulk/import-cases.js';
import { goodRows, toCsv } from './bulk-sheets.js';

const SECRET = { name: '郑秀兰', phone: '13805719876', idNumber: '11010519491231002X', address: '梅园路18号3幢502室' };
const PLAINTEXT = [SECRET.name, SECRET.phone, SECRET.idNumber, SECRET.address, '13912345678'];

for (const kind of DB_KINDS) {
  describe(`case export [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const numbers: Record<string, string> = {};

    const base = (title: string, extra: Partial<RegisterCaseInput>): RegisterCaseInput => ({
      channel: 'phone',
      nature: 'appeal',
      title,
      content: `${title}。联系我请打13912345678，谢谢。`,
      petitioners: [{ ...SECRET }],
      location: { address: SECRET.address },
      ...extra,
    });

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      const reg = org.actors.registrar;
      const add = async (key: string, input: RegisterCaseInput) => {
        numbers[key] = (await registerCase(t.ctx, reg, input)).number;
      };
      await add('inA', base('南苑街道梅园小区路灯不亮', { gridId: org.units.gridA1, receivedAt: new Date('2026-02-05T01:00:00Z') }));
      await add('inB', base('北湖街道荷塘小区噪音扰民', { gridId: org.units.gridB1, receivedAt: new Date('2026-02-06T01:00:00Z') }));
      await add('accusesA', base('举报南苑街道某干部违规收费', { nature: 'accusation', accusedUnitIds: [org.units.streetA], receivedAt: new Date('2026-02-07T01:00:00Z') }));
      await add('confidentialA', base('梅园社区低保资格问题', { gridId: org.units.gridA2, confidential: true, receivedAt: new Date('2026-02-08T01:00:00Z') }));
      await add('before', base('一月份的路灯问题', { gridId: org.units.gridA1, receivedAt: new Date('2026-01-10T01:00:00Z') }));
      await add('lastMinute', base('二月最后一刻收到的诉求', { gridId: org.units.gridA1, receivedAt: new Date('2026-02-28T15:59:59Z') })); // 23:59:59 China time
      await add('after', base('三月一日零点收到的诉求', { gridId: org.units.gridA1, receivedAt: new Date('2026-02-28T16:00:00Z') }));
      // a supervisor stationed in street A, scoped to the district: the accusation against street A never reaches him
      await createUser(t.ctx.db, { username: 'supervisor.street-a', displayName: '街道督查', password: PASSWORD, roles: ['supervisor'], unitId: org.units.streetA, scopeUnitId: org.units.district });
      server = await startServer(t.ctx);
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const period = 'from=2026-02-01&to=2026-02-28';
    const readCsv = (buf: Buffer) => {
      expect(buf.subarray(0, 3).toString('hex')).toBe('efbbbf');
      return parse(buf.toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
    };

    it('a district supervisor\'s CSV holds exactly the cases received in the period in his scope, masked, with a Chinese file name; the export is audited', async () => {
      const sup = await loginAs(server, org.usernames.supervisor!);
      const res = await sup.bytes(`/api/exports/cases?format=csv&unitId=${org.units.district}&${period}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/csv');
      expect(res.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent('信访件导出-云湖区-2026-02-01-2026-02-28.csv')}`);
      const rows = readCsv(res.buffer);
      expect(rows.map((r) => r['案件编号'])).toEqual([numbers.inA, numbers.inB, numbers.accusesA, numbers.confidentialA, numbers.lastMinute]);
      expect(res.headers.get('x-total-rows')).toBe('5');
      const text = res.buffer.toString('utf8');
      for (const s of PLAINTEXT) expect(text).not.toContain(s);
      const a = rows[0]!;
      expect(a).toMatchObject({ 诉求人: '郑**', 联系电话: '138****9876', 身份证号: '110105********002X', 渠道: '来电', 状态: '已登记', 所属网格: '梅园社区第1网格' });
      expect(a['诉求内容']).toContain('139****5678');
      expect(rows[3]).toMatchObject({ 标题: '（保密件，内容不导出）', 诉求内容: '（保密件，内容不导出）', 保密: '是' });
      // audited twice: who, unit, scope and period before anything left, then the rows written and that it completed
      const started = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'cases.export_started'))).at(-1)!;
      const ended = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'cases.exported'))).at(-1)!;
      expect(started.data).toMatchObject({ kind: 'cases', format: 'csv', from: '2026-02-01', to: '2026-02-28', totalRows: 5, unitName: '云湖区', scopeUnitId: org.units.district });
      expect(ended.data).toMatchObject({ kind: 'cases', format: 'csv', from: '2026-02-01', to: '2026-02-28', rows: 5, totalRows: 5, completed: true, unitName: '云湖区' });
      expect(ended.actorId).toBe(org.actors.supervisor.userId);
      expect(started.id).toBeLessThan(ended.id);
    });

    it('a supervisor sitting in the accused street does not see the accusation; a street head exports only his street, in Excel; another street is not his to export', async () => {
      const supA = await loginAs(server, 'supervisor.street-a');
      const rows = readCsv((await supA.bytes(`/api/exports/cases?format=csv&unitId=${org.units.district}&${period}`)).buffer);
      expect(rows.map((r) => r['案件编号'])).toEqual([numbers.inA, numbers.inB, numbers.confidentialA, numbers.lastMinute]);

      const head = await loginAs(server, org.usernames.headA!);
      const res = await head.bytes(`/api/exports/cases?format=xlsx&${period}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('信访件导出-南苑街道-2026-02-01-2026-02-28.xlsx'));
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.buffer as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      const header = (ws.getRow(1).values as unknown[]).slice(1);
      expect(header.slice(0, 3)).toEqual(['案件编号', '收到时间', '渠道']);
      const got: string[] = [];
      const cellsText: string[] = [];
      ws.eachRow((r, n) => {
        if (n > 1) got.push(String(r.getCell(1).value));
        r.eachCell((c) => cellsText.push(String(c.value)));
      });
      expect(got).toEqual([numbers.inA, numbers.confidentialA, numbers.lastMinute]);
      for (const s of PLAINTEXT) expect(cellsText.join('\n')).not.toContain(s);

      const other = await head.get(`/api/exports/cases?format=csv&unitId=${org.units.streetB}&${period}`);
      expect(other.status).toBe(404);
      expect(other.body.code).toBe('CASE_EXPORT_UNIT_NOT_FOUND');
    });

    it('the events of the same cases come as JSONL: type, seq, time, actor role and data without personal fields', async () => {
      const leader = await loginAs(server, org.usernames.leader!);
      const res = await leader.bytes(`/api/exports/events?format=jsonl&${period}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toContain(encodeURIComponent('信访件事件导出-云湖区-2026-02-01-2026-02-28.jsonl'));
      const lines = res.buffer.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { number: string; seq: number; type: string; at: string; actorRole: string; data: Record<string, unknown> });
      expect([...new Set(lines.map((l) => l.number))]).toEqual([numbers.inA, numbers.inB, numbers.accusesA, numbers.confidentialA, numbers.lastMinute]);
      const first = lines[0]!;
      expect(first).toMatchObject({ number: numbers.inA, seq: 1, type: 'case.registered', actorRole: 'registrar' });
      expect(first.data).toMatchObject({ channel: 'phone', petitionerCount: 1 });
      for (const s of PLAINTEXT) expect(res.buffer.toString('utf8')).not.toContain(s);
    });

    it('refuses a registrar or handler (403), a period longer than 366 days or reversed (400)', async () => {
      const registrar = await loginAs(server, org.usernames.registrar!);
      expect((await registrar.get(`/api/exports/cases?${period}`)).status).toBe(403);
      const handler = await loginAs(server, org.usernames.handlerA!);
      expect((await handler.get(`/api/exports/events?${period}`)).status).toBe(403);
      const sup = await loginAs(server, org.usernames.supervisor!);
      const long = await sup.get('/api/exports/cases?from=2025-01-01&to=2026-02-28');
      expect(long.status).toBe(400);
      expect(long.body.code).toBe('CASE_EXPORT_BAD_PERIOD');
      expect((await sup.get('/api/exports/cases?from=2026-02-28&to=2026-02-01')).status).toBe(400);
      expect((await sup.get('/api/exports/cases?from=2026-02-30&to=2026-03-01')).status).toBe(400);
    });

    it('505 imported cases come out once each across two pages of 500, in every format', async () => {
      // two files: an embedded database imports at most 500 rows a file
      const rows = goodRows('PAGE', 505).map((r, i) => ({ ...r, receivedAt: `2026/1/${(i % 28) + 1} 10:00` }));
      const created = [];
      for (const part of [rows.slice(0, 300), rows.slice(300)]) created.push(...(await importCases(t.ctx, org.actors.registrar, Buffer.from(toCsv(part)), { fileName: 'page.csv', source: '12345', via: 'cli' })).created);
      const out = { created };
      expect(out.created).toHaveLength(505);
      const sup = await loginAs(server, org.usernames.supervisor!);
      const q = 'from=2026-01-01&to=2026-01-31';
      const csv = readCsv((await sup.bytes(`/api/exports/cases?format=csv&${q}`)).buffer);
      const jsonl = (await sup.bytes(`/api/exports/cases?format=jsonl&${q}`)).buffer.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { number: string });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await sup.bytes(`/api/exports/cases?format=xlsx&${q}`)).buffer as unknown as ArrayBuffer);
      const expected = new Set([...out.created.map((c) => c.number), numbers.before]);
      for (const got of [csv.map((r) => r['案件编号']!), jsonl.map((r) => r.number), (wb.worksheets[0]!.getColumn(1).values as unknown[]).slice(2).map(String)]) {
        expect(got).toHaveLength(506);
        expect(new Set(got)).toEqual(expected);
      }
    }, 180_000);

    it('a failure after the first page (a petitioner\'s data that cannot be decrypted) breaks the download instead of ending it short; the audit says it did not complete', async () => {
      // the last case received in January sorts onto the second page of 500
      const [last] = await t.ctx.db.select({ id: cases.id }).from(cases).where(sql`${cases.receivedAt} < ${new Date('2026-01-31T16:00:00Z')}`).orderBy(desc(cases.receivedAt), desc(cases.id)).limit(1);
      const [p] = await t.ctx.db.select().from(casePetitioners).where(eq(casePetitioners.caseId, last!.id)).limit(1);
      await t.ctx.db.update(casePetitioners).set({ nameEnc: 'v1:broken' }).where(and(eq(casePetitioners.caseId, p!.caseId), eq(casePetitioners.seq, p!.seq)));
      try {
        const { body } = await client(server).post<{ token: string }>('/api/auth/login', { username: org.usernames.supervisor!, password: PASSWORD });
        const res = await fetch(`${server.base}/api/exports/cases?format=csv&from=2026-01-01&to=2026-01-31`, { headers: { authorization: `Bearer ${body.token}` } });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-total-rows')).toBe('506');
        await expect(res.arrayBuffer()).rejects.toThrow();
        await expect.poll(async () => (await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'cases.exported'))).at(-1)?.data).toMatchObject({ from: '2026-01-01', totalRows: 506, rows: 500, completed: false });
      } finally {
        await t.ctx.db.update(casePetitioners).set({ nameEnc: p!.nameEnc }).where(and(eq(casePetitioners.caseId, p!.caseId), eq(casePetitioners.seq, p!.seq)));
      }
    }, 60_000);
  });
}
