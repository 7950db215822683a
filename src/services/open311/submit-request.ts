/**
 * POST requests: an Open311 submission becomes an online petition (渠道 网上) of the service's
 * category, its attributes the category's answers (required ones enforced). A key with an acting user
 * registers and accepts it in that user's name and answers with the case number; a key without one
 * registers it like a citizen's own submission, waiting for acceptance, and answers with a token.
 * Every submission is linked to its key (open311_tokens), which is what the key may later read.
 */
import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { AppError } from '../../domain/errors.js';
import type { Tx } from '../../store/database.js';
import { cases, open311Tokens } from '../../store/schema.js';
import { open311Text } from '../../i18n/zh-CN.js';
import type { AppContext, StaffActor } from '../context.js';
import { actorForUser } from '../auth.js';
import { ACTING_ROLES, type ApiKeyRow } from '../api-keys.js';
import { registerCase, type RegisterCaseInput } from '../register-case.js';
import { registerByStaff } from '../staff-intake.js';
import { runCaseCommand } from '../run-case-command.js';
import { findService } from './services.js';
import { petitionerName, type Open311Submission } from './post-params.js';
import { locateGrid } from '../locate-grid.js';

export interface SubmitResult {
  serviceRequestId: string | null;
  token: string | null;
  serviceNotice: string;
  accountId: string | null;
}

/** Title length taken from the description after the service name (titles hold 100 characters). */
const TITLE_EXCERPT = 30;

/**
 * Given a live key and a parsed submission, returns what the POST answers: the case number (realtime)
 * or a token (batch). With an idempotency key, a retry of the same submission returns the first answer.
 */
export async function submitRequest(ctx: AppContext, key: ApiKeyRow, s: Open311Submission, opts: { idempotencyKey?: string | null } = {}): Promise<SubmitResult> {
  const service = await findService(ctx, s.serviceCode);
  const actor = await actingActorOf(ctx, key);
  const input = toCaseInput(s, service.name);
  // coordinates place the request in its grid, as a QR poster would (when the grids' outlines are imported)
  if (s.lat !== null && s.long !== null) input.gridId = await locateGrid(ctx, s.lat, s.long);
  const token = crypto.randomBytes(16).toString('hex');
  const region = ctx.config.REGION;
  const link = (tx: Tx, caseId: string) => tx.insert(open311Tokens).values({ region, token, caseId, apiKeyId: key.id, createdAt: ctx.now() });

  let caseId: string;
  let number: string;
  let linked = token;
  if (!opts.idempotencyKey) {
    ({ caseId, number } = await ctx.db.transaction(async (tx) => {
      const created = actor ? await registerByStaff(ctx, actor, input, { acceptNow: true, tx }) : await registerCase(ctx, null, input, { tx });
      await link(tx, created.caseId);
      return created;
    }).catch(renamePetitionerPath));
  } else {
    // The intake's own idempotency record makes the case once (a concurrent twin waits on it and gets
    // the first answer; the same key with another body is IDEMPOTENCY_CONFLICT); linking and accepting
    // follow in a second step that a retry completes if a crash came between (the case waits in the
    // acceptance queue meanwhile). Twins in that step queue on the case row, so one accepts and links,
    // and the others find it done.
    ({ caseId, number } = await registerCase(ctx, actor, input, { idempotencyKey: `open311:${key.id}:${opts.idempotencyKey}` }).catch(renamePetitionerPath));
    linked = await ctx.db.transaction(async (tx) => {
      const [row] = await tx.select({ state: cases.state }).from(cases).where(and(eq(cases.region, region), eq(cases.id, caseId))).for('update');
      // One token per case and key (open311_tokens_case_key_uq): a twin's insert does nothing.
      await link(tx, caseId).onConflictDoNothing({ target: [open311Tokens.region, open311Tokens.caseId, open311Tokens.apiKeyId] });
      const [existing] = await tx
        .select({ token: open311Tokens.token })
        .from(open311Tokens)
        .where(and(eq(open311Tokens.region, region), eq(open311Tokens.caseId, caseId), eq(open311Tokens.apiKeyId, key.id)))
        .limit(1);
      if (actor && row?.state === 'registered') await runCaseCommand(ctx, actor, caseId, { type: 'accept' }, { tx });
      return existing?.token ?? token;
    });
  }
  const notice = (actor ? open311Text.noticeAccepted.replace('{number}', number) : open311Text.noticeWaiting) + notKeptNotice(s);
  return actor
    ? { serviceRequestId: number, token: null, serviceNotice: notice, accountId: s.accountId }
    : { serviceRequestId: null, token: linked, serviceNotice: notice, accountId: s.accountId };
}

/**
 * Given a submission, returns what the notice tells the client was not kept: the e-mail address and
 * device id are spec fields this system has no use for (it answers by phone and by case number), and a
 * media URL is kept as a line of the content, the file behind it not fetched (an outbound fetch of any
 * URL a client names is not something a petition office does). Empty when nothing was left out.
 */
function notKeptNotice(s: Open311Submission): string {
  const dropped: string[] = [];
  if (s.email) dropped.push(open311Text.notKeptEmail);
  if (s.deviceId) dropped.push(open311Text.notKeptDevice);
  const parts = [dropped.length ? open311Text.notKept.replace('{fields}', dropped.join('；')) : null, s.mediaUrl ? `${open311Text.notKeptMedia}。` : null];
  return parts.filter(Boolean).map((p) => ` ${p}`).join('');
}

/** Given a key, returns the staff actor it acts as (null: none configured); OPEN311_API_KEY_INVALID when that user may no longer act. */
async function actingActorOf(ctx: AppContext, key: ApiKeyRow): Promise<StaffActor | null> {
  if (!key.actingUserId) return null;
  const actor = await actorForUser(ctx, key.actingUserId);
  if (!actor || !actor.roles.some((r) => ACTING_ROLES.includes(r))) throw new AppError('OPEN311_API_KEY_INVALID', { reason: 'acting_user_unavailable' });
  return actor;
}

/** Given a submission and its service's name, returns the case as intake registers it. */
function toCaseInput(s: Open311Submission, serviceName: string): RegisterCaseInput {
  const name = petitionerName(s);
  if (!name) throw new AppError('VALIDATION_FAILED', { fields: [{ path: 'first_name', message: open311Text.nameRequired }] });
  const chars = Array.from(s.description.replace(/\s+/g, ' ').trim());
  const excerpt = chars.slice(0, TITLE_EXCERPT).join('') + (chars.length > TITLE_EXCERPT ? '…' : '');
  const address = s.addressString ?? (s.addressId ? `地址编号 ${s.addressId}` : null);
  return {
    channel: 'online',
    nature: 'appeal',
    categoryCode: s.serviceCode,
    title: `${serviceName}：${excerpt}`.slice(0, 100),
    content: s.mediaUrl ? `${s.description}\n\n${open311Text.mediaInContent.replace('{url}', s.mediaUrl)}` : s.description,
    petitioners: [{ name, phone: s.phone }],
    location: { address, lat: s.lat, lng: s.long },
    answers: s.attributes,
    enforceRequiredAnswers: true,
  };
}

/** Intake names the first petitioner's fields `petitioners.0`; here they are the Open311 parameters. */
function renamePetitionerPath(err: unknown): never {
  if (err instanceof AppError && err.details.path === 'petitioners.0') {
    throw new AppError(err.code, { ...err.details, path: err.code === 'PHONE_INVALID' ? 'phone' : 'first_name' });
  }
  throw err;
}
