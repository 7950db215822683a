/**
 * `xinfang export --unit <code> --from <date> --to <date> --format csv|xlsx|jsonl --out <file> [--events]
 * --as <username>`: the same export as the download, as the named supervisor, leader or unit head —
 * his scope, accusations hidden from the accused, personal data masked, audited. Exit 0 with the row
 * count; exit 2 for a usage error (a half-written file is removed; a directory, a read-only file or a
 * missing folder is refused before anything is read, and an existing file is left as it was). No stack traces.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { AppError } from '../domain/errors.js';
import { errorMessages } from '../i18n/zh-CN.js';
import { buildContext } from '../services/app-context.js';
import type { AppContext } from '../services/context.js';
import { EXPORT_FORMATS, EXPORT_ROLES, prepareExport, type ExportFormat } from '../services/bulk/export-cases.js';
import { USAGE_EXIT_CODE, UsageError, actorForCommand } from './import-command.js';

interface ExportFlags {
  unit?: string;
  from?: string;
  to?: string;
  format: string;
  out?: string;
  events: boolean;
  as?: string;
}

/**
 * Given the --out path, returns why it cannot be written (zh-CN), or null: a directory, a read-only
 * file, or a folder that does not exist or is not writable. Checked before anything is read or
 * audited; an existing file is only replaced once the export has started.
 */
function writableTarget(out: string): string | null {
  try {
    const st = fs.statSync(out, { throwIfNoEntry: false });
    if (st?.isDirectory()) return `「${out}」是一个目录，请给出文件名`;
    if (st) fs.accessSync(out, fs.constants.W_OK);
    else fs.accessSync(path.dirname(path.resolve(out)), fs.constants.W_OK);
    return null;
  } catch {
    return `无法写入文件「${out}」（没有写权限或目录不存在）`;
  }
}

/** Given the program, registers `export`. */
export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('导出某单位某期间收到的信访件或其办理轨迹（CSV / Excel / JSONL，个人信息脱敏，记入审计）')
    .option('--unit <code>', '单位编码（默认本人管辖范围）')
    .option('--from <YYYY-MM-DD>', '收到日期起（含，必填）')
    .option('--to <YYYY-MM-DD>', '收到日期止（含，必填），最长 366 天')
    .option('--format <format>', `格式：${EXPORT_FORMATS.join(' | ')}`, 'csv')
    .option('--out <file>', '写入的文件（必填）')
    .option('--events', '导出办理轨迹（事件）而不是案件', false)
    .option('--as <username>', '以哪位督查员、领导或单位负责人的身份导出（必填）')
    .action(async (o: ExportFlags, self: Command) => {
      let ctx: AppContext | null = null;
      let written = false;
      try {
        if (!o.from || !o.to) throw new UsageError('缺少 --from 或 --to（收到日期，格式 YYYY-MM-DD）');
        if (!o.out) throw new UsageError('缺少 --out <文件>');
        if (!(EXPORT_FORMATS as readonly string[]).includes(o.format)) throw new UsageError(`--format 应为 ${EXPORT_FORMATS.join('、')} 之一`);
        const target = writableTarget(o.out);
        if (target) throw new UsageError(target);
        ctx = await buildContext({ ...loadConfig(), LOG_LEVEL: 'warn' });
        const actor = await actorForCommand(ctx, o.as, EXPORT_ROLES);
        const prepared = await prepareExport(ctx, actor, { unitCode: o.unit ?? null, from: o.from, to: o.to, format: o.format as ExportFormat, kind: o.events ? 'events' : 'cases', via: 'cli' });
        const out = fs.createWriteStream(o.out, { flags: 'w' });
        await new Promise<void>((resolve, reject) => {
          out.once('open', () => resolve());
          out.once('error', reject);
        }).catch(() => {
          throw new UsageError(`无法写入文件「${o.out}」`);
        });
        // only now is the file ours: a failure before this point leaves whatever was there untouched
        written = true;
        const rows = await prepared.write(out);
        process.stdout.write(`已导出 ${rows} ${o.events ? '条事件' : '件'}（${prepared.unit.name}，${o.from} 至 ${o.to}）到 ${o.out}\n`);
        process.exitCode = 0;
      } catch (err) {
        if (written && o.out) {
          try {
            fs.rmSync(o.out, { force: true });
          } catch {
            // the half-written file could not be removed; the error below is what the operator needs
          }
        }
        if (err instanceof UsageError) self.error(`错误：${err.message}`, { exitCode: USAGE_EXIT_CODE, code: 'xinfang.export.usage' });
        else if (err instanceof AppError && err.code !== 'INTERNAL') self.error(`错误：${errorMessages[err.code]}`, { exitCode: USAGE_EXIT_CODE, code: `xinfang.export.${err.code}` });
        else {
          ctx?.logger.error({ err }, 'export failed');
          self.error(`错误：导出中途失败，未完成的文件已删除（${err instanceof Error ? err.message : String(err)}）`, { exitCode: 1, code: 'xinfang.export.failed' });
        }
      } finally {
        await ctx?.database.close();
      }
    });
}
