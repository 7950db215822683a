/**
 * Staff intake: registering what came by phone, letter or visit and, when the caller may, accepting
 * it at once — both in one transaction, so a refused acceptance leaves no half-registered case.
 */
import type { AppContext, StaffActor } from './context.js';
import { registerCase, type RegisterCaseInput, type RegisteredCase } from './register-case.js';
import { runCaseCommand } from './run-case-command.js';

/** Given a staff registration, returns the new case and its state (accepted when asked and allowed). */
export async function registerByStaff(
  ctx: AppContext,
  actor: StaffActor,
  input: RegisterCaseInput,
  opts: { acceptNow?: boolean } = {},
): Promise<RegisteredCase & { state: string }> {
  return ctx.db.transaction(async (tx) => {
    const created = await registerCase(ctx, actor, input, { tx });
    if (!opts.acceptNow) return { ...created, state: 'registered' };
    const accepted = await runCaseCommand(ctx, actor, created.caseId, { type: 'accept' }, { tx });
    return { ...created, state: accepted.state };
  });
}
