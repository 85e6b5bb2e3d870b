import { describe, expect, it } from 'vitest';
import { normalizeBankAccount, normalizeHolderName } from './bank-account.normalize.ts';

describe('Japanese bank accounts', () => {
  it('pads codes and the account number, reads account types in every usual spelling', () => {
    const a = normalizeBankAccount({ bank_code: '1', branch_code: '12', account_type: '普通', account_number: '123456' });
    expect(a).toEqual({ country: 'JP', bank_code: '0001', branch_code: '012', account_type: 'futsu', account_number: '0123456' });
    const types: [string, string][] = [
      ['futsu', 'futsu'],
      ['FUTSU', 'futsu'],
      ['ﾌﾂｳ', 'futsu'],
      ['普通預金', 'futsu'],
      ['1', 'futsu'],
      ['当座', 'toza'],
      ['checking', 'toza'],
      ['ﾄｳｻﾞ', 'toza'],
      ['貯蓄', 'chochiku'],
      ['savings', 'chochiku'],
      ['4', 'chochiku'],
    ];
    for (const [raw, want] of types)
      expect(normalizeBankAccount({ bank_code: '0001', branch_code: '001', account_type: raw, account_number: '1' }).account_type, raw).toBe(want);
  });

  it('reads full-width digits and separators', () => {
    const a = normalizeBankAccount({ bank_code: '０００９', branch_code: '１２３', account_type: 'futsu', account_number: '１２３-４５６７' });
    expect([a.bank_code, a.branch_code, a.account_number]).toEqual(['0009', '123', '1234567']);
  });

  it('normalises holder names to full-width katakana', () => {
    expect(normalizeHolderName('ﾔﾏﾀﾞ ﾀﾛｳ')).toBe('ヤマダ タロウ');
    expect(normalizeHolderName('やまだ　たろう')).toBe('ヤマダ タロウ');
    expect(normalizeHolderName('ｶ)ｹｯｾﾂｼｮｳｼﾞ')).toBe('カ)ケッセツショウジ');
    expect(normalizeHolderName('  ｻﾄｳ   ﾊﾅｺ  ')).toBe('サトウ ハナコ');
    const a = normalizeBankAccount({ bank_code: '1', branch_code: '1', account_type: '1', account_number: '1', holder_name: 'ﾔﾏﾀﾞ ﾀﾛｳ', bank_name: 'ｹｯｾﾂ銀行' });
    expect(a.holder_name).toBe('ヤマダ タロウ');
    expect(a.bank_name).toBe('ケッセツ銀行');
  });

  it('refuses wrong lengths, non-digits, unknown types and other countries with a reason', () => {
    const base = { bank_code: '0001', branch_code: '001', account_type: 'futsu', account_number: '1234567' };
    expect(() => normalizeBankAccount({ ...base, bank_code: '00001' })).toThrow(/bank_code has 5 digits, at most 4/);
    expect(() => normalizeBankAccount({ ...base, branch_code: '1234' })).toThrow(/branch_code has 4 digits, at most 3/);
    expect(() => normalizeBankAccount({ ...base, account_number: '12345678' })).toThrow(/account_number has 8 digits, at most 7/);
    expect(() => normalizeBankAccount({ ...base, account_number: '12a4567' })).toThrow(/account_number must be digits/);
    expect(() => normalizeBankAccount({ ...base, account_type: 'investment' })).toThrow(/account type is not futsu/);
    expect(() => normalizeBankAccount({ ...base, country: 'US' })).toThrow(/only Japanese accounts/);
    expect(() => normalizeBankAccount({ ...base, holder_name: '   ' })).toThrow(/holder name is empty/);
    expect(() => normalizeBankAccount({ ...base, bank_code: undefined as unknown as string })).toThrow(/bank_code is missing/);
    expect(() => normalizeBankAccount(null as never)).toThrow(/is not an object/);
  });
});
