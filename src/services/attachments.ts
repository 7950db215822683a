/**
 * Attachments: photos, PDFs and audio. The type is decided by sniffing the bytes (never the name
 * or the declared type), the bytes are stored under their sha256 outside any served folder, and
 * the original file name is kept only as text.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import { and, asc, eq } from 'drizzle-orm';
import { AppError } from '../domain/errors.js';
import { attachments } from '../store/schema.js';
import type { Tx } from '../store/database.js';
import { appendCaseEvents } from '../store/case-events.js';
import type { AppContext, ServiceActor } from './context.js';
import { findCaseForUpdate } from './run-case-command.js';
import { isOpen } from '../domain/lifecycle/transitions.js';
import type { CaseState } from '../domain/lifecycle/types.js';

/** What may be attached, by sniffed MIME type. */
export const ALLOWED_MIME = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf', 'audio/mpeg', 'audio/mp4', 'audio/x-m4a', 'audio/wav', 'audio/x-wav', 'audio/vnd.wave']);
export const MAX_ATTACHMENTS_PER_CASE = 20;

/**
 * Given a file name from a client, returns a safe display name: no path, no control characters, no
 * bidi controls (U+202E would show `photo\u202Egnp.exe` as "photoexe.png"), no unpaired surrogate,
 * no leading dots (hidden files), at most 120 characters (cut on code points).
 */
export function safeFileName(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? '';
  const cleaned = Array.from(
    base
      .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*]/g, '')
      .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
      .replace(/[\uD800-\uDFFF]/gu, '')
      .trim()
      .replace(/^\.+/, ''),
  )
    .slice(0, 120)
    .join('')
    .trim();
  return cleaned || 'attachment';
}

/** Extensions a sniffed type may be saved under; anything else gets the sniffed one appended. */
const EXTENSIONS: Record<string, readonly string[]> = {
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'audio/mpeg': ['mp3'],
  'audio/mp4': ['m4a', 'mp4'],
  'audio/x-m4a': ['m4a'],
  'audio/wav': ['wav'],
  'audio/x-wav': ['wav'],
  'audio/vnd.wave': ['wav'],
};

/**
 * Given a safe name and the sniffed type, returns the name with an extension that matches the bytes,
 * so a download is never saved as `.exe` or `.html` whatever the uploader called it.
 */
export function nameForType(name: string, sniffed: { mime: string; ext: string }): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase();
  const allowed = EXTENSIONS[sniffed.mime] ?? [sniffed.ext];
  return ext && allowed.includes(ext) ? name : `${name}.${sniffed.ext}`;
}

/** Given bytes, returns the sniffed MIME type or throws ATTACHMENT_TYPE_REJECTED. */
export async function sniffAllowed(bytes: Buffer): Promise<{ mime: string; ext: string }> {
  const t = await fileTypeFromBuffer(bytes);
  if (!t || !ALLOWED_MIME.has(t.mime)) throw new AppError('ATTACHMENT_TYPE_REJECTED', { detected: t?.mime ?? 'unknown' });
  return { mime: t.mime, ext: t.ext };
}

/**
 * Given a case the caller may act on and an uploaded file, returns the stored attachment. Nothing
 * touches the disk until the case is locked and every check passed (a refused upload leaves no file);
 * the bytes are then written before the row (a crash leaves an orphan file, never a row without
 * bytes), through a temporary name and a rename, so a reader never sees a half-written file.
 */
export async function addAttachment(
  ctx: AppContext,
  actor: ServiceActor,
  caseId: string,
  file: { filename: string; bytes: Buffer },
  /**
   * Whether the actor may see the locked case. It runs inside the upload's transaction and must query
   * through `tx`: on PGlite (one connection) a query on ctx.db there waits for this very transaction.
   */
  canSee: (row: NonNullable<Awaited<ReturnType<typeof findCaseForUpdate>>>, tx: Tx) => Promise<boolean>,
) {
  if (file.bytes.length === 0) throw new AppError('VALIDATION_FAILED', { path: 'file', reason: 'empty' });
  if (file.bytes.length > ctx.config.UPLOAD_MAX_BYTES) throw new AppError('ATTACHMENT_TOO_LARGE', { max: ctx.config.UPLOAD_MAX_BYTES });
  const sniffed = await sniffAllowed(file.bytes);
  const { mime } = sniffed;
  const sha256 = crypto.createHash('sha256').update(file.bytes).digest('hex');
  const storageKey = path.join(sha256.slice(0, 2), sha256);
  const full = path.join(ctx.uploadDir, storageKey);
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    const row = await findCaseForUpdate(tx, ctx.config.REGION, caseId);
    if (!row || !(await canSee(row, tx))) throw new AppError('CASE_NOT_FOUND');
    if (!isOpen(row.state as CaseState)) throw new AppError('CASE_ILLEGAL_TRANSITION', { reason: 'case_not_open' });
    const existing = await tx.select({ id: attachments.id }).from(attachments).where(and(eq(attachments.region, row.region), eq(attachments.caseId, row.id)));
    if (existing.length >= MAX_ATTACHMENTS_PER_CASE) throw new AppError('VALIDATION_FAILED', { path: 'file', reason: 'too_many_attachments', max: MAX_ATTACHMENTS_PER_CASE });
    await fs.mkdir(path.dirname(full), { recursive: true });
    const temp = `${full}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(temp, file.bytes, { flag: 'wx', mode: 0o600 });
    await fs.rename(temp, full);
    const id = crypto.randomUUID();
    const filename = nameForType(safeFileName(file.filename), sniffed);
    await tx.insert(attachments).values({ region: row.region, id, caseId: row.id, filename, mime, size: file.bytes.length, sha256, storageKey, uploadedBy: actor.kind === 'staff' ? actor.userId : null, createdAt: now });
    await appendCaseEvents(
      tx,
      { region: row.region, caseId: row.id, count: row.eventCount, headHash: row.headHash },
      [{ type: 'case.attachment_added', data: { attachmentId: id, filename, mime, size: file.bytes.length, sha256 }, actorId: actor.kind === 'staff' ? actor.userId : null, actorRole: actor.kind === 'staff' ? actor.roles[0] ?? null : 'petitioner' }],
      now,
    );
    return { id, filename, mime, size: file.bytes.length, sha256 };
  });
}

/** Given a case id, returns its attachments' metadata. */
export async function listAttachments(ctx: AppContext, caseId: string) {
  const rows = await ctx.db.select().from(attachments).where(and(eq(attachments.region, ctx.config.REGION), eq(attachments.caseId, caseId))).orderBy(asc(attachments.createdAt));
  return rows.map((r) => ({ id: r.id, filename: r.filename, mime: r.mime, size: r.size, sha256: r.sha256, createdAt: r.createdAt.toISOString() }));
}

/** Given an attachment of a case, returns its metadata and bytes. */
export async function readAttachment(ctx: AppContext, caseId: string, attachmentId: string) {
  const [r] = await ctx.db
    .select()
    .from(attachments)
    .where(and(eq(attachments.region, ctx.config.REGION), eq(attachments.caseId, caseId), eq(attachments.id, attachmentId)))
    .limit(1);
  if (!r) throw new AppError('NOT_FOUND');
  const bytes = await fs.readFile(path.join(ctx.uploadDir, r.storageKey));
  return { meta: r, bytes };
}
