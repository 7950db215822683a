/**
 * What one case adds to the cockpit's counters, as a pure function of the case and its events
 * (DOMAIN.md §5). The rollup worker recomputes a case's facts whenever events are appended to it
 * and moves the counters by the difference; a full scan applies the same function to every case, so
 * the two agree exactly by construction — and a test checks that the incremental path keeps them so.
 *
 * A fact is an item `day|metric|dim|value`: `day` is the China date the fact belongs to ('' for a
 * stock such as "open now"), `metric` one of METRICS, `dim` a channel, tier, category, unit id or word.
 * Each item is counted once for every unit of its side of the case: receipt or handling (see caseScopes).
 */
import { toChinaDate } from '../deadlines/china-date.js';
import { isOpen } from '../lifecycle/transitions.js';
import type { CaseSnapshot, CaseState, ClockName } from '../lifecycle/types.js';
import type { Tier } from './types.js';

/**
 * The version of what caseFacts computes: raised whenever a case's facts change meaning, so that boot
 * queues every case once more and the worker refolds them by difference (2: a split petition's parts
 * no longer count as received; 3: overdue cases are charged to the unit their notice named;
 * 4: receipt and handling counted for their own units, see caseScopes; 5: a split part's lead is not
 * counted among the units petitioned, its parent's is; 6: an owner that also assists handles).
 */
export const FACTS_VERSION = 6;

/** The counters, with what each counts (the rates in rates.ts are quotients of these). */
export const METRICS = {
  received: 'cases received, by channel (day of receipt; a split petition once, with its parent)',
  received_cat: 'cases received, by first-level category code or "none" (day of receipt)',
  repeat: 'cases received flagged as a repeat petition (day of receipt)',
  accused: 'accusations received, by accused unit id (day of receipt)',
  petitioned: 'cases received, by lead unit id (day of receipt; once dispatched)',
  kw: 'the first three keywords of non-confidential cases received (day of receipt; coarse scopes only)',
  accept_decided: 'first acceptance decision: accepted, refused, answered on the spot or dispatched (its day)',
  accept_timely: '… of which before any overdue notice of the forward clock',
  dispatched: 'cases dispatched (交办/转送) for the first time (its day)',
  chased: '催办 issued (each, its day)',
  supervised: '督办 issued (each, its day)',
  settled: 'cases settled for the first time — closed or answered on the spot — by tier (its day)',
  settled_ontime: '… of which with no overdue notice of the handling clock before',
  settled_rated: '… of which with a return visit or rating that reached the petitioner (ever)',
  first_settled: 'settled cases that were not repeat petitions (settle day)',
  first_once: '… of which never sent back for rework, never asked for review, last rating not unsatisfied',
  eval: 'cases whose latest return visit or rating fell on that day',
  eval_contacted: '… of which the petitioner was reached (a rating by the petitioner counts)',
  eval_solved: '… of which reached and solved',
  eval_satisfied: '… of which reached and satisfied',
  backlog_in: 'cases becoming backlog (积案: the first overdue notice of any clock)',
  backlog_out: 'backlog cases resolved (closed, answered, finalised) after becoming backlog',
  backlog_left: 'backlog cases that left without resolution (withdrawn, merged, refused)',
  open: 'stock: cases open now',
  overdue: 'stock: open cases overdue now, by the unit answerable (the one its overdue notice named; else the lead unit for the handling clock, else where received)',
} as const;
export type Metric = keyof typeof METRICS;

/** Metrics kept only for coarse scopes (city, district, street, department): they have many dims. */
export const COARSE_ONLY: ReadonlySet<Metric> = new Set(['kw']);

export interface FactCase {
  id: string;
  channel: string;
  categoryCode: string | null;
  ownerUnitId: string;
  leadUnitId: string | null;
  receivedAt: Date;
  flags: readonly string[];
  state: string;
  snapshot: Pick<CaseSnapshot, 'clocks'>;
  keywords: readonly string[];
  confidential: boolean;
  unitPaths: readonly string[];
  accusedUnitPaths: readonly string[];
  /** set on the parts of a split petition: the petition was counted received once, with its parent */
  parentCaseId: string | null;
  assistUnitIds: readonly string[];
}

export interface FactEvent {
  type: string;
  at: Date;
  data: Record<string, unknown>;
}

export interface FactItem {
  day: string;
  metric: Metric;
  dim: string;
  value: number;
}

/** Given a unit id, returns its kind and (for departments) level, or undefined when unknown. */
export type UnitKindOf = (unitId: string) => { kind: string; level: string | null } | undefined;

const SETTLE_EVENTS = new Set(['case.closed', 'case.answered_on_spot']);
const RESOLVE_EVENTS = new Set(['case.closed', 'case.answered_on_spot', 'case.finalized']);
const LEAVE_EVENTS = new Set(['case.withdrawn', 'case.merged', 'case.refused']);
const DECISION_TARGETS = new Set(['accepted', 'refused', 'answered_on_spot', 'dispatched']);

/** Given a unit's kind and level, returns the tier a case settled there counts at. */
export function tierOf(unit: { kind: string; level: string | null } | undefined): Tier {
  switch (unit?.kind) {
    case 'grid':
    case 'micro_grid':
      return 'grid';
    case 'community':
      return 'community';
    case 'street':
      return 'street';
    case 'city':
      return 'city';
    case 'department':
      return unit.level === 'city' ? 'city' : 'district';
    default:
      return 'district';
  }
}

/** Given a case and its events in order, returns its facts (items with equal keys already added up). */
export function caseFacts(c: FactCase, events: readonly FactEvent[], kindOf: UnitKindOf): FactItem[] {
  const items = new Map<string, FactItem>();
  const add = (day: string, metric: Metric, dim = '', value = 1) => {
    const key = `${day}|${metric}|${dim}`;
    const it = items.get(key);
    if (it) it.value += value;
    else items.set(key, { day, metric, dim, value });
  };
  const received = toChinaDate(c.receivedAt);
  const dayOf = (e: FactEvent) => toChinaDate(e.at);

  const repeat = c.flags.includes('repeat');
  // A split petition's parts are handled, settled and rated each on its own, but the petition was
  // received once: its parent counts the receipt (volume, category, repeat, accusation, words).
  if (c.parentCaseId === null) {
    add(received, 'received', c.channel);
    add(received, 'received_cat', c.categoryCode ? c.categoryCode.slice(0, 2) : 'none');
    if (repeat) add(received, 'repeat');
    for (const p of c.accusedUnitPaths) add(received, 'accused', lastId(p));
    if (!c.confidential) for (const w of c.keywords.slice(0, 3)) add(received, 'kw', w);
    if (c.leadUnitId) add(received, 'petitioned', c.leadUnitId);
  }

  let decided = false;
  let forwardOverdue = false;
  let handlingOverdue = false;
  let dispatched = false;
  let settle: FactEvent | null = null;
  let settledOnTime = false;
  let reworked = false;
  let reviewAsked = false;
  let everReached = false;
  let lastEval: { e: FactEvent; contacted: boolean; solved: boolean; satisfied: boolean } | null = null;
  let backlogSince: FactEvent | null = null;
  let backlogEnd: { e: FactEvent; resolved: boolean } | null = null;

  for (const e of events) {
    const to = typeof e.data.to === 'string' ? e.data.to : null;
    if (e.type === 'case.overdue') {
      if (e.data.clock === 'forward') forwardOverdue = true;
      if (e.data.clock === 'handling') handlingOverdue = true;
      if (!backlogSince && !backlogEnd) backlogSince = e;
    }
    if (!decided && e.data.from === 'registered' && to && DECISION_TARGETS.has(to)) {
      decided = true;
      add(dayOf(e), 'accept_decided');
      if (!forwardOverdue) add(dayOf(e), 'accept_timely');
    }
    if (e.type === 'case.dispatched' && !dispatched) {
      dispatched = true;
      add(dayOf(e), 'dispatched');
    }
    if (e.type === 'case.chased') add(dayOf(e), 'chased');
    if (e.type === 'case.supervised') add(dayOf(e), 'supervised');
    if (e.type === 'case.reworked') reworked = true;
    if (e.type === 'case.review_requested') reviewAsked = true;
    if (SETTLE_EVENTS.has(e.type) && !settle) {
      settle = e;
      settledOnTime = !handlingOverdue;
    }
    if (e.type === 'case.return_visited' || e.type === 'case.rated') {
      const contacted = e.type === 'case.rated' ? true : e.data.contacted === true;
      lastEval = { e, contacted, solved: contacted && e.data.solved === true, satisfied: contacted && e.data.satisfied === true };
      if (contacted) everReached = true;
    }
    if (backlogSince && !backlogEnd && e !== backlogSince) {
      if (RESOLVE_EVENTS.has(e.type)) backlogEnd = { e, resolved: true };
      else if (LEAVE_EVENTS.has(e.type)) backlogEnd = { e, resolved: false };
    }
  }

  if (settle) {
    const day = dayOf(settle);
    const settler = settle.type === 'case.answered_on_spot' ? c.ownerUnitId : (c.leadUnitId ?? c.ownerUnitId);
    add(day, 'settled', tierOf(kindOf(settler)));
    if (settledOnTime) add(day, 'settled_ontime');
    if (everReached) add(day, 'settled_rated');
    if (!repeat) {
      add(day, 'first_settled');
      const unsatisfied = lastEval !== null && lastEval.contacted && !lastEval.satisfied;
      if (!reworked && !reviewAsked && !unsatisfied) add(day, 'first_once');
    }
  }
  if (lastEval) {
    const day = dayOf(lastEval.e);
    add(day, 'eval');
    if (lastEval.contacted) add(day, 'eval_contacted');
    if (lastEval.solved) add(day, 'eval_solved');
    if (lastEval.satisfied) add(day, 'eval_satisfied');
  }
  if (backlogSince) {
    add(dayOf(backlogSince), 'backlog_in');
    if (backlogEnd) add(dayOf(backlogEnd.e), backlogEnd.resolved ? 'backlog_out' : 'backlog_left');
  }

  if (isOpen(c.state as CaseState)) {
    add('', 'open');
    const answerable = overdueAnswerable(c, events);
    if (answerable) add('', 'overdue', answerable);
  }
  return [...items.values()];
}

/**
 * Given an open case, returns the unit answerable when one of its running clocks has had its overdue
 * notice (the sweeper's case.overdue at that clock's current due date), else null.
 */
function overdueAnswerable(c: FactCase, events: readonly FactEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type !== 'case.overdue') continue;
    const clock = c.snapshot.clocks[e.data.clock as ClockName];
    if (!clock || clock.stoppedAt !== null || clock.pausedSince !== null) continue;
    if (typeof e.data.dueAt !== 'string' || Date.parse(e.data.dueAt) !== Date.parse(clock.dueAt)) continue;
    // the unit the overdue notice held responsible (the sweeper names the lead for the handling clock)
    if (typeof e.data.unitId === 'string' && e.data.unitId !== '') return e.data.unitId;
    return e.data.clock === 'handling' && c.leadUnitId ? c.leadUnitId : c.ownerUnitId;
  }
  return null;
}

function lastId(path: string): string {
  const parts = path.split('/').filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/**
 * The two sides of a case, each counted for its own units. Receipt (收件: received, category, words,
 * acceptance, dispatch) counts for the units on the way to where the case was received — the owner;
 * handling (办理: supervision, settlement, evaluation, backlog, open and overdue stocks) for the units on
 * the way to the lead and assisting units, or to the owner while nobody else leads. So the 信访局 that
 * registers and dispatches a walk-in is judged on its acceptance, the street that settles it on the
 * settlement, and the district above both on everything, once.
 */
export const RECEIPT_METRICS: ReadonlySet<Metric> = new Set<Metric>(['received', 'received_cat', 'repeat', 'accused', 'petitioned', 'kw', 'accept_decided', 'accept_timely', 'dispatched']);

/** The units a case's facts count for: receipt metrics for `receipt`, the rest for `handling`. */
export interface FactScopes {
  receipt: string[];
  handling: string[];
}

/**
 * Given a case's unit paths (cases.unit_paths: the owner's first, then the lead's and the assisting
 * units'), its owner, lead and assisting units and its accused paths, returns the units whose figures
 * count it: every unit on the way to those units, except units inside an accused subtree (an accused
 * unit never learns of the accusation, not even as a count).
 */
export function caseScopes(c: Pick<FactCase, 'unitPaths' | 'accusedUnitPaths' | 'ownerUnitId' | 'leadUnitId' | 'assistUnitIds'>): FactScopes {
  const ownerPath = c.unitPaths[0];
  // the handling units by id (unit_paths holds each path once: the owner's may stand for an assisting unit too)
  const handlers = new Set<string>(c.leadUnitId ? [c.leadUnitId, ...c.assistUnitIds] : [c.ownerUnitId, ...c.assistUnitIds]);
  const handlingPaths = c.unitPaths.filter((p) => handlers.has(lastId(p)));
  return { receipt: unitsOnPaths([ownerPath], c.accusedUnitPaths), handling: unitsOnPaths(handlingPaths, c.accusedUnitPaths) };
}

function unitsOnPaths(paths: readonly (string | undefined)[], accusedUnitPaths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    if (!path) continue;
    const ids = path.split('/').filter(Boolean);
    let prefix = '/';
    for (const id of ids) {
      prefix += `${id}/`;
      if (accusedUnitPaths.some((a) => prefix.startsWith(a))) break;
      out.add(id);
    }
  }
  return [...out].sort();
}

/** Given stored scopes (handling null: facts folded before the two sides, all counted for `scopes`), returns them as FactScopes. */
export const storedScopes = (scopes: readonly string[], handling: readonly string[] | null): FactScopes => ({ receipt: [...scopes], handling: [...(handling ?? scopes)] });

/** Given an item, returns its stored form `day|metric|dim|value`. */
export const encodeItem = (i: FactItem): string => `${i.day}|${i.metric}|${i.dim}|${i.value}`;

/** Given a stored item, returns it (a dim may hold '|': day, metric and value never do, so it is what lies between). */
export function decodeItem(s: string): FactItem {
  const a = s.indexOf('|');
  const b = s.indexOf('|', a + 1);
  const z = s.lastIndexOf('|');
  return { day: s.slice(0, a), metric: s.slice(a + 1, b) as Metric, dim: s.slice(b + 1, z), value: Number(s.slice(z + 1)) };
}

/** Given a kind, returns true for the scopes that keep the many-dimension metrics (keywords). */
export const isCoarseKind = (kind: string | undefined): boolean => kind === 'city' || kind === 'district' || kind === 'street' || kind === 'department';

/**
 * Given a case's region, scopes and encoded items, adds sign × each item to the counter key of every
 * scope of its side in `daily` (region, unit, day, metric, dim) or `stock` (region, unit, metric, dim),
 * joined by NUL.
 */
export function addToCounters(
  region: string,
  scopes: FactScopes,
  items: readonly string[],
  sign: 1 | -1,
  kindOf: UnitKindOf,
  daily: Map<string, number>,
  stock: Map<string, number>,
): void {
  const decoded = items.map(decodeItem);
  for (const side of ['receipt', 'handling'] as const) {
    for (const scope of scopes[side]) {
      const coarse = isCoarseKind(kindOf(scope)?.kind);
      for (const it of decoded) {
        if (RECEIPT_METRICS.has(it.metric) !== (side === 'receipt')) continue;
        if (!coarse && COARSE_ONLY.has(it.metric)) continue;
        const key = it.day === '' ? `${region}\u0000${scope}\u0000${it.metric}\u0000${it.dim}` : `${region}\u0000${scope}\u0000${it.day}\u0000${it.metric}\u0000${it.dim}`;
        const map = it.day === '' ? stock : daily;
        map.set(key, (map.get(key) ?? 0) + sign * it.value);
      }
    }
  }
}
