/**
 * The outlines of the cockpit's map: an admin imports real boundaries as GeoJSON (all or nothing,
 * each bad feature named) and reads the outlines under a unit. Admins only; the checks and the union
 * outlines of the ancestors are in services/org-shapes.ts.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../services/context.js';
import { MAX_SHAPE_FEATURES, childShapes, importOrgShapes } from '../../services/org-shapes.js';
import { actorOf } from '../auth-plugin.js';
import { uuid } from '../schemas.js';

/** A boundary file: 200,000 positions with 6–15 decimals and properties fit in well under this. */
const SHAPES_BODY_LIMIT = 20 * 1024 * 1024;

const FeatureCollection = z.looseObject({
  type: z.literal('FeatureCollection', { error: '文件须为 GeoJSON FeatureCollection' }),
  features: z.array(z.unknown()).min(1).max(MAX_SHAPE_FEATURES),
});

export const orgShapeRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const admin = { auth: 'staff', roles: ['admin'] } as const;
  const tags = ['admin'];

  // GIS tools save GeoJSON as application/geo+json; parsed like JSON, inside this plugin only.
  app.addContentTypeParser('application/geo+json', { parseAs: 'string', bodyLimit: SHAPES_BODY_LIMIT }, app.getDefaultJsonParser('error', 'ignore'));

  app.post('/api/admin/org-shapes', {
    config: admin,
    bodyLimit: SHAPES_BODY_LIMIT,
    schema: {
      tags,
      summary:
        '导入行政区划轮廓（GeoJSON FeatureCollection，WGS-84 经纬度；每个要素以 properties.code 或 properties.id 指明单位，几何为 Polygon 或 MultiPolygon）。任一要素有误则整体不导入并逐个列出；上级单位没有导入轮廓的，按下级轮廓合并生成',
      consumes: ['application/json', 'application/geo+json'],
      body: FeatureCollection,
    },
  }, async (req) => importOrgShapes(ctx, actorOf(req), req.body));

  app.get('/api/admin/org-shapes/:unitId', {
    config: admin,
    schema: {
      tags,
      summary: '某单位下级单位的轮廓（GeoJSON FeatureCollection）；没有下级轮廓时返回本单位的轮廓',
      params: z.object({ unitId: uuid }),
    },
  }, async (req) => childShapes(ctx, req.params.unitId, actorOf(req)));
};
