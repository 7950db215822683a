/**
 * Signing webhook deliveries, and checking a signature on the receiving side.
 *
 * Header: `X-Xinfang-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The key is the subscription's secret exactly as shown to the admin (its UTF-8 bytes). The
 * timestamp is inside the signed text, so a captured delivery cannot be replayed with a fresh
 * timestamp; a receiver refuses timestamps outside its tolerance and dedupes on X-Xinfang-Delivery.
 */
import crypto from 'node:crypto';

/** Given a secret, a unix timestamp (seconds) and the raw body, returns the hex HMAC-SHA256 of "<ts>.<body>". */
export function webhookDigest(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = crypto.createHmac('sha256', Buffer.from(secret, 'utf8'));
  mac.update(`${timestamp}.`, 'utf8');
  mac.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return mac.digest('hex');
}

/** Given a secret, a unix timestamp and the raw body, returns the X-Xinfang-Signature header value. */
export function signWebhook(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return `t=${timestamp},v1=${webhookDigest(secret, timestamp, rawBody)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'timestamp_out_of_tolerance' | 'mismatch' };

/**
 * Given the subscription's secret, the X-Xinfang-Signature header as received, the raw request body
 * (the bytes, before any JSON parsing), the receiver's clock and a tolerance in seconds (300 is
 * usual), returns whether the delivery is authentic and fresh. Several `v1=` entries are accepted
 * (any one matching suffices), so a sender may sign with an old and a new secret during rotation.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string | Buffer,
  now: Date = new Date(),
  toleranceSeconds = 300,
): SignatureCheck {
  if (!header || header.length > 2000) return { ok: false, reason: 'malformed' };
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === null || candidates.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > toleranceSeconds) return { ok: false, reason: 'timestamp_out_of_tolerance' };
  const expected = Buffer.from(webhookDigest(secret, timestamp, rawBody), 'hex');
  const match = candidates.some((c) => crypto.timingSafeEqual(Buffer.from(c, 'hex'), expected));
  return match ? { ok: true, timestamp } : { ok: false, reason: 'mismatch' };
}
