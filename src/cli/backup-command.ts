/**
 * `xinfang backup` and `xinfang restore` for the embedded database (services/backup.ts): one file with
 * the database, the attachments and a manifest of checksums; a restore proves the copy identical and
 * then runs the audit verifier on it. PostgreSQL deployments use pg_dump / pg_restore (README).
 * Both need the server stopped: the data directory's lock says whether it runs.
 */
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { buildContext } from '../services/app-context.js';
import { verifyAudit } from '../services/audit-seal.js';
import { BackupError, createBackup, restoreBackup } from '../services/backup.js';
import { DataDirLockedError } from '../store/data-dir-lock.js';
import { cli as messages } from '../i18n/zh-CN.js';

/** Given an error from a backup or restore, prints what the operator can do and returns the exit code. */
function report(err: unknown): number {
  if (err instanceof BackupError) {
    process.stderr.write(`错误 (${err.code}): ${err.message}\n`);
    return 2;
  }
  if (err instanceof DataDirLockedError) {
    process.stderr.write(`错误: ${messages.backupServerRunning}（${err.message}）\n`);
    return 2;
  }
  throw err;
}

const size = (bytes: number) => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`);

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description('备份内嵌数据库与附件到一个文件（须先停止服务；主密钥不在备份中，请另行保管）')
    .option('--out <file>', '备份文件路径', '')
    .action(async (o: { out: string }) => {
      const config = loadConfig();
      const out = path.resolve(o.out || `xinfang-backup-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}.tar`);
      const t0 = performance.now();
      try {
        const m = await createBackup(config, out);
        const rows = Object.values(m.tables).reduce((a, t) => a + t.rows, 0);
        process.stdout.write(
          `${messages.backupDone}: ${out}\n` +
            `  ${Object.keys(m.tables).length} tables, ${rows} rows (cases ${m.tables.cases?.rows ?? 0}, events ${m.tables.case_events?.rows ?? 0}), ${m.uploads.length} attachments\n` +
            `  database ${size(m.dump.size)}, ${((performance.now() - t0) / 1000).toFixed(1)} s; master key fingerprint ${m.keyFingerprint}\n` +
            `  ${messages.backupKeyApart}\n`,
        );
      } catch (err) {
        process.exitCode = report(err);
      }
    });

  program
    .command('restore <file>')
    .description('从备份文件恢复内嵌数据库与附件，逐表核对与备份一致，并核验审计链（须先停止服务）')
    .option('--force', '数据目录已有数据库时，将其移到一旁后恢复', false)
    .action(async (file: string, o: { force: boolean }) => {
      const config = loadConfig();
      try {
        const r = await restoreBackup(config, path.resolve(file), { force: o.force });
        const rows = Object.values(r.manifest.tables).reduce((a, t) => a + t.rows, 0);
        process.stdout.write(`${messages.restoreDone}: ${Object.keys(r.manifest.tables).length} tables, ${rows} rows, ${r.manifest.uploads.length} attachments (backup of ${r.manifest.createdAt})\n`);
        if (r.movedAside) process.stdout.write(`  ${messages.restoreMovedAside}: ${r.movedAside}\n`);
      } catch (err) {
        process.exitCode = report(err);
        return;
      }
      const ctx = await buildContext({ ...config, LOG_LEVEL: 'warn' });
      try {
        const audit = await verifyAudit(ctx);
        if (audit.problems.length === 0) process.stdout.write(`${messages.auditOk} (${audit.cases} cases, ${audit.events} events, ${audit.seals} seals)\n`);
        else {
          process.stdout.write(`${messages.auditBroken}: ${audit.problems.length} problem(s)\n`);
          process.exitCode = 1;
        }
      } finally {
        await ctx.database.close();
      }
    });
}
