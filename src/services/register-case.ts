/**
 * Intake: a new case from any channel — the public portal (online, QR), staff entering a call,
 * letter or visit, a leader's reception day, a grid worker's report, a 12345 transfer. One
 * transaction writes the case, its petitioners (encrypted), its first event and, for public
 * submissions, the idempotency key, so a retried submission never makes a second case.
 */
import crypto from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import type { Channel, Nature, Type12345, Urgency } from '../domain/case-fields.js';
import { COLLECTIVE_THRESHOLD, MAX_REPRESENTATIVES, deriveFlags } from '../domain/case-fields.js';
import type { CaseSnapshot } from '../domain/lifecycle/types.js';
import { assertIdNumber } from '../domain/personal-data/id-number.js';
import { assertPhone } from '../domain/personal-data/phone.js';
import { maskAddress, maskIdNumber, maskName, maskPhone } from '../domain/personal-data/mask.js';
import { toChinaDate } from '../domain/deadlines/index.js';
import type { Tx } from '../store/database.js';
import { casePetitioners, cases, categories, idempotencyKeys } from '../store/schema.js';
import { nextCaseNumber } from './case-numbers.js';
import { writeAudit } from './audit-log.js';
import { appendCaseEvents } from '../store/case-events.js';
import { OPEN_STATES } from '../domain/lifecycle/transitions.js';
import { findActiveUser, findUnitsById } from '../store/org-repository.js';
import { isUniqueViolation, sqlState } from '../store/pg-errors.js';
import type { AppContext, StaffActor } from './context.js';
import { syncCaseTimers } from './case-timers.js';
import { recomputeClocks } from './case-clocks.js';
import { resolvePublicIntakeUnit } from './settings.js';
import { analyseText, joinMatter, relateToEarlierCases, routingFor } from './intake-intelligence.js';
import { saveFingerprint } from '../store/case-fingerprints.js';
import { raiseIntakeWarnings } from './warnings/intake-rules.js';
import { validateAnswers, type Answers } from '../domain/categories/answers.js';
import { questionsForRegistration } from './category-questions.js';

export interface PetitionerInput {
  name: string;
  phone?: string | null;
  idNumber?: string | null;
  address?: string | null;
  representative?: boolean;
}

export interface RegisterCaseInput {
  channel: Channel;
  nature: Nature;
  type12345?: Type12345 | null;
  categoryCode?: string | null;
  title: string;
  content: string;
  urgency?: Urgency;
  petitioners: PetitionerInput[];
  confidential?: boolean;
  /** the grid the case arose in (a QR poster carries it) */
  gridId?: string | null;
  location?: { address?: string | null; lat?: number | null; lng?: number | null } | null;
  /** for accusations (检举控告): the units accused; they will never see the case */
  accusedUnitIds?: string[];
  /** a leader receiving the petitioner on a reception day owns the case (领导包案) */
  ownerLeaderId?: string | null;
  receivedAt?: Date;
  returnedFromHigherLevel?: boolean;
  parentCaseId?: string | null;
  /** answers to the category's questions, by question code (domain/categories/answers.ts) */
  answers?: Record<string, unknown> | null;
  /** whether every required question must be answered; default: for the public (actor null) yes, for staff no */
  enforceRequiredAnswers?: boolean;
  /** for bulk imports: the system the case came from and its number there (unique per source) */
  externalSource?: string | null;
  externalRef?: string | null;
}

export interface RegisteredCase {
  caseId: string;
  number: string;
  queryCode: string;
  replayed: boolean;
}

const QUERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I: read over the phone

/** Given nothing, returns a fresh 8-character query code from an alphabet safe to read aloud. */
export function newQueryCode(): string {
  const bytes = crypto.randomBytes(8);
  let out = '';
  for (const b of bytes) out += QUERY_ALPHABET[b % QUERY_ALPHABET.length];
  return out;
}

/** Given the case number and code, returns the keyed hash stored for tracking lookups. */
export function hashQueryCode(ctx: AppContext, number: string, code: string): string {
  return ctx.cipher.blindIndex('query_code', `${number}:${code.toUpperCase()}`);
}

/**
 * Given a registration by a staff actor or the public (actor null), returns the new case's number and
 * query code. With an idempotency key, a repeat of the same request returns the first answer.
 */
export async function registerCase(
  ctx: AppContext,
  actor: StaffActor | null,
  input: RegisterCaseInput,
  opts: {
    idempotencyKey?: string | null;
    tx?: Tx;
    /** bulk loaders rebuild timers once at the end (rebuildOpenCaseTimers) */
    deferTimers?: boolean;
    /** a number reserved beforehand (bulk import): used instead of taking the year's counter, whose row the caller's transaction then never locks */
    number?: string;
  } = {},
): Promise<RegisteredCase> {
  const now = ctx.now();
  const region = ctx.config.REGION;
  const prepared = preparePetitioners(ctx, input.petitioners, now);
  const requestHash = crypto.createHash('sha256').update(JSON.stringify(input)).digest('hex');
  const idemKey = opts.idempotencyKey ? `public:${opts.idempotencyKey}` : null;

  if (idemKey) {
    const replay = await findIdempotentReplay(ctx, region, idemKey, requestHash);
    if (replay) return replay;
  }

  // a number taken in its own commit (PostgreSQL, a registration of its own): left unused if this fails
  const numbering = ctx.database?.numbering;
  const ownNumber = !!numbering && !opts.tx && !opts.number;
  let taken: string | null = null;

  const run = async (tx: Tx): Promise<RegisteredCase> => {
    const caseId = crypto.randomUUID();
    const queryCode = newQueryCode();
    if (idemKey) {
      // First write of the transaction: a concurrent twin blocks here and then fails on the key.
      // The reply is kept with the key (a replay returns it); the number is the case's, read at replay.
      await tx.insert(idempotencyKeys).values({ region, key: idemKey, requestHash, caseId, response: { caseId, queryCode }, createdAt: now });
    }
    const units = await resolveUnits(ctx, tx, actor, input);
    const category = input.categoryCode ? await findCategory(tx, input.categoryCode) : null;
    const answers = await checkAnswers(tx, category?.code ?? null, input.answers, input.enforceRequiredAnswers ?? actor === null);
    const receivedAt = input.receivedAt ?? now;
    // A split petition's parts are not repeat petitions of their (still open) parent: they are repeats
    // exactly when the petition was one.
    const isPart = !!input.parentCaseId;
    const earlier = isPart ? await isRepeatPetition(tx, region, input.parentCaseId!) : await hasEarlierCaseOfSamePerson(tx, region, prepared, category?.code ?? null);
    const person = {
      idIndexes: prepared.map((p) => p.idBidx).filter((x): x is string => !!x),
      phoneIndexes: prepared.map((p) => p.phoneBidx).filter((x): x is string => !!x),
    };
    // The matter: earlier near-identical cases (anyone's), and the same person's among them (重复信访).
    const analysis = analyseText(ctx, input.title, input.content);
    // Art. 30: an accusation is always confidential, whatever the form said.
    const confidential = input.nature === 'accusation' || (input.confidential ?? false);
    const relation = await relateToEarlierCases(tx, region, analysis.fingerprint, person, { now, confidential });
    const flags = deriveFlags({
      petitionerCount: prepared.length,
      hasEarlierCaseOfSamePerson: earlier || (!isPart && relation.repeatOf !== null),
      receivedAboveDistrict: units.receivedAboveDistrict,
      ownerLeaderId: input.ownerLeaderId ?? null,
      categoryName: category?.rootName ?? null,
      text: `${input.title}\n${input.content}`,
      returnedFromHigherLevel: input.returnedFromHigherLevel ?? false,
    });
    const ruleSetId = ctx.config.DEFAULT_RULE_SET;
    const urgency = input.urgency ?? 'normal';
    const base: CaseSnapshot = {
      state: 'registered',
      leadUnitId: null,
      assistUnitIds: [],
      ownerLeaderId: input.ownerLeaderId ?? null,
      hearing: false,
      extension: 'none',
      reworkCount: 0,
      lastVisit: null,
      clocks: {
        // Art. 22: the petition office registers and forwards/assigns within 15 days of receipt.
        forward: { startedAt: receivedAt.toISOString(), dueAt: '', pausedMs: 0, pausedSince: null, extensionDays: 0, stoppedAt: null },
      },
    };
    const { snapshot, nextDue } = recomputeClocks(ctx, ruleSetId, urgency, base, now);
    const address = input.location?.address?.trim() || null;
    const searchText = ctx.segmenter.searchText(input.title, input.content);
    let routing = await routingFor(ctx, tx, { title: input.title, content: input.content, placePath: (units.grid ?? units.owner).path, words: analysis.words });
    if (routing?.unit && units.accusedPaths.length) {
      // Never suggest sending an accusation to the unit it accuses (Art. 30).
      const suggested = (await findUnitsById(tx, [routing.unit.id])).get(routing.unit.id);
      if (!suggested || units.accusedPaths.some((p) => suggested.path.startsWith(p))) routing = { ...routing, unit: null };
    }
    await joinMatter(tx, region, relation);
    await raiseIntakeWarnings(ctx, tx, {
      caseId,
      receivedAt,
      title: input.title,
      content: input.content,
      flags,
      ownerUnit: { id: units.owner.id, path: units.owner.path },
      gridUnit: units.grid ? { id: units.grid.id, path: units.grid.path } : null,
      matterId: relation.matterId,
      repeatOfId: relation.repeatOf?.id ?? null,
      keywords: analysis.keywords,
      person,
      confidential,
      accusedUnitPaths: units.accusedPaths,
    });
    if (!opts.deferTimers) await syncCaseTimers(ctx, tx, { region, id: caseId, ruleSetId, snapshot });
    await saveFingerprint(tx, region, caseId, analysis.fingerprint, receivedAt);
    await tx.insert(casePetitioners).values(prepared.map((p, i) => ({ region, caseId, seq: i + 1, ...p.stored })));
    // The number last, just before the writes that carry it. Inside this transaction its counter row
    // stays locked until commit and serialises concurrent intakes, so on PostgreSQL it is taken in a
    // commit of its own on the numbering pool; only the case row and its first event follow it.
    const year = Number(toChinaDate(receivedAt).slice(0, 4));
    const number = opts.number ?? (ownNumber ? (taken = await nextCaseNumber(numbering!, region, year)) : await nextCaseNumber(tx, region, year));

    await tx.insert(cases).values({
      region,
      id: caseId,
      number,
      queryCodeHash: hashQueryCode(ctx, number, queryCode),
      channel: input.channel,
      nature: input.nature,
      type12345: input.type12345 ?? null,
      categoryCode: category?.code ?? null,
      title: input.title,
      content: input.content,
      searchText,
      urgency,
      state: 'registered',
      ruleSetId,
      ownerUnitId: units.owner.id,
      gridUnitId: units.grid?.id ?? null,
      leadUnitId: null,
      assistUnitIds: [],
      ownerLeaderId: input.ownerLeaderId ?? null,
      unitPaths: [units.owner.path],
      accusedUnitPaths: units.accusedPaths,
      addressEnc: address ? ctx.cipher.encrypt(address) : null,
      addressMask: address ? maskAddress(address) : null,
      lat: input.location?.lat ?? units.grid?.lat ?? null,
      lng: input.location?.lng ?? units.grid?.lng ?? null,
      flags,
      confidential,
      petitionerCount: prepared.length,
      snapshot,
      nextDueAt: nextDue?.at ?? null,
      nextDueClock: nextDue?.clock ?? null,
      parentCaseId: input.parentCaseId ?? null,
      receivedAt,
      createdAt: now,
      updatedAt: now,
      createdBy: actor?.userId ?? null,
      eventCount: 0,
      headHash: null,
      keywords: analysis.keywords,
      matterId: relation.matterId,
      repeatOfId: relation.repeatOf?.id ?? null,
      answers,
      externalSource: input.externalSource ?? null,
      externalRef: input.externalRef ?? null,
    });
    await appendCaseEvents(
      tx,
      { region, caseId, count: 0, headHash: null },
      [
        {
          type: 'case.registered',
          actorId: actor?.userId ?? null,
          actorRole: actor ? actor.roles[0] ?? null : 'petitioner',
          data: {
            number,
            channel: input.channel,
            nature: input.nature,
            categoryCode: category?.code ?? null,
            ownerUnitId: units.owner.id,
            gridUnitId: units.grid?.id ?? null,
            petitionerCount: prepared.length,
            flags,
            receivedAt: receivedAt.toISOString(),
            ...(Object.keys(answers).length ? { answers } : {}),
            ...(input.externalRef ? { external: { source: input.externalSource ?? null, ref: input.externalRef } } : {}),
            ...(input.parentCaseId ? { parentCaseId: input.parentCaseId } : {}),
            ...(relation.matterId ? { matterId: relation.matterId } : {}),
            ...(relation.repeatOf ? { repeatOfId: relation.repeatOf.id } : {}),
            ...(routing
              ? {
                  routing: {
                    categoryCode: routing.category?.code ?? null,
                    categoryConfidence: routing.category?.confidence ?? null,
                    unitId: routing.unit?.id ?? null,
                    unitConfidence: routing.unit?.confidence ?? null,
                    unitBasis: routing.unit?.basis ?? null,
                    modelId: routing.model.id,
                  },
                }
              : {}),
          },
        },
      ],
      now,
    );
    return { caseId, number, queryCode, replayed: false };
  };

  if (opts.tx) return run(opts.tx);
  try {
    return await ctx.db.transaction(run);
  } catch (err) {
    if (taken) await auditUnusedNumber(ctx, actor, taken, err);
    if (idemKey && isUniqueViolation(err)) {
      const replay = await findIdempotentReplay(ctx, region, idemKey, requestHash);
      if (replay) return replay;
    }
    throw err;
  }
}

/** Given a number taken for a registration that then failed, notes it unused in the audit log (so the gap is explained). */
async function auditUnusedNumber(ctx: AppContext, actor: StaffActor | null, number: string, err: unknown): Promise<void> {
  const code = err instanceof AppError ? err.code : (sqlState(err) ?? null);
  try {
    // a commit whose answer was lost (the connection dropped) may have kept the case after all
    const [kept] = await ctx.db.select({ id: cases.id }).from(cases).where(and(eq(cases.region, ctx.config.REGION), eq(cases.number, number))).limit(1);
    if (kept) return;
    await writeAudit(ctx, { actorId: actor?.userId ?? null, action: 'case_number.unused', targetType: 'case_number', targetId: number, data: { number, error: code } });
  } catch (auditErr) {
    ctx.logger.error({ err: auditErr, number }, '未使用的案件编号未能记入审计日志 (unused case number not audited)');
  }
}

async function findIdempotentReplay(ctx: AppContext, region: string, key: string, requestHash: string): Promise<RegisteredCase | null> {
  const [row] = await ctx.db
    .select({ requestHash: idempotencyKeys.requestHash, response: idempotencyKeys.response, number: cases.number })
    .from(idempotencyKeys)
    .leftJoin(cases, and(eq(cases.region, idempotencyKeys.region), eq(cases.id, idempotencyKeys.caseId)))
    .where(and(eq(idempotencyKeys.region, region), eq(idempotencyKeys.key, key)))
    .limit(1);
  if (!row) return null;
  if (row.requestHash !== requestHash) throw new AppError('IDEMPOTENCY_CONFLICT');
  // keys written before the number moved out of the reply carry it there too
  const r = row.response as { caseId: string; queryCode: string; number?: string };
  const number = row.number ?? r.number;
  if (!number) return null;
  return { caseId: r.caseId, queryCode: r.queryCode, number, replayed: true };
}

interface PreparedPetitioner {
  idBidx: string | null;
  phoneBidx: string | null;
  stored: Omit<typeof casePetitioners.$inferInsert, 'region' | 'caseId' | 'seq'>;
}

function preparePetitioners(ctx: AppContext, list: PetitionerInput[], now: Date): PreparedPetitioner[] {
  if (list.length === 0) throw new AppError('PETITIONER_REQUIRED');
  const reps = list.filter((p) => p.representative).length;
  // Art. 20: a collective petition chooses at most five representatives.
  if (list.length >= COLLECTIVE_THRESHOLD && reps > MAX_REPRESENTATIVES) throw new AppError('REPRESENTATIVES_TOO_MANY', { representatives: reps });
  const today = toChinaDate(now);
  return list.map((p, index) => {
    const name = p.name.trim();
    const idNumber = p.idNumber?.trim() ? withIndex(index, () => assertIdNumber(p.idNumber!.trim(), today).normalized) : null;
    const phone = p.phone?.trim() ? withIndex(index, () => assertPhone(p.phone!.trim())) : null;
    const address = p.address?.trim() || null;
    const idBidx = idNumber ? ctx.cipher.blindIndex('id', idNumber) : null;
    const phoneBidx = phone ? ctx.cipher.blindIndex('phone', phone) : null;
    return {
      idBidx,
      phoneBidx,
      stored: {
        nameEnc: ctx.cipher.encrypt(name),
        nameMask: maskName(name),
        idNumberEnc: idNumber ? ctx.cipher.encrypt(idNumber) : null,
        idNumberMask: idNumber ? maskIdNumber(idNumber) : null,
        idNumberBidx: idBidx,
        phoneEnc: phone ? ctx.cipher.encrypt(phone) : null,
        phoneMask: phone ? maskPhone(phone) : null,
        phoneBidx,
        addressEnc: address ? ctx.cipher.encrypt(address) : null,
        addressMask: address ? maskAddress(address) : null,
        representative: p.representative ?? false,
      },
    };
  });
}

/** Validation errors of the n-th petitioner name their field path, so a form can mark it. */
function withIndex<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.code, { ...err.details, path: `petitioners.${index}` });
    throw err;
  }
}

async function resolveUnits(ctx: AppContext, tx: Tx, actor: StaffActor | null, input: RegisterCaseInput) {
  const ids = [input.gridId, ...(input.accusedUnitIds ?? [])].filter((x): x is string => !!x);
  const found = await findUnitsById(tx, ids);
  let grid = null;
  if (input.gridId) {
    grid = found.get(input.gridId) ?? null;
    if (!grid || !grid.active || (grid.kind !== 'grid' && grid.kind !== 'micro_grid' && grid.kind !== 'community')) {
      throw new AppError('UNIT_NOT_FOUND', { path: 'gridId' });
    }
  }
  const accusedPaths: string[] = [];
  for (const id of input.accusedUnitIds ?? []) {
    const u = found.get(id);
    if (!u) throw new AppError('UNIT_NOT_FOUND', { path: 'accusedUnitIds' });
    accusedPaths.push(u.path);
  }
  // The owner is where the case arose (a grid) or where it was received (the staff member's unit).
  // Accusations always go to the petition office (Art. 30): the grid they arose in may be the accused.
  let owner = input.nature === 'accusation' ? null : grid;
  if (!owner && actor && input.nature !== 'accusation') owner = (await findUnitsById(tx, [actor.unitId])).get(actor.unitId) ?? null;
  if (!owner) owner = await resolvePublicIntakeUnit(tx);
  if (accusedPaths.some((p) => owner!.path.startsWith(p))) {
    // Never let an accusation land in the accused unit's own subtree: take it to the intake office.
    owner = await resolvePublicIntakeUnit(tx);
    if (accusedPaths.some((p) => owner!.path.startsWith(p))) throw new AppError('ACCUSATION_CONFLICT');
  }
  if (input.ownerLeaderId) {
    const leader = await findActiveUser(tx, input.ownerLeaderId);
    if (!leader || !leader.roles.includes('leader')) throw new AppError('USER_NOT_FOUND', { path: 'ownerLeaderId' });
  }
  const receivedAboveDistrict = owner.kind === 'city' || (owner.kind === 'department' && owner.level === 'city');
  return { owner, grid, accusedPaths, receivedAboveDistrict };
}

async function findCategory(tx: Tx, code: string) {
  const [row] = await tx.select().from(categories).where(and(eq(categories.code, code), eq(categories.active, true))).limit(1);
  if (!row) throw new AppError('CATEGORY_NOT_FOUND', { path: 'category' });
  const [root] = await tx.select({ name: categories.name }).from(categories).where(eq(categories.code, code.slice(0, 2))).limit(1);
  return { code: row.code, rootName: root?.name ?? null };
}

/**
 * Given the case's category (or none) and the raw answers, returns the answers normalised, or throws
 * VALIDATION_FAILED naming each bad answer at `answers.<code>`.
 */
async function checkAnswers(tx: Tx, categoryCode: string | null, raw: Record<string, unknown> | null | undefined, enforceRequired: boolean): Promise<Answers> {
  const questions = categoryCode ? await questionsForRegistration(tx, categoryCode) : [];
  if (questions.length === 0 && Object.keys(raw ?? {}).length === 0) return {};
  const { answers, problems } = validateAnswers(questions, raw, { enforceRequired });
  if (problems.length) throw new AppError('VALIDATION_FAILED', { fields: problems });
  return answers;
}

/** Given a case, returns whether it is flagged a repeat petition. */
async function isRepeatPetition(tx: Tx, region: string, caseId: string): Promise<boolean> {
  const [row] = await tx.select({ flags: cases.flags }).from(cases).where(and(eq(cases.region, region), eq(cases.id, caseId)));
  return row?.flags.includes('repeat') ?? false;
}

/**
 * Same person (by blind index of ID number or phone, never by decrypting) about the same matter by
 * category: the same first-level category, or, for an uncategorised case, any case of that person
 * still open. The text check (relateToEarlierCases: near-identical text) finds the rest and links the case.
 */
async function hasEarlierCaseOfSamePerson(tx: Tx, region: string, list: PreparedPetitioner[], categoryCode: string | null): Promise<boolean> {
  const ids = list.map((p) => p.idBidx).filter((x): x is string => !!x);
  const phones = list.map((p) => p.phoneBidx).filter((x): x is string => !!x);
  if (ids.length === 0 && phones.length === 0) return false;
  const person = [];
  if (ids.length) person.push(inArray(casePetitioners.idNumberBidx, ids));
  if (phones.length) person.push(inArray(casePetitioners.phoneBidx, phones));
  const sameMatter = categoryCode
    ? sql`left(${cases.categoryCode}, 2) = ${categoryCode.slice(0, 2)}`
    : inArray(cases.state, [...OPEN_STATES]);
  const rows = await tx
    .select({ one: sql`1` })
    .from(casePetitioners)
    .innerJoin(cases, and(eq(cases.region, casePetitioners.region), eq(cases.id, casePetitioners.caseId)))
    .where(and(eq(casePetitioners.region, region), person.length === 1 ? person[0] : sql`(${person[0]} or ${person[1]})`, sameMatter))
    .limit(1);
  return rows.length > 0;
}

