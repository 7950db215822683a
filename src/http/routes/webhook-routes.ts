/**
 * Webhooks at the edge (admin only, within his scope): subscriptions of other government systems to
 * case events, the events they may choose, recent deliveries, a retry of a failed one, a ping. The
 * signing secret is returned only by create and rotate-secret, once.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../services/context.js';
import { WEBHOOK_EVENT_TYPES } from '../../services/webhooks/event-types.js';
import {
  createSubscriptionAsAdmin,
  listDeliveriesForAdmin,
  listSubscriptionsForAdmin,
  pingSubscriptionAsAdmin,
  retryDeliveryAsAdmin,
  rotateSecretAsAdmin,
  updateSubscriptionAsAdmin,
} from '../../services/webhooks/webhook-admin.js';
import { actorOf } from '../auth-plugin.js';
import { text, uuid } from '../schemas.js';

const IdParam = z.strictObject({ id: uuid });
const name = text(1, 60);
/** checked by the service (WEBHOOK_URL_INVALID): scheme, credentials, plain http */
const url = text(8, 2000);
/** checked by the service against the events the lifecycle writes (WEBHOOK_EVENT_TYPE_UNKNOWN); empty = all */
const eventTypes = z.array(text(1, 60)).max(60);

const SubscriptionOut = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  scopeUnitId: z.string(),
  scopeUnitName: z.string().nullable(),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const WithSecret = SubscriptionOut.extend({ secret: z.string().describe('shown this once') });

const DeliveryOut = z.object({
  id: z.string(),
  caseId: z.string(),
  caseNumber: z.string().nullable(),
  eventSeq: z.number(),
  eventType: z.string(),
  status: z.enum(['pending', 'sent', 'failed']),
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastStatus: z.number().nullable(),
  lastError: z.string().nullable().describe('错误代码：http_status:<响应码>、redirect、timeout、network、blocked_address、subscription_off …'),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

export const webhookRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const admin = { auth: 'staff', roles: ['admin'] } as const;

  app.get('/api/admin/webhooks/event-types', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '推送订阅可选的事件类型（含中文名称）',
      response: { 200: z.object({ items: z.array(z.object({ type: z.string(), label: z.string() })) }) },
    },
  }, async () => ({ items: [...WEBHOOK_EVENT_TYPES] }));

  app.get('/api/admin/webhooks', {
    config: admin,
    schema: { tags: ['admin'], summary: '推送订阅（本人管辖范围内；不含签名密钥）', response: { 200: z.object({ items: z.array(SubscriptionOut) }) } },
  }, async (req) => ({ items: await listSubscriptionsForAdmin(ctx, actorOf(req)) }));

  app.post('/api/admin/webhooks', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '新增推送订阅：签名密钥随机生成，仅在此次返回',
      body: z.strictObject({ name, url, eventTypes: eventTypes.optional(), scopeUnitId: uuid, active: z.boolean().optional() }),
      response: { 201: WithSecret },
    },
  }, async (req, reply) => {
    reply.status(201);
    return createSubscriptionAsAdmin(ctx, actorOf(req), req.body);
  });

  app.patch('/api/admin/webhooks/:id', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '修改推送订阅（名称、地址、事件类型、范围单位、启用）',
      params: IdParam,
      body: z.strictObject({ name: name.optional(), url: url.optional(), eventTypes: eventTypes.optional(), scopeUnitId: uuid.optional(), active: z.boolean().optional() }),
      response: { 200: SubscriptionOut },
    },
  }, async (req) => updateSubscriptionAsAdmin(ctx, actorOf(req), req.params.id, req.body));

  app.post('/api/admin/webhooks/:id/rotate-secret', {
    config: admin,
    schema: { tags: ['admin'], summary: '轮换签名密钥：新密钥仅在此次返回，旧密钥立即失效', params: IdParam, response: { 200: WithSecret } },
  }, async (req) => rotateSecretAsAdmin(ctx, actorOf(req), req.params.id));

  app.get('/api/admin/webhooks/:id/deliveries', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '最近的推送记录（最新在前）：状态、尝试次数、最近一次的响应码和错误',
      params: IdParam,
      querystring: z.strictObject({ status: z.enum(['pending', 'sent', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }),
      response: { 200: z.object({ items: z.array(DeliveryOut) }) },
    },
  }, async (req) => listDeliveriesForAdmin(ctx, actorOf(req), req.params.id, req.query));

  app.post('/api/admin/webhooks/:id/deliveries/:deliveryId/retry', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '重新发送一条已放弃的推送（重新计算尝试次数）',
      params: z.strictObject({ id: uuid, deliveryId: uuid }),
      response: { 200: DeliveryOut },
    },
  }, async (req) => retryDeliveryAsAdmin(ctx, actorOf(req), req.params.id, req.params.deliveryId));

  app.post('/api/admin/webhooks/:id/ping', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '立即发送一条已签名的测试推送（type = ping），返回对方的响应码与错误代码（不含对方返回的内容）',
      params: IdParam,
      response: {
        200: z.object({ deliveryId: z.string(), ok: z.boolean(), status: z.number().nullable(), error: z.string().nullable(), durationMs: z.number() }),
      },
    },
  }, async (req) => pingSubscriptionAsAdmin(ctx, actorOf(req), req.params.id));
};
