/**
 * Bulk export of cases, or of their events, for a unit in the reader's scope and a period of
 * received dates, as CSV (UTF-8 with a BOM, so Excel shows the Chinese), Excel (streamed by
 * exceljs's WorkbookWriter) or JSONL. The rows are those the reader's queues show — the scope
 * filter, accusations hidden from the accused — read in pages of 500 by (received at, id), never
 * the whole result in memory. Personal data is masked (names, phones, ID numbers, addresses, and
 * numbers, the petitioners' names and addresses written in the text); a confidential case's title and
 * content, and a confidential case's or an accusation's event texts, are withheld, since a file leaves
 * the system's access control. Event data goes out through an allow-list (mask-free-text.ts).
 *
 * The rows are counted before the first byte (the file's X-Total-Rows; an Excel file over a sheet's
 * 1,048,575 data rows is refused then), and the export is audited twice: `cases.export_started` (who,
 * unit, scope, period, rows counted) before anything leaves, `cases.exported` (rows written, completed
 * or not) when the stream ends or fails. Rows are those present when the count was taken (cases
 * created and events appended up to then), so a finished file holds exactly X-Total-Rows rows unless
 * a case changed units meanwhile. A CSV or JSONL cell starting with = + - @, a tab or CR is prefixed
 * with ' (OWASP CSV injection); exceljs writes strings as string cells, never formulas.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { CHANNEL_LABELS, FLAG_LABELS, NATURE_LABELS, TYPE_12345_LABELS, URGENCY_LABELS, type Channel, type Flag, type Nature, type Type12345, type Urgency } from '../../domain/case-fields.js';
import { AppError } from '../../domain/errors.js';
import { STATE_LABELS_ZH } from '../../domain/lifecycle/transitions.js';
import type { CaseState } from '../../domain/lifecycle/types.js';
import { atChinaTime, endOfChinaDay, formatChinaDateTime, isValidChinaDate } from '../../domain/deadlines/china-date.js';
import { caseEvents, casePetitioners, cases, categories } from '../../store/schema.js';
import { findUnitByCode, findUnit, findUnitsById, type UnitRow } from '../../store/org-repository.js';
import { caseScopeFilter } from '../../store/scope.js';
import { writeAudit } from '../audit-log.js';
import type { AppContext, StaffActor } from '../context.js';
import { csvField } from './import-sheets.js';
import { exportedEventData, maskFreeText, type KnownPeople } from './mask-free-text.js';

/** Who exports: supervisors, leaders and unit heads — those who answer for a unit's figures (DOMAIN.md §1, §5). */
export const EXPORT_ROLES = ['supervisor', 'leader', 'unit_head'] as const;
export const EXPORT_FORMATS = ['csv', 'xlsx', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportKind = 'cases' | 'events';
/** A year and a day: one leap year's statistics in one file. */
export const MAX_EXPORT_DAYS = 366;
/** An Excel sheet's 1,048,576 rows less the header. */
export const MAX_XLSX_ROWS = 1_048_575;
const PAGE = 500;
const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  jsonl: 'application/x-ndjson; charset=utf-8',
};
const WITHHELD = '（保密件，内容不导出）';
/** In place of the free text of a confidential case's or an accusation's events. */
const EVENT_WITHHELD = '（保密件或检举控告，文字不导出）';

export interface ExportQuery {
  /** the unit whose cases (any owner, lead or assisting unit in its subtree) are exported; default: the reader's scope */
  unitId?: string | null;
  unitCode?: string | null;
  /** received dates, China time, inclusive (YYYY-MM-DD) */
  from: string;
  to: string;
  format: ExportFormat;
  kind: ExportKind;
  via: 'api' | 'cli';
}

export interface PreparedExport {
  fileName: string;
  asciiFileName: string;
  contentType: string;
  unit: { id: string; name: string };
  /** the rows the file holds, counted before streaming */
  totalRows: number;
  /** writes the whole file to `out` (ending it) and returns the number of rows written */
  write(out: Writable): Promise<number>;
}

export interface ExportLimits {
  /** the most data rows an Excel file may hold (MAX_XLSX_ROWS; smaller in tests) */
  xlsxRows: number;
}

/**
 * Given a reader and what to export, returns the file's name and type and a function that streams
 * it; CASE_EXPORT_UNIT_NOT_FOUND for a unit outside his scope, CASE_EXPORT_BAD_PERIOD for a period
 * that is not one of at most 366 days, CASE_EXPORT_TOO_MANY_ROWS for an Excel file of more rows than
 * a sheet holds. The rows are counted and the start of the export audited; nothing else is read
 * until `write` is called.
 */
export async function prepareExport(ctx: AppContext, actor: StaffActor, q: ExportQuery, limits: ExportLimits = { xlsxRows: MAX_XLSX_ROWS }): Promise<PreparedExport> {
  if (!isValidChinaDate(q.from) || !isValidChinaDate(q.to) || q.from > q.to) throw new AppError('CASE_EXPORT_BAD_PERIOD', { from: q.from, to: q.to });
  const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1;
  if (days > MAX_EXPORT_DAYS) throw new AppError('CASE_EXPORT_BAD_PERIOD', { from: q.from, to: q.to, maxDays: MAX_EXPORT_DAYS });
  const asOf = ctx.now();
  const unit = q.unitCode ? await findUnitByCode(ctx.db, q.unitCode) : await findUnit(ctx.db, q.unitId ?? actor.scopeUnitId);
  if (!unit || !unit.path.startsWith(actor.scopePath)) throw new AppError('CASE_EXPORT_UNIT_NOT_FOUND', { path: q.unitCode ? 'unit' : 'unitId' });

  const where = and(
    eq(cases.region, ctx.config.REGION),
    caseScopeFilter(actor),
    sql`exists (select 1 from unnest(${cases.unitPaths}) as w(p) where starts_with(w.p, ${unit.path}))`,
    sql`${cases.receivedAt} >= ${atChinaTime(q.from, 0)}`,
    sql`${cases.receivedAt} <= ${endOfChinaDay(q.to)}`,
    sql`${cases.createdAt} <= ${asOf}`,
  )!;
  const totalRows = await countRows(ctx, where, q.kind, asOf);
  if (q.format === 'xlsx' && totalRows > limits.xlsxRows) throw new AppError('CASE_EXPORT_TOO_MANY_ROWS', { rows: totalRows, maxRows: limits.xlsxRows });
  const what = q.kind === 'cases' ? '信访件导出' : '信访件事件导出';
  const ext = q.format;
  const audited = { via: q.via, kind: q.kind, format: q.format, unitName: unit.name, scopeUnitId: actor.scopeUnitId, scopePath: actor.scopePath, from: q.from, to: q.to, totalRows };
  await writeAudit(ctx, { actorId: actor.userId, action: 'cases.export_started', targetType: 'org_unit', targetId: unit.id, data: audited });
  return {
    fileName: `${what}-${unit.name}-${q.from}-${q.to}.${ext}`,
    asciiFileName: `${q.kind === 'cases' ? 'cases' : 'case-events'}-${q.from}-${q.to}.${ext}`,
    contentType: CONTENT_TYPES[q.format],
    unit: { id: unit.id, name: unit.name },
    totalRows,
    write: async (out) => {
      let rows = 0;
      let completed = false;
      try {
        const sink = sinkFor(q.format, out, q.kind === 'cases' ? CASE_COLUMNS : EVENT_COLUMNS);
        const pages = q.kind === 'cases' ? caseRows(ctx, where) : eventRows(ctx, where, asOf);
        for await (const page of pages) {
          for (const r of page) {
            await sink.row(r);
            rows++;
          }
        }
        await sink.end();
        completed = true;
      } finally {
        try {
          await writeAudit(ctx, { actorId: actor.userId, action: 'cases.exported', targetType: 'org_unit', targetId: unit.id, data: { ...audited, rows, completed } });
        } catch (err) {
          // the start is audited already; a failure here must not hide the export's own outcome
          ctx.logger.error({ err, unitId: unit.id, rows, completed }, 'export end not audited');
        }
      }
      return rows;
    },
  };
}

interface Column {
  header: string;
  key: string;
  width: number;
}
type Row = Record<string, unknown>;
/** Given a value of a row, returns what a CSV field or sheet cell holds (objects as JSON). */
const flat = (v: unknown): string | number => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : typeof v === 'number' ? v : String(v));

const CASE_COLUMNS: readonly Column[] = [
  { header: '案件编号', key: 'number', width: 17 },
  { header: '收到时间', key: 'receivedAt', width: 17 },
  { header: '渠道', key: 'channel', width: 10 },
  { header: '性质', key: 'nature', width: 10 },
  { header: '诉求类型', key: 'type12345', width: 8 },
  { header: '类别编码', key: 'categoryCode', width: 10 },
  { header: '类别名称', key: 'categoryName', width: 14 },
  { header: '标题', key: 'title', width: 30 },
  { header: '诉求内容', key: 'content', width: 50 },
  { header: '紧急程度', key: 'urgency', width: 8 },
  { header: '状态', key: 'state', width: 8 },
  { header: '登记单位', key: 'ownerUnit', width: 16 },
  { header: '所属网格', key: 'gridUnit', width: 16 },
  { header: '主办单位', key: 'leadUnit', width: 16 },
  { header: '诉求人', key: 'petitioners', width: 12 },
  { header: '联系电话', key: 'phones', width: 14 },
  { header: '身份证号', key: 'idNumbers', width: 20 },
  { header: '诉求人地址', key: 'petitionerAddresses', width: 16 },
  { header: '地址', key: 'address', width: 16 },
  { header: '标记', key: 'flags', width: 12 },
  { header: '保密', key: 'confidential', width: 6 },
  { header: '来源系统', key: 'externalSource', width: 10 },
  { header: '来源工单编号', key: 'externalRef', width: 18 },
  { header: '办结时间', key: 'closedAt', width: 17 },
];

const EVENT_COLUMNS: readonly Column[] = [
  { header: '案件编号', key: 'number', width: 17 },
  { header: '序号', key: 'seq', width: 6 },
  { header: '事件类型', key: 'type', width: 24 },
  { header: '时间', key: 'at', width: 17 },
  { header: '操作人角色', key: 'actorRole', width: 12 },
  { header: '数据', key: 'data', width: 80 },
];

/** Given the filter, returns how many rows the export holds: cases, or their events appended up to `asOf`. */
async function countRows(ctx: AppContext, where: SQL, kind: ExportKind, asOf: Date): Promise<number> {
  if (kind === 'cases') {
    const [r] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases).where(where);
    return Number(r?.n ?? 0);
  }
  const [r] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(caseEvents)
    .innerJoin(cases, and(eq(cases.region, caseEvents.region), eq(cases.id, caseEvents.caseId)))
    .where(and(where, sql`${caseEvents.at} <= ${asOf}`));
  return Number(r?.n ?? 0);
}

/**
 * Given a page of cases, returns for each case the plain names and addresses of its petitioners and
 * its own address, decrypted only to be masked out of its free text (they never leave unmasked).
 */
async function knownPeople(ctx: AppContext, page: ReadonlyArray<{ id: string; addressEnc: string | null }>): Promise<Map<string, KnownPeople>> {
  const rows = await ctx.db
    .select({ caseId: casePetitioners.caseId, name: casePetitioners.nameEnc, address: casePetitioners.addressEnc })
    .from(casePetitioners)
    .where(and(eq(casePetitioners.region, ctx.config.REGION), inArray(casePetitioners.caseId, page.map((c) => c.id))));
  const out = new Map<string, { names: string[]; addresses: string[] }>(page.map((c) => [c.id, { names: [], addresses: c.addressEnc ? [ctx.cipher.decrypt(c.addressEnc)] : [] }]));
  for (const r of rows) {
    const k = out.get(r.caseId)!;
    k.names.push(ctx.cipher.decrypt(r.name));
    if (r.address) k.addresses.push(ctx.cipher.decrypt(r.address));
  }
  return out;
}

/** Given the filter, yields the cases page by page (keyset on received at, id), masked and labelled. */
async function* caseRows(ctx: AppContext, where: SQL): AsyncGenerator<Row[]> {
  const cats = new Map((await ctx.db.select({ code: categories.code, name: categories.name }).from(categories)).map((c) => [c.code, c.name]));
  const units = new Map<string, UnitRow>();
  for await (const page of casePages(ctx, where)) {
    const missing = [...new Set(page.flatMap((c) => [c.ownerUnitId, c.gridUnitId, c.leadUnitId]).filter((x): x is string => !!x && !units.has(x)))];
    for (const [id, u] of await findUnitsById(ctx.db, missing)) units.set(id, u);
    const people = await ctx.db
      .select({ caseId: casePetitioners.caseId, seq: casePetitioners.seq, name: casePetitioners.nameMask, phone: casePetitioners.phoneMask, id: casePetitioners.idNumberMask, address: casePetitioners.addressMask })
      .from(casePetitioners)
      .where(and(eq(casePetitioners.region, ctx.config.REGION), inArray(casePetitioners.caseId, page.map((c) => c.id))))
      .orderBy(asc(casePetitioners.caseId), asc(casePetitioners.seq));
    const byCase = new Map<string, typeof people>();
    for (const p of people) byCase.set(p.caseId, [...(byCase.get(p.caseId) ?? []), p]);
    const list = (id: string, f: (p: (typeof people)[number]) => string | null) => (byCase.get(id) ?? []).map(f).filter(Boolean).join('；');
    const known = await knownPeople(ctx, page);
    yield page.map((c) => ({
      number: c.number,
      receivedAt: formatChinaDateTime(c.receivedAt),
      channel: CHANNEL_LABELS[c.channel as Channel] ?? c.channel,
      nature: NATURE_LABELS[c.nature as Nature] ?? c.nature,
      type12345: c.type12345 ? TYPE_12345_LABELS[c.type12345 as Type12345] ?? c.type12345 : '',
      categoryCode: c.categoryCode ?? '',
      categoryName: c.categoryCode ? cats.get(c.categoryCode) ?? '' : '',
      title: c.confidential ? WITHHELD : maskFreeText(c.title, known.get(c.id)),
      content: c.confidential ? WITHHELD : maskFreeText(c.content, known.get(c.id)),
      urgency: URGENCY_LABELS[c.urgency as Urgency] ?? c.urgency,
      state: STATE_LABELS_ZH[c.state as CaseState] ?? c.state,
      ownerUnit: units.get(c.ownerUnitId)?.name ?? '',
      gridUnit: c.gridUnitId ? units.get(c.gridUnitId)?.name ?? '' : '',
      leadUnit: c.leadUnitId ? units.get(c.leadUnitId)?.name ?? '' : '',
      petitioners: list(c.id, (p) => p.name),
      phones: list(c.id, (p) => p.phone),
      idNumbers: list(c.id, (p) => p.id),
      petitionerAddresses: list(c.id, (p) => p.address),
      address: c.addressMask ?? '',
      flags: c.flags.map((f) => FLAG_LABELS[f as Flag] ?? f).join('、'),
      confidential: c.confidential ? '是' : '否',
      externalSource: c.externalSource ?? '',
      externalRef: c.externalRef ?? '',
      closedAt: c.closedAt ? formatChinaDateTime(c.closedAt) : '',
    }));
  }
}

/**
 * Given the filter, yields the events (appended up to `asOf`) of the cases page by page, their data
 * cut to the allow-list: free text masked, or withheld for a confidential case or an accusation.
 */
async function* eventRows(ctx: AppContext, where: SQL, asOf: Date): AsyncGenerator<Row[]> {
  for await (const page of casePages(ctx, where)) {
    const known = await knownPeople(ctx, page);
    const withheld = new Map(page.map((c) => [c.id, c.confidential || c.nature === 'accusation' || c.accusedUnitPaths.length > 0]));
    const numbers = new Map(page.map((c) => [c.id, c.number]));
    const order = new Map(page.map((c, i) => [c.id, i]));
    const events = await ctx.db
      .select({ caseId: caseEvents.caseId, seq: caseEvents.seq, type: caseEvents.type, at: caseEvents.at, actorRole: caseEvents.actorRole, data: caseEvents.data })
      .from(caseEvents)
      .where(and(eq(caseEvents.region, ctx.config.REGION), inArray(caseEvents.caseId, page.map((c) => c.id)), sql`${caseEvents.at} <= ${asOf}`))
      .orderBy(asc(caseEvents.caseId), asc(caseEvents.seq));
    events.sort((a, b) => order.get(a.caseId)! - order.get(b.caseId)! || a.seq - b.seq);
    yield events.map((e) => ({
      number: numbers.get(e.caseId)!,
      seq: e.seq,
      type: e.type,
      at: e.at.toISOString(),
      actorRole: e.actorRole ?? '',
      data: exportedEventData(e.data, { withheld: withheld.get(e.caseId)!, withheldText: EVENT_WITHHELD, known: known.get(e.caseId) }),
    }));
  }
}

/** Given the filter, yields the matching cases in pages of 500 by (received at, id). */
async function* casePages(ctx: AppContext, where: SQL) {
  let after: { at: Date; id: string } | null = null;
  for (;;) {
    const cond: SQL = after ? and(where, sql`(${cases.receivedAt}, ${cases.id}) > (${after.at}, ${after.id})`)! : where;
    const page = await ctx.db.select().from(cases).where(cond).orderBy(asc(cases.receivedAt), asc(cases.id)).limit(PAGE);
    if (page.length) yield page;
    if (page.length < PAGE) return;
    const last = page.at(-1)!;
    after = { at: last.receivedAt, id: last.id };
  }
}

interface Sink {
  row(r: Row): Promise<void>;
  end(): Promise<void>;
}

/** Given a stream, writes a chunk and waits when the reader is slower than the database. */
async function put(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new Error('export aborted: the reader went away');
  if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
}

async function finish(out: Writable): Promise<void> {
  out.end();
  if (!out.writableFinished) await Promise.race([once(out, 'finish'), once(out, 'close')]);
}

function sinkFor(format: ExportFormat, out: Writable, columns: readonly Column[]): Sink {
  if (format === 'jsonl') {
    return {
      row: (r) => put(out, JSON.stringify(r) + '\n'),
      end: () => finish(out),
    };
  }
  if (format === 'csv') {
    let started = false;
    return {
      row: async (r) => {
        if (!started) {
          started = true;
          await put(out, '\uFEFF' + columns.map((c) => csvField(c.header)).join(',') + '\r\n');
        }
        await put(out, columns.map((c) => csvField(flat(r[c.key]))).join(',') + '\r\n');
      },
      end: async () => {
        if (!started) await put(out, '\uFEFF' + columns.map((c) => csvField(c.header)).join(',') + '\r\n');
        await finish(out);
      },
    };
  }
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const ws = wb.addWorksheet('导出');
  ws.columns = columns.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let n = 0;
  return {
    row: async (r) => {
      if (out.destroyed) throw new Error('export aborted: the reader went away');
      ws.addRow(Object.fromEntries(columns.map((c) => [c.key, flat(r[c.key])]))).commit();
      // let the zip stream drain now and then: exceljs buffers what the reader has not taken
      if (++n % PAGE === 0 && out.writableNeedDrain) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    },
    end: async () => {
      ws.commit();
      await wb.commit();
      if (!out.writableFinished && !out.destroyed) await Promise.race([once(out, 'finish'), once(out, 'close')]);
    },
  };
}
