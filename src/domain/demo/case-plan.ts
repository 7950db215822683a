/**
 * Plans the demo cases: who petitions, about what, through which channel, where, when, and the
 * lifecycle commands to drive each case through. Pure and deterministic from the seed; the seeding
 * service creates each case at `receivedAt` and runs its `path` with an injected clock
 * (`stepTime(plan, step)`), resolving unit keys and plan indices to ids.
 *
 * Proportions aim at what a district's dashboard shows: most cases closed, about 15 % in handling,
 * a few overdue because they came in long ago and are still open, and every state of
 * DOMAIN.md §3 present at least once whenever `count` ≥ the number of path kinds.
 */
import type { CaseState, Command, CommandType, LegalChannel, ReplyOpinion } from '../lifecycle/types.js';
import { DEMO_DEPARTMENTS } from './org-generator.js';
import { fictionalName, type DemoGender } from './person-names.js';
import { createRng, type Rng } from './prng.js';

export type DemoChannel = 'online' | 'qr' | 'phone' | 'letter' | 'visit' | 'leader_reception' | 'grid_report' | 'transfer_12345';
export type DemoNature = 'suggestion' | 'accusation' | 'appeal';
export type DemoType12345 = 'inquiry' | 'help' | 'complaint' | 'report' | 'suggestion';
export type DemoUrgency = 'normal' | 'urgent' | 'utility' | 'complex';

export interface DemoPetitioner {
  name: string;
  /** 18 digits, GB 11643 check digit, region prefix 3301xx (mostly 330110). */
  idNumber: string;
  phone: string;
  address: string;
  /** Collective cases only: at most 5 per case (2022 Regulation Art. 20). */
  representative: boolean;
}

// Commands that name units or other cases carry demo keys / plan indices instead of database ids.
type KeyedCommandType = 'dispatch' | 'redispatch' | 'escalate' | 'refer_joint_meeting' | 'merge' | 'split';

/** A lifecycle command as planned: Command, with unit keys for unit ids and a plan index for a case id. */
export type DemoCommand =
  | Exclude<Command, { type: KeyedCommandType }>
  | { type: 'dispatch'; leadUnitKey: string; assistUnitKeys: string[]; instructions?: string }
  | { type: 'redispatch'; leadUnitKey: string; assistUnitKeys: string[]; reason: string }
  | { type: 'escalate'; toUnitKey: string; reason: string }
  | { type: 'merge'; intoPlanIndex: number; reason?: string };

export interface DemoStep {
  /** Days after receipt (fractional); strictly increasing along a path. */
  offsetDays: number;
  command: DemoCommand;
}

export interface DemoCasePlan {
  /** Position in the returned list, which is sorted by receivedAt: a merge target always comes first. */
  index: number;
  channel: DemoChannel;
  nature: DemoNature;
  type12345: DemoType12345 | null;
  categoryCode: string;
  title: string;
  content: string;
  petitioners: DemoPetitioner[];
  /** 集体访: 5 or more petitioners. */
  collective: boolean;
  gridKey: string;
  /** Where the case was received: the grid for QR codes and grid reports, the petition bureau otherwise. */
  receivingUnitKey: string;
  receivedAt: Date;
  urgency: DemoUrgency;
  confidential: boolean;
  /** Accusations only (Art. 30): the unit accused, which must never see the case. */
  accusedUnitKey: string | null;
  /** 领导包案: the seeder assigns a leader as owner. */
  leaderOwned: boolean;
  path: DemoStep[];
  /** The state the path ends in, per DOMAIN.md §3 (re-review opinion ends in final). */
  expectedState: CaseState;
}

export interface DemoCaseMessage {
  title: string | null;
  body: string;
  category: string | null;
  reply: string | null;
}

export interface DemoCaseInput {
  gridKeys: string[];
  departmentKeys: string[];
  /** Leaf category codes. */
  categoryCodes: string[];
  messages: DemoCaseMessage[];
  now: Date;
  /**
   * Optional publisher label → first-level code (statute/category-aliases.json): when given, a
   * message labelled 教育文体 gets a leaf under 教育文体 instead of a random one.
   */
  categoryAliases?: Readonly<Record<string, string>>;
}

const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 3_600_000; // receipt times are placed in Beijing working hours, whatever the host zone
const MAX_AGE_DAYS = 365;
const MAX_TEXT = 1500;

/** The kinds of path, named by where they end; 'handling_overdue' ends in handling past its deadline. */
export const DEMO_PATH_KINDS = [
  'registered',
  'accepted',
  'refused',
  'answered_on_spot',
  'dispatched',
  'objected',
  'handling',
  'handling_overdue',
  'replied',
  'visited',
  'closed',
  'under_review',
  'reviewed',
  'under_re_review',
  'final',
  'withdrawn',
  'merged',
] as const;
export type DemoPathKind = (typeof DEMO_PATH_KINDS)[number];

// Percent of cases per kind. Open intake states are small (a live district clears them in days);
// ~13 % handling plus 2 % overdue; most closed; the review chain thins out as in practice.
const KIND_WEIGHTS: Record<DemoPathKind, number> = {
  registered: 1.2,
  accepted: 1.2,
  refused: 3,
  answered_on_spot: 8,
  dispatched: 2,
  objected: 0.6,
  handling: 13,
  handling_overdue: 2,
  replied: 2,
  visited: 1.5,
  closed: 58.6,
  under_review: 0.8,
  reviewed: 0.8,
  under_re_review: 0.4,
  final: 0.5,
  withdrawn: 1.5,
  merged: 1.5,
};

const STATE_OF_KIND: Record<DemoPathKind, CaseState> = {
  registered: 'registered',
  accepted: 'accepted',
  refused: 'refused',
  answered_on_spot: 'answered_on_spot',
  dispatched: 'dispatched',
  objected: 'objected',
  handling: 'handling',
  handling_overdue: 'handling',
  replied: 'replied',
  visited: 'visited',
  closed: 'closed',
  under_review: 'under_review',
  reviewed: 'reviewed',
  under_re_review: 'under_re_review',
  final: 'final',
  withdrawn: 'withdrawn',
  merged: 'merged',
};

const CHANNEL_WEIGHTS: readonly (readonly [DemoChannel, number])[] = [
  ['online', 30],
  ['phone', 20],
  ['transfer_12345', 12],
  ['qr', 10],
  ['grid_report', 10],
  ['visit', 10],
  ['letter', 5],
  ['leader_reception', 3],
];

/** Given a seed, a count and the org/category/message inputs, returns `count` case plans sorted by receivedAt. */
export function planDemoCases(seed: number, count: number, input: DemoCaseInput): DemoCasePlan[] {
  if (input.gridKeys.length === 0) throw new Error('planDemoCases: no grid keys');
  if (input.categoryCodes.length === 0) throw new Error('planDemoCases: no category codes');
  const rng = createRng(seed);
  const ctx = makeContext(input, rng.fork('hot-grids'));

  // The first cases take one kind each, so every state shows up even in a small demo; the rest are drawn.
  const kindRng = rng.fork('kinds');
  const kindEntries = DEMO_PATH_KINDS.map((k) => [k, KIND_WEIGHTS[k]] as const);
  const kinds: DemoPathKind[] = Array.from({ length: Math.max(0, Math.floor(count)) }, (_, i) =>
    i < DEMO_PATH_KINDS.length ? (DEMO_PATH_KINDS[i] as DemoPathKind) : kindRng.weighted(kindEntries),
  );

  // Draft plans keep their draw position as a provisional index; merges point at a draft index until the sort.
  const drafts: (DemoCasePlan & { draft: number })[] = [];
  const mergeKinds: number[] = [];
  kinds.forEach((kind, i) => {
    if (kind === 'merged') mergeKinds.push(i);
    else drafts.push({ ...planOne(rng.fork(`case:${i}`), kind, ctx), draft: i });
  });

  // A merged case is a repeat of an open case: same person, same matter, received later, linked at intake.
  const targets = drafts.filter((d) =>
    (['dispatched', 'handling', 'replied', 'visited'] as CaseState[]).includes(d.expectedState) &&
    input.now.getTime() - d.receivedAt.getTime() > 1.5 * DAY_MS,
  );
  for (const i of mergeKinds) {
    const r = rng.fork(`case:${i}`);
    if (targets.length === 0) {
      drafts.push({ ...planOne(r, 'registered', ctx), draft: i });
      continue;
    }
    const target = r.pick(targets);
    drafts.push({ ...planMerged(r, target, ctx), draft: i });
  }

  drafts.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a.draft - b.draft);
  const indexOfDraft = new Map(drafts.map((d, index) => [d.draft, index]));
  return drafts.map(({ draft: _draft, ...plan }, index) => ({
    ...plan,
    index,
    path: plan.path.map((step) =>
      step.command.type === 'merge'
        ? { ...step, command: { ...step.command, intoPlanIndex: indexOfDraft.get(step.command.intoPlanIndex) ?? -1 } }
        : step,
    ),
  }));
}

/** Given a plan and one of its steps, returns the instant the step is to run at. */
export function stepTime(plan: Pick<DemoCasePlan, 'receivedAt'>, step: Pick<DemoStep, 'offsetDays'>): Date {
  return new Date(plan.receivedAt.getTime() + Math.round(step.offsetDays * DAY_MS));
}

/** Given the command types of a path, returns the state it ends in per DOMAIN.md §3, or null for an unknown step. */
export function stateAfterPath(types: readonly CommandType[]): CaseState | null {
  let state: CaseState = 'registered';
  const next: Partial<Record<CommandType, CaseState>> = {
    accept: 'accepted',
    refuse: 'refused',
    answer_on_spot: 'answered_on_spot',
    dispatch: 'dispatched',
    redispatch: 'dispatched',
    escalate: 'dispatched',
    object: 'objected',
    sign: 'handling',
    reply: 'replied',
    return_visit: 'visited',
    rework: 'handling',
    close: 'closed',
    request_review: 'under_review',
    review_opinion: 'reviewed',
    request_re_review: 'under_re_review',
    re_review_opinion: 'final',
    withdraw: 'withdrawn',
    merge: 'merged',
  };
  // These record facts without moving the case.
  const stay = new Set<CommandType>(['contact_log', 'note', 'request_extension', 'approve_extension', 'reject_extension']);
  for (const t of types) {
    if (stay.has(t)) continue;
    const to = next[t];
    if (to === undefined) return null;
    state = to;
  }
  return state;
}

// ——— context ————————————————————————————————————————————————————————————————

interface Context {
  input: DemoCaseInput;
  leafByFirst: Map<string, string[]>;
  /** Grid keys repeated by a per-grid weight: a few hot grids make cluster warnings visible. */
  gridPool: string[];
  departments: Set<string>;
  bureau: string | null;
}

function makeContext(input: DemoCaseInput, hot: Rng): Context {
  const leafByFirst = new Map<string, string[]>();
  for (const code of input.categoryCodes) {
    const first = code.slice(0, 2);
    leafByFirst.set(first, [...(leafByFirst.get(first) ?? []), code]);
  }
  // Hot spots come from their own stream, so they stay put when `count` changes.
  const gridPool = input.gridKeys.flatMap((k) => Array.from({ length: hot.chance(0.08) ? 4 : 1 }, () => k));
  const departments = new Set(input.departmentKeys);
  const bureau = departments.has('dept-district-petition') ? 'dept-district-petition' : (input.departmentKeys[0] ?? null);
  return { input, leafByFirst, gridPool, departments, bureau };
}

// ——— one case ——————————————————————————————————————————————————————————————

/** Given an Rng, a path kind and the context, returns one plan (index provisional). */
function planOne(r: Rng, kind: DemoPathKind, ctx: Context): DemoCasePlan {
  const { input } = ctx;
  const message = input.messages.length > 0 ? r.pick(input.messages) : r.pick(FALLBACK_MESSAGES);
  const categoryCode = pickCategory(r, message.category, ctx);
  const channel: DemoChannel =
    kind === 'answered_on_spot' ? r.weighted([['phone', 60], ['visit', 25], ['online', 15]] as const) : r.weighted(CHANNEL_WEIGHTS);
  const nature: DemoNature =
    kind === 'answered_on_spot' ? 'appeal' : categoryCode.startsWith('13') ? 'accusation' : r.weighted([['appeal', 74], ['suggestion', 14], ['accusation', 12]] as const);
  const type12345 = channel === 'phone' || channel === 'transfer_12345' ? typeFor(r, nature, kind) : null;
  const urgency: DemoUrgency = r.weighted([['normal', 85], ['urgent', 4], ['utility', 5], ['complex', 6]] as const);
  const gridKey = r.pick(ctx.gridPool);
  const collective = kind !== 'answered_on_spot' && r.chance(0.03);
  const petitioners = makePetitioners(r, collective ? r.int(5, 30) : 1, input.now);
  const lead = chooseLead(r, categoryCode, gridKey, nature, ctx);
  const accusedUnitKey = nature === 'accusation' && r.chance(0.6) ? chooseAccused(r, gridKey, lead, ctx) : null;
  const receivingUnitKey = channel === 'qr' || channel === 'grid_report' ? gridKey : (ctx.bureau ?? gridKey);

  const path = buildPath(r, kind, { lead, accused: accusedUnitKey, categoryCode, urgency, message, ctx });
  const last = path.length > 0 ? (path[path.length - 1] as DemoStep).offsetDays : 0;
  const [lo, hi] = ageWindow(r, kind, path, last);
  const receivedAt = sampleReceivedAt(r, input.now, lo, hi, channel);

  return {
    index: -1,
    channel,
    nature,
    type12345,
    categoryCode,
    title: titleOf(message),
    content: trimText(scrub(message.body)),
    petitioners,
    collective,
    gridKey,
    receivingUnitKey,
    receivedAt,
    urgency,
    confidential: nature === 'accusation' ? r.chance(0.8) : r.chance(0.03),
    accusedUnitKey,
    leaderOwned: channel === 'leader_reception' || (urgency === 'complex' && (collective || r.chance(0.15))),
    path,
    expectedState: STATE_OF_KIND[kind],
  };
}

/** Given an Rng, the target plan and the context, returns a repeat of it merged into it at intake. */
function planMerged(r: Rng, target: DemoCasePlan & { draft: number }, ctx: Context): DemoCasePlan {
  const now = ctx.input.now.getTime();
  const targetAge = (now - target.receivedAt.getTime()) / DAY_MS;
  // Received 0.5–20 days after the target, and merged within hours, before `now`.
  const lag = r.float(0.5, Math.max(0.6, Math.min(20, targetAge - 0.5)));
  const receivedAt = new Date(Math.floor((target.receivedAt.getTime() + lag * DAY_MS) / 1000) * 1000);
  const room = (now - receivedAt.getTime()) / DAY_MS;
  const offset = round4(Math.max(0.001, Math.min(r.float(0.02, 1), room * 0.9)));
  const channel = r.weighted(CHANNEL_WEIGHTS);
  return {
    ...target,
    index: -1,
    petitioners: target.petitioners.map((p) => ({ ...p })),
    channel,
    type12345: channel === 'phone' || channel === 'transfer_12345' ? (target.type12345 ?? 'complaint') : null,
    receivingUnitKey: channel === 'qr' || channel === 'grid_report' ? target.gridKey : (ctx.bureau ?? target.gridKey),
    receivedAt,
    leaderOwned: false,
    path: [{ offsetDays: offset, command: { type: 'merge', intoPlanIndex: target.draft, reason: '同一信访人就同一事项重复反映，并入原件办理' } }],
    expectedState: 'merged',
  };
}

function typeFor(r: Rng, nature: DemoNature, kind: DemoPathKind): DemoType12345 {
  if (kind === 'answered_on_spot') return r.chance(0.8) ? 'inquiry' : 'help';
  if (nature === 'accusation') return 'report';
  if (nature === 'suggestion') return 'suggestion';
  return r.weighted([['complaint', 45], ['help', 30], ['inquiry', 25]] as const);
}

function pickCategory(r: Rng, label: string | null, ctx: Context): string {
  const first = label !== null ? ctx.input.categoryAliases?.[label] : undefined;
  const leaves = first !== undefined ? ctx.leafByFirst.get(first) : undefined;
  return r.pick(leaves !== undefined && leaves.length > 0 ? leaves : ctx.input.categoryCodes);
}

// ——— routing ———————————————————————————————————————————————————————————————

/** The community and street keys of a grid key 'grid-SS-CC-GG' (org-generator's key contract). */
function tiersOfGrid(gridKey: string): { community: string; street: string } | null {
  const m = /^grid-(\d+)-(\d+)-\d+$/.exec(gridKey);
  return m === null ? null : { community: `community-${m[1]}-${m[2]}`, street: `street-${m[1]}` };
}

/** The tier above a grid or community lead (a street has departments and the district above it: not planned). */
function parentTier(unitKey: string): string | null {
  const grid = /^grid-(\d+)-(\d+)-\d+$/.exec(unitKey);
  if (grid !== null) return `community-${grid[1]}-${grid[2]}`;
  const community = /^community-(\d+)-\d+$/.exec(unitKey);
  return community !== null ? `street-${community[1]}` : null;
}

function departmentFor(r: Rng, categoryCode: string, ctx: Context, exclude: readonly (string | null)[] = []): string | null {
  let best: { key: string; len: number; district: boolean } | null = null;
  for (const d of DEMO_DEPARTMENTS) {
    if (!ctx.departments.has(d.key) || exclude.includes(d.key)) continue;
    for (const prefix of d.remit) {
      if (!categoryCode.startsWith(prefix)) continue;
      const district = d.level === 'district';
      // Longest prefix wins; at equal length the district body, since cases start at the lowest level.
      if (best === null || prefix.length > best.len || (prefix.length === best.len && district && !best.district)) {
        best = { key: d.key, len: prefix.length, district };
      }
    }
  }
  if (best !== null) return best.key;
  const others = ctx.input.departmentKeys.filter((k) => !exclude.includes(k) && k !== ctx.bureau && !k.startsWith('dept-city-'));
  return others.length > 0 ? r.pick(others) : null;
}

// Tier shares: "小事不出村社、大事不出街道" — most cases settle in the community or below.
function chooseLead(r: Rng, categoryCode: string, gridKey: string, nature: DemoNature, ctx: Context): string {
  const tiers = tiersOfGrid(gridKey);
  if (nature === 'accusation') {
    // Accusations go to a body above the accused (纪委 or the competent department), never to a grid.
    const discipline = ctx.departments.has('dept-district-discipline') ? 'dept-district-discipline' : null;
    const dept = (r.chance(0.5) ? discipline : null) ?? departmentFor(r, categoryCode, ctx);
    return dept ?? tiers?.street ?? gridKey;
  }
  const tier = r.weighted([['grid', 15], ['community', 35], ['street', 20], ['department', 30]] as const);
  if (tier === 'grid') return gridKey;
  if (tier === 'community' && tiers !== null) return tiers.community;
  if (tier === 'street' && tiers !== null) return tiers.street;
  return departmentFor(r, categoryCode, ctx) ?? tiers?.community ?? gridKey;
}

function chooseAccused(r: Rng, gridKey: string, lead: string, ctx: Context): string | null {
  const tiers = tiersOfGrid(gridKey);
  const candidates = [
    ...(tiers !== null ? [tiers.community] : []),
    ...ctx.input.departmentKeys.filter((k) => k !== lead && k !== ctx.bureau && k !== 'dept-district-discipline' && !k.startsWith('dept-city-')),
  ];
  return candidates.length > 0 ? r.pick(candidates) : null;
}

// ——— paths ——————————————————————————————————————————————————————————————————

interface PathContext {
  lead: string;
  /** Art. 30: never a lead or assisting unit. */
  accused: string | null;
  categoryCode: string;
  urgency: DemoUrgency;
  message: DemoCaseMessage;
  ctx: Context;
}

/** Given an Rng, a kind and the case's facts, returns the steps with strictly increasing offsets. */
function buildPath(r: Rng, kind: DemoPathKind, p: PathContext): DemoStep[] {
  const steps: DemoStep[] = [];
  let t = 0;
  const at = (days: number, command: DemoCommand): number => {
    t = round4(t + Math.max(0.001, days));
    steps.push({ offsetDays: t, command });
    return t;
  };
  const quick = p.urgency === 'urgent' || p.urgency === 'utility';

  switch (kind) {
    case 'registered':
      return steps;
    case 'answered_on_spot':
      at(r.float(0.003, 0.05), { type: 'answer_on_spot', answer: onSpotAnswer(r, p.message) });
      return steps;
    case 'refused': {
      const [reason, legalChannel] = r.pick(REFUSALS);
      at(r.float(0.1, 6), { type: 'refuse', reason, legalChannel });
      return steps;
    }
    case 'withdrawn':
      if (r.chance(0.5)) {
        at(r.float(0.1, 3), { type: 'withdraw', reason: r.pick(WITHDRAW_REASONS) });
      } else {
        intake(r, at, p, quick);
        at(r.float(0.05, 2), { type: 'sign' });
        at(r.float(1, 20), { type: 'withdraw', reason: r.pick(WITHDRAW_REASONS) });
      }
      return steps;
    default:
      break;
  }

  at(quick ? r.float(0.01, 0.2) : r.float(0.05, 2.5), { type: 'accept' });
  if (kind === 'accepted') return steps;

  const redispatch = kind === 'objected' || (kind === 'closed' && r.chance(0.04));
  const firstLead = redispatch ? (departmentFor(r, '99', p.ctx, [p.lead, p.accused]) ?? p.lead) : p.lead;
  at(quick ? r.float(0.01, 0.2) : r.float(0.05, 2), dispatchCommand(r, firstLead, p));
  if (kind === 'dispatched') return steps;
  if (redispatch) {
    // Art. 23: an objection within 5 working days sends the case back to the dispatcher.
    at(r.float(0.3, 4), { type: 'object', reason: '该事项不属于本单位职责范围，建议交由属地或主管部门办理' });
    if (kind === 'objected') return steps;
    at(r.float(0.1, 2), { type: 'redispatch', leadUnitKey: p.lead, assistUnitKeys: [], reason: '经核实，调整承办单位' });
  }
  const signedAt = at(quick ? r.float(0.01, 0.3) : r.float(0.05, 2), { type: 'sign' });
  const acceptedAt = (steps[0] as DemoStep).offsetDays;

  if (r.chance(0.7) || kind === 'handling_overdue') {
    at(r.float(0.1, quick ? 0.3 : 5), { type: 'contact_log', method: r.pick(['phone', 'phone', 'visit', 'sms'] as const), summary: '已与信访人取得联系，了解诉求详情', reached: r.chance(0.9) });
  }
  // 小事不出村社: what a grid or community cannot settle goes one tier up, and the new lead signs again.
  const upper = parentTier(p.lead);
  if (upper !== null && kind !== 'handling_overdue' && r.chance(0.2)) {
    at(r.float(0.5, 5), { type: 'escalate', toUnitKey: upper, reason: '涉及多方利益，本级协调未果，提请上级协调处理' });
    at(r.float(0.05, 1), { type: 'sign' });
  }
  if (kind === 'handling_overdue') {
    at(r.float(10, 40), { type: 'contact_log', method: 'visit', summary: '现场走访，协调相关方，尚未达成一致', reached: true });
    return steps;
  }
  if (kind === 'handling') {
    // Some still waiting for the unit head to approve an extension (Art. 34).
    if (r.chance(0.06)) at(r.float(5, 20), { type: 'request_extension', days: r.int(10, 30), reason: '情况复杂，需进一步调查核实' });
    return steps;
  }

  // Handling time: urgent within a day; normal mostly well inside Art. 34's 60 days; a few late or extended.
  const unhappy = kind === 'under_review' || kind === 'reviewed' || kind === 'under_re_review' || kind === 'final';
  const variant = kind === 'closed' ? r.weighted([['plain', 82], ['extended', 5], ['late', 7], ['rework', 6]] as const) : 'plain';
  let replyAt: number;
  if (quick) replyAt = signedAt + r.float(0.1, 1);
  else if (variant === 'extended') {
    at(r.float(35, 50), { type: 'request_extension', days: 30, reason: '涉及多个部门，需召开协调会研究' });
    at(r.float(0.5, 2), { type: 'approve_extension', days: 30, note: '同意延期，已告知信访人延期理由' });
    replyAt = acceptedAt + r.float(62, 85);
  } else if (variant === 'late') replyAt = acceptedAt + r.float(61, 80);
  else replyAt = signedAt + (p.urgency === 'complex' ? r.float(15, 55) : r.float(2, 40));
  const opinion: ReplyOpinion = unhappy
    ? r.weighted([['explain', 50], ['not_support', 50]] as const)
    : r.weighted([['support', 50], ['explain', 40], ['not_support', 10]] as const);
  const firstReply = at(replyAt - t, { type: 'reply', opinion, text: replyText(r, opinion, p.message) });
  if (kind === 'replied') return steps;

  const visit = (satisfied: boolean, solved: boolean, reached = false) => {
    const contacted = satisfied || reached || r.chance(0.92);
    at(r.float(0.5, 7), {
      type: 'return_visit',
      contacted,
      solved: contacted && solved,
      satisfied: contacted && satisfied,
      method: r.weighted([['phone', 80], ['visit', 12], ['sms', 5], ['online', 3]] as const),
    });
  };
  if (variant === 'rework') {
    // An unsatisfied return visit sends the case back for rework, then a second reply and visit.
    visit(false, false, true);
    at(r.float(0.2, 2), { type: 'rework', reason: '回访不满意，退回重新办理' });
    at(r.float(3, 15), { type: 'reply', opinion: 'support', text: replyText(r, 'support', p.message) });
    visit(true, true);
  } else if (unhappy) visit(false, r.chance(0.2));
  else {
    const solved = opinion === 'support' ? r.chance(0.92) : opinion === 'explain' ? r.chance(0.6) : r.chance(0.1);
    const satisfied = opinion === 'support' ? r.chance(0.95) : opinion === 'explain' ? r.chance(0.82) : r.chance(0.35);
    visit(satisfied, solved);
  }
  if (kind === 'visited') return steps;

  at(r.float(0.05, 3), { type: 'close', summary: '已答复信访人并完成回访，予以办结' });
  if (kind === 'closed') return steps;

  // Art. 35: review asked within 30 days of the reply; opinions within 30 days. Art. 36 likewise.
  const latestRequest = firstReply + 29.5;
  at(Math.max(0.05, r.float(0.5, Math.max(0.6, latestRequest - t))), { type: 'request_review', reason: '对处理意见不服，请求复查' });
  if (kind === 'under_review') return steps;
  const reviewOpinion: ReplyOpinion = r.weighted([['not_support', 60], ['explain', 30], ['support', 10]] as const);
  const reviewedAt = at(r.float(10, 29), { type: 'review_opinion', opinion: reviewOpinion, text: REVIEW_TEXT[reviewOpinion] });
  if (kind === 'reviewed') return steps;
  at(r.float(2, Math.max(2.1, reviewedAt + 29.5 - t)), { type: 'request_re_review', reason: '对复查意见不服，请求复核' });
  if (kind === 'under_re_review') return steps;
  at(r.float(10, 29), { type: 're_review_opinion', opinion: r.chance(0.9) ? 'not_support' : 'explain', text: RE_REVIEW_TEXT });
  return steps;
}

function intake(r: Rng, at: (days: number, c: DemoCommand) => number, p: PathContext, quick: boolean): void {
  at(quick ? r.float(0.01, 0.2) : r.float(0.05, 2.5), { type: 'accept' });
  at(quick ? r.float(0.01, 0.2) : r.float(0.05, 2), dispatchCommand(r, p.lead, p));
}

function dispatchCommand(r: Rng, lead: string, p: PathContext): DemoCommand {
  // About one case in eight needs an assisting department (协办).
  const assist = r.chance(0.12) ? departmentFor(r, '99', p.ctx, [lead, p.accused]) : null;
  const command: DemoCommand = { type: 'dispatch', leadUnitKey: lead, assistUnitKeys: assist !== null && assist !== lead ? [assist] : [] };
  return r.chance(0.3) ? { ...command, instructions: '请按期办理并及时答复信访人' } : command;
}

/**
 * Given a kind and its path, returns the [min, max] age in days the case may have at `now`: open
 * intake and reply states are recent (else they would all be overdue), closed ones any age, overdue
 * ones old enough that Art. 34's 60 days have run out.
 */
function ageWindow(r: Rng, kind: DemoPathKind, path: DemoStep[], last: number): [number, number] {
  const lo = last + 0.01;
  switch (kind) {
    case 'registered':
      return [lo, 1.5];
    case 'accepted':
    case 'objected':
      return [lo, lo + 3];
    case 'dispatched':
      return [lo, lo + 2];
    case 'handling': {
      const accepted = path[0]?.offsetDays ?? 0;
      return [lo, Math.max(lo + 0.5, accepted + 50)];
    }
    case 'handling_overdue':
      return [Math.max(lo, 70), r.float(90, 300)];
    case 'replied':
      return [lo, lo + 5];
    case 'visited':
      return [lo, lo + 3];
    case 'under_review':
    case 'reviewed':
    case 'under_re_review':
      return [lo, lo + 20];
    default:
      return [lo, MAX_AGE_DAYS];
  }
}

/**
 * Given an age window in days, returns a receipt instant inside it: on a working day more often than
 * not, at an hour that fits the channel (counters keep office hours; the hotline and web do not).
 */
function sampleReceivedAt(r: Rng, now: Date, lo: number, hi: number, channel: DemoChannel): Date {
  const n = now.getTime();
  const loAge = Math.min(lo, MAX_AGE_DAYS);
  const hiAge = Math.min(Math.max(hi, loAge), MAX_AGE_DAYS);
  const latest = n - loAge * DAY_MS;
  const earliest = n - hiAge * DAY_MS;
  const office = channel === 'visit' || channel === 'letter' || channel === 'leader_reception' || channel === 'grid_report';
  let chosen = latest - r.float(0, Math.min(0.05, hiAge - loAge)) * DAY_MS;
  for (let attempt = 0; attempt < 6; attempt++) {
    const t = earliest + r.next() * (latest - earliest);
    const localDay = Math.floor((t + CHINA_OFFSET_MS) / DAY_MS);
    const weekday = new Date(localDay * DAY_MS).getUTCDay(); // 0 Sunday … 6 Saturday, Beijing date
    if ((weekday === 0 || weekday === 6) && attempt < 5 && r.chance(office ? 0.9 : 0.6)) continue;
    const hour = office ? r.float(8.5, 17.5) : r.weighted([[r.float(8, 12), 45], [r.float(13, 18), 40], [r.float(18, 23), 12], [r.float(6, 8), 3]] as const);
    const placed = localDay * DAY_MS - CHINA_OFFSET_MS + hour * 3_600_000;
    chosen = placed >= earliest && placed <= latest ? placed : t;
    break;
  }
  // Whole seconds, rounded inward so the window (and `now`) still holds.
  const whole = Math.floor(chosen / 1000) * 1000;
  return new Date(whole < earliest ? whole + 1000 : whole);
}

// ——— people —————————————————————————————————————————————————————————————————

// GB 11643-1999: weights 2^(17-i) mod 11 over the first 17 digits; the check character indexes this string.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CHECK = '10X98765432';
// Mostly 330110 (the district the demo mirrors); a few neighbours, and 330184 (the county-level city
// before 2001) for older residents.
const ID_REGIONS = [['330110', 78], ['330106', 5], ['330105', 4], ['330108', 3], ['330184', 6], ['330122', 2], ['330183', 2]] as const;
const MOBILE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155', '156', '157', '158', '159', '166', '173', '175', '177', '180', '181', '182', '183', '185', '186', '187', '188', '189', '191', '193', '195', '198', '199'] as const;
const ROADS = ['云溪路', '湖滨路', '南苑大道', '东塘路', '桂芳街', '青山路', '白鹭路', '梅林路', '双桥路', '文昌路', '望江路', '枫林街'] as const;

/** Given the first 17 digits of a resident ID number, returns its GB 11643 check character. */
export function idCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (ID_WEIGHTS[i] as number);
  return ID_CHECK[sum % 11] as string;
}

function makePetitioners(r: Rng, n: number, now: Date): DemoPetitioner[] {
  const reps = n >= 5 ? r.int(1, 5) : 0;
  const people: DemoPetitioner[] = [];
  const seen = new Set<string>();
  while (people.length < n) {
    const gender: DemoGender = r.chance(0.55) ? 'male' : 'female';
    const idNumber = makeIdNumber(r, gender, now);
    if (seen.has(idNumber)) continue;
    seen.add(idNumber);
    people.push({
      name: fictionalName(r, gender),
      idNumber,
      phone: r.pick(MOBILE_PREFIXES) + String(r.int(0, 99_999_999)).padStart(8, '0'),
      address: `云湖区${r.pick(ROADS)}${r.int(1, 399)}号${r.int(1, 30)}幢${r.int(1, 4)}单元${r.int(1, 28)}0${r.int(1, 4)}室`,
      representative: people.length < reps,
    });
  }
  return people;
}

function makeIdNumber(r: Rng, gender: DemoGender, now: Date): string {
  // Adults 18–85 at `now`; the birth date is a real calendar date by construction.
  const birth = new Date(now.getTime() - (18 * 365.25 + r.float(1, 67 * 365.25)) * DAY_MS);
  const ymd = `${birth.getUTCFullYear()}${String(birth.getUTCMonth() + 1).padStart(2, '0')}${String(birth.getUTCDate()).padStart(2, '0')}`;
  // The 17th digit is odd for men, even for women.
  const seq = r.int(0, 99) * 10 + (gender === 'male' ? r.pick([1, 3, 5, 7, 9]) : r.pick([0, 2, 4, 6, 8]));
  const first17 = r.weighted(ID_REGIONS) + ymd + String(seq).padStart(3, '0');
  return first17 + idCheckCharacter(first17);
}

// ——— texts ——————————————————————————————————————————————————————————————————

// The 2020 data calls the city A市 and its districts A1区…A9区; the demo moves them to 临江市 云湖区.
function scrub(text: string): string {
  return text.replace(/A市/g, '临江市').replace(/A\d+区/g, '云湖区');
}

function trimText(text: string, max = MAX_TEXT): string {
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + '…';
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function titleOf(m: DemoCaseMessage): string {
  if (m.title !== null && m.title.trim() !== '') return trimText(scrub(m.title.trim()), 60);
  // The source joined title and body for these rows; the first clause stands in for the title.
  const body = scrub(m.body.trim());
  const clause = body.split(/[，。！？；,.!?;\s]/)[0] ?? body;
  return trimText(clause.length >= 6 ? clause : body, 30);
}

function onSpotAnswer(r: Rng, m: DemoCaseMessage): string {
  if (m.reply !== null && r.chance(0.3)) return trimText(scrub(m.reply), 500);
  return r.pick([
    '已向来电人解释相关政策及办理流程，来电人表示清楚。',
    '已告知来电人办理地点、所需材料和办理时限，来电人无其他诉求。',
    '经查询系统，已当场答复来访人办理进度，来访人表示满意。',
  ]);
}

function replyText(r: Rng, opinion: ReplyOpinion, m: DemoCaseMessage): string {
  if (m.reply !== null && r.chance(0.7)) return trimText(scrub(m.reply));
  return r.pick(REPLY_TEMPLATES[opinion]);
}

const REPLY_TEMPLATES: Record<ReplyOpinion, readonly string[]> = {
  support: [
    '经调查核实，您反映的问题属实。我单位已责成责任单位限期整改，目前问题已得到解决。感谢您对我们工作的支持与监督。',
    '您好，您反映的情况已收悉。经现场核查，相关单位已于近日完成整改，后续将加强日常巡查，防止问题反弹。',
  ],
  explain: [
    '经调查核实，现将有关政策解释说明如下：您反映的事项依照现行规定办理，相关标准已公开公示。如有疑问，可至政务服务中心窗口咨询。',
    '您好，经了解，该事项已纳入年度计划，预计下半年实施。我们将持续跟进，并及时向您通报进展。',
  ],
  not_support: [
    '经调查核实，您提出的诉求缺乏政策依据，依法不予支持。如对本处理意见不服，可自收到本意见书之日起30日内向上一级行政机关申请复查。',
  ],
};

const REVIEW_TEXT: Record<ReplyOpinion, string> = {
  support: '经复查，原处理意见部分事实认定不清，撤销原处理意见，责成原办理单位重新办理。',
  explain: '经复查，原处理意见认定事实清楚，现就有关政策作进一步解释说明，维持原处理意见。',
  not_support: '经复查，原处理意见认定事实清楚、适用依据正确、程序合法，予以维持。',
};

const RE_REVIEW_TEXT = '经复核，复查意见认定事实清楚、程序合法，予以维持。本复核意见为最终意见，信访人以同一事实和理由再次提出的，不再受理。';

const REFUSALS: readonly (readonly [string, LegalChannel])[] = [
  ['所反映事项已进入诉讼程序，应通过诉讼途径解决', 'court'],
  ['劳动争议事项，应依法申请劳动人事争议仲裁', 'arbitration'],
  ['对行政处罚决定不服，应依法申请行政复议', 'administrative_reconsideration'],
  ['反映公职人员违纪违法问题，应向纪检监察机关检举控告', 'discipline_inspection'],
  ['不属于本级信访工作机构受理范围，应向有权处理的机关提出', 'other_authority'],
];

const WITHDRAW_REASONS = ['问题已与对方协商解决，申请撤回', '信访人主动撤回信访事项', '事项已通过其他途径解决'] as const;

// Used only when the caller passes no messages, so the planner never fails on an empty corpus.
const FALLBACK_MESSAGES: readonly DemoCaseMessage[] = [
  { title: '小区物业不作为', body: '小区物业公司长期不清理垃圾，电梯多次故障无人维修，业主多次反映无果，请求相关部门督促整改。', category: '城乡建设', reply: null },
  { title: '公司拖欠工资', body: '本人在某建筑公司工作半年，公司拖欠三个月工资共计两万余元，多次讨要未果，请求帮助追讨。', category: '劳动和社会保障', reply: null },
  { title: '学校周边交通拥堵', body: '每天上下学时段学校门口车辆乱停，交通拥堵严重，存在安全隐患，建议增设临时停车点和交通协管。', category: '交通运输', reply: null },
  { title: '夜间施工噪音扰民', body: '附近工地连续多日夜间施工至凌晨，噪音严重影响居民休息，请求查处。', category: '环境保护', reply: null },
];
