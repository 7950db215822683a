/**
 * Reads at scale (issue 8): over the real server's HTTP API (`node bin/xinfang.js serve` in a child
 * process) on a deployment filled by bench/generate.ts, one request at a time:
 * - a handler's queue page (案件办理, the first 20 of his unit's handling queue, overdue first), for the
 *   handlers of the 20 units that lead the most open cases;
 * - a Chinese full-text search over every case in the district, as the district's leader, for words
 *   citizens write (停车, 噪音, 加装电梯 …);
 * - a case page with its whole timeline, for random cases, as the leader;
 * - the cockpit's figures for the district, last 30 days and last 365 days, as the leader;
 * p50 / p95 / p99 of each, and the server's resident memory (VmRSS, peak VmHWM) at the end.
 *
 *   npx tsx bench/reads-at-scale.ts [--url postgres://…/xf_bench_1m_events | --data-dir DIR] [--iterations 200] [--report FILE]
 *
 * The cockpit reads rollups: fold the generated cases first (bench/cockpit.ts does), or the server's
 * rollup worker folds them while this runs and the figures are of a busy server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../src/store/database.js';
import { BENCH_MASTER_KEY } from './generate.js';
import { log, option } from './cli-options.js';
import { memoryOf, startServerProcess } from './server-process.js';
import { DEMO_PASSWORD } from '../src/domain/demo/org-generator.js';
import { toChinaDate, addDays } from '../src/domain/deadlines/china-date.js';

const rows = async <T>(db: Database, q: ReturnType<typeof sql>) => ((await db.db.execute(q)) as unknown as { rows: T[] }).rows;

/** Words citizens write in their petitions (searched as typed, one or two words). */
const WORDS = ['停车', '噪音', '加装电梯', '物业', '拖欠工资', '垃圾', '漏水', '违章建筑', '学位', '油烟', '路灯', '占道经营', '供暖', '拆迁补偿', '房产证', '医保', '养老金', '广场舞', '电动车充电', '积水'];

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main() {
  const url = option('--url', '');
  const dataDir = option('--data-dir', '');
  const iterations = Number(option('--iterations', '200'));
  const report = option('--report', '');
  if (!url && !dataDir) throw new Error('give --url postgres://… or --data-dir DIR (a deployment made by bench/generate.ts)');
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', MASTER_KEY: BENCH_MASTER_KEY };
  delete env.DATABASE_URL;
  if (url) Object.assign(env, { DATABASE_URL: url, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xf-reads-')) });
  else env.DATA_DIR = path.resolve(dataDir);
  const open = () => (url ? openDatabase({ databaseUrl: url }) : openDatabase({ pgliteDir: path.join(env.DATA_DIR!, 'pglite') }));

  // who reads what, chosen before the server owns the database
  const db = await open();
  const total = (await rows<{ n: number }>(db, sql`select count(*)::int as n from cases`))[0]!.n;
  const handlers = await rows<{ username: string; open: number }>(
    db,
    sql`select u.username, c.open from (
          select lead_unit_id, count(*)::int as open from cases where state in ('dispatched', 'handling') and lead_unit_id is not null group by 1 order by 2 desc limit 20) c
        join lateral (select username from users where unit_id = c.lead_unit_id and 'handler' = any(roles) and active order by username limit 1) u on true
        order by c.open desc`,
  );
  const [leader] = await rows<{ username: string }>(
    db,
    sql`select u.username from users u join org_units s on s.id = u.scope_unit_id where 'leader' = any(u.roles) and u.active order by s.depth, u.username limit 1`,
  );
  const caseIds = (await rows<{ id: string }>(db, sql`select id from cases tablesample system (1) limit ${iterations}`)).map((r) => r.id);
  await db.close();
  if (!leader || handlers.length === 0 || caseIds.length === 0) throw new Error('the deployment has no leader, handlers with open cases, or cases: fill it with bench/generate.ts');
  log(`${total} cases; ${handlers.length} handlers (their units lead ${handlers[0]!.open}…${handlers.at(-1)!.open} open cases), leader ${leader.username}`);

  const server = await startServerProcess(env, { timeoutMs: 600_000 });
  const results: string[] = [];
  try {
    const tokens = new Map<string, string>();
    const tokenOf = async (username: string) => {
      if (!tokens.has(username)) {
        const res = await fetch(`${server.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
        if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
        tokens.set(username, ((await res.json()) as { token: string }).token);
      }
      return tokens.get(username)!;
    };
    const get = async (username: string, pathAndQuery: string): Promise<number> => {
      const token = await tokenOf(username);
      const t0 = performance.now();
      const res = await fetch(`${server.base}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (!res.ok) throw new Error(`GET ${pathAndQuery} as ${username}: ${res.status}`);
      return ms;
    };
    const today = toChinaDate(new Date());
    const measure = async (name: string, make: (i: number) => [string, string]) => {
      for (let i = 0; i < Math.min(10, iterations); i++) await get(...make(i)); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < iterations; i++) ms.push(await get(...make(i)));
      ms.sort((a, b) => a - b);
      const line = `${name.padEnd(44)} p50 ${pct(ms, 50).toFixed(1).padStart(6)} ms  p95 ${pct(ms, 95).toFixed(1).padStart(6)} ms  p99 ${pct(ms, 99).toFixed(1).padStart(6)} ms  (${iterations} reads)`;
      log(line);
      results.push(line);
    };
    await measure("handler's queue page (handling, first 20)", (i) => [handlers[i % handlers.length]!.username, '/api/cases?queue=handling&limit=20']);
    await measure('full-text search, whole district (first 20)', (i) => [leader.username, `/api/cases?q=${encodeURIComponent(WORDS[i % WORDS.length]!)}&limit=20`]);
    await measure('case page with its timeline', (i) => [leader.username, `/api/cases/${caseIds[i % caseIds.length]}`]);
    await measure('cockpit figures, district, last 30 days', () => [leader.username, `/api/cockpit?from=${addDays(today, -29)}&to=${today}`]);
    await measure('cockpit figures, district, last 365 days', () => [leader.username, `/api/cockpit?from=${addDays(today, -364)}&to=${today}`]);
    const mem = memoryOf(server.child.pid!);
    const line = `server resident memory after the reads: ${mem.rssMb} MB (peak ${mem.peakMb} MB)`;
    log(line);
    results.push(line);
  } finally {
    await server.stop();
  }
  const head = `reads at scale, ${new Date().toISOString().slice(0, 10)}, ${url ? `PostgreSQL ${new URL(url).pathname.slice(1)}` : `PGlite ${env.DATA_DIR}`}, ${total} cases; ${os.cpus().length} × ${os.cpus()[0]?.model}, Node ${process.version}`;
  console.log(`\n${head}\n${results.join('\n')}`);
  if (report) fs.writeFileSync(report, `${head}\n${results.join('\n')}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
