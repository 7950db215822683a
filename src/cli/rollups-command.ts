/**
 * `xinfang rollups`: the cockpit's counters on a deployment — `--check` compares them with a full scan of
 * cases and events (exit 1 naming the differences), `--rebuild` empties them and folds every case in again
 * (a repair, or after an upgrade that changes what is counted), and with neither it folds whatever is
 * queued and says how much was.
 */
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { buildContext } from '../services/app-context.js';
import { pendingRollups, runRollupsOnce } from '../jobs/rollup-worker.js';
import { compareRollups, rebuildRollups } from '../services/rollup-check.js';

export function registerRollupsCommand(program: Command): void {
  program
    .command('rollups')
    .description('驾驶舱汇总表：默认汇总排队中的变更；--check 与全表扫描逐项核对（不一致时非零退出）；--rebuild 清空后全部重算')
    .option('--check', '与全表扫描逐项核对', false)
    .option('--rebuild', '清空汇总表并按全部案件重算', false)
    .action(async (o: { check: boolean; rebuild: boolean }) => {
      const ctx = await buildContext({ ...loadConfig(), LOG_LEVEL: 'warn' });
      const t0 = performance.now();
      let code = 0;
      try {
        if (o.rebuild) {
          const r = await rebuildRollups(ctx);
          process.stdout.write(`rollups rebuilt from ${r.cases} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
        } else if (!o.check) {
          let n = 0;
          for (;;) {
            const r = await runRollupsOnce(ctx);
            n += r.cases;
            if (r.cases === 0) break;
          }
          process.stdout.write(`folded ${n} cases; ${await pendingRollups(ctx)} changes still queued\n`);
        }
        if (o.check) {
          const r = await compareRollups(ctx);
          if (r.differences.length === 0) process.stdout.write(`rollups agree with a full scan of ${r.cases} cases\n`);
          else {
            code = 1;
            process.stdout.write(`rollups differ from a full scan of ${r.cases} cases in ${r.differences.length} counter(s)` + ((await pendingRollups(ctx)) > 0 ? ' (changes are still queued: fold them first)' : '') + '\n');
            for (const d of r.differences.slice(0, 50)) process.stdout.write(`  ${d.table}\t${d.key.join('\t')}\texpected=${d.expected}\tactual=${d.actual}\n`);
          }
        }
      } finally {
        await ctx.database.close();
      }
      process.exitCode = code;
    });
}
