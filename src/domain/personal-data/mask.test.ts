import { describe, expect, it } from 'vitest';
import { maskAddress, maskIdNumber, maskName, maskPhone } from './mask.js';

describe('maskName', () => {
  it('keeps the first character and stars the rest', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('李小明')).toBe('李**');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('阿卜杜·热合曼')).toBe('阿******');
  });

  it('does not split a character outside the BMP', () => {
    expect(maskName('𠮷野家')).toBe('𠮷**');
  });

  it('hides a single character and handles empty input', () => {
    expect(maskName('张')).toBe('*');
    expect(maskName('')).toBe('');
    expect(maskName(null)).toBe('');
    expect(maskName(undefined)).toBe('');
  });
});

describe('maskPhone', () => {
  it('shows a mobile as 3 + **** + 4', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskPhone('+86 138-1234-1234')).toBe('138****1234');
  });

  it('keeps the area code and last 4 of a landline and drops the extension', () => {
    expect(maskPhone('010-62345678')).toBe('010-****5678');
    expect(maskPhone('0571-8765432转88')).toBe('0571-***5432');
  });

  it('leaves public service numbers as they are', () => {
    expect(maskPhone('12345')).toBe('12345');
  });

  it('masks unparseable and short values without throwing', () => {
    expect(maskPhone('')).toBe('');
    expect(maskPhone(null)).toBe('');
    expect(maskPhone('12')).toBe('**');
    expect(maskPhone('abcd')).toBe('a**d');
    expect(maskPhone('999123456789')).toBe('999*****6789');
  });
});

describe('maskIdNumber', () => {
  it('keeps the first 6 and last 4 characters', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
    expect(maskIdNumber('110105491231002')).toBe('110105*****1002');
  });

  it('masks short and empty values without throwing', () => {
    expect(maskIdNumber('')).toBe('');
    expect(maskIdNumber(undefined)).toBe('');
    expect(maskIdNumber('1234')).toBe('1**4');
    expect(maskIdNumber('12345678')).toBe('12****78');
  });
});

describe('maskAddress', () => {
  it('keeps the first 6 characters then a fixed ****', () => {
    expect(maskAddress('浙江省杭州市西湖区文三路90号')).toBe('浙江省杭州市****');
    expect(maskAddress('北京市朝阳区建国路1号院3单元502')).toBe('北京市朝阳区****');
  });

  it('keeps at most half of a short address and handles empty input', () => {
    expect(maskAddress('朝阳区')).toBe('朝****');
    expect(maskAddress('北京市朝阳区')).toBe('北京市****');
    expect(maskAddress('')).toBe('');
    expect(maskAddress(null)).toBe('');
  });
});
