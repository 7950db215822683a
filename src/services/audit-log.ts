/**
 * The audit log of what is not a case event (logins, admin changes), hash-chained like the
 * case events. Appends are serialised by a transaction-scoped advisory lock.
 */
import { desc, sql } from 'drizzle-orm';
import { hashEvent } from '../domain/audit/hash-chain.js';
import type { Queryable } from '../store/database.js';
import { auditLog } from '../store/schema.js';
import type { AppContext } from './context.js';

const AUDIT_LOCK = 71_020_001;

export interface AuditEntry {
  actorId: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  data: Record<string, unknown>;
}

/** Given an entry, appends it to the audit chain (inside `q`'s transaction when one is passed). */
export async function writeAudit(ctx: AppContext, entry: AuditEntry, q?: Queryable): Promise<void> {
  const write = async (tx: Queryable) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
    const [last] = await tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
    const id = (last?.id ?? 0) + 1;
    const at = ctx.now();
    const data = JSON.parse(JSON.stringify(entry.data)) as Record<string, unknown>;
    const hash = hashEvent(last?.hash ?? null, { caseId: 'audit', seq: id, type: entry.action, actorId: entry.actorId, at: at.toISOString(), data: { targetType: entry.targetType ?? null, targetId: entry.targetId ?? null, ...data } });
    await tx.insert(auditLog).values({ id, at, actorId: entry.actorId, action: entry.action, targetType: entry.targetType ?? null, targetId: entry.targetId ?? null, data, prevHash: last?.hash ?? null, hash });
  };
  if (q) await write(q);
  else await ctx.db.transaction(write);
}
