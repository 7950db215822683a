/**
 * What an exported file must not carry, read back from the files the real server streams: a cell
 * Excel would run as a formula, the names and numbers written into replies, notes and mediation
 * records, the free text of a confidential case or an accusation; and an Excel file larger than a
 * sheet, refused before anything is read or audited.
 */
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog } from '../src/store/schema.js';
import { registerCase, type RegisterCaseInput } from '../src/services/register-case.js';
import { runCaseCommand } from '../src/services/run-case-command.js';
import { prepareExport } from '../src/services/bulk/export-cases.js';
import { AppError } from '../src/domain/errors.js';

const PERSON = { name: '郑秀兰', phone: '13805719876', idNumber: '11010519491231002X', address: '梅园路18号3幢502室' };
const MEDIATOR = '王建国';
const ATTENDEE = '李卫东';
const FORMULA_TITLE = '=HYPERLINK("http://evil.example/x","点我查看")';
const FORMULA_REF = "=cmd|' /C calc'!A0";
const WITHHELD = '（保密件或检举控告，文字不导出）';

interface EventLine {
  number: string;
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

for (const kind of DB_KINDS) {
  describe(`export safety [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    const numbers: Record<string, string> = {};

    const input = (title: string, extra: Partial<RegisterCaseInput> = {}): RegisterCaseInput => ({
      channel: 'phone',
      nature: 'appeal',
      title,
      content: `${PERSON.name}反映${PERSON.address}楼道灯坏了，电话${PERSON.phone}。`,
      petitioners: [{ ...PERSON }],
      location: { address: PERSON.address },
      gridId: org.units.gridA1,
      receivedAt: new Date('2026-03-03T02:00:00Z'),
      ...extra,
    });

    /** registers a case and takes it through handling with free text naming the petitioner and others */
    const handled = async (key: string, extra: Partial<RegisterCaseInput>) => {
      const c = await registerCase(t.ctx, org.actors.registrar, input(`${key}：楼道灯不亮`, extra));
      numbers[key] = c.number;
      const d = org.actors.dispatcher;
      await runCaseCommand(t.ctx, d, c.caseId, { type: 'accept', note: `已电话联系${PERSON.name}（${PERSON.phone}）` });
      await runCaseCommand(t.ctx, d, c.caseId, { type: 'refer_joint_meeting', attendees: [ATTENDEE, MEDIATOR], decisions: `由梅园社区主办，${ATTENDEE}负责`, leadUnitId: org.units.gridA1, assistUnitIds: [] });
      await runCaseCommand(t.ctx, org.actors.handlerA, c.caseId, { type: 'sign' });
      await runCaseCommand(t.ctx, org.actors.handlerA, c.caseId, { type: 'record_mediation', mediator: MEDIATOR, outcome: 'agreement', agreement: `${PERSON.name}同意物业三日内修复` });
      await runCaseCommand(t.ctx, org.actors.handlerA, c.caseId, { type: 'note', text: `${PERSON.name}身份证${PERSON.idNumber}，住${PERSON.address}` });
      await runCaseCommand(t.ctx, org.actors.handlerA, c.caseId, { type: 'reply', opinion: 'support', text: `经核查，${PERSON.name}反映的${PERSON.address}楼道灯已修复。` });
    };

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      await handled('normal', { title: FORMULA_TITLE, externalSource: '12345', externalRef: FORMULA_REF });
      await handled('confidential', { confidential: true });
      await handled('accusation', { nature: 'accusation', accusedUnitIds: [org.units.streetB] });
      server = await startServer(t.ctx);
    }, 180_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const period = 'from=2026-03-01&to=2026-03-31';

    it('a title or imported ref written as a formula opens as text: a leading \' in the CSV, a string cell (never a formula) in Excel', async () => {
      const sup = await loginAs(server, org.usernames.supervisor!);
      const csv = await sup.bytes(`/api/exports/cases?format=csv&${period}`);
      expect(csv.status).toBe(200);
      const rows = parse(csv.buffer.toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
      const normal = rows.find((r) => r['案件编号'] === numbers.normal)!;
      expect(normal['标题']).toBe(`'${FORMULA_TITLE}`);
      expect(normal['来源工单编号']).toBe(`'${FORMULA_REF}`);
      // no line of the file starts a field with a bare formula character
      expect(csv.buffer.toString('utf8')).not.toMatch(/(^|,)"?[=+@-]/m);

      const xlsx = await sup.bytes(`/api/exports/cases?format=xlsx&${period}`);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.buffer as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      const header = (ws.getRow(1).values as unknown[]).slice(1);
      let found = 0;
      ws.eachRow((r, n) => {
        if (n === 1 || r.getCell(1).value !== numbers.normal) return;
        for (const [col, want] of [['标题', FORMULA_TITLE], ['来源工单编号', FORMULA_REF]] as const) {
          const cell = r.getCell(header.indexOf(col) + 1);
          expect(cell.type).toBe(ExcelJS.ValueType.String);
          expect(cell.formula).toBeUndefined();
          expect(cell.value).toBe(want);
          found++;
        }
      });
      expect(found).toBe(2);
    });

    it('the events carry replies, reasons and notes masked (names, addresses, numbers), never a mediator or attendees; a confidential case\'s and an accusation\'s texts are withheld', async () => {
      const sup = await loginAs(server, org.usernames.supervisor!);
      const res = await sup.bytes(`/api/exports/events?format=jsonl&${period}`);
      expect(res.status).toBe(200);
      const text = res.buffer.toString('utf8');
      for (const s of [PERSON.name, PERSON.phone, PERSON.idNumber, PERSON.address, MEDIATOR, ATTENDEE]) expect(text).not.toContain(s);
      const lines = text.trim().split('\n').map((l) => JSON.parse(l) as EventLine);
      expect(res.headers.get('x-total-rows')).toBe(String(lines.length));
      const of = (key: string, type: string) => lines.find((l) => l.number === numbers[key] && l.type === type)!.data;

      expect(of('normal', 'case.replied')).toMatchObject({ opinion: 'support', from: 'handling', to: 'replied', text: '经核查，郑**反映的梅园路18号****楼道灯已修复。' });
      expect(of('normal', 'case.accepted')).toMatchObject({ note: '已电话联系郑**（138****9876）', to: 'accepted' });
      expect(of('normal', 'case.noted').text).toBe('郑**身份证110105********002X，住梅园路18号****');
      const mediation = of('normal', 'case.mediation_recorded');
      expect(mediation).toMatchObject({ outcome: 'agreement', agreement: '郑**同意物业三日内修复' });
      expect(mediation).not.toHaveProperty('mediator');
      const meeting = of('normal', 'case.joint_meeting_referred');
      // the attendees' names go, and so do they where the decisions repeat them
      expect(meeting).toMatchObject({ leadUnitId: org.units.gridA1, decisions: '由梅园社区主办，李**负责' });
      expect(meeting).not.toHaveProperty('attendees');

      for (const key of ['confidential', 'accusation']) {
        expect(of(key, 'case.replied')).toMatchObject({ opinion: 'support', from: 'handling', to: 'replied', text: WITHHELD });
        expect(of(key, 'case.accepted')).toMatchObject({ note: WITHHELD });
        expect(of(key, 'case.noted')).toMatchObject({ text: WITHHELD, from: 'handling', to: 'handling' });
        expect(of(key, 'case.mediation_recorded')).toMatchObject({ outcome: 'agreement', agreement: WITHHELD });
        expect(of(key, 'case.joint_meeting_referred')).toMatchObject({ decisions: WITHHELD });
      }
    });

    it('an Excel file of more rows than a sheet holds is refused before anything is read or audited; CSV has no such cap', async () => {
      const before = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'cases.export_started'))).length;
      const q = { from: '2026-03-01', to: '2026-03-31', kind: 'events' as const, via: 'api' as const, unitId: null };
      const err = await prepareExport(t.ctx, org.actors.supervisor, { ...q, format: 'xlsx' }, { xlsxRows: 5 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('CASE_EXPORT_TOO_MANY_ROWS');
      expect((err as AppError).details).toMatchObject({ maxRows: 5 });
      expect((await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'cases.export_started'))).length).toBe(before);
      const csv = await prepareExport(t.ctx, org.actors.supervisor, { ...q, format: 'csv' }, { xlsxRows: 5 });
      expect(csv.totalRows).toBeGreaterThan(5);
    });
  });
}
