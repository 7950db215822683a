/**
 * A build step: next to every compressible file Vite writes, a Brotli (.br) and a gzip (.gz) copy,
 * so the server sends compressed bytes without compressing on each request (@fastify/static
 * `preCompressed`). A phone on a slow line downloads about a third of the bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|ico|map)$/i;
const MIN_BYTES = 1024;

export function precompress(): Plugin {
  return {
    name: 'xinfang-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir!;
      const files = [...Object.keys(bundle), 'index.html', 'favicon.svg', 'favicon.ico'];
      for (const name of new Set(files)) {
        const file = path.join(dir, name);
        if (!COMPRESSIBLE.test(name) || !fs.existsSync(file)) continue;
        const bytes = fs.readFileSync(file);
        if (bytes.length < MIN_BYTES) continue;
        fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
        fs.writeFileSync(`${file}.gz`, zlib.gzipSync(bytes, { level: 9 }));
      }
    },
  };
}
