/**
 * applyCommand: (snapshot, command, context) → new snapshot, events, clocks to start and stop.
 * Pure: no I/O and no clock of its own (time is ctx.now); the input snapshot is never mutated, so a
 * refused command leaves the caller's copy exactly as it was.
 */
import { AppError } from '../errors.js';
import {
  authorizationGap,
  findTransition,
  isRunning,
  isTerminal,
  type TransitionRow,
} from './transitions.js';
import {
  CLOCKS,
  LEGAL_CHANNELS,
  REPLY_OPINIONS,
  type CaseSnapshot,
  type ClockName,
  type ClockState,
  type Command,
  type CommandContext,
  type CommandResult,
  type DomainEvent,
} from './types.js';

const CONTACT_METHODS = ['phone', 'visit', 'sms', 'letter', 'other'] as const;
const VISIT_METHODS = ['phone', 'visit', 'sms', 'online'] as const;
const MEDIATION_OUTCOMES = ['agreement', 'no_agreement'] as const;

/**
 * Given a snapshot, a command and its context, returns the new snapshot with the events to append and the
 * clocks to start and stop; throws AppError (CASE_ILLEGAL_TRANSITION, ROLE_NOT_ALLOWED, VALIDATION_FAILED,
 * DEADLINE_*) when the command is not allowed.
 */
export function applyCommand(snapshot: CaseSnapshot, command: Command, ctx: CommandContext): CommandResult {
  const { state } = snapshot;
  const type = (command as { type?: unknown } | null)?.type;
  const where = { state, command: typeof type === 'string' ? type : null };

  const row = typeof type === 'string' ? findTransition(state, type as Command['type']) : undefined;
  if (row === undefined) throw new AppError('CASE_ILLEGAL_TRANSITION', where);

  const gap = authorizationGap(row, ctx);
  if (gap === 'role') throw new AppError('ROLE_NOT_ALLOWED', { ...where, reason: 'role', allowedRoles: row.roles });
  if (gap === 'relation') throw new AppError('ROLE_NOT_ALLOWED', { ...where, reason: 'relation', requiredRelations: row.relations });

  // State and time first (a closed window is the more useful answer than a typo in the reason), then the
  // payload's shape, then the guard's payload rules, which may now trust the shape.
  throwIfGuardFails(row, snapshot, null, ctx, where);
  validateCommand(command, snapshot);
  throwIfGuardFails(row, snapshot, command, ctx, where);

  const to = row.to === 'same' ? state : row.to;
  const next: CaseSnapshot = structuredClone(snapshot);
  next.state = to;
  const nowIso = ctx.now.toISOString();

  const extra = applyEffects(next, snapshot, command, ctx);

  // A terminal state has no running clocks: whatever the row lists, everything still running stops.
  const toStop: readonly ClockName[] = isTerminal(to) ? CLOCKS : (row.stopClocks ?? []);
  const stopClocks = toStop.filter((name) => isRunning(next.clocks[name]));
  for (const name of stopClocks) stopClock(next, name, ctx.now);
  if (isTerminal(to)) next.hearing = false;

  // The service computes dueAt from the rule set in force; the placeholder records when the clock started.
  const startClocks = [...(row.startClocks ?? [])];
  for (const name of startClocks) {
    next.clocks[name] = { startedAt: nowIso, dueAt: '', pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: null };
  }

  const { type: _type, ...payload } = command;
  const event: DomainEvent = { type: row.event, data: { ...payload, ...extra, from: state, to } };
  return { snapshot: next, events: [event], startClocks, stopClocks };
}

function throwIfGuardFails(
  row: TransitionRow,
  snapshot: CaseSnapshot,
  command: Command | null,
  ctx: CommandContext,
  where: Record<string, unknown>,
): void {
  const failure = row.check?.(snapshot, command, ctx);
  if (failure) throw new AppError(failure.code, { ...where, ...failure.details });
}

/** Stops a clock at now; a clock stopped mid-hearing has its pause closed out first. */
function stopClock(s: CaseSnapshot, name: ClockName, now: Date): void {
  const c = s.clocks[name];
  if (c === undefined) return;
  resumeClock(c, now);
  c.stoppedAt = now.toISOString();
}

function resumeClock(c: ClockState, now: Date): void {
  if (c.pausedSince === null) return;
  const since = Date.parse(c.pausedSince);
  if (Number.isFinite(since)) c.pausedMs += Math.max(0, now.getTime() - since);
  c.pausedSince = null;
}

/** Distinct, non-empty unit ids without the lead: a unit cannot both lead and assist. */
const assistWithoutLead = (lead: string, assist: readonly string[]): string[] => [...new Set(assist)].filter((u) => u !== lead);

/**
 * Writes the command's effect on the snapshot fields (units, hearing, extension, visit, rework) into
 * `next`, and returns facts worth adding to the event (e.g. the unit that led before).
 */
function applyEffects(next: CaseSnapshot, prev: CaseSnapshot, command: Command, ctx: CommandContext): Record<string, unknown> {
  switch (command.type) {
    case 'dispatch':
    case 'redispatch':
    case 'refer_joint_meeting': {
      next.leadUnitId = command.leadUnitId;
      next.assistUnitIds = assistWithoutLead(command.leadUnitId, command.assistUnitIds);
      return { assistUnitIds: next.assistUnitIds, previousLeadUnitId: prev.leadUnitId };
    }
    case 'escalate': {
      // The lower tier knows the matter and the people: it stays on as an assisting unit.
      const kept = prev.leadUnitId === null ? prev.assistUnitIds : [...prev.assistUnitIds, prev.leadUnitId];
      next.leadUnitId = command.toUnitId;
      next.assistUnitIds = assistWithoutLead(command.toUnitId, kept);
      return { previousLeadUnitId: prev.leadUnitId };
    }
    case 'start_hearing': {
      next.hearing = true;
      const paused: ClockName[] = [];
      for (const name of CLOCKS) {
        const c = next.clocks[name];
        if (ctx.pausableClocks.has(name) && isRunning(c) && c.pausedSince === null) {
          c.pausedSince = ctx.now.toISOString();
          paused.push(name);
        }
      }
      return { pausedClocks: paused };
    }
    case 'end_hearing': {
      next.hearing = false;
      const resumed: ClockName[] = [];
      for (const name of CLOCKS) {
        const c = next.clocks[name];
        if (c !== undefined && c.pausedSince !== null) {
          resumeClock(c, ctx.now);
          resumed.push(name);
        }
      }
      return { resumedClocks: resumed };
    }
    case 'request_extension':
      next.extension = 'requested';
      next.extensionRequestedDays = command.days;
      return {};
    case 'approve_extension': {
      next.extension = 'approved';
      const h = next.clocks.handling;
      if (h !== undefined) h.extensionDays += command.days;
      return {};
    }
    case 'reject_extension':
      // Art. 34 allows one extension; a rejected request used it (the snapshot stays 'rejected').
      next.extension = 'rejected';
      return {};
    case 'return_visit':
      next.lastVisit = { contacted: command.contacted, solved: command.solved, satisfied: command.satisfied };
      return {};
    case 'rate':
      // The petitioner rating online has, by definition, been reached.
      next.lastVisit = { contacted: true, solved: command.solved, satisfied: command.satisfied };
      return {};
    case 'rework':
      next.reworkCount = prev.reworkCount + 1;
      return { reworkCount: next.reworkCount };
    case 'take_ownership':
      next.ownerLeaderId = ctx.actor.userId;
      return { leaderId: ctx.actor.userId };
    case 'chase':
    case 'supervise':
      next.openSupervisions = (prev.openSupervisions ?? 0) + 1;
      return { targetUnitId: prev.leadUnitId };
    case 'supervision_reply':
      next.openSupervisions = Math.max(0, (prev.openSupervisions ?? 0) - 1);
      return {};
    default:
      return {};
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* Payload validation                                                                                 */
/* ------------------------------------------------------------------------------------------------ */

const invalid = (command: string, field: string, issue: string): never => {
  throw new AppError('VALIDATION_FAILED', { command, field, issue });
};

const isText = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

function requireText(command: string, field: string, v: unknown): void {
  if (!isText(v)) invalid(command, field, 'required');
}
function optionalText(command: string, field: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'string') invalid(command, field, 'not_text');
}
function requireBool(command: string, field: string, v: unknown): void {
  if (typeof v !== 'boolean') invalid(command, field, 'not_boolean');
}
function requireOneOf(command: string, field: string, v: unknown, allowed: readonly string[]): void {
  if (typeof v !== 'string' || !allowed.includes(v)) invalid(command, field, 'not_allowed_value');
}
function requireUnits(command: string, lead: unknown, assist: unknown, leadField = 'leadUnitId'): void {
  requireText(command, leadField, lead);
  if (!Array.isArray(assist) || !assist.every(isText)) invalid(command, 'assistUnitIds', 'not_unit_list');
  if ((assist as unknown[]).includes(lead)) invalid(command, 'assistUnitIds', 'includes_lead');
}
function requirePositiveDays(command: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) invalid(command, 'days', 'not_positive_integer');
}

/**
 * Given a command (and the snapshot it targets), returns nothing when its payload is usable and throws
 * VALIDATION_FAILED {command, field, issue} otherwise. Minimal on purpose: the HTTP edge validates the
 * shapes with zod; this keeps the domain safe when called from jobs, imports and tests.
 */
export function validateCommand(command: Command, snapshot: CaseSnapshot): void {
  const t = command.type;
  switch (command.type) {
    case 'accept':
      return optionalText(t, 'note', command.note);
    case 'refuse':
      requireText(t, 'reason', command.reason);
      return requireOneOf(t, 'legalChannel', command.legalChannel, LEGAL_CHANNELS);
    case 'answer_on_spot':
      return requireText(t, 'answer', command.answer);
    case 'dispatch':
      optionalText(t, 'instructions', command.instructions);
      return requireUnits(t, command.leadUnitId, command.assistUnitIds);
    case 'sign':
      return;
    case 'object':
    case 'reject_objection':
    case 'reject_extension':
    case 'rework':
    case 'request_review':
    case 'request_re_review':
    case 'finalize':
    case 'withdraw':
      return requireText(t, 'reason', command.reason);
    case 'redispatch':
      requireText(t, 'reason', command.reason);
      return requireUnits(t, command.leadUnitId, command.assistUnitIds);
    case 'escalate':
      requireText(t, 'toUnitId', command.toUnitId);
      requireText(t, 'reason', command.reason);
      if (command.toUnitId === snapshot.leadUnitId) invalid(t, 'toUnitId', 'already_lead');
      return;
    case 'start_hearing':
      optionalText(t, 'place', command.place);
      return optionalText(t, 'note', command.note);
    case 'end_hearing':
      return requireText(t, 'conclusion', command.conclusion);
    case 'record_mediation':
      requireText(t, 'mediator', command.mediator);
      requireOneOf(t, 'outcome', command.outcome, MEDIATION_OUTCOMES);
      // A mediation agreement (调解协议) is a document: an "agreement" outcome must carry its text.
      if (command.outcome === 'agreement') requireText(t, 'agreement', command.agreement);
      return;
    case 'refer_joint_meeting':
      if (!Array.isArray(command.attendees) || command.attendees.length === 0 || !command.attendees.every(isText)) {
        invalid(t, 'attendees', 'required');
      }
      requireText(t, 'decisions', command.decisions);
      return requireUnits(t, command.leadUnitId, command.assistUnitIds);
    case 'note':
      return requireText(t, 'text', command.text);
    case 'contact_log':
      requireOneOf(t, 'method', command.method, CONTACT_METHODS);
      requireText(t, 'summary', command.summary);
      return requireBool(t, 'reached', command.reached);
    case 'request_extension':
      // Art. 34: the petitioner is told why, so the reason is required.
      requirePositiveDays(t, command.days);
      return requireText(t, 'reason', command.reason);
    case 'approve_extension':
      requirePositiveDays(t, command.days);
      // The unit head may grant fewer days than asked, never more.
      if (snapshot.extensionRequestedDays !== undefined && command.days > snapshot.extensionRequestedDays) {
        throw new AppError('DEADLINE_EXTENSION_TOO_LONG', { command: t, field: 'days', requested: snapshot.extensionRequestedDays });
      }
      return optionalText(t, 'note', command.note);
    case 'reply':
    case 'review_opinion':
    case 're_review_opinion':
      requireOneOf(t, 'opinion', command.opinion, REPLY_OPINIONS);
      return requireText(t, 'text', command.text);
    case 'return_visit':
      requireBool(t, 'contacted', command.contacted);
      requireBool(t, 'solved', command.solved);
      requireBool(t, 'satisfied', command.satisfied);
      requireOneOf(t, 'method', command.method, VISIT_METHODS);
      return optionalText(t, 'note', command.note);
    case 'rate':
      requireBool(t, 'solved', command.solved);
      requireBool(t, 'satisfied', command.satisfied);
      return optionalText(t, 'comment', command.comment);
    case 'close':
      return optionalText(t, 'summary', command.summary);
    case 'merge':
      requireText(t, 'intoCaseId', command.intoCaseId);
      return optionalText(t, 'reason', command.reason);
    case 'take_ownership':
      return optionalText(t, 'note', command.note);
    case 'chase':
    case 'supervise':
      requireText(t, 'reason', command.reason);
      if (typeof command.replyDueAt !== 'string' || !Number.isFinite(Date.parse(command.replyDueAt))) invalid(t, 'replyDueAt', 'not_a_date');
      if (command.type === 'supervise' && command.listed !== undefined) requireBool(t, 'listed', command.listed);
      return;
    case 'supervision_reply':
      requireText(t, 'supervisionId', command.supervisionId);
      return requireText(t, 'text', command.text);
    case 'split':
      if (!Array.isArray(command.parts)) return invalid(t, 'parts', 'required');
      command.parts.forEach((p: unknown, i) => {
        const part = (p ?? {}) as { title?: unknown; content?: unknown };
        requireText(t, `parts.${i}.title`, part.title);
        requireText(t, `parts.${i}.content`, part.content);
      });
      return;
    default: {
      const never: never = command;
      return invalid(String((never as { type?: unknown }).type), 'type', 'unknown_command');
    }
  }
}
