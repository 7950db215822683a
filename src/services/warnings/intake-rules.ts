/**
 * The warning rules that fire when a case is registered (DOMAIN.md §6), inside the registration's
 * transaction — called before the case row is written, so everything about the new case comes from
 * the input and only earlier cases are read from the table:
 *
 * | rule | fires when | level | source key (raised once) |
 * |---|---|---|---|
 * | extreme_statement | the title or text threatens self-harm or violence (domain/warnings/extreme-statements.ts) | urgent, to a named person at once (warning-recipients.ts) | extreme:<case> |
 * | collective | the case carries the `collective` flag (≥ 5 petitioners, Art. 20) | high | collective:<case> |
 * | escalation | the case carries the `skip_level` flag (越级) | high | escalation:<case> |
 * | repeat_petitioner | the same person (blind indexes of ID number or phone, never decrypted) has ≥ `repeatMinCases` cases within `repeatWindowDays` counting this one, or this case repeats an earlier one (repeatOfId) and the person had repeated before | normal | repeat:<person>:<matter>[#g] |
 * | cluster | ≥ `clusterMinCases` cases (this one included) in the same community — or grid, where no community is above it — within `clusterWindowDays` about the same matter: the same `matterId`, or, without one, sharing ≥ `clusterMinSharedKeywords` keywords with this case | high | cluster:<unit>:matter:<matter>[#g] or cluster:<unit>:kw:<China month>[#g] |
 *
 * Generations (#g, g ≥ 2): a case is linked only to an OPEN warning of its key (raised, dispatched, fed
 * back). Once that one is assessed or withdrawn, the situation starts afresh: only cases received after
 * it closed count towards the threshold, and a new warning is raised under the next generation of the key
 * (`…#2`, `…#3`). A rule firing again on the same open situation links to the open one (raised once).
 * A keyword cluster is keyed by place and China month (so two intakes of the same grievance at once
 * meet on one key instead of each raising one); a later case joins the open keyword cluster whose
 * keywords — the union of its cases' keywords, kept in its data — it shares enough with, of this month
 * or the months the window reaches back to; another grievance in the same place and month takes the
 * next generation. Every look-up is an equality on the source key (the unique index).
 *
 * Locks (see warning-store.ts): the rules first decide what to raise or link with plain reads, then take
 * the warning-number lock, then each warning row in source-key order (checking, under the lock, that
 * it is still open), and only then write events and audit entries (the global audit lock) and notices.
 * Registration draws the case number after this, so intake takes the audit lock before the counter.
 *
 * Digit runs of six or more (phones, ID numbers) in what is quoted from the petition are masked.
 *
 * Art. 30 and confidentiality: a warning never puts an accusation or a confidential case where its
 * accused units could see it. Such a case raises only its own warnings (extreme statement, collective,
 * escalation, repeat), with the owner unit's path (never the grid's: the grid may be the accused) and the
 * accused paths that keep those units out (warning-store.ts), a title that does not quote it, and no
 * excerpt; it is never counted into, nor linked to, a cluster, which many units see.
 */
import crypto from 'node:crypto';
import { and, eq, gt, inArray, lte, ne, or, sql } from 'drizzle-orm';
import { toChinaDate } from '../../domain/deadlines/index.js';
import { detectExtremeStatements } from '../../domain/warnings/extreme-statements.js';
import { isWarningOpen, type WarningState } from '../../domain/warnings/lifecycle.js';
import type { Tx } from '../../store/database.js';
import { findUnitsById, pathIds } from '../../store/org-repository.js';
import { casePetitioners, cases, orgUnits, warnings } from '../../store/schema.js';
import type { AppContext } from '../context.js';
import { findNamedPerson } from './warning-recipients.js';
import { noticeRaisedWarning } from './warning-notices.js';
import { readWarningRules, type WarningRules } from './warning-settings.js';
import { claimWarning, findWarningBySourceKeyForUpdate, finishWarning, lockWarningNumbers, type ClaimedWarning, type RaiseWarningInput, type WarningRow } from './warning-store.js';

export interface IntakeWarningInput {
  caseId: string;
  receivedAt: Date;
  title: string;
  content: string;
  flags: readonly string[];
  ownerUnit: { id: string; path: string };
  gridUnit: { id: string; path: string } | null;
  matterId: string | null;
  repeatOfId: string | null;
  keywords: readonly string[];
  person: { idIndexes: string[]; phoneIndexes: string[] };
  confidential: boolean;
  accusedUnitPaths: readonly string[];
}

const DAY_MS = 86_400_000;
/** A keyword cluster keeps at most this many keywords (the union of its cases'). */
const MAX_CLUSTER_KEYWORDS = 200;

/**
 * What one rule wants: a warning under `base` (generation 1) or, when generational, the first
 * generation from `gen` on whose row `accept`s the case under the lock (or that does not exist yet).
 */
interface Plan {
  base: string;
  generational: boolean;
  gen: number;
  accept: (row: WarningRow) => boolean;
  /** only joins an open warning found while deciding; raises nothing if it has closed since */
  linkOnly?: boolean;
  input: Omit<RaiseWarningInput, 'sourceKey'>;
}

/** Given a base key and a generation, returns the source key: the base itself for the first. */
const keyOf = (base: string, gen: number) => (gen <= 1 ? base : `${base}#${gen}`);
const isOpen = (w: Pick<WarningRow, 'state'>) => isWarningOpen(w.state as WarningState);

/** Given a case being registered (inside the registration's transaction), raises the warnings its facts call for. */
export async function raiseIntakeWarnings(ctx: AppContext, tx: Tx, input: IntakeWarningInput): Promise<void> {
  const rules = await readWarningRules(tx);
  const sensitive = input.confidential || input.accusedUnitPaths.length > 0;
  // Where the warning belongs: the owner unit, and the grid it arose in unless the case is sensitive.
  const unitPaths = sensitive || !input.gridUnit ? [input.ownerUnit.path] : [...new Set([input.ownerUnit.path, input.gridUnit.path])];
  const quoted = sensitive ? (input.accusedUnitPaths.length ? '一件检举控告件' : '一件保密件') : `「${maskDigitRuns(clip(input.title, 40))}」`;
  const common = { unitPaths, caseIds: [input.caseId], accusedUnitPaths: input.accusedUnitPaths };
  const once = (input: Plan['input'] & { sourceKey: string }): Plan => {
    const { sourceKey, ...rest } = input;
    return { base: sourceKey, generational: false, gen: 1, accept: () => true, input: rest };
  };
  const plans: Plan[] = [];

  // 1. Decide, with plain reads only.
  const extreme = detectExtremeStatements(`${input.title}\n${input.content}`);
  if (extreme.found) {
    const person = await findNamedPerson(tx, (input.gridUnit && !sensitive ? input.gridUnit : input.ownerUnit).path, input.accusedUnitPaths);
    const kindsZh = extreme.kinds.map((k) => (k === 'self_harm' ? '自伤自杀' : '暴力')).join('、');
    plans.push(once({
      ...common,
      kind: 'extreme_statement',
      level: 'urgent',
      sourceKey: `extreme:${input.caseId}`,
      title: `${quoted}含${kindsZh}言论：${extreme.phrases.slice(0, 4).join('、')}`,
      detail: sensitive
        ? `信访件中出现${kindsZh}言论（${extreme.phrases.join('、')}），请指定专人立即核实、稳控。`
        : `信访件中出现${kindsZh}言论：${extreme.matches.slice(0, 3).map((m) => `“${maskDigitRuns(m.excerpt)}”`).join('；')}。请指定专人立即核实、稳控。`,
      assigneeId: person?.userId ?? null,
      data: { phrases: extreme.phrases, kinds: extreme.kinds, namedUnitId: person?.unitId ?? null },
    }));
  }
  if (input.flags.includes('collective')) {
    plans.push(once({ ...common, kind: 'collective', level: 'high', sourceKey: `collective:${input.caseId}`, title: `集体访：${quoted}`, detail: '五人以上联名或集体来访，请研判是否需要提前介入、做好接待和疏导。', data: {} }));
  }
  if (input.flags.includes('skip_level')) {
    plans.push(once({ ...common, kind: 'escalation', level: 'high', sourceKey: `escalation:${input.caseId}`, title: `越级信访：${quoted}`, detail: '信访人越级反映，请核实属地处理情况，防止矛盾升级。', data: {} }));
  }
  const repeat = await repeatPlan(ctx, tx, input, rules, common);
  if (repeat) plans.push(repeat);
  const cluster = sensitive ? null : await clusterPlan(ctx, tx, input, rules);
  if (cluster) plans.push(cluster);
  if (!plans.length) return;

  // 2. Hold every warning row needed: the number lock, then the rows in (base key, generation) order.
  await lockWarningNumbers(ctx, tx);
  const held: Array<{ claimed: ClaimedWarning; input: RaiseWarningInput } | undefined> = new Array(plans.length).fill(undefined);
  const order = plans.map((_, i) => i).sort((a, b) => (plans[a]!.base < plans[b]!.base ? -1 : 1));
  for (const i of order) {
    const plan = plans[i]!;
    for (let gen = plan.gen; ; gen++) {
      const raise = { ...plan.input, sourceKey: keyOf(plan.base, gen) };
      if (plan.linkOnly) {
        const row = await findWarningBySourceKeyForUpdate(tx, ctx.config.REGION, raise.sourceKey);
        if (!row) break;
        if (!plan.accept(row)) continue;
        held[i] = { claimed: { row, created: false }, input: raise };
        break;
      }
      const claimed = await claimWarning(ctx, tx, raise);
      if (claimed.created || !plan.generational || plan.accept(claimed.row)) {
        held[i] = { claimed, input: raise };
        break;
      }
    }
  }

  // 3. Events, audit entries and notices, in the order the rules came.
  for (const h of held) {
    if (!h) continue;
    const raised = await finishWarning(ctx, tx, h.claimed, h.input);
    await noticeRaisedWarning(ctx, tx, raised, { caseId: input.caseId });
  }
}

interface ChainRow {
  gen: number;
  state: string;
  closedAt: Date | null;
  data: unknown;
}

/**
 * Given a base key, returns its generations that exist (by equality look-ups on the unique source
 * key, a few at a time) and the first generation that does not.
 */
async function readChain(tx: Tx, region: string, base: string): Promise<{ rows: ChainRow[]; next: number }> {
  const rows: ChainRow[] = [];
  for (let from = 1; ; from += 8) {
    const keys = Array.from({ length: 8 }, (_, i) => keyOf(base, from + i));
    const found = await tx
      .select({ sourceKey: warnings.sourceKey, state: warnings.state, closedAt: warnings.closedAt, data: warnings.data })
      .from(warnings)
      .where(and(eq(warnings.region, region), inArray(warnings.sourceKey, keys)));
    const byKey = new Map(found.map((f) => [f.sourceKey, f]));
    for (const [i, key] of keys.entries()) {
      const f = byKey.get(key);
      if (!f) return { rows, next: from + i };
      rows.push({ gen: from + i, state: f.state, closedAt: f.closedAt, data: f.data });
    }
  }
}

/** Given the generations of a key, returns the open one (the latest), or when none is open when the last one closed. */
function chainState(rows: readonly ChainRow[]): { open: ChainRow | null; closedAt: Date | null } {
  const open = [...rows].reverse().find((r) => isOpen(r)) ?? null;
  const closedAt = rows.reduce<Date | null>((at, r) => (r.closedAt && (!at || r.closedAt > at) ? r.closedAt : at), null);
  return { open, closedAt };
}

async function repeatPlan(ctx: AppContext, tx: Tx, input: IntakeWarningInput, rules: WarningRules, common: Pick<RaiseWarningInput, 'unitPaths' | 'caseIds' | 'accusedUnitPaths'>): Promise<Plan | null> {
  const { idIndexes, phoneIndexes } = input.person;
  if (!idIndexes.length && !phoneIndexes.length) return null;
  const region = ctx.config.REGION;
  const samePerson = or(
    idIndexes.length ? inArray(casePetitioners.idNumberBidx, idIndexes) : undefined,
    phoneIndexes.length ? inArray(casePetitioners.phoneBidx, phoneIndexes) : undefined,
  );
  // One warning per person and matter (and generation); the person is named by a hash of his blind index, nothing more.
  const personKey = crypto.createHash('sha256').update(idIndexes[0] ?? phoneIndexes[0]!).digest('hex').slice(0, 24);
  const matter = input.matterId ?? input.repeatOfId ?? '-';
  const base = `repeat:${personKey}:${matter}`;
  const all = await tx
      .selectDistinct({ id: cases.id, receivedAt: cases.receivedAt, repeatOfId: cases.repeatOfId })
      .from(casePetitioners)
      .innerJoin(cases, and(eq(cases.region, casePetitioners.region), eq(cases.id, casePetitioners.caseId)))
      .where(and(eq(casePetitioners.region, region), samePerson, ne(cases.id, input.caseId), lte(cases.receivedAt, input.receivedAt)))
      .limit(1_000);
  const chain = await readChain(tx, region, base);
  const { open, closedAt } = chainState(chain.rows);
  // after a warning of this person and matter was closed, only what came after it counts
  const earlier = open || !closedAt ? all : all.filter((c) => c.receivedAt > closedAt);
  const since = input.receivedAt.getTime() - rules.repeatWindowDays * DAY_MS;
  const recent = earlier.filter((c) => c.receivedAt.getTime() > since);
  const byCount = recent.length + 1 >= rules.repeatMinCases;
  const repeatedBefore = input.repeatOfId !== null && earlier.some((c) => c.repeatOfId !== null);
  if (!byCount && !repeatedBefore) return null;
  return {
    base,
    generational: true,
    gen: open?.gen ?? chain.next,
    accept: isOpen,
    input: {
      ...common,
      kind: 'repeat_petitioner',
      level: 'normal',
      title: byCount ? `重复信访：同一信访人${rules.repeatWindowDays}日内第${recent.length + 1}件` : '重复信访：同一信访人再次重复反映',
      detail: `同一信访人（按身份证号或手机号识别）${rules.repeatWindowDays}日内已有${recent.length}件在先信访件${repeatedBefore ? '，且此前已有重复信访' : ''}。请核查在先件办理情况，防止久拖不决、矛盾升级。`,
      // the earlier cases are not linked: they may lie outside the scope of those who see this warning
      data: { recentCount: recent.length + 1, windowDays: rules.repeatWindowDays, repeatedBefore },
    },
  };
}

async function clusterPlan(ctx: AppContext, tx: Tx, input: IntakeWarningInput, rules: WarningRules): Promise<Plan | null> {
  if (!input.gridUnit) return null;
  const region = ctx.config.REGION;
  const chainUnits = await findUnitsById(tx, pathIds(input.gridUnit.path));
  const community = pathIds(input.gridUnit.path)
    .map((id) => chainUnits.get(id))
    .reverse()
    .find((u) => u?.kind === 'community');
  const place = community ? { id: community.id, path: community.path, name: community.name } : { id: input.gridUnit.id, path: input.gridUnit.path, name: chainUnits.get(input.gridUnit.id)?.name ?? '' };
  const keywords = clusterKeywords(input.keywords);
  const min = rules.clusterMinSharedKeywords;
  const windowStart = new Date(input.receivedAt.getTime() - rules.clusterWindowDays * DAY_MS);
  const base = { kind: 'cluster' as const, level: 'high' as const, title: '', detail: '', unitPaths: [place.path], caseIds: [input.caseId] };

  let plan: Pick<Plan, 'base' | 'gen' | 'accept'>;
  let since = windowStart;
  if (input.matterId) {
    // Same matter: its open warning in this place takes the case; else count what came since the last one closed.
    const key = `cluster:${place.id}:matter:${input.matterId}`;
    const chain = await readChain(tx, region, key);
    const { open, closedAt } = chainState(chain.rows);
    if (open) return { base: key, generational: true, linkOnly: true, gen: open.gen, accept: isOpen, input: base };
    if (closedAt && closedAt > since) since = closedAt;
    plan = { base: key, gen: chain.next, accept: isOpen };
  } else {
    if (keywords.length < min) return null;
    // Same words: the open keyword cluster of this place whose words the case shares enough of, of this
    // month or of the months the window reaches back to; else a new one under this month's key.
    const matches = (data: unknown) => sharedCount(keywordsOf(data), keywords) >= min;
    const accept = (w: WarningRow) => isOpen(w) && matches(w.data);
    const months = monthsBetween(windowStart, input.receivedAt);
    const chains = await Promise.all(months.map(async (m) => ({ key: `cluster:${place.id}:kw:${m}`, ...(await readChain(tx, region, `cluster:${place.id}:kw:${m}`)) })));
    for (const c of [...chains].reverse()) {
      const hit = c.rows.filter((r) => isOpen(r) && matches(r.data)).sort((a, b) => sharedCount(keywordsOf(b.data), keywords) - sharedCount(keywordsOf(a.data), keywords))[0];
      if (hit) {
        return { base: c.key, generational: true, linkOnly: true, gen: hit.gen, accept, input: { ...base, linkData: (w) => ({ keywords: unionKeywords(keywordsOf(w.data), keywords) }) } };
      }
    }
    // a keyword cluster on these words closed lately: only what came after it counts
    for (const c of chains) for (const r of c.rows) if (!isOpen(r) && matches(r.data) && r.closedAt && r.closedAt > since) since = r.closedAt;
    const current = chains.at(-1)!;
    plan = { base: current.key, gen: current.next, accept };
  }

  // The place's units (a community's grids), so the count runs on cases_grid_received_idx (region, grid, received_at).
  const placeUnits = (await tx.select({ id: orgUnits.id }).from(orgUnits).where(sql`starts_with(${orgUnits.path}, ${place.path})`).limit(1_000)).map((u) => u.id);
  const sameMatter = input.matterId
    ? sql`(${cases.matterId} = ${input.matterId} or ${cases.id} = ${input.matterId})`
    : sql`cardinality(array(select unnest(${cases.keywords}) intersect select unnest(array[${sql.join(keywords.map((k) => sql`${k}`), sql`, `)}]::text[]))) >= ${min}`;
  const rows = await tx
    .select({ id: cases.id, keywords: cases.keywords })
    .from(cases)
    .where(
      and(
        eq(cases.region, region),
        inArray(cases.gridUnitId, placeUnits),
        gt(cases.receivedAt, since),
        lte(cases.receivedAt, input.receivedAt),
        eq(cases.confidential, false),
        ne(cases.nature, 'accusation'),
        sql`cardinality(${cases.accusedUnitPaths}) = 0`,
        ne(cases.id, input.caseId),
        sameMatter,
      ),
    )
    .limit(500);
  const count = rows.length + 1;
  if (count < rules.clusterMinCases) return null;
  const words = input.matterId ? [] : unionKeywords(keywords, ...rows.map((r) => clusterKeywords(r.keywords)));
  return {
    ...plan,
    generational: true,
    input: {
      ...base,
      title: `聚集苗头：${place.name}${rules.clusterWindowDays}日内${count}件同类诉求`,
      detail: `${place.name}${rules.clusterWindowDays}日内收到${count}件${input.matterId ? '同一事项' : `内容相近（${keywords.slice(0, 5).join('、')}）`}的信访件，可能形成群体性诉求，请提前介入、化解在萌芽状态。`,
      caseIds: [...rows.map((r) => r.id), input.caseId],
      data: { placeUnitId: place.id, windowDays: rules.clusterWindowDays, count, matterId: input.matterId, keywords: words },
      ...(input.matterId ? {} : { linkData: (w: WarningRow) => ({ keywords: unionKeywords(keywordsOf(w.data), keywords) }) }),
    },
  };
}

/** Given a case's keywords, returns those a cluster may keep and show: distinct, and no digit runs (a phone or ID number is no topic). */
const clusterKeywords = (words: readonly string[]) => [...new Set(words)].filter((w) => !/[0-9０-９]{6,}/.test(w));
const keywordsOf = (data: unknown): string[] => {
  const k = (data as { keywords?: unknown } | null)?.keywords;
  return Array.isArray(k) ? k.filter((w): w is string => typeof w === 'string') : [];
};
const unionKeywords = (...lists: ReadonlyArray<readonly string[]>) => [...new Set(lists.flat())].slice(0, MAX_CLUSTER_KEYWORDS);

/** Given two instants, returns the China months (YYYY-MM) from the first's to the second's, in order. */
function monthsBetween(from: Date, to: Date): string[] {
  const out: string[] = [];
  let [y, m] = toChinaDate(from).slice(0, 7).split('-').map(Number) as [number, number];
  const last = toChinaDate(to).slice(0, 7);
  for (;;) {
    const ym = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    out.push(ym);
    if (ym >= last || out.length > 24) return out;
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
}

function sharedCount(a: readonly string[], b: readonly string[]): number {
  const set = new Set(a);
  return b.filter((k) => set.has(k)).length;
}

/** Given text quoted from a petition, returns it with runs of six or more digits (phones, ID numbers) masked: 139******78. */
export function maskDigitRuns(s: string): string {
  return s.replace(/[0-9０-９]{6,}[XxＸｘ]?/g, (m) => `${m.slice(0, 3)}${'*'.repeat(m.length - 5)}${m.slice(-2)}`);
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
