// Zengin bank codes of the largest Japanese banks, with the names people write them under
// (current, former and English). Names are matched after full-width folding, so "ＵＦＪ" is "UFJ".
// Regional banks are limited to the biggest ones; an unlisted bank is still recognised by its
// name ending (…銀行, …信用金庫) and reported without a code.

interface BankEntry {
  readonly code: string;
  readonly names: readonly string[];
}

const BANKS: readonly BankEntry[] = [
  { code: '0001', names: ['みずほ銀行', 'Mizuho Bank', 'みずほ'] },
  { code: '0005', names: ['三菱UFJ銀行', '三菱東京UFJ銀行', 'MUFG Bank', 'MUFG', '三菱UFJ'] },
  { code: '0009', names: ['三井住友銀行', 'Sumitomo Mitsui Banking Corporation', 'Sumitomo Mitsui Banking', 'SMBC'] },
  { code: '0010', names: ['りそな銀行', 'Resona Bank'] },
  { code: '0017', names: ['埼玉りそな銀行', 'Saitama Resona Bank'] },
  { code: '0033', names: ['PayPay銀行', 'ジャパンネット銀行', 'PayPay Bank', 'Japan Net Bank'] },
  { code: '0034', names: ['セブン銀行', 'Seven Bank'] },
  { code: '0035', names: ['ソニー銀行', 'Sony Bank'] },
  { code: '0036', names: ['楽天銀行', 'Rakuten Bank'] },
  { code: '0038', names: ['住信SBIネット銀行', 'SBI Sumishin Net Bank', '住信SBI'] },
  { code: '0039', names: ['auじぶん銀行', 'じぶん銀行', 'au Jibun Bank', 'Jibun Bank'] },
  { code: '0040', names: ['イオン銀行', 'AEON Bank'] },
  { code: '0041', names: ['大和ネクスト銀行', 'Daiwa Next Bank'] },
  { code: '0042', names: ['ローソン銀行', 'Lawson Bank'] },
  { code: '0043', names: ['みんなの銀行', "Minna Bank", "Minna no Ginko"] },
  { code: '0116', names: ['北海道銀行', 'Hokkaido Bank'] },
  { code: '0125', names: ['七十七銀行', '77 Bank'] },
  { code: '0130', names: ['常陽銀行', 'Joyo Bank'] },
  { code: '0134', names: ['千葉銀行', 'Chiba Bank'] },
  { code: '0138', names: ['横浜銀行', 'Bank of Yokohama'] },
  { code: '0149', names: ['静岡銀行', 'Shizuoka Bank'] },
  { code: '0158', names: ['京都銀行', 'Bank of Kyoto'] },
  { code: '0177', names: ['福岡銀行', 'Bank of Fukuoka'] },
  { code: '0288', names: ['三菱UFJ信託銀行', 'Mitsubishi UFJ Trust and Banking'] },
  { code: '0289', names: ['みずほ信託銀行', 'Mizuho Trust & Banking'] },
  { code: '0294', names: ['三井住友信託銀行', 'Sumitomo Mitsui Trust Bank'] },
  { code: '0310', names: ['GMOあおぞらネット銀行', 'GMO Aozora Net Bank'] },
  { code: '0397', names: ['SBI新生銀行', '新生銀行', 'SBI Shinsei Bank', 'Shinsei Bank'] },
  { code: '0398', names: ['あおぞら銀行', 'Aozora Bank'] },
  { code: '9900', names: ['ゆうちょ銀行', 'ゆうちょ', 'Japan Post Bank', 'JP Bank'] },
];

/** The Zengin code of Japan Post Bank, whose accounts are also written as 記号-番号. */
export const JAPAN_POST_BANK = '9900';

const BY_NAME = new Map<string, string>();
for (const b of BANKS) for (const n of b.names) BY_NAME.set(n.toLowerCase(), b.code);

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Longest names first, so "三菱UFJ信託銀行" wins over "三菱UFJ" and "埼玉りそな銀行" over "りそな銀行".
const NAMES = [...BY_NAME.keys()].sort((a, b) => b.length - a.length).map(escape);
// Any other bank, credit union or cooperative, named by its ending (no code known). Hiragana are
// left out so a particle before the name ("口座は…銀行") is not taken as part of it.
const GENERIC = String.raw`[\u3005\u30a1-\u30ff\u4e00-\u9fffA-Za-z0-9]{1,12}?(?:銀行|信用金庫|信用組合|労働金庫|農業協同組合)`;
const LISTED_RE = new RegExp(NAMES.join('|'), 'gi');
const GENERIC_RE = new RegExp(GENERIC, 'g');

/** A bank named in text: its name as written, its Zengin code when listed, and where it starts. */
export interface BankMention {
  readonly name: string;
  readonly code?: string;
  readonly index: number;
}

function lastMatch(text: string, re: RegExp): RegExpExecArray | undefined {
  let found: RegExpExecArray | undefined;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) found = m;
  return found;
}

/** The last bank named in a stretch of text: a listed bank (with its code) or another one by its name ending. */
export function lastBankIn(text: string): BankMention | undefined {
  const listed = lastMatch(text, LISTED_RE);
  if (listed) return { name: listed[0], code: BY_NAME.get(listed[0].toLowerCase())!, index: listed.index };
  const generic = lastMatch(text, GENERIC_RE);
  return generic ? { name: generic[0], index: generic.index } : undefined;
}

/** The listed names of a bank code, first the usual Japanese one. */
export function bankNames(code: string): readonly string[] {
  return BANKS.find((b) => b.code === code)?.names ?? [];
}
