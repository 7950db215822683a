/**
 * Fuzzing every endpoint the API documents (issue 8): the routes come from the app's own OpenAPI
 * document, so a new endpoint is fuzzed without anyone listing it. For each request one thing is
 * wrong, chosen by a seeded generator (the same seed gives the same requests):
 * - broken JSON, JSON of the wrong shape, a wrong type at one field;
 * - huge strings and bodies, deep nesting;
 * - odd Unicode (lone surrogates, NUL, direction overrides, zero-width, combining marks, astral);
 * - SQL and script injection;
 * - prototype-pollution keys;
 * - path tricks in path parameters, query strings and upload file names;
 * - wrong content types.
 * Each request is sent as a citizen (no session), a registrar and an admin, one after another.
 *
 * What must hold:
 * - no response is 5xx, and the server answers its health check afterwards;
 * - a rejected request (4xx) changes no row in the tables that hold what users submit.
 */
import type { AppContext } from '../src/services/context.js';
import { sql } from 'drizzle-orm';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: Json[];
  const?: Json;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  minItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  default?: Json;
}

export interface FuzzRoute {
  method: string;
  /** OpenAPI path, e.g. /api/cases/{id} */
  path: string;
  params: { name: string; in: 'path' | 'query' | 'header'; schema: Schema }[];
  body: Schema | null;
  multipart: boolean;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | FormData;
  /** what was wrong, for the report */
  what: string;
  route: string;
}

/** A small seeded generator (mulberry32): the same seed gives the same run. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}
export type Rng = ReturnType<typeof rng>;

/** Strings that have broken systems before. Lone surrogates are written as JSON escapes by the body builders. */
export const EVIL_STRINGS: readonly string[] = [
  "' OR '1'='1' --",
  '1; DROP TABLE cases; --',
  "'); DELETE FROM case_events; --",
  '" OR ""="',
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=1">',
  'javascript:alert(1)',
  '{{7*7}}${7*7}<%= 7*7 %>',
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '..\\..\\windows\\win.ini',
  '%00',
  '\u0000',
  'a\u0000b',
  '\u202eevil\u202c',
  '\u200b\u200c\u200d\ufeff',
  'e\u0301\u0301\u0301',
  '𠮷野家𝕏🙂👨‍👩‍👧',
  'Ａ１２３４５',
  '\r\nX-Injected: 1\r\n\r\n',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  ' ',
  '',
  '\t\n',
  '😀'.repeat(3000),
  '字'.repeat(20000),
];

const HUGE = 'A'.repeat(200_000);

/** Given the app's OpenAPI document, returns every route with its parameters and body schema. */
export function routesFromOpenApi(doc: { paths?: Record<string, Record<string, unknown>> }): FuzzRoute[] {
  const out: FuzzRoute[] = [];
  for (const [p, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, opRaw] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = opRaw as { parameters?: { name: string; in: string; schema?: Schema }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };
      const content = op.requestBody?.content ?? {};
      out.push({
        method: method.toUpperCase(),
        path: p,
        params: (op.parameters ?? []).filter((x) => x.in === 'path' || x.in === 'query' || x.in === 'header').map((x) => ({ name: x.name, in: x.in as 'path' | 'query' | 'header', schema: x.schema ?? {} })),
        body: content['application/json']?.schema ?? null,
        multipart: 'multipart/form-data' in content,
      });
    }
  }
  return out;
}

const firstOf = (s: Schema): Schema => (s.anyOf?.find((x) => x.type !== 'null') ?? s.oneOf?.[0] ?? s.allOf?.[0] ?? s);

/** Given a schema, returns a value that likely passes it (the base that one mutation then breaks). */
export function plausible(schema: Schema, r: Rng, depth = 0): Json {
  const s = firstOf(schema);
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return r.pick(s.enum);
  if (s.default !== undefined) return s.default;
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const o: Record<string, Json> = {};
      if (depth > 4) return o;
      for (const [k, v] of Object.entries(s.properties ?? {})) if (s.required?.includes(k) || r.next() < 0.3) o[k] = plausible(v, r, depth + 1);
      return o;
    }
    case 'array':
      return depth > 4 ? [] : Array.from({ length: Math.max(s.minItems ?? 0, 1) }, () => plausible(s.items ?? {}, r, depth + 1));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string':
      if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
      if (s.format === 'date-time') return '2026-03-02T10:00:00+08:00';
      if (s.format === 'date') return '2026-03-02';
      if (s.format === 'email') return 'a@example.com';
      return '测试'.padEnd(Math.max(s.minLength ?? 1, 2), '字');
    default:
      return 'x';
  }
}

/** Given a JSON value, returns the paths of its leaves and containers. */
function pathsOf(v: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json): Json {
  if (path.length === 0) return value;
  const copy = JSON.parse(JSON.stringify(root)) as Json;
  let cur = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  cur[path.at(-1)!] = value;
  return copy;
}

const WRONG_TYPES: readonly Json[] = [null, 0, -1, 1.5, 1e308, true, [], {}, [[[]]], { $gt: '' }, HUGE];

/** Given a JSON text, returns it with lone surrogates put back in (JSON.stringify escapes them well-formed). */
const withLoneSurrogate = (text: string) => text.replace(/"([^"\\]*)"/, '"$1\\ud800"');

/** Given a body schema, returns one broken body and what is wrong with it. */
function brokenBody(schema: Schema | null, r: Rng): { text: string; what: string; contentType?: string } {
  const base = plausible(schema ?? { type: 'object' }, r);
  const valid = JSON.stringify(base);
  switch (r.int(12)) {
    case 0:
      return { text: valid.slice(0, Math.max(1, r.int(valid.length))), what: 'truncated JSON' };
    case 1:
      return { text: r.pick(['{', '{"a":', '{"a":1,}', "{'a':1}", '[1,2', 'NaN', '{"a":undefined}', '\ufeff{"a":1}', '{"a":1}{"b":2}', '"\\u']), what: 'malformed JSON' };
    case 2:
      return { text: '['.repeat(5000) + ']'.repeat(5000), what: 'deep nesting' };
    case 3: {
      let deep: Json = {};
      for (let i = 0; i < 200; i++) deep = { a: deep };
      return { text: JSON.stringify(deep), what: 'deep object' };
    }
    case 4: {
      const keys = '"__proto__":{"admin":true,"roles":["admin"]},"constructor":{"prototype":{"admin":true}}';
      return { text: valid.startsWith('{') && valid !== '{}' ? `{${keys},${valid.slice(1)}` : `{${keys}}`, what: 'prototype keys' };
    }
    case 5:
      return { text: withLoneSurrogate(valid), what: 'lone surrogate' };
    case 6:
      return { text: valid, what: 'text/plain body', contentType: 'text/plain' };
    case 7:
      return { text: `<xml>${valid}</xml>`, what: 'xml body', contentType: 'application/xml' };
    case 8:
      return { text: JSON.stringify(r.pick(WRONG_TYPES)), what: 'wrong shape' };
    default: {
      const paths = pathsOf(base).filter((p) => p.length > 0);
      if (paths.length === 0) return { text: JSON.stringify(r.pick(WRONG_TYPES)), what: 'wrong shape' };
      const at = r.pick(paths);
      const useEvil = r.next() < 0.5;
      const value = useEvil ? r.pick(EVIL_STRINGS) : r.pick(WRONG_TYPES);
      return { text: JSON.stringify(setAt(base, at, value)), what: `${useEvil ? 'evil string' : 'wrong type'} at ${at.join('.')}` };
    }
  }
}

/** Given a route and a generator, returns the route's path with its parameters filled (some badly). */
function fillPath(route: FuzzRoute, r: Rng, bad: boolean): string {
  return route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const p = route.params.find((x) => x.in === 'path' && x.name === name);
    if (!bad) return encodeURIComponent(String(plausible(p?.schema ?? { type: 'string' }, r)));
    const evil = r.pick([...EVIL_STRINGS, '..', '.', '%2e%2e', '%252e%252e%252f', '..;', HUGE.slice(0, 5000)]);
    return r.next() < 0.7 ? encodeURIComponent(evil) : evil.replace(/[#?\s]/g, '');
  });
}

/** Given a route, returns a query string of its parameters, some of them wrong. */
function query(route: FuzzRoute, r: Rng, bad: boolean): string {
  const qs = new URLSearchParams();
  for (const p of route.params.filter((x) => x.in === 'query')) {
    if (!bad && r.next() < 0.5) continue;
    const v = bad ? r.pick([...EVIL_STRINGS, '-1', '99999999999999999999', '2026-13-45', 'a,b,,c']) : String(plausible(p.schema, r));
    qs.append(p.name, v);
    if (bad && r.next() < 0.2) qs.append(p.name, v); // the same parameter twice
  }
  if (bad && r.next() < 0.2) qs.append(r.pick(['__proto__[admin]', 'constructor', 'a[b][c]', 'page_size']), r.pick(EVIL_STRINGS));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** Given a route and a generator, returns one malformed request for it. */
export function malformedRequest(route: FuzzRoute, r: Rng): FuzzRequest {
  const kind = r.int(10);
  const headers: Record<string, string> = {};
  let body: string | FormData | undefined;
  let what: string;
  let badPath = false;
  let badQuery = false;
  if (route.multipart && kind < 5) {
    const form = new FormData();
    const name = r.pick(['../../../etc/passwd', '..\\..\\x.png', '/etc/shadow', 'a\u0000.png', '%2e%2e%2fx.png', '字'.repeat(300) + '.png', '.htaccess', 'x.png.exe', 'con.png', '<script>.png']);
    const bytes = r.pick([new Uint8Array(0), new TextEncoder().encode('<?php echo 1; ?>'), new TextEncoder().encode('%PDF-1.4 broken'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0])]);
    form.append('file', new Blob([bytes]), name);
    if (r.next() < 0.3) form.append('file', new Blob([bytes]), name);
    body = form;
    what = `upload named ${JSON.stringify(name).slice(0, 60)}`;
  } else if ((route.body || route.method !== 'GET') && kind < 7 && route.method !== 'GET' && route.method !== 'DELETE') {
    const b = brokenBody(route.body, r);
    body = b.text;
    headers['content-type'] = b.contentType ?? 'application/json';
    what = b.what;
  } else if (kind < 9) {
    badQuery = true;
    what = 'bad query';
  } else {
    badPath = true;
    what = 'bad path parameter';
  }
  if (!badPath && !badQuery && r.next() < 0.3) badQuery = true;
  if (r.next() < 0.05) headers['idempotency-key'] = r.pick(EVIL_STRINGS).replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '') || 'x';
  if (r.next() < 0.03) headers['content-length'] = '99999999';
  const url = fillPath(route, r, badPath || (route.path.includes('{') && r.next() < 0.3)) + query(route, r, badQuery);
  return { method: route.method, url, headers, body, what, route: `${route.method} ${route.path}` };
}

/** Tables that hold what users submit: a rejected request must change none of them. */
export const WATCHED_TABLES = [
  'cases',
  'case_events',
  'case_petitioners',
  'attachments',
  'idempotency_keys',
  'notifications',
  'outbox',
  'supervisions',
  'reception_bookings',
  'reception_slots',
  'org_units',
  'users',
  'categories',
  'category_questions',
  'lexicon_words',
  'settings',
  'warnings',
  'spot_checks',
  'api_keys',
  'open311_tokens',
  'webhook_subscriptions',
  'webhook_deliveries',
  'notification_channels',
] as const;

/** Given the app, returns a fingerprint of the watched tables (row counts and the newest change). */
export async function watchedState(ctx: AppContext): Promise<string> {
  const existing = ((await ctx.db.execute(sql`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and relkind = 'r'`)) as unknown as { rows: { relname: string }[] }).rows.map((r) => r.relname);
  const tables = WATCHED_TABLES.filter((t) => existing.includes(t));
  const parts = tables.map((t) => `(select count(*) from "${t}")::text`).join(" || ',' || ");
  const cases = `(select coalesce(max(updated_at)::text, '') from cases)`;
  const users = `(select coalesce(max(updated_at)::text, '') from users)`;
  const row = ((await ctx.db.execute(sql.raw(`select ${parts} || '|' || ${cases} || '|' || ${users} as s`))) as unknown as { rows: { s: string }[] }).rows[0]!;
  return row.s;
}

export interface FuzzFailure {
  request: FuzzRequest;
  who: string;
  status: number | null;
  problem: string;
  body?: string;
}

export interface FuzzReport {
  requests: number;
  routes: number;
  byStatus: Record<string, number>;
  failures: FuzzFailure[];
  seconds: number;
}

/**
 * Given the app (in this process, so its tables can be read between requests), its base URL, the
 * sessions to send as and how many requests, sends them one after another and returns what broke.
 */
export async function runFuzz(
  ctx: AppContext,
  base: string,
  opts: { count: number; seed: number; tokens: Record<string, string | null>; skip?: RegExp },
): Promise<FuzzReport> {
  const t0 = performance.now();
  const doc = (await (await fetch(`${base}/docs/json`)).json()) as { paths?: Record<string, Record<string, unknown>> };
  const routes = routesFromOpenApi(doc).filter((x) => !(opts.skip ?? /\/api\/auth\/logout/).test(x.path));
  const r = rng(opts.seed);
  const who = Object.keys(opts.tokens);
  const byStatus: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  for (let i = 0; i < opts.count; i++) {
    const route = routes[i % routes.length]!; // every route in turn, so each gets its share
    const req = malformedRequest(route, r);
    const as = r.pick(who);
    const token = opts.tokens[as];
    const before = await watchedState(ctx);
    let status: number | null = null;
    let text = '';
    try {
      const res = await fetch(base + req.url, {
        method: req.method,
        headers: { ...req.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: req.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      // a request the client itself refuses to send (e.g. a header it will not encode) is not the server's fault
      if (err instanceof TypeError && /header|Headers|ByteString|URL/i.test(String((err as Error & { cause?: unknown }).cause ?? err.message))) continue;
      failures.push({ request: req, who: as, status: null, problem: `no answer: ${(err as Error).message}` });
      continue;
    }
    byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1;
    if (status >= 500) failures.push({ request: req, who: as, status, problem: '5xx', body: text.slice(0, 300) });
    else if (status >= 400) {
      const after = await watchedState(ctx);
      if (after !== before) failures.push({ request: req, who: as, status, problem: `a rejected request changed stored data: ${before} → ${after}` });
    }
  }
  const health = await fetch(`${base}/api/health`).then((x) => x.status, () => null);
  if (health !== 200) failures.push({ request: { method: 'GET', url: '/api/health', headers: {}, what: 'health after the run', route: 'GET /api/health' }, who: 'anon', status: health, problem: 'the server does not answer its health check after the run' });
  return { requests: opts.count, routes: routes.length, byStatus, failures, seconds: Math.round((performance.now() - t0) / 1000) };
}
