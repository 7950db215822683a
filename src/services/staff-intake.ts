/**
 * Staff intake: registering what came by phone, letter or visit and, when the caller may, accepting
 * it or answering it on the spot at once — in one transaction, so a refused second step leaves no
 * half-registered case.
 */
import type { Tx } from '../store/database.js';
import type { AppContext, StaffActor } from './context.js';
import { registerCase, type RegisterCaseInput, type RegisteredCase } from './register-case.js';
import { runCaseCommand } from './run-case-command.js';

/**
 * Given a staff registration, returns the new case and its state (accepted when asked and allowed).
 * Inside the caller's transaction when `tx` is given (a reception-day visit links its booking to the
 * case in the same commit).
 */
export async function registerByStaff(
  ctx: AppContext,
  actor: StaffActor,
  input: RegisterCaseInput,
  opts: { acceptNow?: boolean; answerNow?: string; tx?: Tx } = {},
): Promise<RegisteredCase & { state: string }> {
  const run = async (tx: Tx): Promise<RegisteredCase & { state: string }> => {
    const created = await registerCase(ctx, actor, input, { tx });
    if (opts.answerNow) {
      const answered = await runCaseCommand(ctx, actor, created.caseId, { type: 'answer_on_spot', answer: opts.answerNow }, { tx });
      return { ...created, state: answered.state };
    }
    if (!opts.acceptNow) return { ...created, state: 'registered' };
    const accepted = await runCaseCommand(ctx, actor, created.caseId, { type: 'accept' }, { tx });
    return { ...created, state: accepted.state };
  };
  return opts.tx ? run(opts.tx) : ctx.db.transaction(run);
}
