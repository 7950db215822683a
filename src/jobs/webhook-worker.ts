/**
 * The webhook worker: sends the signed deliveries appendCaseEvents queued, after their transaction
 * committed, and never inside one. It follows the outbox worker (src/jobs/outbox-worker.ts):
 *
 * 1. Claim: a short transaction takes due rows (`pending`, next_attempt_at ≤ now, no live lease)
 *    FOR UPDATE SKIP LOCKED, sets their lease and counts the attempt: two app instances on one
 *    PostgreSQL never claim one row.
 * 2. Build and send, outside any transaction, a few at a time: the payload is built at send time from
 *    the stored event and the case as that event left it, replayed from the append-only log
 *    (caseAsOfEvent in src/services/webhooks/payload.ts: state, category, lead unit; the next due
 *    date only when the event is still the case's latest, else null), so a late retry never carries
 *    what happened after its event. Signed with the subscription's current secret, POSTed with
 *    WEBHOOK_TIMEOUT_SECONDS for the whole call, redirects not followed, and only to an address the
 *    address policy permits (src/services/webhooks/address-policy.ts; WEBHOOK_ALLOWED_HOSTS).
 * 3. Settle: 2xx = `sent`; otherwise a retry at now + the outbox's back-off (30 s, 2 min, 10 min, 1 h,
 *    3 h, then every 6 h, plus up to 10 % jitter), or `failed` after WEBHOOK_MAX_ATTEMPTS attempts,
 *    with the last status and error kept; at once for a delivery that cannot succeed (subscription
 *    deleted or switched off, event gone, the scope unit now among the case's accused). The settling
 *    update applies only while the row still holds this worker's lease (the fencing token); a late
 *    settle after the lease expired and another worker claimed the row changes nothing (`lost`).
 *    last_error is a stable code (WebhookErrorCode: `http_status:500`, `timeout`, `redirect`,
 *    `network`, `blocked_address`, `subscription_off`, `scope_accused` …), shown in zh-CN by the web app.
 * 4. Now and then (hourly) old deliveries are swept (sweep-webhook-deliveries.ts).
 *
 * Leases are judged by the app clock (ctx.now), as in the outbox: app instances whose clocks differ
 * by more than the lease margin could claim one row twice — at least once either way.
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
import { sweepWebhookDeliveries } from './sweep-webhook-deliveries.js';
import { addressPolicyFor } from '../services/webhooks/address-policy.js';
import { buildWebhookPayload, caseAsOfEvent } from '../services/webhooks/payload.js';
import { postWebhook, type WebhookErrorCode, type WebhookOutcome } from '../services/webhooks/post-webhook.js';
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
  /** settles refused because the lease had passed to another claim (that claim decides) */
  lost: number;
}

type Claimed = typeof webhookDeliveries.$inferSelect;
type Outcome = 'sent' | 'retried' | 'failed' | 'lost';

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

/**
 * Given the app, sends everything due now (claim, send, settle, until nothing due is left or
 * `stopping()` says so) and returns the counts. A failing send (its settle hit a database error)
 * does not abandon the others of its batch: every lane runs to its end, then the first failure is
 * thrown (the rows it held are claimed again when their lease expires).
 */
export async function runWebhooksOnce(ctx: AppContext, opts: { stopping?: () => boolean } = {}): Promise<WebhookRunResult> {
  const result: WebhookRunResult = { claimed: 0, sent: 0, retried: 0, failed: 0, lost: 0 };
  for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
    if (opts.stopping?.()) break;
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
    const failures = (await Promise.allSettled(lanes)).filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length) throw failures[0]!.reason;
    if (batch.length < ctx.config.WEBHOOK_BATCH_SIZE) break;
  }
  return result;
}

type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

interface Facts {
  subs: Map<string, SubscriptionRow & { livePath: string | null }>;
  cases: Map<string, { id: string; number: string; state: string; categoryCode: string | null; nextDueAt: Date | null; eventCount: number; accusedUnitPaths: string[] }>;
  /** each case's events up to the latest seq the batch needs, for the payload's as-of-event facts */
  events: Map<string, Array<{ seq: number; type: string; at: Date; data: unknown }>>;
  unitNames: Map<string, string>;
  baseUrl: string | null;
}

const key = (...parts: Array<string | number>) => parts.join('|');

/** Given a batch, returns its subscriptions, cases, their events (up to the batch's latest seq) and unit names, each read once. */
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
    unitNames: new Map(),
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
        eventCount: cases.eventCount,
        accusedUnitPaths: cases.accusedUnitPaths,
      })
      .from(cases)
      .where(and(eq(cases.region, region), inArray(cases.id, caseIds)));
    for (const c of caseRows) facts.cases.set(key(region, c.id), c);
    const maxSeq = Math.max(...rows.map((r) => r.eventSeq));
    const eventRows = await ctx.db
      .select({ caseId: caseEvents.caseId, seq: caseEvents.seq, type: caseEvents.type, at: caseEvents.at, data: caseEvents.data })
      .from(caseEvents)
      .where(and(eq(caseEvents.region, region), inArray(caseEvents.caseId, caseIds), lte(caseEvents.seq, maxSeq)));
    for (const e of eventRows) {
      const k = key(region, e.caseId);
      facts.events.set(k, [...(facts.events.get(k) ?? []), e]);
    }
  }
  const unitIds = new Set<string>();
  for (const list of facts.events.values()) {
    for (const e of list) {
      const d = (e.data ?? {}) as Record<string, unknown>;
      for (const v of [d.leadUnitId, d.toUnitId]) if (typeof v === 'string' && /^[0-9a-f-]{36}$/i.test(v)) unitIds.add(v);
    }
  }
  if (unitIds.size) {
    const units = await ctx.db.select({ id: orgUnits.id, name: orgUnits.name }).from(orgUnits).where(inArray(orgUnits.id, [...unitIds]));
    for (const u of units) facts.unitNames.set(u.id, u.name);
  }
  return facts;
}

/** Given a claimed delivery and the batch's facts, sends it and records the outcome. */
async function sendOne(ctx: AppContext, row: Claimed, facts: Facts): Promise<Outcome> {
  const sub = facts.subs.get(row.subscriptionId);
  const c = facts.cases.get(key(row.region, row.caseId));
  const history = facts.events.get(key(row.region, row.caseId)) ?? [];
  const event = history.find((e) => e.seq === row.eventSeq);
  let outcome: WebhookOutcome;
  let permanent = false;
  if (!sub) [outcome, permanent] = [refused('subscription_deleted'), true];
  else if (!sub.active) [outcome, permanent] = [refused('subscription_off'), true];
  else if (!c || !event) [outcome, permanent] = [refused('event_not_found'), true];
  // Art. 30, checked again at send time against the case's accusations as they are now (one may
  // have been added since queueing): nothing reaches a system inside an accused unit.
  else if (c.accusedUnitPaths.some((p) => (sub.livePath ?? sub.scopePath).startsWith(p))) [outcome, permanent] = [refused('scope_accused'), true];
  else {
    let secret: string | null = null;
    try {
      secret = ctx.cipher.decrypt(sub.secretEnc);
    } catch {
      [outcome, permanent] = [refused('secret_unreadable'), true];
    }
    if (secret !== null) {
      const asOf = caseAsOfEvent(history, row.eventSeq);
      const caseRow = { id: c.id, number: c.number, state: asOf.state, categoryCode: asOf.categoryCode ?? c.categoryCode, nextDueAt: row.eventSeq === c.eventCount ? c.nextDueAt : null };
      const leadUnit = asOf.leadUnitId ? { id: asOf.leadUnitId, name: facts.unitNames.get(asOf.leadUnitId) ?? '' } : null;
      const body = buildWebhookPayload({ deliveryId: row.id, caseRow, leadUnit, event, baseUrl: facts.baseUrl });
      outcome = await postWebhook({
        url: sub.url,
        secret,
        eventType: event.type,
        deliveryId: row.id,
        body,
        now: ctx.now(),
        timeoutMs: ctx.config.WEBHOOK_TIMEOUT_SECONDS * 1000,
        policy: addressPolicyFor(ctx.config.WEBHOOK_ALLOWED_HOSTS),
      });
    }
  }
  return settle(ctx, row, outcome!, permanent);
}

const refused = (error: WebhookErrorCode): WebhookOutcome => ({ ok: false, status: null, error, durationMs: 0 });

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
  if (settled.length === 0) {
    ctx.logger.warn({ deliveryId: row.id }, 'webhook lease lost before settling; the newer claim decides');
    return 'lost';
  }
  return outcome;
}

/** How often old deliveries are swept. */
const SWEEP_EVERY_MS = 3_600_000;

/**
 * Given the app, polls for due deliveries every WEBHOOK_POLL_SECONDS (one run at a time) and sweeps
 * old ones hourly; returns a function that stops polling, lets the run in progress finish the sends
 * it has started (claiming no new batch) and resolves when they are settled.
 */
export function startWebhookWorker(ctx: AppContext): () => Promise<void> {
  let current: Promise<void> | null = null;
  let stopped = false;
  let lastSweep = -Infinity;
  const tick = () => {
    if (current || stopped) return;
    current = runWebhooksOnce(ctx, { stopping: () => stopped })
      .then(async (r) => {
        if (r.claimed) ctx.logger.info(r, 'webhook run');
        const now = ctx.now().getTime();
        if (!stopped && now - lastSweep >= SWEEP_EVERY_MS) {
          lastSweep = now;
          const swept = await sweepWebhookDeliveries(ctx, { stopping: () => stopped });
          if (swept.deleted) ctx.logger.info(swept, 'webhook deliveries swept');
        }
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
