/**
 * 催办 / 督办 / 挂牌督办 (DOMAIN.md §5): the rows behind the case commands `chase`, `supervise` and
 * `supervision_reply`, the lead unit's notice, and the escalation the sweeper makes when the reply
 * deadline passes unanswered. Everything here runs inside the command's (or the sweeper's) transaction.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import { formatChinaDateTimeZh } from '../domain/deadlines/china-date.js';
import type { CaseState, Command } from '../domain/lifecycle/types.js';
import { isOpen } from '../domain/lifecycle/transitions.js';
import type { Queryable, Tx } from '../store/database.js';
import { appendCaseEvents } from '../store/case-events.js';
import { findUnitsById } from '../store/org-repository.js';
import { cases, supervisions } from '../store/schema.js';
import { addSupervisionTimer, dropSupervisionTimer } from './case-timers.js';
import type { AppContext, StaffActor } from './context.js';
import { notifyUnit, notifyUsers } from './notifications/notify.js';

type CaseRow = typeof cases.$inferSelect;
export type SupervisionRow = typeof supervisions.$inferSelect;

const KIND_ZH = { chase: '催办', supervise: '督办', listed: '挂牌督办' } as const;

/** Given a reply to a supervision, returns it if it is this case's and still unanswered, else throws SUPERVISION_NOT_OPEN. */
export async function openSupervisionOf(tx: Queryable, region: string, caseId: string, supervisionId: string): Promise<SupervisionRow> {
  const [s] = await tx
    .select()
    .from(supervisions)
    .where(and(eq(supervisions.region, region), eq(supervisions.id, supervisionId), eq(supervisions.caseId, caseId)))
    .limit(1);
  if (!s || s.repliedAt) throw new AppError('SUPERVISION_NOT_OPEN', { path: 'supervisionId' });
  return s;
}

/** Given a chase or supervise command just applied, records it, tells the lead unit, and sets the escalation timer. */
export async function recordSupervision(
  ctx: AppContext,
  tx: Queryable,
  actor: StaffActor,
  row: CaseRow,
  command: Extract<Command, { type: 'chase' | 'supervise' }>,
  supervisionId: string,
): Promise<void> {
  const now = ctx.now();
  const kind = command.type === 'chase' ? 'chase' : command.listed ? 'listed' : 'supervise';
  const replyDueAt = new Date(command.replyDueAt);
  const targetUnitId = row.leadUnitId!;
  await tx.insert(supervisions).values({
    region: row.region, id: supervisionId, caseId: row.id, kind, targetUnitId, reason: command.reason, replyDueAt, createdAt: now, createdBy: actor.userId,
  });
  await addSupervisionTimer(tx, row.region, row.id, supervisionId, replyDueAt);
  await notifyUnit(ctx, tx, targetUnitId, ['handler', 'unit_head'], {
    kind: kind === 'chase' ? 'chase' : 'supervision',
    level: kind === 'chase' ? 'yellow' : 'red',
    title: `${KIND_ZH[kind]}：${row.number}`,
    body: `${actor.displayName}对案件 ${row.number}「${row.title}」${KIND_ZH[kind]}：${command.reason}。请于 ${formatChinaDateTimeZh(replyDueAt)} 前回复。`,
    caseId: row.id,
    unitId: targetUnitId,
    dedupeKey: `supervision:${supervisionId}`,
  });
}

/** Given a reply to an open supervision, records it and cancels the escalation. */
export async function recordSupervisionReply(ctx: AppContext, tx: Queryable, actor: StaffActor, s: SupervisionRow, text: string): Promise<void> {
  const now = ctx.now();
  await tx
    .update(supervisions)
    .set({ repliedAt: now, replyText: text, repliedBy: actor.userId })
    .where(and(eq(supervisions.region, s.region), eq(supervisions.id, s.id), isNull(supervisions.repliedAt)));
  await dropSupervisionTimer(tx, s.region, s.caseId, s.id);
  await notifyUsers(ctx, tx, [s.createdBy], {
    kind: 'supervision_reply',
    level: 'info',
    title: `${KIND_ZH[s.kind as keyof typeof KIND_ZH] ?? '督办'}已回复`,
    body: `${actor.displayName}回复：${text}`,
    caseId: s.caseId,
    unitId: s.targetUnitId,
    dedupeKey: `supervision_reply:${s.id}`,
  });
}

/**
 * Given a supervision whose reply deadline has passed (the sweeper, holding the case row locked),
 * escalates it once: to the unit above the target (its heads are told), with the supervisor told
 * too, and an event on the case. Returns false when there was nothing to escalate.
 */
export async function escalateSupervision(ctx: AppContext, tx: Tx, row: CaseRow, supervisionId: string): Promise<boolean> {
  const now = ctx.now();
  const [s] = await tx
    .select()
    .from(supervisions)
    .where(and(eq(supervisions.region, row.region), eq(supervisions.id, supervisionId)))
    .limit(1);
  if (!s || s.repliedAt || s.escalatedAt) return false;
  // Settled, or moved to another unit since: nobody is late any more on this supervision.
  if (!isOpen(row.state as CaseState) || row.leadUnitId !== s.targetUnitId) return false;
  const target = (await findUnitsById(tx, [s.targetUnitId])).get(s.targetUnitId);
  const parentId = target?.parentId ?? null;
  await tx
    .update(supervisions)
    .set({ escalatedAt: now, escalatedToUnitId: parentId })
    .where(and(eq(supervisions.region, s.region), eq(supervisions.id, s.id)));
  await appendCaseEvents(
    tx,
    { region: row.region, caseId: row.id, count: row.eventCount, headHash: row.headHash },
    [{ type: 'case.supervision_escalated', data: { supervisionId: s.id, kind: s.kind, targetUnitId: s.targetUnitId, escalatedToUnitId: parentId, replyDueAt: s.replyDueAt.toISOString() }, actorId: null, actorRole: 'system' }],
    now,
  );
  const notice = {
    kind: 'supervision_escalated',
    level: 'red' as const,
    title: `${KIND_ZH[s.kind as keyof typeof KIND_ZH] ?? '督办'}逾期未回复：${row.number}`,
    body: `${target?.name ?? '承办单位'}未在 ${formatChinaDateTimeZh(s.replyDueAt)} 前回复对案件 ${row.number}「${row.title}」的${KIND_ZH[s.kind as keyof typeof KIND_ZH] ?? '督办'}（${s.reason}），已升级督办。`,
    caseId: row.id,
    unitId: s.targetUnitId,
    dedupeKey: `supervision_escalated:${s.id}`,
  };
  if (parentId) await notifyUnit(ctx, tx, parentId, ['unit_head', 'leader'], notice);
  await notifyUnit(ctx, tx, s.targetUnitId, ['unit_head'], notice);
  await notifyUsers(ctx, tx, [s.createdBy], notice);
  return true;
}
