/**
 * 重建检索索引: after the admins change the dictionary, every case's search tokens and keywords are
 * cut again with the segmenter as it is now. In batches of REINDEX_BATCH cases in key order (region,
 * id), each written by one statement in its own short transaction — segmentation runs before the
 * transaction opens, so no lock is held while jieba works (PGlite: one transaction blocks all).
 *
 * One rebuild per context at a time, in the background of the process that was asked; its progress
 * is kept in memory (a restart forgets it; running it again is harmless, it only rewrites tokens).
 */
import { and, asc, or, eq, gt, sql } from 'drizzle-orm';
import { cases } from '../store/schema.js';
import { writeAudit } from './audit-log.js';
import type { AppContext, StaffActor } from './context.js';

export const REINDEX_BATCH = 200;
/** How many keywords a case keeps (cases.keywords), as registration stores them. */
export const CASE_KEYWORDS = 8;

export interface ReindexStatus {
  state: 'idle' | 'running' | 'done' | 'failed';
  startedAt: string | null;
  finishedAt: string | null;
  /** cases re-cut so far */
  done: number;
  /** cases there were when it started */
  total: number;
  startedBy: string | null;
}

const jobs = new WeakMap<AppContext, { status: ReindexStatus; promise: Promise<void> }>();
const IDLE: ReindexStatus = { state: 'idle', startedAt: null, finishedAt: null, done: 0, total: 0, startedBy: null };

/** Given a case's title and content, returns its search tokens and keywords as the segmenter cuts them now. */
export function indexCaseText(ctx: Pick<AppContext, 'segmenter'>, title: string, content: string): { searchText: string; keywords: string[] } {
  return { searchText: ctx.segmenter.searchText(title, content) || ' ', keywords: ctx.segmenter.keywords(`${title}\n${content}`, CASE_KEYWORDS) };
}

/** Given a context, re-cuts every case (all regions) in batches; returns how many. `onBatch` hears the running count. */
export async function rebuildSearchIndex(ctx: Pick<AppContext, 'db' | 'segmenter'>, opts: { batch?: number; onBatch?: (done: number) => void } = {}): Promise<number> {
  const batch = opts.batch ?? REINDEX_BATCH;
  let after: { region: string; id: string } | null = null;
  let done = 0;
  for (;;) {
    const rows: Array<{ region: string; id: string; title: string; content: string }> = await ctx.db
      .select({ region: cases.region, id: cases.id, title: cases.title, content: cases.content })
      .from(cases)
      .where(after ? or(gt(cases.region, after.region), and(eq(cases.region, after.region), gt(cases.id, after.id))) : undefined)
      .orderBy(asc(cases.region), asc(cases.id))
      .limit(batch);
    if (!rows.length) break;
    const values = rows.map((r) => {
      const { searchText, keywords } = indexCaseText(ctx, r.title, r.content);
      // keywords are letters and digits only (see segment.ts WORD), so a space joins and splits them safely
      return { r: r.region, id: r.id, s: searchText, k: keywords.join(' ') };
    });
    await ctx.db.transaction(async (tx) => {
      await tx.execute(sql`
        update ${cases} set search_text = v.s, keywords = string_to_array(v.k, ' ')
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(r text, id uuid, s text, k text)
        where ${cases.region} = v.r and ${cases.id} = v.id`);
      // the cockpit's hot words come from the keywords: the rollup worker refolds these cases
      await tx.execute(sql`insert into rollup_queue (region, case_id) select v.r, v.id from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(r text, id uuid)`);
    });
    done += rows.length;
    opts.onBatch?.(done);
    const last = rows[rows.length - 1]!;
    after = { region: last.region, id: last.id };
  }
  return done;
}

/** Given the context, returns the progress of its last rebuild (idle when none ran in this process). */
export function reindexStatus(ctx: AppContext): ReindexStatus {
  return { ...(jobs.get(ctx)?.status ?? IDLE) };
}

/** Given an admin, starts a rebuild in the background (audited) unless one is running; returns its progress. */
export async function startSearchReindex(ctx: AppContext, actor: StaffActor): Promise<ReindexStatus> {
  const running = jobs.get(ctx);
  if (running?.status.state === 'running') return { ...running.status };
  // Claimed before the first await, so a second request meanwhile sees it running.
  const status: ReindexStatus = { state: 'running', startedAt: ctx.now().toISOString(), finishedAt: null, done: 0, total: 0, startedBy: actor.userId };
  let begin!: () => void;
  const started = new Promise<void>((resolve) => (begin = resolve));
  const promise = started
    .then(() => rebuildSearchIndex(ctx, { onBatch: (n) => (status.done = n) }))
    .then(
      (n) => {
        status.done = n;
        status.state = 'done';
        status.finishedAt = ctx.now().toISOString();
        ctx.logger.info({ cases: n }, '检索索引已重建 (search index rebuilt)');
      },
      (err: unknown) => {
        status.state = 'failed';
        status.finishedAt = ctx.now().toISOString();
        ctx.logger.error({ err }, '重建检索索引失败 (search index rebuild failed)');
      },
    );
  jobs.set(ctx, { status, promise });
  try {
    const [count] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(cases);
    status.total = Number(count?.n ?? 0);
    await writeAudit(ctx, { actorId: actor.userId, action: 'lexicon.reindex_started', targetType: 'cases', targetId: null, data: { cases: status.total } });
  } catch (err) {
    status.state = 'failed';
    status.finishedAt = ctx.now().toISOString();
    jobs.set(ctx, { status, promise: Promise.resolve() });
    throw err;
  }
  begin();
  return { ...status };
}

/** Given the context, resolves when its running rebuild (if any) has finished (tests, shutdown). */
export async function awaitSearchReindex(ctx: AppContext): Promise<void> {
  await jobs.get(ctx)?.promise;
}
