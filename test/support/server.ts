/**
 * The real app on a loopback port, and a tiny JSON client for tests.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import type { AppContext } from '../../src/services/context.js';
import { PASSWORD } from './factories.js';

export interface TestServer {
  app: FastifyInstance;
  base: string;
  close(): Promise<void>;
}

/** Given a context, returns the app listening on 127.0.0.1 on a free port. */
export async function startServer(ctx: AppContext, opts: { rateLimit?: boolean } = {}): Promise<TestServer> {
  const app = await buildApp(ctx, { rateLimit: opts.rateLimit ?? false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { app, base: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Given a server, returns a client that sends JSON (or raw bodies) with an optional bearer token. */
export function client(server: TestServer, token?: string) {
  const call = async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> => {
    const init: RequestInit = { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } };
    if (body !== undefined) {
      if (typeof body === 'string' || body instanceof FormData || body instanceof Uint8Array) init.body = body as BodyInit;
      else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
    }
    const res = await fetch(server.base + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  return {
    get: <T = any>(p: string, h?: Record<string, string>) => call<T>('GET', p, undefined, h),
    post: <T = any>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('POST', p, b ?? {}, h),
    patch: <T = any>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('PATCH', p, b ?? {}, h),
    put: <T = any>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('PUT', p, b ?? {}, h),
    del: <T = any>(p: string, h?: Record<string, string>) => call<T>('DELETE', p, undefined, h),
    raw: call,
    /** a GET whose body is kept as bytes (downloads: Excel, Word) */
    bytes: async (p: string) => {
      const res = await fetch(server.base + p, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.status, headers: res.headers, buffer: Buffer.from(await res.arrayBuffer()) };
    },
  };
}

/** Given a server and a username, returns a client logged in as that user. */
export async function loginAs(server: TestServer, username: string, password = PASSWORD) {
  const res = await client(server).post<{ token: string }>('/api/auth/login', { username, password });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return client(server, res.body.token);
}
