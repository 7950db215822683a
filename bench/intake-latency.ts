/**
 * A first intake benchmark: public submissions over real HTTP on loopback, one at a time and with
 * a few in flight, on the embedded database and on PostgreSQL. Prints cases/s and p50/p95/p99.
 *
 *   npx tsx bench/intake-latency.ts [count=1000] [concurrency=1,8]
 *
 * PostgreSQL: XINFANG_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/test) — a throwaway
 * database is created and dropped.
 */
import os from 'node:os';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import { buildApp } from '../src/http/app.js';
import { openTestDatabase } from '../test/support/databases.js';
import { seedMiniOrg } from '../test/support/factories.js';

const count = Number(process.argv[2] ?? 1000);
const levels = (process.argv[3] ?? '1,8').split(',').map(Number);

function pct(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

for (const kind of ['pglite', 'postgres'] as const) {
  const tdb = await openTestDatabase(kind);
  const config = loadConfig({ DATA_DIR: os.tmpdir() + '/xf-bench', LOG_LEVEL: 'silent', ...(tdb.url ? { DATABASE_URL: tdb.url } : {}) });
  const ctx = await buildContext(config, { database: tdb.database, logger: pino({ level: 'silent' }), masterKey: Buffer.alloc(32, 1) });
  await seedMiniOrg(ctx);
  const app = await buildApp(ctx, { rateLimit: false, logger: false, web: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  let n = 0;
  const submit = async () => {
    const i = n++;
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/public/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${kind}-${i}-${process.pid}` },
      body: JSON.stringify({ title: `小区噪音扰民 ${i}`, content: '楼下商铺夜间装修噪音很大，影响休息，请相关部门处理。', petitioner: { name: '张三', phone: `138${String(i).padStart(8, '0')}` } }),
    });
    if (res.status !== 201) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
    return performance.now() - t0;
  };
  for (const c of levels) {
    const lat: number[] = [];
    const start = performance.now();
    let left = count;
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (left-- > 0) lat.push(await submit());
      }),
    );
    const secs = (performance.now() - start) / 1000;
    lat.sort((a, b) => a - b);
    console.log(
      `${kind.padEnd(8)} concurrency ${String(c).padStart(2)}: ${lat.length} cases in ${secs.toFixed(1)} s = ${(lat.length / secs).toFixed(0)} cases/s; p50 ${pct(lat, 50).toFixed(1)} ms, p95 ${pct(lat, 95).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms`,
    );
  }
  await app.close();
  await tdb.drop();
}
