/**
 * The vocabulary of a case's lifecycle (DOMAIN.md §3). Pure types: the transition table in
 * transitions.ts and applyCommand in apply-command.ts work on these; services persist the result.
 */

/** Every state a case can be in. */
export const CASE_STATES = [
  'registered', // 登记
  'accepted', // 受理
  'refused', // 不予受理 (with the legal channel)
  'answered_on_spot', // 即时办结
  'dispatched', // 交办/转送, waiting for the lead unit to sign
  'objected', // the lead unit objected to the dispatch (异议), back with the dispatcher
  'handling', // 签收 → 办理
  'replied', // 答复 (信访处理意见书)
  'visited', // 回访 recorded
  'closed', // 办结
  'under_review', // 复查中
  'reviewed', // 复查意见已出
  'under_re_review', // 复核中
  'final', // 终结
  'merged', // 已并案 into another case
  'withdrawn', // 撤回
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const STAFF_ROLES = ['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
/** `petitioner` acts through the public portal with number + query code; `system` is the app itself. */
export type Role = StaffRole | 'petitioner' | 'system';

/**
 * How the actor stands to the case, computed by the service from the org tree:
 * - scope: the case's owning unit or lead unit lies in the actor's org subtree
 * - lead: the actor belongs to the lead unit (or is scoped over it, for unit heads)
 * - assist: the actor belongs to an assisting unit
 * - owner: the actor is the leader who owns the case (包案)
 * - self: the actor is the petitioner of this case (public portal)
 */
export type Relation = 'scope' | 'lead' | 'assist' | 'owner' | 'self';

export interface Actor {
  userId: string | null; // null for petitioner and system
  roles: readonly Role[];
  unitId: string | null;
}

export const LEGAL_CHANNELS = ['court', 'arbitration', 'administrative_reconsideration', 'discipline_inspection', 'other_authority'] as const;
export type LegalChannel = (typeof LEGAL_CHANNELS)[number];

export const REPLY_OPINIONS = ['support', 'explain', 'not_support'] as const;
export type ReplyOpinion = (typeof REPLY_OPINIONS)[number];

/** The clocks a case can run; their limits come from the deadline rule set in force (statute as data). */
export const CLOCKS = [
  'forward', // Art. 22: register and forward/assign within 15 days of receipt
  'objection', // Art. 23: 5 working days to object to a wrong dispatch
  'handling', // Art. 34: 60 days from acceptance (+ one extension ≤ 30)
  'review_request', // Art. 35: 30 days from the reply to ask for review
  'review', // Art. 35: 30 days for the review opinion
  're_review_request', // Art. 36: 30 days from the review opinion to ask for re-review
  're_review', // Art. 36: 30 days, hearing time not counted
] as const;
export type ClockName = (typeof CLOCKS)[number];

export interface ClockState {
  startedAt: string; // ISO instant
  dueAt: string; // ISO instant, computed by the deadline domain
  pausedMs: number; // total time paused by hearings so far
  pausedSince: string | null; // ISO instant while a hearing runs
  extensionDays: number;
  stoppedAt: string | null;
}

/** What the domain needs to know about a case to decide a command. */
export interface CaseSnapshot {
  state: CaseState;
  leadUnitId: string | null;
  assistUnitIds: string[];
  ownerLeaderId: string | null;
  hearing: boolean; // 听证 running: pausable clocks stopped
  extension: 'none' | 'requested' | 'approved' | 'rejected';
  /** the days asked for by the pending or decided extension request (approval may grant fewer, never more) */
  extensionRequestedDays?: number;
  reworkCount: number;
  lastVisit: { contacted: boolean; solved: boolean; satisfied: boolean } | null;
  clocks: Partial<Record<ClockName, ClockState>>;
  /** 催办/督办 sent to the lead unit and not yet answered (the rows themselves live in `supervisions`). */
  openSupervisions?: number;
}

export type Command =
  | { type: 'accept'; note?: string }
  | { type: 'refuse'; reason: string; legalChannel: LegalChannel }
  | { type: 'answer_on_spot'; answer: string }
  | { type: 'dispatch'; leadUnitId: string; assistUnitIds: string[]; instructions?: string }
  | { type: 'sign' }
  | { type: 'object'; reason: string }
  | { type: 'redispatch'; leadUnitId: string; assistUnitIds: string[]; reason: string }
  | { type: 'reject_objection'; reason: string }
  | { type: 'escalate'; toUnitId: string; reason: string } // one tier up; the service checks it is the parent
  | { type: 'start_hearing'; place?: string; note?: string }
  | { type: 'end_hearing'; conclusion: string }
  | { type: 'record_mediation'; mediator: string; outcome: 'agreement' | 'no_agreement'; agreement?: string }
  | { type: 'refer_joint_meeting'; attendees: string[]; decisions: string; leadUnitId: string; assistUnitIds: string[] }
  | { type: 'note'; text: string }
  | { type: 'contact_log'; method: 'phone' | 'visit' | 'sms' | 'letter' | 'other'; summary: string; reached: boolean }
  | { type: 'request_extension'; days: number; reason: string }
  | { type: 'approve_extension'; days: number; note?: string }
  | { type: 'reject_extension'; reason: string }
  | { type: 'reply'; opinion: ReplyOpinion; text: string }
  | { type: 'return_visit'; contacted: boolean; solved: boolean; satisfied: boolean; method: 'phone' | 'visit' | 'sms' | 'online'; note?: string }
  | { type: 'rate'; satisfied: boolean; solved: boolean; comment?: string } // the petitioner's own rating
  | { type: 'close'; summary?: string }
  | { type: 'rework'; reason: string }
  | { type: 'request_review'; reason: string }
  | { type: 'review_opinion'; opinion: ReplyOpinion; text: string }
  | { type: 'request_re_review'; reason: string }
  | { type: 're_review_opinion'; opinion: ReplyOpinion; text: string }
  | { type: 'finalize'; reason: string }
  | { type: 'merge'; intoCaseId: string; reason?: string }
  | { type: 'split'; parts: { title: string; content: string }[] } // the service creates the new cases
  | { type: 'withdraw'; reason: string }
  | { type: 'take_ownership'; note?: string } // 领导包案: the leader issuing it owns the case until it is settled
  | { type: 'chase'; reason: string; replyDueAt: string } // 催办: the lead unit must answer by replyDueAt
  | { type: 'supervise'; reason: string; replyDueAt: string; listed?: boolean } // 督办 / 挂牌督办 (listed)
  | { type: 'supervision_reply'; supervisionId: string; text: string }; // the lead unit answers a chase or supervision
export type CommandType = Command['type'];

/** An event as the domain produces it; the service adds ids, actor, time and the hash chain. */
export interface DomainEvent {
  type: string; // e.g. 'case.accepted'
  data: Record<string, unknown>;
}

export interface CommandContext {
  actor: Actor;
  relations: ReadonlySet<Relation>;
  now: Date;
  /** Clocks the rule set in force lets a hearing pause (e.g. reg2022: re_review, Art. 36). */
  pausableClocks: ReadonlySet<ClockName>;
}

export interface CommandResult {
  snapshot: CaseSnapshot;
  events: DomainEvent[];
  /** Clocks to start (the service computes their due dates from the rule set) and to stop. */
  startClocks: ClockName[];
  stopClocks: ClockName[];
}
