/**
 * Every lifecycle command on an existing case goes through here: one transaction that loads the
 * case under a row lock, checks scope, asks the domain, fills in due dates and writes the new
 * state with its events. An illegal command changes nothing.
 */
import crypto from 'node:crypto';
import { lockWarningNumbers } from './warnings/warning-store.js';
import { and, asc, eq } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import type { Urgency } from '../domain/case-fields.js';
import type { CaseSnapshot, Command, Relation, Role } from '../domain/lifecycle/types.js';
import { applyCommand } from '../domain/lifecycle/apply-command.js';
import { isOpen } from '../domain/lifecycle/transitions.js';
import type { Tx } from '../store/database.js';
import { casePetitioners, cases } from '../store/schema.js';
import { appendCaseEvents, type NewEvent } from '../store/case-events.js';
import { findUnitsById, pathIds, type UnitRow } from '../store/org-repository.js';
import { caseInScope, isInAccusedUnit } from '../store/scope.js';
import type { AppContext, ServiceActor, StaffActor } from './context.js';
import { pausableClocksOf, recomputeClocks } from './case-clocks.js';
import { registerCase } from './register-case.js';
import { questionsForCategory } from './category-questions.js';
import { syncCaseTimers } from './case-timers.js';
import { openSupervisionOf, recordSupervision, recordSupervisionReply } from './supervision.js';
import { pushSimilarOnSettlement } from './leader-push.js';

export type CaseRow = typeof cases.$inferSelect;

export interface CommandOutcome {
  caseId: string;
  state: string;
  events: { seq: number; type: string }[];
  /** ids of cases a split created */
  createdCaseIds: string[];
}

/** Given the case row and the actor, returns how the actor stands to the case (domain Relation). */
export function relationsOf(actor: ServiceActor, row: CaseRow, units: Map<string, UnitRow>): Set<Relation> {
  const rel = new Set<Relation>();
  if (actor.kind === 'petitioner') {
    if (actor.caseId === row.id) rel.add('self');
    return rel;
  }
  if (isInAccusedUnit(actor, row.accusedUnitPaths)) return rel; // Art. 30: nothing, not even a relation
  if (actor.roles.every((r) => r === 'admin')) return rel; // admins run the system, they do no case work
  if (caseInScope(actor, row)) rel.add('scope');
  if (row.leadUnitId) {
    const lead = units.get(row.leadUnitId);
    if (actor.unitId === row.leadUnitId) rel.add('lead');
    // a unit head answers for the units under him
    else if (lead && actor.roles.includes('unit_head') && lead.path.startsWith(actor.unitPath)) rel.add('lead');
  }
  if (row.assistUnitIds.includes(actor.unitId)) rel.add('assist');
  if (row.ownerLeaderId && row.ownerLeaderId === actor.userId) rel.add('owner');
  return rel;
}

/** Given a case row, returns it locked for update in this transaction, or null. */
export async function findCaseForUpdate(tx: Tx, region: string, caseId: string): Promise<CaseRow | null> {
  const [row] = await tx
    .select()
    .from(cases)
    .where(and(eq(cases.region, region), eq(cases.id, caseId)))
    .for('update')
    .limit(1);
  return row ?? null;
}

/**
 * Given an actor, a case id and a command, returns the outcome after applying it in one
 * transaction; throws CASE_NOT_FOUND for a case the actor cannot see (missing and not yours alike).
 */
export async function runCaseCommand(
  ctx: AppContext,
  actor: ServiceActor,
  caseId: string,
  command: Command,
  opts: { tx?: Tx; /** bulk loaders rebuild timers once at the end (rebuildOpenCaseTimers) */ deferTimers?: boolean } = {},
): Promise<CommandOutcome> {
  const now = ctx.now();
  const region = ctx.config.REGION;
  const run = async (tx: Tx): Promise<CommandOutcome> => {
    const row = await findCaseForUpdate(tx, region, caseId);
    if (!row) throw new AppError('CASE_NOT_FOUND');
    const unitIds = [row.leadUnitId, ...row.assistUnitIds, ...commandUnitIds(command)].filter((x): x is string => !!x);
    const units = await findUnitsById(tx, unitIds);
    const relations = relationsOf(actor, row, units);
    if (relations.size === 0) throw new AppError('CASE_NOT_FOUND');

    await checkCommandTargets(ctx, tx, actor, row, command, units);
    const supervision = command.type === 'supervision_reply' ? await openSupervisionOf(tx, region, row.id, command.supervisionId) : null;

    const roles: readonly Role[] = actor.kind === 'petitioner' ? ['petitioner'] : actor.roles;
    const result = applyCommand(row.snapshot as CaseSnapshot, command, {
      actor: { userId: actor.kind === 'staff' ? actor.userId : null, roles, unitId: actor.kind === 'staff' ? actor.unitId : null },
      relations,
      now,
      pausableClocks: pausableClocksOf(ctx, row.ruleSetId),
    });
    const { snapshot, nextDue } = recomputeClocks(ctx, row.ruleSetId, row.urgency as Urgency, result.snapshot, now);

    const createdCaseIds: string[] = [];
    const extraData: Record<string, unknown> = {};
    if (command.type === 'chase' || command.type === 'supervise') extraData.supervisionId = crypto.randomUUID();
    if (command.type === 'split') {
      // Lock order as in a single registration (warning numbers before the case counter): the first
      // child draws a number before the second may raise a warning.
      await lockWarningNumbers(ctx, tx);
      for (const part of command.parts) {
        const child = await splitChild(ctx, tx, actor as StaffActor, row, part);
        createdCaseIds.push(child.caseId);
      }
      extraData.createdCaseIds = createdCaseIds;
    }

    const leadUnit = snapshot.leadUnitId ? units.get(snapshot.leadUnitId) ?? null : null;
    const ownerPath = row.unitPaths[0]!;
    const unitPaths = [ownerPath, ...(leadUnit ? [leadUnit.path] : []), ...snapshot.assistUnitIds.map((id) => units.get(id)?.path).filter((p): p is string => !!p)];
    const closing = !isOpen(snapshot.state) && isOpen(row.state as CaseSnapshot['state']);
    const patch: Partial<CaseRow> = {
      state: snapshot.state,
      snapshot,
      leadUnitId: snapshot.leadUnitId,
      assistUnitIds: snapshot.assistUnitIds,
      ownerLeaderId: snapshot.ownerLeaderId,
      unitPaths: [...new Set(unitPaths)],
      nextDueAt: nextDue?.at ?? null,
      nextDueClock: nextDue?.clock ?? null,
      updatedAt: now,
      ...(closing ? { closedAt: now } : {}),
      ...(command.type === 'reply' ? { replyOpinion: command.opinion, replyText: command.text, repliedAt: now } : {}),
      ...(command.type === 'merge' ? { mergedIntoId: command.intoCaseId } : {}),
      ...(snapshot.ownerLeaderId && !row.flags.includes('leader_owned') ? { flags: [...row.flags, 'leader_owned'] } : {}),
    };
    await tx.update(cases).set(patch).where(and(eq(cases.region, region), eq(cases.id, row.id)));

    const actorId = actor.kind === 'staff' ? actor.userId : null;
    const actorRole = actor.kind === 'staff' ? (actor.roles[0] ?? null) : 'petitioner';
    const events: NewEvent[] = result.events.map((e, i) => ({
      type: e.type,
      data: i === 0 ? { ...e.data, ...extraData, ...dueData(snapshot, result.startClocks) } : e.data,
      actorId,
      actorRole,
    }));
    const stored = await appendCaseEvents(tx, { region, caseId: row.id, count: row.eventCount, headHash: row.headHash, unitPathsBefore: row.unitPaths }, events, now);
    if (!opts.deferTimers) await syncCaseTimers(ctx, tx, { region, id: row.id, ruleSetId: row.ruleSetId, snapshot }, row.snapshot as CaseSnapshot);
    if (command.type === 'chase' || command.type === 'supervise') await recordSupervision(ctx, tx, actor as StaffActor, row, command, extraData.supervisionId as string);
    if (supervision && command.type === 'supervision_reply') await recordSupervisionReply(ctx, tx, actor as StaffActor, supervision, command.text);
    // DOMAIN.md §5: when a leader's case is settled, similar open cases are pushed to their units.
    if (closing && snapshot.ownerLeaderId) await pushSimilarOnSettlement(ctx, tx, row);
    if (command.type === 'merge') {
      const target = await findCaseForUpdate(tx, region, command.intoCaseId);
      if (target) {
        await appendCaseEvents(
          tx,
          { region, caseId: target.id, count: target.eventCount, headHash: target.headHash },
          [{ type: 'case.merged_in', data: { fromCaseId: row.id, fromNumber: row.number }, actorId, actorRole }],
          now,
        );
      }
    }
    return { caseId: row.id, state: snapshot.state, events: stored.map((s) => ({ seq: s.seq, type: s.type })), createdCaseIds };
  };
  return opts.tx ? run(opts.tx) : ctx.db.transaction(run);
}


/** Due dates of the clocks a command started go into its event, so the timeline tells them. */
function dueData(snapshot: CaseSnapshot, started: string[]): Record<string, unknown> {
  if (started.length === 0) return {};
  const due: Record<string, string> = {};
  for (const name of started) {
    const c = snapshot.clocks[name as keyof CaseSnapshot['clocks']];
    if (c?.dueAt) due[name] = c.dueAt;
  }
  return { due };
}

function commandUnitIds(command: Command): string[] {
  switch (command.type) {
    case 'dispatch':
    case 'redispatch':
    case 'refer_joint_meeting':
      return [command.leadUnitId, ...command.assistUnitIds];
    case 'escalate':
      return [command.toUnitId];
    default:
      return [];
  }
}

/**
 * Service-level checks the pure domain cannot make without the org tree: target units exist and
 * are active, lie in the dispatcher's scope, are not the accused (Art. 30), escalation goes exactly
 * one tier up, a merge target is another open case in scope.
 */
async function checkCommandTargets(ctx: AppContext, tx: Tx, actor: ServiceActor, row: CaseRow, command: Command, units: Map<string, UnitRow>) {
  const targets = commandUnitIds(command);
  for (const [i, id] of targets.entries()) {
    const u = units.get(id);
    const path = i === 0 ? 'leadUnitId' : 'assistUnitIds';
    if (!u || !u.active) throw new AppError('UNIT_NOT_FOUND', { path, unitId: id });
    if (row.accusedUnitPaths.some((p) => u.path.startsWith(p))) throw new AppError('ACCUSATION_CONFLICT', { path, unitId: id });
  }
  if ((command.type === 'dispatch' || command.type === 'redispatch' || command.type === 'refer_joint_meeting') && actor.kind === 'staff') {
    if (command.assistUnitIds.includes(command.leadUnitId)) throw new AppError('VALIDATION_FAILED', { path: 'assistUnitIds', reason: 'lead_in_assist' });
    for (const id of targets) {
      if (!units.get(id)!.path.startsWith(actor.scopePath)) throw new AppError('FORBIDDEN', { path: 'leadUnitId', reason: 'unit_outside_scope', unitId: id });
    }
  }
  if (command.type === 'escalate') {
    const current = row.leadUnitId ? (await findUnitsById(tx, [row.leadUnitId])).get(row.leadUnitId) : null;
    const to = units.get(command.toUnitId)!;
    // 小事不出村社、大事不出街道: one tier at a time, grid → community → street → district.
    const tiers = ['micro_grid', 'grid', 'community', 'street', 'district'];
    if (!current || current.parentId !== to.id || tiers.indexOf(to.kind) <= tiers.indexOf(current.kind) || tiers.indexOf(to.kind) < 0) {
      throw new AppError('VALIDATION_FAILED', { path: 'toUnitId', reason: 'not_parent_tier' });
    }
  }
  if (command.type === 'merge') {
    if (command.intoCaseId === row.id) throw new AppError('VALIDATION_FAILED', { path: 'intoCaseId', reason: 'self' });
    const [target] = await tx.select().from(cases).where(and(eq(cases.region, row.region), eq(cases.id, command.intoCaseId))).limit(1);
    if (!target || actor.kind !== 'staff' || !caseInScope(actor, target) || !isOpen(target.state as CaseSnapshot['state'])) {
      throw new AppError('CASE_NOT_FOUND', { path: 'intoCaseId' });
    }
    // Art. 30: an accusation must not surface, even as a merge note, in a case the accused unit works on.
    if (target.unitPaths.some((p) => row.accusedUnitPaths.some((a) => p.startsWith(a)))) {
      throw new AppError('ACCUSATION_CONFLICT', { path: 'intoCaseId' });
    }
  }
  void ctx;
}

/**
 * A split part becomes a new case with the same petitioners and the parent's answers, linked to its
 * parent. Answers to questions retired since are left on the parent (the part could not be
 * registered with them); required questions are not enforced, as for any registrar.
 */
async function splitChild(ctx: AppContext, tx: Tx, actor: StaffActor, parent: CaseRow, part: { title: string; content: string }) {
  const petitioners = await loadPetitionersPlain(ctx, tx, parent);
  const asked = parent.categoryCode ? new Set((await questionsForCategory(tx, parent.categoryCode)).map((q) => q.code)) : new Set<string>();
  const answers = Object.fromEntries(Object.entries((parent.answers ?? {}) as Record<string, unknown>).filter(([code]) => asked.has(code)));
  return registerCase(
    ctx,
    actor,
    {
      channel: parent.channel as never,
      nature: parent.nature as never,
      type12345: parent.type12345 as never,
      categoryCode: parent.categoryCode,
      title: part.title,
      content: part.content,
      urgency: parent.urgency as Urgency,
      petitioners,
      confidential: parent.confidential,
      gridId: parent.gridUnitId,
      accusedUnitIds: parent.accusedUnitPaths.map(unitIdOfPath),
      parentCaseId: parent.id,
      receivedAt: parent.receivedAt,
      answers,
      enforceRequiredAnswers: false,
    },
    { tx },
  );
}

async function loadPetitionersPlain(ctx: AppContext, tx: Tx, row: CaseRow) {
  const list = await tx
    .select()
    .from(casePetitioners)
    .where(and(eq(casePetitioners.region, row.region), eq(casePetitioners.caseId, row.id)))
    .orderBy(asc(casePetitioners.seq));
  return list.map((p) => ({
    name: ctx.cipher.decrypt(p.nameEnc),
    phone: p.phoneEnc ? ctx.cipher.decrypt(p.phoneEnc) : null,
    idNumber: p.idNumberEnc ? ctx.cipher.decrypt(p.idNumberEnc) : null,
    address: p.addressEnc ? ctx.cipher.decrypt(p.addressEnc) : null,
    representative: p.representative,
  }));
}

/** Paths are '/<root id>/…/<unit id>/': the last segment is the unit itself. */
export const unitIdOfPath = (path: string) => pathIds(path).at(-1)!;
