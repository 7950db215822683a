/**
 * Field encryption for personal data (ARCHITECTURE.md, Principles). AES-256-GCM with a fresh 12-byte IV
 * per value, so equal plaintexts never give equal ciphertexts; authenticated, so a tampered token fails
 * instead of decrypting to garbage. Equality search uses a separate blind index: a keyed HMAC of the
 * normalized value, with its own key per kind, so a leaked index neither reveals plaintext nor links an
 * ID number to a phone number. Both keys are derived from one master key with HKDF, so the master key
 * itself is never used directly.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';

// query_code: the petitioner's tracking code (查询码) is stored only as its index, never in clear.
export type BlindIndexKind = 'id' | 'phone' | 'name' | 'query_code';

export interface FieldCipher {
  encrypt(plain: string): string;
  decrypt(token: string): string;
  blindIndex(kind: BlindIndexKind, normalizedValue: string): string;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
// Fixed, public HKDF salt: it separates this application's keys from any other use of the same master key.
const HKDF_SALT = Buffer.from('xinfang/personal-data', 'utf8');
const KINDS: readonly BlindIndexKind[] = ['id', 'phone', 'name', 'query_code'];
const B64URL = /^[A-Za-z0-9_-]+$/;

/** Given the master key and a purpose label, returns a 32-byte sub-key for that purpose alone. */
function subKey(master: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, HKDF_SALT, Buffer.from(info, 'utf8'), KEY_BYTES));
}

/** Given a base64url string, returns its bytes only when it is canonical (re-encodes identically), else null. */
function strictB64url(s: string | undefined): Buffer | null {
  if (s === undefined || !B64URL.test(s)) return null;
  const b = Buffer.from(s, 'base64url');
  // Node ignores stray bits; insisting on a round trip means one token has exactly one spelling.
  return b.toString('base64url') === s ? b : null;
}

const decryptFailed = (): AppError => new AppError('INTERNAL', { reason: 'decrypt_failed' });

/** Given a 32-byte master key, returns encrypt/decrypt (token `v1.<iv>.<ciphertext+tag>`) and a per-kind blind index. */
export function createCipher(masterKey: Buffer): FieldCipher {
  if (!Buffer.isBuffer(masterKey) || masterKey.length !== KEY_BYTES) {
    throw new AppError('INTERNAL', { reason: 'master_key_invalid' });
  }
  const encKey = subKey(masterKey, 'xinfang/v1/encrypt');
  const indexKeys = new Map(KINDS.map((k) => [k, subKey(masterKey, `xinfang/v1/blind-index/${k}`)] as const));
  // The version is authenticated too, so a token cannot be relabelled for a future format.
  const aad = Buffer.from(VERSION, 'utf8');

  return {
    encrypt(plain: string): string {
      const iv = randomBytes(IV_BYTES);
      const c = createCipheriv('aes-256-gcm', encKey, iv, { authTagLength: TAG_BYTES });
      c.setAAD(aad);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
      return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },

    decrypt(token: string): string {
      if (typeof token !== 'string') throw decryptFailed();
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== VERSION) throw decryptFailed();
      const iv = strictB64url(parts[1]);
      const body = strictB64url(parts[2]);
      if (!iv || iv.length !== IV_BYTES || !body || body.length < TAG_BYTES) throw decryptFailed();
      try {
        const d = createDecipheriv('aes-256-gcm', encKey, iv, { authTagLength: TAG_BYTES });
        d.setAAD(aad);
        d.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const plain = Buffer.concat([d.update(body.subarray(0, body.length - TAG_BYTES)), d.final()]);
        return plain.toString('utf8');
      } catch {
        // GCM authentication failed: wrong key or altered token. Never hand back unauthenticated bytes.
        throw decryptFailed();
      }
    },

    blindIndex(kind: BlindIndexKind, normalizedValue: string): string {
      const key = indexKeys.get(kind);
      if (!key) throw new AppError('INTERNAL', { reason: 'blind_index_kind', kind });
      // 128 bits: collisions are negligible at any realistic number of petitioners, and the column stays small.
      return createHmac('sha256', key).update(normalizedValue, 'utf8').digest('hex').slice(0, 32);
    },
  };
}

/** Given nothing, returns a fresh random 32-byte master key (for the first embedded run). */
export function generateMasterKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** Given a master key as 64 hex characters or base64/base64url, returns its 32 bytes or throws INTERNAL {reason:'master_key_invalid'}. */
export function parseMasterKey(hexOrBase64: string): Buffer {
  const s = typeof hexOrBase64 === 'string' ? hexOrBase64.trim() : '';
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  // Base64 of 32 bytes is 43 characters plus one '=' of padding; accept either alphabet.
  const m = /^([A-Za-z0-9+/_-]{43})=?$/.exec(s);
  if (m) {
    const b = strictB64url(m[1]!.replace(/\+/g, '-').replace(/\//g, '_'));
    if (b && b.length === KEY_BYTES) return b;
  }
  throw new AppError('INTERNAL', { reason: 'master_key_invalid' });
}
