import { describe, expect, it } from 'vitest';
import {
  allowedCommands,
  CLOSED_LIKE_STATES,
  COMMAND_LABELS_ZH,
  findTransition,
  isClosedLike,
  isOpen,
  isTerminal,
  OPEN_STATES,
  relationCountsFor,
  STATE_LABELS_ZH,
  TERMINAL_STATES,
  TRANSITIONS,
  windowClosesAt,
  windowStatus,
} from './transitions.js';
import {
  CASE_STATES,
  type CaseSnapshot,
  type CaseState,
  type ClockState,
  type CommandContext,
  type CommandType,
  type Relation,
  type Role,
} from './types.js';

const NOW = new Date('2026-03-10T02:00:00.000Z');
const DAY = 86_400_000;
const at = (days: number): string => new Date(NOW.getTime() + days * DAY).toISOString();
const clock = (dueInDays: number, over: Partial<ClockState> = {}): ClockState => ({
  startedAt: at(-1), dueAt: at(dueInDays), pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: null, ...over,
});

function snapshot(state: CaseState, over: Partial<CaseSnapshot> = {}): CaseSnapshot {
  return {
    state, leadUnitId: 'u-lead', assistUnitIds: [], ownerLeaderId: null, hearing: false, extension: 'none',
    reworkCount: 0, lastVisit: null, clocks: {}, ...over,
  };
}
const ctx = (roles: Role[], relations: Relation[]): CommandContext => ({
  actor: { userId: roles.includes('petitioner') ? null : 'user-1', roles, unitId: 'u-lead' },
  relations: new Set(relations), now: NOW, pausableClocks: new Set(['re_review']),
});

/** Every command type, listed once; the Record type fails to compile if one is missing. */
const ALL_COMMANDS = Object.keys({
  accept: 1, refuse: 1, answer_on_spot: 1, dispatch: 1, sign: 1, object: 1, redispatch: 1, reject_objection: 1, escalate: 1,
  start_hearing: 1, end_hearing: 1, record_mediation: 1, refer_joint_meeting: 1, note: 1, contact_log: 1, request_extension: 1,
  approve_extension: 1, reject_extension: 1, reply: 1, return_visit: 1, rate: 1, close: 1, rework: 1, request_review: 1,
  review_opinion: 1, request_re_review: 1, re_review_opinion: 1, finalize: 1, merge: 1, split: 1, withdraw: 1,
  take_ownership: 1, chase: 1, supervise: 1, supervision_reply: 1,
} satisfies Record<CommandType, 1>) as CommandType[];

describe('state categories', () => {
  it('every state is either open or closed-like, never both', () => {
    for (const s of CASE_STATES) expect(isOpen(s)).toBe(!isClosedLike(s));
    expect([...OPEN_STATES, ...CLOSED_LIKE_STATES].sort()).toEqual([...CASE_STATES].sort());
  });

  it('closed, answered on the spot, refused, final, merged and withdrawn cases are not open', () => {
    for (const s of ['closed', 'answered_on_spot', 'refused', 'final', 'merged', 'withdrawn'] as const) expect(isOpen(s)).toBe(false);
  });

  it('a replied case still waiting on its review window counts as open', () => {
    for (const s of ['replied', 'visited', 'reviewed', 'under_review', 'under_re_review'] as const) expect(isOpen(s)).toBe(true);
  });

  it('a closed case is not terminal: the petitioner may still ask for review', () => {
    expect(isClosedLike('closed')).toBe(true);
    expect(isTerminal('closed')).toBe(false);
    expect(findTransition('closed', 'request_review')).toBeDefined();
  });

  it('terminal states are closed-like', () => {
    for (const s of TERMINAL_STATES) expect(isClosedLike(s)).toBe(true);
  });

  it('every state has a distinct zh-CN label', () => {
    for (const s of CASE_STATES) expect(STATE_LABELS_ZH[s]).toMatch(/\p{Script=Han}/u);
    expect(new Set(Object.values(STATE_LABELS_ZH)).size).toBe(CASE_STATES.length);
    expect(STATE_LABELS_ZH.registered).toBe('已登记');
    expect(STATE_LABELS_ZH.accepted).toBe('已受理');
    expect(STATE_LABELS_ZH.dispatched).toBe('已交办');
  });
});

describe('the transition table', () => {
  it('covers every command type, each with a zh-CN label and its own event', () => {
    for (const c of ALL_COMMANDS) {
      expect(TRANSITIONS.some((r) => r.command === c), c).toBe(true);
      expect(COMMAND_LABELS_ZH[c]).toMatch(/\p{Script=Han}/u);
    }
    for (const r of TRANSITIONS) expect(r.event).toMatch(/^case\.[a-z_]+$/);
    const eventsByCommand = new Map(TRANSITIONS.map((r) => [r.command, r.event]));
    expect(new Set(eventsByCommand.values()).size).toBe(eventsByCommand.size);
  });

  it('has at most one row for any state and command, so a lookup is never ambiguous', () => {
    for (const s of CASE_STATES) {
      for (const c of ALL_COMMANDS) {
        expect(TRANSITIONS.filter((r) => r.command === c && r.from.includes(s)).length, `${s}/${c}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('names only real states', () => {
    for (const r of TRANSITIONS) {
      for (const s of r.from) expect(CASE_STATES).toContain(s);
      if (r.to !== 'same') expect(CASE_STATES).toContain(r.to);
    }
  });

  it('lets nothing out of a terminal state, and offers something in every other state', () => {
    for (const s of CASE_STATES) {
      const rows = TRANSITIONS.filter((r) => r.from.includes(s));
      if (isTerminal(s)) expect(rows, s).toEqual([]);
      else expect(rows.length, s).toBeGreaterThan(0);
    }
  });

  it('never lets an admin or the system do case work', () => {
    for (const r of TRANSITIONS) {
      expect(r.roles).not.toContain('admin');
      expect(r.roles).not.toContain('system');
    }
  });

  it('every row can be performed by someone: one of its roles stands in one of its relations', () => {
    for (const r of TRANSITIONS) {
      const ok = r.relations.length === 0 || r.roles.some((role) => r.relations.some((rel) => relationCountsFor(role, rel)));
      expect(ok, r.command).toBe(true);
    }
  });

  it('what the petitioner may do, he may do only on his own case', () => {
    for (const r of TRANSITIONS.filter((x) => x.roles.includes('petitioner'))) expect(r.relations).toContain('self');
    expect(TRANSITIONS.filter((x) => x.roles.includes('petitioner')).map((x) => x.command).sort()).toEqual(
      ['rate', 'request_re_review', 'request_review', 'withdraw'],
    );
  });

  it('a registered case must be accepted before it is dispatched', () => {
    expect(findTransition('registered', 'dispatch')).toBeUndefined();
    expect(findTransition('accepted', 'dispatch')?.to).toBe('dispatched');
  });

  it('the handling clock starts at acceptance (Art. 34) and the objection window at every dispatch (Art. 23)', () => {
    expect(findTransition('registered', 'accept')?.startClocks).toEqual(['handling']);
    for (const c of ['dispatch', 'redispatch', 'escalate', 'refer_joint_meeting'] as const) {
      expect(TRANSITIONS.find((r) => r.command === c)?.startClocks).toContain('objection');
    }
  });

  it('the row guard answers with a bare error code', () => {
    const row = findTransition('handling', 'request_extension');
    expect(row?.guard?.(snapshot('handling', { extension: 'approved' }), null, ctx(['handler'], ['lead']))).toBe('DEADLINE_EXTENSION_USED');
    expect(row?.guard?.(snapshot('handling'), null, ctx(['handler'], ['lead']))).toBeNull();
  });
});

describe('relations lend themselves only to the right role', () => {
  it("'self' is the petitioner's alone, 'owner' the leader's alone", () => {
    expect(relationCountsFor('petitioner', 'self')).toBe(true);
    expect(relationCountsFor('registrar', 'self')).toBe(false);
    expect(relationCountsFor('petitioner', 'scope')).toBe(false);
    expect(relationCountsFor('leader', 'owner')).toBe(true);
    expect(relationCountsFor('dispatcher', 'owner')).toBe(false);
    expect(relationCountsFor('handler', 'lead')).toBe(true);
  });
});

describe('allowedCommands: the actions the web app shows', () => {
  it('a handler of the lead unit sees sign and object on a freshly dispatched case', () => {
    const s = snapshot('dispatched', { clocks: { objection: clock(3) } });
    expect(allowedCommands(s, ctx(['handler'], ['lead']))).toEqual(['sign', 'object', 'note', 'contact_log']);
  });

  it('the object button disappears once the 5-working-day window has closed', () => {
    const s = snapshot('dispatched', { clocks: { objection: clock(-1) } });
    expect(allowedCommands(s, ctx(['handler'], ['lead']))).not.toContain('object');
  });

  it('a handler of an assisting unit cannot sign', () => {
    expect(allowedCommands(snapshot('dispatched'), ctx(['handler'], ['assist']))).toEqual(['note', 'contact_log']);
  });

  it('the petitioner sees rate, review and withdraw after the reply', () => {
    const s = snapshot('replied', { clocks: { review_request: clock(20) } });
    expect(allowedCommands(s, ctx(['petitioner'], ['self']))).toEqual(['rate', 'request_review', 'withdraw']);
  });

  it('the petitioner no longer sees review once the 30 days have passed', () => {
    const s = snapshot('replied', { clocks: { review_request: clock(-1) } });
    expect(allowedCommands(s, ctx(['petitioner'], ['self']))).toEqual(['rate', 'withdraw']);
  });

  it('an admin is offered nothing', () => {
    for (const s of CASE_STATES) expect(allowedCommands(snapshot(s), ctx(['admin'], ['scope', 'lead']))).toEqual([]);
  });

  it('nobody is offered anything on a final, merged or withdrawn case', () => {
    const everyone = ctx(['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader', 'petitioner'], ['scope', 'lead', 'assist', 'owner', 'self']);
    for (const s of ['final', 'merged', 'withdrawn'] as const) expect(allowedCommands(snapshot(s), everyone)).toEqual([]);
  });

  it('reply is hidden while a hearing runs, and end_hearing replaces start_hearing', () => {
    const head = ctx(['unit_head'], ['lead']);
    const plain = allowedCommands(snapshot('handling'), head);
    expect(plain).toContain('reply');
    expect(plain).toContain('start_hearing');
    const hearing = allowedCommands(snapshot('handling', { hearing: true }), head);
    expect(hearing).not.toContain('reply');
    expect(hearing).not.toContain('start_hearing');
    expect(hearing).toContain('end_hearing');
  });

  it('the unit head sees approve and reject only while an extension is pending', () => {
    const head = ctx(['unit_head'], ['lead']);
    const running = { handling: clock(10) };
    expect(allowedCommands(snapshot('handling', { clocks: running }), head)).not.toContain('approve_extension');
    const pending = allowedCommands(snapshot('handling', { clocks: running, extension: 'requested' }), head);
    expect(pending).toContain('approve_extension');
    expect(pending).toContain('reject_extension');
    expect(pending).not.toContain('request_extension');
  });

  it('a multi-role account sees the union of its roles, each once', () => {
    const cmds = allowedCommands(snapshot('accepted'), ctx(['registrar', 'dispatcher'], ['scope']));
    expect(cmds).toEqual(['refuse', 'answer_on_spot', 'dispatch', 'refer_joint_meeting', 'note', 'contact_log', 'merge', 'split', 'withdraw']);
  });
});

describe('windows', () => {
  it('a window is open until its due instant, inclusive', () => {
    const s = snapshot('replied', { clocks: { review_request: clock(0) } });
    expect(windowStatus(s, 'review_request', NOW)).toBe('open');
    expect(windowStatus(s, 'review_request', new Date(NOW.getTime() + 1))).toBe('expired');
  });

  it('a window closes at its effective due date; while a hearing pauses it, it cannot close', () => {
    // dueAt already includes completed pauses: the service recomputes it (services/case-clocks.ts)
    expect(windowClosesAt(clock(0, { pausedMs: DAY }))).toBe(NOW.getTime());
    expect(windowClosesAt(clock(0, { pausedSince: NOW.toISOString() }))).toBeNull();
  });

  it('a window whose due date is not computed yet is open; a stopped or absent one is not', () => {
    expect(windowStatus(snapshot('dispatched', { clocks: { objection: clock(0, { dueAt: '' }) } }), 'objection', NOW)).toBe('open');
    expect(windowStatus(snapshot('dispatched', { clocks: { objection: clock(5, { stoppedAt: at(-1) }) } }), 'objection', NOW)).toBe('stopped');
    expect(windowStatus(snapshot('dispatched'), 'objection', NOW)).toBe('absent');
  });
});
