/**
 * The Open311 rate limit, counted before any database work: a request is counted at onRequest (a POST
 * whose key is in its body, once the body is read) by a hash of the key string it presents, or by its
 * address without one; only then is the key authenticated. So requests refused as invalid or not found
 * count too, and a flood past the limit costs no query.
 *
 * The limit of a key is its ratePerMinute, read from a small in-process cache that authentication fills
 * (30 s): a key not in the cache (unknown, or not seen lately) gets the public rate, and its request is
 * also counted against its address, so inventing a new key per request does not escape the address's
 * limit. Only the number is cached: whether a key is live is asked of the database on every request,
 * so a revoked key is refused at once.
 */
import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import '@fastify/rate-limit';
import { AppError } from '../domain/errors.js';

/** How long a key's rate is trusted without a fresh authentication. */
export const KEY_RATE_TTL_MS = 30_000;
/** Most keys remembered at once; the oldest are forgotten first (a flood of invented keys cannot grow it). */
const MAX_REMEMBERED = 10_000;

/** Given a key as presented, returns the name of its bucket (a hash: the key itself is kept nowhere). */
export const keyBucket = (key: string) => crypto.createHash('sha256').update(key).digest('base64url');

/** Given a clock, returns the cache of key bucket → ratePerMinute that authentication fills. */
export function keyRateCache(now: () => Date) {
  const rates = new Map<string, { rate: number; until: number }>();
  return {
    /** Given a bucket, returns the key's rate when it was authenticated within the TTL. */
    get(bucket: string): number | undefined {
      const hit = rates.get(bucket);
      if (!hit) return undefined;
      if (hit.until > now().getTime()) return hit.rate;
      rates.delete(bucket);
      return undefined;
    },
    remember(bucket: string, rate: number) {
      rates.delete(bucket);
      rates.set(bucket, { rate, until: now().getTime() + KEY_RATE_TTL_MS });
      while (rates.size > MAX_REMEMBERED) rates.delete(rates.keys().next().value!);
    },
    forget(bucket: string) {
      rates.delete(bucket);
    },
  };
}
export type KeyRateCache = ReturnType<typeof keyRateCache>;

interface Bucket {
  name: string;
  max: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the bucket being counted (set just before each count) */
    open311Bucket: Bucket | null;
  }
}

/**
 * Given the Open311 plugin instance, the public rate and the cache, returns a function that counts a
 * request against the buckets of the key it presents (null: none) and throws RATE_LIMITED (with
 * Retry-After) past the limit. The app-wide limiter's allow list (limits off in benchmarks) applies.
 */
export function open311Limiter(app: FastifyInstance, publicRate: number, cache: KeyRateCache) {
  app.decorateRequest('open311Bucket', null);
  const check = app.createRateLimit({
    timeWindow: 60_000,
    keyGenerator: (req: FastifyRequest) => req.open311Bucket!.name,
    max: (req: FastifyRequest) => req.open311Bucket!.max,
  });
  const count = async (req: FastifyRequest, reply: FastifyReply, bucket: Bucket) => {
    req.open311Bucket = bucket;
    const r = await check(req);
    if (r.isAllowed) return;
    reply.header('ratelimit-limit', String(r.max)).header('ratelimit-remaining', String(r.remaining));
    if (r.isExceeded) {
      reply.header('Retry-After', String(Math.max(1, r.ttlInSeconds)));
      throw new AppError('RATE_LIMITED', { limit: r.max });
    }
  };
  return async (req: FastifyRequest, reply: FastifyReply, presented: string | null) => {
    const byAddress = { name: `open311-ip:${req.ip}`, max: publicRate };
    if (!presented) return count(req, reply, byAddress);
    const name = keyBucket(presented);
    const rate = cache.get(name);
    if (rate === undefined) await count(req, reply, byAddress);
    await count(req, reply, { name: `open311-key:${name}`, max: rate ?? publicRate });
  };
}
