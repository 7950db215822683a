/**
 * Seals and the verifier behind `xinfang verify-audit`. A seal records the head (count + hash) of
 * every case changed since the previous seal and chains to it; the verifier checks every case's
 * chain, every sealed head against the events still there (a deleted case or a truncated tail
 * shows), the seal chain itself and the audit log.
 */
import { asc, desc, eq, gt, sql } from 'drizzle-orm';
import { checkSealedPrefix, hashEvent, sealDigest, verifyChain, type CaseHead, type ChainEvent } from '../domain/audit/hash-chain.js';
import type { Queryable } from '../store/database.js';
import { auditLog, auditSealHeads, auditSeals, caseEvents, cases } from '../store/schema.js';
import { toStoredEvent } from '../store/case-events.js';
import type { AppContext } from './context.js';

const SEAL_LOCK = 71_020_002;

/**
 * Given the app, seals every case changed since the last seal; returns the new seal or null if nothing
 * changed. Only events older than `settleMs` are taken, and never past the first younger one, so an
 * event whose transaction had not committed when the seal was read is taken by the next seal instead
 * of being skipped (transactions are short: the pg client gives up after 30 s).
 */
export async function sealAudit(ctx: AppContext, opts: { settleMs?: number } = {}): Promise<{ id: number; caseCount: number; hash: string } | null> {
  const cutoff = new Date(ctx.now().getTime() - (opts.settleMs ?? 120_000));
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SEAL_LOCK})`);
    const [last] = await tx.select().from(auditSeals).orderBy(desc(auditSeals.id)).limit(1);
    const since = last?.uptoGseq ?? 0;
    const bounds = (await tx.execute(sql`
      select (select max(gseq) from case_events where gseq > ${since} and at < ${cutoff}) as settled,
             (select min(gseq) from case_events where gseq > ${since} and at >= ${cutoff}) as young`)) as unknown as {
      rows: Array<{ settled: string | number | null; young: string | number | null }>;
    };
    const b = bounds.rows[0]!;
    const upto = b.settled === null ? since : b.young === null ? Number(b.settled) : Math.max(since, Math.min(Number(b.settled), Number(b.young) - 1));
    const [log] = await tx.select({ id: auditLog.id, hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1);
    if (upto <= since && (log?.id ?? null) === (last?.auditLogId ?? null)) return null;
    // Heads are taken from the events themselves, not from the case row a tamperer could also edit.
    const heads = (await tx.execute(sql`
      select e.region, e.case_id, e.seq as count, e.hash as head_hash
      from (select region, case_id, max(seq) as seq from case_events where gseq > ${since} and gseq <= ${upto} group by region, case_id) m
      join case_events e on e.region = m.region and e.case_id = m.case_id and e.seq = m.seq`)) as unknown as {
      rows: Array<{ region: string; case_id: string; count: number; head_hash: string }>;
    };
    const rows = heads.rows;
    const id = (last?.id ?? 0) + 1;
    const caseHeads: CaseHead[] = rows.map((r) => ({ caseId: r.case_id, count: Number(r.count), headHash: r.head_hash }));
    const hash = sealDigest(withAuditLogHead(caseHeads, log?.id ?? null, log?.hash ?? null), last?.hash ?? null);
    await tx.insert(auditSeals).values({
      id,
      sealedAt: ctx.now(),
      prevHash: last?.hash ?? null,
      hash,
      caseCount: rows.length,
      uptoGseq: upto,
      auditLogId: log?.id ?? null,
      auditLogHash: log?.hash ?? null,
    });
    for (let i = 0; i < rows.length; i += 1000) {
      await tx.insert(auditSealHeads).values(
        rows.slice(i, i + 1000).map((r) => ({ region: r.region, caseId: r.case_id, sealId: id, count: Number(r.count), headHash: r.head_hash })),
      );
    }
    return { id, caseCount: rows.length, hash };
  });
}

/** The audit log's head joins the sealed heads under a name no case id can take. */
function withAuditLogHead(heads: CaseHead[], id: number | null, hash: string | null): CaseHead[] {
  return id === null || hash === null ? heads : [...heads, { caseId: 'audit_log', count: id, headHash: hash }];
}

export interface AuditProblem {
  kind: 'case_chain' | 'case_head' | 'case_state' | 'sealed_case_missing' | 'sealed_events_removed' | 'sealed_head_changed' | 'seal_chain' | 'audit_log';
  caseId?: string;
  number?: string;
  seq?: number;
  detail: string;
}

/** Given the app, returns every problem found in the trace (an empty list means intact). */
export async function verifyAudit(ctx: AppContext, opts: { batch?: number } = {}): Promise<{ cases: number; events: number; seals: number; problems: AuditProblem[] }> {
  const db = ctx.db;
  const problems: AuditProblem[] = [];
  const batch = opts.batch ?? 500;
  let caseCount = 0;
  let eventCount = 0;

  // 1. Every case's chain, and the head the case row claims.
  let after = '';
  for (;;) {
    const page = await db
      .select({ region: cases.region, id: cases.id, number: cases.number, state: cases.state, eventCount: cases.eventCount, headHash: cases.headHash })
      .from(cases)
      .where(gt(cases.id, after || '00000000-0000-0000-0000-000000000000'))
      .orderBy(asc(cases.id))
      .limit(batch);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const events = await loadEventsOf(db, page.map((c) => c.id));
    for (const c of page) {
      caseCount++;
      const list = events.get(c.id) ?? [];
      eventCount += list.length;
      const res = verifyChain(list);
      if (!res.ok) problems.push({ kind: 'case_chain', caseId: c.id, number: c.number, seq: res.seq, detail: res.problem });
      else if (res.count !== c.eventCount || res.head !== c.headHash) problems.push({ kind: 'case_head', caseId: c.id, number: c.number, seq: res.count, detail: 'head_mismatch' });
      else if (stateFromEvents(list) !== c.state) problems.push({ kind: 'case_state', caseId: c.id, number: c.number, seq: res.count, detail: `state ${c.state} is not what the events say (${stateFromEvents(list)})` });
    }
  }

  // 2. Orphan events: a case row deleted but its events left behind.
  const orphans = (await db.execute(sql`
    select distinct e.case_id from case_events e left join cases c on c.region = e.region and c.id = e.case_id where c.id is null limit 100`)) as unknown as { rows: Array<{ case_id: string }> };
  for (const o of orphans.rows) problems.push({ kind: 'sealed_case_missing', caseId: o.case_id, detail: 'events_without_case' });

  // 3. The seal chain, then each case's latest sealed head against the events still there.
  const seals = await db.select().from(auditSeals).orderBy(asc(auditSeals.id));
  let prev: string | null = null;
  for (const s of seals) {
    const heads = await db.select().from(auditSealHeads).where(eq(auditSealHeads.sealId, s.id));
    const digest = sealDigest(
      withAuditLogHead(heads.map((h) => ({ caseId: h.caseId, count: h.count, headHash: h.headHash })), s.auditLogId, s.auditLogHash),
      prev,
    );
    if (s.prevHash !== prev || digest !== s.hash) problems.push({ kind: 'seal_chain', seq: s.id, detail: `seal ${s.id} does not match its heads` });
    prev = s.hash;
  }
  const latest = (await db.execute(sql`
    select distinct on (h.region, h.case_id) h.region, h.case_id, h.count, h.head_hash
    from audit_seal_heads h order by h.region, h.case_id, h.seal_id desc`)) as unknown as { rows: Array<{ case_id: string; count: number; head_hash: string }> };
  for (let i = 0; i < latest.rows.length; i += batch) {
    const slice = latest.rows.slice(i, i + batch);
    const ids = slice.map((r) => r.case_id);
    const events = await loadEventsOf(db, ids);
    const existing = new Map(
      (await db.select({ id: cases.id, number: cases.number }).from(cases).where(sql`${cases.id} in ${ids}`)).map((r) => [r.id, r.number]),
    );
    for (const r of slice) {
      if (!existing.has(r.case_id)) {
        problems.push({ kind: 'sealed_case_missing', caseId: r.case_id, detail: 'case deleted after it was sealed' });
        continue;
      }
      const res = checkSealedPrefix(events.get(r.case_id) ?? [], { count: Number(r.count), headHash: r.head_hash });
      if (!res.ok) {
        problems.push({
          kind: res.problem === 'events_removed' ? 'sealed_events_removed' : 'sealed_head_changed',
          caseId: r.case_id,
          number: existing.get(r.case_id),
          seq: Number(r.count),
          detail: res.problem,
        });
      }
    }
  }

  // 4. The audit log's own chain.
  const log = await db.select().from(auditLog).orderBy(asc(auditLog.id));
  let prevLog: string | null = null;
  for (const [i, e] of log.entries()) {
    const expected = hashEvent(prevLog, {
      caseId: 'audit',
      seq: e.id,
      type: e.action,
      actorId: e.actorId,
      at: e.at.toISOString(),
      data: { targetType: e.targetType, targetId: e.targetId, ...(e.data as object) },
    });
    if (e.id !== i + 1 || e.prevHash !== prevLog || e.hash !== expected) {
      problems.push({ kind: 'audit_log', seq: e.id, detail: 'audit log entry altered or removed' });
      break;
    }
    prevLog = e.hash;
  }
  const sealedLog = [...seals].reverse().find((s) => s.auditLogId !== null);
  if (sealedLog) {
    const entry = log.find((e) => e.id === sealedLog.auditLogId);
    if (!entry || entry.hash !== sealedLog.auditLogHash) problems.push({ kind: 'audit_log', seq: sealedLog.auditLogId!, detail: 'audit log entries removed after they were sealed' });
  }
  return { cases: caseCount, events: eventCount, seals: seals.length, problems };
}

async function loadEventsOf(db: Queryable, caseIds: string[]): Promise<Map<string, ChainEvent[]>> {
  const out = new Map<string, ChainEvent[]>();
  if (caseIds.length === 0) return out;
  const rows = await db.select().from(caseEvents).where(sql`${caseEvents.caseId} in ${caseIds}`).orderBy(asc(caseEvents.caseId), asc(caseEvents.seq));
  for (const r of rows) {
    const e = toStoredEvent(r);
    const list = out.get(e.caseId) ?? [];
    list.push(e);
    out.set(e.caseId, list);
  }
  return out;
}

/** Given a case's events, returns the state they lead to: the last transition's target, else registered. */
function stateFromEvents(events: readonly ChainEvent[]): string {
  for (let i = events.length - 1; i >= 0; i--) {
    const to = (events[i]!.data as { to?: unknown }).to;
    if (typeof to === 'string') return to;
  }
  return 'registered';
}
