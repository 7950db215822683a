import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { assertIdNumber, idCheckDigit, validateIdNumber } from './id-number.js';

const TODAY = '2026-03-01';
/** Builds a number with a correct check digit, so only the property under test is wrong. */
const withCheck = (first17: string): string => first17 + idCheckDigit(first17);

describe('validateIdNumber', () => {
  it('accepts the GB 11643 sample number and reads birth date and sex', () => {
    expect(validateIdNumber('11010519491231002X', TODAY)).toEqual({
      ok: true,
      normalized: '11010519491231002X',
      birthDate: '1949-12-31',
      sex: 'F',
    });
  });

  it('reads an odd sequence digit as male', () => {
    const r = validateIdNumber(withCheck('44030419900101001'), TODAY);
    expect(r).toMatchObject({ ok: true, birthDate: '1990-01-01', sex: 'M' });
  });

  it('uppercases a lowercase x check character', () => {
    expect(validateIdNumber('11010519491231002x', TODAY)).toMatchObject({ ok: true, normalized: '11010519491231002X' });
  });

  it('tolerates spaces and full-width digits typed with a Chinese IME', () => {
    expect(validateIdNumber(' 110105 19491231 002X ', TODAY)).toMatchObject({ ok: true, normalized: '11010519491231002X' });
    expect(validateIdNumber('１１０１０５１９４９１２３１００２Ｘ', TODAY)).toMatchObject({ ok: true });
  });

  it('rejects a wrong check character as checksum', () => {
    expect(validateIdNumber('110105194912310021', TODAY)).toEqual({ ok: false, reason: 'checksum' });
    expect(validateIdNumber('11010519491231003X', TODAY)).toEqual({ ok: false, reason: 'checksum' });
  });

  it('rejects Feb 29 in a non-leap year but accepts it in a leap year', () => {
    expect(validateIdNumber(withCheck('11010519010229001'), TODAY)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateIdNumber(withCheck('11010520230229001'), TODAY)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateIdNumber(withCheck('11010520000229001'), TODAY)).toMatchObject({ ok: true, birthDate: '2000-02-29' });
  });

  it('rejects impossible months and days', () => {
    expect(validateIdNumber(withCheck('11010519901301001'), TODAY)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateIdNumber(withCheck('11010519900431001'), TODAY)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateIdNumber(withCheck('11010519900100001'), TODAY)).toEqual({ ok: false, reason: 'birthdate' });
  });

  it('rejects a birth date after today, and accepts one born today', () => {
    expect(validateIdNumber(withCheck('11010520260302001'), TODAY)).toEqual({ ok: false, reason: 'birthdate' });
    expect(validateIdNumber(withCheck('11010520260301001'), TODAY)).toMatchObject({ ok: true });
  });

  it('reads a Date for today in China time', () => {
    const born = withCheck('11010520260302001');
    // 2026-03-01T16:30Z is already 2026-03-02 00:30 in Beijing.
    expect(validateIdNumber(born, new Date('2026-03-01T16:30:00Z'))).toMatchObject({ ok: true });
    expect(validateIdNumber(born, new Date('2026-03-01T15:30:00Z'))).toEqual({ ok: false, reason: 'birthdate' });
  });

  it('rejects a birth date before 1900', () => {
    expect(validateIdNumber(withCheck('11010518991231001'), TODAY)).toEqual({ ok: false, reason: 'birthdate' });
  });

  it('rejects a region outside the province set', () => {
    expect(validateIdNumber(withCheck('10010519491231002'), TODAY)).toEqual({ ok: false, reason: 'region' });
    expect(validateIdNumber(withCheck('99010519491231002'), TODAY)).toEqual({ ok: false, reason: 'region' });
    expect(validateIdNumber(withCheck('47010519491231002'), TODAY)).toEqual({ ok: false, reason: 'region' });
  });

  it('accepts Hong Kong, Macao and Taiwan codes', () => {
    for (const p of ['71', '81', '82', '83']) {
      expect(validateIdNumber(withCheck(`${p}000019800101001`), TODAY)).toMatchObject({ ok: true });
    }
  });

  it('converts a legacy 15-digit number to 18 digits', () => {
    expect(validateIdNumber('110105491231002', TODAY)).toEqual({
      ok: true,
      normalized: '11010519491231002X',
      birthDate: '1949-12-31',
      sex: 'F',
    });
  });

  it('checks the birth date of a legacy 15-digit number', () => {
    expect(validateIdNumber('110105490229002', TODAY)).toEqual({ ok: false, reason: 'birthdate' });
  });

  it('rejects wrong lengths, letters and hostile input as format', () => {
    for (const s of ['', '1101051949123100', '1101051949123100211', '11010519491231002Y', 'X10105194912310021', '1'.repeat(10_000)]) {
      expect(validateIdNumber(s, TODAY)).toEqual({ ok: false, reason: 'format' });
    }
    expect(validateIdNumber(undefined as unknown as string, TODAY)).toEqual({ ok: false, reason: 'format' });
  });
});

describe('assertIdNumber', () => {
  it('returns the normalized number, birth date and sex when valid', () => {
    expect(assertIdNumber('110105491231002', TODAY)).toEqual({
      ok: true,
      normalized: '11010519491231002X',
      birthDate: '1949-12-31',
      sex: 'F',
    });
  });

  it('throws ID_NUMBER_INVALID with the reason', () => {
    try {
      assertIdNumber('110105194912310021', TODAY);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('ID_NUMBER_INVALID');
      expect((e as AppError).details).toEqual({ reason: 'checksum' });
    }
  });
});
