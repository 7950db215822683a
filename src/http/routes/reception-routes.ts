/**
 * Leader reception (领导接访) over HTTP: the rota editor and the reception-day board for the petition
 * bureau (leader, supervisor, registrar), and the citizen's booking without an account
 * (rate-limited like the rest of the public portal). Routes translate; the services decide.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NATURES, TYPES_12345, URGENCIES } from '../../domain/case-fields.js';
import { isValidChinaDate, toChinaDate } from '../../domain/deadlines/index.js';
import { BOOKING_NUMBER, MAX_CAPACITY, MIN_CAPACITY } from '../../domain/reception/rota.js';
import type { StaffRole } from '../../domain/lifecycle/types.js';
import type { AppContext } from '../../services/context.js';
import { cancelSlot, createSlot, deleteDraftSlot, listLeaders, listSlots, publishSlots, updateSlot } from '../../services/reception/rota.js';
import { bookSlot, cancelPublicBooking, findPublicBooking, listPublicSlots } from '../../services/reception/bookings.js';
import { assignBatch, markNoShow, receiveGroup, receptionDay, registerWalkIn } from '../../services/reception/reception-day.js';
import { actorOf } from '../auth-plugin.js';
import { PetitionerSchema, text, uuid } from '../schemas.js';

/** The petition bureau's people who keep the rota and run the reception day. */
export const RECEPTION_ROLES: readonly StaffRole[] = ['leader', 'supervisor', 'registrar'];
/** Who registers the visit as a case (the intake roles among them). */
export const RECEIVE_ROLES: readonly StaffRole[] = ['leader', 'registrar'];

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份格式应为 YYYY-MM');
const date = z.string().refine(isValidChinaDate, { message: '日期格式应为 YYYY-MM-DD' });
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:MM');
const capacity = z.number().int().min(MIN_CAPACITY).max(MAX_CAPACITY);
const room = text(0, 50).nullish();
const people = z.number().int().min(1).max(100);
const batchNo = z.number().int().min(1).max(99_999).nullish();

const SlotBody = z.strictObject({
  leaderId: uuid,
  post: text(1, 50),
  remit: text(1, 200),
  date,
  startTime: time,
  endTime: time,
  place: text(1, 100),
  room,
  capacity,
});
const SlotPatch = SlotBody.partial();

const IdParam = z.object({ id: uuid });
const NumberParam = z.object({ number: z.string().transform((s) => s.trim().toUpperCase()).pipe(z.string().regex(BOOKING_NUMBER, '预约号为 YF 加 8 位数字')) });
const CodeQuery = z.object({ code: z.string().regex(/^[A-Za-z0-9]{8}$/, '预约码为 8 位字母或数字') });

const BookingBody = z.strictObject({
  slotId: uuid,
  name: text(1, 50),
  phone: text(3, 30),
  idNumber: text(0, 25).nullish(),
  matter: text(5, 2000),
  peopleCount: people,
});

const WalkInBody = z.strictObject({
  name: text(1, 50),
  phone: text(0, 30).nullish(),
  idNumber: text(0, 25).nullish(),
  matter: text(5, 2000),
  peopleCount: people,
  room,
  batchNo,
});

const ReceiveBody = z
  .strictObject({
    nature: z.enum(NATURES),
    type12345: z.enum(TYPES_12345).nullish(),
    urgency: z.enum(URGENCIES).optional(),
    category: text(2, 12).nullish(),
    title: text(2, 100),
    content: text(5, 10_000),
    petitioners: z.array(PetitionerSchema).max(499).default([]),
    bookerRepresentative: z.boolean().optional(),
    confidential: z.boolean().optional(),
    acceptNow: z.boolean().optional(),
    answerNow: text(1, 5000).optional(),
    accusedUnitIds: z.array(uuid).max(10).optional(),
  })
  .refine((b) => !(b.acceptNow && b.answerNow), { path: ['answerNow'], message: '当场答复与立即受理只能选一项' })
  .refine((b) => b.nature !== 'accusation' || (b.accusedUnitIds?.length ?? 0) > 0, { path: ['accusedUnitIds'], message: '检举控告须选择被检举控告的单位' });

export const receptionRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const staff = { auth: 'staff' as const, roles: RECEPTION_ROLES };
  const limit = { rateLimit: { max: ctx.config.PUBLIC_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' } };
  const tags = ['reception'];

  // ——— the rota (接访轮流表) ———

  app.get('/api/reception/leaders', { config: staff, schema: { tags, summary: '可安排接访的领导（本人管辖范围内），附最近一次的职务和分管领域' } }, async (req) => ({
    items: await listLeaders(ctx, actorOf(req)),
  }));

  app.get('/api/reception/slots', {
    config: staff,
    schema: { tags, summary: '某月的接访安排（草稿、已发布、已取消）', querystring: z.object({ month: month.optional() }) },
  }, async (req) => listSlots(ctx, actorOf(req), req.query.month ?? toChinaDate(ctx.now()).slice(0, 7)));

  app.post('/api/reception/slots', { config: staff, schema: { tags, summary: '新增接访安排（草稿）', body: SlotBody } }, async (req, reply) => {
    reply.status(201);
    return createSlot(ctx, actorOf(req), req.body);
  });

  app.patch('/api/reception/slots/:id', { config: staff, schema: { tags, summary: '修改接访安排', params: IdParam, body: SlotPatch } }, async (req) =>
    updateSlot(ctx, actorOf(req), req.params.id, req.body),
  );

  app.delete('/api/reception/slots/:id', { config: staff, schema: { tags, summary: '删除未发布的草稿', params: IdParam } }, async (req, reply) => {
    await deleteDraftSlot(ctx, actorOf(req), req.params.id);
    reply.status(204);
  });

  app.post('/api/reception/slots/:id/publish', { config: staff, schema: { tags, summary: '发布一条接访安排', params: IdParam } }, async (req) =>
    publishSlots(ctx, actorOf(req), { id: req.params.id }),
  );

  app.post('/api/reception/rota/publish', {
    config: staff,
    schema: { tags, summary: '发布某月全部未过期的草稿', body: z.strictObject({ month }) },
  }, async (req) => publishSlots(ctx, actorOf(req), { month: req.body.month }));

  app.post('/api/reception/slots/:id/cancel', {
    config: staff,
    schema: { tags, summary: '取消接访安排（其预约一并取消，群众查询时可见原因）', params: IdParam, body: z.strictObject({ reason: text(2, 500) }) },
  }, async (req) => cancelSlot(ctx, actorOf(req), req.params.id, req.body.reason));

  // ——— the reception day (接访日) ———

  app.get('/api/reception/day', {
    config: staff,
    schema: { tags, summary: '某日全部接访场次、预约与现场登记，及当日统计（默认今天）', querystring: z.object({ date: date.optional() }) },
  }, async (req) => receptionDay(ctx, actorOf(req), req.query.date ?? toChinaDate(ctx.now())));

  app.post('/api/reception/slots/:id/walk-ins', {
    config: staff,
    schema: { tags, summary: '登记现场来访（未预约），当场分配批次和接待室', params: IdParam, body: WalkInBody },
  }, async (req, reply) => {
    reply.status(201);
    return registerWalkIn(ctx, actorOf(req), req.params.id, req.body);
  });

  app.post('/api/reception/bookings/:id/assign', {
    config: staff,
    schema: { tags, summary: '分配批次和接待室（不填批次号则取当日下一批）', params: IdParam, body: z.strictObject({ batchNo, room }) },
  }, async (req) => assignBatch(ctx, actorOf(req), req.params.id, req.body));

  app.post('/api/reception/bookings/:id/receive', {
    config: { ...staff, roles: RECEIVE_ROLES },
    schema: { tags, summary: '接待并登记为信访事项（领导接访渠道，由该领导包案）', params: IdParam, body: ReceiveBody },
  }, async (req, reply) => {
    const b = req.body;
    const done = await receiveGroup(ctx, actorOf(req), req.params.id, {
      nature: b.nature,
      type12345: b.type12345 ?? null,
      urgency: b.urgency,
      categoryCode: b.category ?? null,
      title: b.title,
      content: b.content,
      petitioners: b.petitioners,
      bookerRepresentative: b.bookerRepresentative,
      confidential: b.confidential,
      accusedUnitIds: b.accusedUnitIds,
      acceptNow: b.acceptNow,
      answerNow: b.answerNow,
    });
    reply.status(201);
    return done;
  });

  app.post('/api/reception/bookings/:id/no-show', { config: staff, schema: { tags, summary: '标记未到', params: IdParam } }, async (req) =>
    markNoShow(ctx, actorOf(req), req.params.id),
  );

  // ——— the citizen (no account) ———

  app.get('/api/public/reception/slots', {
    config: limit,
    schema: { tags: ['public'], summary: '某月已发布的领导接访安排（默认本月）：领导、职务、分管领域、时间地点、剩余名额', querystring: z.object({ month: month.optional() }) },
  }, async (req) => listPublicSlots(ctx, req.query.month));

  app.post('/api/public/reception/bookings', {
    config: limit,
    schema: { tags: ['public'], summary: '预约领导接访（约访）：返回预约号和预约码（预约码只显示这一次）', body: BookingBody },
  }, async (req, reply) => {
    const booked = await bookSlot(ctx, req.body);
    reply.status(201);
    return booked;
  });

  app.get('/api/public/reception/bookings/:number', {
    config: limit,
    schema: { tags: ['public'], summary: '凭预约号和预约码查询预约', params: NumberParam, querystring: CodeQuery },
  }, async (req) => findPublicBooking(ctx, req.params.number, req.query.code));

  app.post('/api/public/reception/bookings/:number/cancel', {
    config: limit,
    schema: { tags: ['public'], summary: '凭预约号和预约码取消预约', params: NumberParam, querystring: CodeQuery },
  }, async (req) => cancelPublicBooking(ctx, req.params.number, req.query.code));
};
