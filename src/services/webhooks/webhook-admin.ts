/**
 * Administering webhook subscriptions: which case events of which unit's subtree go to which other
 * government system. The admin's scope bounds what he may see and touch (the subscription's scope
 * unit must lie in it). The signing secret is random (32 bytes), stored encrypted, and shown once,
 * when created or rotated; lists never carry it. Every change, rotation, retry and ping is audited
 * (without the secret).
 */
import crypto, { randomUUID } from 'node:crypto';
import net from 'node:net';
import { and, desc, eq, sql } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import type { Queryable } from '../../store/database.js';
import { findUnit } from '../../store/org-repository.js';
import { cases, orgUnits, webhookDeliveries, webhookSubscriptions } from '../../store/schema.js';
import { writeAudit } from '../audit-log.js';
import type { AppContext, StaffActor } from '../context.js';
import { assertUnitInScope, subtreePattern } from '../org-admin.js';
import { addressPolicyFor, type AddressPolicy } from './address-policy.js';
import { isWebhookEventType } from './event-types.js';
import { postWebhook, type WebhookOutcome } from './post-webhook.js';

type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

export interface NewSubscription {
  name: string;
  url: string;
  eventTypes?: string[];
  scopeUnitId: string;
  active?: boolean;
}

export type SubscriptionPatch = Partial<NewSubscription>;

/** Given a subscription and its scope unit's name, returns what the admin screens show (never the secret). */
export function presentSubscription(s: SubscriptionRow, scopeUnitName: string | null) {
  return {
    id: s.id,
    name: s.name,
    url: s.url,
    eventTypes: s.eventTypes,
    scopeUnitId: s.scopeUnitId,
    scopeUnitName,
    active: s.active,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
export type PresentedSubscription = ReturnType<typeof presentSubscription>;

/** Returns a new signing secret: 32 random bytes, hex, with a prefix that says what it is. */
export const newWebhookSecret = () => `whsec_${crypto.randomBytes(32).toString('hex')}`;

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Given the URL typed, whether plain http may leave the machine and the address policy, returns it
 * normalised or throws WEBHOOK_URL_INVALID: http(s) only, no user or password in it, no fragment;
 * plain http only to loopback unless WEBHOOK_ALLOW_HTTP (a government intranet without TLS); or
 * WEBHOOK_ADDRESS_BLOCKED for an address literal (or localhost) in a private or special range that
 * WEBHOOK_ALLOWED_HOSTS does not permit. A host name is checked again, on what it resolves to, at
 * every send (post-webhook.ts).
 */
export function normalizeWebhookUrl(raw: string, allowHttp: boolean, policy: AddressPolicy = addressPolicyFor([])): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new AppError('WEBHOOK_URL_INVALID', { path: 'url', reason: 'not_a_url' });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new AppError('WEBHOOK_URL_INVALID', { path: 'url', reason: 'scheme' });
  if (u.username || u.password) throw new AppError('WEBHOOK_URL_INVALID', { path: 'url', reason: 'credentials_in_url' });
  if (!u.hostname) throw new AppError('WEBHOOK_URL_INVALID', { path: 'url', reason: 'no_host' });
  if (u.protocol === 'http:' && !allowHttp && !LOOPBACK.test(u.hostname)) throw new AppError('WEBHOOK_URL_INVALID', { path: 'url', reason: 'http_not_allowed' });
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const literal = net.isIP(host) ? host : host === 'localhost' || host.endsWith('.localhost') ? '127.0.0.1' : null;
  if (literal && !policy.permits(host, literal)) throw new AppError('WEBHOOK_ADDRESS_BLOCKED', { path: 'url' });
  u.hash = '';
  return u.toString();
}

/** Given a webhook URL, returns it fit for the audit log: no query string (it may carry a token) and no user or password. */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return '';
  }
}

/** Given two lists of event types, returns whether they select the same events (order and repeats aside). */
const sameTypes = (a: readonly string[], b: readonly string[]) => {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((t, i) => t === y[i]);
};

/** Given the app, returns its webhook address policy. */
const policyOf = (ctx: AppContext) => addressPolicyFor(ctx.config.WEBHOOK_ALLOWED_HOSTS);

/** Given the event types typed, returns them deduplicated, or throws WEBHOOK_EVENT_TYPE_UNKNOWN naming the unknown ones. */
function checkEventTypes(types: readonly string[]): string[] {
  const unknown = types.filter((t) => !isWebhookEventType(t));
  if (unknown.length) throw new AppError('WEBHOOK_EVENT_TYPE_UNKNOWN', { path: 'eventTypes', unknown });
  return [...new Set(types)];
}

/** Given an admin and a unit id, returns the active unit after checking it lies in his scope. */
async function scopeUnitFor(q: Queryable, actor: StaffActor, unitId: string) {
  const unit = await findUnit(q, unitId);
  if (!unit || !unit.active) throw new AppError('UNIT_NOT_FOUND', { path: 'scopeUnitId', unitId });
  assertUnitInScope(actor, unit, 'scopeUnitId');
  return unit;
}

/**
 * Given an admin and a subscription id, returns it with its scope unit's name and current path, or
 * WEBHOOK_NOT_FOUND when missing or outside his scope.
 */
async function loadManageable(q: Queryable, actor: StaffActor, id: string): Promise<{ sub: SubscriptionRow; unitName: string | null; scopePath: string }> {
  const [row] = await q
    .select({ sub: webhookSubscriptions, unitName: orgUnits.name, path: orgUnits.path })
    .from(webhookSubscriptions)
    .leftJoin(orgUnits, eq(orgUnits.id, webhookSubscriptions.scopeUnitId))
    .where(eq(webhookSubscriptions.id, id))
    .limit(1);
  // "missing" and "not yours" alike, so scope does not leak that a subscription exists
  if (!row || !(row.path ?? row.sub.scopePath).startsWith(actor.scopePath)) throw new AppError('WEBHOOK_NOT_FOUND', { path: 'id' });
  return { sub: row.sub, unitName: row.unitName, scopePath: row.path ?? row.sub.scopePath };
}

/** Given an admin, returns the subscriptions whose scope unit lies in his scope, oldest first. */
export async function listSubscriptionsForAdmin(ctx: AppContext, actor: StaffActor): Promise<PresentedSubscription[]> {
  const rows = await ctx.db
    .select({ sub: webhookSubscriptions, unitName: orgUnits.name })
    .from(webhookSubscriptions)
    .leftJoin(orgUnits, eq(orgUnits.id, webhookSubscriptions.scopeUnitId))
    .where(sql`coalesce(${orgUnits.path}, ${webhookSubscriptions.scopePath}) like ${subtreePattern(actor.scopePath)}`)
    .orderBy(webhookSubscriptions.createdAt, webhookSubscriptions.id);
  return rows.map((r) => presentSubscription(r.sub, r.unitName));
}

/** Given an admin and a new subscription, stores it with a fresh secret and returns it with the secret (shown this once). */
export async function createSubscriptionAsAdmin(ctx: AppContext, actor: StaffActor, input: NewSubscription): Promise<PresentedSubscription & { secret: string }> {
  const url = normalizeWebhookUrl(input.url, ctx.config.WEBHOOK_ALLOW_HTTP, policyOf(ctx));
  const eventTypes = checkEventTypes(input.eventTypes ?? []);
  const secret = newWebhookSecret();
  return ctx.db.transaction(async (tx) => {
    const unit = await scopeUnitFor(tx, actor, input.scopeUnitId);
    const now = ctx.now();
    const [sub] = await tx
      .insert(webhookSubscriptions)
      .values({
        id: randomUUID(),
        name: input.name,
        url,
        secretEnc: ctx.cipher.encrypt(secret),
        eventTypes,
        scopeUnitId: unit.id,
        scopePath: unit.path,
        active: input.active ?? true,
        createdBy: actor.userId,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await writeAudit(
      ctx,
      { actorId: actor.userId, action: 'webhook.created', targetType: 'webhook_subscription', targetId: sub!.id, data: { name: sub!.name, url: redactWebhookUrl(url), eventTypes, scopeUnitId: unit.id, active: sub!.active } },
      tx,
    );
    return { ...presentSubscription(sub!, unit.name), secret };
  });
}

/** Given an admin, a subscription in his scope and changes, applies them and returns it (without the secret). */
export async function updateSubscriptionAsAdmin(ctx: AppContext, actor: StaffActor, id: string, patch: SubscriptionPatch): Promise<PresentedSubscription> {
  const url = patch.url !== undefined ? normalizeWebhookUrl(patch.url, ctx.config.WEBHOOK_ALLOW_HTTP, policyOf(ctx)) : undefined;
  const eventTypes = patch.eventTypes !== undefined ? checkEventTypes(patch.eventTypes) : undefined;
  return ctx.db.transaction(async (tx) => {
    const { sub, unitName } = await loadManageable(tx, actor, id);
    const set: Partial<typeof webhookSubscriptions.$inferInsert> = {};
    const changes: Record<string, unknown> = {};
    let name = unitName;
    if (patch.name !== undefined && patch.name !== sub.name) set.name = changes.name = patch.name;
    if (url !== undefined && url !== sub.url) {
      set.url = url;
      changes.url = { before: redactWebhookUrl(sub.url), after: redactWebhookUrl(url) };
    }
    if (eventTypes !== undefined && !sameTypes(eventTypes, sub.eventTypes)) {
      set.eventTypes = eventTypes;
      changes.eventTypes = { before: sub.eventTypes, after: eventTypes };
    }
    if (patch.scopeUnitId !== undefined && patch.scopeUnitId !== sub.scopeUnitId) {
      const unit = await scopeUnitFor(tx, actor, patch.scopeUnitId);
      set.scopeUnitId = unit.id;
      set.scopePath = unit.path;
      changes.scopeUnitId = { before: sub.scopeUnitId, after: unit.id };
      name = unit.name;
    }
    if (patch.active !== undefined && patch.active !== sub.active) set.active = changes.active = patch.active;
    if (Object.keys(set).length === 0) return presentSubscription(sub, unitName);
    set.updatedAt = ctx.now();
    const [updated] = await tx.update(webhookSubscriptions).set(set).where(eq(webhookSubscriptions.id, id)).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'webhook.updated', targetType: 'webhook_subscription', targetId: id, data: { name: sub.name, changes } }, tx);
    return presentSubscription(updated!, name);
  });
}

/**
 * Given an admin and a subscription in his scope, replaces its secret and returns the new one (shown
 * this once). Deliveries still waiting are signed with the new secret when sent.
 */
export async function rotateSecretAsAdmin(ctx: AppContext, actor: StaffActor, id: string): Promise<PresentedSubscription & { secret: string }> {
  const secret = newWebhookSecret();
  return ctx.db.transaction(async (tx) => {
    const { sub, unitName } = await loadManageable(tx, actor, id);
    const [updated] = await tx.update(webhookSubscriptions).set({ secretEnc: ctx.cipher.encrypt(secret), updatedAt: ctx.now() }).where(eq(webhookSubscriptions.id, id)).returning();
    await writeAudit(ctx, { actorId: actor.userId, action: 'webhook.secret_rotated', targetType: 'webhook_subscription', targetId: id, data: { name: sub.name } }, tx);
    return { ...presentSubscription(updated!, unitName), secret };
  });
}

/** Given a delivery row and its case number, returns what the deliveries table shows. */
function presentDelivery(d: typeof webhookDeliveries.$inferSelect, caseNumber: string | null) {
  return {
    id: d.id,
    caseId: d.caseId,
    caseNumber,
    eventSeq: d.eventSeq,
    eventType: d.eventType,
    status: d.status as 'pending' | 'sent' | 'failed',
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    sentAt: d.sentAt ? d.sentAt.toISOString() : null,
  };
}
export type PresentedDelivery = ReturnType<typeof presentDelivery>;

/**
 * Given a subscription's current scope path, returns the condition that a delivery's case (joined as
 * `cases`) accuses no unit containing it. Art. 30: the history of a subscription is read by the admins
 * of its scope unit and above; a subscription that legitimately received an accusation (the district's)
 * and was later moved onto the accused unit (a street) would otherwise show that unit the accusation's
 * number and events. Such deliveries are left out of its history (no reason shown: a reason would tell),
 * cannot be retried, and are withheld by the worker at send time (last_error `scope_accused`).
 * Chosen over refusing scope changes: moving a subscription stays possible, and what the new scope may
 * not see is judged at each read against the case's accusations as they are then.
 */
const notAccusing = (scopePath: string) =>
  sql`not exists (select 1 from unnest(${cases.accusedUnitPaths}) as a(p) where starts_with(${scopePath}::text, a.p))`;

/** Given an admin, a subscription in his scope and filters, returns its most recent deliveries, newest first (Art. 30: see notAccusing). */
export async function listDeliveriesForAdmin(
  ctx: AppContext,
  actor: StaffActor,
  id: string,
  f: { status?: 'pending' | 'sent' | 'failed'; limit?: number } = {},
): Promise<{ items: PresentedDelivery[] }> {
  const { scopePath } = await loadManageable(ctx.db, actor, id);
  const rows = await ctx.db
    .select({ d: webhookDeliveries, number: cases.number })
    .from(webhookDeliveries)
    .leftJoin(cases, and(eq(cases.region, webhookDeliveries.region), eq(cases.id, webhookDeliveries.caseId)))
    .where(and(eq(webhookDeliveries.subscriptionId, id), f.status ? eq(webhookDeliveries.status, f.status) : undefined, notAccusing(scopePath)))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.eventSeq))
    .limit(f.limit ?? 50);
  return { items: rows.map((r) => presentDelivery(r.d, r.number)) };
}

/** Given an admin, a subscription in his scope and one of its failed deliveries, puts it back in the queue with fresh attempts. */
export async function retryDeliveryAsAdmin(ctx: AppContext, actor: StaffActor, id: string, deliveryId: string): Promise<PresentedDelivery> {
  return ctx.db.transaction(async (tx) => {
    const { sub, scopePath } = await loadManageable(tx, actor, id);
    const mine = and(eq(webhookDeliveries.region, ctx.config.REGION), eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.subscriptionId, id));
    const [found] = await tx
      .select({ d: webhookDeliveries, visible: sql<boolean>`${notAccusing(scopePath)}` })
      .from(webhookDeliveries)
      .leftJoin(cases, and(eq(cases.region, webhookDeliveries.region), eq(cases.id, webhookDeliveries.caseId)))
      .where(mine)
      .limit(1)
      .for('update', { of: webhookDeliveries });
    // a delivery of a case accusing the subscription's scope unit is "not found", like one that does not exist
    const row = found?.visible ? found.d : undefined;
    if (!row) throw new AppError('WEBHOOK_DELIVERY_NOT_FOUND', { path: 'deliveryId' });
    if (row.status !== 'failed') throw new AppError('WEBHOOK_DELIVERY_NOT_FAILED', { path: 'deliveryId', status: row.status });
    const [updated] = await tx
      .update(webhookDeliveries)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: ctx.now(), leaseUntil: null })
      .where(mine)
      .returning();
    await writeAudit(
      ctx,
      { actorId: actor.userId, action: 'webhook.delivery_retried', targetType: 'webhook_subscription', targetId: id, data: { name: sub.name, deliveryId, caseId: row.caseId, eventSeq: row.eventSeq, eventType: row.eventType, attemptsBefore: row.attempts } },
      tx,
    );
    const [c] = await tx.select({ number: cases.number }).from(cases).where(and(eq(cases.region, row.region), eq(cases.id, row.caseId))).limit(1);
    return presentDelivery(updated!, c?.number ?? null);
  });
}

/**
 * Given an admin and a subscription in his scope (active or not), sends it a signed `ping` at once
 * (not queued: the admin waits for the answer) and returns how the receiver answered.
 */
export async function pingSubscriptionAsAdmin(ctx: AppContext, actor: StaffActor, id: string): Promise<WebhookOutcome & { deliveryId: string }> {
  const { sub } = await loadManageable(ctx.db, actor, id);
  let secret: string;
  try {
    secret = ctx.cipher.decrypt(sub.secretEnc);
  } catch {
    throw new AppError('WEBHOOK_SECRET_UNREADABLE', { path: 'id' });
  }
  const now = ctx.now();
  const deliveryId = randomUUID();
  const outcome = await postWebhook({
    url: sub.url,
    secret,
    eventType: 'ping',
    deliveryId,
    body: { id: deliveryId, type: 'ping', occurredAt: now.toISOString(), subscription: { id: sub.id, name: sub.name } },
    now,
    timeoutMs: ctx.config.WEBHOOK_TIMEOUT_SECONDS * 1000,
    policy: policyOf(ctx),
  });
  await writeAudit(ctx, { actorId: actor.userId, action: 'webhook.pinged', targetType: 'webhook_subscription', targetId: id, data: { name: sub.name, deliveryId, ok: outcome.ok, status: outcome.status, error: outcome.error } });
  return { ...outcome, deliveryId };
}
