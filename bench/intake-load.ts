/**
 * Intake under load (issue 8): citizens' submissions through the public HTTP API of the real server
 * (`node bin/xinfang.js serve` in a child process, as deployed), with the duplicate check, routing
 * suggestion, warnings, timers and events all on, driven by autocannon at each concurrency; then the same
 * rows written straight to the database, one transaction (one commit) per case, at the same concurrency,
 * so the ratio shows what the application costs.
 *
 *   npx tsx bench/intake-load.ts [--url postgres://…/xf_bench_1m_events | --data-dir DIR | --fresh pglite|postgres]
 *                                [--levels 1,8,32] [--seconds 30] [--warmup 5] [--direct 2000] [--report FILE]
 *
 * --url / --data-dir: a deployment filled by bench/generate.ts (PGlite: DIR/pglite, made with
 * `--pglite DIR/pglite`), read with the bench master key. --fresh: a throwaway database with the small test
 * org (quick checks of the application's own cost; not the issue's 1 M figure).
 *
 * Each submission is a real message of ../shared/data/hot_messages.jsonl (title and body, in turn), from a
 * new phone number, with an Idempotency-Key of its own. Every 2xx counts; anything else is reported and
 * fails the run. Latencies are autocannon's per response (ms, from request written to response read).
 * The server's resident memory (VmRSS, and its peak VmHWM) is read from /proc at the end.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { seedMiniOrg } from '../test/support/factories.js';
import { BENCH_MASTER_KEY } from './generate.js';
import { log, option } from './cli-options.js';
import { memoryOf, ROOT, startServerProcess } from './server-process.js';

const DATA = path.join(ROOT, '..', 'shared', 'data', 'hot_messages.jsonl');


interface Target {
  label: string;
  env: NodeJS.ProcessEnv;
  open: () => Promise<Database>;
  drop?: () => Promise<void>;
}

async function pgAdmin(url: string, statement: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/** Given the command line, returns the deployment to load. */
async function target(): Promise<Target> {
  const base: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', PUBLIC_RATE_LIMIT_PER_MINUTE: '100000000' };
  delete base.DATABASE_URL;
  const url = option('--url', '');
  const dataDir = option('--data-dir', '');
  const fresh = option('--fresh', '');
  if (url) {
    const env = { ...base, DATABASE_URL: url, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xf-load-')), MASTER_KEY: BENCH_MASTER_KEY };
    return { label: `PostgreSQL ${new URL(url).pathname.slice(1)}`, env, open: () => openDatabase({ databaseUrl: url }) };
  }
  if (dataDir) {
    const dir = path.resolve(dataDir);
    const env = { ...base, DATA_DIR: dir, MASTER_KEY: BENCH_MASTER_KEY };
    return { label: `PGlite ${dir}`, env, open: () => openDatabase({ pgliteDir: path.join(dir, 'pglite') }) };
  }
  if (fresh !== 'pglite' && fresh !== 'postgres') throw new Error('give --url, --data-dir or --fresh pglite|postgres');
  const env: NodeJS.ProcessEnv = { ...base, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xf-load-')), MASTER_KEY: BENCH_MASTER_KEY };
  let drop: (() => Promise<void>) | undefined;
  if (fresh === 'postgres') {
    const name = `xf_load_${process.pid}`;
    const pgUrl = `${process.env.XINFANG_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'}`.replace(/\/[^/]*$/, `/${name}`);
    await pgAdmin(pgUrl, `create database ${name}`);
    env.DATABASE_URL = pgUrl;
    drop = () => pgAdmin(pgUrl, `drop database if exists ${name} with (force)`);
  }
  const ctx = await buildContext(loadConfig(env), { logger: pino({ level: 'silent' }) });
  await seedMiniOrg(ctx);
  await ctx.database.close();
  return {
    label: `fresh ${fresh} (test org)`,
    env,
    open: () => (env.DATABASE_URL ? openDatabase({ databaseUrl: env.DATABASE_URL }) : openDatabase({ pgliteDir: path.join(env.DATA_DIR!, 'pglite') })),
    drop,
  };
}

const messages: { title: string; body: string }[] = fs
  .readFileSync(DATA, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { title: string; body: string })
  .map((m) => ({ title: m.title.trim().slice(0, 100), body: m.body.trim().slice(0, 4000) }))
  .filter((m) => m.title.length >= 2 && m.body.length >= 10);

const RUN = crypto.randomBytes(4).toString('hex');
let serial = 0;
/** Given nothing, returns the next submission's body and key. */
function nextSubmission(): { body: string; key: string } {
  const i = serial++;
  const m = messages[i % messages.length]!;
  const phone = `13${String(100_000_000 + ((i * 7919 + Number.parseInt(RUN.slice(0, 6), 16)) % 900_000_000)).padStart(9, '0')}`;
  return {
    key: `load-${RUN}-${i}`,
    body: JSON.stringify({ title: m.title, content: m.body, petitioner: { name: '李群众', phone } }),
  };
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);

interface LevelResult {
  concurrency: number;
  ok: number;
  other: Record<string, number>;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Given the server and a concurrency, runs autocannon for `seconds` and returns what it measured. */
async function loadLevel(base: string, concurrency: number, seconds: number): Promise<LevelResult> {
  const latencies: number[] = [];
  const other: Record<string, number> = {};
  const t0 = performance.now();
  const instance = autocannon({
    url: base,
    connections: concurrency,
    pipelining: 1,
    duration: seconds,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        path: '/api/public/cases',
        setupRequest: (req) => {
          const s = nextSubmission();
          return { ...req, headers: { 'content-type': 'application/json', 'idempotency-key': s.key }, body: s.body };
        },
      },
    ],
  });
  (instance as unknown as NodeJS.EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
    else other[status] = (other[status] ?? 0) + 1;
  });
  const result = await instance;
  const secs = (performance.now() - t0) / 1000;
  if (result.errors || result.timeouts) other.errors = (other.errors ?? 0) + result.errors + result.timeouts;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    ok: latencies.length,
    other,
    seconds: secs,
    perSecond: latencies.length / Math.min(secs, seconds),
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    p99: pct(latencies, 99),
    max: latencies.at(-1) ?? NaN,
  };
}

// ------------------------------------------------------------------------------------------------
// the same rows, straight to the database

interface TableShape {
  table: string;
  /** the columns written (no identity or generated ones) */
  columns: string[];
  key: 'id' | 'case_id';
  /** text columns of unique indexes that hold neither the case id nor a fresh uuid: a copy gets a suffix in them */
  uniqueText: string[];
}

type Rows = { table: string; rows: Record<string, unknown>[] }[];

/** Given the database, returns every table a registration writes that names its case (cases itself by id). */
async function caseTables(db: Database): Promise<TableShape[]> {
  const { rows } = (await db.db.execute(sql`
    select c.table_name as "table", array_agg(c.column_name::text order by c.ordinal_position) as columns,
           bool_or(c.column_name = 'case_id') as has_case_id
      from information_schema.columns c
     where c.table_schema = 'public' and c.is_identity = 'NO' and c.is_generated = 'NEVER'
     group by c.table_name`)) as unknown as { rows: { table: string; columns: string[]; has_case_id: boolean }[] };
  const unique = (await db.db.execute(sql`
    select t.relname as "table", array_agg(a.attname::text order by a.attnum) as columns, array_agg(format_type(a.atttypid, a.atttypmod) order by a.attnum) as types
      from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
      join pg_attribute a on a.attrelid = t.oid and a.attnum = any(i.indkey)
     where n.nspname = 'public' and i.indisunique
     group by t.relname, i.indexrelid`)) as unknown as { rows: { table: string; columns: string[]; types: string[] }[] };
  const uniqueText = (table: string) =>
    unique.rows
      .filter((u) => u.table === table && !u.columns.includes('case_id') && !u.columns.includes('id'))
      .flatMap((u) => u.columns.filter((c, i) => u.types[i] === 'text' && c !== 'region'));
  return rows
    .filter((r) => r.table === 'cases' || r.has_case_id)
    .map((r) => ({ table: r.table, columns: r.columns, key: r.table === 'cases' ? ('id' as const) : ('case_id' as const), uniqueText: uniqueText(r.table) }));
}

/** Given case ids the application registered, returns each one's rows in every table that names it. */
async function rowsOf(db: Database, shapes: TableShape[], caseIds: string[]): Promise<Map<string, Rows>> {
  const out = new Map<string, Rows>(caseIds.map((id) => [id, []]));
  for (const s of shapes) {
    const cols = s.columns.map((c) => `"${c}"`).join(', ');
    const { rows } = (await db.db.execute(
      sql.raw(`select ${cols} from "${s.table}" where "${s.key}" in (${caseIds.map((id) => `'${id}'`).join(', ')})`),
    )) as unknown as { rows: Record<string, unknown>[] };
    for (const r of rows) {
      const id = String(r[s.key]);
      const list = out.get(id)!;
      let entry = list.find((e) => e.table === s.table);
      if (!entry) list.push((entry = { table: s.table, rows: [] }));
      entry.rows.push(r);
    }
  }
  return out;
}

/** Given one case's rows, returns a copy under a new id and number that no unique key refuses. */
function copyOf(shapes: Map<string, TableShape>, rows: Rows, n: number): Rows {
  const id = crypto.randomUUID();
  return rows.map(({ table, rows: list }) => ({
    table,
    rows: list.map((r) => {
      const c: Record<string, unknown> = { ...r };
      if (table === 'cases') c.id = id;
      else c.case_id = id;
      if (typeof c.id === 'string' && /^[0-9a-f-]{36}$/.test(c.id) && table !== 'cases') c.id = crypto.randomUUID();
      for (const col of shapes.get(table)!.uniqueText) if (typeof c[col] === 'string') c[col] = `${c[col]}-DX-${RUN}-${n}`;
      if (table === 'cases') c.number = `DX-${RUN}-${n}`;
      if (table === 'idempotency_keys') c.key = `direct-${RUN}-${n}`;
      return c;
    }),
  }));
}

/** Given the database, cases' rows and a concurrency, writes each case in one transaction and returns the timings. */
async function writeDirect(db: Database, shapes: TableShape[], copies: Rows[], concurrency: number): Promise<LevelResult> {
  const byTable = new Map(shapes.map((s) => [s.table, s]));
  // the application's write order: the case before the rows that name it
  const order = (t: string) => (t === 'idempotency_keys' ? 0 : t === 'cases' ? 1 : 2);
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < copies.length) {
        const rows = copies[next++]!;
        const s0 = performance.now();
        await db.db.transaction(async (tx) => {
          for (const { table, rows: list } of [...rows].sort((a, b) => order(a.table) - order(b.table))) {
            const cols = byTable.get(table)!.columns;
            for (const r of list) {
              await tx.execute(
                sql`insert into ${sql.identifier(table)} (${sql.raw(cols.map((c) => `"${c}"`).join(', '))}) select ${sql.raw(cols.map((c) => `"${c}"`).join(', '))} from jsonb_populate_record(null::${sql.identifier(table)}, ${JSON.stringify(r)}::jsonb)`,
              );
            }
          }
        });
        latencies.push(performance.now() - s0);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { concurrency, ok: latencies.length, other: {}, seconds: secs, perSecond: latencies.length / secs, p50: pct(latencies, 50), p95: pct(latencies, 95), p99: pct(latencies, 99), max: latencies.at(-1) ?? NaN };
}

// ------------------------------------------------------------------------------------------------

const fmt = (r: LevelResult) =>
  `${String(r.concurrency).padStart(2)} in flight: ${r.ok} cases in ${r.seconds.toFixed(1)} s = ${r.perSecond.toFixed(0)} cases/s; p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(0)} ms` +
  (Object.keys(r.other).length ? `; NOT 2xx: ${JSON.stringify(r.other)}` : '');

async function main() {
  const levels = option('--levels', '1,8,32').split(',').map(Number);
  const seconds = Number(option('--seconds', '30'));
  const warmup = Number(option('--warmup', '5'));
  const directCount = Number(option('--direct', '2000'));
  const report = option('--report', '');
  const t = await target();
  log(`intake load on ${t.label}; ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}; levels ${levels.join(', ')}, ${seconds} s each`);

  const before = await t.open();
  const startCases = Number(((await before.db.execute(sql`select count(*)::bigint as n from cases`)) as unknown as { rows: { n: string }[] }).rows[0]!.n);
  await before.close();
  log(`${startCases} cases in the database before`);

  const server = await startServerProcess(t.env, { timeoutMs: 600_000 });
  log(`server up (pid ${server.child.pid}, ${memoryOf(server.child.pid!).rssMb} MB resident)`);
  const results: LevelResult[] = [];
  let failed = false;
  try {
    if (warmup > 0) log(`warm-up: ${fmt(await loadLevel(server.base, 4, warmup))}`);
    for (const c of levels) {
      const r = await loadLevel(server.base, c, seconds);
      results.push(r);
      log(`HTTP ${fmt(r)}`);
      if (Object.keys(r.other).length) failed = true;
    }
  } finally {
    const mem = memoryOf(server.child.pid!);
    log(`server resident memory at the end: ${mem.rssMb} MB (peak ${mem.peakMb} MB)`);
    await server.stop();
  }

  // the same rows straight to the database
  const db = await t.open();
  const direct: LevelResult[] = [];
  try {
    const shapes = await caseTables(db);
    const byTable = new Map(shapes.map((s) => [s.table, s]));
    const { rows: recent } = (await db.db.execute(
      sql`select id from cases where created_at > now() - interval '1 hour' order by created_at desc limit ${directCount}`,
    )) as unknown as { rows: { id: string }[] };
    const source = await rowsOf(db, shapes, recent.map((r) => r.id));
    const perCase = [...source.values()];
    const tables = new Set(perCase.flatMap((r) => r.map((e) => `${e.table}`)));
    const rowsPerCase = perCase.reduce((s, r) => s + r.reduce((x, e) => x + e.rows.length, 0), 0) / Math.max(perCase.length, 1);
    log(`direct writes: ${perCase.length} registered cases copied; ${rowsPerCase.toFixed(1)} rows a case in ${[...tables].sort().join(', ')}`);
    let n = 0;
    for (const c of levels) {
      const copies = perCase.map((r) => copyOf(byTable, r, n++));
      // (PGlite is one connection: its transactions queue, as the server's do)
      const r = await writeDirect(db, shapes, copies, c);
      direct.push(r);
      log(`direct ${fmt(r)}`);
    }
    // the copies go again: they are not the application's
    await db.db.execute(sql.raw(`delete from idempotency_keys where key like 'direct-${RUN}-%'`));
    for (const s of shapes.filter((x) => x.table !== 'cases' && x.table !== 'idempotency_keys')) {
      await db.db.execute(sql.raw(`delete from "${s.table}" where case_id in (select id from cases where number like 'DX-${RUN}-%')`));
    }
    await db.db.execute(sql.raw(`delete from cases where number like 'DX-${RUN}-%'`));
  } finally {
    await db.close();
    await t.drop?.();
  }

  const lines = [
    `intake load, ${new Date().toISOString().slice(0, 10)}, ${t.label}, ${startCases} cases before; ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}`,
    ...results.map((r, i) => `HTTP   ${fmt(r)}\ndirect ${fmt(direct[i]!)}  → application/direct ${(r.perSecond / direct[i]!.perSecond).toFixed(2)}`),
  ];
  console.log('\n' + lines.join('\n'));
  if (report) fs.writeFileSync(report, lines.join('\n') + '\n');
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
