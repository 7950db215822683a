/**
 * Administration: the org tree (units, move, deactivate, import), staff users and the category
 * tree — plus the reference reads the rest of the app needs from them: active units for dispatch
 * forms, grids for the citizen's grid picker, the category tree. Every admin write is audited by
 * its service; the admin's scope bounds what he may touch.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { STAFF_ROLES } from '../../domain/lifecycle/types.js';
import type { AppContext } from '../../services/context.js';
import {
  activateUnitAsAdmin,
  activateUserAsAdmin,
  createUnitAsAdmin,
  createUserAsAdmin,
  deactivateUnitAsAdmin,
  deactivateUserAsAdmin,
  getUserForAdmin,
  listActiveUnits,
  listUnitsForAdmin,
  listUsersForAdmin,
  moveUnitAsAdmin,
  resetPasswordAsAdmin,
  searchPublicGrids,
  updateUnitAsAdmin,
  updateUserAsAdmin,
} from '../../services/org-admin.js';
import { MAX_IMPORT_ROWS, importOrgTree, parseOrgCsv, type RawImportRow } from '../../services/org-import.js';
import {
  CATEGORY_CODE_RE,
  activateCategory,
  activeCategoryTree,
  createCategory,
  deactivateCategory,
  listAllCategories,
  updateCategory,
} from '../../services/category-admin.js';
import { UNIT_KINDS } from '../../services/org-units.js';
import { actorOf } from '../auth-plugin.js';
import { text, uuid } from '../schemas.js';

/** An org import file: 20,000 rows of CSV or JSON fit comfortably. */
const IMPORT_BODY_LIMIT = 10 * 1024 * 1024;

const unitCode = text(1, 40).regex(/^[0-9A-Za-z][0-9A-Za-z_.-]*$/, '编码只能包含字母、数字、点、下划线和连字符');
const unitName = text(1, 100);
const lat = z.number().min(-90).max(90);
const lng = z.number().min(-180).max(180);
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const IdParam = z.object({ id: uuid });
const CodeParam = z.object({ code: z.string().regex(CATEGORY_CODE_RE, '分类编码为 2、4 或 6 位数字') });
const password = z.string().min(8).max(200);
const roles = z.array(z.enum(STAFF_ROLES)).min(1).max(STAFF_ROLES.length);
const displayName = text(1, 50);

const UserOut = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  roles: z.array(z.string()),
  unitId: z.string(),
  unitName: z.string().nullable(),
  scopeUnitId: z.string(),
  scopeUnitName: z.string().nullable(),
  active: z.boolean(),
  lockedUntil: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  manageable: z.boolean(),
});

export const adminRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const admin = { auth: 'staff', roles: ['admin'] } as const;
  const publicLimit = { rateLimit: { max: ctx.config.PUBLIC_RATE_LIMIT_PER_MINUTE, timeWindow: '1 minute' } };

  // Org import files arrive as CSV too; this parser lives only inside this plugin.
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_req, body, done) => done(null, body));

  // ——— units ———

  app.get('/api/admin/units', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '组织机构树（本人管辖范围内，平铺列表按树序排列）',
      querystring: z.strictObject({ under: uuid.optional(), active: bool.optional() }),
    },
  }, async (req) => listUnitsForAdmin(ctx, actorOf(req), { under: req.query.under, active: req.query.active }));

  app.post('/api/admin/units', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '新增单位（须符合 市→区→街道→社区→网格→微网格 及部门的层级规则）',
      body: z.strictObject({
        parentId: uuid,
        kind: z.enum(UNIT_KINDS),
        level: z.enum(['city', 'district']).nullish(),
        name: unitName,
        code: unitCode,
        lat: lat.nullish(),
        lng: lng.nullish(),
      }),
    },
  }, async (req, reply) => {
    reply.status(201);
    return createUnitAsAdmin(ctx, actorOf(req), req.body);
  });

  app.patch('/api/admin/units/:id', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '修改单位名称、编码或坐标',
      params: IdParam,
      body: z.strictObject({ name: unitName.optional(), code: unitCode.optional(), lat: lat.nullish(), lng: lng.nullish() }),
    },
  }, async (req) => updateUnitAsAdmin(ctx, actorOf(req), req.params.id, req.body));

  app.post('/api/admin/units/:id/move', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '调整上级单位（整个下级子树随之移动，信访件的权限范围同步更新）',
      params: IdParam,
      body: z.strictObject({ parentId: uuid }),
    },
  }, async (req) => moveUnitAsAdmin(ctx, actorOf(req), req.params.id, req.body.parentId));

  app.post('/api/admin/units/:id/deactivate', {
    config: admin,
    schema: { tags: ['admin'], summary: '停用单位（仍有在用下级、人员或在办主办件时拒绝）', params: IdParam },
  }, async (req) => deactivateUnitAsAdmin(ctx, actorOf(req), req.params.id));

  app.post('/api/admin/units/:id/activate', {
    config: admin,
    schema: { tags: ['admin'], summary: '重新启用单位', params: IdParam },
  }, async (req) => activateUnitAsAdmin(ctx, actorOf(req), req.params.id));

  app.post('/api/admin/units/import', {
    config: admin,
    bodyLimit: IMPORT_BODY_LIMIT,
    schema: {
      tags: ['admin'],
      summary: '批量导入组织机构（CSV：code,parentCode,kind,level,name,lat,lng；或 JSON {units:[…]}）；任一行有误则整体不导入',
      consumes: ['text/csv', 'application/json'],
      body: z.union([
        z.string().max(IMPORT_BODY_LIMIT),
        z.strictObject({ units: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_IMPORT_ROWS) }),
      ]),
    },
  }, async (req, reply) => {
    const rows: RawImportRow[] = typeof req.body === 'string' ? parseOrgCsv(req.body) : req.body.units.map((u, i) => ({ ...u, line: i + 1 }));
    const result = await importOrgTree(ctx, actorOf(req), rows);
    reply.status(201);
    return result;
  });

  app.get('/api/units', {
    config: { auth: 'staff' },
    schema: {
      tags: ['org'],
      summary: '在用单位列表（交办、转办等表单选择单位用）',
      querystring: z.strictObject({
        kind: z
          .string()
          .transform((s) => s.split(',').filter(Boolean))
          .pipe(z.array(z.enum(UNIT_KINDS)))
          .optional(),
        under: uuid.optional(),
      }),
    },
  }, async (req) => listActiveUnits(ctx, { kind: req.query.kind, under: req.query.under }));

  app.get('/api/public/grids', {
    config: publicLimit,
    schema: {
      tags: ['public'],
      summary: '查找网格（按网格、社区或街道名称搜索，最多 50 条）',
      querystring: z.strictObject({ q: text(0, 50).optional() }),
    },
  }, async (req) => searchPublicGrids(ctx, req.query.q));

  // ——— users ———

  app.get('/api/admin/users', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '用户列表（本人管辖范围内）',
      querystring: z.strictObject({
        under: uuid.optional(),
        q: text(1, 64).optional(),
        active: bool.optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }),
      response: { 200: z.object({ total: z.number(), items: z.array(UserOut) }) },
    },
  }, async (req) => listUsersForAdmin(ctx, actorOf(req), req.query));

  app.get('/api/admin/users/:id', {
    config: admin,
    schema: { tags: ['admin'], summary: '用户详情', params: IdParam, response: { 200: UserOut } },
  }, async (req) => getUserForAdmin(ctx, actorOf(req), req.params.id));

  app.post('/api/admin/users', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '新增用户（所在单位与权限范围须在本人管辖范围内）',
      body: z.strictObject({
        username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, '用户名为 2–64 位小写字母、数字、点、下划线或连字符'),
        displayName,
        password,
        roles,
        unitId: uuid,
        scopeUnitId: uuid.optional(),
      }),
      response: { 201: UserOut },
    },
  }, async (req, reply) => {
    reply.status(201);
    return createUserAsAdmin(ctx, actorOf(req), req.body);
  });

  app.patch('/api/admin/users/:id', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '修改用户姓名、角色、所在单位或权限范围',
      params: IdParam,
      body: z.strictObject({ displayName: displayName.optional(), roles: roles.optional(), unitId: uuid.optional(), scopeUnitId: uuid.optional() }),
      response: { 200: UserOut },
    },
  }, async (req) => updateUserAsAdmin(ctx, actorOf(req), req.params.id, req.body));

  app.post('/api/admin/users/:id/password', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '重置用户密码（该用户所有登录立即失效）',
      params: IdParam,
      body: z.strictObject({ password }),
      response: { 200: UserOut },
    },
  }, async (req) => resetPasswordAsAdmin(ctx, actorOf(req), req.params.id, req.body.password));

  app.post('/api/admin/users/:id/deactivate', {
    config: admin,
    schema: { tags: ['admin'], summary: '停用用户（立即退出登录；不能停用自己）', params: IdParam, response: { 200: UserOut } },
  }, async (req) => deactivateUserAsAdmin(ctx, actorOf(req), req.params.id));

  app.post('/api/admin/users/:id/activate', {
    config: admin,
    schema: { tags: ['admin'], summary: '重新启用用户', params: IdParam, response: { 200: UserOut } },
  }, async (req) => activateUserAsAdmin(ctx, actorOf(req), req.params.id));

  // ——— categories ———

  const tree = async () => ({ categories: await activeCategoryTree(ctx) });
  app.get('/api/categories', { schema: { tags: ['categories'], summary: '问题分类树（在用，三级）' } }, tree);
  app.get('/api/public/categories', { config: publicLimit, schema: { tags: ['public'], summary: '问题分类树（在用，三级）' } }, tree);

  app.get('/api/admin/categories', {
    config: admin,
    schema: { tags: ['admin'], summary: '全部分类（含已停用），按树序排列' },
  }, async () => listAllCategories(ctx));

  app.post('/api/admin/categories', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '新增分类（最多三级；编码为上级编码加两位数字，不填则自动取下一个）',
      body: z.strictObject({
        parentCode: z.string().regex(CATEGORY_CODE_RE, '分类编码为 2、4 或 6 位数字').nullish(),
        code: z.string().regex(CATEGORY_CODE_RE, '分类编码为 2、4 或 6 位数字').optional(),
        name: text(1, 50),
        sort: z.number().int().min(0).max(100_000).optional(),
      }),
    },
  }, async (req, reply) => {
    reply.status(201);
    return createCategory(ctx, actorOf(req), req.body);
  });

  app.patch('/api/admin/categories/:code', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '修改分类名称或排序',
      params: CodeParam,
      body: z.strictObject({ name: text(1, 50).optional(), sort: z.number().int().min(0).max(100_000).optional() }),
    },
  }, async (req) => updateCategory(ctx, actorOf(req), req.params.code, req.body));

  app.post('/api/admin/categories/:code/deactivate', {
    config: admin,
    schema: { tags: ['admin'], summary: '停用分类及其全部下级（编码永不删除、不复用）', params: CodeParam },
  }, async (req) => deactivateCategory(ctx, actorOf(req), req.params.code));

  app.post('/api/admin/categories/:code/activate', {
    config: admin,
    schema: { tags: ['admin'], summary: '重新启用分类（仅此一项，上级须在用）', params: CodeParam },
  }, async (req) => activateCategory(ctx, actorOf(req), req.params.code));
};
