/**
 * The held-out split for measuring routing: a text belongs to the test share when the first four
 * bytes of SHA-1 of its body, read as a fraction, fall below the share — stable across runs and
 * machines, independent of file order, and the same text is always on the same side.
 */
import crypto from 'node:crypto';

/** Given a message body and the test share (default 0.2), returns whether it is held out. */
export function isHeldOut(body: string, share = 0.2): boolean {
  return crypto.createHash('sha1').update(body, 'utf8').digest().readUInt32BE(0) / 2 ** 32 < share;
}
