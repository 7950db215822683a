/**
 * The case lifecycle as data (DOMAIN.md §3). Each row says which command may be issued in which states,
 * by which roles in which relation to the case, which clocks it starts and stops, and what must hold
 * first (its guard). applyCommand looks rows up here; tests, the docs table and the web app's action menu
 * iterate the same rows, so there is one source of truth for "who may do what, when".
 *
 * Article numbers refer to 《信访工作条例》(2022, in force 2022-05-01).
 */
import type { ErrorCode } from '../errors.js';
import {
  CLOCKS,
  type CaseSnapshot,
  type CaseState,
  type ClockName,
  type ClockState,
  type Command,
  type CommandContext,
  type CommandType,
  type Relation,
  type Role,
} from './types.js';

/** Why a guard refused: a stable code plus machine-readable details for the error. */
export interface GuardFailure {
  code: ErrorCode;
  details?: Record<string, unknown>;
}

/**
 * A guard sees the snapshot, the command and the context. It is also called with `command === null`
 * (by allowedCommands, and by applyCommand before payload validation): it must then judge only what the
 * state and the time decide, and skip its payload rules.
 */
export type GuardCheck = (snapshot: CaseSnapshot, command: Command | null, ctx: CommandContext) => GuardFailure | null;

/** One row of the transition table. */
export interface TransitionRow {
  readonly command: CommandType;
  readonly from: readonly CaseState[];
  /** 'same' = the command records something without moving the case. */
  readonly to: CaseState | 'same';
  /** The actor needs at least one of these roles. */
  readonly roles: readonly Role[];
  /** The actor needs at least one of these relations to the case; empty = none needed. */
  readonly relations: readonly Relation[];
  /** Clocks (re)started: a started clock replaces any earlier clock of that name. */
  readonly startClocks?: readonly ClockName[];
  /** Clocks stopped, if running. Entering a terminal state stops every running clock anyway. */
  readonly stopClocks?: readonly ClockName[];
  /** Given snapshot, command and context, returns the error code that forbids the command, or null. */
  readonly guard?: (snapshot: CaseSnapshot, command: Command | null, ctx: CommandContext) => ErrorCode | null;
  /** The same guard with details for the error (applyCommand uses this one). */
  readonly check?: GuardCheck;
  /** The domain event type written when the command succeeds. */
  readonly event: string;
  readonly labelZh: string;
}

/* ------------------------------------------------------------------------------------------------ */
/* State categories                                                                                   */
/* ------------------------------------------------------------------------------------------------ */

/**
 * States in which the case is still being worked or still waits on the petitioner. `replied`, `visited`,
 * `reviewed` count as open: the statutory review windows (Arts. 35, 36) are running and the case has not
 * been closed out. `closed` is not open (办结: counted as done in the rates) but is not terminal either,
 * because the petitioner may still ask for review within 30 days of the reply (Art. 35).
 */
export const OPEN_STATES = [
  'registered',
  'accepted',
  'dispatched',
  'objected',
  'handling',
  'replied',
  'visited',
  'under_review',
  'reviewed',
  'under_re_review',
] as const satisfies readonly CaseState[];

/**
 * States nothing leads out of: the case is read-only (not even notes). `refused` and `answered_on_spot`
 * are terminal because the statute gives no review against them: a refusal names the legal channel to use
 * instead (Art. 31), and an on-the-spot answer settles an inquiry (繁简分流); a new request is a new case.
 * `final` follows Art. 36 (same facts and reasons are no longer accepted).
 */
export const TERMINAL_STATES = ['refused', 'answered_on_spot', 'final', 'merged', 'withdrawn'] as const satisfies readonly CaseState[];

/** Every state that is not open: the terminal ones plus `closed`. */
export const CLOSED_LIKE_STATES = ['closed', ...TERMINAL_STATES] as const satisfies readonly CaseState[];

const OPEN_SET: ReadonlySet<CaseState> = new Set(OPEN_STATES);
const TERMINAL_SET: ReadonlySet<CaseState> = new Set(TERMINAL_STATES);

/** Given a state, returns true while the case is still being worked or waits on a statutory window. */
export const isOpen = (state: CaseState): boolean => OPEN_SET.has(state);

/** Given a state, returns true when no command can ever apply to the case again. */
export const isTerminal = (state: CaseState): boolean => TERMINAL_SET.has(state);

/** Given a state, returns true when the case counts as done (closed or terminal), i.e. not open. */
export const isClosedLike = (state: CaseState): boolean => !OPEN_SET.has(state);

/** zh-CN labels for every state, as shown in queues and on the public portal. */
export const STATE_LABELS_ZH: Readonly<Record<CaseState, string>> = {
  registered: '已登记',
  accepted: '已受理',
  refused: '不予受理',
  answered_on_spot: '即时办结',
  dispatched: '已交办',
  objected: '异议待处理',
  handling: '办理中',
  replied: '已答复',
  visited: '已回访',
  closed: '已办结',
  under_review: '复查中',
  reviewed: '已出复查意见',
  under_re_review: '复核中',
  final: '已终结',
  merged: '已并案',
  withdrawn: '已撤回',
};

/* ------------------------------------------------------------------------------------------------ */
/* Clock and window helpers                                                                            */
/* ------------------------------------------------------------------------------------------------ */

/** Given a clock, returns true when it has been started and not stopped. */
export const isRunning = (clock: ClockState | undefined): clock is ClockState => clock !== undefined && clock.stoppedAt === null;

/**
 * Given a window clock, returns the instant (ms) the window closes, or null while it cannot close: the
 * due date is not filled yet, or a hearing has the clock paused. Convention: dueAt is the effective due
 * date, recomputed by the service (services/case-clocks.ts) after every command from the start, the
 * completed pauses and any extension, so nothing is added here.
 */
export function windowClosesAt(clock: ClockState): number | null {
  const due = Date.parse(clock.dueAt);
  if (!Number.isFinite(due) || clock.pausedSince !== null) return null;
  return due;
}

/**
 * Given a snapshot, a clock name and now, returns where that window stands: 'absent' (never started),
 * 'stopped', 'open' (running, now ≤ due, or due not known yet) or 'expired'.
 */
export function windowStatus(snapshot: CaseSnapshot, clock: ClockName, now: Date): 'absent' | 'stopped' | 'open' | 'expired' {
  const c = snapshot.clocks[clock];
  if (c === undefined) return 'absent';
  if (c.stoppedAt !== null) return 'stopped';
  const closes = windowClosesAt(c);
  return closes === null || now.getTime() <= closes ? 'open' : 'expired';
}

/* ------------------------------------------------------------------------------------------------ */
/* Guards                                                                                             */
/* ------------------------------------------------------------------------------------------------ */

/** A window the actor must act within: present, running and not past due, else DEADLINE_WINDOW_CLOSED. */
const withinWindow =
  (clock: ClockName): GuardCheck =>
  (s, _c, ctx) => {
    const status = windowStatus(s, clock, ctx.now);
    if (status === 'open') return null;
    return { code: 'DEADLINE_WINDOW_CLOSED', details: { clock, window: status, dueAt: s.clocks[clock]?.dueAt ?? null } };
  };

/**
 * A decision may not be taken while a hearing runs: its outcome is part of the record the decision rests
 * on, and a pausable clock would restart mid-hearing otherwise.
 */
const noHearing: GuardCheck = (s) => (s.hearing ? { code: 'CASE_ILLEGAL_TRANSITION', details: { reason: 'hearing_running' } } : null);

const hearingRunning: GuardCheck = (s) => (s.hearing ? null : { code: 'CASE_ILLEGAL_TRANSITION', details: { reason: 'no_hearing' } });

/** Runs guards in order and returns the first failure. */
const all =
  (...checks: GuardCheck[]): GuardCheck =>
  (s, c, ctx) => {
    for (const check of checks) {
      const failure = check(s, c, ctx);
      if (failure) return failure;
    }
    return null;
  };

/** Art. 34 allows one extension of at most 30 days. */
export const MAX_EXTENSION_DAYS = 30;

/** Art. 34: one extension only; a rejected request used it up, a pending one blocks a second. */
const extensionUnused: GuardCheck = (s) =>
  s.extension === 'none' ? null : { code: 'DEADLINE_EXTENSION_USED', details: { extension: s.extension } };

const extensionPending: GuardCheck = (s) =>
  s.extension === 'requested' ? null : { code: 'CASE_ILLEGAL_TRANSITION', details: { reason: 'no_pending_extension', extension: s.extension } };

/** An approved extension lengthens the handling clock, so there must be one running. */
const handlingClockRunning: GuardCheck = (s) =>
  isRunning(s.clocks.handling) ? null : { code: 'CASE_ILLEGAL_TRANSITION', details: { reason: 'handling_clock_not_running' } };

const extensionDaysWithinLimit: GuardCheck = (_s, c) => {
  if (c === null || (c.type !== 'request_extension' && c.type !== 'approve_extension')) return null;
  return c.days > MAX_EXTENSION_DAYS ? { code: 'DEADLINE_EXTENSION_TOO_LONG', details: { days: c.days, max: MAX_EXTENSION_DAYS } } : null;
};

/** Rework (退回重办) answers an unsatisfied or unsolved return visit; a satisfied one is closed instead. */
const visitUnsatisfied: GuardCheck = (s) => {
  const v = s.lastVisit;
  if (v !== null && (!v.satisfied || !v.solved)) return null;
  return { code: 'CASE_ILLEGAL_TRANSITION', details: { reason: v === null ? 'no_visit' : 'visit_satisfied' } };
};

/**
 * Finalizing by the office (no further review asked) is only possible once the petitioner's window to ask
 * has passed: Art. 35 (review, from a closed case) or Art. 36 (re-review, from a review opinion).
 */
const requestWindowPassed: GuardCheck = (s, _c, ctx) => {
  const clock: ClockName = s.state === 'reviewed' ? 're_review_request' : 'review_request';
  const status = windowStatus(s, clock, ctx.now);
  if (status !== 'open') return null;
  return { code: 'CASE_ILLEGAL_TRANSITION', details: { reason: 'window_open', clock, dueAt: s.clocks[clock]?.dueAt ?? null } };
};

/** 领导包案: a case has one owning leader at a time; taking it from another leader is not a command. */
const notOwnedByAnother: GuardCheck = (s, _c, ctx) =>
  s.ownerLeaderId === null || s.ownerLeaderId === undefined
    ? null
    : { code: 'CASE_ALREADY_OWNED', details: { ownerLeaderId: s.ownerLeaderId, self: s.ownerLeaderId === ctx.actor.userId } };

/** Only a unit that leads the case can be chased or supervised. */
const hasLeadUnit: GuardCheck = (s) => (s.leadUnitId ? null : { code: 'CASE_ILLEGAL_TRANSITION', details: { reason: 'no_lead_unit' } });

/** A reply deadline lies in the future (the payload part; skipped when only state and time are judged). */
const replyDueInFuture: GuardCheck = (_s, c, ctx) => {
  if (c === null || (c.type !== 'chase' && c.type !== 'supervise')) return null;
  const due = Date.parse(c.replyDueAt);
  return Number.isFinite(due) && due > ctx.now.getTime() ? null : { code: 'VALIDATION_FAILED', details: { field: 'replyDueAt', issue: 'not_in_future' } };
};

const supervisionOpen: GuardCheck = (s) =>
  (s.openSupervisions ?? 0) > 0 ? null : { code: 'SUPERVISION_NOT_OPEN', details: { reason: 'none_open' } };

const atLeastTwoParts: GuardCheck = (_s, c) =>
  c !== null && c.type === 'split' && c.parts.length < 2
    ? { code: 'VALIDATION_FAILED', details: { field: 'parts', issue: 'at_least_two', count: c.parts.length } }
    : null;

/* ------------------------------------------------------------------------------------------------ */
/* The table                                                                                          */
/* ------------------------------------------------------------------------------------------------ */

interface RowDef<T extends CommandType> {
  command: T;
  from: readonly CaseState[];
  to: CaseState | 'same';
  roles: readonly Role[];
  relations: readonly Relation[];
  startClocks?: readonly ClockName[];
  stopClocks?: readonly ClockName[];
  check?: GuardCheck;
  event: string;
  labelZh: string;
}

/** Freezes a row and derives its code-only `guard` from `check`. */
function row<T extends CommandType>(def: RowDef<T>): TransitionRow {
  const { check } = def;
  const r: TransitionRow = check
    ? { ...def, check, guard: (s, c, ctx) => check(s, c, ctx)?.code ?? null }
    : { ...def };
  return Object.freeze(r);
}

/** Every staff role that does case work; admin manages the org tree and rules, never cases. */
const CASE_STAFF: readonly Role[] = ['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader'];

const NON_TERMINAL_STATES: readonly CaseState[] = [...OPEN_STATES, 'closed'];

/** The transition table. At most one row per (state, command): a test holds the table to that. */
export const TRANSITIONS: readonly TransitionRow[] = Object.freeze([
  // Arts. 22–23: the petition bureau accepts what it registered. A leader at a reception day accepts the
  // visits he owns (DOMAIN §7). Art. 34's 60 days run from acceptance.
  row({
    command: 'accept', from: ['registered'], to: 'accepted',
    roles: ['dispatcher', 'leader'], relations: ['scope', 'owner'],
    startClocks: ['handling'], event: 'case.accepted', labelZh: '受理',
  }),
  // Art. 31: matters for a court, arbitration, 行政复议 or 纪检监察 are refused with the channel to use.
  row({
    command: 'refuse', from: ['registered', 'accepted'], to: 'refused',
    roles: ['dispatcher'], relations: ['scope'],
    stopClocks: ['forward', 'handling'], event: 'case.refused', labelZh: '不予受理',
  }),
  // 繁简分流: inquiries and simple matters are settled at the window or on the line.
  row({
    command: 'answer_on_spot', from: ['registered', 'accepted'], to: 'answered_on_spot',
    roles: ['registrar', 'dispatcher'], relations: ['scope'],
    stopClocks: ['forward', 'handling'], event: 'case.answered_on_spot', labelZh: '即时办结',
  }),
  // Art. 22: forwarded/assigned within 15 days; dispatch ends that clock and opens the lead unit's
  // 5-working-day objection window (Art. 23). Only an accepted case is dispatched: accept first.
  row({
    command: 'dispatch', from: ['accepted'], to: 'dispatched',
    roles: ['dispatcher', 'leader'], relations: ['scope', 'owner'],
    startClocks: ['objection'], stopClocks: ['forward'], event: 'case.dispatched', labelZh: '交办',
  }),
  // 签收: the objection window keeps running after signing (a unit may still object within it).
  row({
    command: 'sign', from: ['dispatched'], to: 'handling',
    roles: ['handler', 'unit_head'], relations: ['lead'],
    event: 'case.signed', labelZh: '签收',
  }),
  // Art. 23: a unit that thinks the matter is not its own objects within 5 working days.
  row({
    command: 'object', from: ['dispatched', 'handling'], to: 'objected',
    roles: ['handler', 'unit_head'], relations: ['lead'],
    stopClocks: ['objection'], check: all(noHearing, withinWindow('objection')),
    event: 'case.objected', labelZh: '提出异议',
  }),
  // A new lead unit gets its own objection window.
  row({
    command: 'redispatch', from: ['dispatched', 'objected', 'handling'], to: 'dispatched',
    roles: ['dispatcher'], relations: ['scope'],
    startClocks: ['objection'], check: noHearing, event: 'case.redispatched', labelZh: '重新交办',
  }),
  // The lead unit stays and must sign; its window was used by the objection, so none restarts.
  row({
    command: 'reject_objection', from: ['objected'], to: 'dispatched',
    roles: ['dispatcher'], relations: ['scope'],
    event: 'case.objection_rejected', labelZh: '驳回异议',
  }),
  // 小事不出村社、大事不出街道: what a tier cannot settle goes one tier up (the service checks the parent).
  row({
    command: 'escalate', from: ['handling'], to: 'dispatched',
    roles: ['handler', 'unit_head'], relations: ['lead'],
    startClocks: ['objection'], check: noHearing, event: 'case.escalated', labelZh: '上报上级',
  }),
  // Hearings (听证) pause the clocks the rule set names (Art. 36: re-review hearing time is not counted).
  row({
    command: 'start_hearing', from: ['handling', 'under_review', 'under_re_review'], to: 'same',
    roles: ['dispatcher', 'unit_head', 'leader'], relations: ['scope', 'lead', 'owner'],
    check: noHearing, event: 'case.hearing_started', labelZh: '启动听证',
  }),
  row({
    command: 'end_hearing', from: ['handling', 'under_review', 'under_re_review'], to: 'same',
    roles: ['dispatcher', 'unit_head', 'leader'], relations: ['scope', 'lead', 'owner'],
    check: hearingRunning, event: 'case.hearing_ended', labelZh: '结束听证',
  }),
  row({
    command: 'record_mediation', from: ['handling'], to: 'same',
    roles: ['handler', 'unit_head'], relations: ['lead', 'assist'],
    event: 'case.mediation_recorded', labelZh: '记录调解',
  }),
  // Hard cases go to a joint meeting (联席会议) that names the lead and assisting units.
  row({
    command: 'refer_joint_meeting', from: ['accepted', 'dispatched', 'objected', 'handling'], to: 'dispatched',
    roles: ['dispatcher', 'leader', 'unit_head'], relations: ['scope', 'owner'],
    startClocks: ['objection'], stopClocks: ['forward'], check: noHearing,
    event: 'case.joint_meeting_referred', labelZh: '提交联席会议',
  }),
  row({
    command: 'note', from: NON_TERMINAL_STATES, to: 'same',
    roles: CASE_STAFF, relations: ['scope', 'lead', 'assist', 'owner'],
    event: 'case.noted', labelZh: '备注',
  }),
  row({
    command: 'contact_log', from: ['accepted', 'dispatched', 'handling', 'replied', 'visited'], to: 'same',
    roles: ['handler', 'unit_head', 'dispatcher', 'registrar'], relations: ['lead', 'assist', 'scope'],
    event: 'case.contact_logged', labelZh: '联系记录',
  }),
  // Art. 34: one extension of at most 30 days, approved by the unit head; the petitioner is told why.
  row({
    command: 'request_extension', from: ['handling'], to: 'same',
    roles: ['handler', 'unit_head'], relations: ['lead'],
    check: all(extensionUnused, extensionDaysWithinLimit),
    event: 'case.extension_requested', labelZh: '申请延期',
  }),
  row({
    command: 'approve_extension', from: ['handling'], to: 'same',
    roles: ['unit_head'], relations: ['lead'],
    check: all(extensionPending, handlingClockRunning, extensionDaysWithinLimit),
    event: 'case.extension_approved', labelZh: '批准延期',
  }),
  row({
    command: 'reject_extension', from: ['handling'], to: 'same',
    roles: ['unit_head'], relations: ['lead'],
    check: extensionPending, event: 'case.extension_rejected', labelZh: '驳回延期',
  }),
  // 信访处理意见书 ends handling; Art. 35's 30 days to ask for review run from the reply.
  row({
    command: 'reply', from: ['handling'], to: 'replied',
    roles: ['handler', 'unit_head'], relations: ['lead'],
    startClocks: ['review_request'], stopClocks: ['handling', 'objection'], check: noHearing,
    event: 'case.replied', labelZh: '答复',
  }),
  row({
    command: 'return_visit', from: ['replied'], to: 'visited',
    roles: ['dispatcher', 'supervisor', 'registrar'], relations: ['scope'],
    event: 'case.return_visited', labelZh: '回访',
  }),
  row({
    command: 'rate', from: ['replied'], to: 'visited',
    roles: ['petitioner'], relations: ['self'],
    event: 'case.rated', labelZh: '评价',
  }),
  row({
    command: 'close', from: ['visited'], to: 'closed',
    roles: ['dispatcher', 'supervisor'], relations: ['scope'],
    event: 'case.closed', labelZh: '办结',
  }),
  // 退回重办: a fresh handling period; the review window of the old reply no longer applies.
  row({
    command: 'rework', from: ['visited'], to: 'handling',
    roles: ['dispatcher', 'supervisor'], relations: ['scope'],
    startClocks: ['handling'], stopClocks: ['review_request'], check: visitUnsatisfied,
    event: 'case.reworked', labelZh: '退回重办',
  }),
  // Art. 35: review asked within 30 days of the reply; the opinion is due within 30 days.
  row({
    command: 'request_review', from: ['replied', 'visited', 'closed'], to: 'under_review',
    roles: ['petitioner', 'registrar'], relations: ['self', 'scope'],
    startClocks: ['review'], stopClocks: ['review_request'], check: withinWindow('review_request'),
    event: 'case.review_requested', labelZh: '申请复查',
  }),
  row({
    command: 'review_opinion', from: ['under_review'], to: 'reviewed',
    roles: ['unit_head', 'dispatcher', 'leader'], relations: ['scope', 'owner'],
    startClocks: ['re_review_request'], stopClocks: ['review'], check: noHearing,
    event: 'case.review_opinion_issued', labelZh: '出具复查意见',
  }),
  // Art. 36: re-review asked within 30 days of the review opinion; the opinion is due within 30 days.
  row({
    command: 'request_re_review', from: ['reviewed'], to: 'under_re_review',
    roles: ['petitioner', 'registrar'], relations: ['self', 'scope'],
    startClocks: ['re_review'], stopClocks: ['re_review_request'], check: withinWindow('re_review_request'),
    event: 'case.re_review_requested', labelZh: '申请复核',
  }),
  // Art. 36: the re-review opinion is final; the same facts and reasons are not accepted again.
  row({
    command: 're_review_opinion', from: ['under_re_review'], to: 'final',
    roles: ['unit_head', 'dispatcher', 'leader'], relations: ['scope', 'owner'],
    stopClocks: ['re_review'], check: noHearing,
    event: 'case.re_review_opinion_issued', labelZh: '出具复核意见',
  }),
  row({
    command: 'finalize', from: ['closed', 'reviewed'], to: 'final',
    roles: ['dispatcher'], relations: ['scope'],
    check: requestWindowPassed, event: 'case.finalized', labelZh: '终结',
  }),
  // A review in progress is a statutory procedure on its own case; it is not folded into another.
  row({
    command: 'merge', from: ['registered', 'accepted', 'dispatched', 'objected', 'handling', 'replied', 'visited', 'reviewed'], to: 'merged',
    roles: ['dispatcher'], relations: ['scope'],
    stopClocks: CLOCKS, event: 'case.merged', labelZh: '并案',
  }),
  row({
    command: 'split', from: ['registered', 'accepted', 'dispatched', 'handling'], to: 'same',
    roles: ['dispatcher'], relations: ['scope'],
    check: atLeastTwoParts, event: 'case.split', labelZh: '拆分',
  }),
  // DOMAIN.md §5: 领导包案 — a leader takes a case in his scope and owns it until it is settled.
  row({
    command: 'take_ownership', from: OPEN_STATES, to: 'same',
    roles: ['leader'], relations: ['scope'],
    check: notOwnedByAnother, event: 'case.ownership_taken', labelZh: '领导包案',
  }),
  // DOMAIN.md §5: 催办 and 督办 are events with a target unit (the lead), a reason and a reply deadline.
  row({
    command: 'chase', from: ['dispatched', 'handling'], to: 'same',
    roles: ['supervisor', 'leader'], relations: ['scope', 'owner'],
    check: all(hasLeadUnit, replyDueInFuture), event: 'case.chased', labelZh: '催办',
  }),
  row({
    command: 'supervise', from: ['dispatched', 'handling'], to: 'same',
    roles: ['supervisor', 'leader'], relations: ['scope', 'owner'],
    check: all(hasLeadUnit, replyDueInFuture), event: 'case.supervised', labelZh: '督办',
  }),
  row({
    command: 'supervision_reply', from: NON_TERMINAL_STATES, to: 'same',
    roles: ['handler', 'unit_head'], relations: ['lead'],
    check: supervisionOpen, event: 'case.supervision_replied', labelZh: '督办回复',
  }),
  row({
    command: 'withdraw', from: ['registered', 'accepted', 'dispatched', 'objected', 'handling', 'replied'], to: 'withdrawn',
    roles: ['petitioner', 'registrar', 'dispatcher'], relations: ['self', 'scope'],
    stopClocks: CLOCKS, event: 'case.withdrawn', labelZh: '撤回',
  }),
]);

/** zh-CN labels for every command, taken from the table (the action menu's button texts). */
export const COMMAND_LABELS_ZH: Readonly<Record<CommandType, string>> = Object.freeze(
  Object.fromEntries(TRANSITIONS.map((r) => [r.command, r.labelZh])) as Record<CommandType, string>,
);

/* ------------------------------------------------------------------------------------------------ */
/* Lookups                                                                                            */
/* ------------------------------------------------------------------------------------------------ */

/** Given a state and a command type, returns the row that governs it, or undefined when it is illegal. */
export function findTransition(state: CaseState, command: CommandType): TransitionRow | undefined {
  return TRANSITIONS.find((r) => r.command === command && r.from.includes(state));
}

/**
 * Given a role and a relation, returns true when that relation can authorise that role: only the
 * petitioner stands in relation 'self' (a clerk is never "the petitioner"), and only a leader owns a case
 * (包案), so neither relation lends itself to other roles of a multi-role account.
 */
export function relationCountsFor(role: Role, relation: Relation): boolean {
  if (relation === 'self') return role === 'petitioner';
  if (role === 'petitioner') return false;
  if (relation === 'owner') return role === 'leader';
  return true;
}

/**
 * Given a row and a context, returns how the actor fails the row's authorisation ('role' or 'relation'),
 * or null when one of his roles is allowed and stands in a required relation to the case.
 */
export function authorizationGap(row: TransitionRow, ctx: CommandContext): 'role' | 'relation' | null {
  const roles = ctx.actor.roles.filter((r) => row.roles.includes(r));
  if (roles.length === 0) return 'role';
  if (row.relations.length === 0) return null;
  const ok = roles.some((role) => row.relations.some((rel) => ctx.relations.has(rel) && relationCountsFor(role, rel)));
  return ok ? null : 'relation';
}

/**
 * Given a snapshot and a context, returns the commands this actor may issue now (table order), judged on
 * state, role, relation and the state/time part of each guard; payload rules are checked on submit.
 */
export function allowedCommands(snapshot: CaseSnapshot, ctx: CommandContext): CommandType[] {
  const out: CommandType[] = [];
  for (const r of TRANSITIONS) {
    if (!r.from.includes(snapshot.state) || out.includes(r.command)) continue;
    if (authorizationGap(r, ctx) !== null) continue;
    if (r.check && r.check(snapshot, null, ctx) !== null) continue;
    out.push(r.command);
  }
  return out;
}
