import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';
import { auditLog } from '../src/store/schema.js';

type Node = { code: string; name: string; level: number; children: Node[] };
const find = (nodes: Node[], code: string): Node | undefined => {
  for (const n of nodes) {
    if (n.code === code) return n;
    const hit = find(n.children, code);
    if (hit) return hit;
  }
  return undefined;
};

for (const kind of DB_KINDS) {
  describe(`category tree administration [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    let admin: Awaited<ReturnType<typeof loginAs>>;

    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
      admin = await loginAs(server, org.usernames.admin!);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    it('citizens and staff read the same active tree, nested three levels deep', async () => {
      const pub = await client(server).get('/api/public/categories');
      expect(pub.status).toBe(200);
      expect(pub.body.categories).toHaveLength(15);
      expect(pub.body.categories[0]).toMatchObject({ code: '01', name: '城乡建设', level: 1 });
      expect(pub.body.categories[0].children[0]).toMatchObject({ code: '0101', name: '物业管理', level: 2 });
      expect(pub.body.categories[0].children[0].children[0]).toMatchObject({ code: '010101', level: 3, children: [] });
      const handler = await loginAs(server, org.usernames.handlerA!);
      expect((await handler.get('/api/categories')).body).toEqual(pub.body);
    });

    it('an admin adds a third-level category under its parent; a fourth level, a code not extending the parent and a reused code are refused', async () => {
      const added = await admin.post('/api/admin/categories', { parentCode: '0101', code: '010190', name: '电梯维保' });
      expect(added.status).toBe(201);
      expect(added.body).toMatchObject({ code: '010190', parentCode: '0101', level: 3, active: true });
      const tree = (await client(server).get('/api/public/categories')).body.categories;
      expect(find(tree, '010190')?.name).toBe('电梯维保');

      const fourth = await admin.post('/api/admin/categories', { parentCode: '010190', code: '01019001', name: '第四级' });
      expect(fourth.status).toBe(400);
      const fourthAuto = await admin.post('/api/admin/categories', { parentCode: '010190', name: '第四级' });
      expect(fourthAuto.body).toMatchObject({ code: 'CATEGORY_INVALID', details: { reason: 'too_deep', maxLevel: 3 } });
      const stray = await admin.post('/api/admin/categories', { parentCode: '0101', code: '020191', name: '编码不对' });
      expect(stray.body).toMatchObject({ code: 'CATEGORY_INVALID', details: { reason: 'must_extend_parent' } });
      const short = await admin.post('/api/admin/categories', { parentCode: '0101', code: '0102', name: '层级不对' });
      expect(short.body.details.reason).toBe('must_extend_parent');
      const reused = await admin.post('/api/admin/categories', { parentCode: '0101', code: '010101', name: '重复编码' });
      expect(reused.body).toMatchObject({ code: 'CATEGORY_INVALID', details: { reason: 'code_taken' } });
      const sameName = await admin.post('/api/admin/categories', { parentCode: '0101', name: '电梯维保' });
      expect(sameName.body.details.reason).toBe('duplicate_name');
      const noParent = await admin.post('/api/admin/categories', { parentCode: '9999', name: '无上级' });
      expect(noParent.status).toBe(404);
      expect(noParent.body.code).toBe('CATEGORY_NOT_FOUND');

      // without a code the next free two digits are taken
      const auto = await admin.post('/api/admin/categories', { name: '低空经济' });
      expect(auto.status).toBe(201);
      expect(auto.body).toMatchObject({ code: '16', parentCode: null, level: 1 });

      const dispatcher = await loginAs(server, org.usernames.dispatcher!);
      expect((await dispatcher.post('/api/admin/categories', { parentCode: '0101', name: '越权' })).status).toBe(403);
    });

    it('renaming and reordering shows at once in the tree', async () => {
      const before = (await client(server).get('/api/public/categories')).body.categories;
      const lastSecond = before[0].children.at(-1).code;
      const renamed = await admin.patch('/api/admin/categories/0101', { name: '物业服务与管理', sort: 999 });
      expect(renamed.status).toBe(200);
      const after = (await client(server).get('/api/public/categories')).body.categories;
      expect(after[0].children.at(-1)).toMatchObject({ code: '0101', name: '物业服务与管理' });
      expect(after[0].children.at(-2).code).toBe(lastSecond);
      expect((await admin.patch('/api/admin/categories/0x01', { name: '坏编码' })).status).toBe(400);
      expect((await admin.patch('/api/admin/categories/99', { name: '不存在' })).body.code).toBe('CATEGORY_NOT_FOUND');
    });

    it('deactivating a class retires it with everything below: gone from the tree and from new cases, its codes never handed out again', async () => {
      const off = await admin.post('/api/admin/categories/0101/deactivate');
      expect(off.status).toBe(200);
      expect(off.body.deactivated[0]).toBe('0101');
      expect(off.body.deactivated).toContain('010101');
      expect(off.body.deactivated).toContain('010190');
      expect(off.body.deactivated.every((c: string) => c.startsWith('0101'))).toBe(true);

      const tree = (await client(server).get('/api/public/categories')).body.categories;
      expect(find(tree, '0101')).toBeUndefined();
      expect(find(tree, '010101')).toBeUndefined();
      expect(find(tree, '0102')).toBeDefined();

      const filed = await client(server).post('/api/public/cases', {
        title: '物业收费不透明',
        content: '小区物业公司收费项目不公示，请有关部门督促整改。',
        category: '010102',
        petitioner: { name: '赵六', phone: '13712345678' },
      });
      expect(filed.status).toBe(404);
      expect(filed.body.code).toBe('CATEGORY_NOT_FOUND');

      const under = await admin.post('/api/admin/categories', { parentCode: '0101', name: '停用后新增' });
      expect(under.body).toMatchObject({ code: 'CATEGORY_INVALID', details: { reason: 'parent_inactive' } });
      const again = await admin.post('/api/admin/categories', { parentCode: '01', code: '0101', name: '物业管理' });
      expect(again.body.details.reason).toBe('code_taken');
      // the next automatic code skips retired ones too
      const next = await admin.post('/api/admin/categories', { parentCode: '01', name: '老旧小区改造' });
      expect(next.status).toBe(201);
      expect(next.body.code).not.toBe('0101');

      const all = (await admin.get('/api/admin/categories')).body.items;
      expect(all.find((c: any) => c.code === '010101')).toMatchObject({ active: false });

      // brought back, the class returns alone; its children stay retired until chosen one by one
      const back = await admin.post('/api/admin/categories/0101/activate');
      expect(back.body.active).toBe(true);
      const restored = find((await client(server).get('/api/public/categories')).body.categories, '0101');
      expect(restored?.children).toEqual([]);
      expect((await admin.post('/api/admin/categories/010101/activate')).body.active).toBe(true);

      const actions = (await t.ctx.db.select().from(auditLog).where(eq(auditLog.targetType, 'category'))).map((a) => a.action);
      expect(actions).toEqual(['category.created', 'category.created', 'category.updated', 'category.deactivated', 'category.created', 'category.activated', 'category.activated']);
    });
  });
}
