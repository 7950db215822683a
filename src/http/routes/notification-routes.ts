/**
 * Notifications at the edge: every staff user's inbox (his own messages only), and the admin's
 * notification channels (DingTalk / WeCom robots, e-mail, SMS) with a test message per channel.
 * Channel addresses are never returned in clear; a robot's secret is write-only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../services/context.js';
import { listInbox, markAllRead, markRead } from '../../services/notifications/inbox.js';
import {
  createChannelAsAdmin,
  deleteChannelAsAdmin,
  deliveryStatusForAdmin,
  listChannelsForAdmin,
  queueTestMessage,
  updateChannelAsAdmin,
} from '../../services/notifications/channel-admin.js';
import { CHANNEL_KINDS } from '../../services/notifications/channels/types.js';
import { actorOf } from '../auth-plugin.js';
import { text, uuid } from '../schemas.js';

const IdParam = z.strictObject({ id: uuid });
const level = z.enum(['info', 'yellow', 'red']);
/** Notification kinds a channel forwards (reminder, overdue, chase, supervision …); empty = all. */
const kinds = z.array(z.string().regex(/^[a-z][a-z_]{0,39}$/, '消息类型只能由小写字母和下划线组成')).max(30);
const channelName = text(1, 60);
/** The address as typed; checked per kind by the service (NOTIFICATION_TARGET_INVALID). */
const target = text(1, 2000);
const secret = text(1, 200);

const NotificationOut = z.object({
  id: z.string(),
  kind: z.string(),
  level: z.string(),
  title: z.string(),
  body: z.string(),
  caseId: z.string().nullable(),
  unitId: z.string().nullable(),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});

const ChannelOut = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  unitId: z.string().nullable(),
  unitName: z.string().nullable(),
  userId: z.string().nullable(),
  userName: z.string().nullable(),
  target: z.string().describe('masked'),
  hasSecret: z.boolean(),
  kinds: z.array(z.string()),
  minLevel: z.string(),
  enabled: z.boolean(),
  createdAt: z.string(),
});

export const notificationRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const staff = { auth: 'staff' } as const;
  const admin = { auth: 'staff', roles: ['admin'] } as const;

  // ——— inbox (every staff user, own rows only) ———

  app.get('/api/inbox', {
    config: staff,
    schema: {
      tags: ['inbox'],
      summary: '我的消息（最新在前，含未读数）',
      querystring: z.strictObject({
        unread: z.enum(['0', '1', 'true', 'false']).optional(),
        limit: z.coerce.number().int().min(1).max(100).default(20),
        offset: z.coerce.number().int().min(0).max(100_000).default(0),
      }),
      response: { 200: z.object({ total: z.number(), unread: z.number(), items: z.array(NotificationOut) }) },
    },
  }, async (req) => {
    const unreadOnly = req.query.unread === '1' || req.query.unread === 'true';
    return listInbox(ctx, actorOf(req), { unreadOnly, limit: req.query.limit, offset: req.query.offset });
  });

  app.post('/api/inbox/:id/read', {
    config: staff,
    schema: { tags: ['inbox'], summary: '标记一条消息为已读', params: IdParam, response: { 200: NotificationOut } },
  }, async (req) => markRead(ctx, actorOf(req), req.params.id));

  app.post('/api/inbox/read-all', {
    config: staff,
    schema: { tags: ['inbox'], summary: '全部标记为已读', response: { 200: z.object({ updated: z.number() }) } },
  }, async (req) => markAllRead(ctx, actorOf(req)));

  // ——— notification channels (admin) ———

  app.get('/api/admin/notification-channels', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '通知渠道（本人管辖范围内的单位或人员的钉钉/企业微信机器人、邮件、短信；地址脱敏显示）',
      querystring: z.strictObject({ unitId: uuid.optional(), userId: uuid.optional(), kind: z.enum(CHANNEL_KINDS).optional() }),
      response: { 200: z.array(ChannelOut) },
    },
  }, async (req) => listChannelsForAdmin(ctx, actorOf(req), req.query));

  app.post('/api/admin/notification-channels', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '新增通知渠道（单位或人员二选一；secret 仅钉钉加签机器人使用，只写不读）',
      body: z
        .strictObject({
          kind: z.enum(CHANNEL_KINDS),
          name: channelName,
          unitId: uuid.nullish(),
          userId: uuid.nullish(),
          target,
          secret: secret.nullish(),
          kinds: kinds.optional(),
          minLevel: level.optional(),
          enabled: z.boolean().optional(),
        })
        .refine((b) => !!b.unitId !== !!b.userId, { path: ['unitId'], message: '单位和人员须且只能指定一个' }),
      response: { 201: ChannelOut },
    },
  }, async (req, reply) => {
    reply.status(201);
    return createChannelAsAdmin(ctx, actorOf(req), req.body);
  });

  app.patch('/api/admin/notification-channels/:id', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '修改通知渠道（名称、地址、密钥、消息类型、最低级别、启用）；secret 为 null 时清除',
      params: IdParam,
      body: z.strictObject({
        name: channelName.optional(),
        target: target.optional(),
        secret: secret.nullable().optional(),
        kinds: kinds.optional(),
        minLevel: level.optional(),
        enabled: z.boolean().optional(),
      }),
      response: { 200: ChannelOut },
    },
  }, async (req) => updateChannelAsAdmin(ctx, actorOf(req), req.params.id, req.body));

  app.delete('/api/admin/notification-channels/:id', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '删除通知渠道（尚未发出的消息随之放弃）',
      params: IdParam,
      response: { 200: z.object({ deleted: z.literal(true), abandonedDeliveries: z.number() }) },
    },
  }, async (req) => deleteChannelAsAdmin(ctx, actorOf(req), req.params.id));

  app.post('/api/admin/notification-channels/:id/test', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '发送测试消息（进入发送队列，由后台按重试规则发送）',
      params: IdParam,
      response: { 202: z.object({ outboxId: z.string(), queued: z.literal(true) }) },
    },
  }, async (req, reply) => {
    reply.status(202);
    return queueTestMessage(ctx, actorOf(req), req.params.id);
  });

  app.get('/api/admin/notification-channels/:id/deliveries/:outboxId', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '查看一次发送（如测试消息）的状态：待发送、已发送或已放弃，以及最近一次错误',
      params: z.strictObject({ id: uuid, outboxId: uuid }),
    },
  }, async (req) => deliveryStatusForAdmin(ctx, actorOf(req), req.params.id, req.params.outboxId));
};
