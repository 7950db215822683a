/**
 * The in-app inbox of a staff user: his own rows only — every query is keyed by the caller's id,
 * so another user's message is "not found", never "forbidden".
 */
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import { notifications } from '../../store/schema.js';
import type { AppContext, StaffActor } from '../context.js';

type NotificationRow = typeof notifications.$inferSelect;

/** Given an inbox row, returns what the API shows of it. */
export function presentNotification(n: NotificationRow) {
  return {
    id: n.id,
    kind: n.kind,
    level: n.level,
    title: n.title,
    body: n.body,
    caseId: n.caseId,
    unitId: n.unitId,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt ? n.readAt.toISOString() : null,
  };
}

export interface InboxQuery {
  unreadOnly?: boolean;
  limit: number;
  offset: number;
}

/** Given a user and a page, returns his messages newest first, how many match, and how many are unread. */
export async function listInbox(ctx: AppContext, actor: StaffActor, q: InboxQuery) {
  const mine = and(eq(notifications.region, ctx.config.REGION), eq(notifications.userId, actor.userId));
  const where = q.unreadOnly ? and(mine, isNull(notifications.readAt)) : mine;
  const rows = await ctx.db
    .select()
    .from(notifications)
    .where(where)
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(q.limit)
    .offset(q.offset);
  const [total] = await ctx.db.select({ n: count() }).from(notifications).where(where);
  const [unread] = q.unreadOnly ? [total] : await ctx.db.select({ n: count() }).from(notifications).where(and(mine, isNull(notifications.readAt)));
  return { total: total!.n, unread: unread!.n, items: rows.map(presentNotification) };
}

/** Given a user and one of his messages, marks it read (the first reading time stays) and returns it. */
export async function markRead(ctx: AppContext, actor: StaffActor, id: string) {
  const mine = and(eq(notifications.region, ctx.config.REGION), eq(notifications.userId, actor.userId), eq(notifications.id, id));
  await ctx.db.update(notifications).set({ readAt: ctx.now() }).where(and(mine, isNull(notifications.readAt)));
  const [row] = await ctx.db.select().from(notifications).where(mine).limit(1);
  if (!row) throw new AppError('NOTIFICATION_NOT_FOUND', { path: 'id' });
  return presentNotification(row);
}

/** Given a user, marks all his unread messages read and returns how many were. */
export async function markAllRead(ctx: AppContext, actor: StaffActor) {
  const updated = await ctx.db
    .update(notifications)
    .set({ readAt: ctx.now() })
    .where(and(eq(notifications.region, ctx.config.REGION), eq(notifications.userId, actor.userId), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return { updated: updated.length };
}
