import { describe, expect, it } from 'vitest';
import { chinaMonthBounds, chinaMonthDates, chinaMonthOf, isValidMonth, monthLabelZh } from '../china-month.js';
import { ledgerMonthEntry, overdueDaysAt, type LedgerCaseFacts, type LedgerEventFact } from './ledger-month.js';

const at = (iso: string) => new Date(iso);
const ev = (type: string, iso: string, to: string | null = null, flags?: string[]): LedgerEventFact => ({ type, at: at(iso), to, flags });
const march = chinaMonthBounds('2026-03');
const afterMarch = at('2026-04-10T02:00:00Z');

function facts(events: LedgerEventFact[], extra: Partial<LedgerCaseFacts> = {}): LedgerCaseFacts {
  return { receivedAt: events[0]!.at, ownerLeaderId: 'leader-1', flags: ['leader_owned'], handlingDueAt: null, events, ...extra };
}

describe('China months', () => {
  it('a month runs from the 1st 00:00 to the next 1st 00:00 China time', () => {
    expect(march.start.toISOString()).toBe('2026-02-28T16:00:00.000Z');
    expect(march.end.toISOString()).toBe('2026-03-31T16:00:00.000Z');
    expect(chinaMonthBounds('2026-12').end.toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(chinaMonthDates('2028-02')).toEqual({ first: '2028-02-01', last: '2028-02-29' });
    expect(chinaMonthOf(at('2026-03-31T16:30:00Z'))).toBe('2026-04'); // 00:30 on 1 April in China
    expect([isValidMonth('2026-03'), isValidMonth('2026-13'), isValidMonth('2026-3')]).toEqual([true, false, false]);
    expect(monthLabelZh('2026-03')).toBe('2026年3月');
  });
});

describe('a case on a month\'s 百案攻坚 ledger', () => {
  const registered = ev('case.registered', '2026-02-02T02:00:00Z', null, []);
  const accepted = ev('case.accepted', '2026-02-02T03:00:00Z', 'accepted');

  it('owned before the month and open throughout: listed, not new, not closed out', () => {
    const e = ledgerMonthEntry(facts([registered, accepted, ev('case.ownership_taken', '2026-02-03T02:00:00Z')]), march, afterMarch);
    expect(e).toMatchObject({ onLedger: true, newAssignment: false, closedOut: false, stateAtEnd: 'accepted' });
  });

  it('owned in the month and closed in it: a new assignment and a close-out (销号)', () => {
    const e = ledgerMonthEntry(
      facts([registered, accepted, ev('case.ownership_taken', '2026-03-03T02:00:00Z'), ev('case.closed', '2026-03-20T02:00:00Z', 'closed')]),
      march,
      afterMarch,
    );
    expect(e).toMatchObject({ onLedger: true, newAssignment: true, closedOut: true, stateAtEnd: 'closed' });
    expect(e.closedOutAt?.toISOString()).toBe('2026-03-20T02:00:00.000Z');
  });

  it('settled before the month: not listed; owned only after the month: not listed', () => {
    const settled = facts([registered, accepted, ev('case.ownership_taken', '2026-02-03T02:00:00Z'), ev('case.closed', '2026-02-20T02:00:00Z', 'closed')]);
    expect(ledgerMonthEntry(settled, march, afterMarch).onLedger).toBe(false);
    const later = facts([registered, accepted, ev('case.ownership_taken', '2026-04-02T02:00:00Z')]);
    expect(ledgerMonthEntry(later, march, afterMarch).onLedger).toBe(false);
    expect(ledgerMonthEntry(later, chinaMonthBounds('2026-04'), afterMarch)).toMatchObject({ onLedger: true, newAssignment: true });
  });

  it('settled in the month but reopened by a review before its end: listed, not closed out', () => {
    const e = ledgerMonthEntry(
      facts([registered, accepted, ev('case.ownership_taken', '2026-02-03T02:00:00Z'), ev('case.closed', '2026-03-05T02:00:00Z', 'closed'), ev('case.review_requested', '2026-03-09T02:00:00Z', 'under_review')]),
      march,
      afterMarch,
    );
    expect(e).toMatchObject({ onLedger: true, closedOut: false, stateAtEnd: 'under_review' });
  });

  it('a backlog case is listed from the month it went overdue, and counts overdue days to the month\'s end', () => {
    const f = facts([registered, accepted, ev('case.overdue', '2026-03-07T01:00:00Z')], {
      ownerLeaderId: null,
      flags: ['backlog'],
      handlingDueAt: at('2026-03-06T15:59:59.999Z'), // end of 6 March, China time
    });
    expect(ledgerMonthEntry(f, chinaMonthBounds('2026-02'), afterMarch).onLedger).toBe(false);
    const e = ledgerMonthEntry(f, march, afterMarch);
    expect(e).toMatchObject({ onLedger: true, newAssignment: false, overdueDays: 25 });
    // in the running month, up to now
    expect(ledgerMonthEntry(f, march, at('2026-03-10T02:00:00Z')).overdueDays).toBe(4);
  });

  it('overdue days are whole China calendar days past the due date', () => {
    const due = at('2026-03-06T15:59:59.999Z');
    expect(overdueDaysAt(due, at('2026-03-06T15:00:00Z'))).toBe(0);
    expect(overdueDaysAt(due, at('2026-03-06T16:00:00Z'))).toBe(1);
    expect(overdueDaysAt(due, at('2026-03-08T15:59:00Z'))).toBe(2);
  });
});
