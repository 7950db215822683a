/**
 * The schema keeps to what a Citus cluster sharded by region can do (docs/SCALING.md): every table is
 * placed on purpose (src/store/distribution.ts); a distributed table carries `region` first in its
 * primary key and in every unique index; nothing needs one node to see all rows (no foreign keys, no
 * exclusion constraints, no triggers), and generated keys are bigint identities, which Citus hands out
 * per node without a round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { TABLE_PLACEMENT } from '../src/store/distribution.js';

type Row = Record<string, unknown>;

describe.each(DB_KINDS)('schema fit for sharding by region (%s)', (kind) => {
  let t: TestContext;
  const rows = async (q: ReturnType<typeof sql>): Promise<Row[]> => ((await t.ctx.db.execute(q)) as unknown as { rows: Row[] }).rows;

  beforeAll(async () => {
    t = await makeTestContext(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('places every table, and every placed table exists', async () => {
    const tables = (await rows(sql`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`)).map((r) => String(r.relname));
    expect(tables.filter((name) => !(name in TABLE_PLACEMENT))).toEqual([]);
    expect(Object.keys(TABLE_PLACEMENT).filter((name) => !tables.includes(name))).toEqual([]);
  });

  it('every distributed table has region first in its primary key and in every unique index', async () => {
    const keys = await rows(sql`
      select c.relname as table_name, ic.relname as index_name, i.indisprimary as primary_key,
             (select a.attname from pg_attribute a where a.attrelid = c.oid and a.attnum = i.indkey[0]) as first_column
      from pg_index i
      join pg_class c on c.oid = i.indrelid
      join pg_class ic on ic.oid = i.indexrelid
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and (i.indisunique or i.indisprimary)`);
    const distributed = Object.entries(TABLE_PLACEMENT).filter(([, p]) => p === 'distributed').map(([name]) => name);
    const offenders = keys.filter((k) => distributed.includes(String(k.table_name)) && k.first_column !== 'region').map((k) => `${String(k.table_name)}.${String(k.index_name)}`);
    expect(offenders).toEqual([]);
    const withPrimaryKey = new Set(keys.filter((k) => k.primary_key).map((k) => String(k.table_name)));
    expect(distributed.filter((name) => !withPrimaryKey.has(name))).toEqual([]);
    const regionColumns = await rows(sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'region' and is_nullable = 'NO'`);
    const withRegion = new Set(regionColumns.map((r) => String(r.table_name)));
    expect(distributed.filter((name) => !withRegion.has(name))).toEqual([]);
  });

  it('nothing needs one node to see every row: no foreign keys, exclusion constraints or triggers', async () => {
    expect(await rows(sql`select conname, conrelid::regclass::text as on_table from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = 'public' and contype in ('f', 'x')`)).toEqual([]);
    expect(await rows(sql`select tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and not t.tgisinternal`)).toEqual([]);
  });

  it('generated keys are bigint identities (no serial sequences shared across the cluster)', async () => {
    const generated = await rows(sql`
      select table_name, column_name, data_type, is_identity from information_schema.columns
      where table_schema = 'public' and (is_identity = 'YES' or column_default like 'nextval(%')`);
    expect(generated.length).toBeGreaterThan(0);
    expect(generated.filter((g) => g.is_identity !== 'YES' || g.data_type !== 'bigint')).toEqual([]);
  });
});
