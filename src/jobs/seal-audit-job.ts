/**
 * The periodic seal: every SEAL_INTERVAL_SECONDS the server seals the case heads changed since
 * the last seal. Safe with several app instances (the seal takes an advisory lock).
 */
import type { AppContext } from '../services/context.js';
import { sealAudit } from '../services/audit-seal.js';

/** Given the app, starts sealing on an interval; returns a function that stops it. */
export function startSealJob(ctx: AppContext): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const seal = await sealAudit(ctx);
      if (seal) ctx.logger.info({ seal: seal.id, cases: seal.caseCount }, 'audit seal written');
    } catch (err) {
      ctx.logger.warn({ err }, 'audit seal failed; will retry');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, ctx.config.SEAL_INTERVAL_SECONDS * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
