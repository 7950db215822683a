import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog, cases, cockpitDaily } from '../src/store/schema.js';
import { awaitSearchReindex } from '../src/services/search-reindex.js';
import { runRollupsOnce } from '../src/jobs/rollup-worker.js';
import { compareRollups } from '../src/services/rollup-check.js';
import { loadLexicon } from '../src/services/lexicon.js';

type Client = Awaited<ReturnType<typeof loginAs>>;
const WORD = '网格员积分';
const SENTENCE = '社区推行网格员积分制度，网格员积分不公开';

for (const kind of DB_KINDS) {
  describe(`admins extend the segmentation dictionary [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let admin: Client;
    let supervisor: Client;
    let before = '';

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      admin = await loginAs(server, org.usernames.admin!);
      supervisor = await loginAs(server, org.usernames.supervisor!);
      const res = await client(server).post('/api/public/cases', {
        title: '网格员积分不公开',
        content: '梅园社区网格员积分怎么算从来不公开，希望公示网格员积分明细。',
        petitioner: { name: '王五', phone: '13900002222' },
        gridId: org.units.gridA1,
      });
      expect(res.status).toBe(201);
      before = res.body.number;
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const cut = async (text: string) => {
      const res = await admin.post('/api/admin/lexicon/cut', { text });
      expect(res.status).toBe(200);
      return res.body as { words: string[]; searchTokens: string[]; keywords: string[] };
    };
    const search = async (q: string) => {
      const res = await supervisor.get(`/api/cases?q=${encodeURIComponent(q)}&limit=50`);
      expect(res.status).toBe(200);
      return (res.body.items as Array<{ number: string }>).map((c) => c.number).sort();
    };

    it('a word the admin adds changes how a sentence is cut and lets search find a case registered afterwards', async () => {
      expect((await cut(SENTENCE)).words).toEqual(['社区', '推行', '网格员', '积分', '制度', '网格员', '积分', '不', '公开']);

      const added = await admin.post('/api/admin/lexicon', { word: WORD });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      expect(added.body.word).toMatchObject({ word: WORD, freq: 2000, tag: 'n' });
      expect(added.body.note).toContain('重建检索索引');
      const now = await cut(SENTENCE);
      expect(now.words).toEqual(['社区', '推行', WORD, '制度', WORD, '不', '公开']);
      expect(now.keywords[0]).toBe(WORD);

      const res = await client(server).post('/api/public/cases', {
        title: '网格员积分怎么评',
        content: '荷塘社区的网格员积分评定不透明。',
        petitioner: { name: '李四', phone: '13900003333' },
        gridId: org.units.gridB1,
      });
      expect(res.status).toBe(201);
      const after = res.body.number as string;
      // The query is now one word; the case indexed before the word existed holds only its parts.
      expect(await search(WORD)).toEqual([after]);

      const listed = await admin.get('/api/admin/lexicon');
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([expect.objectContaining({ word: WORD, freq: 2000, tag: 'n', createdBy: expect.objectContaining({ name: 'admin' }) })]);
      expect(await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'lexicon.word_added'))).toHaveLength(1);
    });

    it('rebuilding the search index re-cuts older cases with the new word', async () => {
      await runRollupsOnce(t.ctx); // the cockpit has counted both cases' words as they were cut at intake
      const started = await admin.post('/api/admin/lexicon/reindex');
      expect(started.status).toBe(202);
      expect(started.body.state).toBe('running');
      await awaitSearchReindex(t.ctx);
      const status = await admin.get('/api/admin/lexicon/reindex');
      expect(status.body).toMatchObject({ state: 'done', done: 2, total: 2 });
      expect(await search(WORD)).toHaveLength(2);
      const [row] = await t.ctx.db.select({ keywords: cases.keywords }).from(cases).where(eq(cases.number, before));
      expect(row!.keywords[0]).toBe(WORD);
      // the cockpit's hot words follow: both cases now count the word for the district
      await runRollupsOnce(t.ctx);
      expect((await compareRollups(t.ctx)).differences).toEqual([]);
      const [hot] = await t.ctx.db
        .select({ n: sql<number>`coalesce(sum(${cockpitDaily.value}), 0)::int` })
        .from(cockpitDaily)
        .where(and(eq(cockpitDaily.unitId, org.units.district), eq(cockpitDaily.metric, 'kw'), eq(cockpitDaily.dim, WORD)));
      expect(hot!.n).toBe(2);
    });

    it('a word removed is no longer used at once; a restart loads the list again', async () => {
      expect((await admin.del(`/api/admin/lexicon/${encodeURIComponent(WORD)}`)).status).toBe(200);
      expect((await cut(SENTENCE)).words).toContain('网格员');
      expect((await admin.del(`/api/admin/lexicon/${encodeURIComponent(WORD)}`)).body.code).toBe('LEXICON_WORD_NOT_FOUND');

      expect((await admin.post('/api/admin/lexicon', { word: '积分制度', freq: 5000, tag: 'nz' })).status).toBe(201);
      // a fresh boot over the same database: the segmenter is set to exactly the stored list
      t.ctx.segmenter.replaceWords('');
      expect((await cut(SENTENCE)).words).not.toContain('积分制度');
      expect(await loadLexicon(t.ctx)).toBe(1);
      expect((await cut(SENTENCE)).words).toContain('积分制度');
      expect((await admin.del(`/api/admin/lexicon/${encodeURIComponent('积分制度')}`)).status).toBe(200);
    });

    it('a non-admin is refused with 403, an invalid word with 400', async () => {
      for (const path of ['/api/admin/lexicon', '/api/admin/lexicon/reindex']) expect((await supervisor.get(path)).body.code).toBe('FORBIDDEN');
      const add = await supervisor.post('/api/admin/lexicon', { word: '违规词' });
      expect(add.status).toBe(403);
      expect(add.body.code).toBe('FORBIDDEN');
      expect((await supervisor.post('/api/admin/lexicon/cut', { text: SENTENCE })).status).toBe(403);
      for (const word of ['', '有 空格', '标点！', 'a'.repeat(21), "x' or 1=1"]) {
        const res = await admin.post('/api/admin/lexicon', { word });
        expect(res.status, word).toBe(400);
        expect(res.body.code, word).toBe('VALIDATION_FAILED');
      }
      expect((await admin.post('/api/admin/lexicon', { word: '好词', tag: 'xx' })).status).toBe(400);
      expect((await admin.post('/api/admin/lexicon', { word: '好词', freq: 0 })).status).toBe(400);
      expect((await admin.get('/api/admin/lexicon')).body.items).toEqual([]);
    });
  });
}
