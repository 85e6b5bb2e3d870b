import type { Extracted } from './indicator.extractor.ts';
import { JAPAN_POST_BANK, bankNames, lastBankIn } from './jp-banks.ts';

// A bank account is written as a bank, a branch, an account type, a seven-digit number and a
// holder in katakana, in that order, on one or two lines:
//   三菱UFJ銀行 新宿支店 普通 1234567 カ）ヤマダ
//   銀行コード0005 支店コード123 普通預金 口座番号1234567
//   MUFG Bank, Shinjuku Branch (123), Ordinary 1234567, YAMADA TARO
// The account type (or 口座番号, or Japan Post Bank's 記号) anchors the search; the bank and branch
// are looked for in the text just before it, the number and holder just after. Without a bank
// and a number nothing is reported: "普通" alone is an everyday word ("ordinary").

const ANCHOR = /普通預金|普通|当座預金|当座|貯蓄預金|貯蓄|口座番号|記号|\b(?:ordinary|savings|checking|current)\b|\baccount (?:no\b|number)/gi;
const BEFORE = 100;
const AFTER = 80;
const TYPE_OF: ReadonlyArray<readonly [RegExp, string]> = [
  [/普通|ordinary|savings account/i, 'ordinary'],
  [/当座|checking|current/i, 'checking'],
  [/貯蓄|savings/i, 'savings'],
];
const NUMBER = /^(?:普通預金|普通|当座預金|当座|貯蓄預金|貯蓄|ordinary|savings|checking|current)?[ \t]*(?:預金)?[ \t]*(?:口座|account)?[ \t]*(?:口座番号|番号|no\.?|number|#)?[ \t]*[:：]?[ \t]*([0-9]{7})(?![0-9])/i;
const POST_BANK = /^記号[ \t]*[:：]?[ \t]*(1[0-9]{4})[ \t]*-?[ \t]*(?:番号[ \t]*[:：]?[ \t]*)?([0-9]{5,8})(?![0-9])/;
const BANK_CODE = /(?:銀行コード|金融機関コード|bank code)[ \t]*[:：]?[ \t]*([0-9]{4})(?![0-9])/gi;
const BRANCH_CODE = /(?:支店コード|支店番号|店番号|店番|branch[ \t]*(?:code|no\.?|number))[ \t]*[:：]?[ \t]*([0-9]{3})(?![0-9])|(?:支店|出張所|営業部|branch)[ \t]*\([ \t]*([0-9]{3})[ \t]*\)/gi;
const BRANCH_NAME = /([\u4e00-\u9fff\u30a1-\u30ff]{1,10}(?:支店|出張所|営業部|本店))|([A-Z][a-z]+(?:[- ][A-Z][a-z]+)?) Branch\b/g;
const HOLDER_LABEL = /^[ \t]*[,、]?[ \t\n]*(?:(?:口座)?名義人?|受取人|account (?:holder|name)|holder|name)?[ \t]*[:：]?[ \t]*/i;
// Katakana (full or half width, with the prolonged mark), with the abbreviations
// カ) / (カ for 株式会社 and dots and middle dots between names.
const KANA_HOLDER = /^[\u30a1-\u30f6\uff66-\uff9f(][\u30a1-\u30f6\u30fb\u30fc\uff66-\uff9f().\- ]{1,40}/;
const LATIN_HOLDER = /^[A-Z][A-Z.]+(?: [A-Z][A-Z.]+){1,4}\b/;

function lastOf(text: string, re: RegExp): RegExpExecArray | undefined {
  let found: RegExpExecArray | undefined;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) found = m;
  return found;
}

function accountType(text: string): string | undefined {
  return TYPE_OF.find(([re]) => re.test(text))?.[1];
}

interface Parsed {
  readonly number: string;
  readonly branchCode?: string;
  readonly type?: string;
  readonly end: number;
}

function parseNumber(after: string, anchor: string, before: string): Parsed | undefined {
  const post = POST_BANK.exec(after);
  if (post) {
    // 記号 1XYZ0 and 番号 …N map to branch XY8 and the number without its check digit.
    const [, symbol = '', num = ''] = post;
    return { number: num.slice(0, -1).padStart(7, '0'), branchCode: `${symbol.slice(1, 3)}8`, type: 'ordinary', end: post[0].length };
  }
  const m = NUMBER.exec(after);
  if (!m) return undefined;
  return { number: m[1]!, type: accountType(anchor) ?? accountType(before.slice(-12)), end: m[0].length };
}

function holderAt(folded: string, text: string, start: number): string | undefined {
  const label = HOLDER_LABEL.exec(folded.slice(start, start + 60));
  const from = start + (label?.[0].length ?? 0);
  const rest = folded.slice(from, from + 50);
  const m = KANA_HOLDER.exec(rest) ?? LATIN_HOLDER.exec(rest);
  if (!m) return undefined;
  const name = text.slice(from, from + m[0].length).normalize('NFKC').replace(/[\s.-]+$/, '').trim();
  return /[\u30a1-\u30f6A-Z]{2}/.test(name.replace(/[^\u30a1-\u30f6A-Z]/g, '')) ? name : undefined;
}

/**
 * Japanese bank accounts written in text (Japanese or English), as bank-account extracts whose
 * fields carry country, bank_code, bank_name, branch_code, branch_name, account_type,
 * account_number and holder_name when present.
 * @example extractBankAccounts(t, t) // t = '三菱UFJ銀行 新宿支店 普通 1234567 カ）ヤマダ' → fields.bank_code '0005'
 */
export function extractBankAccounts(folded: string, text: string): Extracted[] {
  const out: Extracted[] = [];
  ANCHOR.lastIndex = 0;
  for (let a = ANCHOR.exec(folded); a !== null; a = ANCHOR.exec(folded)) {
    const k = a.index;
    let from = Math.max(0, k - BEFORE);
    const blank = folded.lastIndexOf('\n\n', k);
    if (blank >= from) from = blank + 2;
    const before = folded.slice(from, k);
    const parsed = parseNumber(folded.slice(k, k + AFTER), a[0], before);
    if (!parsed) continue;
    const isPost = a[0] === '記号';
    const bank = isPost ? { name: bankNames(JAPAN_POST_BANK)[0]!, code: JAPAN_POST_BANK, index: before.length } : lastBankIn(before);
    const codeMatch = lastOf(before, BANK_CODE);
    const bankCode = codeMatch?.[1] ?? bank?.code;
    if (!bankCode && !bank) continue;
    const branchCode = parsed.branchCode ?? lastOf(before, BRANCH_CODE)?.slice(1).find((g) => g !== undefined);
    const branchMatch = lastOf(before, BRANCH_NAME);
    const branchName = branchMatch ? (branchMatch[1] ?? branchMatch[2]) : undefined;
    const numberEnd = k + parsed.end;
    const holder = holderAt(folded, text, numberEnd);
    const fields: Record<string, string> = { country: 'JP', account_number: parsed.number };
    if (bankCode) fields.bank_code = bankCode;
    if (bank && !isPost) fields.bank_name = text.slice(from + bank.index, from + bank.index + bank.name.length);
    else if (isPost) fields.bank_name = bank!.name;
    if (branchCode) fields.branch_code = branchCode;
    if (branchName) fields.branch_name = text.slice(from + branchMatch!.index, from + branchMatch!.index + branchName.length);
    if (parsed.type) fields.account_type = parsed.type;
    if (holder) fields.holder_name = holder;
    const start = from + Math.min(bank?.index ?? before.length, codeMatch?.index ?? before.length);
    const value = ['jp', bankCode ?? fields.bank_name, branchCode ?? branchName ?? '', parsed.type ?? '', parsed.number].join(':');
    out.push({ kind: 'bank-account', raw: text.slice(start, numberEnd), value, offset: start, fields });
  }
  return out;
}
