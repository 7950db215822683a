/**
 * Attachments (DOMAIN.md §2 content: photos, PDFs, audio): typed by their bytes, never by their name;
 * stored outside any served folder; downloaded only by whoever may see the case, as an attachment with
 * the sniffed type and nosniff; refused when too big or of a type that could run in a browser.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type JsonResponse, type TestServer } from './support/server.js';
import { attachments } from '../src/store/schema.js';

const MAX = 50_000;

/* ---------------------------------------------------------------------------------------------- */
/* Real, minimal files                                                                              */
/* ---------------------------------------------------------------------------------------------- */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** Returns a valid RGB PNG of w×h pixels; with `size`, padded by a tEXt chunk to exactly that many bytes. */
function makePng(w = 4, h = 4, size?: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc(h * (1 + w * 3));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[y * (1 + w * 3) + 1 + x * 3] = (x * 60) & 0xff;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const head = Buffer.concat([sig, pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw))]);
  const end = pngChunk('IEND', Buffer.alloc(0));
  if (size === undefined) return Buffer.concat([head, end]);
  const pad = size - head.length - end.length - 12;
  if (pad < 8) throw new Error('size too small');
  const text = Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(pad - 8, 0x61)]);
  const out = Buffer.concat([head, pngChunk('tEXt', text), end]);
  expect(out.length).toBe(size);
  return out;
}

/** Returns a valid one-page PDF with a correct cross-reference table. */
function makePdf(): Buffer {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
    '<< /Length 20 >>\nstream\n0 0 1 rg 10 10 50 50 re f\nendstream',
  ];
  let out = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A Windows executable's first bytes: MZ header pointing at a PE signature. */
function makeExe(): Buffer {
  const b = Buffer.alloc(512);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x14c, 0x84); // i386
  return b;
}

const HTML = Buffer.from('<!DOCTYPE html><html><body><script>fetch("/api/auth/me").then(r=>r.text()).then(alert)</script></body></html>');
const SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>');

const form = (bytes: Buffer, filename: string, type = 'image/jpeg') => {
  const f = new FormData();
  f.append('file', new Blob([new Uint8Array(bytes)], { type }), filename);
  return f;
};

/** Downloads raw bytes (the JSON client would mangle them). */
async function download(server: TestServer, token: string, p: string) {
  const res = await fetch(server.base + p, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

function expectRefused(r: JsonResponse, status: number, code: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.code).toBe(code);
  expect(r.body.message).toMatch(/[\u4e00-\u9fff]/);
}

for (const kind of DB_KINDS) {
  describe(`attachments are typed by their bytes and served only to those who may see the case [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let handlerA: Awaited<ReturnType<typeof loginAs>>;
    let handlerB: Awaited<ReturnType<typeof loginAs>>;
    let dispatcher: Awaited<ReturnType<typeof loginAs>>;
    const tokens: Record<string, string> = {};
    let caseA: { id: string; number: string; queryCode: string };
    let caseB: { id: string };
    const png = makePng();
    const pdf = makePdf();

    const rowsOf = async (caseId: string) =>
      t.ctx.db.select().from(attachments).where(and(eq(attachments.region, t.ctx.config.REGION), eq(attachments.caseId, caseId)));
    const timelineLength = async (caseId: string) => (await dispatcher.get(`/api/cases/${caseId}`)).body.timeline.length as number;
    const storedFile = (bytes: Buffer) => {
      const sha = crypto.createHash('sha256').update(bytes).digest('hex');
      return path.join(t.ctx.uploadDir, sha.slice(0, 2), sha);
    };

    beforeAll(async () => {
      t = await makeTestContext(kind, { env: { UPLOAD_MAX_BYTES: String(MAX) } });
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      for (const u of ['dispatcher', 'handlerA', 'handlerB']) {
        const r = await client(server).post('/api/auth/login', { username: org.usernames[u], password: 'Test@2026pass' });
        tokens[u] = r.body.token;
      }
      dispatcher = client(server, tokens.dispatcher);
      handlerA = client(server, tokens.handlerA);
      handlerB = client(server, tokens.handlerB);
      const mk = async (grid: string, title: string) => {
        const c = await dispatcher.post('/api/cases', {
          channel: 'visit',
          nature: 'appeal',
          title,
          content: `${title}，现场照片和材料见附件。`,
          gridId: grid,
          petitioners: [{ name: '吴刚', phone: '13600001111' }],
          acceptNow: true,
        });
        expect(c.status).toBe(201);
        expect((await dispatcher.post(`/api/cases/${c.body.id}/commands`, { type: 'dispatch', leadUnitId: grid })).status).toBe(200);
        return c.body;
      };
      caseA = await mk(org.units.gridA1, '梅园社区违章搭建');
      caseB = await mk(org.units.gridB1, '荷塘社区噪音扰民');
      expect((await handlerA.post(`/api/cases/${caseA.id}/commands`, { type: 'sign' })).status).toBe(200);
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('the test files are what they claim to be', () => {
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(makePng(4, 4, 1000)).toHaveLength(1000);
    });

    it('staff upload a PNG and a PDF: stored, listed, downloaded with the sniffed type and nosniff', async () => {
      const before = await timelineLength(caseA.id);
      const up1 = await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, form(png, '现场照片.png', 'image/png'));
      expect(up1.status).toBe(201);
      expect(up1.body).toMatchObject({ filename: '现场照片.png', mime: 'image/png', size: png.length, sha256: crypto.createHash('sha256').update(png).digest('hex') });
      // a PDF sent under a photo's name and declared type is still a PDF
      const up2 = await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, form(pdf, '情况说明.jpg', 'image/jpeg'));
      expect(up2.status).toBe(201);
      expect(up2.body.mime).toBe('application/pdf');
      expect(up2.body.filename).toBe('情况说明.jpg.pdf');

      const list = await handlerA.get(`/api/cases/${caseA.id}/attachments`);
      expect(list.status).toBe(200);
      expect(list.body.map((a: { id: string }) => a.id)).toEqual([up1.body.id, up2.body.id]);
      expect(list.body[0]).toMatchObject({ filename: '现场照片.png', mime: 'image/png', size: png.length });

      for (const [up, bytes, mime] of [[up1, png, 'image/png'], [up2, pdf, 'application/pdf']] as const) {
        for (const who of ['handlerA', 'dispatcher']) {
          const d = await download(server, tokens[who]!, `/api/cases/${caseA.id}/attachments/${up.body.id}`);
          expect(d.status).toBe(200);
          expect(d.headers.get('content-type')).toBe(mime);
          expect(d.headers.get('x-content-type-options')).toBe('nosniff');
          expect(d.headers.get('content-disposition')).toMatch(/^attachment;/);
          expect(d.bytes.equals(bytes)).toBe(true);
        }
      }
      expect(fs.readFileSync(storedFile(png)).equals(png)).toBe(true);
      // each upload is on the case's record
      const after = await dispatcher.get(`/api/cases/${caseA.id}`);
      expect(after.body.timeline.length).toBe(before + 2);
      expect(after.body.timeline.at(-1)).toMatchObject({ type: 'case.attachment_added', actorId: org.actors.handlerA.userId });
    });

    it('the petitioner uploads a photo with number and query code; staff see and download it', async () => {
      const photo = makePng(8, 8);
      const pub = client(server);
      const up = await pub.raw('POST', `/api/public/cases/${caseA.number}/attachments?code=${caseA.queryCode}`, form(photo, 'IMG_0001.PNG', 'image/png'));
      expect(up.status).toBe(201);
      expect(up.body).toEqual({ id: expect.any(String), filename: 'IMG_0001.PNG', mime: 'image/png', size: photo.length });
      const list = await handlerA.get(`/api/cases/${caseA.id}/attachments`);
      expect(list.body.map((a: { id: string }) => a.id)).toContain(up.body.id);
      const d = await download(server, tokens.handlerA!, `/api/cases/${caseA.id}/attachments/${up.body.id}`);
      expect(d.bytes.equals(photo)).toBe(true);
      const last = (await dispatcher.get(`/api/cases/${caseA.id}`)).body.timeline.at(-1);
      expect(last).toMatchObject({ type: 'case.attachment_added', actorId: null, actorRole: 'petitioner' });
      // the public case view shows no file names or staff details
      const track = await pub.get(`/api/public/cases/${caseA.number}?code=${caseA.queryCode}`);
      expect(JSON.stringify(track.body)).not.toContain('IMG_0001');
    });

    const disguised: [string, Buffer][] = [
      ['a Windows executable', makeExe()],
      ['an HTML page', HTML],
      ['an SVG with a script', SVG],
      ['plain text', Buffer.from('这只是一段文字，不是图片。')],
      ['a ZIP archive', Buffer.from([0x50, 0x4b, 0x03, 0x04, ...Buffer.alloc(60)])],
    ];
    for (const [label, bytes] of disguised) {
      it(`${label} renamed to .jpg is refused 415 ATTACHMENT_TYPE_REJECTED, by staff and by the public, and nothing is kept`, async () => {
        const rowsBefore = (await rowsOf(caseA.id)).length;
        const eventsBefore = await timelineLength(caseA.id);
        expectRefused(await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, form(bytes, 'photo.jpg')), 415, 'ATTACHMENT_TYPE_REJECTED');
        expectRefused(
          await client(server).raw('POST', `/api/public/cases/${caseA.number}/attachments?code=${caseA.queryCode}`, form(bytes, 'photo.jpg')),
          415,
          'ATTACHMENT_TYPE_REJECTED',
        );
        expect((await rowsOf(caseA.id)).length).toBe(rowsBefore);
        expect(await timelineLength(caseA.id)).toBe(eventsBefore);
        expect(fs.existsSync(storedFile(bytes))).toBe(false);
      });
    }

    it(`a file over UPLOAD_MAX_BYTES (${MAX}) is refused 413 and leaves no row and no file; one of exactly the limit is accepted`, async () => {
      const rowsBefore = (await rowsOf(caseA.id)).length;
      const eventsBefore = await timelineLength(caseA.id);
      for (const size of [MAX + 1, MAX * 3]) {
        const big = makePng(4, 4, size);
        expectRefused(await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, form(big, 'big.png', 'image/png')), 413, 'ATTACHMENT_TOO_LARGE');
        expectRefused(
          await client(server).raw('POST', `/api/public/cases/${caseA.number}/attachments?code=${caseA.queryCode}`, form(big, 'big.png', 'image/png')),
          413,
          'ATTACHMENT_TOO_LARGE',
        );
        expect(fs.existsSync(storedFile(big))).toBe(false);
      }
      expect((await rowsOf(caseA.id)).length).toBe(rowsBefore);
      expect(await timelineLength(caseA.id)).toBe(eventsBefore);
      const exact = makePng(4, 4, MAX);
      const ok = await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, form(exact, 'exact.png', 'image/png'));
      expect(ok.status).toBe(201);
      expect(ok.body.size).toBe(MAX);
    });

    it('an empty file, no file, two files and a broken form are refused cleanly', async () => {
      const rowsBefore = (await rowsOf(caseA.id)).length;
      expectRefused(await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, form(Buffer.alloc(0), 'empty.png')), 400, 'VALIDATION_FAILED');
      const noFile = new FormData();
      noFile.append('note', '没有文件');
      expectRefused(await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, noFile), 400, 'VALIDATION_FAILED');
      const broken = await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, '--xx\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG', {
        'content-type': 'multipart/form-data; boundary=xx',
      });
      expectRefused(broken, 400, 'VALIDATION_FAILED');
      expectRefused(await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, 'abc', { 'content-type': 'multipart/form-data' }), 400, 'VALIDATION_FAILED');
      expectRefused(await handlerA.post(`/api/cases/${caseA.id}/attachments`, { file: png.toString('base64') }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      const two = new FormData();
      two.append('file', new Blob([new Uint8Array(makePng(2, 2))]), 'one.png');
      two.append('file', new Blob([new Uint8Array(makePng(3, 3))]), 'two.png');
      const r = await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, two);
      expect(r.status).toBeLessThan(500);
      // at most the first file is kept
      expect((await rowsOf(caseA.id)).length).toBeLessThanOrEqual(rowsBefore + 1);
      if (r.status !== 201) expect((await rowsOf(caseA.id)).length).toBe(rowsBefore);
    });

    it('path tricks, control characters and bidi overrides in the file name are stored as a safe name', async () => {
      const cases: [string, string][] = [
        ['../../etc/passwd.png', 'passwd.png'],
        ['..\\..\\windows\\win.ini.png', 'win.ini.png'],
        ['/absolute/path/evidence.png', 'evidence.png'],
        ['..', 'attachment.png'],
        ['.hidden.png', 'hidden.png'],
        ['evil\r\nContent-Type: text/html\r\n.png', ''],
        ['photo\u202egnp.exe', 'photognp.exe.png'],
        ['<script>alert(1)<\\script>.png', 'script.png'],
        ['照片'.repeat(100) + '.png', ''],
      ];
      for (const [given, expected] of cases) {
        const bytes = makePng(2 + Math.floor(Math.random() * 50), 2);
        const up = await handlerA.raw('POST', `/api/cases/${caseA.id}/attachments`, form(bytes, given, 'image/png'));
        expect(up.status, given).toBe(201);
        const name: string = up.body.filename;
        expect(name, given).not.toMatch(/[/\\\u0000-\u001f\u202e]/);
        expect(name.startsWith('.'), given).toBe(false);
        expect(name.endsWith('.png'), given).toBe(true);
        if (expected) expect(name, given).toBe(expected);
        else expect(Array.from(name).length).toBeLessThanOrEqual(124);
        // the bytes live under their hash inside the upload folder, whatever the name said
        expect(fs.readFileSync(storedFile(bytes)).equals(bytes)).toBe(true);
        const [row] = (await rowsOf(caseA.id)).filter((r) => r.id === up.body.id);
        expect(row!.filename).toBe(name);
        expect(path.resolve(t.ctx.uploadDir, row!.storageKey).startsWith(t.ctx.uploadDir + path.sep)).toBe(true);
        const d = await download(server, tokens.handlerA!, `/api/cases/${caseA.id}/attachments/${up.body.id}`);
        expect(d.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
      }
      expect(fs.existsSync('/etc/passwd.png')).toBe(false);
    });

    it("another street's handler can neither list, download nor add to the case's attachments (404 as if missing)", async () => {
      const [first] = await rowsOf(caseA.id);
      expect(first).toBeDefined();
      const missingCase = crypto.randomUUID();
      const list = await handlerB.get(`/api/cases/${caseA.id}/attachments`);
      expectRefused(list, 404, 'CASE_NOT_FOUND');
      expect(list.body).toEqual((await handlerB.get(`/api/cases/${missingCase}/attachments`)).body);
      const d = await download(server, tokens.handlerB!, `/api/cases/${caseA.id}/attachments/${first!.id}`);
      expect(d.status).toBe(404);
      expect(JSON.parse(d.bytes.toString()).code).toBe('CASE_NOT_FOUND');
      // nor through his own case's id
      const viaOwn = await download(server, tokens.handlerB!, `/api/cases/${caseB.id}/attachments/${first!.id}`);
      expect(viaOwn.status).toBe(404);
      expect(viaOwn.bytes.toString()).not.toContain('PNG');
      const rowsBefore = (await rowsOf(caseA.id)).length;
      const planted = makePng(5, 5);
      expectRefused(await handlerB.raw('POST', `/api/cases/${caseA.id}/attachments`, form(planted, 'x.png', 'image/png')), 404, 'CASE_NOT_FOUND');
      expect((await rowsOf(caseA.id)).length).toBe(rowsBefore);
      // a refused upload leaves no bytes on the server's disk either
      expect(fs.existsSync(storedFile(planted))).toBe(false);
      // the admin does no case work, attachments included
      const admin = await loginAs(server, org.usernames.admin!);
      expectRefused(await admin.get(`/api/cases/${caseA.id}/attachments`), 403, 'FORBIDDEN');
      // and nobody without a session
      expectRefused(await client(server).get(`/api/cases/${caseA.id}/attachments`), 401, 'AUTH_REQUIRED');
      expect((await fetch(`${server.base}/api/cases/${caseA.id}/attachments/${first!.id}`)).status).toBe(401);
    });

    it('the petitioner of one case cannot attach to another with his own code', async () => {
      const other = await dispatcher.post('/api/cases', {
        channel: 'phone',
        nature: 'appeal',
        title: '另一件事项',
        content: '另一件事项的内容，和上面的无关。',
        petitioners: [{ name: '郑强' }],
      });
      const r = await client(server).raw('POST', `/api/public/cases/${other.body.number}/attachments?code=${caseA.queryCode}`, form(makePng(6, 6), 'x.png', 'image/png'));
      expectRefused(r, 404, 'QUERY_CODE_MISMATCH');
      expect(await rowsOf(other.body.id)).toEqual([]);

      // a case no longer open takes no attachments, and the refused bytes are not kept
      expect((await dispatcher.post(`/api/cases/${other.body.id}/commands`, { type: 'withdraw', reason: '信访人撤回' })).status).toBe(200);
      const late = makePng(7, 7);
      const refused = await client(server).raw('POST', `/api/public/cases/${other.body.number}/attachments?code=${other.body.queryCode}`, form(late, 'late.png', 'image/png'));
      expectRefused(refused, 409, 'CASE_ILLEGAL_TRANSITION');
      expect(await rowsOf(other.body.id)).toEqual([]);
      expect(fs.existsSync(storedFile(late))).toBe(false);
    });
  });
}
