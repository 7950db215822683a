/**
 * The cockpit at scale (issue 6's speed targets): every cockpit query ≤ 100 ms at p95 with 1,000,000
 * cases on PostgreSQL and ≤ 300 ms on PGlite.
 *
 *   npx tsx bench/cockpit.ts [--url postgres://…] [--pglite DIR] [--iterations 200] [--report FILE] [--check]
 *
 * It opens a deployment filled by bench/generate.ts (default postgres://postgres@127.0.0.1:5432/xf_bench_1m_events),
 * first lets the real rollup worker fold every queued case into the counters (and reports how fast), then
 * times each cockpit read the API makes — the figures of the district, a street, a community and a grid for
 * 30 days and for a year, the map of the district and of a street, the month's assessment of streets,
 * communities and departments, the annual report's figures, the same as a supervisor inside the most
 * accused unit (whose reads take its accusations off), a grid's cases where the drill-down ends — `--iterations` times each with random
 * periods and units, and the server's resident memory. `--check` also compares the rollups with a full
 * scan (minutes at 1 M cases).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { eq, sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/store/database.js';
import { loadStatute } from '../src/statute/load-statute.js';
import { createCipher } from '../src/domain/personal-data/cipher.js';
import { sharedSegmenter } from '../src/services/segmenter.js';
import type { AppContext, StaffActor } from '../src/services/context.js';
import { cases, orgUnits } from '../src/store/schema.js';
import { pendingRollups, runRollupsOnce } from '../src/jobs/rollup-worker.js';
import { cockpitFigures, cockpitMap } from '../src/services/cockpit.js';
import { annualReport, monthlyAssessment } from '../src/services/assessment.js';
import { listCases } from '../src/services/case-queries.js';
import { compareRollups } from '../src/services/rollup-check.js';
import { addDays, toChinaDate } from '../src/domain/deadlines/china-date.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : undefined;
  return v && !v.startsWith('--') ? v : fallback;
};
const PGLITE = option('--pglite', '');
const URL_ = PGLITE ? undefined : option('--url', process.env.XINFANG_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/xf_bench_1m_events');
const ITER = Number(option('--iterations', '200'));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (...a: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)} load ${load()}]`, ...a);

const database = await openDatabase(PGLITE ? { pgliteDir: PGLITE } : { databaseUrl: URL_ });
const config = loadConfig({ ...(URL_ ? { DATABASE_URL: URL_ } : {}), DATA_DIR: path.join(os.tmpdir(), 'xf-bench-cockpit'), LOG_LEVEL: 'silent' });
const ctx: AppContext = {
  database,
  db: database.db,
  config: { ...config, REGION: (await database.db.select({ region: cases.region }).from(cases).limit(1))[0]?.region ?? config.REGION },
  statute: loadStatute(),
  cipher: createCipher(Buffer.alloc(32, 7)),
  logger: pino({ level: 'silent' }),
  now: () => new Date(),
  segmenter: sharedSegmenter(),
  uploadDir: config.uploadDir,
};
const report: string[] = [];
const [{ n: caseCount }] = (await ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases)) as [{ n: number }];
log(`${caseCount.toLocaleString('en')} cases in ${database.kind}`);
report.push(`Cases: ${caseCount.toLocaleString('en')} on ${database.kind} (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}).\n`);

// ------------------------------------------------------------------------------------------------
// folding the queue

const queued = await pendingRollups(ctx);
if (queued > 0) {
  log(`folding ${queued.toLocaleString('en')}${queued >= 100_000 ? '+' : ''} queued changes`);
  const t0 = performance.now();
  let folded = 0;
  for (;;) {
    const r = await runRollupsOnce(ctx, { batch: 1000, maxBatches: 20 });
    folded += r.cases;
    if (r.cases === 0) break;
    if (folded % 100_000 < 20_000) log(`folded ${folded.toLocaleString('en')} cases (${Math.round(folded / ((performance.now() - t0) / 1000))}/s)`);
  }
  const secs = (performance.now() - t0) / 1000;
  report.push(`Rollup worker: folded ${folded.toLocaleString('en')} cases in ${(secs / 60).toFixed(1)} min (${Math.round(folded / secs).toLocaleString('en')} cases/s, 1,000 per transaction).\n`);
}
if (database.kind === 'postgres') {
  for (const t of ['cockpit_daily', 'cockpit_stock', 'case_facts', 'rollup_queue']) await ctx.db.execute(sql.raw(`vacuum analyze ${t}`));
  const sizes = (await ctx.db.execute(sql`select relname, pg_total_relation_size(c.oid) as bytes, reltuples::bigint as rows from pg_class c where relname in ('cockpit_daily','cockpit_stock','case_facts','cases','case_events')`)) as unknown as { rows: { relname: string; bytes: string; rows: string }[] };
  report.push(`Table sizes: ${sizes.rows.map((r) => `${r.relname} ${(Number(r.bytes) / 1e6).toFixed(0)} MB (~${Number(r.rows).toLocaleString('en')} rows)`).join('; ')}.\n`);
}

// ------------------------------------------------------------------------------------------------
// readers and units

const units = await ctx.db.select({ id: orgUnits.id, kind: orgUnits.kind, path: orgUnits.path, parentId: orgUnits.parentId }).from(orgUnits).where(eq(orgUnits.active, true));
const district = units.find((u) => u.kind === 'district')!;
const of = (kind: string) => units.filter((u) => u.kind === kind && u.path.startsWith(district.path));
const leader: StaffActor = {
  kind: 'staff',
  userId: crypto.randomUUID(),
  username: 'bench.leader',
  displayName: '压测领导',
  roles: ['leader'],
  unitId: district.id,
  unitPath: district.path,
  scopeUnitId: district.id,
  scopePath: district.path,
};
// a supervisor working inside the department accused most often: his reads take its accusations off again
const accused = (await ctx.db.execute(sql`
  select p, count(*)::int as n from cases, unnest(accused_unit_paths) as p
  where cardinality(accused_unit_paths) > 0 group by p order by n desc limit 1`)) as unknown as { rows: { p: string; n: number }[] };
const accusedPath = accused.rows[0]?.p ?? district.path;
const accusedUnit = units.find((u) => u.path === accusedPath) ?? district;
const inspector: StaffActor = { ...leader, userId: crypto.randomUUID(), username: 'bench.inspector', roles: ['supervisor'], unitId: accusedUnit.id, unitPath: accusedUnit.path };
log(`inspector inside ${accusedPath} (${accused.rows[0]?.n ?? 0} accusations against it)`);
const [{ last }] = (await ctx.db.select({ last: sql<Date>`max(${cases.receivedAt})` }).from(cases)) as [{ last: Date }];
const today = toChinaDate(new Date(last));
const rnd = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const recent = () => {
  const to = addDays(today, -Math.floor(Math.random() * 60));
  return { from: addDays(to, -29), to };
};
const year = () => {
  const to = addDays(today, -Math.floor(Math.random() * 30));
  return { from: addDays(to, -364), to };
};
const month = () => addDays(today, -28 * Math.floor(Math.random() * 10)).slice(0, 7);

const QUERIES: [string, () => Promise<unknown>][] = [
  ['figures: district, 30 days', () => cockpitFigures(ctx, leader, { unitId: district.id, ...recent() })],
  ['figures: district, 365 days', () => cockpitFigures(ctx, leader, { unitId: district.id, ...year() })],
  ['figures: district, 30 days, read by a supervisor inside the most accused unit', () => cockpitFigures(ctx, inspector, { unitId: district.id, ...recent() })],
  ['figures: district, 365 days, read by that supervisor', () => cockpitFigures(ctx, inspector, { unitId: district.id, ...year() })],
  ['figures: a street, 30 days', () => cockpitFigures(ctx, leader, { unitId: rnd(of('street')).id, ...recent() })],
  ['figures: a community, 365 days', () => cockpitFigures(ctx, leader, { unitId: rnd(of('community')).id, ...year() })],
  ['figures: a grid, 30 days', () => cockpitFigures(ctx, leader, { unitId: rnd(of('grid')).id, ...recent() })],
  ['figures: a department, 30 days', () => cockpitFigures(ctx, leader, { unitId: rnd(of('department')).id, ...recent() })],
  ['map: district (streets), 30 days', () => cockpitMap(ctx, leader, { unitId: district.id, ...recent() })],
  ['map: district (streets), 365 days', () => cockpitMap(ctx, leader, { unitId: district.id, ...year() })],
  ['map: a community (grids), 30 days', () => cockpitMap(ctx, leader, { unitId: rnd(of('community')).id, ...recent() })],
  ['assessment: streets, a month', () => monthlyAssessment(ctx, leader, { month: month(), kind: 'street' })],
  ['assessment: communities, a month', () => monthlyAssessment(ctx, leader, { month: month(), kind: 'community' })],
  ['assessment: departments, a month', () => monthlyAssessment(ctx, leader, { month: month(), kind: 'department' })],
  ['annual report figures: district', () => annualReport(ctx, leader, { year: Number(today.slice(0, 4)) })],
  ['map: district (streets), 30 days, read by that supervisor', () => cockpitMap(ctx, inspector, { unitId: district.id, ...recent() })],
  ['assessment: departments, a month, read by that supervisor', () => monthlyAssessment(ctx, inspector, { month: month(), kind: 'department' })],
  ['annual report figures: district, read by that supervisor', () => annualReport(ctx, inspector, { year: Number(today.slice(0, 4)) })],
  // where the drill-down ends: a grid's cases, 50 to a page, as the map shows them
  ['drill-down: a grid\'s cases, first 50', () => listCases(ctx, leader, { withinUnitId: rnd(of('grid')).id, limit: 50, offset: 0 })],
];

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const f1 = (x: number) => x.toFixed(x < 10 ? 2 : 1);
report.push('| query | n | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|');
for (const [name, q] of QUERIES) {
  for (let i = 0; i < 5; i++) await q(); // warm the plan cache and the buffers
  const xs: number[] = [];
  for (let i = 0; i < ITER; i++) {
    const t0 = performance.now();
    await q();
    xs.push(performance.now() - t0);
  }
  xs.sort((a, b) => a - b);
  const line = `| ${name} | ${xs.length} | ${f1(pct(xs, 50))} | ${f1(pct(xs, 95))} | ${f1(pct(xs, 99))} | ${f1(xs[xs.length - 1]!)} |`;
  log(line);
  report.push(line);
}
report.push(`\nResident memory after the run: ${Math.round(process.memoryUsage().rss / 1e6)} MB; load at end ${load()}.\n`);

if (argv.includes('--check')) {
  const t0 = performance.now();
  const r = await compareRollups(ctx);
  report.push(`Full-scan check: ${r.cases.toLocaleString('en')} cases, ${r.differences.length} differences (${((performance.now() - t0) / 1000).toFixed(0)} s).\n`);
  log(`check: ${r.differences.length} differences`);
}
await database.close();
const out = option('--report', '/tmp/cockpit-bench.md');
fs.writeFileSync(out, report.join('\n') + '\n');
log(`report written to ${out}`);
console.log(report.join('\n'));
