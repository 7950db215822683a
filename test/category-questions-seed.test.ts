/**
 * The demo's category questions (src/domain/demo/category-questions.ts): valid definitions, stored
 * once on a database that never had questions, and asked by the portal from the first start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, startServer, type TestServer } from './support/server.js';
import { like } from 'drizzle-orm';
import { DEMO_QUESTIONS_SEEDED, seedDemoCategoryQuestions } from '../src/services/seed-categories.js';
import { deleteSetting } from '../src/services/settings.js';
import { removeQuestion } from '../src/services/category-question-admin.js';
import { auditLog, categoryQuestions } from '../src/store/schema.js';
import { DEMO_CATEGORY_QUESTIONS } from '../src/domain/demo/category-questions.js';
import { questionDefinitionProblem } from '../src/domain/categories/question-rules.js';
import { categoryLineage } from '../src/domain/categories/answers.js';

describe('the demo questions as defined', () => {
  it('each passes the admin’s rules and no code repeats along a lineage', () => {
    for (const q of DEMO_CATEGORY_QUESTIONS) expect(questionDefinitionProblem(q), `${q.categoryCode}/${q.code}`).toBeNull();
    for (const q of DEMO_CATEGORY_QUESTIONS) {
      const clash = DEMO_CATEGORY_QUESTIONS.filter((o) => o !== q && o.code === q.code && (categoryLineage(q.categoryCode).includes(o.categoryCode) || o.categoryCode.startsWith(q.categoryCode)));
      expect(clash, `${q.categoryCode}/${q.code}`).toEqual([]);
    }
  });
});

for (const kind of DB_KINDS) {
  describe(`the demo questions seeded [${kind}]`, () => {
    let t: TestContext;
    let server: TestServer;
    let org: MiniOrg;

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('are stored once, and a citizen reporting a broken street lamp is asked for its pole number', async () => {
      expect(await seedDemoCategoryQuestions(t.ctx)).toBe(DEMO_CATEGORY_QUESTIONS.length);
      expect(await seedDemoCategoryQuestions(t.ctx)).toBe(0);
      const asked = await client(server).get('/api/categories/010602/questions');
      expect(asked.body.items.map((q: any) => [q.label, q.required])).toEqual([
        ['灯杆编号', true],
        ['损坏情况', false],
      ]);
      const noise = await client(server).get('/api/categories/070303/questions');
      expect(noise.body.items.map((q: any) => q.datatype)).toEqual(['multivaluelist', 'datetime']);
      const refused = await client(server).post('/api/public/cases', {
        title: '路灯坏了',
        content: '小区门口的路灯坏了很久，晚上很黑，请维修。',
        category: '010602',
        petitioner: { name: '王五', phone: '13712345678' },
      });
      expect(refused.body.details.fields).toEqual([{ path: 'answers.lamp_no', message: '请回答：灯杆编号' }]);
    });

    it('are seeded once in a database’s life, audited: questions an admin deleted do not come back at the next start', async () => {
      const seeded = await t.ctx.db.select().from(auditLog).where(like(auditLog.action, 'category_question.demo_seeded'));
      expect(seeded).toHaveLength(1);
      expect(seeded[0]!.data).toMatchObject({ questions: expect.arrayContaining(['010602/lamp_no']) });
      for (const q of await t.ctx.db.select().from(categoryQuestions)) await removeQuestion(t.ctx, org.actors.admin, q.categoryCode, q.code);
      expect(await t.ctx.db.select().from(categoryQuestions)).toEqual([]);
      expect(await seedDemoCategoryQuestions(t.ctx)).toBe(0); // the next start
      expect((await client(server).get('/api/categories/010602/questions')).body.items).toEqual([]);
      // a database from before the one-time setting, whose admins had deleted them all: the audit log tells
      await deleteSetting(t.ctx.db, DEMO_QUESTIONS_SEEDED);
      expect(await seedDemoCategoryQuestions(t.ctx)).toBe(0);
      expect(await t.ctx.db.select().from(categoryQuestions)).toEqual([]);
    });
  });
}