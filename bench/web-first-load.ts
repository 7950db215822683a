/**
 * First load of the web app in a real browser: the citizen's submit page on a phone screen and the
 * staff login on an office screen, served by the real server (embedded database, a small seeded
 * org, loopback), opened in headless Chromium. For each, a cold load (empty cache) and a warm one
 * (a new tab in the same browser context, so the cache is kept), on loopback and under a "Fast 3G"
 * profile (Chromium's network emulation: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip).
 * Prints the median of the runs: DOMContentLoaded, load, first contentful paint, the page usable
 * (its form on screen), and the bytes transferred once the page is quiet (navigation + every
 * resource, the page's API calls included; a revalidated file counts its headers).
 *
 *   npm run build:web && npx tsx bench/web-first-load.ts [runs=5]
 *
 * It builds nothing: it serves web/dist as built.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { buildContext } from '../src/services/app-context.js';
import { buildApp } from '../src/http/app.js';
import { WEB_DIST } from '../src/http/web-app.js';
import { openTestDatabase } from '../test/support/databases.js';
import { seedMiniOrg } from '../test/support/factories.js';
import { launchBrowser, OFFICE, PHONE } from '../test/browser/browser.js';

const runs = Number(process.argv[2] ?? 5);

const PAGES = [
  { name: 'citizen /m/submit', url: '/m/submit', screen: PHONE, ready: 'form button[type=submit]' },
  { name: 'staff /staff (login)', url: '/staff', screen: OFFICE, ready: 'form #username' },
] as const;

/** Chromium's network emulation: throughput in bytes/s, latency (added round trip) in ms. */
const NETWORKS = {
  loopback: null,
  'Fast 3G': { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 },
} as const;

interface Sample {
  dcl: number;
  load: number;
  fcp: number;
  ready: number;
  bytes: number;
  requests: number;
}

// Runs in the page before its own scripts: notes when the page's form first appears.
const READY_PROBE = (selector: string) => `(() => {
  const sel = ${JSON.stringify(selector)};
  const seen = () => {
    if (window.__ready === undefined && document.querySelector(sel)) {
      window.__ready = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(seen);
  observer.observe(document, { childList: true, subtree: true });
})();`;

// Runs in the page once it is loaded and quiet: the timings, relative to the navigation's start.
const COLLECT = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
  const resources = performance.getEntriesByType('resource');
  return {
    dcl: nav.domContentLoadedEventEnd,
    load: nav.loadEventEnd,
    fcp: fcp ? fcp.startTime : NaN,
    ready: window.__ready ?? NaN,
    bytes: nav.transferSize + resources.reduce((s, r) => s + r.transferSize, 0),
    requests: 1 + resources.length,
  };
})()`;

if (!fs.existsSync(path.join(WEB_DIST, 'index.html'))) {
  console.error(`no web build at ${WEB_DIST}: run \`npm run build:web\` first`);
  process.exit(1);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xf-bench-web-'));
const tdb = await openTestDatabase('pglite');
const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
const ctx = await buildContext(config, { database: tdb.database, logger: pino({ level: 'silent' }), masterKey: Buffer.alloc(32, 1) });
await seedMiniOrg(ctx);
const app = await buildApp(ctx, { rateLimit: false, logger: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const browser = await launchBrowser();

/** Given a context, a page to open and a network, loads it in a new tab; returns its figures. */
async function measure(context: BrowserContext, target: (typeof PAGES)[number], network: (typeof NETWORKS)[keyof typeof NETWORKS]): Promise<Sample> {
  const page: Page = await context.newPage();
  const failed: string[] = [];
  page.on('response', (r) => {
    // (the staff page's /api/auth/me answers 401 before the login form shows: that is expected)
    if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/api/')) failed.push(`${r.status()} ${r.url()}`);
  });
  // Quiet = nothing in flight for 500 ms. Playwright's 'networkidle' can fire while the scripts
  // run, before the page's own API calls start, and then counts them out.
  let inFlight = 0;
  let lastActivity = performance.now();
  const settle = () => {
    inFlight--;
    lastActivity = performance.now();
  };
  page.on('request', () => {
    inFlight++;
    lastActivity = performance.now();
  });
  page.on('requestfinished', settle);
  page.on('requestfailed', settle);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  if (network) await cdp.send('Network.emulateNetworkConditions', network);
  await page.goto(base + target.url, { waitUntil: 'load', timeout: 120_000 });
  await page.locator(target.ready).first().waitFor({ state: 'visible', timeout: 120_000 });
  while (inFlight > 0 || performance.now() - lastActivity < 500) await new Promise((r) => setTimeout(r, 50));
  const sample = (await page.evaluate(COLLECT)) as Sample;
  await page.close();
  // The server registers web/dist's files when it starts: a rebuild meanwhile would show here.
  if (failed.length) throw new Error(`failed requests (was web/dist rebuilt during the run?): ${failed.join(', ')}`);
  return sample;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const rows: string[][] = [];
try {
  for (const target of PAGES) {
    for (const [netName, network] of Object.entries(NETWORKS)) {
      const cold: Sample[] = [];
      const warm: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        // A fresh context has an empty cache; its second tab finds what the first one cached.
        const context = await browser.newContext({ ...target.screen, timezoneId: 'Asia/Shanghai' });
        await context.addInitScript({ content: READY_PROBE(target.ready) });
        cold.push(await measure(context, target, network));
        warm.push(await measure(context, target, network));
        await context.close();
      }
      for (const [cache, samples] of [['cold', cold], ['warm', warm]] as const) {
        const ms = (k: keyof Sample) => `${Math.round(median(samples.map((s) => s[k])))}`;
        rows.push([target.name, netName, cache, ms('dcl'), ms('load'), ms('fcp'), ms('ready'), `${(median(samples.map((s) => s.bytes)) / 1024).toFixed(1)}`, ms('requests')]);
      }
    }
  }
} finally {
  await browser.close();
  await app.close();
  await tdb.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

const head = ['page', 'network', 'cache', 'DOMContentLoaded ms', 'load ms', 'FCP ms', 'form shown ms', 'transferred KiB', 'requests'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(`web first load, median of ${runs} runs each (${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}), ${base}`);
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
