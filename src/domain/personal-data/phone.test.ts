import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { assertPhone, normalizePhone, parsePhone } from './phone.js';

describe('normalizePhone: mobile', () => {
  it.each([
    ['13812341234', '13812341234'],
    ['138 1234 1234', '13812341234'],
    ['138-1234-1234', '13812341234'],
    ['+86 138 1234 1234', '13812341234'],
    ['+8613812341234', '13812341234'],
    ['008613812341234', '13812341234'],
    ['8613812341234', '13812341234'],
    ['(+86)13812341234', '13812341234'],
    ['１３８１２３４１２３４', '13812341234'],
    ['19912345678', '19912345678'],
  ])('%s → %s', (input, out) => {
    expect(parsePhone(input)).toEqual({ ok: true, kind: 'mobile', normalized: out });
  });

  it('rejects numbers outside 13x–19x and wrong lengths', () => {
    for (const s of ['12812341234', '1381234123', '138123412345', '23812341234']) {
      expect(normalizePhone(s)).toBeNull();
    }
  });
});

describe('normalizePhone: landline', () => {
  it.each([
    ['010-62345678', '010-62345678'],
    ['01062345678', '010-62345678'],
    ['(010)62345678', '010-62345678'],
    ['（010）62345678', '010-62345678'],
    ['021 5234 5678', '021-52345678'],
    ['0571-8765432', '0571-8765432'],
    ['05718765432', '0571-8765432'],
    ['0755-86543210', '0755-86543210'],
    ['+86 10 62345678', '010-62345678'],
    ['010-62345678-123', '010-62345678转123'],
    ['010-62345678 转 123', '010-62345678转123'],
    ['010-62345678分机123', '010-62345678转123'],
    ['010-62345678 ext. 9', '010-62345678转9'],
    ['0571-8765432#88', '0571-8765432转88'],
  ])('%s → %s', (input, out) => {
    expect(parsePhone(input)).toEqual({ ok: true, kind: 'landline', normalized: out });
  });

  it('gives the same canonical form when its own output is parsed again', () => {
    for (const s of ['010-62345678', '0571-8765432转88']) expect(normalizePhone(s)).toBe(s);
  });

  it('rejects local numbers starting with 0 or 1 and wrong area-code lengths', () => {
    for (const s of ['010-12345678', '010-02345678', '057-1234567', '0571-123456', '0571-876543210']) {
      expect(normalizePhone(s)).toBeNull();
    }
  });
});

describe('normalizePhone: service numbers', () => {
  it.each(['12345', '110', '120', '12315', '10086', '95588', '400-812-3123', '800 820 8820'])('%s is a service number', (s) => {
    expect(parsePhone(s)).toMatchObject({ ok: true, kind: 'service' });
  });

  it('keeps service numbers as digits only', () => {
    expect(normalizePhone('400-812-3123')).toBe('4008123123');
    expect(normalizePhone('12345')).toBe('12345');
  });
});

describe('normalizePhone: garbage', () => {
  it('returns null for letters, empty and over-long input', () => {
    for (const s of ['', 'abc', '138abcd1234', '1'.repeat(1000), '+86', '--']) expect(normalizePhone(s)).toBeNull();
    expect(normalizePhone(null as unknown as string)).toBeNull();
  });
});

describe('assertPhone', () => {
  it('returns the canonical form', () => {
    expect(assertPhone('+86 138-1234-1234')).toBe('13812341234');
  });

  it('throws PHONE_INVALID', () => {
    expect(() => assertPhone('12')).toThrow(AppError);
    try {
      assertPhone('not a phone');
    } catch (e) {
      expect((e as AppError).code).toBe('PHONE_INVALID');
    }
  });
});
