/**
 * The webhook worker: sends the signed deliveries appendCaseEvents queued, after their transaction
 * committed, and never inside one. It follows the outbox worker (src/jobs/outbox-worker.ts):
 *
 * 1. Claim: a short transaction takes due rows (`pending`, next_attempt_at ≤ now, no live lease)
 *    FOR UPDATE SKIP LOCKED, sets their lease and counts the attempt: two app instances on one
 *    PostgreSQL never claim one row.
 * 2. Build and send, outside any transaction, a few at a time: the payload is built at send time from
 *    the stored event and the case as it is then (src/services/webhooks/payload.ts), signed with the
 *    subscription's current secret, POSTed with WEBHOOK_TIMEOUT_SECONDS for the whole call and
 *    redirects not followed.
 * 3. Settle: 2xx = `sent`; otherwise a retry at now + the outbox's back-off (30 s, 2 min, 10 min, 1 h,
 *    3 h, then every 6 h, plus up to 10 % jitter), or `failed` after WEBHOOK_MAX_ATTEMPTS attempts,
 *    with the last status and error kept; at once for a delivery that cannot succeed (subscription
 *    deleted or switched off, event gone, the scope unit now among the case's accused). The settling
 *    update applies only while the row still holds this worker's lease (the fencing token).
 *
 * Delivery is at least once (a worker that dies after the receiver accepted but before settling
 * leaves the lease to expire, and the row is sent again, with the same X-Xinfang-Delivery id, on
 * which receivers dedupe). Order is not guaranteed, not even per subscription or per case: a failing
 * delivery waits for its back-off while later events of the same case go out; a receiver orders by
 * `event.seq` per case (`case.number`) and may fetch the case's current state when it sees a gap.
 */
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { AppContext } from '../services/context.js';
import { caseEvents, cases, orgUnits, webhookDeliveries, webhookSubscriptions } from '../store/schema.js';
import { backoffDelayMs } from './outbox-worker.js';
import { buildWebhookPayload } from '../services/webhooks/payload.js';
import { postWebhook, type WebhookOutcome } from '../services/webhooks/post-webhook.js';
import { normalizePublicBaseUrl, PUBLIC_BASE_URL, readSetting } from '../services/settings.js';

/** How many sends run at once within one batch. */
const CONCURRENCY = 8;
/** How many batches one run takes at most (a run is bounded even when rows keep arriving). */
const MAX_BATCHES_PER_RUN = 50;

/** Given the config, returns how long a claim lasts: long enough for a whole batch to be sent, with margin. */
export function webhookLeaseMs(ctx: AppContext): number {
  const timeout = ctx.config.WEBHOOK_TIMEOUT_SECONDS * 1000;
  return Math.max(120_000, (Math.ceil(ctx.config.WEBHOOK_BATCH_SIZE / CONCURRENCY) + 2) * timeout * 2);
}

export interface WebhookRunResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
}

type Claimed = typeof webhookDeliveries.$inferSelect;
type Outcome = 'sent' | 'retried' | 'failed';

/** Given the app, claims up to `limit` due deliveries with a lease and returns them (one short transaction). */
export async function claimDueWebhooks(ctx: AppContext, limit = ctx.config.WEBHOOK_BATCH_SIZE): Promise<Claimed[]> {
  const now = ctx.now();
  const leaseUntil = new Date(now.getTime() + webhookLeaseMs(ctx));
  return ctx.db.transaction(async (tx) => {
    const due = await tx
      .select({ region: webhookDeliveries.region, id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, now), or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, now))))
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    if (due.length === 0) return [];
    const byRegion = new Map<string, string[]>();
    for (const d of due) byRegion.set(d.region, [...(byRegion.get(d.region) ?? []), d.id]);
    const claimed: Claimed[] = [];
    for (const [region, ids] of byRegion) {
      claimed.push(
        ...(await tx
          .update(webhookDeliveries)
          .set({ leaseUntil, attempts: sql`${webhookDeliveries.attempts} + 1` })
          .where(and(eq(webhookDeliveries.region, region), inArray(webhookDeliveries.id, ids)))
          .returning()),
      );
    }
    return claimed;
  });
}

/** Given the app, sends everything due now (claim, send, settle, until nothing due is left) and returns the counts. */
export async function runWebhooksOnce(ctx: AppContext): Promise<WebhookRunResult> {
  const result: WebhookRunResult = { claimed: 0, sent: 0, retried: 0, failed: 0 };
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    const batch = await claimDueWebhooks(ctx);
    if (batch.length === 0) break;
    result.claimed += batch.length;
    const facts = await loadFacts(ctx, batch);
    let next = 0;
    const lanes = Array.from({ length: Math.min(CONCURRENCY, batch.length) }, async () => {
      while (next < batch.length) {
        const row = batch[next++]!;
        result[await sendOne(ctx, row, facts)]++;
      }
    });
    await Promise.all(lanes);
    if (batch.length < ctx.config.WEBHOOK_BATCH_SIZE) break;
  }
  return result;
}

type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

interface Facts {
  subs: Map<string, SubscriptionRow & { livePath: string | null }>;
  cases: Map<string, { id: string; number: string; state: string; categoryCode: string | null; nextDueAt: Date | null; accusedUnitPaths: string[]; leadUnit: { id: string; name: string } | null }>;
  events: Map<string, { seq: number; type: string; at: Date; data: unknown }>;
  baseUrl: string | null;
}

const key = (...parts: Array<string | number>) => parts.join('|');

/** Given a batch, returns its subscriptions, cases (with lead unit) and events, each read once. */
async function loadFacts(ctx: AppContext, batch: Claimed[]): Promise<Facts> {
  const subIds = [...new Set(batch.map((r) => r.subscriptionId))];
  const subRows = await ctx.db
    .select({ sub: webhookSubscriptions, livePath: orgUnits.path })
    .from(webhookSubscriptions)
    .leftJoin(orgUnits, eq(orgUnits.id, webhookSubscriptions.scopeUnitId))
    .where(inArray(webhookSubscriptions.id, subIds));
  const facts: Facts = {
    subs: new Map(subRows.map((r) => [r.sub.id, { ...r.sub, livePath: r.livePath }])),
    cases: new Map(),
    events: new Map(),
    baseUrl: normalizePublicBaseUrl(await readSetting<string>(ctx.db, PUBLIC_BASE_URL)),
  };
  const byRegion = new Map<string, Claimed[]>();
  for (const r of batch) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r]);
  for (const [region, rows] of byRegion) {
    const caseIds = [...new Set(rows.map((r) => r.caseId))];
    const caseRows = await ctx.db
      .select({
        id: cases.id,
        number: cases.number,
        state: cases.state,
        categoryCode: cases.categoryCode,
        nextDueAt: cases.nextDueAt,
        accusedUnitPaths: cases.accusedUnitPaths,
        leadUnitId: cases.leadUnitId,
        leadUnitName: orgUnits.name,
      })
      .from(cases)
      .leftJoin(orgUnits, eq(orgUnits.id, cases.leadUnitId))
      .where(and(eq(cases.region, region), inArray(cases.id, caseIds)));
    for (const c of caseRows) {
      facts.cases.set(key(region, c.id), {
        ...c,
        leadUnit: c.leadUnitId ? { id: c.leadUnitId, name: c.leadUnitName ?? '' } : null,
      });
    }
    const wanted = rows.map((r) => sql`(${r.caseId}::uuid, ${r.eventSeq}::int)`);
    const eventRows = await ctx.db
      .select({ caseId: caseEvents.caseId, seq: caseEvents.seq, type: caseEvents.type, at: caseEvents.at, data: caseEvents.data })
      .from(caseEvents)
      .where(and(eq(caseEvents.region, region), sql`(${caseEvents.caseId}, ${caseEvents.seq}) in (${sql.join(wanted, sql`, `)})`));
    for (const e of eventRows) facts.events.set(key(region, e.caseId, e.seq), e);
  }
  return facts;
}

/** Given a claimed delivery and the batch's facts, sends it and records the outcome. */
async function sendOne(ctx: AppContext, row: Claimed, facts: Facts): Promise<Outcome> {
  const sub = facts.subs.get(row.subscriptionId);
  const c = facts.cases.get(key(row.region, row.caseId));
  const event = facts.events.get(key(row.region, row.caseId, row.eventSeq));
  let outcome: WebhookOutcome;
  let permanent = false;
  if (!sub) [outcome, permanent] = [refused('subscription deleted'), true];
  else if (!sub.active) [outcome, permanent] = [refused('subscription switched off'), true];
  else if (!c || !event) [outcome, permanent] = [refused('case event not found'), true];
  // Art. 30, checked again at send time: nothing reaches a system inside an accused unit.
  else if (c.accusedUnitPaths.some((p) => (sub.livePath ?? sub.scopePath).startsWith(p))) [outcome, permanent] = [refused('withheld: the scope unit is accused in this case'), true];
  else {
    let secret: string | null = null;
    try {
      secret = ctx.cipher.decrypt(sub.secretEnc);
    } catch {
      [outcome, permanent] = [refused('secret cannot be decrypted (master key changed?)'), true];
    }
    if (secret !== null) {
      const body = buildWebhookPayload({ deliveryId: row.id, caseRow: c, leadUnit: c.leadUnit, event, baseUrl: facts.baseUrl });
      outcome = await postWebhook({ url: sub.url, secret, eventType: event.type, deliveryId: row.id, body, now: ctx.now(), timeoutMs: ctx.config.WEBHOOK_TIMEOUT_SECONDS * 1000 });
    }
  }
  return settle(ctx, row, outcome!, permanent);
}

const refused = (error: string): WebhookOutcome => ({ ok: false, status: null, error, durationMs: 0 });

/** Given a claimed delivery and how its attempt went, records sent / retry / failed while the lease is still this worker's. */
async function settle(ctx: AppContext, row: Claimed, o: WebhookOutcome, permanent: boolean): Promise<Outcome> {
  const now = ctx.now();
  const mine = and(
    eq(webhookDeliveries.region, row.region),
    eq(webhookDeliveries.id, row.id),
    eq(webhookDeliveries.status, 'pending'),
    eq(webhookDeliveries.leaseUntil, row.leaseUntil!),
  );
  let outcome: Outcome;
  let settled: unknown[];
  const log = { deliveryId: row.id, subscriptionId: row.subscriptionId, attempts: row.attempts, status: o.status, error: o.error };
  if (o.ok) {
    outcome = 'sent';
    settled = await ctx.db
      .update(webhookDeliveries)
      .set({ status: 'sent', sentAt: now, leaseUntil: null, lastStatus: o.status, lastError: null })
      .where(mine)
      .returning({ id: webhookDeliveries.id });
  } else if (permanent || row.attempts >= ctx.config.WEBHOOK_MAX_ATTEMPTS) {
    outcome = 'failed';
    settled = await ctx.db
      .update(webhookDeliveries)
      .set({ status: 'failed', leaseUntil: null, lastStatus: o.status, lastError: o.error })
      .where(mine)
      .returning({ id: webhookDeliveries.id });
    ctx.logger.warn(log, 'webhook delivery given up');
  } else {
    outcome = 'retried';
    const next = new Date(now.getTime() + backoffDelayMs(row.attempts));
    settled = await ctx.db
      .update(webhookDeliveries)
      .set({ nextAttemptAt: next, leaseUntil: null, lastStatus: o.status, lastError: o.error })
      .where(mine)
      .returning({ id: webhookDeliveries.id });
    ctx.logger.info({ ...log, next }, 'webhook delivery will be retried');
  }
  if (settled.length === 0) ctx.logger.warn({ deliveryId: row.id }, 'webhook lease lost before settling; the newer claim decides');
  return outcome;
}

/**
 * Given the app, polls for due deliveries every WEBHOOK_POLL_SECONDS (one run at a time); returns a
 * function that stops polling and resolves when the run in progress has finished.
 */
export function startWebhookWorker(ctx: AppContext): () => Promise<void> {
  let current: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (current || stopped) return;
    current = runWebhooksOnce(ctx)
      .then((r) => {
        if (r.claimed) ctx.logger.info(r, 'webhook run');
      })
      .catch((err) => ctx.logger.warn({ err }, 'webhook run failed; will retry'))
      .finally(() => {
        current = null;
      });
  };
  const timer = setInterval(tick, ctx.config.WEBHOOK_POLL_SECONDS * 1000);
  timer.unref();
  tick();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await current;
  };
}
