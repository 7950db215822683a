/**
 * Intake intelligence at scale (issue 5's speed targets): the duplicate check (MinHash candidates over
 * case_fingerprints' GIN index, then the same-matter query) and the routing suggestion together must add
 * ≤ 20 ms at p95 with 1,000,000 cases in PostgreSQL; classification ≥ 1,000 texts/s on one core.
 *
 *   npx tsx bench/intake-intelligence.ts [--fill [N]] [--measure] [--url postgres://…] [--probes 2000] [--registrations 500]
 *
 * Without --fill or --measure it does both. The database (default postgres://postgres@127.0.0.1:5432/xf_bench_1m)
 * is created when missing and kept: later benchmarks reuse it. The fill is resumable (every case is a pure
 * function of its index, so a second run continues from the committed count) and skipped when N cases are there.
 *
 * Texts: the public messages in ../shared/data (hot_messages, messages_train, replies bodies) cut into
 * sentences (~40 k); a fresh case is 2–7 sentences drawn from the whole pool with place names (A市, A3区) and
 * numbers swapped, so two fresh cases rarely share more than a sentence (the chance-candidate rate of real
 * text, not a wall of planted duplicates). 3.5 % of cases repeat one of the last ~40 k cases (identical,
 * cut, or reworded), 70 % of those by the same person (blind index copied). Search tokens and keywords
 * are the union of the sentences' (precomputed once per sentence), close to what a full cut would give.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { casePetitioners, caseFingerprints, cases, caseCounters, orgUnits } from '../src/store/schema.js';
import { fingerprint, signatureToInt32 } from '../src/domain/intelligence/minhash.js';
import { routingText, loadRouter } from '../src/domain/intelligence/routing-model.js';
import { generateDemoOrg, DEMO_DEPARTMENTS } from '../src/domain/demo/org-generator.js';
import { createRng, type Rng } from '../src/domain/demo/prng.js';
import { placeUnder } from '../src/services/org-units.js';
import { readCategoryFile, seedCategories } from '../src/services/seed-categories.js';
import { PUBLIC_INTAKE_UNIT, writeSetting, resolvePublicIntakeUnit } from '../src/services/settings.js';
import { sharedSegmenter } from '../src/services/segmenter.js';
import { loadStatute } from '../src/statute/load-statute.js';
import { createCipher } from '../src/domain/personal-data/cipher.js';
import type { AppContext } from '../src/services/context.js';
import { analyseText, relateToEarlierCases, routingFor } from '../src/services/intake-intelligence.js';
import { bundledRoutingModel, featuresFor } from '../src/services/routing.js';
import { findFingerprintCandidates } from '../src/store/case-fingerprints.js';
import { registerCase } from '../src/services/register-case.js';

// ------------------------------------------------------------------------------------------------
// arguments

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : undefined;
  return v && !v.startsWith('--') ? v : fallback;
};
// --fill [N]: fill, then measure; --fill-only: fill alone; --measure: measure alone; nothing: both
const doFill = flag('--fill') || flag('--fill-only') || !flag('--measure');
const doMeasure = !flag('--fill-only');
const N = Number(option('--fill', option('--fill-only', '1000000')).replace(/_/g, ''));
const URL_ = option('--url', process.env.XINFANG_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/xf_bench_1m');
const PROBES = Number(option('--probes', '2000'));
const REGISTRATIONS = Number(option('--registrations', '500'));
const REGION = 'YH';
const SEED = 20260501;
const DATA = process.env.XINFANG_DATA_DIR ?? path.resolve(import.meta.dirname, '../../shared/data');
const BATCH = 1000;
const DAY = 86_400_000;
const SPAN_DAYS = 730;
const REPEAT_SHARE = 0.035;
const SAME_PERSON_SHARE = 0.7;

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (...a: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)} load ${load()}]`, ...a);

// ------------------------------------------------------------------------------------------------
// texts

interface Sentence {
  text: string;
  tokens: string[];
  keywords: string[];
  root: string | null;
}
interface Corpus {
  sentences: Sentence[];
  titles: string[];
  /** whole public messages (title, body), for the classification throughput */
  messages: Array<{ title: string | null; body: string }>;
}

const ALIASES: Record<string, string> = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../statute/category-aliases.json'), 'utf8')).aliases;

function readJsonl(file: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(path.join(DATA, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function buildCorpus(): Corpus {
  const seg = sharedSegmenter();
  const sentences: Sentence[] = [];
  const titles: string[] = [];
  const messages: Corpus['messages'] = [];
  const seen = new Set<string>();
  for (const file of ['hot_messages.jsonl', 'messages_train.jsonl', 'replies.jsonl']) {
    for (const r of readJsonl(file)) {
      const body = String(r.body ?? '').trim();
      const title = r.title ? String(r.title).trim() : null;
      if (!body) continue;
      messages.push({ title, body });
      if (title) titles.push(title);
      const root = r.category ? (ALIASES[String(r.category)] ?? null) : null;
      for (const s of body.split(/(?<=[。！？!?；;])/)) {
        const t = s.trim();
        if (t.length < 6 || seen.has(t)) continue;
        seen.add(t);
        sentences.push({ text: t, tokens: seg.searchText(t).split(' ').filter(Boolean), keywords: seg.keywords(t, 4), root });
      }
    }
  }
  return { sentences, titles, messages };
}

/** Per-case place and number swaps: the same city letter and district number throughout one text. */
function swapper(rng: Rng) {
  const city = String.fromCharCode(65 + rng.int(0, 10));
  const district = rng.int(1, 9);
  return (s: string) =>
    s
      .replace(/[A-K]市/g, `${city}市`)
      .replace(/[A-K](\d{1,2})区/g, `${city}${district}区`)
      .replace(/\d{2,}/g, (m) => (rng.chance(0.5) ? String(rng.int(10 ** (m.length - 1), 10 ** m.length - 1)) : m));
}

interface CaseText {
  title: string;
  content: string;
  tokens: string[];
  keywords: string[];
  root: string | null;
}

function freshText(corpus: Corpus, rng: Rng): CaseText {
  const swap = swapper(rng);
  const k = rng.weighted([[2, 2], [3, 3], [4, 3], [5, 2], [6, 1], [7, 1]] as const);
  const picked = Array.from({ length: k }, () => rng.pick(corpus.sentences));
  const content = picked.map((s) => swap(s.text)).join('');
  const title = rng.chance(0.8) ? swap(rng.pick(corpus.titles)) : content.slice(0, rng.int(12, 24));
  const tokens = [...new Set(picked.flatMap((s) => s.tokens))];
  const keywords: string[] = [];
  for (let r = 0; r < 4 && keywords.length < 8; r++) for (const s of picked) if (s.keywords[r] && !keywords.includes(s.keywords[r]!) && keywords.length < 8) keywords.push(s.keywords[r]!);
  return { title, content, tokens, keywords, root: picked.find((s) => s.root)?.root ?? null };
}

/** A repeat of an earlier text: identical, cut (a sentence dropped / truncated), or lightly reworded. */
function variantText(orig: Pick<CaseText, 'title' | 'content'>, rng: Rng): Pick<CaseText, 'title' | 'content'> {
  const kind = rng.weighted([['same', 3], ['cut', 4], ['reword', 3]] as const);
  if (kind === 'same') return { title: orig.title, content: orig.content };
  const parts = orig.content.split(/(?<=[。！？!?；;])/).filter(Boolean);
  if (kind === 'cut') {
    if (parts.length > 2) parts.splice(rng.int(0, parts.length - 1), 1);
    const text = parts.join('');
    return { title: rng.chance(0.5) ? `再次反映：${orig.title}` : orig.title, content: text.slice(0, Math.max(20, Math.floor(text.length * rng.float(0.7, 1)))) };
  }
  // reword: change a few characters here and there, add a closing sentence
  const chars = [...orig.content];
  const edits = Math.max(1, Math.floor(chars.length * 0.03));
  for (let e = 0; e < edits; e++) chars[rng.int(0, chars.length - 1)] = rng.pick([...'的了是在有和请问题小区反映']);
  return { title: orig.title, content: chars.join('') + rng.pick(['希望尽快解决。', '此前已反映多次，至今未果。', '请领导重视。']) };
}

// ------------------------------------------------------------------------------------------------
// the fill: every case a pure function of its index

interface Org {
  grids: Array<{ id: string; path: string }>;
  streets: Array<{ id: string; path: string }>;
  petitionOffice: { id: string; path: string };
  deptByRoot: Map<string, { id: string; path: string }>;
  leafByRoot: Map<string, string[]>;
  roots: string[];
}

const hex = (s: string, n = 32) => crypto.createHash('sha256').update(s).digest('hex').slice(0, n);
const uuidOf = (label: string) => {
  const h = hex(label);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const caseId = (i: number) => uuidOf(`xfbench:case:${i}`);

interface Plan {
  i: number;
  text: CaseText;
  repeatOf: number | null;
  person: number;
}

class Planner {
  private memo = new Map<number, Plan>();
  constructor(private corpus: Corpus) {}
  plan(i: number): Plan {
    const hit = this.memo.get(i);
    if (hit) return hit;
    const rng = createRng(SEED ^ Math.imul(i + 1, 0x9e3779b1));
    let p: Plan;
    if (i > 100 && rng.chance(REPEAT_SHARE)) {
      const j = i - rng.int(1, Math.min(i, 40_000));
      const orig = this.plan(j);
      const v = variantText(orig.text, rng);
      p = { i, text: { ...orig.text, ...v }, repeatOf: j, person: rng.chance(SAME_PERSON_SHARE) ? orig.person : 10_000_000 + i };
    } else {
      // 15 % from a pool of 20 k people who write about many things
      p = { i, text: freshText(this.corpus, rng), repeatOf: null, person: rng.chance(0.15) ? rng.int(0, 19_999) : 10_000_000 + i };
    }
    this.memo.set(i, p);
    if (this.memo.size > 120_000) for (const k of [...this.memo.keys()].slice(0, 60_000)) this.memo.delete(k);
    return p;
  }
}

function receivedAt(i: number, n: number, end: number): Date {
  const start = end - SPAN_DAYS * DAY;
  const step = (SPAN_DAYS * DAY) / n;
  const jitter = (Math.imul(i + 7, 0x85ebca6b) >>> 0) / 2 ** 32;
  return new Date(Math.floor(start + (i + jitter) * step));
}

const chinaYear = (d: Date) => new Date(d.getTime() + 8 * 3600_000).getUTCFullYear();

const OPEN_PICK = [['registered', 2], ['accepted', 2], ['dispatched', 2], ['handling', 5], ['replied', 2], ['visited', 1]] as const;
const CLOSED_PICK = [['closed', 85], ['final', 3], ['answered_on_spot', 5], ['refused', 2], ['withdrawn', 3], ['merged', 2]] as const;
const NO_LEAD = new Set(['registered', 'accepted', 'refused', 'answered_on_spot', 'withdrawn']);

async function ensureDatabase(url: string) {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  const { rows } = await c.query('select 1 from pg_database where datname = $1', [name]);
  if (!rows.length) {
    await c.query(`create database "${name}" encoding 'UTF8' template template0 lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
    log(`created database ${name}`);
  }
  await c.end();
}

/** Secondary indexes dropped during the fill and rebuilt after (saved in bench_fill_indexes so a resume finds them). */
const FILL_TABLES = ['cases', 'case_petitioners', 'case_fingerprints'];

type Col = [name: string, type: string];
const CASE_COLS: Col[] = [
  ['region', 'text'], ['id', 'uuid'], ['number', 'text'], ['query_code_hash', 'text'], ['channel', 'text'], ['nature', 'text'], ['category_code', 'text'],
  ['title', 'text'], ['content', 'text'], ['search_text', 'text'], ['urgency', 'text'], ['state', 'text'], ['rule_set_id', 'text'], ['owner_unit_id', 'uuid'],
  ['grid_unit_id', 'uuid'], ['lead_unit_id', 'uuid'], ['unit_paths', 'text[]'], ['flags', 'text[]'], ['petitioner_count', 'int4'], ['snapshot', 'jsonb'],
  ['next_due_at', 'timestamptz'], ['next_due_clock', 'text'], ['received_at', 'timestamptz'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'],
  ['closed_at', 'timestamptz'], ['keywords', 'text[]'], ['matter_id', 'uuid'], ['repeat_of_id', 'uuid'],
];
const PETITIONER_COLS: Col[] = [
  ['region', 'text'], ['case_id', 'uuid'], ['seq', 'int4'], ['name_enc', 'text'], ['name_mask', 'text'], ['id_number_enc', 'text'], ['id_number_mask', 'text'],
  ['id_number_bidx', 'text'], ['phone_enc', 'text'], ['phone_mask', 'text'], ['phone_bidx', 'text'],
];
const FINGERPRINT_COLS: Col[] = [['region', 'text'], ['case_id', 'uuid'], ['bands', 'int4[]'], ['signature', 'int4[]'], ['shingles', 'int4'], ['received_at', 'timestamptz']];

/** An array value as a PostgreSQL array literal (the column's parameter is text[] of these, cast per row). */
const arrayLiteral = (xs: ReadonlyArray<string | number>) => `{${xs.map((x) => (typeof x === 'number' ? String(x) : `"${x.replace(/["\\]/g, (m) => `\\${m}`)}"`)).join(',')}}`;

function insertUnnest(c: pg.Client, table: string, cols: Col[], rows: unknown[][]) {
  const base = (t: string) => (t.endsWith('[]') || t === 'jsonb' ? 'text' : t);
  const params = cols.map(([, t], k) =>
    rows.map((r) => {
      const v = r[k];
      if (v === null || v === undefined) return null;
      if (t.endsWith('[]')) return arrayLiteral(v as Array<string | number>);
      if (t === 'jsonb') return JSON.stringify(v);
      if (v instanceof Date) return v.toISOString();
      return v;
    }),
  );
  const text = `insert into ${table} (${cols.map(([n]) => n).join(', ')}) select ${cols.map(([, t], k) => (base(t) === t ? `c${k}` : `c${k}::${t}`)).join(', ')}
    from unnest(${cols.map(([, t], k) => `$${k + 1}::${base(t)}[]`).join(', ')}) as u(${cols.map((_, k) => `c${k}`).join(', ')})`;
  return c.query(text, params);
}

async function raw(database: Database, q: string) {
  return (await database.db.execute(sql.raw(q))) as unknown as { rows: Array<Record<string, unknown>> };
}

async function setupOrg(ctx: AppContext): Promise<Org> {
  const db = ctx.db;
  const [{ n }] = (await db.select({ n: sql<number>`count(*)::int` }).from(orgUnits)) as [{ n: number }];
  if (n === 0) {
    const org = generateDemoOrg(7);
    const ids = new Map<string, string>();
    const paths = new Map<string, { path: string; depth: number }>();
    const rows = org.units.map((u) => {
      const id = uuidOf(`xfbench:unit:${u.key}`);
      ids.set(u.key, id);
      const p = placeUnder(u.parentKey ? paths.get(u.parentKey) : null, id);
      paths.set(u.key, p);
      return { id, parentId: u.parentKey ? ids.get(u.parentKey)! : null, kind: u.kind, level: u.level, name: u.name, code: u.code, path: p.path, depth: p.depth, region: REGION, active: true, lat: u.lat ?? null, lng: u.lng ?? null };
    });
    await db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) await tx.insert(orgUnits).values(rows.slice(i, i + 500));
    });
    await writeSetting(db, PUBLIC_INTAKE_UNIT, ids.get('dept-district-petition'));
    await seedCategories(ctx);
    log(`org: ${rows.length} units; categories seeded`);
  }
  const units = await db.select({ id: orgUnits.id, kind: orgUnits.kind, level: orgUnits.level, code: orgUnits.code, path: orgUnits.path }).from(orgUnits);
  const byId = new Map(units.map((u) => [u.id, u]));
  const key = (k: string) => byId.get(uuidOf(`xfbench:unit:${k}`))!;
  const deptByRoot = new Map<string, { id: string; path: string }>();
  for (const d of DEMO_DEPARTMENTS.filter((d) => d.level === 'district')) for (const r of d.remit) if (!deptByRoot.has(r.slice(0, 2))) deptByRoot.set(r.slice(0, 2), key(d.key));
  const cats = readCategoryFile();
  const leafByRoot = new Map<string, string[]>();
  for (const c of cats.filter((c) => c.level === 3)) leafByRoot.set(c.code.slice(0, 2), [...(leafByRoot.get(c.code.slice(0, 2)) ?? []), c.code]);
  return {
    grids: units.filter((u) => u.kind === 'grid'),
    streets: units.filter((u) => u.kind === 'street'),
    petitionOffice: key('dept-district-petition'),
    deptByRoot,
    leafByRoot,
    roots: cats.filter((c) => c.level === 1).map((c) => c.code),
  };
}

async function fill(ctx: AppContext, corpus: Corpus) {
  const database = ctx.database;
  const t0 = performance.now();
  const org = await setupOrg(ctx);
  const [{ have }] = (await raw(database, 'select count(*)::int as have from cases')).rows as [{ have: number }];
  if (have >= N) {
    log(`fill: ${have} cases already there (≥ ${N}); skipped`);
    await rebuildIndexes(database);
    return { seconds: 0, skipped: true };
  }
  // Drop the secondary indexes for the bulk load (saved first, rebuilt at the end).
  await raw(database, 'create table if not exists bench_fill_indexes (name text primary key, def text not null)');
  await raw(
    database,
    `insert into bench_fill_indexes select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename in (${FILL_TABLES.map((t) => `'${t}'`).join(',')})
       and indexname not like '%_pk' on conflict do nothing`,
  );
  const saved = (await raw(database, 'select name from bench_fill_indexes')).rows.map((r) => String(r.name));
  for (const name of saved) await raw(database, `drop index if exists "${name}"`);
  log(`fill: ${have} cases there, writing ${N - have} more (secondary indexes dropped: ${saved.join(', ')})`);

  // Case numbers: per China year, in receipt order (i ascending is time ascending).
  const end = await fillEnd(database); // fixed at the first fill, so a resumed fill makes the same cases
  const yearSeq = new Int32Array(N);
  const yearOf = new Int16Array(N);
  const counters = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    const y = chinaYear(receivedAt(i, N, end));
    const s = (counters.get(y) ?? 0) + 1;
    counters.set(y, s);
    yearOf[i] = y;
    yearSeq[i] = s;
  }
  const planner = new Planner(corpus);
  const snapshotOf = (state: string, lead: string | null, rec: Date) =>
    ({
      state,
      leadUnitId: lead,
      assistUnitIds: [],
      ownerLeaderId: null,
      hearing: false,
      extension: 'none',
      reworkCount: 0,
      lastVisit: null,
      clocks: { forward: { startedAt: rec.toISOString(), dueAt: new Date(rec.getTime() + 15 * DAY).toISOString(), pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: state === 'registered' ? null : new Date(rec.getTime() + 3 * DAY).toISOString() } },
    }) as Record<string, unknown>;
  const enc = (label: string) => `v1.${Buffer.from(hex(label, 24), 'hex').toString('base64url')}.${Buffer.from(hex(`${label}:ct`, 64), 'hex').toString('base64url')}`;

  const build = (from: number, to: number) => {
    const cRows: unknown[][] = [];
    const pRows: unknown[][] = [];
    const fRows: unknown[][] = [];
    for (let i = from; i < to; i++) {
      const p = planner.plan(i);
      const rng = createRng(SEED ^ Math.imul(i + 3, 0xc2b2ae35));
      const rec = receivedAt(i, N, end);
      const ageDays = (end - rec.getTime()) / DAY;
      const open = rng.chance(ageDays < 60 ? 0.8 : 0.037);
      let state: string = open ? rng.weighted(OPEN_PICK) : rng.weighted(CLOSED_PICK);
      if (state === 'merged' && p.repeatOf === null) state = 'closed';
      const root = p.text.root ?? rng.weighted(org.roots.map((r, k) => [r, k < 7 ? 10 : 2] as const));
      const category = rng.chance(0.9) ? rng.pick(org.leafByRoot.get(root) ?? [root]) : null;
      const grid = rng.chance(0.6) ? rng.pick(org.grids) : null;
      const owner = grid ?? org.petitionOffice;
      const lead = NO_LEAD.has(state) ? null : rng.chance(0.7) && org.deptByRoot.get(root) ? org.deptByRoot.get(root)! : rng.pick(org.streets);
      const id = caseId(i);
      const matterRoot = p.repeatOf === null ? null : (() => {
        let r = p.repeatOf;
        while (planner.plan(r).repeatOf !== null) r = planner.plan(r).repeatOf!;
        return r;
      })();
      const samePerson = p.repeatOf !== null && planner.plan(p.repeatOf).person === p.person;
      const number = `${REGION}-${yearOf[i]}-${String(yearSeq[i]).padStart(6, '0')}`;
      const channel = grid ? rng.pick(['qr', 'grid_report', 'online']) : rng.pick(['online', 'phone', 'letter', 'visit', 'transfer_12345']);
      const nature = rng.chance(0.05) ? 'suggestion' : 'appeal';
      const closedAt = open ? null : new Date(rec.getTime() + rng.int(3, 60) * DAY);
      cRows.push([
        REGION, id, number, hex(`q${i}`, 64), channel, nature, category,
        p.text.title, p.text.content, p.text.tokens.join(' ') || ' ', 'normal', state, 'reg2022', owner.id,
        grid?.id ?? null, lead?.id ?? null, lead ? [owner.path, lead.path] : [owner.path], samePerson ? ['repeat'] : [], 1, snapshotOf(state, lead?.id ?? null, rec),
        open ? new Date(rec.getTime() + 60 * DAY) : null, open ? 'handling' : null, rec, rec, rec,
        closedAt, p.text.keywords, matterRoot === null ? null : caseId(matterRoot), samePerson ? caseId(p.repeatOf!) : null,
      ]);
      const hasId = (p.person * 2654435761) % 10 < 6;
      pRows.push([
        REGION, id, 1, enc(`n${i}`), '张*', hasId ? enc(`i${i}`) : null, hasId ? '330***********1234' : null,
        hasId ? hex(`id:${p.person}`) : null, enc(`p${i}`), '138****5678', hex(`phone:${p.person}`),
      ]);
      const fp = fingerprint(routingText({ title: p.text.title, body: p.text.content }));
      fRows.push([REGION, id, fp.bands, signatureToInt32(fp.signature), fp.shingles, rec]);
    }
    return { cRows, pRows, fRows };
  };

  // Raw node-postgres with one array parameter per column (insert … select from unnest): drizzle's row-by-row
  // parameter building kept the database waiting on this process.
  const writer = new pg.Client({ connectionString: URL_ });
  await writer.connect();
  const write = async (b: ReturnType<typeof build>) => {
    const q1 = writer.query('begin');
    const q2 = writer.query('set local synchronous_commit = off');
    const q3 = insertUnnest(writer, 'cases', CASE_COLS, b.cRows);
    const q4 = insertUnnest(writer, 'case_petitioners', PETITIONER_COLS, b.pRows);
    const q5 = insertUnnest(writer, 'case_fingerprints', FINGERPRINT_COLS, b.fRows);
    const q6 = writer.query('commit');
    await Promise.all([q1, q2, q3, q4, q5, q6]);
  };

  let pending: Promise<unknown> | null = null;
  let lastLog = performance.now();
  let buildMs = 0, waitMs = 0;
  for (let from = have; from < N; from += BATCH) {
    const b0 = performance.now();
    const b = build(from, Math.min(N, from + BATCH)); // built while the previous batch is written
    const b1 = performance.now();
    if (pending) await pending;
    buildMs += b1 - b0;
    waitMs += performance.now() - b1;
    pending = write(b);
    if (performance.now() - lastLog > 15_000) {
      lastLog = performance.now();
      log(`fill: ${from} / ${N} (${((from - have) / ((performance.now() - t0) / 1000)).toFixed(0)} cases/s; building ${(buildMs / 1000).toFixed(0)} s, waiting for the database ${(waitMs / 1000).toFixed(0)} s)`);
    }
  }
  await pending;
  await writer.end();
  const writeSecs = (performance.now() - t0) / 1000;
  log(`fill: rows written in ${writeSecs.toFixed(0)} s`);
  // matters: the first case of each matter carries its own id (as joinMatter leaves it)
  await raw(database, `update cases set matter_id = id where matter_id is null and id in (select distinct matter_id from cases where matter_id is not null)`);
  for (const [year, last] of counters) {
    await ctx.db
      .insert(caseCounters)
      .values({ region: REGION, year, last })
      .onConflictDoUpdate({ target: [caseCounters.region, caseCounters.year], set: { last: sql`greatest(${caseCounters.last}, ${last})` } });
  }
  // every case has its fingerprint and keywords: the boot-time backfill (intelligence-backfill.ts) need not look
  await writeSetting(ctx.db, 'intelligence.backfilled', { at: new Date().toISOString(), cases: 0, by: 'bench/intake-intelligence.ts' });
  const idx = await rebuildIndexes(database);
  const seconds = (performance.now() - t0) / 1000;
  log(`fill: done in ${seconds.toFixed(0)} s (rows ${writeSecs.toFixed(0)} s, indexes ${idx.toFixed(0)} s)`);
  return { seconds, writeSecs, indexSecs: idx, skipped: false };
}

/** The moment the fill's two years end: now at the first fill, remembered for a resume. */
async function fillEnd(database: Database): Promise<number> {
  await raw(database, 'create table if not exists bench_fill_meta (key text primary key, value text not null)');
  await raw(database, `insert into bench_fill_meta values ('end', '${Date.now()}') on conflict do nothing`);
  return Number((await raw(database, `select value from bench_fill_meta where key = 'end'`)).rows[0]!.value);
}

async function rebuildIndexes(database: Database): Promise<number> {
  const t0 = performance.now();
  const exists = (await raw(database, `select to_regclass('bench_fill_indexes') is not null as e`)).rows[0]!.e;
  if (!exists) return 0;
  const saved = (await raw(database, 'select name, def from bench_fill_indexes')).rows as Array<{ name: string; def: string }>;
  const present = new Set((await raw(database, `select indexname from pg_indexes where schemaname = 'public'`)).rows.map((r) => String(r.indexname)));
  const missing = saved.filter((s) => !present.has(s.name));
  if (!missing.length) return 0;
  // two connections with room to sort (the text index alone takes as long as all the others): GIN and
  // btree builds after the load are far faster than row by row
  const lanes = [missing.filter((s) => s.name === 'cases_search_idx'), missing.filter((s) => s.name !== 'cases_search_idx')];
  await Promise.all(
    lanes.map(async (lane) => {
      const c = new pg.Client({ connectionString: URL_ });
      await c.connect();
      await c.query(`set maintenance_work_mem = '1GB'`);
      await c.query('set max_parallel_maintenance_workers = 0');
      for (const s of lane) {
        const t = performance.now();
        await c.query(s.def);
        log(`index ${s.name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }
      await c.end();
    }),
  );
  const c = new pg.Client({ connectionString: URL_ });
  await c.connect();
  for (const t of FILL_TABLES) await c.query(`vacuum analyze ${t}`);
  await c.end();
  return (performance.now() - t0) / 1000;
}

// ------------------------------------------------------------------------------------------------
// measuring

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const f1 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(x < 10 ? 2 : 1));
const row = (name: string, xs: number[]) => {
  const s = stats(xs);
  return `| ${name} | ${s.n} | ${f1(s.p50)} | ${f1(s.p95)} | ${f1(s.p99)} | ${f1(s.max)} | ${f1(s.mean)} |`;
};
const HEAD = '| what | n | p50 ms | p95 ms | p99 ms | max ms | mean ms |\n|---|---:|---:|---:|---:|---:|---:|';

interface Probe {
  kind: 'near-duplicate' | 'fresh';
  title: string;
  content: string;
  idIndexes: string[];
  phoneIndexes: string[];
}

async function makeProbes(ctx: AppContext, corpus: Corpus, now: Date): Promise<Probe[]> {
  const half = Math.floor(PROBES / 2);
  // existing cases of the last 300 days (the window is 365): their text lightly changed, the same person's blind index
  const sample = (await ctx.db.execute(sql`
    select c.title, c.content, p.id_number_bidx, p.phone_bidx from cases c tablesample system (2) repeatable (42)
    join case_petitioners p on p.region = c.region and p.case_id = c.id
    where c.region = ${REGION} and c.received_at > ${new Date(now.getTime() - 300 * DAY)} and c.state not in ('merged', 'withdrawn')
    limit ${half}`)) as unknown as { rows: Array<{ title: string; content: string; id_number_bidx: string | null; phone_bidx: string | null }> };
  const rng = createRng(SEED + 99);
  const near: Probe[] = sample.rows.map((r) => ({
    kind: 'near-duplicate',
    ...variantText({ title: r.title, content: r.content }, rng),
    idIndexes: r.id_number_bidx ? [r.id_number_bidx] : [],
    phoneIndexes: r.phone_bidx ? [r.phone_bidx] : [],
  }));
  const fresh: Probe[] = Array.from({ length: PROBES - near.length }, (_, k) => {
    const t = freshText(corpus, createRng(SEED + 1_000_000 + k));
    return { kind: 'fresh', title: t.title, content: t.content, idIndexes: [], phoneIndexes: [hex(`probe-phone:${k}`)] };
  });
  return rng.shuffle([...near, ...fresh]);
}

async function explain(ctx: AppContext, text: string, params: unknown[]): Promise<string> {
  const c = new pg.Client({ connectionString: URL_ });
  await c.connect();
  const { rows } = await c.query(`explain (analyze, buffers) ${text}`, params);
  await c.end();
  return rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
}

async function measure(ctx: AppContext, corpus: Corpus, report: string[]) {
  const now = ctx.now();
  const intake = await resolvePublicIntakeUnit(ctx.db);
  const probes = await makeProbes(ctx, corpus, now);
  log(`measure: ${probes.length} probes (${probes.filter((p) => p.kind === 'near-duplicate').length} near-duplicates)`);

  // 1. the intake intelligence per probe, inside a transaction as at registration (rolled back)
  const t = { analyse: [] as number[], relate: [] as number[], routing: [] as number[], total: [] as number[] };
  const byKind = { 'near-duplicate': [] as number[], fresh: [] as number[] };
  const warm: number[] = [];
  const cold: Array<{ k: number; ms: number; why: string }> = [];
  const seenRoots = new Set<string>();
  let found = 0, repeats = 0, noUnit = 0;
  const foundBy = { 'near-duplicate': 0, fresh: 0 };
  for (let k = 0; k < probes.length; k++) {
    const p = probes[k]!;
    const res = await ctx.db
      .transaction(async (tx) => {
        const a0 = performance.now();
        const analysis = analyseText(ctx, p.title, p.content);
        const a1 = performance.now();
        const relation = await relateToEarlierCases(tx, REGION, analysis.fingerprint, { idIndexes: p.idIndexes, phoneIndexes: p.phoneIndexes }, { now });
        const a2 = performance.now();
        const routing = await routingFor(ctx, tx, { title: p.title, content: p.content, placePath: intake.path, words: analysis.words });
        const a3 = performance.now();
        throw new Rollback({ a0, a1, a2, a3, relation, routing });
      })
      .catch((e: unknown) => {
        if (e instanceof Rollback) return e.value;
        throw e;
      });
    const { a0, a1, a2, a3, relation, routing } = res as { a0: number; a1: number; a2: number; a3: number; relation: Awaited<ReturnType<typeof relateToEarlierCases>>; routing: Awaited<ReturnType<typeof routingFor>> };
    t.analyse.push(a1 - a0);
    t.relate.push(a2 - a1);
    t.routing.push(a3 - a2);
    t.total.push(a3 - a0);
    byKind[p.kind].push(a3 - a0);
    if (relation.sameMatter.length) found++;
    if (relation.sameMatter.length) foundBy[p.kind]++;
    if (relation.repeatOf) repeats++;
    if (!routing?.unit) noUnit++;
    const root = routing?.category?.code ?? '-';
    if (k === 0 || !seenRoots.has(root)) cold.push({ k, ms: a3 - a0, why: k === 0 ? 'first probe: model load, root categories, history of its category' : `first probe of category ${root}: dispatch-history query` });
    else warm.push(a3 - a0);
    seenRoots.add(root);
  }
  report.push(`### Intake intelligence per probe (${probes.length} probes, inside a transaction as in registerCase, rolled back)\n`);
  report.push(HEAD);
  report.push(row('analyseText (jieba cut + keywords + MinHash)', t.analyse));
  report.push(row('relateToEarlierCases (candidates + same-matter query)', t.relate));
  report.push(row('routingFor (classify + caches/history)', t.routing));
  report.push(row('**all three (the intake addition)**', t.total));
  report.push(row('… near-duplicate probes', byKind['near-duplicate']));
  report.push(row('… fresh probes', byKind.fresh));
  report.push(row('… warm (category seen before)', warm));
  report.push('');
  report.push(`${found} of ${probes.length} probes found one or more same-matter cases (near-duplicate probes ${foundBy['near-duplicate']}, fresh ${foundBy.fresh}); ${repeats} linked as the same person's repeat; ${noUnit} had no unit suggestion.`);
  report.push(`Cold calls (not in the warm row): ${cold.map((c) => `#${c.k} ${c.ms.toFixed(1)} ms (${c.why})`).join('; ')}.\n`);
  log('measure: probes done');

  // 2. explains for one probe
  const probe = probes.find((p) => p.kind === 'near-duplicate')!;
  const fp = fingerprint(routingText({ title: probe.title, body: probe.content }));
  const bands = `{${fp.bands.map((b) => b | 0).join(',')}}`;
  const since = new Date(now.getTime() - 365 * DAY);
  // the shapes findFingerprintCandidates and relateToEarlierCases send (src/store/case-fingerprints.ts, src/services/intake-intelligence.ts)
  const candExplain = await explain(
    ctx,
    `with hits as materialized (
      select g.case_id, g.bands, g.signature, g.shingles, g.received_at from unnest($2::int4[]) as k(key)
      cross join lateral (select f.case_id, f.bands, f.signature, f.shingles, f.received_at from case_fingerprints f
        where f.region = $1 and f.bands && array[k.key] and f.received_at >= $3 limit 200) g)
    select distinct on (received_at, case_id) case_id, bands, signature, shingles, received_at from hits order by received_at desc, case_id limit 200`,
    [REGION, bands, since],
  );
  const oldExplain = await explain(
    ctx,
    `select case_id, bands, signature, shingles, received_at from case_fingerprints where region = $1 and bands && $2::int4[] and received_at >= $3 order by received_at desc, case_id limit 200`,
    [REGION, bands, since],
  );
  const candIds = { rows: (await findFingerprintCandidates(ctx.db, REGION, fp, { since })).map((c) => ({ case_id: c.caseId })) };
  const relExplain = await explain(
    ctx,
    `select "id", "number", "state", "matter_id", "received_at", exists (select 1 from "case_petitioners" where "case_petitioners"."region" = "cases"."region" and "case_petitioners"."case_id" = "cases"."id"
       and ("case_petitioners"."id_number_bidx" = any($3) or "case_petitioners"."phone_bidx" = any($4)))
     from "cases" where "cases"."region" = $1 and "cases"."id" = any($2::uuid[]) and "cases"."state" not in ('merged', 'withdrawn')`,
    [REGION, candIds.rows.map((r) => r.case_id), probe.idIndexes, probe.phoneIndexes],
  );
  const histExplain = await explain(
    ctx,
    `select lead, count(*)::int as n, sum(count(*)) over ()::int as total from (select lead_unit_id as lead from cases where region = $1 and lead_unit_id is not null and left(category_code, 2) = $2 order by received_at desc limit 2000) recent group by lead order by count(*) desc limit 1`,
    [REGION, '01'],
  );
  const histExplainRare = await explain(
    ctx,
    `select lead, count(*)::int as n, sum(count(*)) over ()::int as total from (select lead_unit_id as lead from cases where region = $1 and lead_unit_id is not null and left(category_code, 2) = $2 order by received_at desc limit 2000) recent group by lead order by count(*) desc limit 1`,
    [REGION, '15'],
  );
  report.push(`### EXPLAIN (ANALYZE, BUFFERS) for one near-duplicate probe\n`);
  report.push('Fingerprint candidates (findFingerprintCandidates, one GIN probe per band key):\n\n```\n' + candExplain + '\n```\n');
  report.push('The same probe in the earlier shape, `bands && <42 keys>` (planner guesses 19 % of rows):\n\n```\n' + oldExplain + '\n```\n');
  report.push(`Same-matter query over its ${candIds.rows.length} candidates (relateToEarlierCases; all candidates, before sameMatter filters them):\n\n` + '```\n' + relExplain + '\n```\n');
  report.push('Dispatch history (routing.ts unit fallback), common category 01:\n\n```\n' + histExplain + '\n```\n');
  report.push('Dispatch history, rare category 15:\n\n```\n' + histExplainRare + '\n```\n');

  // candidate counts per probe (how many rows the GIN probe returns, before the 200 cap)
  const counts: number[] = [];
  for (const p of probes.slice(0, Math.min(200, probes.length))) {
    const f = fingerprint(routingText({ title: p.title, body: p.content }));
    counts.push((await findFingerprintCandidates(ctx.db, REGION, f, { since, limit: 100_000 })).length);
  }
  const cs = stats(counts);
  report.push(`Candidates per probe (band matches within 365 days, findFingerprintCandidates without its cap, ${counts.length} probes): p50 ${cs.p50}, p95 ${cs.p95}, max ${cs.max}, mean ${cs.mean.toFixed(1)}.\n`);

  // 3. sizes
  const sizes = (await ctx.db.execute(sql`
    select c.relname as name, pg_size_pretty(pg_table_size(c.oid)) as "table", pg_size_pretty(pg_indexes_size(c.oid)) as indexes, pg_size_pretty(pg_total_relation_size(c.oid)) as total,
      (select string_agg(i.relname || ' ' || pg_size_pretty(pg_relation_size(i.oid)), ', ' order by pg_relation_size(i.oid) desc) from pg_index x join pg_class i on i.oid = x.indexrelid where x.indrelid = c.oid) as each_index
    from pg_class c where c.relname in ('cases', 'case_fingerprints', 'case_petitioners') order by c.relname`)) as unknown as { rows: Array<Record<string, string>> };
  report.push('### Table and index sizes\n\n| table | table (with TOAST) | indexes | total | each index |\n|---|---:|---:|---:|---|');
  for (const r of sizes.rows) report.push(`| ${r.name} | ${r.table} | ${r.indexes} | ${r.total} | ${r.each_index} |`);
  report.push('');

  // 4. full registrations, public intake (no actor, no grid), concurrency 1, committed; removed afterwards
  const regs: number[] = [];
  const regKinds = { 'near-duplicate': [] as number[], fresh: [] as number[] };
  const made: string[] = [];
  const regProbes = probes.slice(0, REGISTRATIONS);
  for (let k = 0; k < regProbes.length; k++) {
    const p = regProbes[k]!;
    const t0 = performance.now();
    const r = await registerCase(ctx, null, {
      channel: 'online',
      nature: 'appeal',
      title: p.title.slice(0, 100),
      content: p.content,
      petitioners: [{ name: '张三', phone: `139${String(10_000_000 + k * 7919).slice(-8)}`, idNumber: null }],
    });
    const ms = performance.now() - t0;
    regs.push(ms);
    regKinds[p.kind].push(ms);
    made.push(r.caseId);
  }
  if (!regs.length) return;
  report.push(`### Full registerCase (public intake, concurrency 1, ${regs.length} cases, each its own committed transaction)\n`);
  report.push(HEAD);
  report.push(row('registerCase, all', regs));
  report.push(row('… near-duplicate texts (other person)', regKinds['near-duplicate']));
  report.push(row('… fresh texts', regKinds.fresh));
  report.push('');
  log('measure: registrations done; removing them');
  await cleanup(ctx, made);
}

class Rollback {
  constructor(public value: unknown) {}
}

/** Removes the bench's registrations (every table with a case_id, warnings naming them) and resets the counters. */
async function cleanup(ctx: AppContext, ids: string[]) {
  if (!ids.length) return;
  const c = new pg.Client({ connectionString: URL_ });
  await c.connect();
  await c.query('begin');
  const { rows: tables } = await c.query(`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'case_id' and table_name <> 'cases'`);
  for (const t of tables) await c.query(`delete from "${t.table_name}" where case_id = any($1::uuid[])`, [ids]);
  const { rows: ws } = await c.query(`select id from warnings where case_ids && $1::uuid[]`, [ids]);
  if (ws.length) {
    await c.query(`delete from warning_events where warning_id = any($1::uuid[])`, [ws.map((w) => w.id)]);
    await c.query(`delete from warnings where id = any($1::uuid[])`, [ws.map((w) => w.id)]);
  }
  await c.query(`delete from cases where id = any($1::uuid[])`, [ids]);
  await c.query(`update case_counters k set last = coalesce((select max(substring(number from '[0-9]+$')::int) from cases where region = k.region and number like k.region || '-' || k.year || '-%'), 0)`);
  await c.query('commit');
  await c.end();
}

// ------------------------------------------------------------------------------------------------
// classification throughput (one core: this process, one thread)

function throughput(corpus: Corpus, report: string[]) {
  const seg = sharedSegmenter();
  const router = loadRouter(bundledRoutingModel());
  const msgs = corpus.messages;
  // warm-up
  for (const m of msgs.slice(0, 300)) router.suggest(featuresFor(seg, { title: m.title, content: m.body }));
  const rounds = 2;
  let n = 0;
  let chars = 0;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const m of msgs) {
    router.suggest(featuresFor(seg, { title: m.title, content: m.body }));
    n++;
    chars += m.body.length;
  }
  const secs = (performance.now() - t0) / 1000;
  // parts: the cut alone, and features + classify with the words given
  const t1 = performance.now();
  const words = msgs.map((m) => seg.words(routingText({ title: m.title, body: m.body })));
  const cutSecs = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  msgs.forEach((m, k) => router.suggest(featuresFor(seg, { title: m.title, content: m.body, words: words[k] })));
  const clsSecs = (performance.now() - t2) / 1000;
  const t3 = performance.now();
  for (let r = 0; r < 3; r++) for (const m of msgs) fingerprint(routingText({ title: m.title, body: m.body }));
  const fpUs = ((performance.now() - t3) * 1000) / (3 * msgs.length);
  const t4 = performance.now();
  for (const m of msgs) seg.keywords(`${m.title ?? ''}\n${m.body}`, 8);
  const kwUs = ((performance.now() - t4) * 1000) / msgs.length;
  report.push(`### Classification throughput (one core, ${msgs.length} public messages × ${rounds}, mean ${(chars / n).toFixed(0)} characters)\n`);
  report.push('| what | figure |\n|---|---:|');
  report.push(`| segmentation + features + classify (featuresFor + bundled router.suggest) | **${(n / secs).toFixed(0)} texts/s** (${((secs * 1e6) / n).toFixed(0)} µs/text) |`);
  report.push(`| … jieba cut alone (segmenter.words) | ${((cutSecs * 1e6) / msgs.length).toFixed(0)} µs/text |`);
  report.push(`| … features + classify with the words given | ${((clsSecs * 1e6) / msgs.length).toFixed(0)} µs/text |`);
  report.push(`| MinHash fingerprint (128 permutations, 42 bands) | ${fpUs.toFixed(1)} µs/text |`);
  report.push(`| TF-IDF keywords (analyseText's third part) | ${kwUs.toFixed(0)} µs/text |`);
  report.push('');
}

// ------------------------------------------------------------------------------------------------

const report: string[] = [];
const started = new Date();
report.push(`## Intake intelligence at ${N.toLocaleString('en')} cases — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC\n`);
report.push(`Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}; ${(() => {
  try {
    return execFileSync('psql', [URL_.replace(/\/[^/]*$/, '/postgres'), '-Atc', 'select version()'], { encoding: 'utf8' }).trim().split(' on ')[0];
  } catch {
    return 'PostgreSQL';
  }
})()}; load at start ${load()}.\n`);
report.push(`Command: \`npx tsx bench/intake-intelligence.ts ${argv.join(' ')}\`\n`);

const corpusT0 = performance.now();
const corpus = buildCorpus();
log(`corpus: ${corpus.sentences.length} sentences, ${corpus.titles.length} titles, ${corpus.messages.length} messages (${((performance.now() - corpusT0) / 1000).toFixed(1)} s)`);

await ensureDatabase(URL_);
const config = loadConfig({ DATABASE_URL: URL_, REGION, DATA_DIR: path.join(os.tmpdir(), 'xf-bench-1m'), LOG_LEVEL: 'silent' });
const database = await openDatabase({ databaseUrl: URL_ });
// The context as buildContext makes it, without its boot-time passes (lexicon, search backfill, timers): the
// bench's cases have their search tokens, and timers are not what is measured here.
const ctx: AppContext = {
  database,
  db: database.db,
  config,
  statute: loadStatute(),
  cipher: createCipher(Buffer.alloc(32, 7)),
  logger: pino({ level: 'silent' }),
  now: () => new Date(),
  segmenter: sharedSegmenter(),
  uploadDir: config.uploadDir,
};
fs.mkdirSync(config.uploadDir, { recursive: true });

if (doFill) {
  const r = await fill(ctx, corpus);
  report.push(
    r.skipped
      ? `Fill: skipped (the database already had ≥ ${N} cases).\n`
      : `Fill: **${(r.seconds / 60).toFixed(1)} min** for ${N.toLocaleString('en')} cases (rows ${(r.writeSecs! / 60).toFixed(1)} min in 1,000-row INSERTs with secondary indexes dropped; index rebuild ${(r.indexSecs! / 60).toFixed(1)} min); load at end ${load()}.\n`,
  );
}
if (doMeasure) {
  const [{ n }] = (await ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases)) as [{ n: number }];
  report.push(`Cases in the database: ${n.toLocaleString('en')}.\n`);
  throughput(corpus, report);
  log('throughput done');
  await measure(ctx, corpus, report);
  report.push(`Load at end: ${load()}.\n`);
}
await database.close();
const out = option('--report', '/tmp/intake-intel-bench.md');
fs.writeFileSync(out, report.join('\n') + '\n');
console.log('\n' + report.join('\n'));
log(`report written to ${out}`);
