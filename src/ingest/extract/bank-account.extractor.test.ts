import { describe, expect, it } from 'vitest';
import { extractIndicators } from './indicator.extractor.ts';

const accounts = (text: string) => extractIndicators(text).filter((e) => e.kind === 'bank-account');

describe('Japanese bank accounts in text', () => {
  it('reads bank, branch, type, number and katakana holder', () => {
    const [a, ...rest] = accounts('振込先：三菱UFJ銀行 新宿支店 普通 1234567 カ）ヤマダ');
    expect(rest).toEqual([]);
    expect(a!.fields).toEqual({
      country: 'JP', bank_code: '0005', bank_name: '三菱UFJ銀行', branch_name: '新宿支店', account_type: 'ordinary', account_number: '1234567', holder_name: 'カ)ヤマダ',
    });
    expect(a!.offset).toBe(4);
  });

  it('reads the code notation', () => {
    const [a] = accounts('銀行コード0005 支店コード123 普通預金 口座番号1234567');
    expect(a!.value).toBe('jp:0005:123:ordinary:1234567');
    expect(a!.fields).toMatchObject({ bank_code: '0005', branch_code: '123', account_type: 'ordinary' });
  });

  it('reads full-width digits, half-width katakana and a branch code in brackets', () => {
    const [a] = accounts('楽天銀行　第一営業支店（２５１）　普通　７６５４３２１　ｽｽﾞｷ ｲﾁﾛｳ');
    expect(a!.fields).toMatchObject({ bank_code: '0036', branch_code: '251', account_number: '7654321', holder_name: 'スズキ イチロウ' });
  });

  it('reads one field a line, and the same account twice only once', () => {
    const found = accounts('三井住友銀行\n渋谷支店\n普通預金\n口座番号：2345678\n口座名義：サトウ　ハナコ');
    expect(found).toHaveLength(1);
    expect(found[0]!.fields).toMatchObject({ bank_code: '0009', branch_name: '渋谷支店', holder_name: 'サトウ ハナコ' });
  });

  it('maps a Japan Post Bank 記号/番号 to its Zengin branch and number', () => {
    const [a] = accounts('ゆうちょ銀行 記号10100 番号12345671 ヤマダ タロウ');
    expect(a!.fields).toMatchObject({ bank_code: '9900', branch_code: '018', account_number: '1234567', account_type: 'ordinary' });
  });

  it('reads English notation and unlisted banks by their name ending', () => {
    expect(accounts('MUFG Bank, Shinjuku Branch (123), Ordinary 1234567, YAMADA TARO')[0]!.fields).toMatchObject({
      bank_code: '0005', branch_code: '123', branch_name: 'Shinjuku', holder_name: 'YAMADA TARO',
    });
    const [c] = accounts('城南信用金庫 本店 当座 1111111');
    expect(c!.fields).toMatchObject({ bank_name: '城南信用金庫', account_type: 'checking' });
    expect(c!.fields!.bank_code).toBeUndefined();
  });

  it('ignores 普通 as an everyday word and numbers without a bank', () => {
    expect(accounts('普通に考えて1234567は違う')).toEqual([]);
    expect(accounts('注文番号 普通 1234567')).toEqual([]);
  });
});
