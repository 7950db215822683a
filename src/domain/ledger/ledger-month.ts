/**
 * The monthly 百案攻坚 ledger (台账, DOMAIN.md §5), decided for one case and one month from the
 * case's events, so a past month reads as it was and not as the case stands today.
 *
 * A case is on a month's ledger when it was leader-owned (包案) or backlog (积案) at some moment of
 * the month while still open: it became owned or backlog before the month ended, and it had not been
 * settled for good before the month began. "Settled" is leaving the open states (办结, or a terminal
 * state such as 终结 or 撤回; transitions.ts OPEN_STATES): that is the close-out (销号) when it
 * happens within the month and the case is still settled at the month's end. Ownership taken in the
 * month is a new assignment (新增). Overdue days count China calendar days past the handling due
 * date (办理期限) — up to the close-out for a case settled in the month, up to the month's end (or
 * now, in the current month) for a case still open.
 */
import { toChinaDate, DAY_MS } from '../deadlines/china-date.js';
import { isOpen } from '../lifecycle/transitions.js';
import type { CaseState } from '../lifecycle/types.js';

export interface LedgerEventFact {
  type: string;
  at: Date;
  /** the state a transition led to (events that are not transitions carry none) */
  to: string | null;
  /** the flags the case was registered with (case.registered only) */
  flags?: readonly string[] | null;
}

export interface LedgerCaseFacts {
  receivedAt: Date;
  ownerLeaderId: string | null;
  flags: readonly string[];
  /** the handling clock's due date (Art. 34, with any extension), if the case ever had one */
  handlingDueAt: Date | null;
  /** the case's events in order */
  events: readonly LedgerEventFact[];
}

export interface LedgerMonthEntry {
  onLedger: boolean;
  ownedSince: Date | null;
  backlogSince: Date | null;
  /** ownership taken within the month (新增包案) */
  newAssignment: boolean;
  /** settled within the month and still settled at its end (销号) */
  closedOut: boolean;
  closedOutAt: Date | null;
  /** the state at the month's end (or now, in the current month) */
  stateAtEnd: string;
  overdueDays: number;
}

const open = (state: string) => isOpen(state as CaseState);

/** Given a case's facts, the month's bounds and the time now, returns how the case stands on that month's ledger. */
export function ledgerMonthEntry(f: LedgerCaseFacts, period: { start: Date; end: Date }, now: Date): LedgerMonthEntry {
  const end = Math.min(period.end.getTime(), now.getTime() + 1);
  const events = f.events.filter((e) => e.at.getTime() < end);
  // Since when, from every event the caller passed: a later ownership must not fall back to "always".
  const ownedSince = ownedSinceOf(f, f.events);
  const backlogSince = f.flags.includes('backlog') ? (f.events.find((e) => e.type === 'case.overdue')?.at ?? f.receivedAt) : null;
  const since = [ownedSince, backlogSince].filter((d): d is Date => d !== null && d.getTime() < end);
  const stateAtEnd = stateAfter(events, end);
  const notOn = { onLedger: false, ownedSince, backlogSince, newAssignment: false, closedOut: false, closedOutAt: null, stateAtEnd, overdueDays: 0 };
  if (since.length === 0) return notOn;

  const from = Math.max(period.start.getTime(), Math.min(...since.map((d) => d.getTime())));
  const openDuring = open(stateAfter(events, from + 1)) || events.some((e) => e.at.getTime() > from && e.to !== null && open(e.to));
  if (!openDuring) return notOn;

  let closedOutAt: Date | null = null;
  if (!open(stateAtEnd)) {
    let state = 'registered';
    for (const e of events) {
      if (e.to === null) continue;
      if (open(state) && !open(e.to)) closedOutAt = e.at;
      state = e.to;
    }
  }
  const refTime = closedOutAt ?? (open(stateAtEnd) ? new Date(end - 1) : null);
  return {
    onLedger: true,
    ownedSince,
    backlogSince,
    newAssignment: ownedSince !== null && ownedSince.getTime() >= period.start.getTime() && ownedSince.getTime() < end,
    closedOut: closedOutAt !== null,
    closedOutAt,
    stateAtEnd,
    overdueDays: refTime && f.handlingDueAt ? overdueDaysAt(f.handlingDueAt, refTime) : 0,
  };
}

/** Given a due date and an instant, returns the whole China calendar days the instant lies past it (0 when on time). */
export function overdueDaysAt(dueAt: Date, at: Date): number {
  if (at.getTime() <= dueAt.getTime()) return 0;
  const days = Math.round((Date.parse(toChinaDate(at)) - Date.parse(toChinaDate(dueAt))) / DAY_MS);
  return Math.max(days, 1);
}

/** Ownership taken by command, or given at registration (a leader's reception day), else known only from the case row. */
function ownedSinceOf(f: LedgerCaseFacts, events: readonly LedgerEventFact[]): Date | null {
  const taken = events.find((e) => e.type === 'case.ownership_taken');
  if (taken) return taken.at;
  const registered = events.find((e) => e.type === 'case.registered');
  if (registered?.flags?.includes('leader_owned')) return registered.at;
  return f.ownerLeaderId || f.flags.includes('leader_owned') ? f.receivedAt : null;
}

/** Given events in order, returns the state after every transition before the instant (ms). */
function stateAfter(events: readonly LedgerEventFact[], before: number): string {
  let state = 'registered';
  for (const e of events) {
    if (e.at.getTime() >= before) break;
    if (e.to !== null) state = e.to;
  }
  return state;
}
