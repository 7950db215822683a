/**
 * Telling staff: one inbox row per recipient and, for each external channel that wants the
 * message, one outbox row the outbox worker (src/jobs/outbox-worker.ts) sends after commit.
 * Everything here runs inside the caller's transaction, so a notification exists exactly when the
 * change that caused it does, and never is sent for a change that rolled back.
 *
 * Deduplication: `dedupeKey` is unique per user (notifications_dedupe_uq), so a sweeper that runs
 * twice, or a retried command, adds nothing the second time. External channels follow the inbox:
 * - a user's own channel gets one delivery per inbox row of his, so once per dedupeKey;
 * - a unit's channel (a group robot, a shared mailbox) is shared by every member: it gets one
 *   delivery per dedupeKey, not one per member — the first time any member of the unit receives
 *   that key. The delivery is linked to that member's inbox row. A later call with the same key
 *   that reaches a new member of the same unit sends nothing more to the unit's channel (checked
 *   through the inbox rows of the unit's current members, under an advisory lock per channel and
 *   key so two concurrent transactions cannot both send). A member who left the unit no longer
 *   counts: if only he had received the key, the unit's channel gets it again. That is rare and
 *   errs on the side of telling.
 *
 * Text goes out to robots, mailboxes and phones outside the system: callers put case numbers and
 * titles in it, never a petitioner's unmasked personal data.
 */
import { randomUUID } from 'node:crypto';
import { and, arrayOverlaps, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { StaffRole } from '../../domain/lifecycle/types.js';
import type { Queryable } from '../../store/database.js';
import { cases, notificationChannels, notifications, orgUnits, outbox, users } from '../../store/schema.js';
import type { AppContext } from '../context.js';

export type NotificationLevel = 'info' | 'yellow' | 'red';

export interface NotificationInput {
  kind: string; // 'reminder' | 'overdue' | 'overdue_copy' | 'chase' | 'supervision' | 'supervision_escalated' | 'leader_push' | 'reception' | 'spot_check' …
  level: NotificationLevel;
  title: string; // zh-CN
  body: string; // zh-CN, plain text
  caseId?: string | null;
  unitId?: string | null;
  dedupeKey: string; // the same key for the same user is delivered once, ever (unique index)
}

export const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ['info', 'yellow', 'red'];
const LEVEL_RANK: Record<string, number> = { info: 0, yellow: 1, red: 2 };

/** What an outbox row carries: the message, never the channel's address (read, decrypted, at send time). */
export interface OutboxPayload {
  kind: string;
  level: NotificationLevel;
  title: string;
  body: string;
  caseId: string | null;
  unitId: string | null;
  dedupeKey: string | null;
}

/** Given a channel's filter and a message's kind and level, returns whether the channel forwards it. */
export function channelWants(ch: { kinds: readonly string[]; minLevel: string }, kind: string, level: string): boolean {
  if (ch.kinds.length > 0 && !ch.kinds.includes(kind)) return false;
  return (LEVEL_RANK[level] ?? 0) >= (LEVEL_RANK[ch.minLevel] ?? 0);
}

/** Advisory-lock namespace for "has this unit channel had this dedupeKey" (see the file comment). */
const UNIT_CHANNEL_LOCK = 71_020_010;

/** Inserts one inbox row per user (skipping users who already have this dedupeKey) and one outbox row per matching enabled channel of the user or of his unit; inside the caller's transaction. Returns the number of inbox rows written. */
export async function notifyUsers(ctx: AppContext, tx: Queryable, userIds: readonly string[], n: NotificationInput): Promise<number> {
  const ids = [...new Set(userIds)].filter((id) => UUID_RE.test(id));
  if (ids.length === 0) return 0;
  const recipients = await tx
    .select({ id: users.id, unitId: users.unitId })
    .from(users)
    .where(and(inArray(users.id, ids), eq(users.active, true)))
    .orderBy(asc(users.id));
  return deliver(ctx, tx, recipients, n);
}

/** Same, for the active users of a unit holding any of the roles (null = all roles). */
export async function notifyUnit(ctx: AppContext, tx: Queryable, unitId: string, roles: readonly StaffRole[] | null, n: NotificationInput): Promise<number> {
  if (!UUID_RE.test(unitId) || (roles && roles.length === 0)) return 0;
  const recipients = await tx
    .select({ id: users.id, unitId: users.unitId })
    .from(users)
    .where(and(eq(users.unitId, unitId), eq(users.active, true), roles ? arrayOverlaps(users.roles, [...roles]) : undefined))
    .orderBy(asc(users.id));
  return deliver(ctx, tx, recipients, n);
}

/**
 * Art. 30: nobody inside a unit an accusation names hears of it — not by a reminder, a copy or a
 * push either, whoever the sender picked. Given recipients and the case a message is about,
 * returns those outside its accused units (all of them for a message about no case).
 */
async function outsideAccusedUnits(ctx: AppContext, tx: Queryable, recipients: Array<{ id: string; unitId: string }>, caseId: string | null) {
  if (!caseId || !UUID_RE.test(caseId)) return recipients;
  const [c] = await tx
    .select({ accused: cases.accusedUnitPaths })
    .from(cases)
    .where(and(eq(cases.region, ctx.config.REGION), eq(cases.id, caseId)))
    .limit(1);
  if (!c || c.accused.length === 0) return recipients;
  const units = await tx
    .select({ id: orgUnits.id, path: orgUnits.path })
    .from(orgUnits)
    .where(inArray(orgUnits.id, [...new Set(recipients.map((r) => r.unitId))]));
  const pathOf = new Map(units.map((u) => [u.id, u.path]));
  return recipients.filter((r) => {
    const path = pathOf.get(r.unitId);
    return path !== undefined && !c.accused.some((a) => path.startsWith(a));
  });
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Given recipients sorted by id (a fixed insert order keeps two transactions from deadlocking on the unique index), writes inbox and outbox rows. */
async function deliver(ctx: AppContext, tx: Queryable, all: Array<{ id: string; unitId: string }>, n: NotificationInput): Promise<number> {
  if (all.length === 0) return 0;
  assertInput(n);
  const recipients = await outsideAccusedUnits(ctx, tx, all, n.caseId ?? null);
  if (recipients.length === 0) return 0;
  const region = ctx.config.REGION;
  const now = ctx.now();
  const inserted = await tx
    .insert(notifications)
    .values(
      recipients.map((r) => ({
        region,
        id: randomUUID(),
        userId: r.id,
        unitId: n.unitId ?? null,
        caseId: n.caseId ?? null,
        kind: n.kind,
        level: n.level,
        title: n.title,
        body: n.body,
        dedupeKey: n.dedupeKey,
        createdAt: now,
      })),
    )
    .onConflictDoNothing({ target: [notifications.region, notifications.userId, notifications.dedupeKey] })
    .returning({ id: notifications.id, userId: notifications.userId });
  if (inserted.length === 0) return 0;

  const unitOf = new Map(recipients.map((r) => [r.id, r.unitId]));
  const fresh = inserted.map((r) => ({ notificationId: r.id, userId: r.userId, unitId: unitOf.get(r.userId)! })).sort((a, b) => (a.userId < b.userId ? -1 : 1));
  const freshUserIds = fresh.map((f) => f.userId);
  const freshUnitIds = [...new Set(fresh.map((f) => f.unitId))];
  const channels = (
    await tx
      .select({ id: notificationChannels.id, userId: notificationChannels.userId, unitId: notificationChannels.unitId, kinds: notificationChannels.kinds, minLevel: notificationChannels.minLevel })
      .from(notificationChannels)
      .where(and(eq(notificationChannels.enabled, true), or(inArray(notificationChannels.userId, freshUserIds), inArray(notificationChannels.unitId, freshUnitIds))))
      .orderBy(asc(notificationChannels.id))
  ).filter((ch) => channelWants(ch, n.kind, n.level));
  if (channels.length === 0) return inserted.length;

  const payload: OutboxPayload = {
    kind: n.kind,
    level: n.level,
    title: n.title,
    body: n.body,
    caseId: n.caseId ?? null,
    unitId: n.unitId ?? null,
    dedupeKey: n.dedupeKey,
  };
  const rows: Array<{ channelId: string; notificationId: string }> = [];
  for (const ch of channels) {
    if (ch.userId) {
      const own = fresh.find((f) => f.userId === ch.userId);
      if (own) rows.push({ channelId: ch.id, notificationId: own.notificationId });
      continue;
    }
    const first = fresh.find((f) => f.unitId === ch.unitId);
    if (!first || !ch.unitId) continue;
    if (await unitChannelHadKey(tx, region, ch.id, ch.unitId, n.dedupeKey)) continue;
    rows.push({ channelId: ch.id, notificationId: first.notificationId });
  }
  if (rows.length > 0) {
    await tx
      .insert(outbox)
      .values(rows.map((r) => ({ region, id: randomUUID(), channelId: r.channelId, notificationId: r.notificationId, payload, status: 'pending', attempts: 0, nextAttemptAt: now, createdAt: now })))
      .onConflictDoNothing({ target: [outbox.region, outbox.notificationId, outbox.channelId] });
  }
  return inserted.length;
}

/**
 * Given a unit channel and a dedupeKey, returns whether a delivery of that key to that channel
 * already exists (through the inbox rows of the unit's members); holds an advisory lock on
 * (channel, key) until the transaction ends, so a concurrent transaction waits and then sees ours.
 */
async function unitChannelHadKey(tx: Queryable, region: string, channelId: string, unitId: string, dedupeKey: string): Promise<boolean> {
  await tx.execute(sql`select pg_advisory_xact_lock(${UNIT_CHANNEL_LOCK}, hashtext(${`${channelId}|${dedupeKey}`}))`);
  const res = (await tx.execute(sql`
    select 1 as hit
      from ${notifications} n
      join ${outbox} o on o.region = n.region and o.notification_id = n.id and o.channel_id = ${channelId}
     where n.region = ${region}
       and n.dedupe_key = ${dedupeKey}
       and n.user_id in (select u.id from ${users} u where u.unit_id = ${unitId})
     limit 1`)) as unknown as { rows: unknown[] };
  return res.rows.length > 0;
}

function assertInput(n: NotificationInput): void {
  // Programming errors of a caller, not user input: fail loudly inside the caller's transaction.
  if (!NOTIFICATION_LEVELS.includes(n.level)) throw new Error(`notification level ${String(n.level)} is not one of ${NOTIFICATION_LEVELS.join(', ')}`);
  if (!n.dedupeKey || n.dedupeKey.length > 300) throw new Error('notification dedupeKey must be 1–300 characters');
  if (!n.kind || !n.title) throw new Error('notification kind and title are required');
}
