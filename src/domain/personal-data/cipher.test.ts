import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createCipher, generateMasterKey, parseMasterKey } from './cipher.js';

const KEY = Buffer.alloc(32, 7);
const cipher = createCipher(KEY);

/** Returns the AppError a call throws, so tests can look at code and details. */
function caught(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('encrypt/decrypt', () => {
  it('round-trips Chinese text, empty strings and long values', () => {
    for (const s of ['张三', '', '北京市朝阳区建国路1号'.repeat(200), '11010519491231002X', '𠮷']) {
      expect(cipher.decrypt(cipher.encrypt(s))).toBe(s);
    }
  });

  it('produces the token format v1.<iv>.<ciphertext+tag> with a 12-byte IV', () => {
    const t = cipher.encrypt('13812341234');
    const [v, iv, body] = t.split('.');
    expect(v).toBe('v1');
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(body!, 'base64url')).toHaveLength(11 + 16);
    expect(t).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('gives a different ciphertext each time for the same plaintext', () => {
    const a = cipher.encrypt('张三');
    const b = cipher.encrypt('张三');
    expect(a).not.toBe(b);
    expect(cipher.decrypt(a)).toBe(cipher.decrypt(b));
  });

  it('never contains the plaintext', () => {
    const t = cipher.encrypt('13812341234');
    expect(t).not.toContain('13812341234');
  });

  it('refuses a tampered token instead of returning garbage', () => {
    const t = cipher.encrypt('13812341234');
    const [v, iv, body] = t.split('.') as [string, string, string];
    const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const tampered = [
      `${v}.${iv}.${flip(body, 0)}`, // ciphertext byte
      `${v}.${iv}.${flip(body, body.length - 2)}`, // tag byte
      `${v}.${flip(iv, 0)}.${body}`, // IV
      `v2.${iv}.${body}`, // version label
      `${v}.${iv}.${body}A`, // appended data
      `${v}.${iv}.${body.slice(0, 10)}`, // truncated
      `${v}.${iv}`,
      '',
      'not a token',
      `${v}.${iv}.${body}.x`,
    ];
    for (const bad of tampered) {
      const e = caught(() => cipher.decrypt(bad));
      expect(e.code).toBe('INTERNAL');
      expect(e.details).toEqual({ reason: 'decrypt_failed' });
    }
  });

  it('refuses a token made under another master key', () => {
    const other = createCipher(Buffer.alloc(32, 8));
    expect(caught(() => cipher.decrypt(other.encrypt('张三'))).details).toEqual({ reason: 'decrypt_failed' });
  });
});

describe('blindIndex', () => {
  it('is stable for the same key, kind and value, and 32 hex characters long', () => {
    const a = cipher.blindIndex('phone', '13812341234');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(cipher.blindIndex('phone', '13812341234')).toBe(a);
    expect(createCipher(Buffer.alloc(32, 7)).blindIndex('phone', '13812341234')).toBe(a);
  });

  it('differs per kind for the same value', () => {
    const v = '11010519491231002X';
    const all = new Set((['id', 'phone', 'name', 'query_code'] as const).map((k) => cipher.blindIndex(k, v)));
    expect(all.size).toBe(4);
  });

  it('differs per master key and per value', () => {
    expect(createCipher(Buffer.alloc(32, 8)).blindIndex('name', '张三')).not.toBe(cipher.blindIndex('name', '张三'));
    expect(cipher.blindIndex('name', '张三')).not.toBe(cipher.blindIndex('name', '张四'));
  });

  it('never contains the plaintext', () => {
    for (const v of ['13812341234', '11010519491231002X', '1234', 'abc']) {
      const idx = cipher.blindIndex('id', v);
      expect(idx).not.toContain(v.toLowerCase());
      expect(idx).not.toContain(Buffer.from(v).toString('hex'));
    }
  });

  it('rejects an unknown kind', () => {
    expect(() => cipher.blindIndex('email' as 'id', 'x')).toThrow(AppError);
  });
});

describe('master keys', () => {
  it('generates 32 random bytes', () => {
    const a = generateMasterKey();
    expect(a).toHaveLength(32);
    expect(a.equals(generateMasterKey())).toBe(false);
  });

  it('parses hex, base64 and base64url forms of the same key', () => {
    const k = generateMasterKey();
    expect(parseMasterKey(k.toString('hex')).equals(k)).toBe(true);
    expect(parseMasterKey(k.toString('hex').toUpperCase()).equals(k)).toBe(true);
    expect(parseMasterKey(k.toString('base64')).equals(k)).toBe(true);
    expect(parseMasterKey(` ${k.toString('base64url')}\n`).equals(k)).toBe(true);
  });

  it('rejects a key of the wrong length or alphabet', () => {
    for (const s of ['', 'ab'.repeat(31), 'ab'.repeat(33), Buffer.alloc(16).toString('base64'), Buffer.alloc(48, 0xff).toString('base64'), 'z'.repeat(64)]) {
      const e = caught(() => parseMasterKey(s));
      expect(e.details).toEqual({ reason: 'master_key_invalid' });
    }
  });

  it('refuses to build a cipher from a short key', () => {
    expect(caught(() => createCipher(Buffer.alloc(16))).details).toEqual({ reason: 'master_key_invalid' });
  });
});
