/**
 * Backups of the embedded deployment (`npx xinfang backup` / `restore`).
 *
 * A backup is one tar file:
 * - `manifest.json`, written first: the format, when and from what it was made, the number of
 *   migrations applied, every table's row count and checksum, the sha256 and size of each entry, and
 *   a fingerprint of the master key. The key itself is never in a backup: it is kept apart, so a
 *   stolen backup does not reveal the encrypted personal data.
 * - `pglite.tar.gz`: PGlite's own dump of its data directory.
 * - `uploads/<aa>/<sha256>`: the attachments. They are named by their content, so a restore checks
 *   each one by hashing it.
 *
 * The database is read while no server holds the data directory (the lock says so), so the dump is
 * one consistent state. A restore:
 * 1. checks every entry against the manifest;
 * 2. refuses a master key whose fingerprint differs (the data would be unreadable);
 * 3. writes into an empty data directory, or moves the old one aside with `--force`;
 * 4. proves the copy identical by the same per-table checksums.
 * The caller then runs the audit verifier on it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import tar from 'tar-stream';
import type { Config } from '../config.js';
import { acquireDataDirLock } from '../store/data-dir-lock.js';
import { parseMasterKey } from '../domain/personal-data/cipher.js';

export const BACKUP_FORMAT = 'xinfang-backup/1';
const DUMP_ENTRY = 'pglite.tar.gz';
const MANIFEST_ENTRY = 'manifest.json';

export interface TableChecksum {
  rows: number;
  md5: string;
}

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  createdAt: string;
  region: string;
  migrations: number;
  keyFingerprint: string;
  tables: Record<string, TableChecksum>;
  dump: { sha256: string; size: number };
  uploads: { path: string; sha256: string; size: number }[];
}

/** Why a backup or restore was refused, in words for the operator (zh-CN) and a stable code. */
export class BackupError extends Error {
  constructor(
    readonly code: 'BACKUP_DATA_MISSING' | 'BACKUP_CORRUPT' | 'BACKUP_KEY_MISSING' | 'BACKUP_KEY_MISMATCH' | 'RESTORE_TARGET_NOT_EMPTY' | 'RESTORE_NOT_IDENTICAL' | 'BACKUP_POSTGRES',
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

type Query = (text: string) => Promise<Record<string, unknown>[]>;

/**
 * Given a way to run SQL, returns every table's row count and a checksum of its rows (order-free:
 * the md5 of the sorted md5s of each row's text). Two databases with equal checksums hold the same
 * rows in every table.
 */
export async function tableChecksums(query: Query): Promise<Record<string, TableChecksum>> {
  const tables = await query(`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r' order by 1`);
  const out: Record<string, TableChecksum> = {};
  for (const t of tables) {
    const name = String(t.name);
    const ident = `"${name.replace(/"/g, '""')}"`;
    const [r] = await query(`select count(*)::int as n, coalesce(md5(string_agg(h, '' order by h)), '') as md5 from (select md5(x::text) as h from ${ident} x) s`);
    out[name] = { rows: Number(r!.n), md5: String(r!.md5) };
  }
  return out;
}

/** Given a master key, returns a fingerprint that tells whether two keys are the same without revealing either. */
export function keyFingerprint(masterKey: Buffer): string {
  return crypto.createHmac('sha256', masterKey).update('xinfang backup: master key fingerprint').digest('hex').slice(0, 16);
}

/** Given the config, returns the master key in effect, or null when there is none yet (never makes one). */
export function existingMasterKey(config: Config): Buffer | null {
  if (config.MASTER_KEY) return parseMasterKey(config.MASTER_KEY);
  const file = path.join(config.dataDir, 'secret.key');
  return fs.existsSync(file) ? parseMasterKey(fs.readFileSync(file, 'utf8').trim()) : null;
}

const pgliteDir = (config: Config) => path.join(config.dataDir, 'pglite');
const lockFile = (config: Config) => path.join(config.dataDir, 'xinfang.lock');

async function openPglite(dir: string, loadDataDir?: Blob): Promise<{ client: PGlite; query: Query }> {
  const client = await PGlite.create(dir, { extensions: { pg_trgm }, ...(loadDataDir ? { loadDataDir } : {}) });
  const query: Query = async (text) => (await client.query<Record<string, unknown>>(text)).rows;
  return { client, query };
}

async function migrationCount(query: Query): Promise<number> {
  const [r] = await query(`select count(*)::int as n from drizzle.__drizzle_migrations`).catch(() => [{ n: 0 }]);
  return Number(r?.n ?? 0);
}

/** Given a directory, returns every file under it (relative paths, sorted). */
function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), h);
  return h.digest('hex');
}

/**
 * Given the config (embedded database, no server running on it) and a file to write, writes a
 * backup there (atomically: a partial file never has the final name) and returns its manifest.
 */
export async function createBackup(config: Config, outFile: string): Promise<BackupManifest> {
  if (config.DATABASE_URL) throw new BackupError('BACKUP_POSTGRES', '使用 PostgreSQL 时请用 pg_dump / pg_restore 备份和恢复（见 README）');
  if (!fs.existsSync(path.join(pgliteDir(config), 'PG_VERSION'))) throw new BackupError('BACKUP_DATA_MISSING', `数据目录 ${pgliteDir(config)} 中没有数据库`);
  const key = existingMasterKey(config);
  if (!key) throw new BackupError('BACKUP_KEY_MISSING', '找不到主密钥（MASTER_KEY 或 DATA_DIR/secret.key），无法记录密钥指纹');
  const lock = acquireDataDirLock(lockFile(config));
  try {
    const { client, query } = await openPglite(pgliteDir(config));
    let dump: Buffer;
    let tables: Record<string, TableChecksum>;
    let migrations: number;
    try {
      tables = await tableChecksums(query);
      migrations = await migrationCount(query);
      dump = Buffer.from(await (await client.dumpDataDir('gzip')).arrayBuffer());
    } finally {
      await client.close();
    }
    const uploads = [];
    for (const rel of listFiles(config.uploadDir)) {
      const file = path.join(config.uploadDir, rel);
      uploads.push({ path: rel, sha256: await sha256File(file), size: fs.statSync(file).size });
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      region: config.REGION,
      migrations,
      keyFingerprint: keyFingerprint(key),
      tables,
      dump: { sha256: crypto.createHash('sha256').update(dump).digest('hex'), size: dump.length },
      uploads,
    };

    const part = `${outFile}.part`;
    const pack = tar.pack();
    const written = pipeline(pack, fs.createWriteStream(part, { mode: 0o600 }));
    const add = (name: string, body: Buffer) =>
      new Promise<void>((resolve, reject) => pack.entry({ name, size: body.length, mode: 0o600 }, body, (err) => (err ? reject(err) : resolve())));
    await add(MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest, null, 2)));
    await add(DUMP_ENTRY, dump);
    for (const u of uploads) {
      const entry = pack.entry({ name: `uploads/${u.path}`, size: u.size, mode: 0o600 });
      await pipeline(fs.createReadStream(path.join(config.uploadDir, u.path)), entry);
    }
    pack.finalize();
    await written;
    const fd = fs.openSync(part, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(part, outFile);
    return manifest;
  } finally {
    lock.release();
  }
}

/**
 * Given a backup file and an empty staging directory, returns its manifest and the database dump,
 * with the uploads written into the staging directory; every entry is checked against the manifest.
 */
async function readBackup(file: string, staging: string): Promise<{ manifest: BackupManifest; dump: Buffer; uploads: string[] }> {
  let manifest: BackupManifest | null = null;
  let dump: Buffer | null = null;
  const uploads = new Map<string, { sha256: string; size: number }>();
  const extract = tar.extract();
  const corrupt = (why: string) => new BackupError('BACKUP_CORRUPT', `备份文件损坏或不是 xinfang 备份：${why}`);
  extract.on('entry', (header, stream, next) => {
    const name = header.name;
    if (name.startsWith('uploads/')) {
      const rel = name.slice('uploads/'.length);
      if (!/^[0-9a-f]{2}\/[0-9a-f]{64}$/.test(rel)) {
        stream.resume();
        return next(corrupt(`附件条目名不合规 ${name}`));
      }
      const target = path.join(staging, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const h = crypto.createHash('sha256');
      let size = 0;
      stream.on('data', (c: unknown) => {
        h.update(c as Buffer);
        size += (c as Buffer).length;
      });
      pipeline(stream, fs.createWriteStream(target, { mode: 0o600 })).then(
        () => {
          uploads.set(rel, { sha256: h.digest('hex'), size });
          next();
        },
        (err: Error) => next(err),
      );
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('error', next);
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      if (name === MANIFEST_ENTRY) {
        try {
          manifest = JSON.parse(body.toString('utf8')) as BackupManifest;
        } catch {
          return next(corrupt('清单不是合法的 JSON'));
        }
      } else if (name === DUMP_ENTRY) dump = body;
      else return next(corrupt(`未知条目 ${name}`));
      next();
    });
  });
  try {
    await pipeline(fs.createReadStream(file), extract);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw corrupt((err as Error).message);
  }
  const m = manifest as BackupManifest | null;
  if (!m || m.format !== BACKUP_FORMAT) throw corrupt('缺少清单或格式不符');
  if (!dump) throw corrupt('缺少数据库');
  const d = dump as Buffer;
  if (d.length !== m.dump.size || crypto.createHash('sha256').update(d).digest('hex') !== m.dump.sha256) throw corrupt('数据库部分校验不符');
  for (const u of m.uploads) {
    const got = uploads.get(u.path);
    if (!got || got.size !== u.size || got.sha256 !== u.sha256) throw corrupt(`附件 ${u.path} 缺失或校验不符`);
  }
  if (uploads.size !== m.uploads.length) throw corrupt('附件数量与清单不符');
  return { manifest: m, dump: d, uploads: [...uploads.keys()] };
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** where the data directory's earlier database was moved, with `force` */
  movedAside: string | null;
}

/**
 * Given the config (embedded database, no server running), a backup file and whether an existing
 * database may be moved aside, restores the backup into DATA_DIR and returns its manifest once every
 * table's checksum matches the manifest's.
 */
export async function restoreBackup(config: Config, file: string, opts: { force?: boolean } = {}): Promise<RestoreResult> {
  if (config.DATABASE_URL) throw new BackupError('BACKUP_POSTGRES', '使用 PostgreSQL 时请用 pg_dump / pg_restore 备份和恢复（见 README）');
  fs.mkdirSync(config.dataDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(config.dataDir, '.restore-'));
  try {
    return await restoreFrom(config, file, staging, opts);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

async function restoreFrom(config: Config, file: string, staging: string, opts: { force?: boolean }): Promise<RestoreResult> {
  const { manifest, dump, uploads } = await readBackup(file, staging);
  const key = existingMasterKey(config);
  if (!key) throw new BackupError('BACKUP_KEY_MISSING', `请先把原部署的主密钥放回（DATA_DIR/secret.key 或 MASTER_KEY），其指纹为 ${manifest.keyFingerprint}；备份中不含密钥`);
  if (keyFingerprint(key) !== manifest.keyFingerprint) {
    throw new BackupError('BACKUP_KEY_MISMATCH', `主密钥与备份时不同（备份时指纹 ${manifest.keyFingerprint}，现为 ${keyFingerprint(key)}）：恢复后的个人信息将无法解密`);
  }
  const lock = acquireDataDirLock(lockFile(config));
  try {
    const dir = pgliteDir(config);
    let movedAside: string | null = null;
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      if (!opts.force) throw new BackupError('RESTORE_TARGET_NOT_EMPTY', `数据目录 ${dir} 已有数据库；确认要替换时加 --force（原库将移到一旁保留）`);
      movedAside = `${dir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      fs.renameSync(dir, movedAside);
    }
    fs.mkdirSync(dir, { recursive: true });
    const { client, query } = await openPglite(dir, new Blob([new Uint8Array(dump)]));
    let tables: Record<string, TableChecksum>;
    try {
      tables = await tableChecksums(query);
    } finally {
      await client.close();
    }
    const differs = Object.keys({ ...manifest.tables, ...tables }).filter((t) => manifest.tables[t]?.md5 !== tables[t]?.md5 || manifest.tables[t]?.rows !== tables[t]?.rows);
    if (differs.length) throw new BackupError('RESTORE_NOT_IDENTICAL', `恢复后的数据与备份清单不一致：${differs.join('、')}`);
    // attachments are named by content: ones already there are the same bytes
    for (const rel of uploads) {
      const target = path.join(config.uploadDir, rel);
      if (fs.existsSync(target)) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(path.join(staging, rel), target);
    }
    return { manifest, movedAside };
  } finally {
    lock.release();
  }
}
