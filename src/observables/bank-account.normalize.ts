import { ObservableError } from './observable.error.ts';

/** Japanese account types (預金種目): 普通 ordinary, 当座 current, 貯蓄 savings. */
export type JapaneseAccountType = 'futsu' | 'toza' | 'chochiku';

/** A bank account as given by a parser or a form, before normalisation. */
export interface BankAccountInput {
  /** ISO 3166-1 alpha-2; only JP is supported. Default JP. */
  readonly country?: string;
  readonly bank_code: string;
  readonly branch_code: string;
  /** futsu/toza/chochiku, 普通/当座/貯蓄, フツウ/トウザ/チヨチク, ordinary/current/checking/savings, or Zengin codes 1/2/4. */
  readonly account_type: string;
  readonly account_number: string;
  readonly holder_name?: string;
  readonly bank_name?: string;
  readonly branch_name?: string;
}

/** A normalised Japanese bank account: the properties of a Kessetsu bank-account SCO. */
export interface BankAccount {
  readonly country: 'JP';
  readonly bank_code: string;
  readonly branch_code: string;
  readonly account_type: JapaneseAccountType;
  readonly account_number: string;
  readonly holder_name?: string;
  readonly bank_name?: string;
  readonly branch_name?: string;
}

const ACCOUNT_TYPES: Readonly<Record<string, JapaneseAccountType>> = {
  futsu: 'futsu',
  futsuu: 'futsu',
  普通: 'futsu',
  普通預金: 'futsu',
  フツウ: 'futsu',
  ordinary: 'futsu',
  '1': 'futsu',
  toza: 'toza',
  touza: 'toza',
  当座: 'toza',
  当座預金: 'toza',
  トウザ: 'toza',
  current: 'toza',
  checking: 'toza',
  '2': 'toza',
  chochiku: 'chochiku',
  貯蓄: 'chochiku',
  貯蓄預金: 'chochiku',
  チヨチク: 'chochiku',
  チョチク: 'chochiku',
  savings: 'chochiku',
  '4': 'chochiku',
};

function toKatakana(text: string): string {
  // Hiragana (U+3041–U+3096) sit 0x60 below their katakana.
  return text.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
}

// Spreadsheets drop leading zeros ("0001" → 1), so shorter codes are padded; longer ones are refused.
function digits(field: string, raw: unknown, length: number): string {
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new ObservableError('bank-account', String(raw), `${field} is missing`);
  const text = String(raw).normalize('NFKC').replace(/[\s-]/g, '');
  if (!/^\d+$/.test(text)) throw new ObservableError('bank-account', String(raw), `${field} must be digits`);
  if (text.length > length) throw new ObservableError('bank-account', String(raw), `${field} has ${text.length} digits, at most ${length}`);
  return text.padStart(length, '0');
}

/**
 * The display form of an account holder's name as Zengin transfers show it: NFKC (half-width
 * katakana to full width, voiced marks composed, full-width ASCII to ASCII), hiragana to katakana,
 * spaces collapsed. Small kana written large ("シヨウジ") are left alone: which were meant cannot be known.
 * @example normalizeHolderName('ﾔﾏﾀﾞ ﾀﾛｳ') // 'ヤマダ タロウ'
 */
export function normalizeHolderName(raw: string): string {
  const name = toKatakana(raw.normalize('NFKC')).replace(/\s+/g, ' ').trim();
  if (name === '') throw new ObservableError('bank-account', raw, 'holder name is empty');
  if (name.length > 512) throw new ObservableError('bank-account', raw, 'holder name is longer than 512 characters');
  return name;
}

/**
 * A normalised Japanese bank account: bank code 4 digits, branch code 3, account number 7 (all
 * zero-padded), account type futsu/toza/chochiku, holder name in full-width katakana.
 * @example normalizeBankAccount({ bank_code: '1', branch_code: '12', account_type: '普通', account_number: '123456' }).account_number // '0123456'
 */
export function normalizeBankAccount(input: BankAccountInput): BankAccount {
  if (!input || typeof input !== 'object') throw new ObservableError('bank-account', String(input), 'is not an object');
  const country = (input.country ?? 'JP').trim().toUpperCase();
  if (country !== 'JP') throw new ObservableError('bank-account', country, 'only Japanese accounts (country JP) are supported');
  const typeText = typeof input.account_type === 'string' ? input.account_type.normalize('NFKC').trim() : String(input.account_type ?? '');
  const accountType = ACCOUNT_TYPES[typeText.toLowerCase()] ?? ACCOUNT_TYPES[typeText];
  if (!accountType) throw new ObservableError('bank-account', typeText, 'account type is not futsu (普通), toza (当座) or chochiku (貯蓄)');
  const account: {
    country: 'JP';
    bank_code: string;
    branch_code: string;
    account_type: JapaneseAccountType;
    account_number: string;
    holder_name?: string;
    bank_name?: string;
    branch_name?: string;
  } = {
    country: 'JP',
    bank_code: digits('bank_code', input.bank_code, 4),
    branch_code: digits('branch_code', input.branch_code, 3),
    account_type: accountType,
    account_number: digits('account_number', input.account_number, 7),
  };
  if (input.holder_name !== undefined && input.holder_name !== '') account.holder_name = normalizeHolderName(input.holder_name);
  if (typeof input.bank_name === 'string' && input.bank_name.trim()) account.bank_name = input.bank_name.normalize('NFKC').trim().slice(0, 512);
  if (typeof input.branch_name === 'string' && input.branch_name.trim()) account.branch_name = input.branch_name.normalize('NFKC').trim().slice(0, 512);
  return account;
}
