/**
 * "When a leader settles a case, similar open cases are pushed to their units" (DOMAIN.md §5,
 * 领导包案): the settled case's number, title and reply go to the units handling the open cases most
 * like it, as a reference (以案促治). Similar = sharing keywords of the settled case (jieba TF-IDF)
 * over the full-text index, the way the intake hints look for duplicates (services/intake-hints.ts),
 * with a lower bar — a third of the keywords, two at least — since a reference is not a claim that
 * the cases are the same. Only open cases, in the region and within the owning leader's scope.
 * Each open case's lead unit is told (the unit that registered it while nobody leads it yet), once
 * per settled and similar pair (the dedupe key), and the push is an event on the settled case.
 *
 * Runs inside the caller's transaction (the command that settled the case); it reads and writes
 * only through `tx`, locks no other case row, and sends nothing outside it (the outbox does).
 */
import { inArray, ne } from 'drizzle-orm';
import { OPEN_STATES, isOpen } from '../domain/lifecycle/transitions.js';
import type { CaseState } from '../domain/lifecycle/types.js';
import { REPLY_OPINIONS } from '../domain/lifecycle/types.js';
import { findSimilarCases } from '../store/similar-cases.js';
import type { Tx } from '../store/database.js';
import { appendCaseEvents } from '../store/case-events.js';
import { findActiveUser, findUnitsById } from '../store/org-repository.js';
import { cases } from '../store/schema.js';
import { caseScopeFilter } from '../store/scope.js';
import type { AppContext } from './context.js';
import { notifyUnit } from './notifications/notify.js';
import { findCaseForUpdate, type CaseRow } from './run-case-command.js';

const KEYWORDS = 6;
/** How many open cases one settlement is pushed to. */
export const LEADER_PUSH_TOP = 5;
/** Open cases older than this are not "current" any more for a reference. */
const WINDOW_DAYS = 365;
const REPLY_SUMMARY_CHARS = 200;
const OPINION_ZH: Record<(typeof REPLY_OPINIONS)[number], string> = { support: '支持', explain: '解释说明', not_support: '不予支持' };

export interface LeaderPushResult {
  keywords: string[];
  pushed: Array<{ caseId: string; number: string; unitId: string; matchedKeywords: number; notified: number }>;
}

/**
 * Given a leader-owned case that has just been settled (its row as the settling command left it),
 * notifies the units of the most similar open cases; returns what was pushed. A case that is not
 * leader-owned or not settled pushes nothing.
 */
export async function pushSimilarOnSettlement(ctx: AppContext, tx: Tx, caseRow: CaseRow, opts: { top?: number } = {}): Promise<LeaderPushResult> {
  const region = caseRow.region;
  // The row as it is now, in this transaction (the caller's copy may predate its own command).
  const settled = (await findCaseForUpdate(tx, region, caseRow.id)) ?? caseRow;
  const keywords = ctx.segmenter.keywords(`${settled.title}\n${settled.content}`, KEYWORDS);
  const none: LeaderPushResult = { keywords, pushed: [] };
  if (!settled.ownerLeaderId || isOpen(settled.state as CaseState) || keywords.length === 0) return none;
  // The leader's scope; a leader who has since left leaves the scope of the unit that took the case.
  const leader = await findActiveUser(tx, settled.ownerLeaderId);
  const leaderUnits = leader ? await findUnitsById(tx, [leader.scopeUnitId, leader.unitId]) : new Map<string, { path: string }>();
  const scopePath = (leader && leaderUnits.get(leader.scopeUnitId)?.path) || settled.unitPaths[0];
  const unitPath = (leader && leaderUnits.get(leader.unitId)?.path) || '';
  if (!scopePath) return none;

  // A reference, not a duplicate claim: a third of the keywords (two at least) is the same kind of matter.
  const candidates = await findSimilarCases(tx, {
    region,
    keywords,
    needed: Math.min(keywords.length, Math.max(2, Math.ceil(keywords.length / 3))),
    since: new Date(ctx.now().getTime() - WINDOW_DAYS * 86_400_000),
    // open, not itself, in the owning leader's scope with the accusation rule applied as for him
    where: [ne(cases.id, settled.id), inArray(cases.state, [...OPEN_STATES]), caseScopeFilter({ scopePath, unitPath })],
    limit: opts.top ?? LEADER_PUSH_TOP,
  });

  // Art. 30: a settled accusation's reply never goes to a unit it accused.
  const targets = candidates
    .map((r) => ({ c: r.c, matched: r.matched, unitId: r.c.leadUnitId ?? r.c.ownerUnitId }))
    .filter((t) => t.unitId);
  const units = await findUnitsById(tx, targets.map((t) => t.unitId));
  const pushed: LeaderPushResult['pushed'] = [];
  const opinion = settled.replyOpinion ? OPINION_ZH[settled.replyOpinion as keyof typeof OPINION_ZH] ?? settled.replyOpinion : null;
  // A reply is addressed to the petitioner (name, address …): only a plain, non-confidential case's
  // reply travels to other units, and then only as a short summary. An accusation is never pushed.
  if (settled.confidential || settled.nature === 'accusation') return none;
  const reply = settled.replyText ? summarize(settled.replyText) : '（无书面答复）';
  for (const t of targets) {
    const unit = units.get(t.unitId);
    if (!unit || settled.accusedUnitPaths.some((p) => unit.path.startsWith(p))) continue;
    const notified = await notifyUnit(ctx, tx, t.unitId, ['handler', 'unit_head'], {
      kind: 'leader_push',
      level: 'info',
      title: `领导包案办结参考：${settled.number}`,
      body:
        `贵单位在办案件 ${t.c.number}「${t.c.title}」与领导包案案件 ${settled.number}「${settled.title}」相似，后者已办结，可参照办理。` +
        `${opinion ? `处理意见：${opinion}。` : ''}答复摘要：${reply}`,
      caseId: t.c.id,
      unitId: t.unitId,
      dedupeKey: `leader_push:${settled.id}:${t.c.id}`,
    });
    pushed.push({ caseId: t.c.id, number: t.c.number, unitId: t.unitId, matchedKeywords: t.matched, notified });
  }
  const fresh = pushed.filter((p) => p.notified > 0);
  if (fresh.length > 0) {
    await appendCaseEvents(
      tx,
      { region, caseId: settled.id, count: settled.eventCount, headHash: settled.headHash },
      [{ type: 'case.similar_pushed', data: { keywords, cases: fresh.map((p) => ({ caseId: p.caseId, number: p.number, unitId: p.unitId })) }, actorId: null, actorRole: 'system' }],
      ctx.now(),
    );
  }
  return { keywords, pushed };
}

function summarize(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return [...flat].length > REPLY_SUMMARY_CHARS ? `${[...flat].slice(0, REPLY_SUMMARY_CHARS).join('')}…` : flat;
}
