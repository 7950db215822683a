/**
 * Appending to a case's event log: every event carries the hash of the one before it, and the
 * case row keeps the head, all in the caller's transaction (ARCHITECTURE.md: state and events
 * in one transaction, hash-chained per case).
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Tx, Queryable } from './database.js';
import { caseEvents, cases, rollupQueue } from './schema.js';
import { hashEvent } from '../domain/audit/hash-chain.js';
import { isWebhookEventType } from '../services/webhooks/event-types.js';

export interface NewEvent {
  type: string;
  data: Record<string, unknown>;
  actorId: string | null;
  actorRole: string | null;
}

export interface StoredEvent {
  caseId: string;
  seq: number;
  type: string;
  actorId: string | null;
  actorRole: string | null;
  at: string;
  data: Record<string, unknown>;
  prevHash: string | null;
  hash: string;
}

/**
 * Given the case's current head (count + hash, read under the row lock) and new events, returns the
 * stored events after inserting them and moving the head on the case row. A caller that changed the
 * case's units in this transaction passes the paths it had before (`unitPathsBefore`), so the units
 * that just lost the case (redispatch, escalation) are told of it too.
 */
export async function appendCaseEvents(
  tx: Tx,
  head: { region: string; caseId: string; count: number; headHash: string | null; unitPathsBefore?: readonly string[] },
  events: NewEvent[],
  at: Date,
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  let prev = head.headHash;
  let seq = head.count;
  const iso = at.toISOString();
  const stored: StoredEvent[] = [];
  for (const e of events) {
    seq += 1;
    // jsonb normalises data; hash what a later reader gets back, so round-trip it first.
    const data = JSON.parse(JSON.stringify(e.data)) as Record<string, unknown>;
    const hash = hashEvent(prev, { caseId: head.caseId, seq, type: e.type, actorId: e.actorId, at: iso, data });
    stored.push({ caseId: head.caseId, seq, type: e.type, actorId: e.actorId, actorRole: e.actorRole, at: iso, data, prevHash: prev, hash });
    prev = hash;
  }
  await tx.insert(caseEvents).values(
    stored.map((s) => ({
      region: head.region,
      caseId: s.caseId,
      seq: s.seq,
      type: s.type,
      actorId: s.actorId,
      actorRole: s.actorRole,
      at,
      data: s.data,
      prevHash: s.prevHash,
      hash: s.hash,
    })),
  );
  const [paths] = await tx
    .update(cases)
    .set({ eventCount: seq, headHash: prev })
    .where(and(eq(cases.region, head.region), eq(cases.id, head.caseId)))
    .returning({ unitPaths: cases.unitPaths, accusedUnitPaths: cases.accusedUnitPaths });
  // the cockpit's rollups follow the event stream: the case is queued in the same transaction
  await tx.insert(rollupQueue).values({ region: head.region, caseId: head.caseId });
  // signed webhooks follow the event stream too: deliveries are queued in the same transaction
  if (paths) {
    const unitPaths = [...new Set([...(head.unitPathsBefore ?? []), ...paths.unitPaths])];
    await queueWebhookDeliveries(tx, head.region, head.caseId, { unitPaths, accusedUnitPaths: paths.accusedUnitPaths }, stored, at);
  }
  return stored;
}

/**
 * Given new events of a case and its unit paths before and after this transaction's change (owner,
 * lead, assisting: the union, so a unit losing the case on redispatch still hears of it; accused as
 * the transaction left them), queues one webhook delivery per active subscription and event that it
 * selects (its types, or all when it lists none) when one of the case's unit paths lies under the
 * subscription's scope unit, and none when the scope unit lies inside a unit the case accuses
 * (Art. 30: the accused never learns of the accusation). One statement over the subscriptions
 * alone (the case's paths come as parameters, prefix tests spelled out): with no subscriptions it
 * reads an empty table. The scope unit's path is read live from org_units (one key lookup per
 * subscription), so moving a unit in the org tree moves its subscriptions' scope with it.
 */
async function queueWebhookDeliveries(
  tx: Tx,
  region: string,
  caseId: string,
  paths: { unitPaths: string[]; accusedUnitPaths: string[] },
  stored: StoredEvent[],
  at: Date,
): Promise<void> {
  const events = stored.filter((e) => isWebhookEventType(e.type));
  if (events.length === 0 || paths.unitPaths.length === 0) return;
  const values = sql.join(
    events.map((e) => sql`(${e.seq}::int, ${e.type}::text)`),
    sql`, `,
  );
  const inScope = sql.join(
    paths.unitPaths.map((p) => sql`starts_with(${p}::text, u.path)`),
    sql` or `,
  );
  const accused = paths.accusedUnitPaths.length
    ? sql`and not (${sql.join(
        paths.accusedUnitPaths.map((p) => sql`starts_with(u.path, ${p}::text)`),
        sql` or `,
      )})`
    : sql``;
  const when = at.toISOString();
  await tx.execute(sql`
    insert into webhook_deliveries (region, subscription_id, case_id, event_seq, event_type, next_attempt_at, created_at)
    select ${region}, s.id, ${caseId}::uuid, e.seq, e.type, ${when}::timestamptz, ${when}::timestamptz
    from webhook_subscriptions s
    join org_units u on u.id = s.scope_unit_id
    cross join (values ${values}) as e(seq, type)
    where s.active
      and (cardinality(s.event_types) = 0 or e.type = any(s.event_types))
      and (${inScope}) ${accused}
    on conflict do nothing`);
}

/** Given a case, returns its events in order (the timeline and the verifier both read this). */
export async function listCaseEvents(q: Queryable, region: string, caseId: string): Promise<StoredEvent[]> {
  const rows = await q
    .select()
    .from(caseEvents)
    .where(and(eq(caseEvents.region, region), eq(caseEvents.caseId, caseId)))
    .orderBy(asc(caseEvents.seq));
  return rows.map(toStoredEvent);
}

/** Given a row of case_events, returns it in the shape the hash chain was computed over. */
export function toStoredEvent(r: typeof caseEvents.$inferSelect): StoredEvent {
  return {
    caseId: r.caseId,
    seq: r.seq,
    type: r.type,
    actorId: r.actorId,
    actorRole: r.actorRole,
    at: r.at.toISOString(),
    data: r.data as Record<string, unknown>,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

