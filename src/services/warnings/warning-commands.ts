/**
 * The steps of a warning's lifecycle (派单处置, 反馈, 评估, 撤销, 备注), each one transaction: lock the
 * warning row, work out how the actor stands to it, let the domain decide (domain/warnings/lifecycle.ts),
 * write the new state, one warning event and one audit entry, and tell the named person of a dispatch.
 * A warning the actor may not see is answered like a missing one (WARNING_NOT_FOUND).
 */
import { and, eq } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import { formatChinaDateTimeZh } from '../../domain/deadlines/china-date.js';
import { applyWarningCommand, type WarningCommand, type WarningRelation } from '../../domain/warnings/lifecycle.js';
import type { Tx } from '../../store/database.js';
import { findActiveUser, findUnit, findUnitsById } from '../../store/org-repository.js';
import { warnings } from '../../store/schema.js';
import { writeAudit } from '../audit-log.js';
import type { AppContext, StaffActor } from '../context.js';
import { notifyUsers } from '../notifications/notify.js';
import { noticeDispatchedWarning } from './warning-notices.js';
import { outsideAccused } from './warning-recipients.js';
import { accusedPathsOf, appendWarningEvent, findWarningForUpdate, stateOf, type WarningRow } from './warning-store.js';

/** A step as the API receives it: the dispatch's due date as an ISO instant. */
export type WarningCommandInput =
  | { type: 'dispatch'; unitId: string; assigneeId: string; dueAt: string; instructions?: string | null }
  | { type: 'feed_back'; text: string }
  | { type: 'assess'; outcome: 'accept' | 'return'; text: string }
  | { type: 'withdraw'; reason: string }
  | { type: 'note'; text: string };

/**
 * Given the actor, the warning row and the dispatched unit's path, returns how he stands to it (none: he
 * may not see it). Whoever may act may read: `dispatched` needs the dispatched unit inside his scope
 * (so one of the warning's unit paths is, and warningScopeFilter shows it to him) besides his working
 * in it; a grid's handler under a street the warning went to has no relation unless he is its named person.
 */
export function relationsTo(actor: StaffActor, w: Pick<WarningRow, 'unitPaths' | 'assigneeId' | 'data'>, dispatchedPath: string | null): WarningRelation[] {
  if (accusedPathsOf(w).some((p) => actor.unitPath.startsWith(p))) return [];
  const out: WarningRelation[] = [];
  if (w.unitPaths.some((p) => p.startsWith(actor.scopePath))) out.push('scope');
  if (dispatchedPath && actor.unitPath.startsWith(dispatchedPath) && dispatchedPath.startsWith(actor.scopePath) && w.unitPaths.includes(dispatchedPath)) out.push('dispatched');
  if (w.assigneeId === actor.userId) out.push('assignee');
  return out;
}

/** Given an actor, a warning id and a step, performs it and returns the warning's id and new state. */
export async function runWarningCommand(ctx: AppContext, actor: StaffActor, warningId: string, input: WarningCommandInput): Promise<{ id: string; state: string; seq: number }> {
  return ctx.db.transaction(async (tx) => {
    const region = ctx.config.REGION;
    const now = ctx.now();
    const w = await findWarningForUpdate(tx, region, warningId);
    if (!w) throw new AppError('WARNING_NOT_FOUND');
    const dispatchedPath = w.dispatchedUnitId ? ((await findUnit(tx, w.dispatchedUnitId))?.path ?? null) : null;
    const relations = relationsTo(actor, w, dispatchedPath);
    if (!relations.length) throw new AppError('WARNING_NOT_FOUND');

    const command = await toDomainCommand(tx, actor, w, input);
    const result = applyWarningCommand(stateOf(w), command, { roles: actor.roles, relations }, now);

    const patch: Partial<WarningRow> = { state: result.to, updatedAt: now };
    if (result.patch.assigneeId !== undefined) patch.assigneeId = result.patch.assigneeId;
    if (result.patch.dueAt !== undefined) patch.dueAt = result.patch.dueAt;
    if (result.patch.dispatchedUnitId !== undefined) {
      patch.dispatchedUnitId = result.patch.dispatchedUnitId;
      // the unit it went to is one of the units concerned from now on: it sees the warning
      const path = (await findUnit(tx, result.patch.dispatchedUnitId))!.path;
      if (!w.unitPaths.includes(path)) patch.unitPaths = [...w.unitPaths, path];
    }
    if (result.patch.closed) patch.closedAt = now;
    await tx.update(warnings).set(patch).where(and(eq(warnings.region, region), eq(warnings.id, w.id)));
    const seq = await appendWarningEvent(tx, w, { type: result.event.type, actorId: actor.userId, data: result.event.data }, now);
    await writeAudit(
      ctx,
      { actorId: actor.userId, action: result.event.type, targetType: 'warning', targetId: w.id, data: { number: w.number, from: w.state, to: result.to, seq, ...result.event.data } },
      tx,
    );
    const after = { ...w, ...patch, eventCount: seq } as WarningRow;
    if (command.type === 'dispatch') await noticeDispatchedWarning(ctx, tx, after, seq, formatChinaDateTimeZh(command.dueAt));
    if (command.type === 'assess' && command.outcome === 'return' && after.assigneeId) {
      await notifyUsers(ctx, tx, await outsideAccused(tx, [after.assigneeId], accusedPathsOf(after)), {
        kind: 'warning',
        level: 'yellow',
        title: `预警退回重办 ${w.number}`,
        body: `${w.title}。处置反馈未通过评估，请继续处置后重新反馈。`,
        dedupeKey: `warning:${w.id}:event:${seq}`,
      });
    }
    return { id: w.id, state: result.to, seq };
  });
}

/**
 * Given the API's step, returns the domain's: a dispatch names an active unit in the actor's subtree
 * (never one an accusation among the warning's cases names) and an active user of that unit or below it
 * (never one inside an accused unit either).
 */
async function toDomainCommand(tx: Tx, actor: StaffActor, w: WarningRow, input: WarningCommandInput): Promise<WarningCommand> {
  if (input.type !== 'dispatch') return input;
  const unit = (await findUnitsById(tx, [input.unitId])).get(input.unitId);
  if (!unit || !unit.active || !unit.path.startsWith(actor.scopePath)) throw new AppError('UNIT_NOT_FOUND', { path: 'unitId' });
  if (accusedPathsOf(w).some((p) => unit.path.startsWith(p))) throw new AppError('ACCUSATION_CONFLICT', { path: 'unitId' });
  const person = await findActiveUser(tx, input.assigneeId);
  const personUnit = person ? (await findUnitsById(tx, [person.unitId])).get(person.unitId) : undefined;
  if (!person || !personUnit || !personUnit.path.startsWith(unit.path)) throw new AppError('USER_NOT_FOUND', { path: 'assigneeId' });
  // a person inside a unit an accusation names could neither see nor be told of it (Art. 30)
  if (accusedPathsOf(w).some((p) => personUnit.path.startsWith(p))) throw new AppError('ACCUSATION_CONFLICT', { path: 'assigneeId' });
  return { type: 'dispatch', unitId: unit.id, assigneeId: person.id, dueAt: new Date(input.dueAt), instructions: input.instructions ?? null };
}
