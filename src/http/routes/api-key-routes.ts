/**
 * Admin: API keys for other systems (Open311). Issue (the key is in this answer only), list, revoke;
 * every change audited by the service.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../services/context.js';
import { issueApiKey, listApiKeys, revokeApiKey } from '../../services/api-keys.js';
import { actorOf } from '../auth-plugin.js';
import { text, uuid } from '../schemas.js';

const KeyOut = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  actingUserId: z.string().nullable(),
  actingUserName: z.string().nullable(),
  ratePerMinute: z.number(),
  createdAt: z.string(),
  createdByName: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

export const apiKeyRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const admin = { auth: 'staff', roles: ['admin'] } as const;

  app.post('/api/admin/api-keys', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '签发接口密钥（Open311 等外部系统用；密钥只在本次应答中显示一次）',
      body: z.strictObject({
        name: text(1, 60),
        actingUserId: uuid.nullish(),
        ratePerMinute: z.number().int().min(1).max(6000).optional(),
      }),
      response: {
        201: z.object({
          id: z.string(),
          name: z.string(),
          prefix: z.string(),
          key: z.string(),
          actingUserId: z.string().nullable(),
          actingUserName: z.string().nullable(),
          ratePerMinute: z.number(),
          createdAt: z.string(),
        }),
      },
    },
  }, async (req, reply) => {
    const k = await issueApiKey(ctx, actorOf(req), req.body);
    reply.status(201);
    return { id: k.id, name: k.name, prefix: k.prefix, key: k.key, actingUserId: k.actingUserId, actingUserName: k.actingUserName, ratePerMinute: k.ratePerMinute, createdAt: k.createdAt };
  });

  app.get('/api/admin/api-keys', {
    config: admin,
    schema: { tags: ['admin'], summary: '接口密钥列表（新签发的在前；含已吊销的，不含密钥本身）', response: { 200: z.object({ items: z.array(KeyOut) }) } },
  }, async (req) => listApiKeys(ctx, actorOf(req)));

  app.post('/api/admin/api-keys/:id/revoke', {
    config: admin,
    schema: { tags: ['admin'], summary: '吊销接口密钥（立即失效；重复吊销无影响）', params: z.object({ id: uuid }), response: { 200: KeyOut } },
  }, async (req) => revokeApiKey(ctx, actorOf(req), req.params.id));
};
