/**
 * Retention of webhook deliveries: one row per event per subscription adds up (a district with a few
 * subscriptions writes tens of thousands a month), and the admin's history needs only the recent
 * ones. Sent deliveries are deleted WEBHOOK_RETAIN_SENT_DAYS (30) after they were sent; given-up ones
 * WEBHOOK_RETAIN_FAILED_DAYS (90) after their last attempt was scheduled (an admin's retry restarts
 * that), so a failure stays visible long enough to be noticed. Pending rows are never touched.
 * Deleted in small batches, each its own short statement, so neither PGlite's single connection nor
 * a PostgreSQL table lock is held for long. Run hourly by the webhook worker.
 */
import { sql } from 'drizzle-orm';
import type { AppContext } from '../services/context.js';
import { webhookDeliveries } from '../store/schema.js';

/** Rows deleted per statement. */
const BATCH = 500;
/** Statements per sweep at most (a sweep is bounded; the next one takes the rest). */
const MAX_BATCHES = 200;
const DAY_MS = 86_400_000;

/** Given the app, deletes the deliveries past their retention and returns how many went. */
export async function sweepWebhookDeliveries(ctx: AppContext, opts: { batch?: number; stopping?: () => boolean } = {}): Promise<{ deleted: number }> {
  const now = ctx.now().getTime();
  const sentBefore = new Date(now - ctx.config.WEBHOOK_RETAIN_SENT_DAYS * DAY_MS).toISOString();
  const failedBefore = new Date(now - ctx.config.WEBHOOK_RETAIN_FAILED_DAYS * DAY_MS).toISOString();
  const batch = opts.batch ?? BATCH;
  let deleted = 0;
  for (let i = 0; i < MAX_BATCHES && !opts.stopping?.(); i++) {
    const gone = await ctx.db
      .delete(webhookDeliveries)
      .where(
        sql`(${webhookDeliveries.region}, ${webhookDeliveries.id}) in (
          select region, id from webhook_deliveries
          where (status = 'sent' and sent_at < ${sentBefore}::timestamptz)
             or (status = 'failed' and greatest(created_at, next_attempt_at) < ${failedBefore}::timestamptz)
          limit ${batch})`,
      )
      .returning({ id: webhookDeliveries.id });
    deleted += gone.length;
    if (gone.length < batch) break;
  }
  return { deleted };
}
