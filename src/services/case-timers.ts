/**
 * Keeping a case's timers in step with its clocks, in the transaction that changes the case: the
 * timers that should exist are inserted (a timer already there, fired or not, is kept — so a
 * reminder is never sent twice), unfired ones that no longer match a running clock are removed.
 */
import crypto from 'node:crypto';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { plannedTimers } from '../domain/deadlines/reminders.js';
import type { CaseSnapshot } from '../domain/lifecycle/types.js';
import type { Queryable } from '../store/database.js';
import { cases, timers } from '../store/schema.js';
import { OPEN_STATES } from '../domain/lifecycle/transitions.js';
import { ruleSetOf, UNIT_CLOCKS } from './case-clocks.js';
import type { AppContext } from './context.js';

/** Given a case as just written, makes its reminder and overdue timers match its running clocks. */
export async function syncCaseTimers(
  ctx: Pick<AppContext, 'statute'>,
  tx: Queryable,
  c: { region: string; id: string; ruleSetId: string; snapshot: CaseSnapshot },
  /** the snapshot before the change: when it plans the same timers (a note, a contact log …) nothing is written */
  previous?: CaseSnapshot,
): Promise<void> {
  const plan = (snapshot: CaseSnapshot) => plannedTimers(snapshot, ruleSetOf(ctx, c.ruleSetId).reminderDaysBefore, UNIT_CLOCKS, ctx.statute.calendar);
  const planned = plan(c.snapshot);
  const key = (ps: typeof planned) => ps.map((p) => `${p.kind}:${p.ref}:${p.dueAt.getTime()}:${p.fireAt.getTime()}`).join('|');
  if (previous && key(plan(previous)) === key(planned)) return;
  const keep = planned.map((p) => sql`(${p.kind}::text, ${p.ref}::text, ${p.dueAt.toISOString()}::timestamptz)`);
  // Unfired clock timers that no plan keeps (the clock stopped, paused, or its due date moved) go, and
  // the planned ones come, in one statement: a kept timer conflicts with its own row and stays.
  const stale = sql`delete from ${timers}
     where region = ${c.region} and case_id = ${c.id}::uuid and kind in ('remind', 'overdue') and fired_at is null
       ${keep.length ? sql`and (kind, ref, due_at) not in (${sql.join(keep, sql`, `)})` : sql``}`;
  if (!planned.length) {
    await tx.execute(stale);
    return;
  }
  const values = sql.join(
    planned.map((p) => sql`(${c.region}, ${crypto.randomUUID()}::uuid, ${c.id}::uuid, ${p.kind}, ${p.ref}, ${p.dueAt.toISOString()}::timestamptz, ${p.fireAt.toISOString()}::timestamptz)`),
    sql`, `,
  );
  await tx.execute(sql`with gone as (${stale})
    insert into ${timers} (region, id, case_id, kind, ref, due_at, fire_at) values ${values}
    on conflict do nothing`);
}

/** Given a supervision with a reply deadline, adds the timer that escalates it if unanswered. */
export async function addSupervisionTimer(tx: Queryable, region: string, caseId: string, supervisionId: string, replyDueAt: Date): Promise<void> {
  await tx
    .insert(timers)
    .values({ region, id: crypto.randomUUID(), caseId, kind: 'supervision_due', ref: supervisionId, dueAt: replyDueAt, fireAt: replyDueAt })
    .onConflictDoNothing();
}

/** Given an answered supervision, removes its unfired escalation timer. */
export async function dropSupervisionTimer(tx: Queryable, region: string, caseId: string, supervisionId: string): Promise<void> {
  await tx
    .delete(timers)
    .where(and(eq(timers.region, region), eq(timers.caseId, caseId), eq(timers.kind, 'supervision_due'), eq(timers.ref, supervisionId), isNull(timers.firedAt)));
}

const REBUILD_BATCH = 500;

/**
 * Given the app at boot, creates the timers of a database whose open cases have none yet (one
 * written before timers existed, migration 0002); a database with timers is left alone.
 */
export async function ensureTimersExist(ctx: Pick<AppContext, 'db' | 'statute' | 'logger'>): Promise<void> {
  const res = (await ctx.db.execute(
    sql`select not exists (select 1 from ${timers}) and exists (select 1 from ${cases} where ${inArray(cases.state, [...OPEN_STATES])}) as missing`,
  )) as unknown as { rows: Array<{ missing: boolean }> };
  if (!res.rows[0]?.missing) return;
  const n = await rebuildOpenCaseTimers(ctx);
  ctx.logger.info({ cases: n }, '已为在办案件建立到期提醒计时 (timers created for open cases)');
}

/**
 * Given the app, makes every open case's reminder and overdue timers match its clocks — after a
 * bulk load that deferred them, or after a rule set's reminder lead time changed. Fired timers are
 * kept (nothing is sent twice); unfired ones are replaced. Returns the number of cases visited.
 */
export async function rebuildOpenCaseTimers(ctx: Pick<AppContext, 'db' | 'statute'>): Promise<number> {
  let after = '00000000-0000-0000-0000-000000000000';
  let visited = 0;
  for (;;) {
    const ids = await ctx.db
      .select({ id: cases.id })
      .from(cases)
      .where(and(inArray(cases.state, [...OPEN_STATES]), sql`${cases.id} > ${after}`))
      .orderBy(asc(cases.id))
      .limit(REBUILD_BATCH);
    if (!ids.length) return visited;
    await ctx.db.transaction(async (tx) => {
      // The commands' lock order (case rows, then their timers), and snapshots read under the lock:
      // a command running beside the rebuild waits, so its fresh timers are never replaced by stale ones.
      const rows = await tx
        .select({ region: cases.region, id: cases.id, ruleSetId: cases.ruleSetId, snapshot: cases.snapshot, state: cases.state })
        .from(cases)
        .where(inArray(cases.id, ids.map((r) => r.id)))
        .orderBy(asc(cases.id))
        .for('update');
      const planned = rows.filter((r) => (OPEN_STATES as readonly string[]).includes(r.state)).flatMap((r) =>
        plannedTimers(r.snapshot as CaseSnapshot, ruleSetOf(ctx, r.ruleSetId).reminderDaysBefore, UNIT_CLOCKS, ctx.statute.calendar).map((p) => ({
          region: r.region, id: crypto.randomUUID(), caseId: r.id, kind: p.kind, ref: p.ref, dueAt: p.dueAt, fireAt: p.fireAt,
        })),
      );
      await tx.delete(timers).where(and(inArray(timers.caseId, rows.map((r) => r.id)), inArray(timers.kind, ['remind', 'overdue']), isNull(timers.firedAt)));
      for (let i = 0; i < planned.length; i += REBUILD_BATCH) await tx.insert(timers).values(planned.slice(i, i + REBUILD_BATCH)).onConflictDoNothing();
    });
    visited += ids.length;
    after = ids.at(-1)!.id;
  }
}
