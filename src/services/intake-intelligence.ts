/**
 * What xinfang works out about a new text at intake, in one place for the registration and for the
 * registrar's hints: its keywords (hot issues), its MinHash fingerprint, the earlier cases about the
 * same matter (near-identical text, from anyone: 同一事项), among them the same person's (blind index
 * of ID number or phone, never decrypted: 重复信访), and the routing suggestion.
 */
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { fingerprint, sameMatter, type Fingerprint } from '../domain/intelligence/minhash.js';
import { routingText } from '../domain/intelligence/routing-model.js';
import { OPEN_STATES } from '../domain/lifecycle/transitions.js';
import { findFingerprintCandidates } from '../store/case-fingerprints.js';
import type { Queryable } from '../store/database.js';
import { casePetitioners, cases } from '../store/schema.js';
import type { AppContext } from './context.js';
import { suggestRouting, type RoutingSuggestionView } from './routing.js';

/** Keywords kept per case (hot issues group on them; the reindex keeps the same number). */
export const CASE_KEYWORDS = 8;
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
  opts: { now: Date; excludeCaseId?: string | null },
): Promise<MatterRelation> {
  const candidates = await findFingerprintCandidates(q, region, fp, { since: new Date(opts.now.getTime() - SAME_MATTER_WINDOW_DAYS * 86_400_000), limit: CANDIDATES });
  const ids = candidates.filter((c) => c.caseId !== opts.excludeCaseId && sameMatter(fp, c.fp)).map((c) => c.caseId);
  if (!ids.length) return { sameMatter: [], matterId: null, repeatOf: null };
  const personCond = [
    person.idIndexes.length ? inArray(casePetitioners.idNumberBidx, [...person.idIndexes]) : undefined,
    person.phoneIndexes.length ? inArray(casePetitioners.phoneBidx, [...person.phoneIndexes]) : undefined,
  ].filter((c) => c !== undefined);
  const samePerson = personCond.length
    ? sql<boolean>`exists (select 1 from ${casePetitioners} where ${casePetitioners.region} = ${cases.region} and ${casePetitioners.caseId} = ${cases.id} and ${or(...personCond)})`
    : sql<boolean>`false`;
  const rows = await q
    .select({ id: cases.id, number: cases.number, state: cases.state, matterId: cases.matterId, receivedAt: cases.receivedAt, samePerson })
    .from(cases)
    .where(and(eq(cases.region, region), inArray(cases.id, ids), sql`${cases.state} not in ${NOT_A_MATTER}`));
  const open = new Set<string>(OPEN_STATES);
  const found = rows
    .map((r) => ({ ...r, samePerson: Boolean(r.samePerson), open: open.has(r.state) }))
    .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime() || a.number.localeCompare(b.number));
  if (!found.length) return { sameMatter: [], matterId: null, repeatOf: null };
  const earliest = found[found.length - 1]!;
  const mine = found.filter((c) => c.samePerson);
  return {
    sameMatter: found,
    matterId: found.find((c) => c.matterId)?.matterId ?? earliest.id,
    repeatOf: mine.find((c) => c.open) ?? mine[0] ?? null,
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
