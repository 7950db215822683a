import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { DB_KINDS } from './support/databases.js';
import { makeTestContext, type TestContext } from './support/context.js';
import { seedMiniOrg, type MiniOrg } from './support/factories.js';
import { client, loginAs, startServer, type TestServer } from './support/server.js';

const petitioner = { name: '李四', phone: '13900001111', idNumber: '11010519491231002X' };

for (const kind of DB_KINDS) {
  describe(`intake: numbers, flags and retries [${kind}]`, () => {
    let t: TestContext;
    let org: MiniOrg;
    let server: TestServer;
    beforeAll(async () => {
      t = await makeTestContext(kind);
      org = await seedMiniOrg(t.ctx);
      server = await startServer(t.ctx);
    });
    afterAll(async () => {
      await server?.close();
      await t?.close();
    });

    const flagsOf = async (number: string) => {
      const res = (await t.ctx.db.execute(sql`select flags from cases where number = ${number}`)) as unknown as { rows: Array<{ flags: string[] }> };
      return res.rows[0]!.flags;
    };

    it('numbers run per year and every submission gets its own query code', async () => {
      const pub = client(server);
      const a = await pub.post('/api/public/cases', { title: '路灯不亮', content: '小区北门路灯坏了一个月，晚上很黑。', petitioner, category: '0101' });
      const b = await pub.post('/api/public/cases', { title: '路灯不亮二', content: '小区南门路灯也坏了，请一并维修。', petitioner: { name: '赵五', phone: '13700002222' } });
      expect(a.status).toBe(201);
      expect(b.status).toBe(201);
      const na = Number(a.body.number.slice(-6));
      expect(b.body.number).toBe(`YH-2026-${String(na + 1).padStart(6, '0')}`);
      expect(a.body.queryCode).not.toBe(b.body.queryCode);
    });

    it('the same person about the same kind of matter is flagged as a repeat petition, another matter is not', async () => {
      const pub = client(server);
      const again = await pub.post('/api/public/cases', { title: '路灯还是不亮', content: '上次反映的北门路灯仍未修好。', petitioner: { ...petitioner, name: '李四' }, category: '0102' });
      expect(await flagsOf(again.body.number)).toContain('repeat');
      const other = await pub.post('/api/public/cases', { title: '孩子入学咨询', content: '想咨询外来务工人员子女入学的材料要求。', petitioner, category: '03' });
      expect(await flagsOf(other.body.number)).not.toContain('repeat');
    });

    it('a collective visit of five or more is flagged collective; words of litigation flag it law-related', async () => {
      const registrar = await loginAs(server, org.usernames.registrar!);
      const people = Array.from({ length: 6 }, (_, i) => ({ name: `村民${i + 1}`, phone: `1380000${String(1000 + i)}`, representative: i < 3 }));
      const res = await registrar.post('/api/cases', {
        channel: 'visit',
        nature: 'appeal',
        title: '征地补偿款未发放',
        content: '我们六户村民的征地补偿款至今未发放，已向法院起诉但尚未判决。',
        petitioners: people,
      });
      expect(res.status).toBe(201);
      const flags = await flagsOf(res.body.number);
      expect(flags).toContain('collective');
      expect(flags).toContain('law_related');
    });

    it('a retry with the same idempotency key but a different body is refused, not merged', async () => {
      const pub = client(server);
      const body = { title: '噪音扰民', content: '楼下商铺夜间装修噪音很大。', petitioner };
      const first = await pub.post('/api/public/cases', body, { 'idempotency-key': 'same-key-different-body' });
      expect(first.status).toBe(201);
      const second = await pub.post('/api/public/cases', { ...body, content: '另一件事：垃圾清运不及时。' }, { 'idempotency-key': 'same-key-different-body' });
      expect(second.status).toBe(422);
      expect(second.body.code).toBe('IDEMPOTENCY_CONFLICT');
    });

    it('a QR submission must carry its grid, and the grid becomes the owner so the grid sees it', async () => {
      const pub = client(server);
      const missing = await pub.post('/api/public/cases', { channel: 'qr', title: '垃圾堆放', content: '楼道里堆满垃圾无人清理。', petitioner });
      expect(missing.status).toBe(400);
      const ok = await pub.post('/api/public/cases', { channel: 'qr', gridId: org.units.gridB1, title: '垃圾堆放', content: '楼道里堆满垃圾无人清理。', petitioner });
      expect(ok.status).toBe(201);
      const handlerB = await loginAs(server, org.usernames.handlerB!);
      const list = await handlerB.get('/api/cases');
      expect(list.body.items.map((c: any) => c.number)).toContain(ok.body.number);
      const handlerA = await loginAs(server, org.usernames.handlerA!);
      expect((await handlerA.get('/api/cases')).body.items.map((c: any) => c.number)).not.toContain(ok.body.number);
    });
  });
}
