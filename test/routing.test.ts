/**
 * Routing from the deployment's own history: before any training the unit comes from where this
 * deployment dispatched the category lately; `train` learns the lead unit from settled cases (text
 * and place) and becomes the active model for every server; `xinfang classify` answers JSONL line by
 * line, a bad line in its place.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { registerCase } from '../src/services/register-case.js';
import { forgetActiveRouter, suggestRouting } from '../src/services/routing.js';
import { trainFromDeployment } from '../src/services/routing-training.js';
import { auditLog, caseEvents, cases, routingModels } from '../src/store/schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Two kinds of matter, each settled by its own unit: wages by street A, potholes by the housing bureau.
const WAGE = ['工地拖欠农民工工资{n}个月', '老板拖欠工资{n}万元不给', '包工头欠薪{n}人讨薪无门', '公司拖欠员工工资和社保{n}个月'];
const ROAD = ['梅园路路面坑洼{n}处积水', '小区门口道路塌陷{n}米', '人行道破损{n}块砖松动', '市政道路井盖缺失{n}个'];

for (const kind of DB_KINDS) {
  describe(`routing from the deployment's history [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    const settle = async (title: string, categoryCode: string, leadUnitId: string, gridId: string) => {
      const c = await registerCase(t.ctx, org.actors.registrar, {
        channel: 'phone',
        nature: 'appeal',
        categoryCode,
        title,
        content: `${title}，希望有关部门尽快处理。`,
        petitioners: [{ name: '钱八' }],
        gridId,
      });
      // Setup shortcut: the case's handling is not under test here, only what training reads of a settled case.
      const now = t.ctx.now();
      await t.ctx.db.update(cases).set({ state: 'closed', leadUnitId, closedAt: now }).where(and(eq(cases.region, t.ctx.config.REGION), eq(cases.id, c.caseId)));
    };
    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      for (let n = 1; n <= 8; n++) {
        for (const w of WAGE) await settle(w.replace('{n}', String(n)), '0201', org.units.streetA, org.units.gridA1);
        for (const r of ROAD) await settle(r.replace('{n}', String(n)), '0106', org.units.housing, org.units.gridB1);
      }
    });
    afterAll(async () => {
      await t?.close();
    });

    it('before training, the unit is where this deployment dispatched the category lately', async () => {
      forgetActiveRouter(t.ctx); // registration above asked before anything was dispatched
      const s = await suggestRouting(t.ctx, { title: '工地老板拖欠工资', content: '我在工地干了半年，老板拖欠工资三万元不给。' });
      expect(s.model.source).toBe('bundled');
      expect(s.category).toMatchObject({ code: '02' });
      expect(s.unit).toMatchObject({ id: org.units.streetA, basis: 'history' });
    });

    it('`train` learns the lead unit from settled cases, stores the model active and audited', async () => {
      const r = await trainFromDeployment(t.ctx, { actorId: org.actors.admin.userId });
      expect(r.cases).toBe(64);
      expect(r.keptBundledCategory).toBe(true); // 64 categorised cases are too few to replace the public model
      expect(r.metrics.unit).not.toBeNull();
      expect(r.metrics.unit!.labels).toBe(2);
      const active = await t.ctx.db.select().from(routingModels).where(eq(routingModels.active, true));
      expect(active.map((m) => m.id)).toEqual([r.id]);
      const audit = await t.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'routing.trained'));
      expect(audit).toHaveLength(1);

      forgetActiveRouter(t.ctx);
      const road = await suggestRouting(t.ctx, { title: '道路坑洼', content: '梅园路路面坑洼积水，行人车辆通行困难。' });
      expect(road.model).toEqual({ id: r.id, source: 'trained' });
      expect(road.unit).toMatchObject({ id: org.units.housing, basis: 'model' });
      const wage = await suggestRouting(t.ctx, { title: '讨薪', content: '包工头拖欠工资五个月，二十人讨薪无门。', placePath: null });
      expect(wage.unit).toMatchObject({ id: org.units.streetA, basis: 'model' });
    });

    it('an accusation is never routed to the unit it accuses (Art. 30)', async () => {
      const plain = await registerCase(t.ctx, org.actors.registrar, { channel: 'phone', nature: 'appeal', title: '讨薪', content: '包工头拖欠工资五个月，二十人讨薪无门。', petitioners: [{ name: '钱八' }], gridId: org.units.gridA1 });
      const acc = await registerCase(t.ctx, org.actors.registrar, {
        channel: 'phone',
        nature: 'accusation',
        title: '举报街道干部包庇欠薪老板',
        content: '包工头拖欠工资五个月，二十人讨薪无门，街道干部收了老板好处包庇他。',
        petitioners: [{ name: '钱八' }],
        gridId: org.units.gridA1,
        accusedUnitIds: [org.units.streetA],
      });
      const routingOf = async (caseId: string) => {
        const [e] = await t.ctx.db.select({ data: caseEvents.data }).from(caseEvents).where(and(eq(caseEvents.caseId, caseId), eq(caseEvents.type, 'case.registered')));
        return (e!.data as { routing: { unitId: string | null } }).routing;
      };
      expect((await routingOf(plain.caseId)).unitId).toBe(org.units.streetA); // what the model says for the text
      expect((await routingOf(acc.caseId)).unitId).not.toBe(org.units.streetA);
    });

    it('training again replaces the active model: one active at a time', async () => {
      await trainFromDeployment(t.ctx);
      expect(await t.ctx.db.select({ id: routingModels.id }).from(routingModels).where(eq(routingModels.active, true))).toHaveLength(1);
      expect(await t.ctx.db.select({ id: routingModels.id }).from(routingModels)).toHaveLength(2);
    });
  });
}

describe('xinfang classify', () => {
  it('answers each JSONL line in order with the first-level class, a bad line in its place and exit code 1', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-classify-'));
    const input = [
      JSON.stringify({ id: 'a', title: '拖欠工资', body: '公司拖欠员工工资三个月，劳动监察部门请帮忙处理。' }),
      'not json',
      JSON.stringify({ id: 7, title: null, body: '小区旁边的化工厂夜间偷排废气，气味刺鼻，居民头晕恶心。' }),
    ].join('\n');
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', DATA_DIR: dataDir };
      delete env.DATABASE_URL;
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'xinfang.js'), 'classify'], { cwd: ROOT, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ id: 'a', category: '劳动和社会保障', unit: null });
    expect(lines[0].confidence).toBeGreaterThan(0.5);
    expect(lines[1]).toEqual({ id: null, error: 'INVALID_LINE' });
    expect(lines[2]).toMatchObject({ id: 7, category: '环境保护' });
    expect(run.stderr).toContain('第 2 行');
    expect(run.code).toBe(1);
  }, 60_000);
});
