import { describe, expect, it } from 'vitest';
import { plannedTimers } from './reminders.js';
import { loadStatute } from '../../statute/load-statute.js';
import type { CaseSnapshot, ClockState } from '../lifecycle/types.js';

const { calendar } = loadStatute();
const clock = (startedAt: string, dueAt: string, over: Partial<ClockState> = {}): ClockState => ({
  startedAt, dueAt, pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: null, ...over,
});
const snap = (clocks: CaseSnapshot['clocks']): CaseSnapshot => ({
  state: 'handling', leadUnitId: 'u', assistUnitIds: [], ownerLeaderId: null, hearing: false, extension: 'none', reworkCount: 0, lastVisit: null, clocks,
});
const fires = (s: CaseSnapshot, days = 3) => plannedTimers(s, days, ['forward', 'handling', 'review', 're_review'], calendar).map((x) => [x.kind, x.ref, x.fireAt.toISOString()]);

describe('reminder and overdue timers', () => {
  it('a handling clock due on a Friday is reminded at 09:00 on the Tuesday before and turns red at its due instant', () => {
    // due 2026-11-27 (Fri) 24:00 China time = 16:00Z; three days before is Tue 2026-11-24
    expect(fires(snap({ handling: clock('2026-09-28T02:00:00.000Z', '2026-11-27T15:59:59.999Z') }))).toEqual([
      ['remind', 'handling', '2026-11-24T01:00:00.000Z'],
      ['overdue', 'handling', '2026-11-27T15:59:59.999Z'],
    ]);
  });

  it('a reminder that would fall in the National Day holiday comes on the last working day before it', () => {
    // forward clock received 2026-09-20: day 15 is 10-05 (holiday) → due 10-08; 3 days before = 10-05 → 09-30 (Wed)
    const t = fires(snap({ forward: clock('2026-09-20T02:00:00.000Z', '2026-10-08T15:59:59.999Z') }));
    expect(t[0]).toEqual(['remind', 'forward', '2026-09-30T01:00:00.000Z']);
  });

  it('a reminder falling on a weekend moves to the Friday before', () => {
    // due Tue 2026-11-17 → 3 days before is Sat 11-14 → Fri 11-13
    expect(fires(snap({ handling: clock('2026-09-18T02:00:00.000Z', '2026-11-17T15:59:59.999Z') }))[0]![2]).toBe('2026-11-13T01:00:00.000Z');
  });

  it('a 2-hour clock is reminded half-way, not before it started', () => {
    expect(fires(snap({ handling: clock('2026-03-02T02:00:00.000Z', '2026-03-02T04:00:00.000Z') }))[0]![2]).toBe('2026-03-02T03:00:00.000Z');
  });

  it('stopped, paused and non-unit clocks plan nothing; a zero lead time plans only the red notice', () => {
    const s = snap({
      handling: clock('2026-03-01T00:00:00.000Z', '2026-04-30T00:00:00.000Z', { stoppedAt: '2026-03-10T00:00:00.000Z' }),
      re_review: clock('2026-03-01T00:00:00.000Z', '2026-03-31T00:00:00.000Z', { pausedSince: '2026-03-05T00:00:00.000Z' }),
      review_request: clock('2026-03-01T00:00:00.000Z', '2026-03-31T00:00:00.000Z'),
      forward: clock('2026-03-01T00:00:00.000Z', '2026-03-16T00:00:00.000Z'),
    });
    expect(fires(s).map(([k, r]) => `${k}:${r}`)).toEqual(['remind:forward', 'overdue:forward']);
    expect(fires(s, 0).map(([k]) => k)).toEqual(['overdue']);
  });
});
