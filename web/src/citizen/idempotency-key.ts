/**
 * The key that makes a retried submission return the first answer instead of a second case.
 * crypto.randomUUID exists only on secure origins (https, localhost); a deployment served over
 * plain http on a LAN still has crypto.getRandomValues, so the UUID is built from that.
 */

/** Given nothing, returns a fresh random UUID (version 4). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
