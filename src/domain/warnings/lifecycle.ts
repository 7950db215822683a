/**
 * The warning (预警) lifecycle as data (DOMAIN.md §6): 预警 raised → 派单处置 dispatched → 反馈 fed back →
 * 评估 assessed → 撤销 withdrawn. Each row says which command may be issued in which states, by which
 * roles in which relation to the warning, and where it leads. `applyWarningCommand` looks a row up and
 * checks the payload; `allowedWarningCommands` iterates the same rows for the abilities the API ships
 * with a warning, so the web app's buttons and the server never disagree.
 *
 * Pure: no I/O, no clock of its own (time is passed in).
 */
import { AppError } from '../errors.js';
import type { StaffRole } from '../lifecycle/types.js';

export const WARNING_STATES = ['raised', 'dispatched', 'fed_back', 'assessed', 'withdrawn'] as const;
export type WarningState = (typeof WARNING_STATES)[number];

export const WARNING_KINDS = ['cluster', 'repeat_petitioner', 'escalation', 'collective', 'extreme_statement', 'deadline_risk', 'external'] as const;
export type WarningKind = (typeof WARNING_KINDS)[number];

/** Ordered most pressing first: lists sort on this rank. */
export const WARNING_LEVELS = ['urgent', 'high', 'normal'] as const;
export type WarningLevel = (typeof WARNING_LEVELS)[number];

export const WARNING_COMMANDS = ['dispatch', 'feed_back', 'assess', 'withdraw', 'note'] as const;
export type WarningCommandType = (typeof WARNING_COMMANDS)[number];

export const ASSESS_OUTCOMES = ['accept', 'return'] as const;
export type AssessOutcome = (typeof ASSESS_OUTCOMES)[number];

/** A command as the service hands it to the domain (ids already checked against the org tree by the service). */
export type WarningCommand =
  | { type: 'dispatch'; unitId: string; assigneeId: string; dueAt: Date; instructions?: string | null }
  | { type: 'feed_back'; text: string }
  | { type: 'assess'; outcome: AssessOutcome; text: string }
  | { type: 'withdraw'; reason: string }
  | { type: 'note'; text: string };

/**
 * How the actor stands to the warning, computed by the service:
 * - scope: the warning concerns a unit in his subtree (he may see it)
 * - dispatched: he works in the unit the warning was dispatched to (or below it)
 * - assignee: he is the named person who must act
 */
export type WarningRelation = 'scope' | 'dispatched' | 'assignee';

export interface WarningActor {
  roles: readonly StaffRole[];
  relations: readonly WarningRelation[];
}

export interface WarningTransitionRow {
  readonly command: WarningCommandType;
  readonly from: readonly WarningState[];
  /** 'same' = recorded without moving the warning; for assess the outcome decides (see `applyWarningCommand`). */
  readonly to: WarningState | 'same';
  /** at least one of these roles … */
  readonly roles: readonly StaffRole[];
  /** … and at least one of these relations */
  readonly relations: readonly WarningRelation[];
  readonly event: string;
  readonly labelZh: string;
}

/** Who directs the response to a warning: the petition office and the leaders over the units concerned. */
const DIRECTING: readonly StaffRole[] = ['supervisor', 'leader', 'dispatcher'];
const ALL_CASE_WORK: readonly StaffRole[] = ['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader'];

/** The table. `withdraw` is allowed from `raised` (a false alarm) and after assessment (the risk is dealt with). */
export const WARNING_TRANSITIONS: readonly WarningTransitionRow[] = [
  { command: 'dispatch', from: ['raised', 'dispatched'], to: 'dispatched', roles: DIRECTING, relations: ['scope'], event: 'warning.dispatched', labelZh: '派单处置' },
  { command: 'feed_back', from: ['dispatched'], to: 'fed_back', roles: ['handler', 'unit_head', 'leader'], relations: ['dispatched', 'assignee'], event: 'warning.fed_back', labelZh: '处置反馈' },
  { command: 'assess', from: ['fed_back'], to: 'assessed', roles: ['supervisor', 'leader'], relations: ['scope'], event: 'warning.assessed', labelZh: '反馈评估' },
  { command: 'withdraw', from: ['raised', 'assessed'], to: 'withdrawn', roles: ['supervisor', 'leader'], relations: ['scope'], event: 'warning.withdrawn', labelZh: '撤销预警' },
  { command: 'note', from: ['raised', 'dispatched', 'fed_back', 'assessed'], to: 'same', roles: ALL_CASE_WORK, relations: ['scope', 'dispatched', 'assignee'], event: 'warning.note', labelZh: '备注' },
];

/** Given a state, returns whether the warning still asks for work (everything but assessed and withdrawn). */
export const isWarningOpen = (s: WarningState): boolean => s === 'raised' || s === 'dispatched' || s === 'fed_back';
/** Given a state, returns whether nothing more can happen to the warning. */
export const isWarningFinal = (s: WarningState): boolean => s === 'withdrawn';

export interface WarningTransitionResult {
  to: WarningState;
  event: { type: string; data: Record<string, unknown> };
  /** the fields of the warning row the step changes */
  patch: { assigneeId?: string; dispatchedUnitId?: string; dueAt?: Date | null; closed?: boolean };
}

const MAX_TEXT = 4000;

/**
 * Given the warning's state, a command, the actor's roles and relations and the time, returns the new
 * state, the event to append and the row fields to change; throws WARNING_ILLEGAL_TRANSITION when the
 * state does not allow the command, ROLE_NOT_ALLOWED when the actor may not issue it, VALIDATION_FAILED
 * for a bad payload.
 */
export function applyWarningCommand(state: WarningState, command: WarningCommand, actor: WarningActor, now: Date): WarningTransitionResult {
  const type = (command as { type?: unknown } | null)?.type;
  const row = WARNING_TRANSITIONS.find((r) => r.command === type);
  if (!row) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'type', message: '未知的预警操作' }] });
  if (!row.from.includes(state)) throw new AppError('WARNING_ILLEGAL_TRANSITION', { state, command: row.command, allowedFrom: row.from });
  if (!mayIssue(row, actor)) throw new AppError('ROLE_NOT_ALLOWED', { command: row.command, roles: row.roles, relations: row.relations });

  switch (command.type) {
    case 'dispatch': {
      if (!(command.dueAt instanceof Date) || Number.isNaN(command.dueAt.getTime()) || command.dueAt.getTime() <= now.getTime()) {
        throw invalid('dueAt', '反馈期限须晚于当前时间');
      }
      const instructions = optionalText(command.instructions, 'instructions');
      return {
        to: 'dispatched',
        event: { type: row.event, data: { unitId: command.unitId, assigneeId: command.assigneeId, dueAt: command.dueAt.toISOString(), instructions, redispatch: state === 'dispatched' } },
        patch: { assigneeId: command.assigneeId, dispatchedUnitId: command.unitId, dueAt: command.dueAt },
      };
    }
    case 'feed_back':
      return { to: 'fed_back', event: { type: row.event, data: { text: requiredText(command.text, 'text') } }, patch: {} };
    case 'assess': {
      if (!ASSESS_OUTCOMES.includes(command.outcome)) throw invalid('outcome', '评估结论须为 accept（通过）或 return（退回重办）');
      const text = requiredText(command.text, 'text');
      // Returned: back to the dispatched unit with the reason, same named person and due date.
      if (command.outcome === 'return') return { to: 'dispatched', event: { type: row.event, data: { outcome: 'return', text } }, patch: {} };
      return { to: 'assessed', event: { type: row.event, data: { outcome: 'accept', text } }, patch: {} };
    }
    case 'withdraw':
      return { to: 'withdrawn', event: { type: row.event, data: { reason: requiredText(command.reason, 'reason'), from: state } }, patch: { closed: true } };
    case 'note':
      return { to: state, event: { type: row.event, data: { text: requiredText(command.text, 'text') } }, patch: {} };
  }
}

/** Given the warning's state and the actor, returns the commands he may issue now, in table order. */
export function allowedWarningCommands(state: WarningState, actor: WarningActor): WarningCommandType[] {
  return WARNING_TRANSITIONS.filter((r) => r.from.includes(state) && mayIssue(r, actor)).map((r) => r.command);
}

function mayIssue(row: WarningTransitionRow, actor: WarningActor): boolean {
  return row.roles.some((r) => actor.roles.includes(r)) && row.relations.some((r) => actor.relations.includes(r));
}

function requiredText(value: unknown, path: string): string {
  const s = typeof value === 'string' ? value.trim() : '';
  if (!s) throw invalid(path, '此项必填');
  if (s.length > MAX_TEXT) throw invalid(path, `不能超过 ${MAX_TEXT} 字`);
  return s;
}

function optionalText(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  const s = typeof value === 'string' ? value.trim() : '';
  if (s.length > MAX_TEXT) throw invalid(path, `不能超过 ${MAX_TEXT} 字`);
  return s || null;
}

const invalid = (path: string, message: string) => new AppError('VALIDATION_FAILED', { fields: [{ path, message }] });

/** zh-CN labels, for notices and the audit trail (the web app keeps its own copy in its locale file). */
export const WARNING_KIND_LABELS: Record<WarningKind, string> = {
  cluster: '聚集苗头',
  repeat_petitioner: '重复信访',
  escalation: '越级信访',
  collective: '集体访',
  extreme_statement: '极端言论',
  deadline_risk: '超期风险',
  external: '外部风险',
};
export const WARNING_LEVEL_LABELS: Record<WarningLevel, string> = { urgent: '紧急', high: '较高', normal: '一般' };
