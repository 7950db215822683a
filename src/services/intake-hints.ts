/**
 * What a registrar sees while typing a new case: the petitioner's earlier cases (found by the blind
 * index of the ID number or phone, never by decrypting) and open or recent cases about the same
 * matter from anyone (by the text's keywords over the full-text index). Both only within the
 * registrar's scope; looking a person up is a sensitive read and goes to the audit log.
 */
import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { validateIdNumber } from '../domain/personal-data/id-number.js';
import { parsePhone } from '../domain/personal-data/phone.js';
import { findSimilarCases } from '../store/similar-cases.js';
import { casePetitioners, cases } from '../store/schema.js';
import { caseScopeFilter } from '../store/scope.js';
import { writeAudit } from './audit-log.js';
import { analyseText, relateToEarlierCases, routingFor } from './intake-intelligence.js';
import { presentCaseSummary } from './case-queries.js';
import type { AppContext, StaffActor } from './context.js';

/** How far back a case counts as "the same matter, still current" for the duplicate hint. */
const SIMILAR_WINDOW_DAYS = 180;
const KEYWORDS = 6;
const MAX_EARLIER = 20;
const MAX_SIMILAR = 5;
/** States that say nothing about the matter any more: merged into another case, or withdrawn. */
const NOT_A_DUPLICATE_TARGET = ['merged', 'withdrawn'];

export interface IntakeHintsInput {
  petitioners: Array<{ idNumber?: string | null; phone?: string | null }>;
  title?: string | null;
  content?: string | null;
  /** The case being edited or just registered, left out of its own hints. */
  excludeCaseId?: string | null;
}

/**
 * Given what the registrar has typed so far, returns the person's earlier cases, possible duplicates,
 * the same person's case about the same matter (重复信访: near-identical text), and the routing suggestion.
 */
export async function intakeHints(ctx: AppContext, actor: StaffActor, input: IntakeHintsInput) {
  const [earlier, similar, intelligence] = [await earlierCasesOf(ctx, actor, input), await similarCases(ctx, actor, input), await textIntelligence(ctx, actor, input)];
  return { ...earlier, ...similar, ...intelligence };
}

/** Enough text to say something about its matter and category. */
const MIN_TEXT_FOR_ROUTING = 8;

async function textIntelligence(ctx: AppContext, actor: StaffActor, input: IntakeHintsInput) {
  const title = input.title?.trim() ?? '';
  const content = input.content?.trim() ?? '';
  if (title.length + content.length < MIN_TEXT_FOR_ROUTING) return { routing: null, sameMatter: [] };
  const analysis = analyseText(ctx, title, content);
  const person = personIndexes(ctx, input);
  const relation = await relateToEarlierCases(ctx.db, ctx.config.REGION, analysis.fingerprint, person, { now: ctx.now(), excludeCaseId: input.excludeCaseId });
  const routing = await routingFor(ctx, ctx.db, { title, content, words: analysis.words });
  // Only what the registrar may see; the same person's case first (重复信访: offered for merging once registered).
  const ids = relation.sameMatter.map((c) => c.id);
  const visible = ids.length
    ? await ctx.db.select({ c: cases }).from(cases).where(and(eq(cases.region, ctx.config.REGION), inArray(cases.id, ids), caseScopeFilter(actor)))
    : [];
  const byId = new Map(visible.map((v) => [v.c.id, v.c]));
  const now = ctx.now();
  const sameMatter = relation.sameMatter
    .filter((c) => byId.has(c.id))
    .sort((a, b) => Number(b.samePerson) - Number(a.samePerson))
    .slice(0, MAX_SIMILAR)
    .map((c) => ({ ...presentCaseSummary(byId.get(c.id)!, now), samePerson: c.samePerson }));
  return { routing, sameMatter };
}

function personIndexes(ctx: AppContext, input: IntakeHintsInput) {
  const today = ctx.now();
  const idIndexes: string[] = [];
  const phoneIndexes: string[] = [];
  for (const p of input.petitioners) {
    const id = p.idNumber?.trim() ? validateIdNumber(p.idNumber.trim(), today) : null;
    if (id?.ok) idIndexes.push(ctx.cipher.blindIndex('id', id.normalized));
    const phone = p.phone?.trim() ? parsePhone(p.phone.trim()) : null;
    if (phone?.ok) phoneIndexes.push(ctx.cipher.blindIndex('phone', phone.normalized));
  }
  return { idIndexes, phoneIndexes };
}

async function earlierCasesOf(ctx: AppContext, actor: StaffActor, input: IntakeHintsInput) {
  // Hints follow typing: a half-typed or wrong number finds nothing; the form's own check names it.
  const person = personIndexes(ctx, input);
  const ids = new Set(person.idIndexes);
  const phones = new Set(person.phoneIndexes);
  if (!ids.size && !phones.size) return { earlierCases: [], earlierTotal: 0 };

  const region = ctx.config.REGION;
  const petitionerWhere = (cond: SQL) =>
    sql`exists (select 1 from ${casePetitioners} where ${casePetitioners.region} = ${cases.region} and ${casePetitioners.caseId} = ${cases.id} and ${cond})`;
  const byId = ids.size ? petitionerWhere(inArray(casePetitioners.idNumberBidx, [...ids])) : sql`false`;
  const byPhone = phones.size ? petitionerWhere(inArray(casePetitioners.phoneBidx, [...phones])) : sql`false`;
  const rows = await ctx.db
    // In a select list drizzle writes bare column names ("region" = "region" inside the subquery): qualified by hand.
    .select({ c: cases, byId: ids.size ? sql<boolean>`exists (select 1 from "case_petitioners" cp where cp.region = "cases"."region" and cp.case_id = "cases"."id" and cp.id_number_bidx in ${[...ids]})` : sql<boolean>`false` })
    .from(cases)
    .where(and(eq(cases.region, region), or(byId, byPhone), caseScopeFilter(actor), input.excludeCaseId ? sql`${cases.id} <> ${input.excludeCaseId}` : undefined))
    .orderBy(desc(cases.receivedAt), desc(cases.number))
    .limit(MAX_EARLIER + 1);
  await writeAudit(ctx, {
    actorId: actor.userId,
    action: 'intake.person_lookup',
    targetType: 'petitioner',
    targetId: null,
    // Blind indexes only: the audit log never holds the number that was typed.
    data: { idIndexes: [...ids], phoneIndexes: [...phones], found: Math.min(rows.length, MAX_EARLIER) },
  });
  const now = ctx.now();
  return {
    earlierCases: rows.slice(0, MAX_EARLIER).map((r) => ({ ...presentCaseSummary(r.c, now), matchedBy: r.byId ? 'id_number' : 'phone' })),
    earlierTotal: rows.length > MAX_EARLIER ? `${MAX_EARLIER}+` : rows.length,
  };
}

async function similarCases(ctx: AppContext, actor: StaffActor, input: IntakeHintsInput) {
  const text = `${input.title ?? ''}\n${input.content ?? ''}`.trim();
  const keywords = text ? ctx.segmenter.keywords(text, KEYWORDS) : [];
  if (!keywords.length) return { keywords, similarCases: [] };
  // Half the keywords (at least one) must match: one shared word like 小区 is not the same matter.
  const rows = await findSimilarCases(ctx.db, {
    region: ctx.config.REGION,
    keywords,
    needed: Math.max(1, Math.ceil(keywords.length / 2)),
    since: new Date(ctx.now().getTime() - SIMILAR_WINDOW_DAYS * 86_400_000),
    where: [sql`${cases.state} not in ${NOT_A_DUPLICATE_TARGET}`, caseScopeFilter(actor), input.excludeCaseId ? sql`${cases.id} <> ${input.excludeCaseId}` : undefined],
    limit: MAX_SIMILAR,
  });
  const now = ctx.now();
  return {
    keywords,
    similarCases: rows.map((r) => ({ ...presentCaseSummary(r.c, now), matchedKeywords: r.matched, ofKeywords: keywords.length })),
  };
}
