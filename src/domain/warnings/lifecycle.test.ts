import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { WARNING_STATES, WARNING_TRANSITIONS, allowedWarningCommands, applyWarningCommand, type WarningActor } from './lifecycle.js';

const now = new Date('2026-03-02T02:00:00Z');
const later = new Date('2026-03-05T02:00:00Z');
const supervisor: WarningActor = { roles: ['supervisor'], relations: ['scope'] };
const handler: WarningActor = { roles: ['handler'], relations: ['dispatched'] };
const outsider: WarningActor = { roles: ['handler'], relations: ['scope'] };

function code(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return err instanceof AppError ? err.code : 'other';
  }
}

describe('warning lifecycle (预警: raised → dispatched → fed back → assessed → withdrawn)', () => {
  it('walks the whole way with one event per step', () => {
    const d = applyWarningCommand('raised', { type: 'dispatch', unitId: 'u1', assigneeId: 'p1', dueAt: later }, supervisor, now);
    expect(d).toMatchObject({ to: 'dispatched', event: { type: 'warning.dispatched', data: { unitId: 'u1', assigneeId: 'p1', redispatch: false } }, patch: { dispatchedUnitId: 'u1', assigneeId: 'p1', dueAt: later } });
    const f = applyWarningCommand('dispatched', { type: 'feed_back', text: '已上门稳控' }, handler, now);
    expect(f.to).toBe('fed_back');
    const back = applyWarningCommand('fed_back', { type: 'assess', outcome: 'return', text: '未见化解措施' }, supervisor, now);
    expect(back).toMatchObject({ to: 'dispatched', event: { data: { outcome: 'return' } } });
    const a = applyWarningCommand('fed_back', { type: 'assess', outcome: 'accept', text: '处置到位' }, supervisor, now);
    expect(a.to).toBe('assessed');
    const w = applyWarningCommand('assessed', { type: 'withdraw', reason: '风险已化解' }, supervisor, now);
    expect(w).toMatchObject({ to: 'withdrawn', patch: { closed: true }, event: { type: 'warning.withdrawn', data: { from: 'assessed' } } });
  });

  it('a false alarm is withdrawn straight from raised; a dispatched warning cannot be withdrawn before assessment', () => {
    expect(applyWarningCommand('raised', { type: 'withdraw', reason: '误报' }, supervisor, now).to).toBe('withdrawn');
    expect(code(() => applyWarningCommand('dispatched', { type: 'withdraw', reason: '误报' }, supervisor, now))).toBe('WARNING_ILLEGAL_TRANSITION');
  });

  it('refuses steps out of order with WARNING_ILLEGAL_TRANSITION and nothing at all on a withdrawn warning', () => {
    expect(code(() => applyWarningCommand('raised', { type: 'feed_back', text: 'x' }, handler, now))).toBe('WARNING_ILLEGAL_TRANSITION');
    expect(code(() => applyWarningCommand('dispatched', { type: 'assess', outcome: 'accept', text: 'x' }, supervisor, now))).toBe('WARNING_ILLEGAL_TRANSITION');
    for (const r of WARNING_TRANSITIONS) expect(r.from).not.toContain('withdrawn');
    expect(allowedWarningCommands('withdrawn', { roles: ['supervisor', 'leader', 'handler'], relations: ['scope', 'dispatched', 'assignee'] })).toEqual([]);
  });

  it('only the dispatched unit or the named person feeds back; only supervisors and leaders assess', () => {
    expect(code(() => applyWarningCommand('dispatched', { type: 'feed_back', text: '已处置' }, outsider, now))).toBe('ROLE_NOT_ALLOWED');
    expect(applyWarningCommand('dispatched', { type: 'feed_back', text: '已处置' }, { roles: ['leader'], relations: ['assignee'] }, now).to).toBe('fed_back');
    expect(code(() => applyWarningCommand('fed_back', { type: 'assess', outcome: 'accept', text: 'ok' }, { roles: ['handler'], relations: ['scope'] }, now))).toBe('ROLE_NOT_ALLOWED');
    expect(code(() => applyWarningCommand('raised', { type: 'dispatch', unitId: 'u', assigneeId: 'p', dueAt: later }, handler, now))).toBe('ROLE_NOT_ALLOWED');
  });

  it('checks the payload: a due date in the future, reasons and texts not empty, a known outcome', () => {
    expect(code(() => applyWarningCommand('raised', { type: 'dispatch', unitId: 'u', assigneeId: 'p', dueAt: now }, supervisor, now))).toBe('VALIDATION_FAILED');
    expect(code(() => applyWarningCommand('raised', { type: 'withdraw', reason: '  ' }, supervisor, now))).toBe('VALIDATION_FAILED');
    expect(code(() => applyWarningCommand('fed_back', { type: 'assess', outcome: 'maybe' as never, text: 'x' }, supervisor, now))).toBe('VALIDATION_FAILED');
    expect(code(() => applyWarningCommand('raised', { type: 'nonsense' } as never, supervisor, now))).toBe('VALIDATION_FAILED');
  });

  it('ships abilities from the same table', () => {
    expect(allowedWarningCommands('raised', supervisor)).toEqual(['dispatch', 'withdraw', 'note']);
    expect(allowedWarningCommands('dispatched', handler)).toEqual(['feed_back', 'note']);
    expect(allowedWarningCommands('fed_back', supervisor)).toEqual(['assess', 'note']);
    for (const s of WARNING_STATES) expect(allowedWarningCommands(s, { roles: ['admin'], relations: ['scope'] })).toEqual([]);
  });
});
