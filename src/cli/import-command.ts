/**
 * `xinfang import <file> --source 12345 --as <username> [--dry-run]`: a case import from the command
 * line, as the named registrar or dispatcher, through the same service as the upload. Exit 0 with the
 * new case numbers; exit 1 with the row report (row, column, reason) when any row is refused —
 * nothing is written; exit 2 for a usage error (unknown user, unreadable file). No stack traces.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { AppError } from '../domain/errors.js';
import { errorMessages } from '../i18n/zh-CN.js';
import { buildContext } from '../services/app-context.js';
import { actorForUser } from '../services/auth.js';
import type { AppContext, StaffActor } from '../services/context.js';
import { IMPORT_ROLES, importCases, type ImportRejection } from '../services/bulk/import-cases.js';
import { MAX_IMPORT_BYTES } from '../services/bulk/read-import-file.js';
import { findUserByUsername } from '../store/org-repository.js';

export const USAGE_EXIT_CODE = 2;

export class UsageError extends Error {}

/** Given a username and the roles a command needs, returns the staff actor or throws a UsageError in Chinese. */
export async function actorForCommand(ctx: AppContext, username: string | undefined, roles: readonly string[]): Promise<StaffActor> {
  if (!username) throw new UsageError('缺少 --as <用户名>（以哪位工作人员的身份操作）');
  const user = await findUserByUsername(ctx.db, username);
  const actor = user ? await actorForUser(ctx, user.id) : null;
  if (!actor) throw new UsageError(`没有在用的用户「${username}」`);
  if (!roles.some((r) => (actor.roles as readonly string[]).includes(r))) throw new UsageError(`用户「${username}」没有所需的角色（${roles.join('、')}）`);
  return actor;
}

/** Given an AppError, returns its zh-CN message with the details a clerk needs (missing headers, limits). */
export function describeAppError(err: AppError): string {
  const d = err.details as Record<string, unknown>;
  const extra: string[] = [];
  if (Array.isArray(d.missing) && d.missing.length) extra.push(`缺少列：${d.missing.join('、')}`);
  if (Array.isArray(d.repeated) && d.repeated.length) extra.push(`重复的列：${d.repeated.join('、')}`);
  if (d.reason === 'too_many_rows') extra.push(`每次最多导入 ${String(d.max)} 行`);
  if (d.reason === 'file_too_large') extra.push(`文件最大 ${Math.round(Number(d.maxBytes) / 1024 / 1024)} MB`);
  if (d.reason === 'unpacked_too_large') extra.push(`Excel 文件解压后最大 ${Math.round(Number(d.maxUnpackedBytes) / 1024 / 1024)} MB`);
  if (typeof d.note === 'string') extra.push(d.note);
  if (d.reason === 'no_rows' || d.reason === 'empty') extra.push('文件中没有数据行');
  return errorMessages[err.code] + (extra.length ? `（${extra.join('；')}）` : '');
}

interface ImportFlags {
  source?: string;
  as?: string;
  dryRun?: boolean;
}

/** Given the program, registers `import`. */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('批量导入信访件（12345 转办、旧系统导出的 CSV 或 Excel）：逐行校验，任何一行不合格则整个文件不导入（退出码 1）')
    .argument('<file>', 'CSV（UTF-8 或 GB18030）或 .xlsx 文件')
    .option('--source <name>', '来源系统（文件中没有“来源系统”列时必填），如 12345')
    .option('--as <username>', '以哪位登记员或分派员的身份导入（必填）')
    .option('--dry-run', '只校验，不写入', false)
    .action(async (file: string, o: ImportFlags, self: Command) => {
      let ctx: AppContext | null = null;
      // self.error() exits at once: it is called only after the database is closed
      let failure: { message: string; code: string } | null = null;
      try {
        let size: number;
        try {
          const st = fs.statSync(file);
          if (!st.isFile()) throw new Error('not a file');
          size = st.size;
        } catch {
          throw new UsageError(`无法读取文件「${file}」`);
        }
        // the size before reading: a huge file is refused without loading it
        if (size > MAX_IMPORT_BYTES) throw new AppError('CASE_IMPORT_TOO_LARGE', { reason: 'file_too_large', maxBytes: MAX_IMPORT_BYTES });
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(file);
        } catch {
          throw new UsageError(`无法读取文件「${file}」`);
        }
        if (o.source !== undefined && !/^[^\u0000-\u001f]{1,32}$/.test(o.source.trim())) throw new UsageError('--source 应为 1–32 个字');
        ctx = await buildContext({ ...loadConfig(), LOG_LEVEL: 'warn' });
        const actor = await actorForCommand(ctx, o.as, IMPORT_ROLES);
        const out = await importCases(ctx, actor, bytes, { fileName: path.basename(file), source: o.source ?? null, dryRun: o.dryRun, via: 'cli' });
        if (out.dryRun) process.stdout.write(`校验通过：${out.rowCount} 行均可导入（未写入）\n`);
        else {
          process.stdout.write(`已导入 ${out.created.length} 件（${(out.ms / 1000).toFixed(1)} 秒）\n`);
          for (const c of out.created) process.stdout.write(`第 ${c.row} 行\t${c.number}\n`);
        }
        process.exitCode = 0;
      } catch (err) {
        if (err instanceof AppError && err.code === 'CASE_IMPORT_REJECTED') {
          const r = err.details as unknown as ImportRejection;
          process.stdout.write(`${errorMessages.CASE_IMPORT_REJECTED}\n共 ${r.rowCount} 行，${r.rejectedRowCount} 行不合格：\n`);
          for (const p of r.rejected) process.stdout.write(`第 ${p.row} 行\t${p.column || '-'}\t${p.message}\n`);
          if (r.note) process.stdout.write(`${r.note}\n`);
          process.exitCode = 1;
        } else if (err instanceof UsageError) failure = { message: `错误：${err.message}`, code: 'xinfang.import.usage' };
        else if (err instanceof AppError) failure = { message: `错误：${describeAppError(err)}`, code: `xinfang.import.${err.code}` };
        else throw err;
      } finally {
        await ctx?.database.close();
      }
      if (failure) self.error(failure.message, { exitCode: USAGE_EXIT_CODE, code: failure.code });
    });
}
