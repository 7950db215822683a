/**
 * The command line: `xinfang serve | migrate | seed | seal | verify-audit | deadline | rebuild-timers |
 * classify | train | dedupe | rollups | import | export`.
 * Thin: each command parses flags and calls a service.
 */
import { Command } from 'commander';
import { loadConfig } from './config.js';
import { registerDeadlineCommand } from './cli/deadline-command.js';
import { registerDedupeCommand } from './cli/dedupe-command.js';
import { registerRoutingCommands } from './cli/routing-commands.js';
import { registerRollupsCommand } from './cli/rollups-command.js';
import { registerImportCommand } from './cli/import-command.js';
import { registerExportCommand } from './cli/export-command.js';
import { registerBackupCommands } from './cli/backup-command.js';
import { serve } from './server.js';
import { buildContext } from './services/app-context.js';
import { sealAudit, verifyAudit } from './services/audit-seal.js';
import { seedDemoIfEmpty } from './services/seed-demo.js';
import { rebuildOpenCaseTimers } from './services/case-timers.js';
import { cli as messages } from './i18n/zh-CN.js';

const program = new Command()
  .name('xinfang')
  .description('xinfang 信访与诉求办理平台')
  .showHelpAfterError();

program
  .command('serve')
  .description('启动服务（默认内嵌数据库；设置 DATABASE_URL 则使用 PostgreSQL）')
  .option('--seed', '数据库为空时生成演示区县数据', false)
  .action(async (o: { seed: boolean }) => serve(loadConfig(), { seed: o.seed }));

program
  .command('migrate')
  .description('执行数据库迁移')
  .action(async () => {
    const ctx = await buildContext(loadConfig());
    await ctx.database.close();
    process.stdout.write('migrations applied\n');
  });

program
  .command('seed')
  .description('数据库为空时生成演示区县数据（确定性，可复现）')
  .action(async () => {
    const ctx = await buildContext(loadConfig());
    const seeded = await seedDemoIfEmpty(ctx);
    await ctx.database.close();
    process.stdout.write(seeded ? 'demo data seeded\n' : 'database not empty: nothing seeded\n');
  });

program
  .command('seal')
  .description('立即为自上次封签以来变化的案件封签')
  .action(async () => {
    const ctx = await buildContext(loadConfig());
    const seal = await sealAudit(ctx, { settleMs: 0 });
    await ctx.database.close();
    process.stdout.write(seal ? `seal ${seal.id}: ${seal.caseCount} cases ${seal.hash}\n` : 'nothing to seal\n');
  });

program
  .command('verify-audit')
  .description('核验全部案件事件的哈希链、封签与审计日志；发现篡改时以非零状态退出并指出案件与事件')
  .option('--json', '以 JSON 输出', false)
  .action(async (o: { json: boolean }) => {
    const ctx = await buildContext({ ...loadConfig(), LOG_LEVEL: 'warn' });
    const report = await verifyAudit(ctx);
    await ctx.database.close();
    if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
    else if (report.problems.length === 0) {
      process.stdout.write(`${messages.auditOk} (${report.cases} cases, ${report.events} events, ${report.seals} seals)\n`);
    } else {
      process.stdout.write(`${messages.auditBroken}: ${report.problems.length} problem(s)\n`);
      for (const p of report.problems) {
        process.stdout.write(`  ${p.kind}\tcase=${p.caseId ?? '-'}\tnumber=${p.number ?? '-'}\tseq=${p.seq ?? '-'}\t${p.detail}\n`);
      }
    }
    process.exitCode = report.problems.length === 0 ? 0 : 1;
  });

program
  .command('rebuild-timers')
  .description('按当前期限规则重建全部在办案件的到期提醒与超期计时（已发出的不会重发）')
  .action(async () => {
    const ctx = await buildContext({ ...loadConfig(), LOG_LEVEL: 'warn' });
    const n = await rebuildOpenCaseTimers(ctx);
    await ctx.database.close();
    process.stdout.write(`timers rebuilt for ${n} open cases\n`);
  });

registerDeadlineCommand(program);
registerDedupeCommand(program);
registerRoutingCommands(program);
registerRollupsCommand(program);
registerImportCommand(program);
registerExportCommand(program);
registerBackupCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`错误: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
