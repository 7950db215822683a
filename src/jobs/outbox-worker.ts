/**
 * The outbox worker: sends the external deliveries notify.ts queued, after their transaction
 * committed, and never inside one.
 *
 * 1. Claim: a short transaction selects due rows (`status='pending' and next_attempt_at <= now and
 *    (lease_until is null or lease_until < now)`) FOR UPDATE SKIP LOCKED, sets their lease and
 *    counts the attempt. Two workers (two app instances on one PostgreSQL) never claim one row.
 * 2. Send: outside any transaction, a few at a time, each call bounded by NOTIFY_TIMEOUT_SECONDS.
 * 3. Settle: `sent`, or a retry at now + back-off (30 s, 2 min, 10 min, 1 h, 3 h, then every 6 h,
 *    each plus up to 10 % jitter), or `failed` after OUTBOX_MAX_ATTEMPTS attempts (or at once for a
 *    delivery that cannot succeed: its channel deleted or disabled, SMS without a gateway), keeping
 *    last_error. The settling update only applies while the row still holds this worker's lease
 *    (the lease instant is the fencing token), so a worker that overran its lease cannot overwrite
 *    the newer claimant's outcome.
 *
 * Delivery is at least once: a worker that dies after the far side accepted a message but before
 * marking it sent leaves the lease to expire, and the row is sent again. Robots, mailboxes and SMS
 * gateways have no idempotency key to prevent that; the window is one send.
 */
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { AppContext } from '../services/context.js';
import { notificationChannels, outbox } from '../store/schema.js';
import { CHANNEL_KINDS, CHANNEL_SENDERS, DeliveryError, type ChannelKind } from '../services/notifications/channels/index.js';
import type { OutboxPayload } from '../services/notifications/notify.js';

/** Back-off after the n-th failed attempt (1-based), before jitter. */
const BACKOFF_MS = [30_000, 120_000, 600_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000];
/** Jitter: up to this share of the delay is added (never subtracted: a retry never comes early). */
export const BACKOFF_JITTER = 0.1;
/** How many sends run at once within one batch. */
const CONCURRENCY = 8;
/** How many batches one run takes at most (a run is bounded even when rows keep arriving). */
const MAX_BATCHES_PER_RUN = 50;

/** Given the number of attempts made so far (≥ 1) and a random source, returns the delay before the next one in ms. */
export function backoffDelayMs(attempts: number, random: () => number = Math.random): number {
  const base = BACKOFF_MS[Math.min(Math.max(attempts, 1), BACKOFF_MS.length) - 1]!;
  return Math.round(base * (1 + BACKOFF_JITTER * random()));
}

/** Given the config, returns how long a claim lasts: long enough for a whole batch to be sent, with margin. */
export function leaseMs(ctx: AppContext): number {
  const timeout = ctx.config.NOTIFY_TIMEOUT_SECONDS * 1000;
  return Math.max(120_000, (Math.ceil(ctx.config.OUTBOX_BATCH_SIZE / CONCURRENCY) + 2) * timeout * 2);
}

export interface OutboxRunResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
}

type Claimed = typeof outbox.$inferSelect;

/** Given the app, claims up to `limit` due rows with a lease and returns them (one short transaction). */
export async function claimDueOutbox(ctx: AppContext, limit = ctx.config.OUTBOX_BATCH_SIZE): Promise<Claimed[]> {
  const now = ctx.now();
  const leaseUntil = new Date(now.getTime() + leaseMs(ctx));
  return ctx.db.transaction(async (tx) => {
    const due = await tx
      .select({ region: outbox.region, id: outbox.id })
      .from(outbox)
      .where(and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now), or(isNull(outbox.leaseUntil), lt(outbox.leaseUntil, now))))
      .orderBy(asc(outbox.nextAttemptAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (due.length === 0) return [];
    const byRegion = new Map<string, string[]>();
    for (const d of due) byRegion.set(d.region, [...(byRegion.get(d.region) ?? []), d.id]);
    const claimed: Claimed[] = [];
    for (const [region, ids] of byRegion) {
      claimed.push(
        ...(await tx
          .update(outbox)
          .set({ leaseUntil, attempts: sql`${outbox.attempts} + 1` })
          .where(and(eq(outbox.region, region), inArray(outbox.id, ids)))
          .returning()),
      );
    }
    return claimed;
  });
}

/** Given the app, sends everything due now (claim, send, settle, until nothing due is left) and returns the counts. */
export async function runOutboxOnce(ctx: AppContext): Promise<OutboxRunResult> {
  const result: OutboxRunResult = { claimed: 0, sent: 0, retried: 0, failed: 0 };
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    const batch = await claimDueOutbox(ctx);
    if (batch.length === 0) break;
    result.claimed += batch.length;
    const channels = await loadChannels(ctx, batch);
    await eachLimited(batch, CONCURRENCY, async (row) => {
      const outcome = await sendOne(ctx, row, channels.get(row.channelId));
      result[outcome]++;
    });
    if (batch.length < ctx.config.OUTBOX_BATCH_SIZE) break;
  }
  return result;
}

type ChannelRow = typeof notificationChannels.$inferSelect;

async function loadChannels(ctx: AppContext, batch: Claimed[]): Promise<Map<string, ChannelRow>> {
  const ids = [...new Set(batch.map((r) => r.channelId))];
  const rows = await ctx.db.select().from(notificationChannels).where(inArray(notificationChannels.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}

/** Given a claimed row and its channel, sends it and records the outcome. */
async function sendOne(ctx: AppContext, row: Claimed, channel: ChannelRow | undefined): Promise<'sent' | 'retried' | 'failed'> {
  const leaseUntil = row.leaseUntil!;
  let error: DeliveryError | null = null;
  try {
    if (!channel) throw new DeliveryError('channel deleted', true);
    if (!channel.enabled) throw new DeliveryError('channel disabled', true);
    if (!(CHANNEL_KINDS as readonly string[]).includes(channel.kind)) throw new DeliveryError(`unknown channel kind ${channel.kind}`, true);
    let target: string;
    let secret: string | null;
    try {
      target = ctx.cipher.decrypt(channel.targetEnc);
      secret = channel.secretEnc ? ctx.cipher.decrypt(channel.secretEnc) : null;
    } catch {
      throw new DeliveryError('channel address cannot be decrypted (master key changed?)', true);
    }
    const p = row.payload as OutboxPayload;
    await CHANNEL_SENDERS[channel.kind as ChannelKind](
      { target, secret },
      { kind: p.kind, level: p.level, title: p.title, body: p.body },
      { config: ctx.config, now: ctx.now(), timeoutMs: ctx.config.NOTIFY_TIMEOUT_SECONDS * 1000 },
    );
  } catch (err) {
    error = err instanceof DeliveryError ? err : new DeliveryError(`unexpected: ${(err as Error)?.message ?? String(err)}`.slice(0, 300));
  }

  const now = ctx.now();
  const mine = and(eq(outbox.region, row.region), eq(outbox.id, row.id), eq(outbox.status, 'pending'), eq(outbox.leaseUntil, leaseUntil));
  let outcome: 'sent' | 'retried' | 'failed';
  let settled: unknown[];
  if (!error) {
    outcome = 'sent';
    settled = await ctx.db.update(outbox).set({ status: 'sent', sentAt: now, leaseUntil: null, lastError: null }).where(mine).returning({ id: outbox.id });
  } else if (error.permanent || row.attempts >= ctx.config.OUTBOX_MAX_ATTEMPTS) {
    outcome = 'failed';
    settled = await ctx.db.update(outbox).set({ status: 'failed', leaseUntil: null, lastError: error.message }).where(mine).returning({ id: outbox.id });
    ctx.logger.warn({ outboxId: row.id, channelId: row.channelId, attempts: row.attempts, error: error.message }, 'notification delivery given up');
  } else {
    outcome = 'retried';
    const next = new Date(now.getTime() + backoffDelayMs(row.attempts));
    settled = await ctx.db.update(outbox).set({ nextAttemptAt: next, leaseUntil: null, lastError: error.message }).where(mine).returning({ id: outbox.id });
    ctx.logger.info({ outboxId: row.id, channelId: row.channelId, attempts: row.attempts, next, error: error.message }, 'notification delivery will be retried');
  }
  if (settled.length === 0) ctx.logger.warn({ outboxId: row.id }, 'outbox lease lost before settling; the newer claim decides');
  return outcome;
}

/** Given items, a limit and a task, runs the task over all items with at most `limit` at once. */
async function eachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  });
  await Promise.all(lanes);
}

/**
 * Given the app, polls the outbox every OUTBOX_POLL_SECONDS (one run at a time); returns a function
 * that stops polling and resolves when the run in progress has finished.
 */
export function startOutboxWorker(ctx: AppContext): () => Promise<void> {
  let current: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (current || stopped) return;
    current = runOutboxOnce(ctx)
      .then((r) => {
        if (r.claimed) ctx.logger.info(r, 'outbox run');
      })
      .catch((err) => ctx.logger.warn({ err }, 'outbox run failed; will retry'))
      .finally(() => {
        current = null;
      });
  };
  const timer = setInterval(tick, ctx.config.OUTBOX_POLL_SECONDS * 1000);
  timer.unref();
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await current;
  };
}
