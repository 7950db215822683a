import { describe, expect, it } from 'vitest';
import { addToCounters, caseFacts, caseScopes, decodeItem, encodeItem, storedScopes, type FactCase, type FactEvent } from './case-facts.js';
import { mapIndex, rateCounts, tierCounts, total, type Sums } from './figures.js';

const kinds: Record<string, { kind: string; level: string | null }> = {
  D: { kind: 'district', level: null },
  S: { kind: 'street', level: null },
  C: { kind: 'community', level: null },
  G: { kind: 'grid', level: null },
  H: { kind: 'department', level: 'district' },
};
const kindOf = (id: string) => kinds[id];

/** A case received on 2026-03-02 (China time) in grid G, with the events given as [type, China date, data]. */
function fixture(over: Partial<FactCase>, events: [string, string, Record<string, unknown>][]): [FactCase, FactEvent[]] {
  const c: FactCase = {
    id: 'x',
    channel: 'online',
    categoryCode: '0301',
    ownerUnitId: 'G',
    leadUnitId: null,
    receivedAt: new Date('2026-03-02T02:00:00Z'),
    flags: [],
    state: 'registered',
    snapshot: { clocks: {} },
    keywords: ['噪音', '施工', '夜间', '扰民'],
    confidential: false,
    unitPaths: ['/D/S/C/G/'],
    accusedUnitPaths: [],
    parentCaseId: null,
    assistUnitIds: [],
    ...over,
  };
  return [c, events.map(([type, day, data]) => ({ type, at: new Date(`${day}T02:00:00Z`), data }))];
}

/** Given fixtures, returns their facts summed (as one scope's counters over all time). */
function sums(...cases: [FactCase, FactEvent[]][]): Sums {
  const out = new Map<string, Map<string, number>>();
  for (const [c, e] of cases) {
    for (const it of caseFacts(c, e, kindOf)) {
      if (!out.has(it.metric)) out.set(it.metric, new Map());
      out.get(it.metric)!.set(it.dim, (out.get(it.metric)!.get(it.dim) ?? 0) + it.value);
    }
  }
  return out;
}

describe('case facts and the rates from them', () => {
  // 1: accepted in time, dispatched to the housing bureau, settled on time, visited: reached, solved, satisfied
  const one = fixture({ state: 'closed', leadUnitId: 'H', unitPaths: ['/D/S/C/G/', '/D/H/'] }, [
    ['case.registered', '2026-03-02', {}],
    ['case.accepted', '2026-03-03', { from: 'registered', to: 'accepted' }],
    ['case.dispatched', '2026-03-03', { from: 'accepted', to: 'dispatched', leadUnitId: 'H' }],
    ['case.replied', '2026-03-20', { from: 'handling', to: 'replied' }],
    ['case.return_visited', '2026-03-21', { from: 'replied', to: 'visited', contacted: true, solved: true, satisfied: true }],
    ['case.closed', '2026-03-22', { from: 'visited', to: 'closed' }],
  ]);
  // 2: a repeat petition accepted only after the forward deadline passed; settled late by the community;
  //    first visit unsatisfied and sent back, then the petitioner rated it solved but unsatisfied
  const two = fixture({ state: 'closed', flags: ['repeat'], channel: 'phone', leadUnitId: 'C' }, [
    ['case.registered', '2026-03-02', {}],
    ['case.overdue', '2026-03-17', { clock: 'forward', dueAt: '2026-03-17T02:00:00Z' }],
    ['case.accepted', '2026-03-18', { from: 'registered', to: 'accepted' }],
    ['case.overdue', '2026-05-17', { clock: 'handling', dueAt: '2026-05-17T02:00:00Z' }],
    ['case.return_visited', '2026-05-20', { from: 'replied', to: 'visited', contacted: true, solved: false, satisfied: false }],
    ['case.reworked', '2026-05-20', { from: 'visited', to: 'handling' }],
    ['case.rated', '2026-05-28', { satisfied: false, solved: true }],
    ['case.closed', '2026-05-29', { from: 'visited', to: 'closed' }],
  ]);
  // 3: answered on the spot by the grid that received it; never visited
  const three = fixture({ state: 'answered_on_spot', channel: 'visit' }, [
    ['case.registered', '2026-03-02', {}],
    ['case.answered_on_spot', '2026-03-02', { from: 'registered', to: 'answered_on_spot' }],
  ]);
  // 4: still open in handling at the street, its handling clock overdue now; a visit could not reach anyone
  const four = fixture(
    {
      state: 'handling',
      leadUnitId: 'S',
      snapshot: { clocks: { handling: { startedAt: '2026-03-02T02:00:00Z', dueAt: '2026-05-01T02:00:00Z', pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: null } } },
    },
    [
      ['case.registered', '2026-03-02', {}],
      ['case.accepted', '2026-03-02', { from: 'registered', to: 'accepted' }],
      ['case.chased', '2026-04-10', {}],
      ['case.supervised', '2026-04-20', {}],
      ['case.supervised', '2026-04-25', {}],
      ['case.overdue', '2026-05-01', { clock: 'handling', dueAt: '2026-05-01T02:00:00Z' }],
      ['case.return_visited', '2026-05-05', { from: 'handling', to: 'handling', contacted: false, solved: false, satisfied: false }],
    ],
  );

  it('counts each rate as its definition says, by hand', () => {
    const s = sums(one, two, three, four);
    const r = rateCounts(s, 0);
    // decisions: 1 (timely), 2 (after a forward overdue), 3 (timely), 4 (timely)
    expect(r.timely_acceptance).toEqual({ numerator: 3, denominator: 4 });
    // settled: 1 on time, 2 late, 3 on the spot (on time)
    expect(r.on_time_closure).toEqual({ numerator: 2, denominator: 3 });
    // latest evaluation: 1 visit reached/solved/satisfied; 2 rating (reached, solved, unsatisfied); 4 visit not reached
    expect(r.response).toEqual({ numerator: 2, denominator: 3 });
    expect(r.resolution).toEqual({ numerator: 2, denominator: 2 });
    expect(r.satisfaction).toEqual({ numerator: 1, denominator: 2 });
    // settled and ever reached: 1 and 2 (3 never visited)
    expect(r.participation).toEqual({ numerator: 2, denominator: 3 });
    expect(r.repeat).toEqual({ numerator: 1, denominator: 4 });
    // first-time settled: 1 and 3 (2 is a repeat); both at once
    expect(r.first_time_resolution).toEqual({ numerator: 2, denominator: 2 });
    // backlog: 2 (forward overdue, resolved on closing) and 4 (still open) entered; one resolved
    expect(r.backlog_resolution).toEqual({ numerator: 1, denominator: 2 });
    expect(rateCounts(s, 3).backlog_resolution).toEqual({ numerator: 1, denominator: 5 });
  });

  it('puts each fact on its own day, and counts stocks without one', () => {
    const items = caseFacts(two[0], two[1], kindOf);
    const on = (metric: string) => items.filter((i) => i.metric === metric).map((i) => `${i.day}:${i.dim}:${i.value}`);
    expect(on('received')).toEqual(['2026-03-02:phone:1']);
    expect(on('accept_decided')).toEqual(['2026-03-18::1']);
    expect(on('accept_timely')).toEqual([]);
    expect(on('settled')).toEqual(['2026-05-29:community:1']);
    expect(on('eval')).toEqual(['2026-05-28::1']);
    expect(on('backlog_in')).toEqual(['2026-03-17::1']);
    expect(on('backlog_out')).toEqual(['2026-05-29::1']);
    expect(on('open')).toEqual([]);
    const f4 = caseFacts(four[0], four[1], kindOf);
    expect(f4.filter((i) => i.day === '').map((i) => `${i.metric}:${i.dim}`).sort()).toEqual(['open:', 'overdue:S']);
    expect(f4.filter((i) => i.metric === 'supervised')).toEqual([
      { day: '2026-04-20', metric: 'supervised', dim: '', value: 1 },
      { day: '2026-04-25', metric: 'supervised', dim: '', value: 1 },
    ]);
  });

  it('stops counting a case overdue once an approved extension moves its due date', () => {
    const [c, e] = four;
    const extended = { ...c, snapshot: { clocks: { handling: { ...c.snapshot.clocks.handling!, dueAt: '2026-05-31T02:00:00Z', extensionDays: 30 } } } };
    expect(caseFacts(extended, e, kindOf).some((i) => i.metric === 'overdue')).toBe(false);
  });

  it('charges an overdue case to the unit its overdue notice named', () => {
    const review = fixture({ state: 'under_review', leadUnitId: 'C', snapshot: { clocks: { review: { startedAt: '2026-04-01T02:00:00Z', dueAt: '2026-05-01T02:00:00Z', pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: null } } } }, [
      ['case.registered', '2026-03-02', {}],
      ['case.overdue', '2026-05-01', { clock: 'review', dueAt: '2026-05-01T02:00:00Z', unitId: 'D' }],
    ]);
    expect(caseFacts(review[0], review[1], kindOf).filter((i) => i.metric === 'overdue').map((i) => i.dim)).toEqual(['D']);
  });

  it('counts settlement tiers by the settling unit', () => {
    const t = tierCounts(sums(one, two, three, four));
    expect(t.find((x) => x.tier === 'district')).toEqual({ tier: 'district', count: 1, share: 1 / 3 });
    expect(t.find((x) => x.tier === 'community')?.count).toBe(1);
    expect(t.find((x) => x.tier === 'grid')?.count).toBe(1);
    expect(t.find((x) => x.tier === 'street')).toEqual({ tier: 'street', count: 0, share: 0 });
  });

  it('gives a case’s receipt to the units above its owner, its handling to those above its lead and assisting units, never to an accused one', () => {
    const paths = { unitPaths: ['/D/S/C/G/', '/D/H/'], ownerUnitId: 'G', leadUnitId: 'H', assistUnitIds: [] };
    expect(caseScopes({ ...paths, accusedUnitPaths: [] })).toEqual({ receipt: ['C', 'D', 'G', 'S'], handling: ['D', 'H'] });
    expect(caseScopes({ ...paths, accusedUnitPaths: ['/D/H/'] })).toEqual({ receipt: ['C', 'D', 'G', 'S'], handling: ['D'] });
    // nobody leads yet: the owner handles; the owner leads itself with an assisting unit: both handle
    expect(caseScopes({ unitPaths: ['/D/S/C/G/'], ownerUnitId: 'G', leadUnitId: null, assistUnitIds: [], accusedUnitPaths: [] }).handling).toEqual(['C', 'D', 'G', 'S']);
    expect(caseScopes({ unitPaths: ['/D/S/C/G/', '/D/H/'], ownerUnitId: 'G', leadUnitId: 'G', assistUnitIds: ['H'], accusedUnitPaths: [] }).handling).toEqual(['C', 'D', 'G', 'H', 'S']);
    // the owner assists the lead: its one path in unit_paths counts for the handling too
    expect(caseScopes({ unitPaths: ['/D/S/C/G/', '/D/H/'], ownerUnitId: 'G', leadUnitId: 'H', assistUnitIds: ['G'], accusedUnitPaths: [] }).handling).toEqual(['C', 'D', 'G', 'H', 'S']);
    // facts folded before the two sides count everything for their one list of scopes
    expect(storedScopes(['D', 'G'], null)).toEqual({ receipt: ['D', 'G'], handling: ['D', 'G'] });
  });

  it('counts each item once per unit of its side, and keywords only for coarse scopes', () => {
    const daily = new Map<string, number>();
    const stock = new Map<string, number>();
    const items = caseFacts(one[0], one[1], kindOf).map(encodeItem);
    const scopes = { receipt: ['D', 'G'], handling: ['D', 'H'] };
    addToCounters('r', scopes, items, 1, kindOf, daily, stock);
    const kw = [...daily.keys()].filter((k) => k.includes('\u0000kw\u0000'));
    expect(kw.every((k) => k.startsWith('r\u0000D\u0000'))).toBe(true);
    expect(kw).toHaveLength(3);
    const units = (metric: string) => [...daily.keys()].filter((k) => k.split('\u0000')[3] === metric).map((k) => k.split('\u0000')[1]).sort();
    expect(units('received')).toEqual(['D', 'G']);
    expect(units('accept_decided')).toEqual(['D', 'G']);
    expect(units('settled')).toEqual(['D', 'H']);
    expect(units('eval_satisfied')).toEqual(['D', 'H']);
    addToCounters('r', scopes, items, -1, kindOf, daily, stock);
    expect([...daily.values()].every((v) => v === 0)).toBe(true);
  });

  it('counts a split petition received once, with its parent, while each part settles on its own', () => {
    const parent = fixture({ state: 'handling', leadUnitId: 'H' }, [['case.registered', '2026-03-02', {}]]);
    const part = (id: string) =>
      fixture({ id, parentCaseId: 'x', state: 'closed', leadUnitId: 'C', flags: ['repeat'] }, [
        ['case.registered', '2026-03-03', {}],
        ['case.closed', '2026-03-05', { from: 'visited', to: 'closed' }],
      ]);
    const s = sums(parent, part('p1'), part('p2'));
    expect(total(s, 'received')).toBe(1);
    expect(total(s, 'received_cat')).toBe(1);
    expect(total(s, 'repeat')).toBe(0);
    expect(total(s, 'settled')).toBe(2);
    expect(s.get('settled')?.get('community')).toBe(2);
    expect(total(s, 'open')).toBe(1);
  });

  it('keeps a dim that holds the separator', () => {
    expect(decodeItem(encodeItem({ day: '2026-03-02', metric: 'kw', dim: 'a|b', value: 2 }))).toEqual({ day: '2026-03-02', metric: 'kw', dim: 'a|b', value: 2 });
  });

  it('weighs the map index as documented', () => {
    const w = { volume: 0.3, overdue: 0.3, dissatisfaction: 0.2, warnings: 0.2 };
    const [a, b] = mapIndex(
      [
        { volume: 10, overdue: 2, satisfaction: 0.5, warnings: 0 },
        { volume: 5, overdue: 0, satisfaction: null, warnings: 1 },
      ],
      w,
    );
    expect(a).toEqual({ index: 70, parts: { volume: 30, overdue: 30, dissatisfaction: 10, warnings: 0 } });
    expect(b).toEqual({ index: 35, parts: { volume: 15, overdue: 0, dissatisfaction: 0, warnings: 20 } });
  });
});
