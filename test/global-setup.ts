/**
 * Once per test run: build the web app when its sources are newer than the build, so browser
 * tests exercise what `npm start` serves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

export default async function setup() {
  const web = path.resolve('web');
  const index = path.join(web, 'dist', 'index.html');
  const sources = Math.max(
    newest(path.join(web, 'src')),
    newest(path.join(web, 'public')),
    ...['index.html', 'vite.config.ts', 'precompress.ts'].map((f) => fs.statSync(path.join(web, f)).mtimeMs),
  );
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= sources) return;
  // vitest sets NODE_ENV=test, which would give a development bundle; test what production serves.
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: path.join(web, 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  } finally {
    process.env.NODE_ENV = before;
  }
}
