/**
 * The demo district: on an empty database, the org tree of the reports' scale (16 communities,
 * 74 grids, 920 micro-grids, ~20 departments, ~50 staff), the category tree and ~5,000 cases
 * driven through the real services along planned paths, each step at its own time, so every
 * state, deadline and event is what production would have written. Deterministic from the seed.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import { generateDemoOrg, DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_REGION, type DemoOrg } from '../domain/demo/org-generator.js';
import { planDemoCases, stepTime, type DemoCasePlan, type DemoCommand, type DemoCaseMessage } from '../domain/demo/case-plan.js';
import type { Command, StaffRole } from '../domain/lifecycle/types.js';
import { orgUnits } from '../store/schema.js';
import type { Tx } from '../store/database.js';
import { pathIds } from '../store/org-repository.js';
import type { AppContext, ServiceActor, StaffActor } from './context.js';
import { actorForUser, hashPassword } from './auth.js';
import { createUser, placeUnder } from './org-units.js';
import { PUBLIC_INTAKE_UNIT, writeSetting } from './settings.js';
import { readCategoryFile, seedCategories, seedDemoCategoryQuestions } from './seed-categories.js';
import { rebuildOpenCaseTimers } from './case-timers.js';
import { registerCase } from './register-case.js';
import { runCaseCommand } from './run-case-command.js';
import { seedDemoReception } from './reception/seed-demo-reception.js';
import { seedDemoMap } from './org-shapes.js';

export const DEMO_SEED = 20_260_301;
export const DEMO_CASES = 5_000;
const FIXTURE = fileURLToPath(new URL('../../fixtures/messages-sample.jsonl', import.meta.url));
const ALIASES = fileURLToPath(new URL('../../statute/category-aliases.json', import.meta.url));

export const DEMO_BANNER = [
  `演示账号（密码均为 ${DEMO_PASSWORD}）:`,
  ...DEMO_ACCOUNTS.map((a) => `  ${a.username.padEnd(20)} ${a.role.padEnd(11)} ${a.tryThis}`),
  '群众端无需登录：POST /api/public/cases 提交，GET /api/public/cases/{件号}?code={查询码} 查询。',
].join('\n');

/** Given a context, seeds the demo district when the database has no org tree; returns whether it did. */
export async function seedDemoIfEmpty(ctx: AppContext, opts: { cases?: number; seed?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<boolean> {
  const [{ n }] = (await ctx.db.select({ n: sql<number>`count(*)::int` }).from(orgUnits)) as [{ n: number }];
  if (n > 0) {
    await seedDemoMap(ctx); // a demo database from before the map had outlines: draw them once
    if (await isDemoDistrict(ctx)) await seedDemoCategoryQuestions(ctx); // … or before category questions (once: deleted ones stay deleted)
    return false;
  }
  await seedDemo(ctx, opts);
  return true;
}

/** Given an empty database, writes the whole demo district; returns the number of cases made. */
export async function seedDemo(ctx: AppContext, opts: { cases?: number; seed?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<number> {
  const seed = opts.seed ?? DEMO_SEED;
  const org = generateDemoOrg(seed);
  const demoOrg = await insertOrg(ctx, org);
  await seedDemoMap(ctx);
  const unitIds = demoOrg.unitIds;
  await writeSetting(ctx.db, PUBLIC_INTAKE_UNIT, unitIds.get('dept-district-petition'));
  await seedCategories(ctx);
  const staff = await insertStaff(ctx, org, unitIds);

  const leafCodes = readCategoryFile()
    .filter((c) => c.level === 3)
    .map((c) => c.code);
  const plans = planDemoCases(seed, opts.cases ?? DEMO_CASES, {
    gridKeys: org.units.filter((u) => u.kind === 'grid').map((u) => u.key),
    departmentKeys: org.units.filter((u) => u.kind === 'department' && u.level === 'district').map((u) => u.key),
    categoryCodes: leafCodes,
    messages: readMessages(),
    now: ctx.now(),
    categoryAliases: (JSON.parse(fs.readFileSync(ALIASES, 'utf8')) as { aliases: Record<string, string> }).aliases,
  });
  const caseIds = new Map<number, string>();
  // Many cases per transaction: the embedded engine pays per commit, and a half-seeded demo is no use.
  const BATCH = 100;
  for (let i = 0; i < plans.length; i += BATCH) {
    await ctx.db.transaction(async (tx) => {
      for (const plan of plans.slice(i, i + BATCH)) caseIds.set(plan.index, await playPlan(ctx, tx, plan, demoOrg, staff, caseIds));
    });
    const done = Math.min(i + BATCH, plans.length);
    if (opts.onProgress && (done % 500 === 0 || done === plans.length)) opts.onProgress(done, plans.length);
  }
  // Timers are made once for the cases still open, not replayed through their whole history.
  await rebuildOpenCaseTimers(ctx);
  await seedDemoReception(ctx, staff.registrar);
  // After the cases: the demo's history was filed before anyone asked these (a required question
  // would otherwise refuse the planned citizens' submissions).
  await seedDemoCategoryQuestions(ctx);
  return plans.length;
}

/** Given a context, returns whether its org tree is the demo district's (not a real deployment started with --seed). */
async function isDemoDistrict(ctx: AppContext): Promise<boolean> {
  const [row] = await ctx.db
    .select({ id: orgUnits.id })
    .from(orgUnits)
    .where(and(eq(orgUnits.kind, 'district'), eq(orgUnits.name, DEMO_REGION.district)))
    .limit(1);
  return !!row;
}

function readMessages(): DemoCaseMessage[] {
  return fs
    .readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as DemoCaseMessage);
}

async function insertOrg(ctx: AppContext, org: DemoOrg): Promise<{ unitIds: Map<string, string>; unitPaths: Map<string, string> }> {
  const ids = new Map<string, string>();
  const paths = new Map<string, { path: string; depth: number }>();
  const rows = org.units.map((u) => {
    const id = crypto.randomUUID();
    ids.set(u.key, id);
    const parent = u.parentKey ? paths.get(u.parentKey) : null;
    if (u.parentKey && !parent) throw new Error(`demo org: parent ${u.parentKey} listed after ${u.key}`);
    const p = placeUnder(parent, id);
    paths.set(u.key, p);
    return {
      id,
      parentId: u.parentKey ? ids.get(u.parentKey)! : null,
      kind: u.kind,
      level: u.level,
      name: u.name,
      code: u.code,
      path: p.path,
      depth: p.depth,
      region: ctx.config.REGION,
      active: true,
      lat: u.lat ?? null,
      lng: u.lng ?? null,
    };
  });
  await ctx.db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 500) await tx.insert(orgUnits).values(rows.slice(i, i + 500));
  });
  return { unitIds: ids, unitPaths: new Map(rows.map((r) => [r.id, r.path])) };
}

interface DemoStaffIndex {
  byUsername: Map<string, StaffActor>;
  byUnit: Map<string, StaffActor[]>;
  registrar: StaffActor;
  dispatcher: StaffActor;
  supervisor: StaffActor;
  leader: StaffActor;
}

async function insertStaff(ctx: AppContext, org: DemoOrg, unitIds: Map<string, string>): Promise<DemoStaffIndex> {
  const passwordHash = await hashPassword(DEMO_PASSWORD); // one hash for all: argon2 is slow on purpose
  const byUsername = new Map<string, StaffActor>();
  const byUnit = new Map<string, StaffActor[]>();
  for (const s of org.staff) {
    const u = await createUser(ctx.db, {
      username: s.username,
      displayName: s.name,
      password: DEMO_PASSWORD,
      passwordHash,
      roles: s.roles,
      unitId: unitIds.get(s.unitKey)!,
      scopeUnitId: unitIds.get(s.scopeUnitKey)!,
    });
    const actor = (await actorForUser(ctx, u.id))!;
    byUsername.set(s.username, actor);
    byUnit.set(actor.unitId, [...(byUnit.get(actor.unitId) ?? []), actor]);
  }
  const need = (name: string) => {
    const a = byUsername.get(name);
    if (!a) throw new Error(`demo org has no ${name}`);
    return a;
  };
  return { byUsername, byUnit, registrar: need('registrar'), dispatcher: need('dispatcher'), supervisor: need('supervisor'), leader: need('leader') };
}

/** The staff member who does a handling step for a unit: someone of that unit, else the nearest head above. */
function handlerFor(staff: DemoStaffIndex, unitPaths: Map<string, string>, unitId: string, roles: StaffRole[]): StaffActor {
  const own = staff.byUnit.get(unitId)?.find((a) => a.roles.some((r) => roles.includes(r)));
  if (own) return own;
  const ancestors = pathIds(unitPaths.get(unitId) ?? '').reverse().slice(1);
  for (const id of ancestors) {
    const head = staff.byUnit.get(id)?.find((a) => a.roles.includes('unit_head'));
    if (head) return head;
  }
  throw new Error(`demo org: nobody can handle for unit ${unitId}`);
}

async function playPlan(
  ctx: AppContext,
  tx: Tx,
  plan: DemoCasePlan,
  org: { unitIds: Map<string, string>; unitPaths: Map<string, string> },
  staff: DemoStaffIndex,
  caseIds: Map<number, string>,
): Promise<string> {
  const { unitIds, unitPaths } = org;
  const at = (t: Date): AppContext => ({ ...ctx, now: () => t });
  const publicChannel = plan.channel === 'online' || plan.channel === 'qr';
  const registrar = plan.channel === 'leader_reception' ? staff.leader : staff.registrar;
  const created = await registerCase(at(plan.receivedAt), publicChannel ? null : registrar, {
    channel: plan.channel,
    nature: plan.nature,
    type12345: plan.type12345,
    categoryCode: plan.categoryCode,
    title: plan.title,
    content: plan.content,
    urgency: plan.urgency,
    petitioners: plan.petitioners,
    confidential: plan.confidential,
    gridId: plan.channel === 'qr' || plan.channel === 'grid_report' ? unitIds.get(plan.gridKey)! : null,
    accusedUnitIds: plan.accusedUnitKey ? [unitIds.get(plan.accusedUnitKey)!] : [],
    ownerLeaderId: plan.leaderOwned || plan.channel === 'leader_reception' ? staff.leader.userId : null,
    receivedAt: plan.receivedAt,
  }, { tx, deferTimers: true });
  let leadUnitId: string | null = null;
  for (const step of plan.path) {
    const command = resolveCommand(step.command, unitIds, caseIds);
    if (command.type === 'dispatch' || command.type === 'redispatch' || command.type === 'refer_joint_meeting') leadUnitId = command.leadUnitId;
    const actor = actorFor(command, staff, unitPaths, leadUnitId, created.caseId);
    await runCaseCommand(at(stepTime(plan, step)), actor, created.caseId, command, { tx, deferTimers: true });
    if (command.type === 'escalate') leadUnitId = command.toUnitId;
  }
  return created.caseId;
}

function resolveCommand(c: DemoCommand, units: Map<string, string>, cases: Map<number, string>): Command {
  const unit = (key: string) => {
    const id = units.get(key);
    if (!id) throw new Error(`demo plan names unknown unit ${key}`);
    return id;
  };
  switch (c.type) {
    case 'dispatch':
      return { type: 'dispatch', leadUnitId: unit(c.leadUnitKey), assistUnitIds: c.assistUnitKeys.map(unit), ...(c.instructions ? { instructions: c.instructions } : {}) };
    case 'redispatch':
      return { type: 'redispatch', leadUnitId: unit(c.leadUnitKey), assistUnitIds: c.assistUnitKeys.map(unit), reason: c.reason };
    case 'escalate':
      return { type: 'escalate', toUnitId: unit(c.toUnitKey), reason: c.reason };
    case 'merge':
      return { type: 'merge', intoCaseId: cases.get(c.intoPlanIndex)!, ...(c.reason ? { reason: c.reason } : {}) };
    default:
      return c as Command;
  }
}

function actorFor(command: Command, staff: DemoStaffIndex, unitPaths: Map<string, string>, leadUnitId: string | null, caseId: string): ServiceActor {
  switch (command.type) {
    case 'rate':
    case 'request_review':
    case 'request_re_review':
    case 'withdraw':
      return { kind: 'petitioner', caseId };
    case 'answer_on_spot':
      return staff.registrar;
    case 'return_visit':
      return staff.supervisor;
    case 'review_opinion':
    case 're_review_opinion':
    case 'start_hearing':
    case 'end_hearing':
      return staff.leader;
    case 'sign':
    case 'object':
    case 'reply':
    case 'contact_log':
    case 'record_mediation':
    case 'request_extension':
    case 'escalate':
      return handlerFor(staff, unitPaths, leadUnitId!, ['handler', 'unit_head']);
    case 'approve_extension':
    case 'reject_extension':
      return handlerFor(staff, unitPaths, leadUnitId!, ['unit_head']);
    default:
      return staff.dispatcher;
  }
}
