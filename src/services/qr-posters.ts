/**
 * 码上办 posters (DOMAIN.md §2, channel `qr`): one printable A4 poster per grid and micro-grid with
 * a QR code of `<public base URL>/m/submit?grid=<id>`, so a case filed from it carries its grid.
 *
 * The layout is a pure function (`buildPosterSvg`: content in, SVG text out); rendering to PNG is
 * resvg on the libuv thread pool (`renderAsync`): 0.15 s a poster on an idle machine (most of it
 * loading the CJK fonts, which resvg does per render), 0.5 s on a busy one. A street's zip of a few
 * hundred posters is drawn one poster at a time and never blocks the event loop — on PGlite that
 * loop serves every other request.
 */
import { and, eq, sql } from 'drizzle-orm';
import QRCode from 'qrcode';
import { renderAsync } from '@resvg/resvg-js';
import { AppError } from '../domain/errors.js';
import { orgUnits } from '../store/schema.js';
import { ancestorsOf, findUnit, findUnitsById, type UnitRow } from '../store/org-repository.js';
import { writeAudit } from './audit-log.js';
import type { AppContext, StaffActor } from './context.js';
import { assertUnitInScope, subtreePattern } from './org-admin.js';
import { PUBLIC_BASE_URL, deleteSetting, normalizePublicBaseUrl, resolvePublicBaseUrl, writeSetting } from './settings.js';

/** A4 at 150 dpi (210 × 297 mm): sharp enough to print, small enough (~70 KB) to zip by the hundred. */
export const POSTER_WIDTH = 1240;
export const POSTER_HEIGHT = 1754;

/** The poster's fixed wording (what a citizen reads on the wall). */
export const POSTER_TEXT = {
  title: '码上办·有事扫一扫',
  subtitle: '群众诉求 一码直达',
  instruction: '用微信或手机浏览器扫描上方二维码',
  instruction2: '无需注册登录，即可反映问题、查询办理进度',
  codeLabel: '编码',
  footer: '请勿遮挡、涂改本码',
} as const;

const FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Sans CJK', sans-serif";
const RED = '#b71c1c';
const GRID_KINDS = ['grid', 'micro_grid'] as const;

/** What one poster shows. */
export interface PosterContent {
  /** the units above, outermost first: street, community (and the grid of a micro-grid) */
  above: string[];
  /** the grid's or micro-grid's own name */
  name: string;
  /** the unit code, printed small for the people who put posters up */
  code: string;
  /** the address the QR code carries, also printed under it */
  url: string;
  /** the QR code as an SVG document (qrcode's `type: 'svg'` output) */
  qrSvg: string;
}

/** Given text, returns it safe inside SVG text and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Given text and a font size, returns its approximate width in px (CJK full width, Latin about half). */
function textWidth(s: string, size: number): number {
  let em = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x2e80 || (c >= 0xff00 && c <= 0xffef)) em += 1;
    else if (ch === ' ') em += 0.3;
    else if (/[A-Z0-9]/.test(ch)) em += 0.62;
    else em += 0.55;
  }
  return em * size;
}

/**
 * Given text, the width it must fit and a size range, returns the largest size at which it fits
 * on one line — or, at the smallest size, the text wrapped into at most `maxLines` lines (the last
 * cut with an ellipsis): unit names may be up to 100 characters.
 */
export function fitText(s: string, maxWidth: number, maxSize: number, minSize: number, maxLines = 2): { size: number; lines: string[] } {
  for (let size = maxSize; size >= minSize; size -= 2) if (textWidth(s, size) <= maxWidth) return { size, lines: [s] };
  const lines: string[] = [];
  let line = '';
  for (const ch of s) {
    if (textWidth(line + ch, minSize) > maxWidth) {
      lines.push(line);
      line = '';
    }
    line += ch;
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    let last = kept[maxLines - 1]!;
    while (last && textWidth(last + '…', minSize) > maxWidth) last = [...last].slice(0, -1).join('');
    kept[maxLines - 1] = last + '…';
    return { size: minSize, lines: kept };
  }
  return { size: minSize, lines };
}

function textLines(lines: string[], x: number, firstBaseline: number, size: number, lineHeight: number, attrs: string): string {
  return lines
    .map((l, i) => `<text x="${x}" y="${firstBaseline + i * lineHeight}" font-size="${size}" ${attrs}>${escapeXml(l)}</text>`)
    .join('');
}

/** Given an SVG document from qrcode, returns it as a nested <svg> element placed at (x, y) with the given side. */
function placeQr(qrSvg: string, x: number, y: number, side: number): string {
  const body = qrSvg.trim().replace(/^<\?xml[^>]*>\s*/, '');
  if (!body.startsWith('<svg')) throw new Error('qr code is not an SVG document');
  return body.replace(/^<svg\b/, `<svg x="${x}" y="${y}" width="${side}" height="${side}"`);
}

/**
 * Given a poster's content, returns the poster as an SVG document of POSTER_WIDTH × POSTER_HEIGHT:
 * a red title band, the place (street · community, then the grid's name large), the QR code in a
 * frame, how to use it, the address spelled out, and the unit code in the footer.
 */
export function buildPosterSvg(p: PosterContent): string {
  const W = POSTER_WIDTH;
  const H = POSTER_HEIGHT;
  const cx = W / 2;
  const text = `font-family="${FONT_FAMILY}" text-anchor="middle"`;
  const parts: string[] = [];
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);

  // Title band.
  parts.push(`<rect width="${W}" height="300" fill="${RED}"/>`);
  parts.push(`<text x="${cx}" y="168" font-size="104" font-weight="700" fill="#ffffff" ${text}>${escapeXml(POSTER_TEXT.title)}</text>`);
  parts.push(`<text x="${cx}" y="246" font-size="40" fill="#ffe3e0" letter-spacing="12" ${text}>${escapeXml(POSTER_TEXT.subtitle)}</text>`);

  // The place: what is above in one line, the grid itself large (both shrink or wrap when long).
  let y = 380;
  const aboveLine = p.above.filter(Boolean).join(' · ');
  if (aboveLine) {
    const above = fitText(aboveLine, W - 160, 44, 30, 2);
    parts.push(textLines(above.lines, cx, y, above.size, Math.round(above.size * 1.3), `fill="#444444" ${text}`));
    y += (above.lines.length - 1) * Math.round(above.size * 1.3) + 96;
  } else y += 40;
  const name = fitText(p.name, W - 140, 80, 44, 2);
  parts.push(textLines(name.lines, cx, y, name.size, Math.round(name.size * 1.25), `font-weight="700" fill="#1a1a1a" ${text}`));
  const nameBottom = y + (name.lines.length - 1) * Math.round(name.size * 1.25) + 20;

  // The QR code in a red frame, as large as the space between the name and the instructions allows.
  const qrBottomLimit = 1420;
  const side = Math.min(820, qrBottomLimit - (nameBottom + 56));
  const qrX = Math.round(cx - side / 2);
  const qrY = qrBottomLimit - side;
  parts.push(`<rect x="${qrX - 22}" y="${qrY - 22}" width="${side + 44}" height="${side + 44}" rx="24" fill="#ffffff" stroke="${RED}" stroke-width="8"/>`);
  parts.push(placeQr(p.qrSvg, qrX, qrY, side));

  // How to use it, and the address for those who type it.
  parts.push(`<text x="${cx}" y="1512" font-size="44" font-weight="700" fill="#1a1a1a" ${text}>${escapeXml(POSTER_TEXT.instruction)}</text>`);
  parts.push(`<text x="${cx}" y="1572" font-size="34" fill="#444444" ${text}>${escapeXml(POSTER_TEXT.instruction2)}</text>`);
  const url = fitText(p.url, W - 160, 24, 16, 2);
  parts.push(textLines(url.lines, cx, 1622, url.size, url.size + 6, `fill="#888888" ${text}`));

  // Footer band.
  parts.push(`<rect y="${H - 84}" width="${W}" height="84" fill="#f4f4f4"/>`);
  parts.push(`<rect y="${H - 84}" width="${W}" height="4" fill="${RED}"/>`);
  parts.push(
    `<text x="${cx}" y="${H - 30}" font-size="26" fill="#666666" ${text}>${escapeXml(`${POSTER_TEXT.codeLabel} ${p.code}　　${POSTER_TEXT.footer}`)}</text>`,
  );

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>`;
}

/** Given the public base URL and a grid id, returns the address its QR code carries. */
export function posterUrl(baseUrl: string, gridId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/m/submit?grid=${encodeURIComponent(gridId)}`;
}

/** Given a URL, returns its QR code as an SVG document (error correction M: survives a smudge or a staple). */
export function qrCodeSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}

/** Given a poster SVG, returns it rendered as PNG bytes (CJK text in Noto Sans CJK SC, Debian fonts-noto-cjk). */
export async function renderPosterPng(svg: string): Promise<Buffer> {
  const image = await renderAsync(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'Noto Sans CJK SC' }, background: '#ffffff' });
  return image.asPng();
}

/** A grid or micro-grid as a poster names it. */
export interface PosterGrid {
  id: string;
  kind: 'grid' | 'micro_grid';
  name: string;
  code: string;
  streetName: string | null;
  communityName: string | null;
  /** the grid a micro-grid belongs to */
  gridName: string | null;
}

function describeGrid(unit: UnitRow, ancestors: Map<string, UnitRow>): PosterGrid {
  const above = ancestorsOf(unit.path, ancestors);
  const nameOf = (kind: string) => above.find((u) => u.kind === kind)?.name ?? null;
  return {
    id: unit.id,
    kind: unit.kind as PosterGrid['kind'],
    name: unit.name,
    code: unit.code,
    streetName: nameOf('street'),
    communityName: nameOf('community'),
    gridName: unit.kind === 'micro_grid' ? nameOf('grid') : null,
  };
}

/** Given a grid and the public base URL, returns the poster's SVG. */
export async function posterSvgFor(grid: PosterGrid, baseUrl: string): Promise<string> {
  const url = posterUrl(baseUrl, grid.id);
  const above = [grid.streetName, grid.communityName, grid.gridName].filter((n): n is string => !!n);
  return buildPosterSvg({ above, name: grid.name, code: grid.code, url, qrSvg: await qrCodeSvg(url) });
}

/** Given any text, returns it usable as a file name on Windows, macOS and Linux (and inside a zip). */
export function safeFileName(s: string, max = 80): string {
  const cleaned = s
    .replace(/[\\/:*?"<>|\u0000-\u001f\u007f]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+|[.\s]+$/g, '');
  const cut = [...cleaned].slice(0, max).join('');
  return cut || '_';
}

/** Given a grid, returns its poster's file name: `<community>-<grid>.png`, `<community>-<grid>-<micro-grid>.png` for a micro-grid. */
export function posterFileName(grid: PosterGrid): string {
  const parts = [grid.communityName, grid.gridName, grid.name].filter((n): n is string => !!n).map((n) => safeFileName(n, 40));
  return `${parts.join('-')}.png`;
}

/**
 * Given an admin and a unit id, returns the active grid or micro-grid with the names above it:
 * UNIT_NOT_FOUND when unknown, inactive (itself or a unit above) or not a grid; FORBIDDEN outside
 * his scope.
 */
export async function loadPosterGrid(ctx: AppContext, actor: StaffActor, gridId: string): Promise<PosterGrid> {
  const unit = await findUnit(ctx.db, gridId);
  if (!unit) throw new AppError('UNIT_NOT_FOUND', { path: 'gridId', unitId: gridId });
  assertUnitInScope(actor, unit, 'gridId');
  if (!unit.active || !(GRID_KINDS as readonly string[]).includes(unit.kind)) {
    throw new AppError('UNIT_NOT_FOUND', { path: 'gridId', unitId: gridId, reason: unit.active ? 'not_a_grid' : 'inactive' });
  }
  const ancestors = await findUnitsById(ctx.db, unit.path.split('/').filter(Boolean));
  // as in a street's batch: a grid under a retired community is not printed either
  if ([...ancestors.values()].some((u) => !u.active)) throw new AppError('UNIT_NOT_FOUND', { path: 'gridId', unitId: gridId, reason: 'ancestor_inactive' });
  return describeGrid(unit, ancestors);
}

/** Given an admin, a grid id and the public base URL, returns the grid's poster as PNG with its file name. */
export async function renderGridPoster(ctx: AppContext, actor: StaffActor, gridId: string, baseUrl: string): Promise<{ png: Buffer; fileName: string; grid: PosterGrid }> {
  const grid = await loadPosterGrid(ctx, actor, gridId);
  const png = await renderPosterPng(await posterSvgFor(grid, baseUrl));
  return { png, fileName: posterFileName(grid), grid };
}

/** One poster of a street's batch: its file name in the zip and how to draw it when its turn comes. */
export interface PosterBatchEntry {
  fileName: string;
  grid: PosterGrid;
  render(): Promise<Buffer>;
}

/**
 * Given an admin, a street id and the public base URL, returns the street and one entry per active
 * grid and micro-grid under it (by code, so a micro-grid follows its grid), file names unique.
 * Nothing is rendered yet: the caller draws each poster as the zip stream asks for it, after every
 * database read is done. UNIT_NOT_FOUND unless an active street; FORBIDDEN outside his scope.
 */
export async function planStreetPosters(ctx: AppContext, actor: StaffActor, streetId: string, baseUrl: string): Promise<{ street: { id: string; name: string; code: string }; entries: PosterBatchEntry[] }> {
  const street = await findUnit(ctx.db, streetId);
  if (!street) throw new AppError('UNIT_NOT_FOUND', { path: 'streetId', unitId: streetId });
  assertUnitInScope(actor, street, 'streetId');
  if (!street.active || street.kind !== 'street') {
    throw new AppError('UNIT_NOT_FOUND', { path: 'streetId', unitId: streetId, reason: street.active ? 'not_a_street' : 'inactive' });
  }
  // The whole active subtree in one read: grids, and the communities and grids that name them.
  const rows = await ctx.db
    .select()
    .from(orgUnits)
    .where(and(sql`${orgUnits.path} like ${subtreePattern(street.path)}`, eq(orgUnits.active, true)));
  const ancestors = new Map<string, UnitRow>(rows.map((r) => [r.id, r]));
  const above = await findUnitsById(ctx.db, street.path.split('/').filter(Boolean));
  for (const [id, u] of above) ancestors.set(id, u);

  // A grid under an inactive community has no active path to the street: it is not printed.
  const reachable = (u: UnitRow) =>
    u.path
      .slice(street.path.length)
      .split('/')
      .filter(Boolean)
      .every((id) => ancestors.get(id)?.active);
  const grids = rows
    .filter((r) => (GRID_KINDS as readonly string[]).includes(r.kind) && reachable(r))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .map((r) => describeGrid(r, ancestors));

  const used = new Set<string>();
  const entries = grids.map((grid) => {
    let fileName = posterFileName(grid);
    if (used.has(fileName.toLowerCase())) fileName = fileName.replace(/\.png$/, `-${safeFileName(grid.code)}.png`);
    used.add(fileName.toLowerCase());
    return { fileName, grid, render: async () => renderPosterPng(await posterSvgFor(grid, baseUrl)) };
  });
  return { street: { id: street.id, name: street.name, code: street.code }, entries };
}

/** Given an admin, returns whether he may change the public base URL: only one scoped to a whole tree (a root unit). */
export const mayChangePublicBaseUrl = (actor: StaffActor) => actor.scopePath.split('/').filter(Boolean).length === 1;

/** Given an admin and the request's own origin, returns the configured public base URL, the one posters use now, and whether he may change it. */
export async function readPosterSettings(ctx: AppContext, actor: StaffActor, requestOrigin: string) {
  const { baseUrl, configured } = await resolvePublicBaseUrl(ctx.db, requestOrigin);
  return { publicBaseUrl: configured, effectiveBaseUrl: baseUrl, fallbackBaseUrl: requestOrigin, canChange: mayChangePublicBaseUrl(actor) };
}

/**
 * Given an admin and a base URL (null: use the request's address), stores the public base URL.
 * The setting redirects every poster of the deployment, so a street admin must not be able to
 * point the city's QR codes elsewhere: FORBIDDEN unless mayChangePublicBaseUrl.
 */
export async function setPublicBaseUrl(ctx: AppContext, actor: StaffActor, value: string | null): Promise<void> {
  if (!mayChangePublicBaseUrl(actor)) throw new AppError('FORBIDDEN', { path: 'publicBaseUrl', reason: 'needs_root_scope' });
  const normalized = value === null ? null : normalizePublicBaseUrl(value);
  if (value !== null && !normalized) throw new AppError('VALIDATION_FAILED', { path: 'publicBaseUrl', reason: 'not_http_url' });
  await ctx.db.transaction(async (tx) => {
    if (normalized === null) await deleteSetting(tx, PUBLIC_BASE_URL);
    else await writeSetting(tx, PUBLIC_BASE_URL, normalized);
    await writeAudit(ctx, { actorId: actor.userId, action: 'settings.public_base_url_set', targetType: 'setting', targetId: PUBLIC_BASE_URL, data: { value: normalized } }, tx);
  });
}
