import { describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../errors.js';
import { applyCommand } from './apply-command.js';
import { allowedCommands, findTransition, relationCountsFor, TRANSITIONS, type TransitionRow } from './transitions.js';
import {
  CASE_STATES,
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

/* ---------------------------------------------------------------------------------------------- */
/* Fixtures                                                                                       */
/* ---------------------------------------------------------------------------------------------- */

const NOW = new Date('2026-03-10T02:00:00.000Z');
const DAY = 86_400_000;
const at = (offsetDays: number): string => new Date(NOW.getTime() + offsetDays * DAY).toISOString();

const LEAD = 'unit-grid-7';
const ASSIST = 'unit-housing-bureau';

/** A running clock started `startedDaysAgo` ago and due `dueInDays` from NOW. */
function running(dueInDays = 3, startedDaysAgo = 2): ClockState {
  return { startedAt: at(-startedDaysAgo), dueAt: at(dueInDays), pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: null };
}
function stopped(): ClockState {
  return { ...running(), stoppedAt: at(-1) };
}

/** The clocks a case typically carries in each state, as the service would have left them. */
const CLOCKS_BY_STATE: Record<CaseState, Partial<Record<ClockName, ClockState>>> = {
  registered: { forward: running(10) },
  accepted: { forward: running(10), handling: running(55) },
  refused: { forward: stopped() },
  answered_on_spot: { forward: stopped() },
  dispatched: { forward: stopped(), handling: running(50), objection: running(4) },
  objected: { forward: stopped(), handling: running(50), objection: stopped() },
  handling: { forward: stopped(), handling: running(40), objection: running(2) },
  replied: { handling: stopped(), objection: stopped(), review_request: running(25) },
  visited: { handling: stopped(), review_request: running(20) },
  closed: { handling: stopped(), review_request: running(15) },
  under_review: { review_request: stopped(), review: running(25) },
  reviewed: { review: stopped(), re_review_request: running(25) },
  under_re_review: { re_review_request: stopped(), re_review: running(25) },
  final: { re_review: stopped() },
  merged: { handling: stopped() },
  withdrawn: { handling: stopped() },
};

const HAS_UNITS: ReadonlySet<CaseState> = new Set<CaseState>([
  'dispatched', 'objected', 'handling', 'replied', 'visited', 'closed', 'under_review', 'reviewed', 'under_re_review', 'final',
]);

/** A realistic snapshot of a case in `state`; `over` replaces top-level fields. */
function makeSnapshot(state: CaseState, over: Partial<CaseSnapshot> = {}): CaseSnapshot {
  return {
    state,
    leadUnitId: HAS_UNITS.has(state) ? LEAD : null,
    assistUnitIds: HAS_UNITS.has(state) ? [ASSIST] : [],
    ownerLeaderId: null,
    hearing: false,
    extension: 'none',
    reworkCount: 0,
    lastVisit: state === 'visited' || state === 'closed' ? { contacted: true, solved: true, satisfied: true } : null,
    clocks: structuredClone(CLOCKS_BY_STATE[state]),
    ...over,
  };
}

/** The snapshot in `state` in which `command`'s guard is met (the "happy" preconditions). */
function readyFor(command: CommandType, state: CaseState): CaseSnapshot {
  const s = makeSnapshot(state);
  switch (command) {
    case 'end_hearing':
      s.hearing = true;
      break;
    case 'approve_extension':
    case 'reject_extension':
      s.extension = 'requested';
      break;
    case 'rework':
      s.lastVisit = { contacted: true, solved: false, satisfied: false };
      break;
    case 'supervision_reply':
      s.openSupervisions = 1;
      break;
    case 'finalize': {
      const window: ClockName = state === 'reviewed' ? 're_review_request' : 'review_request';
      s.clocks[window] = running(-1, 31); // the 30 days ran out yesterday
      break;
    }
    default:
  }
  return s;
}

/** One valid command of every type; the Record type makes the list exhaustive at compile time. */
const SAMPLE: { [K in CommandType]: Extract<Command, { type: K }> } = {
  accept: { type: 'accept', note: '属本区职责' },
  refuse: { type: 'refuse', reason: '已进入诉讼程序', legalChannel: 'court' },
  answer_on_spot: { type: 'answer_on_spot', answer: '公积金提取请携带身份证到服务大厅办理' },
  dispatch: { type: 'dispatch', leadUnitId: 'unit-street-3', assistUnitIds: [ASSIST], instructions: '请于15日内联系信访人' },
  sign: { type: 'sign' },
  object: { type: 'object', reason: '该事项属住建局职责' },
  redispatch: { type: 'redispatch', leadUnitId: 'unit-street-4', assistUnitIds: [], reason: '异议成立' },
  reject_objection: { type: 'reject_objection', reason: '属地管理，异议不成立' },
  escalate: { type: 'escalate', toUnitId: 'unit-community-2', reason: '涉及多个网格，网格内无法化解' },
  start_hearing: { type: 'start_hearing', place: '街道信访接待室' },
  end_hearing: { type: 'end_hearing', conclusion: '听证结束，意见已记录' },
  record_mediation: { type: 'record_mediation', mediator: '人民调解员张某', outcome: 'agreement', agreement: '物业于3月底前修复漏水' },
  refer_joint_meeting: {
    type: 'refer_joint_meeting', attendees: ['区信访局', '住建局', '街道'], decisions: '住建局牵头，街道配合', leadUnitId: 'unit-housing-bureau', assistUnitIds: ['unit-street-3'],
  },
  note: { type: 'note', text: '信访人下午再次来电' },
  contact_log: { type: 'contact_log', method: 'phone', summary: '已电话联系，约定周五上门', reached: true },
  request_extension: { type: 'request_extension', days: 30, reason: '需等待鉴定结论' },
  approve_extension: { type: 'approve_extension', days: 20 },
  reject_extension: { type: 'reject_extension', reason: '事实清楚，无需延期' },
  reply: { type: 'reply', opinion: 'support', text: '经核查，诉求属实，已责成物业整改' },
  return_visit: { type: 'return_visit', contacted: true, solved: true, satisfied: true, method: 'phone' },
  rate: { type: 'rate', satisfied: true, solved: true, comment: '处理及时' },
  close: { type: 'close', summary: '已解决' },
  rework: { type: 'rework', reason: '回访不满意，问题未解决' },
  request_review: { type: 'request_review', reason: '对处理意见不服' },
  review_opinion: { type: 'review_opinion', opinion: 'explain', text: '维持原处理意见' },
  request_re_review: { type: 'request_re_review', reason: '对复查意见不服' },
  re_review_opinion: { type: 're_review_opinion', opinion: 'not_support', text: '复核维持' },
  finalize: { type: 'finalize', reason: '复查期限届满未申请' },
  merge: { type: 'merge', intoCaseId: 'case-0001', reason: '同一人同一事项' },
  split: { type: 'split', parts: [{ title: '噪音扰民', content: '夜间施工' }, { title: '占道经营', content: '路口摊贩' }] },
  withdraw: { type: 'withdraw', reason: '问题已自行解决' },
  take_ownership: { type: 'take_ownership', note: '列入百案攻坚' },
  chase: { type: 'chase', reason: '请加快办理', replyDueAt: '2099-01-01T00:00:00.000Z' },
  supervise: { type: 'supervise', reason: '群众反映强烈，挂牌督办', replyDueAt: '2099-01-01T00:00:00.000Z', listed: true },
  supervision_reply: { type: 'supervision_reply', supervisionId: '00000000-0000-4000-8000-000000000001', text: '已约谈物业，本周内整改' },
};
const COMMAND_TYPES = Object.keys(SAMPLE) as CommandType[];
const ALL_ROLES: readonly Role[] = ['registrar', 'dispatcher', 'handler', 'unit_head', 'supervisor', 'leader', 'admin', 'petitioner', 'system'];
const ALL_RELATIONS: readonly Relation[] = ['scope', 'lead', 'assist', 'owner', 'self'];

function ctxFor(roles: readonly Role[], relations: readonly Relation[], over: Partial<CommandContext> = {}): CommandContext {
  const petitioner = roles.includes('petitioner');
  return {
    actor: { userId: petitioner ? null : 'user-1', roles, unitId: petitioner ? null : LEAD },
    relations: new Set(relations),
    now: NOW,
    pausableClocks: new Set<ClockName>(['re_review']),
    ...over,
  };
}

/** Every (role, relation) pair a row accepts, each on its own. */
function authorisations(row: TransitionRow): Array<[Role, Relation | null]> {
  const out: Array<[Role, Relation | null]> = [];
  for (const role of row.roles) {
    if (row.relations.length === 0) out.push([role, null]);
    for (const rel of row.relations) if (relationCountsFor(role, rel)) out.push([role, rel]);
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Runs `fn`, expecting an AppError; returns it. */
function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError, none was thrown');
}

function expectCode(fn: () => unknown, code: ErrorCode, details?: Record<string, unknown>): void {
  const err = appError(fn);
  expect(err.code).toBe(code);
  if (details) expect(err.details).toMatchObject(details);
}

const as = (role: Role, ...relations: Relation[]) => ctxFor([role], relations);

/* ---------------------------------------------------------------------------------------------- */
/* Every legal transition                                                                          */
/* ---------------------------------------------------------------------------------------------- */

describe('every transition in the table can be performed by each permitted role and relation', () => {
  for (const row of TRANSITIONS) {
    for (const from of row.from) {
      for (const [role, rel] of authorisations(row)) {
        const expected = row.to === 'same' ? from : row.to;
        it(`${role}${rel ? ` (${rel})` : ''} can ${row.command} a ${from} case, leaving it ${expected}`, () => {
          const input = deepFreeze(readyFor(row.command, from));
          const before = structuredClone(input);
          const result = applyCommand(input, SAMPLE[row.command], ctxFor([role], rel ? [rel] : []));

          expect(result.snapshot.state).toBe(expected);
          expect(result.snapshot).not.toBe(input);
          expect(input).toEqual(before);
          expect(result.events).toHaveLength(1);
          expect(result.events[0]?.type).toBe(row.event);
          expect(result.events[0]?.data).toMatchObject({ from, to: expected });
          expect(result.startClocks).toEqual(row.startClocks ?? []);
          for (const name of result.startClocks) {
            expect(result.snapshot.clocks[name]).toEqual({
              startedAt: NOW.toISOString(), dueAt: '', pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: null,
            });
          }
          for (const name of result.stopClocks) {
            expect(input.clocks[name]?.stoppedAt).toBeNull();
            expect(result.snapshot.clocks[name]?.stoppedAt).toBe(NOW.toISOString());
          }
        });
      }
    }
  }
});

/* ---------------------------------------------------------------------------------------------- */
/* Illegal commands                                                                                */
/* ---------------------------------------------------------------------------------------------- */

/** An account holding every role in every relation: only the state can stop it. */
const ALMIGHTY = ctxFor(ALL_ROLES, ALL_RELATIONS);

describe('a command the state does not allow is refused with CASE_ILLEGAL_TRANSITION', () => {
  for (const state of CASE_STATES) {
    for (const type of COMMAND_TYPES) {
      if (findTransition(state, type)) continue;
      it(`${type} on a ${state} case is refused and the case is unchanged`, () => {
        const input = makeSnapshot(state);
        const before = structuredClone(input);
        expectCode(() => applyCommand(input, SAMPLE[type], ALMIGHTY), 'CASE_ILLEGAL_TRANSITION', { state, command: type });
        expect(input).toEqual(before);
      });
    }
  }

  it('nothing at all can be done to a final, merged or withdrawn case', () => {
    for (const state of ['final', 'merged', 'withdrawn'] as const) {
      for (const type of COMMAND_TYPES) {
        expectCode(() => applyCommand(makeSnapshot(state), SAMPLE[type], ALMIGHTY), 'CASE_ILLEGAL_TRANSITION');
      }
    }
  });

  it('a handler cannot reply before signing for the case', () => {
    expectCode(() => applyCommand(makeSnapshot('dispatched'), SAMPLE.reply, as('handler', 'lead')), 'CASE_ILLEGAL_TRANSITION', {
      state: 'dispatched', command: 'reply',
    });
  });

  it('a registered case must be accepted before it can be dispatched', () => {
    expectCode(() => applyCommand(makeSnapshot('registered'), SAMPLE.dispatch, as('dispatcher', 'scope')), 'CASE_ILLEGAL_TRANSITION');
  });

  it('an unknown command type is refused, not crashed on', () => {
    const bogus = { type: 'teleport' } as unknown as Command;
    expectCode(() => applyCommand(makeSnapshot('handling'), bogus, ALMIGHTY), 'CASE_ILLEGAL_TRANSITION', { command: 'teleport' });
  });
});

describe('the wrong person is refused with ROLE_NOT_ALLOWED', () => {
  it('a handler of another unit cannot sign for a case dispatched to the lead unit', () => {
    for (const rel of ['assist', 'scope'] as const) {
      expectCode(() => applyCommand(makeSnapshot('dispatched'), SAMPLE.sign, as('handler', rel)), 'ROLE_NOT_ALLOWED', { reason: 'relation' });
    }
  });

  it('an admin cannot do case work even inside his scope', () => {
    expectCode(() => applyCommand(makeSnapshot('registered'), SAMPLE.accept, as('admin', 'scope')), 'ROLE_NOT_ALLOWED', { reason: 'role' });
    expectCode(() => applyCommand(makeSnapshot('handling'), SAMPLE.note, as('admin', 'scope')), 'ROLE_NOT_ALLOWED');
  });

  it('a dispatcher outside the case scope cannot accept it', () => {
    expectCode(() => applyCommand(makeSnapshot('registered'), SAMPLE.accept, ctxFor(['dispatcher'], [])), 'ROLE_NOT_ALLOWED', {
      reason: 'relation',
    });
  });

  it('a handler cannot dispatch, and a petitioner cannot close his own case', () => {
    expectCode(() => applyCommand(makeSnapshot('accepted'), SAMPLE.dispatch, as('handler', 'scope')), 'ROLE_NOT_ALLOWED');
    expectCode(() => applyCommand(makeSnapshot('visited'), SAMPLE.close, as('petitioner', 'self')), 'ROLE_NOT_ALLOWED');
  });

  it("a petitioner cannot ask for review of someone else's case", () => {
    expectCode(() => applyCommand(makeSnapshot('replied'), SAMPLE.request_review, ctxFor(['petitioner'], [])), 'ROLE_NOT_ALLOWED');
  });

  it("a clerk is never 'self' and a dispatcher never owns a case: those relations lend nothing to other roles", () => {
    expectCode(() => applyCommand(makeSnapshot('replied'), SAMPLE.request_review, as('registrar', 'self')), 'ROLE_NOT_ALLOWED');
    expectCode(() => applyCommand(makeSnapshot('registered'), SAMPLE.accept, as('dispatcher', 'owner')), 'ROLE_NOT_ALLOWED');
    expectCode(() => applyCommand(makeSnapshot('replied'), SAMPLE.request_review, as('petitioner', 'scope')), 'ROLE_NOT_ALLOWED');
  });

  it('a leader at a reception day accepts the visit he owns', () => {
    expect(applyCommand(makeSnapshot('registered'), SAMPLE.accept, as('leader', 'owner')).snapshot.state).toBe('accepted');
  });

  it('only the unit head approves an extension, not the handler who asked', () => {
    expectCode(() => applyCommand(readyFor('approve_extension', 'handling'), SAMPLE.approve_extension, as('handler', 'lead')), 'ROLE_NOT_ALLOWED');
  });
});

describe('objection to a dispatch (Art. 23: 5 working days)', () => {
  it('is refused once the window has closed', () => {
    const s = makeSnapshot('dispatched', { clocks: { ...CLOCKS_BY_STATE.dispatched, objection: running(-0.01, 8) } });
    expectCode(() => applyCommand(s, SAMPLE.object, as('handler', 'lead')), 'DEADLINE_WINDOW_CLOSED', { clock: 'objection', window: 'expired' });
  });

  it('is still possible after signing, while the window is open', () => {
    expect(applyCommand(makeSnapshot('handling'), SAMPLE.object, as('unit_head', 'lead')).snapshot.state).toBe('objected');
  });

  it('cannot be raised twice: after an objection is rejected the window stays closed', () => {
    const objected = applyCommand(makeSnapshot('dispatched'), SAMPLE.object, as('handler', 'lead')).snapshot;
    const back = applyCommand(objected, SAMPLE.reject_objection, as('dispatcher', 'scope'));
    expect(back.snapshot.state).toBe('dispatched');
    expect(back.startClocks).toEqual([]);
    expect(back.snapshot.leadUnitId).toBe(LEAD);
    expectCode(() => applyCommand(back.snapshot, SAMPLE.object, as('handler', 'lead')), 'DEADLINE_WINDOW_CLOSED', { window: 'stopped' });
  });

  it('is refused when no objection clock was ever started', () => {
    const s = makeSnapshot('dispatched', { clocks: {} });
    expectCode(() => applyCommand(s, SAMPLE.object, as('handler', 'lead')), 'DEADLINE_WINDOW_CLOSED', { window: 'absent' });
  });

  it('is open while the due date is not computed yet', () => {
    const s = makeSnapshot('dispatched', { clocks: { objection: { ...running(), dueAt: '' } } });
    expect(applyCommand(s, SAMPLE.object, as('handler', 'lead')).snapshot.state).toBe('objected');
  });

  it('stops the objection clock', () => {
    const r = applyCommand(makeSnapshot('dispatched'), SAMPLE.object, as('handler', 'lead'));
    expect(r.stopClocks).toEqual(['objection']);
  });
});

describe('extensions (Art. 34: one extension of at most 30 days)', () => {
  const head = as('unit_head', 'lead');
  const handler = as('handler', 'lead');

  it('the unit head may grant fewer days than asked but never more', () => {
    const asked = applyCommand(makeSnapshot('handling', { clocks: { handling: running(10, 50) } }), { ...SAMPLE.request_extension, days: 15 }, handler).snapshot;
    expectCode(() => applyCommand(asked, { type: 'approve_extension', days: 20 }, head), 'DEADLINE_EXTENSION_TOO_LONG', { requested: 15 });
    const granted = applyCommand(asked, { type: 'approve_extension', days: 10 }, head).snapshot;
    expect(granted.clocks.handling!.extensionDays).toBe(10);
  });

  it('a second extension is refused whether the first was approved, rejected or is still pending', () => {
    for (const extension of ['approved', 'rejected', 'requested'] as const) {
      const s = makeSnapshot('handling', { extension });
      expectCode(() => applyCommand(s, SAMPLE.request_extension, handler), 'DEADLINE_EXTENSION_USED', { extension });
    }
  });

  it('more than 30 days is refused, on request and on approval', () => {
    expectCode(() => applyCommand(makeSnapshot('handling'), { ...SAMPLE.request_extension, days: 31 }, handler), 'DEADLINE_EXTENSION_TOO_LONG', {
      days: 31, max: 30,
    });
    expectCode(
      () => applyCommand(readyFor('approve_extension', 'handling'), { type: 'approve_extension', days: 45 }, head),
      'DEADLINE_EXTENSION_TOO_LONG',
    );
  });

  it('zero, negative or fractional days are bad input', () => {
    for (const days of [0, -3, 2.5, Number.NaN]) {
      expectCode(() => applyCommand(makeSnapshot('handling'), { ...SAMPLE.request_extension, days }, handler), 'VALIDATION_FAILED', {
        field: 'days',
      });
    }
  });

  it('a request must say why, because the petitioner is told why', () => {
    expectCode(() => applyCommand(makeSnapshot('handling'), { type: 'request_extension', days: 10, reason: '  ' }, handler), 'VALIDATION_FAILED', {
      field: 'reason',
    });
  });

  it('approval lengthens the handling clock by the approved days', () => {
    const requested = applyCommand(makeSnapshot('handling'), SAMPLE.request_extension, handler).snapshot;
    expect(requested.extension).toBe('requested');
    const approved = applyCommand(requested, { type: 'approve_extension', days: 20 }, head);
    expect(approved.snapshot.extension).toBe('approved');
    expect(approved.snapshot.clocks.handling?.extensionDays).toBe(20);
    expect(approved.events[0]).toMatchObject({ type: 'case.extension_approved', data: { days: 20 } });
  });

  it('nothing can be approved or rejected when nothing was requested', () => {
    expectCode(() => applyCommand(makeSnapshot('handling'), SAMPLE.approve_extension, head), 'CASE_ILLEGAL_TRANSITION', {
      reason: 'no_pending_extension',
    });
    expectCode(() => applyCommand(makeSnapshot('handling', { extension: 'approved' }), SAMPLE.reject_extension, head), 'CASE_ILLEGAL_TRANSITION');
  });

  it('a rejected extension counts as used', () => {
    const rejected = applyCommand(readyFor('reject_extension', 'handling'), SAMPLE.reject_extension, head).snapshot;
    expect(rejected.extension).toBe('rejected');
    expectCode(() => applyCommand(rejected, SAMPLE.request_extension, handler), 'DEADLINE_EXTENSION_USED');
  });
});

describe('review and re-review windows (Arts. 35, 36: 30 days)', () => {
  it('a review request after the 30 days is refused', () => {
    for (const state of ['replied', 'visited', 'closed'] as const) {
      const s = makeSnapshot(state, { clocks: { review_request: running(-2, 32) } });
      expectCode(() => applyCommand(s, SAMPLE.request_review, as('petitioner', 'self')), 'DEADLINE_WINDOW_CLOSED', {
        clock: 'review_request', window: 'expired',
      });
    }
  });

  it('a registrar can file the review request on the petitioner’s behalf within the window', () => {
    const r = applyCommand(makeSnapshot('closed'), SAMPLE.request_review, as('registrar', 'scope'));
    expect(r.snapshot.state).toBe('under_review');
    expect(r.stopClocks).toEqual(['review_request']);
    expect(r.startClocks).toEqual(['review']);
  });

  it('a re-review request after the 30 days is refused', () => {
    const s = makeSnapshot('reviewed', { clocks: { re_review_request: running(-1, 31) } });
    expectCode(() => applyCommand(s, SAMPLE.request_re_review, as('petitioner', 'self')), 'DEADLINE_WINDOW_CLOSED', { clock: 're_review_request' });
  });

  it('a closed window is reported before a missing reason', () => {
    const s = makeSnapshot('replied', { clocks: { review_request: running(-2, 32) } });
    expectCode(() => applyCommand(s, { type: 'request_review', reason: '' }, as('petitioner', 'self')), 'DEADLINE_WINDOW_CLOSED');
  });

  it('a window paused by a running hearing does not close, even past its due date', () => {
    const s = makeSnapshot('reviewed', { clocks: { re_review_request: { ...running(-1, 31), pausedSince: new Date(NOW.getTime() - 3 * DAY).toISOString() } } });
    expect(applyCommand(s, SAMPLE.request_re_review, as('petitioner', 'self')).snapshot.state).toBe('under_re_review');
  });

  it('a case cannot be finalized while the petitioner may still ask for review', () => {
    expectCode(() => applyCommand(makeSnapshot('closed'), SAMPLE.finalize, as('dispatcher', 'scope')), 'CASE_ILLEGAL_TRANSITION', {
      reason: 'window_open', clock: 'review_request',
    });
    expectCode(() => applyCommand(makeSnapshot('reviewed'), SAMPLE.finalize, as('dispatcher', 'scope')), 'CASE_ILLEGAL_TRANSITION', {
      reason: 'window_open', clock: 're_review_request',
    });
  });

  it('a closed case without a review window can be finalized and its clocks are stopped', () => {
    const s = makeSnapshot('closed', { clocks: { handling: stopped() } });
    const r = applyCommand(s, SAMPLE.finalize, as('dispatcher', 'scope'));
    expect(r.snapshot.state).toBe('final');
    expect(r.stopClocks).toEqual([]);
  });

  it('finalizing after the window ran out stops the expired window clock', () => {
    const r = applyCommand(readyFor('finalize', 'closed'), SAMPLE.finalize, as('dispatcher', 'scope'));
    expect(r.stopClocks).toEqual(['review_request']);
  });
});

describe('rework after a return visit (退回重办)', () => {
  const sup = as('supervisor', 'scope');

  it('is refused after a satisfied and solved visit', () => {
    expectCode(() => applyCommand(makeSnapshot('visited'), SAMPLE.rework, sup), 'CASE_ILLEGAL_TRANSITION', { reason: 'visit_satisfied' });
  });

  it('is refused when no visit was recorded', () => {
    expectCode(() => applyCommand(makeSnapshot('visited', { lastVisit: null }), SAMPLE.rework, sup), 'CASE_ILLEGAL_TRANSITION', {
      reason: 'no_visit',
    });
  });

  it('is allowed when the petitioner is satisfied but the problem is not solved', () => {
    const s = makeSnapshot('visited', { lastVisit: { contacted: true, solved: false, satisfied: true } });
    expect(applyCommand(s, SAMPLE.rework, sup).snapshot.state).toBe('handling');
  });

  it('counts the rework, drops the old review window and starts a fresh handling period', () => {
    const r = applyCommand(readyFor('rework', 'visited'), SAMPLE.rework, sup);
    expect(r.snapshot.reworkCount).toBe(1);
    expect(r.stopClocks).toEqual(['review_request']);
    expect(r.startClocks).toEqual(['handling']);
    expect(r.snapshot.clocks.handling?.stoppedAt).toBeNull();
    expect(r.snapshot.clocks.handling?.startedAt).toBe(NOW.toISOString());
    expect(r.events[0]?.data).toMatchObject({ reworkCount: 1, reason: SAMPLE.rework.reason });
  });

  it('an unsatisfied visit may also simply be closed', () => {
    expect(applyCommand(readyFor('rework', 'visited'), SAMPLE.close, sup).snapshot.state).toBe('closed');
  });
});

describe('hearings (听证) pause the clocks the rule set names', () => {
  const head = as('unit_head', 'lead');

  it('start pauses only running pausable clocks, end adds the paused time', () => {
    const s = makeSnapshot('under_re_review', { clocks: { re_review: running(20), re_review_request: stopped() } });
    const started = applyCommand(s, SAMPLE.start_hearing, head);
    expect(started.snapshot.hearing).toBe(true);
    expect(started.snapshot.clocks.re_review?.pausedSince).toBe(NOW.toISOString());
    expect(started.snapshot.clocks.re_review_request?.pausedSince).toBeNull();
    expect(started.events[0]?.data).toMatchObject({ pausedClocks: ['re_review'] });

    const later = new Date(NOW.getTime() + 2 * DAY);
    const ended = applyCommand(started.snapshot, SAMPLE.end_hearing, ctxFor(['unit_head'], ['lead'], { now: later }));
    expect(ended.snapshot.hearing).toBe(false);
    expect(ended.snapshot.clocks.re_review).toMatchObject({ pausedSince: null, pausedMs: 2 * DAY });
  });

  it('a clock the rule set does not pause keeps running through a hearing', () => {
    const started = applyCommand(makeSnapshot('handling'), SAMPLE.start_hearing, head);
    expect(started.snapshot.clocks.handling?.pausedSince).toBeNull();
  });

  it('a second hearing cannot start while one runs, and none can end when none runs', () => {
    expectCode(() => applyCommand(readyFor('end_hearing', 'handling'), SAMPLE.start_hearing, head), 'CASE_ILLEGAL_TRANSITION', {
      reason: 'hearing_running',
    });
    expectCode(() => applyCommand(makeSnapshot('handling'), SAMPLE.end_hearing, head), 'CASE_ILLEGAL_TRANSITION', { reason: 'no_hearing' });
  });

  it('no reply or opinion is given while a hearing runs', () => {
    expectCode(() => applyCommand(readyFor('end_hearing', 'handling'), SAMPLE.reply, as('handler', 'lead')), 'CASE_ILLEGAL_TRANSITION', {
      reason: 'hearing_running',
    });
    expectCode(
      () => applyCommand(readyFor('end_hearing', 'under_review'), SAMPLE.review_opinion, as('dispatcher', 'scope')),
      'CASE_ILLEGAL_TRANSITION',
    );
    expectCode(
      () => applyCommand(readyFor('end_hearing', 'under_re_review'), SAMPLE.re_review_opinion, as('leader', 'scope')),
      'CASE_ILLEGAL_TRANSITION',
    );
  });

  it('a petitioner may withdraw during a hearing: the hearing ends and paused clocks stop with their pause counted', () => {
    const s = makeSnapshot('handling', {
      hearing: true,
      clocks: { handling: { ...running(30), pausedSince: at(-1), pausedMs: 1000 }, objection: running(1) },
    });
    const r = applyCommand(s, SAMPLE.withdraw, as('petitioner', 'self'));
    expect(r.snapshot.hearing).toBe(false);
    expect(r.stopClocks.sort()).toEqual(['handling', 'objection']);
    expect(r.snapshot.clocks.handling).toMatchObject({ pausedSince: null, pausedMs: 1000 + DAY, stoppedAt: NOW.toISOString() });
  });
});

describe('units: lead (主办) and assisting (协办)', () => {
  it('dispatch names the lead and the assisting units, ends the 15-day forward clock and opens the objection window', () => {
    const r = applyCommand(makeSnapshot('accepted'), SAMPLE.dispatch, as('dispatcher', 'scope'));
    expect(r.snapshot).toMatchObject({ state: 'dispatched', leadUnitId: 'unit-street-3', assistUnitIds: [ASSIST] });
    expect(r.stopClocks).toEqual(['forward']);
    expect(r.startClocks).toEqual(['objection']);
  });

  it('duplicate assisting units are recorded once', () => {
    const cmd: Command = { type: 'dispatch', leadUnitId: 'u1', assistUnitIds: ['u2', 'u2', 'u3'] };
    expect(applyCommand(makeSnapshot('accepted'), cmd, as('dispatcher', 'scope')).snapshot.assistUnitIds).toEqual(['u2', 'u3']);
  });

  it('the lead unit cannot also be an assisting unit', () => {
    const cmd: Command = { type: 'dispatch', leadUnitId: 'u1', assistUnitIds: ['u1'] };
    expectCode(() => applyCommand(makeSnapshot('accepted'), cmd, as('dispatcher', 'scope')), 'VALIDATION_FAILED', {
      field: 'assistUnitIds', issue: 'includes_lead',
    });
  });

  it('a dispatch needs a lead unit', () => {
    const cmd = { type: 'dispatch', leadUnitId: '', assistUnitIds: [] } as Command;
    expectCode(() => applyCommand(makeSnapshot('accepted'), cmd, as('dispatcher', 'scope')), 'VALIDATION_FAILED', { field: 'leadUnitId' });
  });

  it('escalation hands the lead one tier up and keeps the lower tier as assisting unit', () => {
    const r = applyCommand(makeSnapshot('handling'), SAMPLE.escalate, as('handler', 'lead'));
    expect(r.snapshot).toMatchObject({ state: 'dispatched', leadUnitId: 'unit-community-2', assistUnitIds: [ASSIST, LEAD] });
    expect(r.events[0]).toMatchObject({ type: 'case.escalated', data: { previousLeadUnitId: LEAD, toUnitId: 'unit-community-2' } });
    expect(r.snapshot.clocks.objection).toMatchObject({ startedAt: NOW.toISOString(), stoppedAt: null });
  });

  it('escalating to the unit that already leads is bad input', () => {
    expectCode(() => applyCommand(makeSnapshot('handling'), { ...SAMPLE.escalate, toUnitId: LEAD }, as('handler', 'lead')), 'VALIDATION_FAILED');
  });

  it('redispatch after an objection names a new lead with a fresh objection window', () => {
    const r = applyCommand(makeSnapshot('objected'), SAMPLE.redispatch, as('dispatcher', 'scope'));
    expect(r.snapshot).toMatchObject({ state: 'dispatched', leadUnitId: 'unit-street-4', assistUnitIds: [] });
    expect(r.snapshot.clocks.objection?.stoppedAt).toBeNull();
    expect(r.events[0]?.data).toMatchObject({ previousLeadUnitId: LEAD });
  });

  it('a joint meeting names the lead and assisting units', () => {
    const r = applyCommand(makeSnapshot('handling'), SAMPLE.refer_joint_meeting, as('leader', 'owner'));
    expect(r.snapshot).toMatchObject({ state: 'dispatched', leadUnitId: 'unit-housing-bureau', assistUnitIds: ['unit-street-3'] });
  });

  it('assisting units may record mediation but not reply', () => {
    expect(applyCommand(makeSnapshot('handling'), SAMPLE.record_mediation, as('handler', 'assist')).snapshot.state).toBe('handling');
    expectCode(() => applyCommand(makeSnapshot('handling'), SAMPLE.reply, as('handler', 'assist')), 'ROLE_NOT_ALLOWED');
  });
});

describe('reply, visit and rating', () => {
  it('the reply ends handling (and any open objection window) and opens the 30-day review window', () => {
    const r = applyCommand(makeSnapshot('handling'), SAMPLE.reply, as('handler', 'lead'));
    expect(r.stopClocks.sort()).toEqual(['handling', 'objection']);
    expect(r.startClocks).toEqual(['review_request']);
    expect(r.events[0]).toEqual({
      type: 'case.replied',
      data: { opinion: 'support', text: SAMPLE.reply.text, from: 'handling', to: 'replied' },
    });
  });

  it('a return visit records contacted / solved / satisfied', () => {
    const cmd: Command = { type: 'return_visit', contacted: true, solved: false, satisfied: false, method: 'visit' };
    const r = applyCommand(makeSnapshot('replied'), cmd, as('supervisor', 'scope'));
    expect(r.snapshot.lastVisit).toEqual({ contacted: true, solved: false, satisfied: false });
  });

  it("the petitioner's own rating counts as a visit in which he was reached", () => {
    const r = applyCommand(makeSnapshot('replied'), { type: 'rate', satisfied: false, solved: true }, as('petitioner', 'self'));
    expect(r.snapshot).toMatchObject({ state: 'visited', lastVisit: { contacted: true, solved: true, satisfied: false } });
  });

  it('a reply needs a known opinion and a text', () => {
    const handler = as('handler', 'lead');
    expectCode(() => applyCommand(makeSnapshot('handling'), { ...SAMPLE.reply, text: '' }, handler), 'VALIDATION_FAILED', { field: 'text' });
    const bad = { ...SAMPLE.reply, opinion: 'maybe' } as unknown as Command;
    expectCode(() => applyCommand(makeSnapshot('handling'), bad, handler), 'VALIDATION_FAILED', { field: 'opinion' });
  });
});

describe('leaving the lifecycle early', () => {
  it('refusing a registered case stops only the clocks that run, and names the legal channel', () => {
    const r = applyCommand(makeSnapshot('registered'), SAMPLE.refuse, as('dispatcher', 'scope'));
    expect(r.stopClocks).toEqual(['forward']);
    expect(r.events[0]?.data).toMatchObject({ legalChannel: 'court', reason: SAMPLE.refuse.reason });
  });

  it('a refusal without a reason or with an unknown channel is bad input', () => {
    const d = as('dispatcher', 'scope');
    expectCode(() => applyCommand(makeSnapshot('accepted'), { ...SAMPLE.refuse, reason: '   ' }, d), 'VALIDATION_FAILED', { field: 'reason' });
    const bad = { ...SAMPLE.refuse, legalChannel: 'petition_again' } as unknown as Command;
    expectCode(() => applyCommand(makeSnapshot('accepted'), bad, d), 'VALIDATION_FAILED', { field: 'legalChannel' });
  });

  it('merging stops every running clock', () => {
    const r = applyCommand(makeSnapshot('handling'), SAMPLE.merge, as('dispatcher', 'scope'));
    expect(r.stopClocks.sort()).toEqual(['handling', 'objection']);
    for (const name of CLOCKS) {
      const c = r.snapshot.clocks[name];
      if (c) expect(c.stoppedAt).not.toBeNull();
    }
  });

  it('a case under review is not merged into another', () => {
    expectCode(() => applyCommand(makeSnapshot('under_review'), SAMPLE.merge, as('dispatcher', 'scope')), 'CASE_ILLEGAL_TRANSITION');
  });

  it('a split needs at least two parts, each with a title and content', () => {
    const d = as('dispatcher', 'scope');
    expectCode(() => applyCommand(makeSnapshot('accepted'), { type: 'split', parts: [{ title: 'a', content: 'b' }] }, d), 'VALIDATION_FAILED', {
      field: 'parts', issue: 'at_least_two',
    });
    const blank: Command = { type: 'split', parts: [{ title: 'a', content: 'b' }, { title: '', content: 'c' }] };
    expectCode(() => applyCommand(makeSnapshot('accepted'), blank, d), 'VALIDATION_FAILED', { field: 'parts.1.title' });
  });

  it('a mediation recorded as an agreement must carry the agreement', () => {
    const cmd: Command = { type: 'record_mediation', mediator: '调解员', outcome: 'agreement' };
    expectCode(() => applyCommand(makeSnapshot('handling'), cmd, as('handler', 'lead')), 'VALIDATION_FAILED', { field: 'agreement' });
  });
});

describe('an illegal command leaves the input snapshot unchanged', () => {
  const cases: Array<[string, CaseSnapshot, Command, CommandContext]> = [
    ['illegal state', makeSnapshot('final'), SAMPLE.note, ALMIGHTY],
    ['wrong role', makeSnapshot('dispatched'), SAMPLE.sign, as('supervisor', 'scope')],
    ['closed window', makeSnapshot('replied', { clocks: { review_request: running(-1, 31) } }), SAMPLE.request_review, as('petitioner', 'self')],
    ['extension used', makeSnapshot('handling', { extension: 'rejected' }), SAMPLE.request_extension, as('handler', 'lead')],
    [
      'bad payload',
      makeSnapshot('handling', { hearing: true, clocks: { handling: { ...running(), pausedSince: at(-1) } } }),
      { type: 'end_hearing', conclusion: '' },
      as('unit_head', 'lead'),
    ],
  ];
  for (const [name, input, command, ctx] of cases) {
    it(`after a refusal (${name}) the caller's snapshot is exactly as before`, () => {
      const before = structuredClone(input);
      expect(() => applyCommand(input, command, ctx)).toThrow(AppError);
      expect(input).toEqual(before);
    });
  }
});

describe('the action menu and the command agree', () => {
  // For every state, role and relation: what allowedCommands offers succeeds, what it hides is refused.
  for (const state of CASE_STATES) {
    it(`on a ${state} case every offered command succeeds and every hidden one is refused`, () => {
      const s = makeSnapshot(state);
      for (const role of ALL_ROLES) {
        for (const rel of ALL_RELATIONS) {
          const ctx = ctxFor([role], [rel]);
          const offered = new Set(allowedCommands(s, ctx));
          for (const type of COMMAND_TYPES) {
            const attempt = () => applyCommand(s, SAMPLE[type], ctx);
            if (offered.has(type)) expect(attempt, `${role}/${rel} ${type}`).not.toThrow();
            else expect(attempt, `${role}/${rel} ${type}`).toThrow(AppError);
          }
        }
      }
    });
  }
});
