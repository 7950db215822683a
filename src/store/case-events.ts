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
  // One statement, one round trip: the events, the head on the case row, the case queued for the
  // cockpit's rollups, and a delivery for each webhook subscription that selects an event (its types,
  // or all when it lists none) and whose scope unit's path is a prefix of one of the case's unit paths
  // — owner, lead, assisting as this transaction left them, plus those before it (`unitPathsBefore`,
  // so a unit losing the case on redispatch still hears of it) — unless the scope unit lies inside a
  // unit the case accuses (Art. 30: the accused never learns of the accusation). The scope unit's path
  // is read live from org_units, so moving a unit moves its subscriptions' scope with it; with no
  // subscriptions that part reads an empty table.
  const rows = sql.join(
    stored.map(
      (s) =>
        sql`(${head.region}, ${s.caseId}::uuid, ${s.seq}::int, ${s.type}, ${s.actorId}::uuid, ${s.actorRole}, ${iso}::timestamptz, ${JSON.stringify(s.data)}::jsonb, ${s.prevHash}, ${s.hash})`,
    ),
    sql`, `,
  );
  const hooked = stored.filter((e) => isWebhookEventType(e.type));
  const before = head.unitPathsBefore?.length ? sql`array[${sql.join(head.unitPathsBefore.map((p) => sql`${p}::text`), sql`, `)}]` : sql`'{}'::text[]`;
  const webhooks = hooked.length
    ? sql`, queued as (
        insert into webhook_deliveries (region, subscription_id, case_id, event_seq, event_type, next_attempt_at, created_at)
        select ${head.region}, s.id, ${head.caseId}::uuid, e.seq, e.type, ${iso}::timestamptz, ${iso}::timestamptz
          from head h
         cross join webhook_subscriptions s
          join org_units u on u.id = s.scope_unit_id
         cross join (values ${sql.join(
           hooked.map((e) => sql`(${e.seq}::int, ${e.type}::text)`),
           sql`, `,
         )}) as e(seq, type)
         where s.active
           and (cardinality(s.event_types) = 0 or e.type = any(s.event_types))
           and exists (select 1 from unnest(h.unit_paths || ${before}) as p(path) where starts_with(p.path, u.path))
           and not exists (select 1 from unnest(h.accused_unit_paths) as a(path) where starts_with(u.path, a.path))
        on conflict do nothing)`
    : sql``;
  await tx.execute(sql`
    with appended as (
      insert into ${caseEvents} (region, case_id, seq, type, actor_id, actor_role, at, data, prev_hash, hash) values ${rows}),
    head as (
      update ${cases} set event_count = ${seq}, head_hash = ${prev}
       where region = ${head.region} and id = ${head.caseId}::uuid
      returning unit_paths, accused_unit_paths),
    rolled as (
      insert into ${rollupQueue} (region, case_id) values (${head.region}, ${head.caseId}::uuid))${webhooks}
    select 1`);
  return stored;
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

