/**
 * A data generator for scale benchmarks: fills a deployment (PostgreSQL or a PGlite directory) with realistic
 * cases and their whole event histories, fast — 1,000,000 cases on PostgreSQL in minutes.
 *
 *   npx tsx bench/generate.ts --cases 1000000 [--url postgres://postgres@127.0.0.1:5432/xf_bench_gen] [--pglite /path/dir]
 *                             [--seed 1] [--from 2025-11-23] [--to 2026-11-23] [--master-key <64 hex>]
 *
 * or from code: `await generate({ database, cases, seed, from, to, onProgress })`.
 *
 * Every case is a pure function of (seed, index, from, to): its receipt time (a weekday / working-hour shaped
 * spread over [from, to], ascending with the index), channel, nature, category, owner (a grid for most, the
 * petition bureau for the rest), text (sentences of the real public messages in ../shared/data with place names
 * and numbers swapped; keywords and search tokens precomputed per sentence, as bench/intake-intelligence.ts),
 * petitioners (encrypted with the cipher, masked, blind-indexed) and its path through the lifecycle. The path is
 * played through the real domain (applyCommand) with an injected clock: each step's event data, the snapshot,
 * the clocks and their due dates (the rule set and holiday calendar) are what the services would have written;
 * steps after `to` are cut off, so recent cases are open and old ones mostly settled. A unit clock passing its
 * due date while running gets the sweeper's `case.overdue` event and the 'backlog' flag. Events are hash-chained
 * per case (hashEvent), so `xinfang verify-audit` passes.
 *
 * A repeat (~3 %) or a merge (~1 %) refers to an earlier case of the same batch, so the data depend on the batch
 * size too (default 5,000 on PostgreSQL, 2,000 on PGlite): the same seed and batch give the same database.
 * XF_GEN_TIMING=1 writes each batch's statements one after another and logs the time per table.
 *
 * The rows go in with insert … select from unnest (one array parameter per column), secondary indexes dropped
 * during the fill and rebuilt after; progress is committed with each batch in gen_meta, so an interrupted fill
 * resumes and a finished one is skipped. At the end: matters, case counters, one rollup_queue row per case (the
 * rollup worker builds the cockpit counters), and the settings that keep boot from queueing or backfilling again.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../src/store/database.js';
import { orgUnits, users } from '../src/store/schema.js';
import { fingerprint, signatureToInt32 } from '../src/domain/intelligence/minhash.js';
import { routingText } from '../src/domain/intelligence/routing-model.js';
import { generateDemoOrg, DEMO_DEPARTMENTS, DEMO_PASSWORD } from '../src/domain/demo/org-generator.js';
import { createRng, type Rng } from '../src/domain/demo/prng.js';
import { fictionalName } from '../src/domain/demo/person-names.js';
import { idCheckCharacter } from '../src/domain/demo/case-plan.js';
import { placeUnder } from '../src/services/org-units.js';
import { readCategoryFile, seedCategories } from '../src/services/seed-categories.js';
import { PUBLIC_INTAKE_UNIT, writeSetting } from '../src/services/settings.js';
import { sharedSegmenter } from '../src/services/segmenter.js';
import { seedDemoMap } from '../src/services/org-shapes.js';
import { hashPassword } from '../src/services/auth.js';
import { loadStatute } from '../src/statute/load-statute.js';
import { createCipher, parseMasterKey, type FieldCipher } from '../src/domain/personal-data/cipher.js';
import { maskIdNumber, maskName, maskPhone } from '../src/domain/personal-data/mask.js';
import { deriveFlags, type Channel, type Nature, type Type12345, type Urgency } from '../src/domain/case-fields.js';
import { applyCommand } from '../src/domain/lifecycle/apply-command.js';
import { isOpen, isTerminal } from '../src/domain/lifecycle/transitions.js';
import { CLOCKS, type CaseSnapshot, type ClockName, type Command, type CommandContext, type LegalChannel, type ReplyOpinion, type Role } from '../src/domain/lifecycle/types.js';
import { computeDue, handlingStepFor, pausableClocks, resolveStep, toChinaDate, type RuleSet } from '../src/domain/deadlines/index.js';
import { plannedTimers } from '../src/domain/deadlines/reminders.js';
import { hashEvent } from '../src/domain/audit/hash-chain.js';
import { FACTS_VERSION } from '../src/domain/cockpit/case-facts.js';
import type { AppContext } from '../src/services/context.js';

// ------------------------------------------------------------------------------------------------
// the API

export interface GenerateProgress {
  /** cases in the database now (including earlier runs) */
  done: number;
  total: number;
  /** events written by this run */
  events: number;
  /** seconds since this run started */
  seconds: number;
  phase: 'rows' | 'indexes' | 'finish' | 'done';
}

export interface GenerateOptions {
  database: Database;
  cases: number;
  seed?: number;
  /** receipt times spread over [from, to]; default: what an earlier run of this database used, else the 365 days up to now */
  from?: Date;
  to?: Date;
  /** the deployment's field cipher (its master key); default: a fixed bench key (see BENCH_MASTER_KEY) */
  cipher?: FieldCipher;
  region?: string;
  ruleSetId?: string;
  /** cases per transaction (memory is bounded by it); default 5,000 (PGlite 2,000) */
  batch?: number;
  /** MinHash fingerprints (case_fingerprints) for the duplicate check; default true */
  fingerprints?: boolean;
  onProgress?: (p: GenerateProgress) => void;
  log?: (line: string) => void;
}

export interface GenerateResult {
  skipped: boolean;
  /** cases in the database at the end */
  cases: number;
  /** cases and events this run wrote */
  written: number;
  events: number;
  seconds: number;
  rowSeconds: number;
  indexSeconds: number;
  finishSeconds: number;
  /** pg_database_size (PostgreSQL) or the data directory's size is left to the caller */
  databaseBytes: number | null;
}

/** The cipher key used when none is given (hex); pass MASTER_KEY=<this> to the app to read the petitioners. */
export const BENCH_MASTER_KEY = '07'.repeat(32);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
const DATA = process.env.XINFANG_DATA_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/data');
const ALIASES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../statute/category-aliases.json');

// ------------------------------------------------------------------------------------------------
// texts (as bench/intake-intelligence.ts: sentences with precomputed tokens and keywords)

interface Sentence {
  text: string;
  tokens: string[];
  keywords: string[];
  root: string | null;
}
interface Corpus {
  sentences: Sentence[];
  titles: Array<{ text: string; tokens: string[] }>;
  replies: string[];
}

function readJsonl(file: string): Array<Record<string, unknown>> {
  const p = path.join(DATA, file);
  if (!fs.existsSync(p)) return [];
  return fs
    .readFileSync(p, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

let corpusCache: Corpus | null = null;
function buildCorpus(): Corpus {
  if (corpusCache) return corpusCache;
  const seg = sharedSegmenter();
  const aliases = (JSON.parse(fs.readFileSync(ALIASES_FILE, 'utf8')) as { aliases: Record<string, string> }).aliases;
  const sentences: Sentence[] = [];
  const titles: Corpus['titles'] = [];
  const replies: string[] = [];
  const seen = new Set<string>();
  for (const file of ['hot_messages.jsonl', 'messages_train.jsonl', 'replies.jsonl']) {
    for (const r of readJsonl(file)) {
      const body = String(r.body ?? '').trim();
      if (!body) continue;
      const title = r.title ? String(r.title).trim() : null;
      if (title && title.length >= 4) titles.push({ text: title, tokens: seg.searchText(title).split(' ').filter(Boolean) });
      if (r.reply) replies.push(String(r.reply).trim().slice(0, 400));
      const root = r.category ? (aliases[String(r.category)] ?? null) : null;
      for (const s of body.split(/(?<=[。！？!?；;])/)) {
        const t = s.trim();
        if (t.length < 6 || seen.has(t)) continue;
        seen.add(t);
        sentences.push({ text: t, tokens: seg.searchText(t).split(' ').filter(Boolean), keywords: seg.keywords(t, 4), root });
      }
    }
  }
  if (!sentences.length) {
    // no ../shared/data: a tiny built-in pool, so the generator still runs (texts repeat a lot)
    for (const t of ['小区门口道路破损严重，雨天积水，出行不便。', '楼下餐馆油烟噪音扰民，希望有关部门处理。', '工资被拖欠三个月，多次讨要无果。', '学校周边交通拥堵，接送孩子存在安全隐患。']) {
      sentences.push({ text: t, tokens: seg.searchText(t).split(' ').filter(Boolean), keywords: seg.keywords(t, 4), root: null });
    }
  }
  if (!titles.length) titles.push({ text: '反映问题', tokens: ['反映', '问题'] });
  if (!replies.length) replies.push('经调查核实，已责成相关单位依法依规处理，感谢您对我们工作的支持。');
  corpusCache = { sentences, titles, replies };
  return corpusCache;
}

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
  const content = picked.map((s) => swap(s.text)).join('').slice(0, 1500);
  let title: string;
  let titleTokens: string[] = [];
  if (rng.chance(0.8)) {
    const t = rng.pick(corpus.titles);
    title = swap(t.text).slice(0, 100);
    titleTokens = t.tokens;
  } else title = content.slice(0, rng.int(12, 24));
  const tokens = [...new Set([...titleTokens, ...picked.flatMap((s) => s.tokens)])];
  const keywords: string[] = [];
  for (let r = 0; r < 4 && keywords.length < 8; r++) for (const s of picked) if (s.keywords[r] && !keywords.includes(s.keywords[r]!) && keywords.length < 8) keywords.push(s.keywords[r]!);
  return { title, content, tokens, keywords, root: picked.find((s) => s.root)?.root ?? null };
}

/** A repeat of an earlier text: identical, cut, or lightly reworded (tokens and keywords kept). */
function variantText(orig: CaseText, rng: Rng): CaseText {
  const kind = rng.weighted([['same', 3], ['cut', 4], ['reword', 3]] as const);
  if (kind === 'same') return orig;
  const parts = orig.content.split(/(?<=[。！？!?；;])/).filter(Boolean);
  if (kind === 'cut') {
    if (parts.length > 2) parts.splice(rng.int(0, parts.length - 1), 1);
    const text = parts.join('');
    return { ...orig, title: rng.chance(0.5) ? `再次反映：${orig.title}`.slice(0, 100) : orig.title, content: text.slice(0, Math.max(20, Math.floor(text.length * rng.float(0.7, 1)))) };
  }
  const chars = [...orig.content];
  const edits = Math.max(1, Math.floor(chars.length * 0.03));
  for (let e = 0; e < edits; e++) chars[rng.int(0, chars.length - 1)] = rng.pick([...'的了是在有和请问题小区反映']);
  return { ...orig, content: chars.join('') + rng.pick(['希望尽快解决。', '此前已反映多次，至今未果。', '请领导重视。']) };
}

// ------------------------------------------------------------------------------------------------
// ids, times

const hex = (s: string, n = 32) => crypto.createHash('sha256').update(s).digest('hex').slice(0, n);
const uuidOf = (label: string) => {
  const h = hex(label);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
/** Time-ordered ids (UUIDv7 layout: receipt ms first), so primary keys grow at their right edge during the fill. */
function caseIdOf(seed: number, i: number, receivedMs: number): string {
  const t = Math.max(0, receivedMs).toString(16).padStart(12, '0');
  const h = hex(`xfgen:${seed}:case:${i}`, 20);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${h.slice(0, 3)}-${((parseInt(h[3]!, 16) & 3) | 8).toString(16)}${h.slice(4, 7)}-${h.slice(8, 20)}`;
}

/** China time: hour of day and weekday of an instant. */
const chinaHour = (ms: number) => new Date(ms + 8 * HOUR).getUTCHours();
const chinaWeekday = (ms: number) => new Date(ms + 8 * HOUR).getUTCDay();
const chinaYear = (ms: number) => new Date(ms + 8 * HOUR).getUTCFullYear();

const HOUR_WEIGHT = [0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.5, 4, 9, 10, 9, 5, 5, 9, 10, 9, 7, 4, 3.5, 3.5, 3, 2, 1];

/**
 * Receipt times: an hourly density over [from, to] (working hours and weekdays heavy, a slow growth over the
 * span), inverted so case i sits at the quantile (i + jitter) / n: ascending with i, deterministic.
 */
function receiptTimes(n: number, from: number, to: number, seed: number): Float64Array {
  const hours = Math.max(1, Math.ceil((to - from) / HOUR));
  const cdf = new Float64Array(hours + 1);
  for (let h = 0; h < hours; h++) {
    const ms = from + h * HOUR;
    const wd = chinaWeekday(ms);
    const w = HOUR_WEIGHT[chinaHour(ms)]! * (wd === 0 || wd === 6 ? 0.35 : 1) * (0.85 + 0.3 * (h / hours));
    cdf[h + 1] = cdf[h]! + w;
  }
  const total = cdf[hours]!;
  const out = new Float64Array(n);
  let b = 0;
  for (let i = 0; i < n; i++) {
    const jitter = ((Math.imul(i + 7, 0x85ebca6b) ^ seed) >>> 0) / 2 ** 32;
    const q = ((i + jitter) / n) * total;
    while (b < hours - 1 && cdf[b + 1]! <= q) b++;
    const within = (q - cdf[b]!) / Math.max(1e-12, cdf[b + 1]! - cdf[b]!);
    out[i] = Math.min(to - 1, Math.floor(from + (b + within) * HOUR));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// the org, staff and categories

interface Unit {
  id: string;
  path: string;
  kind: string;
  parentId: string | null;
}
interface Org {
  units: Map<string, Unit>;
  grids: Unit[];
  streets: Unit[];
  departments: Unit[];
  petitionOffice: Unit;
  discipline: Unit | null;
  deptByRoot: Map<string, Unit>;
  leavesByRoot: Map<string, string[]>;
  level2ByRoot: Map<string, string[]>;
  rootNames: Map<string, string>;
  roots: string[];
  staff: Staff;
}
interface Person {
  id: string;
  role: Role;
}
interface Staff {
  registrar: Person | null;
  dispatcher: Person | null;
  supervisor: Person | null;
  leader: Person | null;
  /** handlers and heads by unit id */
  handlers: Map<string, Person[]>;
  heads: Map<string, Person[]>;
}

async function setupOrg(database: Database, region: string, log: (s: string) => void): Promise<Org> {
  const db = database.db;
  const ctx = { db, now: () => new Date() } as unknown as AppContext;
  const [{ n }] = (await db.select({ n: sql<number>`count(*)::int` }).from(orgUnits)) as [{ n: number }];
  const demo = generateDemoOrg(7);
  if (n === 0) {
    const ids = new Map<string, string>();
    const paths = new Map<string, { path: string; depth: number }>();
    const rows = demo.units.map((u) => {
      const id = uuidOf(`xfgen:unit:${u.key}`);
      ids.set(u.key, id);
      const p = placeUnder(u.parentKey ? paths.get(u.parentKey) : null, id);
      paths.set(u.key, p);
      return { id, parentId: u.parentKey ? ids.get(u.parentKey)! : null, kind: u.kind, level: u.level, name: u.name, code: u.code, path: p.path, depth: p.depth, region, active: true, lat: u.lat ?? null, lng: u.lng ?? null };
    });
    await db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) await tx.insert(orgUnits).values(rows.slice(i, i + 500));
    });
    await writeSetting(db, PUBLIC_INTAKE_UNIT, ids.get('dept-district-petition'));
    await seedCategories(ctx);
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const userRows = demo.staff.map((s) => ({
      id: uuidOf(`xfgen:user:${s.username}`),
      username: s.username,
      displayName: s.name,
      passwordHash,
      roles: s.roles,
      unitId: ids.get(s.unitKey)!,
      scopeUnitId: ids.get(s.scopeUnitKey)!,
    }));
    await db.insert(users).values(userRows).onConflictDoNothing();
    const shapes = await seedDemoMap(ctx);
    log(`org: ${rows.length} units, ${userRows.length} staff (password ${DEMO_PASSWORD}), ${shapes.stored} map outlines; categories seeded`);
  } else {
    await seedCategories(ctx);
  }
  const rows = await db.select({ id: orgUnits.id, parentId: orgUnits.parentId, kind: orgUnits.kind, level: orgUnits.level, code: orgUnits.code, path: orgUnits.path, active: orgUnits.active }).from(orgUnits);
  const units = new Map<string, Unit>(rows.filter((r) => r.active).map((r) => [r.id, { id: r.id, path: r.path, kind: r.kind, parentId: r.parentId }]));
  const keyByCode = new Map(demo.units.map((u) => [u.code, u.key]));
  const byKey = new Map<string, Unit>();
  for (const r of rows) {
    const k = keyByCode.get(r.code);
    const u = units.get(r.id);
    if (k && u) byKey.set(k, u);
  }
  const departments = rows.filter((r) => r.active && r.kind === 'department' && r.level !== 'city').map((r) => units.get(r.id)!);
  const petitionOffice = byKey.get('dept-district-petition') ?? departments[0] ?? [...units.values()][0]!;
  const deptByRoot = new Map<string, Unit>();
  for (const d of DEMO_DEPARTMENTS.filter((d) => d.level === 'district')) {
    const u = byKey.get(d.key);
    if (u) for (const r of d.remit) if (!deptByRoot.has(r.slice(0, 2))) deptByRoot.set(r.slice(0, 2), u);
  }
  const cats = readCategoryFile();
  const leavesByRoot = new Map<string, string[]>();
  const level2ByRoot = new Map<string, string[]>();
  for (const c of cats) {
    const m = c.level === 3 ? leavesByRoot : c.level === 2 ? level2ByRoot : null;
    if (m) m.set(c.code.slice(0, 2), [...(m.get(c.code.slice(0, 2)) ?? []), c.code]);
  }
  const people = await db.select({ id: users.id, roles: users.roles, unitId: users.unitId, active: users.active }).from(users);
  const staff: Staff = { registrar: null, dispatcher: null, supervisor: null, leader: null, handlers: new Map(), heads: new Map() };
  for (const p of people.filter((p) => p.active)) {
    const roles = p.roles as Role[];
    for (const role of ['registrar', 'dispatcher', 'supervisor', 'leader'] as const) if (roles.includes(role) && !staff[role]) staff[role] = { id: p.id, role };
    if (roles.includes('handler')) staff.handlers.set(p.unitId, [...(staff.handlers.get(p.unitId) ?? []), { id: p.id, role: 'handler' }]);
    if (roles.includes('unit_head')) staff.heads.set(p.unitId, [...(staff.heads.get(p.unitId) ?? []), { id: p.id, role: 'unit_head' }]);
  }
  return {
    units,
    grids: [...units.values()].filter((u) => u.kind === 'grid'),
    streets: [...units.values()].filter((u) => u.kind === 'street'),
    departments: departments.filter((d) => d.id !== petitionOffice.id),
    petitionOffice,
    discipline: byKey.get('dept-district-discipline') ?? null,
    deptByRoot,
    leavesByRoot,
    level2ByRoot,
    rootNames: new Map(cats.filter((c) => c.level === 1).map((c) => [c.code, c.name])),
    roots: cats.filter((c) => c.level === 1).map((c) => c.code),
    staff,
  };
}

/** The ancestors of a unit, nearest first (its own id excluded). */
function ancestors(org: Org, u: Unit): Unit[] {
  const ids = u.path.split('/').filter(Boolean);
  return ids.slice(0, -1).reverse().map((id) => org.units.get(id)).filter((x): x is Unit => !!x);
}

/** Who does a unit's handling step: its own handler (or head), else the nearest head above, else nobody known. */
function handlerOf(org: Org, unitId: string | null, head: boolean): Person | null {
  if (!unitId) return null;
  const own = (head ? org.staff.heads : org.staff.handlers).get(unitId)?.[0] ?? org.staff.heads.get(unitId)?.[0];
  if (own) return own;
  const u = org.units.get(unitId);
  if (!u) return null;
  for (const a of ancestors(org, u)) {
    const h = org.staff.heads.get(a.id)?.[0];
    if (h) return h;
  }
  return null;
}

// ------------------------------------------------------------------------------------------------
// one case

interface GenEvent {
  type: string;
  data: Record<string, unknown>;
  at: number;
  actorId: string | null;
  actorRole: string | null;
}

interface BuiltCase {
  id: string;
  number: string;
  text: CaseText;
  /** the matter's first case (同一事项), when this case repeats an earlier one */
  matterId: string | null;
  receivedAt: number;
  events: GenEvent[];
  row: unknown[];
  petitioners: unknown[][];
  fingerprint: unknown[] | null;
  timers: unknown[][];
  supervisions: unknown[][];
  /** a case merged into this one later in the same batch gets case.merged_in (added before hashing) */
  state: string;
}

interface Env {
  seed: number;
  region: string;
  ruleSetId: string;
  rs: RuleSet;
  statute: ReturnType<typeof loadStatute>;
  pausable: ReadonlySet<ClockName>;
  org: Org;
  corpus: Corpus;
  cipher: FieldCipher;
  end: number;
  times: Float64Array;
  yearSeq: Int32Array;
  fingerprints: boolean;
  dueCache: Map<string, number>;
}

/** planned steps the domain refused, by state:command (each ends its case's path; reported at the end) */
const refused = new Map<string, number>();
const UNIT_CLOCK_SET: ReadonlySet<ClockName> = new Set<ClockName>(['forward', 'handling', 'review', 're_review']);
const ALL_ROLES: Role[] = ['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader'];
const ALL_RELATIONS = new Set(['scope', 'lead', 'assist', 'owner'] as const);
const LEGAL: LegalChannel[] = ['court', 'arbitration', 'administrative_reconsideration', 'discipline_inspection', 'other_authority'];

/** A running clock's due instant under the rule set and calendar (cached: day steps depend on the China date only). */
function dueOf(env: Env, clock: ClockName, urgency: Urgency, c: { startedAt: string; pausedMs: number; extensionDays: number }): string {
  const step = clock === 'handling' ? handlingStepFor(env.rs, urgency) : clock;
  const rule = resolveStep(env.rs, step);
  const start = new Date(c.startedAt);
  const key = rule.unit === 'hours' ? null : `${step}|${toChinaDate(start)}|${c.pausedMs}|${c.extensionDays}`;
  if (key) {
    const hit = env.dueCache.get(key);
    if (hit !== undefined) return new Date(hit).toISOString();
  }
  let due: number;
  try {
    due = computeDue({ rule, start, calendar: env.statute.calendar, pausedMs: c.pausedMs, extensionDays: c.extensionDays }).dueAt.getTime();
  } catch {
    due = start.getTime() + (rule.limit + c.extensionDays) * (rule.unit === 'hours' ? HOUR : DAY);
  }
  if (key) env.dueCache.set(key, due);
  return new Date(due).toISOString();
}

/**
 * As recomputeClocks: running clocks get their due dates, the earliest unit deadline is returned. Only a clock
 * just started (dueAt '') or lengthened (an approved extension: `all`) needs computing; the rest kept theirs.
 */
function fillDues(env: Env, urgency: Urgency, s: CaseSnapshot, all = false): { at: number; clock: ClockName } | null {
  let next: { at: number; clock: ClockName } | null = null;
  for (const name of CLOCKS) {
    const c = s.clocks[name];
    if (!c || c.stoppedAt) continue;
    if (all || !c.dueAt) c.dueAt = dueOf(env, name, urgency, c);
    const at = Date.parse(c.dueAt);
    if (UNIT_CLOCK_SET.has(name) && !c.pausedSince && (!next || at < next.at)) next = { at, clock: name };
  }
  return next;
}

type Kind = 'normal' | 'spot' | 'refuse' | 'withdraw' | 'merge';

function buildCase(env: Env, i: number, batch: BuiltCase[], batchStart: number): BuiltCase {
  const { org, region } = env;
  const rng = createRng(env.seed ^ Math.imul(i + 1, 0x9e3779b1));
  const rec = env.times[i]!;
  const id = caseIdOf(env.seed, i, rec);
  const number = `${region}-${chinaYear(rec)}-${String(env.yearSeq[i]!).padStart(6, '0')}`;

  // what happens, decided first (a merge needs its target's text)
  let kind: Kind = rng.weighted([['normal', 830], ['spot', 100], ['refuse', 42], ['withdraw', 18], ['merge', 10]] as const);
  let mergeInto: BuiltCase | null = null;
  const mergeAt = rec + rng.float(2 * HOUR, 3 * DAY);
  if (kind === 'merge') {
    for (let tries = 0; tries < 8 && !mergeInto; tries++) {
      const j = i - rng.int(1, 300);
      if (j < batchStart) continue;
      const t = batch[j - batchStart]!;
      if (t.state === 'merged' || openAt(t.events, mergeAt) === false) continue;
      mergeInto = t;
    }
    if (!mergeInto) kind = 'normal';
  }
  const repeatOf = mergeInto ?? (i - batchStart > 50 && rng.chance(0.03) ? batch[i - batchStart - rng.int(1, Math.min(2000, i - batchStart))]! : null);
  const text = repeatOf ? variantText(repeatOf.text, rng) : freshText(env.corpus, rng);
  const matterId = repeatOf ? (repeatOf.matterId ?? repeatOf.id) : null;

  // channel, nature, owner
  const accusation = kind === 'normal' && rng.chance(0.012);
  const channel: Channel = accusation
    ? rng.weighted([['letter', 4], ['online', 3], ['visit', 2], ['phone', 1]] as const)
    : rng.weighted([['online', 30], ['qr', 14], ['phone', 18], ['letter', 6], ['visit', 12], ['leader_reception', 2], ['grid_report', 11], ['transfer_12345', 7]] as const);
  const nature: Nature = accusation ? 'accusation' : rng.weighted([['appeal', 78], ['suggestion', 22]] as const);
  const type12345: Type12345 | null = channel === 'transfer_12345' ? rng.weighted([['complaint', 40], ['help', 25], ['inquiry', 15], ['report', 10], ['suggestion', 10]] as const) : null;
  const gridShare: Partial<Record<Channel, number>> = { qr: 1, grid_report: 1, online: 0.55, transfer_12345: 0.6, phone: 0.3, letter: 0.25, visit: 0.3, leader_reception: 0 };
  const grid = !accusation && rng.chance(gridShare[channel] ?? 0) ? rng.pick(org.grids) : null;
  const owner = grid ?? org.petitionOffice;
  const root = text.root && org.leavesByRoot.has(text.root) ? text.root : rng.weighted(org.roots.map((r, k) => [r, k < 7 ? 10 : 2] as const));
  const category = rng.chance(0.8) ? rng.pick(org.leavesByRoot.get(root) ?? org.level2ByRoot.get(root) ?? [root]) : rng.pick(org.level2ByRoot.get(root) ?? [root]);
  const urgency: Urgency = rng.weighted([['normal', 94], ['urgent', 3], ['complex', 2], ['utility', 1]] as const);
  const accused = accusation ? rng.pick(org.departments.filter((d) => d.id !== org.discipline?.id)) : null;
  const leaderOwner = channel === 'leader_reception' ? org.staff.leader : null;

  // petitioners: 1–2; a repeat is the same person as the case it repeats
  const count = rng.chance(0.12) ? 2 : 1;
  const person = (k: number) => (repeatOf && k === 0 ? `p:${repeatOf.id}` : rng.chance(0.08) ? `pool:${rng.int(0, 19_999)}` : `p:${id}:${k}`);
  const petitioners: unknown[][] = [];
  for (let k = 0; k < count; k++) {
    const who = person(k);
    const prng = createRng(parseInt(hex(who, 8), 16));
    const name = fictionalName(prng, prng.chance(0.5) ? 'male' : 'female');
    const phone = `1${prng.pick(['3', '5', '7', '8', '9'])}${String(prng.int(0, 999_999_999)).padStart(9, '0')}`;
    const hasId = prng.chance(0.6);
    const birth = new Date(Date.UTC(1950 + prng.int(0, 50), prng.int(0, 11), prng.int(1, 28))).toISOString().slice(0, 10).replace(/-/g, '');
    const first17 = `3301${prng.pick(['10', '06', '05', '02'])}${birth}${String(prng.int(0, 999)).padStart(3, '0')}`;
    const idNumber = hasId ? first17 + idCheckCharacter(first17) : null;
    petitioners.push([
      region, id, k + 1, env.cipher.encrypt(name), maskName(name),
      idNumber ? env.cipher.encrypt(idNumber) : null, idNumber ? maskIdNumber(idNumber) : null, idNumber ? env.cipher.blindIndex('id', idNumber) : null,
      env.cipher.encrypt(phone), maskPhone(phone), env.cipher.blindIndex('phone', phone), false,
    ]);
  }

  const flags = deriveFlags({
    petitionerCount: count,
    hasEarlierCaseOfSamePerson: repeatOf !== null,
    receivedAboveDistrict: false,
    ownerLeaderId: leaderOwner?.id ?? null,
    categoryName: org.rootNames.get(category.slice(0, 2)) ?? null,
    text: `${text.title}\n${text.content}`,
    returnedFromHigherLevel: false,
  });

  // the registration
  const regActor: Person | null = channel === 'online' || channel === 'qr' ? null : channel === 'leader_reception' ? org.staff.leader : channel === 'grid_report' && grid ? (handlerOf(org, grid.id, false) ?? org.staff.registrar) : org.staff.registrar;
  let snap: CaseSnapshot = {
    state: 'registered',
    leadUnitId: null,
    assistUnitIds: [],
    ownerLeaderId: leaderOwner?.id ?? null,
    hearing: false,
    extension: 'none',
    reworkCount: 0,
    lastVisit: null,
    clocks: { forward: { startedAt: new Date(rec).toISOString(), dueAt: '', pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: null } },
  };
  let nextDue = fillDues(env, urgency, snap);
  const events: GenEvent[] = [
    {
      type: 'case.registered',
      at: rec,
      actorId: regActor?.id ?? null,
      actorRole: regActor ? regActor.role : 'petitioner',
      data: {
        number,
        channel,
        nature,
        categoryCode: category,
        ownerUnitId: owner.id,
        gridUnitId: grid?.id ?? null,
        petitionerCount: count,
        flags,
        receivedAt: new Date(rec).toISOString(),
        ...(matterId ? { matterId } : {}),
        ...(repeatOf ? { repeatOfId: repeatOf.id } : {}),
      },
    },
  ];

  // the lifecycle, played through applyCommand with an injected clock; steps past `end` are cut off
  let t = rec;
  let stopped = false;
  let closedAt: number | null = null;
  let reply: { opinion: string; text: string; at: number } | null = null;
  let mergedIntoId: string | null = null;
  const reported = new Set<string>();
  const supervisions: unknown[][] = [];
  const timers: unknown[][] = [];
  const extraFlags = new Set<string>();

  const overdueUntil = (limit: number) => {
    for (const name of CLOCKS) {
      const c = snap.clocks[name];
      if (!c || c.stoppedAt || !UNIT_CLOCK_SET.has(name) || !c.dueAt) continue;
      const due = Date.parse(c.dueAt);
      const key = `${name}|${c.dueAt}`;
      if (due >= limit || reported.has(key)) continue;
      reported.add(key);
      extraFlags.add('backlog');
      const unitId = name === 'handling' ? snap.leadUnitId : null;
      events.push({ type: 'case.overdue', at: due, actorId: null, actorRole: 'system', data: { clock: name, dueAt: c.dueAt, unitId, notified: rng.int(1, 4) } });
    }
  };

  const go = (dt: number, command: Command, who: Person | null | 'petitioner', extra: Record<string, unknown> = {}): boolean => {
    if (stopped) return false;
    const at = Math.floor(t + Math.max(MIN, dt));
    if (at >= env.end) {
      stopped = true;
      return false;
    }
    overdueUntil(at);
    t = at;
    const ctx: CommandContext = {
      actor: { userId: who && who !== 'petitioner' ? who.id : (org.staff.leader?.id ?? null), roles: ALL_ROLES, unitId: null },
      relations: ALL_RELATIONS,
      now: new Date(at),
      pausableClocks: env.pausable,
    };
    const before = snap.state;
    let r: ReturnType<typeof applyCommand>;
    try {
      r = applyCommand(snap, command, ctx);
    } catch (err) {
      // a planned step the domain refuses (a window, a guard): the path ends here, the case stays consistent
      refused.set(`${before}:${command.type}`, (refused.get(`${before}:${command.type}`) ?? 0) + 1);
      if (refused.size === 1 && refused.get(`${before}:${command.type}`) === 1) console.warn('generate: a planned step was refused', err);
      stopped = true;
      return false;
    }
    snap = r.snapshot;
    nextDue = fillDues(env, urgency, snap, command.type === 'approve_extension');
    const due: Record<string, string> = {};
    for (const name of r.startClocks) {
      const c = snap.clocks[name];
      if (c?.dueAt) due[name] = c.dueAt;
    }
    const e = r.events[0]!;
    events.push({
      type: e.type,
      at,
      actorId: who && who !== 'petitioner' ? who.id : null,
      actorRole: who === 'petitioner' ? 'petitioner' : who ? who.role : null,
      data: { ...e.data, ...extra, ...(r.startClocks.length ? { due } : {}) },
    });
    if (!isOpen(snap.state) && isOpen(before)) closedAt = at;
    if (command.type === 'reply') reply = { opinion: command.opinion, text: command.text, at };
    if (command.type === 'merge') mergedIntoId = command.intoCaseId;
    return true;
  };

  const d = org.staff.dispatcher;
  const h = (a: number, b: number) => rng.float(a, b) * HOUR;
  const days = (a: number, b: number) => rng.float(a, b) * DAY;
  const replyText = () => rng.pick(env.corpus.replies);
  const leadFor = (): Unit => {
    if (accusation) return org.discipline ?? rng.pick(org.departments);
    const dept = org.deptByRoot.get(category.slice(0, 2));
    if (dept && rng.chance(0.55)) return dept;
    if (grid && rng.chance(0.8)) {
      const up = ancestors(org, grid).filter((u) => u.kind === 'street' || u.kind === 'community');
      return rng.weighted([[grid, 3], ...up.map((u) => [u, u.kind === 'street' ? 4 : 3] as const)]);
    }
    return rng.chance(0.5) && org.departments.length ? rng.pick(org.departments) : rng.pick(org.streets);
  };

  const visit = (satisfiedBias: number) => {
    const contacted = rng.chance(0.9);
    const solved = contacted && rng.chance(0.89);
    const satisfied = contacted && (solved ? rng.chance(0.97 * satisfiedBias) : rng.chance(0.5));
    return go(h(12, 240), { type: 'return_visit', contacted, solved, satisfied, method: rng.weighted([['phone', 70], ['visit', 15], ['sms', 10], ['online', 5]] as const) }, org.staff.supervisor) ? { contacted, solved, satisfied } : null;
  };

  /** 办理: chases, supervision, extension, then the reply; D is the handling time in days. */
  const handle = (D: number): boolean => {
    const start = t;
    const lead = snap.leadUnitId;
    const handler = handlerOf(org, lead, false);
    if (rng.chance(0.06)) go(h(2, 48), { type: 'contact_log', method: rng.pick(['phone', 'visit', 'sms'] as const), summary: '已电话联系信访人，了解具体诉求。', reached: rng.chance(0.85) }, handler);
    for (const kind of ['chase', 'supervise'] as const) {
      if (!rng.chance(kind === 'chase' ? 0.09 : 0.03) || stopped) continue;
      const at = Math.max(t + HOUR, start + D * DAY * rng.float(0.3, 0.7));
      const replyDueAt = new Date(at + rng.int(2, 5) * DAY);
      const sid = uuidOf(`xfgen:${env.seed}:sup:${id}:${kind}:${supervisions.length}`);
      const listed = kind === 'supervise' && rng.chance(0.3);
      const by = kind === 'supervise' && rng.chance(0.3) ? org.staff.leader : org.staff.supervisor;
      const reason = kind === 'chase' ? '办理进度缓慢，请抓紧办理并反馈。' : '群众反映强烈，请主要负责同志亲自督办。';
      const cmd: Command = kind === 'chase' ? { type: 'chase', reason, replyDueAt: replyDueAt.toISOString() } : { type: 'supervise', reason, replyDueAt: replyDueAt.toISOString(), ...(listed ? { listed } : {}) };
      if (!go(at - t, cmd, by, { supervisionId: sid })) break;
      const created = t;
      const answered = go(h(4, 60), { type: 'supervision_reply', supervisionId: sid, text: '已按要求加快办理，近期将答复信访人。' }, handler);
      supervisions.push([region, sid, id, kind === 'chase' ? 'chase' : listed ? 'listed' : 'supervise', lead, reason, replyDueAt, new Date(created), by?.id ?? ALL_STAFF_FALLBACK(org), answered ? new Date(t) : null, answered ? '已按要求加快办理，近期将答复信访人。' : null, answered ? (handler?.id ?? null) : null]);
      if (!answered) timers.push([region, uuidOf(`xfgen:${env.seed}:tm:${sid}`), id, 'supervision_due', sid, replyDueAt, replyDueAt, null, null]);
    }
    if (D > 50 && rng.chance(0.5) && snap.extension === 'none' && !stopped) {
      const accepted = snap.clocks.handling ? Date.parse(snap.clocks.handling.startedAt) : start;
      const at = Math.max(t + HOUR, accepted + days(40, 50));
      const ask = rng.int(15, 30);
      if (go(at - t, { type: 'request_extension', days: ask, reason: '案情复杂，需进一步调查核实。' }, handler)) {
        if (rng.chance(0.85)) go(h(4, 72), { type: 'approve_extension', days: ask }, handlerOf(org, lead, true));
        else go(h(4, 72), { type: 'reject_extension', reason: '不符合延期条件，请按期办结。' }, handlerOf(org, lead, true));
      }
    }
    const replyAt = Math.max(t + HOUR, start + D * DAY);
    return go(replyAt - t, { type: 'reply', opinion: rng.weighted([['support', 55], ['explain', 35], ['not_support', 10]] as [ReplyOpinion, number][]), text: replyText() }, handler);
  };

  const handlingDays = () => {
    const x = rng.next();
    if (x < 0.025) return rng.float(100, 300); // stuck: a backlog case
    if (x < 0.125) return rng.float(61, 100); // late
    return Math.exp(rng.float(Math.log(2), Math.log(58))); // 2–58 days, log-uniform (median 11)
  };

  const play = () => {
    if (kind === 'spot') {
      if (rng.chance(0.2)) go(h(0.1, 4), { type: 'accept' }, d);
      go(rng.float(5, 90) * MIN, { type: 'answer_on_spot', answer: '已当场向信访人解释相关政策，信访人表示理解。' }, org.staff.registrar);
      return;
    }
    if (kind === 'merge') {
      if (rng.chance(0.5)) go(h(0.5, 24), { type: 'accept' }, d);
      go(Math.max(MIN, mergeAt - t), { type: 'merge', intoCaseId: mergeInto!.id, reason: '同一信访人就同一事项重复反映，并案办理。' }, d);
      return;
    }
    if (kind === 'refuse') {
      if (rng.chance(0.5) && !go(h(0.5, 30), { type: 'accept' }, d)) return;
      go(h(1, 72), { type: 'refuse', reason: '所反映事项属于依法通过其他法定途径解决的事项。', legalChannel: rng.pick(LEGAL) }, d);
      return;
    }
    const withdrawAfter = kind === 'withdraw' ? rng.int(1, 4) : 0;
    const withdraw = () => go(h(2, 240), { type: 'withdraw', reason: '问题已自行协商解决，申请撤回。' }, rng.chance(0.5) ? 'petitioner' : org.staff.registrar);
    if (!go(h(0.5, 30), { type: 'accept' }, d)) return;
    if (withdrawAfter === 1) return void withdraw();
    let lead = leadFor();
    const assist = !accusation && rng.chance(0.1) ? rng.pick(org.departments.filter((x) => x.id !== lead.id && x.id !== accused?.id)) : null;
    if (!go(h(0.5, 48), { type: 'dispatch', leadUnitId: lead.id, assistUnitIds: assist ? [assist.id] : [], ...(rng.chance(0.3) ? { instructions: '请按规定时限办理并答复信访人。' } : {}) }, d)) return;
    if (withdrawAfter === 2) return void withdraw();
    if (rng.chance(0.03)) {
      if (!go(h(2, 60), { type: 'object', reason: '该事项不属于本单位职责范围。' }, handlerOf(org, lead.id, true))) return;
      const other = leadFor();
      if (other.id !== lead.id && other.id !== assist?.id) {
        lead = other;
        if (!go(h(4, 72), { type: 'redispatch', leadUnitId: lead.id, assistUnitIds: assist ? [assist.id] : [], reason: '经核实，改由该单位牵头办理。' }, d)) return;
      } else if (!go(h(4, 72), { type: 'reject_objection', reason: '该事项属于本单位职责，请签收办理。' }, d)) return;
    }
    if (!go(h(0.5, 36), { type: 'sign' }, handlerOf(org, lead.id, false))) return;
    if (withdrawAfter === 3) return void withdraw();
    if (!handle(handlingDays())) return;
    if (withdrawAfter === 4) return void withdraw();
    let v = visit(1);
    if (!v) return;
    if ((!v.solved || !v.satisfied) && v.contacted && rng.chance(0.35)) {
      if (!go(h(4, 72), { type: 'rework', reason: '信访人对处理结果不满意，退回重新办理。' }, d)) return;
      if (!handle(rng.float(3, 30))) return;
      v = visit(1.02);
      if (!v) return;
    }
    if (!go(h(2, 168), { type: 'close', ...(rng.chance(0.3) ? { summary: '已答复并回访，予以办结。' } : {}) }, rng.chance(0.7) ? d : org.staff.supervisor)) return;
    // after the close: a review (Art. 35) for a few, finalizing after the window for some
    const rr = snap.clocks.review_request;
    const windowEnd = rr && rr.dueAt ? Date.parse(rr.dueAt) : 0;
    const x = rng.next();
    if (x < 0.03 && windowEnd - t > 2 * DAY) {
      const at = t + rng.float(DAY, windowEnd - t - HOUR);
      if (!go(at - t, { type: 'request_review', reason: '对处理意见不服，申请复查。' }, rng.chance(0.6) ? 'petitioner' : org.staff.registrar)) return;
      if (!go(days(8, 28), { type: 'review_opinion', opinion: rng.weighted([['support', 20], ['explain', 30], ['not_support', 50]] as [ReplyOpinion, number][]), text: replyText() }, org.staff.leader)) return;
      const y = rng.next();
      if (y < 0.35) {
        if (!go(days(2, 25), { type: 'request_re_review', reason: '对复查意见不服，申请复核。' }, rng.chance(0.6) ? 'petitioner' : org.staff.registrar)) return;
        go(days(8, 28), { type: 're_review_opinion', opinion: rng.weighted([['support', 10], ['explain', 30], ['not_support', 60]] as [ReplyOpinion, number][]), text: replyText() }, org.staff.leader);
      } else if (y < 0.7) {
        const rrr = snap.clocks.re_review_request;
        const closes = rrr && rrr.dueAt ? Date.parse(rrr.dueAt) : t + 30 * DAY;
        go(Math.max(closes - t, 0) + days(1, 40), { type: 'finalize', reason: '复核申请期限届满，未申请复核，依法终结。' }, d);
      }
    } else if (x < 0.045 && windowEnd > 0) {
      go(Math.max(windowEnd - t, 0) + days(1, 60), { type: 'finalize', reason: '复查申请期限届满，未申请复查，依法终结。' }, d);
    }
  };
  play();
  if (isOpen(snap.state)) overdueUntil(env.end);
  events.sort((a, b) => a.at - b.at); // overdue notices sit at their due instants (stable: equal times keep order)

  // the case row
  const lead = snap.leadUnitId ? org.units.get(snap.leadUnitId) : null;
  const unitPaths = [...new Set([owner.path, ...(lead ? [lead.path] : []), ...snap.assistUnitIds.map((u) => org.units.get(u)?.path).filter((p): p is string => !!p)])];
  const allFlags = [...flags, ...[...extraFlags].filter((f) => !flags.includes(f as never))];
  if (mergedIntoId && !allFlags.includes('repeat')) allFlags.push('repeat');
  const last = events[events.length - 1]!.at;
  const queryCode = hex(`xfgen:${env.seed}:qc:${i}`, 8).toUpperCase();
  const running = isOpen(snap.state);
  const row = [
    region, id, number, env.cipher.blindIndex('query_code', `${number}:${queryCode}`), channel, nature, type12345, category,
    text.title, text.content, text.tokens.join(' ') || ' ', urgency, snap.state, env.ruleSetId, owner.id,
    grid?.id ?? null, snap.leadUnitId, snap.assistUnitIds, snap.ownerLeaderId, unitPaths, accused ? [accused.path] : [], allFlags, accusation, count, snap,
    running && nextDue ? new Date(nextDue.at) : null, running && nextDue ? nextDue.clock : null, mergedIntoId, reply ? (reply as { opinion: string }).opinion : null,
    reply ? (reply as { text: string }).text : null, reply ? new Date((reply as { at: number }).at) : null,
    new Date(rec), new Date(rec), new Date(last), closedAt === null ? null : new Date(closedAt), regActor?.id ?? null, text.keywords,
    matterId, repeatOf ? repeatOf.id : null,
  ];
  // timers of the open case's running unit clocks: a past overdue notice fired (its event is in the history)
  if (running) {
    for (const p of plannedTimers(snap, env.rs.reminderDaysBefore, [...UNIT_CLOCK_SET], env.statute.calendar)) {
      const past = p.fireAt.getTime() <= env.end;
      if (p.kind === 'remind' && past) continue;
      timers.push([region, uuidOf(`xfgen:${env.seed}:tm:${id}:${p.kind}:${p.ref}`), id, p.kind, p.ref, p.dueAt, p.fireAt, past ? p.fireAt : null, past ? 'sent' : null]);
    }
  }
  let fp: unknown[] | null = null;
  if (env.fingerprints) {
    const f = fingerprint(routingText({ title: text.title, body: text.content }));
    fp = [region, id, f.bands, signatureToInt32(f.signature), f.shingles, new Date(rec)];
  }
  const merged = events.find((e) => e.type === 'case.merged');
  if (mergeInto && merged) {
    // runCaseCommand tells the target in the same transaction
    mergeInto.events.push({ type: 'case.merged_in', at: merged.at, actorId: merged.actorId, actorRole: merged.actorRole, data: { fromCaseId: id, fromNumber: number } });
  }
  return { id, number, text, matterId, receivedAt: rec, events, row, petitioners, fingerprint: fp, timers, supervisions, state: snap.state };
}
const ALL_STAFF_FALLBACK = (org: Org) => org.staff.supervisor?.id ?? org.staff.dispatcher?.id ?? org.petitionOffice.id;

/** Whether a case's history (so far) leaves it open at an instant; null when it was not registered yet. */
function openAt(events: GenEvent[], at: number): boolean | null {
  if (!events.length || events[0]!.at > at) return null;
  let state = 'registered';
  for (const e of events) {
    if (e.at > at) break;
    if (typeof e.data.to === 'string') state = e.data.to;
  }
  return isOpen(state as CaseSnapshot['state']) && !isTerminal(state as CaseSnapshot['state']);
}

/** Hash-chains a case's events; returns the event rows and the head. */
function chain(region: string, c: BuiltCase): { rows: unknown[][]; head: string | null } {
  c.events.sort((a, b) => a.at - b.at);
  let prev: string | null = null;
  const rows: unknown[][] = [];
  c.events.forEach((e, k) => {
    const at = new Date(e.at).toISOString();
    const hash = hashEvent(prev, { caseId: c.id, seq: k + 1, type: e.type, actorId: e.actorId, at, data: e.data });
    rows.push([region, c.id, k + 1, e.type, e.actorId, e.actorRole, at, e.data, prev, hash]);
    prev = hash;
  });
  return { rows, head: prev };
}

// ------------------------------------------------------------------------------------------------
// writing

type Col = [name: string, type: string];
const CASE_COLS: Col[] = [
  ['region', 'text'], ['id', 'uuid'], ['number', 'text'], ['query_code_hash', 'text'], ['channel', 'text'], ['nature', 'text'], ['type_12345', 'text'], ['category_code', 'text'],
  ['title', 'text'], ['content', 'text'], ['search_text', 'text'], ['urgency', 'text'], ['state', 'text'], ['rule_set_id', 'text'], ['owner_unit_id', 'uuid'],
  ['grid_unit_id', 'uuid'], ['lead_unit_id', 'uuid'], ['assist_unit_ids', 'uuid[]'], ['owner_leader_id', 'uuid'], ['unit_paths', 'text[]'], ['accused_unit_paths', 'text[]'], ['flags', 'text[]'], ['confidential', 'bool'], ['petitioner_count', 'int4'], ['snapshot', 'jsonb'],
  ['next_due_at', 'timestamptz'], ['next_due_clock', 'text'], ['merged_into_id', 'uuid'], ['reply_opinion', 'text'],
  ['reply_text', 'text'], ['replied_at', 'timestamptz'],
  ['received_at', 'timestamptz'], ['created_at', 'timestamptz'], ['updated_at', 'timestamptz'], ['closed_at', 'timestamptz'], ['created_by', 'uuid'], ['keywords', 'text[]'],
  ['matter_id', 'uuid'], ['repeat_of_id', 'uuid'],
  ['event_count', 'int4'], ['head_hash', 'text'],
];
const PETITIONER_COLS: Col[] = [
  ['region', 'text'], ['case_id', 'uuid'], ['seq', 'int4'], ['name_enc', 'text'], ['name_mask', 'text'], ['id_number_enc', 'text'], ['id_number_mask', 'text'],
  ['id_number_bidx', 'text'], ['phone_enc', 'text'], ['phone_mask', 'text'], ['phone_bidx', 'text'], ['representative', 'bool'],
];
const EVENT_COLS: Col[] = [
  ['region', 'text'], ['case_id', 'uuid'], ['seq', 'int4'], ['type', 'text'], ['actor_id', 'uuid'], ['actor_role', 'text'], ['at', 'timestamptz'], ['data', 'jsonb'], ['prev_hash', 'text'], ['hash', 'text'],
];
const FINGERPRINT_COLS: Col[] = [['region', 'text'], ['case_id', 'uuid'], ['bands', 'int4[]'], ['signature', 'int4[]'], ['shingles', 'int4'], ['received_at', 'timestamptz']];
const TIMER_COLS: Col[] = [['region', 'text'], ['id', 'uuid'], ['case_id', 'uuid'], ['kind', 'text'], ['ref', 'text'], ['due_at', 'timestamptz'], ['fire_at', 'timestamptz'], ['fired_at', 'timestamptz'], ['outcome', 'text']];
const SUPERVISION_COLS: Col[] = [
  ['region', 'text'], ['id', 'uuid'], ['case_id', 'uuid'], ['kind', 'text'], ['target_unit_id', 'uuid'], ['reason', 'text'], ['reply_due_at', 'timestamptz'], ['created_at', 'timestamptz'], ['created_by', 'uuid'],
  ['replied_at', 'timestamptz'], ['reply_text', 'text'], ['replied_by', 'uuid'],
];

const arrayLiteral = (xs: ReadonlyArray<string | number>) => `{${xs.map((x) => (typeof x === 'number' ? String(x) : `"${x.replace(/["\\]/g, (m) => `\\${m}`)}"`)).join(',')}}`;

/** One statement per table: insert … select from unnest($1::type[], …), arrays and jsonb passed as text. */
function unnestQuery(table: string, cols: Col[], rows: unknown[][]): { text: string; params: unknown[] } {
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
  return { text, params };
}

/** A raw connection: node-postgres (a client of its own, no query timeout) or the PGlite instance. */
interface Raw {
  query(text: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  close(): Promise<void>;
  kind: 'postgres' | 'pglite';
}

async function rawOf(database: Database): Promise<Raw> {
  const client = (database.db as unknown as { $client: unknown }).$client;
  if (database.kind === 'postgres') {
    const pool = client as pg.Pool & { options: { connectionString?: string } };
    const c = new pg.Client({ connectionString: pool.options.connectionString });
    await c.connect();
    return { kind: 'postgres', query: (t, p) => c.query(t, p as unknown[]), close: () => c.end() };
  }
  const lite = client as { query(t: string, p?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> };
  return { kind: 'pglite', query: (t, p) => lite.query(t, p), close: async () => {} };
}

const FILL_TABLES = ['cases', 'case_events', 'case_petitioners', 'case_fingerprints'];

async function dropIndexes(raw: Raw): Promise<string[]> {
  await raw.query('create table if not exists gen_fill_indexes (name text primary key, def text not null)');
  await raw.query(
    `insert into gen_fill_indexes select indexname, indexdef from pg_indexes i where schemaname = 'public' and tablename in (${FILL_TABLES.map((t) => `'${t}'`).join(',')})
       and not exists (select 1 from pg_constraint c where c.conname = i.indexname) on conflict do nothing`,
  );
  const saved = (await raw.query('select name from gen_fill_indexes')).rows.map((r) => String(r.name));
  for (const name of saved) await raw.query(`drop index if exists "${name}"`);
  return saved;
}

async function rebuildIndexes(raw: Raw, second: Raw | null, log: (s: string) => void): Promise<void> {
  const exists = (await raw.query(`select to_regclass('gen_fill_indexes') is not null as e`)).rows[0]!.e;
  if (!exists) return;
  const saved = (await raw.query('select name, def from gen_fill_indexes')).rows as Array<{ name: string; def: string }>;
  const present = new Set((await raw.query(`select indexname from pg_indexes where schemaname = 'public'`)).rows.map((r) => String(r.indexname)));
  const missing = saved.filter((s) => !present.has(s.name));
  // PostgreSQL: two connections (the two GIN indexes take longest, one heads each lane); PGlite: one
  const big = ['cases_search_idx', 'case_fingerprints_bands_idx'];
  const lanes: Array<typeof missing> = raw.kind === 'postgres' && second ? [[], []] : [[]];
  for (const s of [...missing.filter((m) => big.includes(m.name)), ...missing.filter((m) => !big.includes(m.name))]) {
    lanes.reduce((a, b) => (b.length < a.length ? b : a)).push(s);
  }
  await Promise.all(
    lanes.map(async (lane, k) => {
      const c = k === 0 ? raw : second!;
      if (c.kind === 'postgres') await c.query(`set maintenance_work_mem = '1GB'`);
      for (const s of lane) {
        const t0 = performance.now();
        await c.query(s.def);
        log(`index ${s.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }),
  );
  await raw.query('drop table gen_fill_indexes');
}

async function meta(raw: Raw, key: string): Promise<string | null> {
  const r = await raw.query('select value from gen_meta where key = $1', [key]);
  return r.rows[0] ? String(r.rows[0].value) : null;
}

// ------------------------------------------------------------------------------------------------

/** Given a database and a size, fills it with generated cases and events (resumable; skipped when already filled). */
export async function generate(opts: GenerateOptions): Promise<GenerateResult> {
  const t0 = performance.now();
  const log = opts.log ?? ((s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`));
  const region = opts.region ?? 'YH';
  const seed = opts.seed ?? 1;
  const N = opts.cases;
  const database = opts.database;
  const raw = await rawOf(database);
  const secs = () => (performance.now() - t0) / 1000;
  try {
    await raw.query('create table if not exists gen_meta (key text primary key, value text not null)');
    const stored = await meta(raw, 'params');
    const doneBefore = Number((await meta(raw, 'done')) ?? 0);
    const finished = (await meta(raw, 'finished')) === 'true';
    let from: number, to: number;
    if (stored) {
      const p = JSON.parse(stored) as { cases: number; seed: number; from: number; to: number };
      if (finished && p.cases >= N) {
        log(`already filled: ${p.cases} cases (seed ${p.seed}); skipped`);
        return { skipped: true, cases: p.cases, written: 0, events: 0, seconds: secs(), rowSeconds: 0, indexSeconds: 0, finishSeconds: 0, databaseBytes: await dbSize(raw) };
      }
      if (p.cases !== N || p.seed !== seed || (opts.from && opts.from.getTime() !== p.from) || (opts.to && opts.to.getTime() !== p.to)) {
        throw new Error(`this database holds a generation of ${p.cases} cases (seed ${p.seed}, ${new Date(p.from).toISOString()} – ${new Date(p.to).toISOString()}); use a fresh database`);
      }
      from = p.from;
      to = p.to;
    } else {
      const [{ n }] = (await raw.query('select count(*)::int as n from cases')).rows as [{ n: number }];
      if (n > 0) throw new Error(`the database already has ${n} cases not made by the generator; use a fresh database`);
      to = (opts.to ?? new Date()).getTime();
      from = (opts.from ?? new Date(to - 365 * DAY)).getTime();
      await raw.query(`insert into gen_meta values ('params', $1), ('done', '0')`, [JSON.stringify({ cases: N, seed, from, to })]);
    }
    if (!(to > from)) throw new Error('from must be before to');

    const statute = loadStatute();
    const ruleSetId = opts.ruleSetId ?? 'reg2022';
    const rs = statute.ruleSets.get(ruleSetId);
    if (!rs) throw new Error(`unknown rule set ${ruleSetId}`);
    const org = await setupOrg(database, region, log);
    const c0 = performance.now();
    const corpus = buildCorpus();
    log(`corpus: ${corpus.sentences.length} sentences, ${corpus.titles.length} titles, ${corpus.replies.length} replies (${((performance.now() - c0) / 1000).toFixed(1)} s)`);

    const times = receiptTimes(N, from, to, seed);
    const yearSeq = new Int32Array(N);
    const counters = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const y = chinaYear(times[i]!);
      const s = (counters.get(y) ?? 0) + 1;
      counters.set(y, s);
      yearSeq[i] = s;
    }
    const env: Env = {
      seed, region, ruleSetId, rs, statute, pausable: pausableClocks(rs), org, corpus,
      cipher: opts.cipher ?? createCipher(parseMasterKey(BENCH_MASTER_KEY)),
      end: to, times, yearSeq, fingerprints: opts.fingerprints ?? true, dueCache: new Map(),
    };

    // rows
    const BATCH = opts.batch ?? (raw.kind === 'pglite' ? 2000 : 5000);
    let events = 0;
    let rowSeconds = 0;
    if (doneBefore < N) {
      const saved = await dropIndexes(raw);
      log(`${doneBefore} of ${N} cases there; writing ${N - doneBefore} (secondary indexes dropped: ${saved.length})`);
      const writer = raw.kind === 'postgres' ? await rawOf(database) : raw;
      if (writer.kind === 'postgres') await writer.query('set synchronous_commit = off');
      const build = (start: number, stop: number) => {
        const batch: BuiltCase[] = [];
        for (let i = start; i < stop; i++) batch.push(buildCase(env, i, batch, start));
        const cRows: unknown[][] = [], eRows: unknown[][] = [], pRows: unknown[][] = [], fRows: unknown[][] = [], tRows: unknown[][] = [], sRows: unknown[][] = [];
        for (const c of batch) {
          const ch = chain(region, c);
          cRows.push([...c.row, ch.rows.length, ch.head]);
          for (const r of ch.rows) eRows.push(r);
          for (const p of c.petitioners) pRows.push(p);
          if (c.fingerprint) fRows.push(c.fingerprint);
          for (const t of c.timers) tRows.push(t);
          for (const s of c.supervisions) sRows.push(s);
        }
        return { stop, cRows, eRows, pRows, fRows, tRows, sRows };
      };
      const timing = new Map<string, number>();
      const write = async (b: ReturnType<typeof build>) => {
        const qs = [
          unnestQuery('cases', CASE_COLS, b.cRows),
          unnestQuery('case_petitioners', PETITIONER_COLS, b.pRows),
          ...chunks(b.eRows, 20_000).map((rows) => unnestQuery('case_events', EVENT_COLS, rows)),
          ...(b.fRows.length ? [unnestQuery('case_fingerprints', FINGERPRINT_COLS, b.fRows)] : []),
          ...(b.tRows.length ? [unnestQuery('timers', TIMER_COLS, b.tRows)] : []),
          ...(b.sRows.length ? [unnestQuery('supervisions', SUPERVISION_COLS, b.sRows)] : []),
        ];
        if (process.env.XF_GEN_TIMING && writer.kind === 'postgres') {
          await writer.query('begin');
          for (const q of qs) {
            const q0 = performance.now();
            await writer.query(q.text, q.params);
            const tb = q.text.slice(12, 40).split(' ')[0]!;
            timing.set(tb, (timing.get(tb) ?? 0) + performance.now() - q0);
          }
          const q0 = performance.now();
          await writer.query('commit');
          timing.set('commit', (timing.get('commit') ?? 0) + performance.now() - q0);
          log([...timing].map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}s`).join(', '));
        } else if (writer.kind === 'postgres') {
          // pipelined on one connection: the next batch is built while these run
          await Promise.all([writer.query('begin'), ...qs.map((q) => writer.query(q.text, q.params)), writer.query(`update gen_meta set value = $1 where key = 'done'`, [String(b.stop)]), writer.query('commit')]);
        } else {
          await writer.query('begin');
          for (const q of qs) await writer.query(q.text, q.params);
          await writer.query(`update gen_meta set value = $1 where key = 'done'`, [String(b.stop)]);
          await writer.query('commit');
        }
      };
      const r0 = performance.now();
      let pending: Promise<void> | null = null;
      let lastLog = performance.now();
      let buildMs = 0;
      let waitMs = 0;
      for (let start = doneBefore; start < N; start += BATCH) {
        const b0 = performance.now();
        const b = build(start, Math.min(N, start + BATCH));
        const b1 = performance.now();
        if (pending) await pending;
        buildMs += b1 - b0;
        waitMs += performance.now() - b1;
        events += b.eRows.length;
        const stop = b.stop;
        const evSoFar = events;
        pending = write(b).then(() => {
          opts.onProgress?.({ done: stop, total: N, events: evSoFar, seconds: secs(), phase: 'rows' });
        });
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          const s = (performance.now() - r0) / 1000;
          log(`rows: ${start - doneBefore + BATCH} / ${N - doneBefore} cases (${((start - doneBefore + BATCH) / s).toFixed(0)} cases/s, ${(events / s).toFixed(0)} events/s; building ${(buildMs / 1000).toFixed(0)} s, waiting for the database ${(waitMs / 1000).toFixed(0)} s; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`);
        }
      }
      await pending;
      if (writer !== raw) await writer.close();
      rowSeconds = (performance.now() - r0) / 1000;
      if (refused.size) log(`planned steps the domain refused (the case's path ended there): ${[...refused].map(([k, v]) => `${k} ${v}`).join(', ')}`);
      log(`rows: ${N - doneBefore} cases, ${events} events in ${rowSeconds.toFixed(0)} s (${((N - doneBefore) / rowSeconds).toFixed(0)} cases/s, ${(events / rowSeconds).toFixed(0)} events/s; building ${(buildMs / 1000).toFixed(0)} s)`);
    }

    // indexes
    opts.onProgress?.({ done: N, total: N, events, seconds: secs(), phase: 'indexes' });
    const i0 = performance.now();
    const second = raw.kind === 'postgres' ? await rawOf(database) : null;
    try {
      await rebuildIndexes(raw, second, log);
    } finally {
      await second?.close();
    }
    const indexSeconds = (performance.now() - i0) / 1000;

    // the finish: matters, counters, rollups, settings
    opts.onProgress?.({ done: N, total: N, events, seconds: secs(), phase: 'finish' });
    const f0 = performance.now();
    await raw.query('begin');
    await raw.query(`update cases set matter_id = id where matter_id is null and id in (select distinct matter_id from cases where matter_id is not null)`);
    for (const [year, last] of counters) {
      await raw.query(`insert into case_counters (region, year, last) values ($1, $2, $3) on conflict (region, year) do update set last = greatest(case_counters.last, excluded.last)`, [region, year, last]);
    }
    await raw.query(`insert into rollup_queue (region, case_id) select region, id from cases`);
    const setting = (key: string, value: unknown) =>
      raw.query(`insert into settings (key, value, updated_at) values ($1, $2::jsonb, now()) on conflict (key) do update set value = excluded.value, updated_at = now()`, [key, JSON.stringify(value)]);
    await setting('cockpit.rollups_queued', { at: new Date().toISOString(), by: 'bench/generate.ts', version: FACTS_VERSION });
    await setting('intelligence.backfilled', { at: new Date().toISOString(), cases: 0, by: 'bench/generate.ts' });
    await raw.query(`insert into gen_meta values ('finished', 'true') on conflict (key) do update set value = 'true'`);
    await raw.query('commit');
    // statistics for the planner now; autovacuum sets the visibility map later
    for (const t of [...FILL_TABLES, 'timers', 'supervisions', 'rollup_queue']) await raw.query(`analyze ${t}`);
    const finishSeconds = (performance.now() - f0) / 1000;
    const [{ n: total }] = (await raw.query('select count(*)::int as n from cases')).rows as [{ n: number }];
    const seconds = secs();
    opts.onProgress?.({ done: N, total: N, events, seconds, phase: 'done' });
    return { skipped: false, cases: total, written: N - doneBefore, events, seconds, rowSeconds, indexSeconds, finishSeconds, databaseBytes: await dbSize(raw) };
  } finally {
    await raw.close();
  }
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

async function dbSize(raw: Raw): Promise<number | null> {
  if (raw.kind !== 'postgres') return null;
  return Number((await raw.query('select pg_database_size(current_database()) as b')).rows[0]!.b);
}

// ------------------------------------------------------------------------------------------------
// the command line

async function ensurePgDatabase(url: string, log: (s: string) => void) {
  const name = new URL(url).pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  const { rows } = await c.query('select 1 from pg_database where datname = $1', [name]);
  if (!rows.length) {
    await c.query(`create database "${name.replace(/"/g, '')}" encoding 'UTF8' template template0 lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`);
    log(`created database ${name}`);
  }
  await c.end();
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

async function main() {
  const argv = process.argv.slice(2);
  const option = (name: string) => {
    const i = argv.indexOf(name);
    const v = i >= 0 ? argv[i + 1] : undefined;
    return v && !v.startsWith('--') ? v : undefined;
  };
  const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)} load ${os.loadavg()[0]!.toFixed(2)}] ${s}`);
  const cases = Number((option('--cases') ?? '200000').replace(/_/g, ''));
  const seed = Number(option('--seed') ?? '1');
  const pgliteDir = option('--pglite');
  const url = option('--url') ?? process.env.XINFANG_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/xf_bench_gen';
  const keyHex = option('--master-key') ?? process.env.MASTER_KEY ?? BENCH_MASTER_KEY;
  const from = option('--from') ? new Date(option('--from')!) : undefined;
  const to = option('--to') ? new Date(option('--to')!) : undefined;
  if (!Number.isInteger(cases) || cases < 1) throw new Error('--cases N (a positive integer)');
  if (!pgliteDir) await ensurePgDatabase(url, log);
  const database = await openDatabase(pgliteDir ? { pgliteDir: path.resolve(pgliteDir) } : { databaseUrl: url });
  log(`generating ${cases} cases (seed ${seed}) into ${pgliteDir ? `PGlite ${path.resolve(pgliteDir)}` : url}`);
  let lastShown = 0;
  try {
    const r = await generate({
      database,
      cases,
      seed,
      from,
      to,
      cipher: createCipher(parseMasterKey(keyHex)),
      log,
      onProgress: (p) => {
        if (p.phase === 'rows' && performance.now() - lastShown < 10_000 && p.done < p.total) return;
        lastShown = performance.now();
        if (p.phase === 'rows') log(`progress: ${p.done} / ${p.total} cases, ${p.events} events, ${p.seconds.toFixed(0)} s`);
        else log(`phase: ${p.phase} (${p.seconds.toFixed(0)} s)`);
      },
    });
    await database.close();
    const bytes = r.databaseBytes ?? (pgliteDir ? dirBytes(path.resolve(pgliteDir)) : null);
    const rate = (x: number) => (r.rowSeconds > 0 ? (x / r.rowSeconds).toFixed(0) : '–');
    console.log(
      [
        '',
        r.skipped ? `skipped: the database already holds ${r.cases} generated cases` : `generated ${r.written} cases and ${r.events} events (${r.cases} cases in the database)`,
        `elapsed ${r.seconds.toFixed(1)} s (rows ${r.rowSeconds.toFixed(1)} s, indexes ${r.indexSeconds.toFixed(1)} s, finish ${r.finishSeconds.toFixed(1)} s)`,
        `rates: ${rate(r.written)} cases/s, ${rate(r.events)} events/s while writing rows; ${(r.written / Math.max(r.seconds, 1e-9)).toFixed(0)} cases/s overall`,
        `database size: ${bytes === null ? '?' : `${(bytes / 2 ** 30).toFixed(2)} GiB`}`,
        keyHex === BENCH_MASTER_KEY ? `petitioners are encrypted with the bench key: MASTER_KEY=${BENCH_MASTER_KEY}` : '',
      ].join('\n'),
    );
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
