/**
 * What xinfang works out about a new text at intake, in one place for the registration and for the
 * registrar's hints: its keywords (hot issues), its MinHash fingerprint, the earlier cases about the
 * same matter (near-identical text, from anyone: 同一事项), among them the same person's (blind index
 * of ID number or phone, never decrypted: 重复信访), and the routing suggestion.
 */
import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { fingerprint, sameMatter, type Fingerprint } from '../domain/intelligence/minhash.js';
import { routingText } from '../domain/intelligence/routing-model.js';
import { OPEN_STATES } from '../domain/lifecycle/transitions.js';
import { findFingerprintCandidates } from '../store/case-fingerprints.js';
import type { Queryable } from '../store/database.js';
import { findUnitsById } from '../store/org-repository.js';
import { casePetitioners, cases, categories } from '../store/schema.js';
import { caseScopeFilter } from '../store/scope.js';
import type { AppContext, StaffActor } from './context.js';
import { suggestRouting, type RoutingSuggestionView } from './routing.js';
import { CASE_KEYWORDS } from './search-reindex.js';

/** A matter older than this is a new matter when it comes again. */
const SAME_MATTER_WINDOW_DAYS = 365;
/** Candidates checked per probe: the newest first (a hot matter has many; the newest decide). */
const CANDIDATES = 200;
/** States that say nothing about the matter any more. */
const NOT_A_MATTER = ['merged', 'withdrawn'];

export interface TextAnalysis {
  words: string[];
  keywords: string[];
  fingerprint: Fingerprint;
}

/** Given a title and content, returns their words, keywords and fingerprint (one jieba cut each). */
export function analyseText(ctx: Pick<AppContext, 'segmenter'>, title: string | null, content: string): TextAnalysis {
  const text = routingText({ title, body: content });
  return { words: ctx.segmenter.words(text), keywords: ctx.segmenter.keywords(`${title ?? ''}\n${content}`, CASE_KEYWORDS), fingerprint: fingerprint(text) };
}

export interface PersonIndexes {
  idIndexes: readonly string[];
  phoneIndexes: readonly string[];
}

export interface SameMatterCase {
  id: string;
  number: string;
  state: string;
  matterId: string | null;
  receivedAt: Date;
  open: boolean;
  samePerson: boolean;
}

export interface MatterRelation {
  /** earlier cases about the same matter, newest first */
  sameMatter: SameMatterCase[];
  /** the matter this case joins: the earliest case's matter, or that case itself; null when alone */
  matterId: string | null;
  /** the same person's earlier case about it — the open one if any, else the latest */
  repeatOf: SameMatterCase | null;
}

/** Given a fingerprint and the petitioners' blind indexes, returns the earlier cases about the same matter and how this case relates to them. */
export async function relateToEarlierCases(
  q: Queryable,
  region: string,
  fp: Fingerprint,
  person: PersonIndexes,
  opts: { now: Date; excludeCaseId?: string | null; /** a confidential case (every accusation) founds or joins no matter */ confidential?: boolean },
): Promise<MatterRelation> {
  const candidates = await findFingerprintCandidates(q, region, fp, { since: new Date(opts.now.getTime() - SAME_MATTER_WINDOW_DAYS * 86_400_000), limit: CANDIDATES });
  const ids = candidates.filter((c) => c.caseId !== opts.excludeCaseId && sameMatter(fp, c.fp)).map((c) => c.caseId);
  if (!ids.length) return { sameMatter: [], matterId: null, repeatOf: null };
  const personCond = [
    person.idIndexes.length ? inArray(casePetitioners.idNumberBidx, [...person.idIndexes]) : undefined,
    person.phoneIndexes.length ? inArray(casePetitioners.phoneBidx, [...person.phoneIndexes]) : undefined,
  ].filter((c) => c !== undefined);
  const samePerson = personCond.length
    ? // Qualified by hand: inside a select list drizzle renders bare column names, and a bare "region" = "region"
      // binds both sides to case_petitioners (always true), so the subquery lost its index and scanned the whole
      // table per probe (1.2 s at 1 M cases, plus 3.7 s of JIT; bench/intake-intelligence.ts).
      sql<boolean>`exists (select 1 from "case_petitioners" where "case_petitioners"."region" = "cases"."region" and "case_petitioners"."case_id" = "cases"."id" and ${or(...personCond)})`
    : sql<boolean>`false`;
  const rows = await q
    .select({ id: cases.id, number: cases.number, state: cases.state, matterId: cases.matterId, receivedAt: cases.receivedAt, confidential: cases.confidential, samePerson })
    .from(cases)
    .where(and(eq(cases.region, region), inArray(cases.id, ids), sql`${cases.state} not in ${NOT_A_MATTER}`));
  const open = new Set<string>(OPEN_STATES);
  const found = rows
    .map((r) => ({ ...r, samePerson: Boolean(r.samePerson), open: open.has(r.state) }))
    .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || a.number.localeCompare(b.number));
  // The same person's cases make a repeat whatever they are; a matter is shared only between cases many
  // may see: a confidential case (every accusation) neither founds one nor joins one (Art. 30).
  const mine = found.filter((c) => c.samePerson);
  const repeatOf = mine.find((c) => c.open) ?? mine[0] ?? null;
  const shared = opts.confidential ? [] : found.filter((c) => !c.confidential);
  const earliest = shared[shared.length - 1];
  return {
    sameMatter: shared.map(({ confidential: _, ...c }) => c),
    matterId: earliest ? (shared.find((c) => c.matterId)?.matterId ?? earliest.id) : null,
    repeatOf: repeatOf ? (({ confidential: _, ...c }) => c)(repeatOf) : null,
  };
}

/** Given the registration's transaction, marks the earlier cases of a matter that had none as part of it. */
export async function joinMatter(q: Queryable, region: string, relation: MatterRelation): Promise<void> {
  const loose = relation.sameMatter.filter((c) => !c.matterId).map((c) => c.id);
  if (!relation.matterId || !loose.length) return;
  await q.update(cases).set({ matterId: relation.matterId }).where(and(eq(cases.region, region), inArray(cases.id, loose), sql`${cases.matterId} is null`));
}

/** Given a text and place, returns the routing suggestion, or null when the model cannot be read (intake goes on without it). */
export async function routingFor(ctx: AppContext, q: Queryable, input: { title: string | null; content: string; placePath?: string | null; words?: readonly string[] }): Promise<RoutingSuggestionView | null> {
  try {
    return await suggestRouting(ctx, input, q);
  } catch (err) {
    ctx.logger.error({ err }, '智能分派建议失败 (routing suggestion failed)');
    return null;
  }
}

/**
 * Given a case the actor may see and its registration event's data, returns what intake worked out
 * about it for the case page: the routing suggestion with names, the same person's earlier case
 * (重复信访, offered for merging while both are open) and the matter's other cases — only those the
 * actor may see.
 */
export async function caseIntelligence(
  ctx: AppContext,
  actor: StaffActor,
  row: Pick<typeof cases.$inferSelect, 'region' | 'id' | 'matterId' | 'repeatOfId' | 'keywords' | 'state'>,
  registered: Record<string, unknown> | undefined,
) {
  const r = (registered?.routing ?? null) as null | {
    categoryCode: string | null;
    categoryConfidence: number | null;
    unitId: string | null;
    unitConfidence: number | null;
    unitBasis: 'model' | 'history' | null;
  };
  let routing = null;
  if (r) {
    const [cat] = r.categoryCode ? await ctx.db.select({ name: categories.name }).from(categories).where(eq(categories.code, r.categoryCode)) : [];
    const unit = r.unitId ? (await findUnitsById(ctx.db, [r.unitId])).get(r.unitId) : undefined;
    routing = {
      category: r.categoryCode && cat ? { code: r.categoryCode, name: cat.name, confidence: r.categoryConfidence } : null,
      unit: r.unitId && unit ? { id: r.unitId, name: unit.name, confidence: r.unitConfidence, basis: r.unitBasis } : null,
    };
  }
  const visible = (cond: SQL) =>
    ctx.db
      .select({ id: cases.id, number: cases.number, title: cases.title, state: cases.state, receivedAt: cases.receivedAt })
      .from(cases)
      .where(and(eq(cases.region, row.region), cond, sql`${cases.id} <> ${row.id}`, caseScopeFilter(actor)))
      .orderBy(desc(cases.receivedAt))
      .limit(MATTER_SHOWN + 1);
  const present = (c: { id: string; number: string; title: string; state: string; receivedAt: Date }) => ({ ...c, receivedAt: c.receivedAt.toISOString() });
  const [repeatOf] = row.repeatOfId ? await visible(eq(cases.id, row.repeatOfId)) : [];
  const matter = row.matterId ? await visible(eq(cases.matterId, row.matterId)) : [];
  const open = new Set<string>(OPEN_STATES);
  return {
    routing,
    keywords: row.keywords,
    repeatOf: repeatOf ? { ...present(repeatOf), mergeable: open.has(repeatOf.state) && open.has(row.state) } : null,
    matter: row.matterId ? { id: row.matterId, cases: matter.slice(0, MATTER_SHOWN).map(present), more: matter.length > MATTER_SHOWN } : null,
  };
}

const MATTER_SHOWN = 10;
