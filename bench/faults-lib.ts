/**
 * Crash faults under load (issue 8): the real server (`node bin/xinfang.js serve`) in a child process,
 * citizens submitting cases over HTTP with an Idempotency-Key each, and the server killed with
 * SIGKILL again and again while they do. A client whose request failed retries it with the same key
 * once the server is back, as a real client would.
 *
 * Afterwards, with the server stopped:
 * - every case number a client was given exists, with that client's title;
 * - no idempotency key has two cases: there are as many cases as keys, and every replay gave the
 *   same number;
 * - `verify-audit` passes over every event chain.
 *
 * Used by `bench/faults.ts` (the full run, anyone can start it) and `test/faults.test.ts` (a short
 * run in CI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import { seedMiniOrg } from '../test/support/factories.js';
import { BIN, freePort, ROOT, sleep, startServerProcess } from './server-process.js';


export interface FaultOptions {
  /** the embedded database in a fresh directory, or PostgreSQL at this URL (an empty database) */
  databaseUrl?: string;
  kills: number;
  clients: number;
  /** how long the load runs between one server start and its kill, at random in this range (ms) */
  upMs: [number, number];
  log?: (line: string) => void;
}

export interface FaultResult {
  kills: number;
  acknowledged: number;
  replays: number;
  lost: string[];
  /** cases no idempotency key points to: with every case submitted under a key, a second case for one key would show here */
  casesWithoutKey: number;
  casesInDb: number;
  keysInDb: number;
  wrongTitle: string[];
  unexpectedStatus: Record<string, number>;
  verifyAuditCode: number | null;
  verifyAuditOutput: string;
  seconds: number;
}

/** Given the options, runs the load with kills and returns what survived. */
export async function runFaults(opts: FaultOptions): Promise<FaultResult> {
  const log = opts.log ?? (() => undefined);
  const t0 = performance.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-faults-'));
  const masterKey = crypto.randomBytes(32).toString('hex');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    MASTER_KEY: masterKey,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000',
  };
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  else delete env.DATABASE_URL;

  // the org and the public intake unit, made before the first start
  {
    const ctx = await buildContext(loadConfig(env), { logger: pino({ level: 'silent' }) });
    await seedMiniOrg(ctx);
    await ctx.database.close();
  }

  const base = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = (await startServerProcess(env, { port })).child;
  };
  const kill = async () => {
    const c = child as ChildProcess | null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };

  // what clients were told: key → number (and the title they sent)
  const acknowledged = new Map<string, { number: string; title: string }>();
  const unexpected: Record<string, number> = {};
  let replays = 0;
  let serial = 0;
  let running = true;

  /** One citizen: submits, and on any failure retries the same submission until it is acknowledged. */
  const client = async (c: number) => {
    while (running) {
      const i = serial++;
      const key = `fault-${c}-${i}-${crypto.randomUUID()}`;
      const title = `夜间施工噪音扰民 第${i}号`;
      const body = JSON.stringify({ title, content: `小区旁工地夜间施工，噪音很大，影响休息（${key}）。`, petitioner: { name: '李四', phone: `139${String(i % 1e8).padStart(8, '0')}` } });
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await fetch(`${base}/api/public/cases`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': key },
            body,
            signal: AbortSignal.timeout(15_000),
          });
          if (res.status === 201 || res.status === 200) {
            const got = (await res.json()) as { number: string };
            const before = acknowledged.get(key);
            if (before && before.number !== got.number) unexpected['replay-gave-another-number'] = (unexpected['replay-gave-another-number'] ?? 0) + 1;
            if (res.status === 200) replays++;
            acknowledged.set(key, { number: got.number, title });
            break;
          }
          if (res.status !== 503) unexpected[String(res.status)] = (unexpected[String(res.status)] ?? 0) + 1;
          await res.body?.cancel();
        } catch {
          /* the server died under us: try again when it is back */
        }
        if (!running && attempt > 200) return;
        await sleep(200);
      }
    }
  };

  await start();
  log(`server up on ${base} (${opts.databaseUrl ? 'PostgreSQL' : 'PGlite'})`);
  const clients = Array.from({ length: opts.clients }, (_, c) => client(c));
  for (let k = 1; k <= opts.kills; k++) {
    await sleep(opts.upMs[0] + Math.random() * (opts.upMs[1] - opts.upMs[0]));
    await kill();
    log(`kill ${k}/${opts.kills}: ${acknowledged.size} acknowledged so far`);
    await start();
  }
  await sleep(opts.upMs[0]);
  running = false;
  await Promise.all(clients);
  await kill(); // the last stop is a kill too: nothing may depend on a clean shutdown

  // the server is down: read what is in the database
  const ctx = await buildContext(loadConfig(env), { logger: pino({ level: 'silent' }) });
  let lost: string[] = [];
  let wrongTitle: string[] = [];
  let casesInDb = 0;
  let keysInDb = 0;
  let casesWithoutKey = 0;
  try {
    const rows = ((await ctx.db.execute(sql`select number, title from cases`)) as unknown as { rows: { number: string; title: string }[] }).rows;
    const byNumber = new Map(rows.map((r) => [r.number, r.title]));
    casesInDb = rows.length;
    lost = [...acknowledged.values()].filter((a) => !byNumber.has(a.number)).map((a) => a.number);
    wrongTitle = [...acknowledged.values()].filter((a) => byNumber.has(a.number) && byNumber.get(a.number) !== a.title).map((a) => a.number);
    keysInDb = Number(((await ctx.db.execute(sql`select count(*)::int as n from idempotency_keys`)) as unknown as { rows: { n: number }[] }).rows[0]!.n);
    casesWithoutKey = Number(
      ((await ctx.db.execute(sql`select count(*)::int as n from cases c where not exists (select 1 from idempotency_keys k where k.region = c.region and k.case_id = c.id)`)) as unknown as { rows: { n: number }[] }).rows[0]!.n,
    );
    const numbers = [...acknowledged.values()].map((a) => a.number);
    if (new Set(numbers).size !== numbers.length) unexpected['two-keys-one-number'] = numbers.length - new Set(numbers).size;
  } finally {
    await ctx.database.close();
  }

  const audit = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(process.execPath, [BIN, 'verify-audit'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => resolve({ code, out }));
  });
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    kills: opts.kills,
    acknowledged: acknowledged.size,
    replays,
    lost,
    casesWithoutKey,
    casesInDb,
    keysInDb,
    wrongTitle,
    unexpectedStatus: unexpected,
    verifyAuditCode: audit.code,
    verifyAuditOutput: audit.out.trim(),
    seconds: Math.round((performance.now() - t0) / 1000),
  };
}

/** Given a run's result, returns whether nothing was lost, doubled or broken. */
export function healthy(r: FaultResult): boolean {
  return (
    r.lost.length === 0 &&
    r.wrongTitle.length === 0 &&
    r.casesWithoutKey === 0 &&
    r.casesInDb === r.acknowledged &&
    r.keysInDb === r.casesInDb &&
    r.verifyAuditCode === 0 &&
    Object.keys(r.unexpectedStatus).length === 0
  );
}
