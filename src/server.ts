/**
 * Starting and stopping the server: build the context, seed the demo district on first run when
 * asked, listen, seal periodically, and shut down cleanly on SIGINT/SIGTERM.
 */
import type { Config } from './config.js';
import { buildContext } from './services/app-context.js';
import { buildApp } from './http/app.js';
import { startSealJob } from './jobs/seal-audit-job.js';
import { startOutboxWorker } from './jobs/outbox-worker.js';
import { startWebhookWorker } from './jobs/webhook-worker.js';
import { startDeadlineSweeper } from './jobs/deadline-sweeper.js';
import { startWarningScan } from './jobs/warning-scan.js';
import { startRollupWorker } from './jobs/rollup-worker.js';
import { seedDemoIfEmpty, DEMO_BANNER } from './services/seed-demo.js';
import { cli as messages } from './i18n/zh-CN.js';

/** Given the config, runs the server until a signal stops it. */
export async function serve(config: Config, opts: { seed: boolean }): Promise<void> {
  const ctx = await buildContext(config);
  let seeded = false;
  if (opts.seed) {
    seeded = await seedDemoIfEmpty(ctx, {
      cases: config.DEMO_CASES,
      onProgress: (done, total) => process.stdout.write(`正在生成演示数据 (seeding demo cases) ${done}/${total}\n`),
    });
  }
  const app = await buildApp(ctx);
  await app.listen({ host: config.HOST, port: config.PORT });
  const stopSeal = startSealJob(ctx);
  const stopOutbox = startOutboxWorker(ctx);
  const stopWebhooks = startWebhookWorker(ctx);
  const stopSweeper = startDeadlineSweeper(ctx);
  const stopWarningScan = startWarningScan(ctx);
  const stopRollups = startRollupWorker(ctx);
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  process.stdout.write(
    `\n${messages.serverStarted}: ${url}  (数据库: ${ctx.database.kind}${ctx.database.kind === 'pglite' ? `, 数据目录 ${config.dataDir}` : ''})\n` +
      `API 文档: ${url}/docs   健康检查: ${url}/api/health\n` +
      (opts.seed ? `${seeded ? '已生成演示数据。' : ''}${DEMO_BANNER}\n` : ''),
  );
  const shutdown = async (signal: string) => {
    ctx.logger.info({ signal }, 'shutting down');
    stopSeal();
    stopSweeper();
    stopWarningScan();
    await stopOutbox();
    await stopWebhooks();
    await stopRollups();
    await app.close();
    await ctx.database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
