/**
 * 码上办 posters for printing: one grid's poster as PNG, a street's posters as one zip (streamed,
 * each poster drawn when the zip reaches it), and the public address the QR codes carry.
 */
import { PassThrough } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import yazl from 'yazl';
import { z } from 'zod';
import type { AppContext } from '../../services/context.js';
import { planStreetPosters, readPosterSettings, renderGridPoster, setPublicBaseUrl } from '../../services/qr-posters.js';
import { normalizePublicBaseUrl, resolvePublicBaseUrl } from '../../services/settings.js';
import { actorOf } from '../auth-plugin.js';
import { uuid } from '../schemas.js';

/** Given a request, returns the origin it was addressed to (the fallback public address). */
function requestOrigin(req: FastifyRequest): string {
  return normalizePublicBaseUrl(`${req.protocol}://${req.host}`) ?? 'http://localhost';
}

/** Given a disposition and a (possibly Chinese) file name, returns a Content-Disposition value with an ASCII fallback (RFC 6266). */
function contentDisposition(type: 'inline' | 'attachment', fileName: string, asciiFallback: string): string {
  return `${type}; filename="${asciiFallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

const asciiName = (code: string, ext: string) => `${code.replace(/[^0-9A-Za-z_.-]/g, '_')}.${ext}`;

export const posterRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const admin = { auth: 'staff', roles: ['admin'] } as const;

  app.get('/api/admin/posters/grids/:gridId.png', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '码上办海报（单个网格或微网格，A4 比例 PNG，二维码指向 <公网地址>/m/submit?grid=<id>）',
      params: z.strictObject({ gridId: uuid }),
      querystring: z.strictObject({ v: z.string().max(40).optional().describe('防缓存参数，忽略') }),
      produces: ['image/png'],
    },
  }, async (req, reply) => {
    const { baseUrl } = await resolvePublicBaseUrl(ctx.db, requestOrigin(req));
    const { png, fileName, grid } = await renderGridPoster(ctx, actorOf(req), req.params.gridId, baseUrl);
    return reply
      .type('image/png')
      .header('Cache-Control', 'private, no-store')
      .header('Content-Disposition', contentDisposition('inline', fileName, asciiName(grid.code, 'png')))
      .send(png);
  });

  app.get('/api/admin/posters/streets/:streetId.zip', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '整条街道的码上办海报（每个在用网格、微网格一张 PNG，打包为 zip，边生成边下载）',
      params: z.strictObject({ streetId: uuid }),
      produces: ['application/zip'],
    },
  }, async (req, reply) => {
    const { baseUrl } = await resolvePublicBaseUrl(ctx.db, requestOrigin(req));
    const { street, entries } = await planStreetPosters(ctx, actorOf(req), req.params.streetId, baseUrl);
    const zip = new yazl.ZipFile();
    const output = zip.outputStream as PassThrough;
    // A poster that fails to draw ends the download with a broken connection, never a short zip
    // that looks complete; without this listener the error would take the process down.
    zip.on('error', (err: Error) => {
      req.log.error({ err, streetId: street.id }, 'poster zip failed');
      output.destroy(err);
    });
    const mtime = ctx.now();
    for (const entry of entries) {
      // PNG is already deflated: stored, not compressed again.
      zip.addReadStreamLazy(entry.fileName, { mtime, compress: false }, (cb) => {
        entry.render().then(
          (png) => {
            const stream = new PassThrough();
            stream.end(png);
            cb(null, stream);
          },
          (err: unknown) => cb(err, new PassThrough()),
        );
      });
    }
    zip.end();
    return reply
      .type('application/zip')
      .header('Cache-Control', 'private, no-store')
      .header('X-Poster-Count', String(entries.length))
      .header('Content-Disposition', contentDisposition('attachment', `码上办海报-${street.name}.zip`, asciiName(`posters-${street.code}`, 'zip')))
      .send(output);
  });

  const SettingsOut = z.object({
    publicBaseUrl: z.string().nullable().describe('已设置的公网地址；未设置为 null'),
    effectiveBaseUrl: z.string().describe('海报二维码当前实际使用的地址'),
    fallbackBaseUrl: z.string().describe('未设置时使用的地址（本次请求的地址）'),
    canChange: z.boolean().describe('当前管理员能否修改（仅管辖整棵组织树的管理员）'),
  });

  app.get('/api/admin/posters/settings', {
    config: admin,
    schema: { tags: ['admin'], summary: '码上办海报使用的公网地址', response: { 200: SettingsOut } },
  }, async (req) => readPosterSettings(ctx, actorOf(req), requestOrigin(req)));

  app.patch('/api/admin/posters/settings', {
    config: admin,
    schema: {
      tags: ['admin'],
      summary: '设置码上办二维码的公网地址（仅管辖全市/全区的管理员；null 恢复为按访问地址）',
      body: z.strictObject({ publicBaseUrl: z.string().trim().min(1).max(200).nullable() }),
      response: { 200: SettingsOut },
    },
  }, async (req) => {
    await setPublicBaseUrl(ctx, actorOf(req), req.body.publicBaseUrl);
    return readPosterSettings(ctx, actorOf(req), requestOrigin(req));
  });
};
