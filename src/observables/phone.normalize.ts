import { ObservableError } from './observable.error.ts';

// Separators seen in written numbers, Japanese ones included: full-width digits and hyphens, the
// katakana prolonged sound mark typed for a hyphen, minus signs, dashes, dots, brackets, spaces.
const FULL_WIDTH_DIGIT = /[\uff10-\uff19]/g;
const SEPARATORS = /[\s\u3000()\uff08\uff09.\-\u2010-\u2015\u2212\uff0d\u30fc\uff70/]/g;
const JP_TEN_DIGIT_PREFIXES = ['20', '50', '60', '70', '80', '90', '800'];

// Japanese national significant numbers (after the trunk 0): mobile (070/080/090), IP phone (050),
// M2M (020), UPT (060) and freephone 0800 have ten digits; fixed lines, 0120, 0570 and 0990 have
// nine (MIC numbering plan).
function checkJapanese(raw: string, nsn: string): void {
  if (nsn.startsWith('0')) throw new ObservableError('phone-number', raw, 'a Japanese number has a single trunk 0');
  const ten = JP_TEN_DIGIT_PREFIXES.some((p) => nsn.startsWith(p) && !(p === '80' && nsn.startsWith('800')));
  const want = ten ? 10 : 9;
  if (nsn.length !== want)
    throw new ObservableError('phone-number', raw, `a Japanese number starting 0${nsn.slice(0, 2)} has ${want + 1} digits with the 0, not ${nsn.length + 1}`);
}

/** Options of phone-number normalisation. */
export interface PhoneOptions {
  /** How to read a number without a country code; only Japan (JP) is known. Default JP. */
  readonly defaultCountry?: 'JP';
}

/**
 * E.164 phone number ("+81312345678") from international forms ("+81 3-1234-5678",
 * "+81 (0)3 1234 5678", "010-81-…") or Japanese national forms ("03-1234-5678", "090-1234-5678",
 * "0120-123-456"); Japanese numbers are checked against the numbering plan, others only for
 * E.164 length.
 * @example normalizePhone('03-1234-5678') // '+81312345678'
 */
export function normalizePhone(raw: string, options: PhoneOptions = {}): string {
  if (raw.length > 100) throw new ObservableError('phone-number', raw, 'too long for a phone number');
  let text = raw.trim().replace(FULL_WIDTH_DIGIT, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/\uff0b/g, '+');
  text = text.replace(/^tel:/i, '');
  // "+81 (0)3 …": the bracketed trunk zero is written for domestic callers and dialled by nobody else.
  text = text.replace(/^(\+\d{1,3})[\s-]*[(\uff08]0[)\uff09]/, '$1');
  const digits = text.replace(SEPARATORS, '');
  let international: string;
  if (digits.startsWith('+')) international = digits.slice(1);
  else if (digits.startsWith('010')) international = digits.slice(3); // Japan's international call prefix
  else if (digits.startsWith('0') && (options.defaultCountry ?? 'JP') === 'JP') {
    if (!/^\d+$/.test(digits)) throw new ObservableError('phone-number', raw, 'has characters other than digits and separators');
    checkJapanese(raw, digits.slice(1));
    return `+81${digits.slice(1)}`;
  } else throw new ObservableError('phone-number', raw, 'has no country code (+…) and is not a Japanese national number (0…)');
  if (!/^\d+$/.test(international)) throw new ObservableError('phone-number', raw, 'has characters other than digits and separators');
  if (international.startsWith('0')) throw new ObservableError('phone-number', raw, 'a country code does not start with 0');
  if (international.startsWith('81')) {
    // "+81 03-…" keeps the domestic trunk zero by mistake; the number is the same.
    const nsn = international.slice(2).replace(/^0/, '');
    checkJapanese(raw, nsn);
    return `+81${nsn}`;
  }
  if (international.length < 7 || international.length > 15)
    throw new ObservableError('phone-number', raw, `E.164 numbers have 7 to 15 digits, this one ${international.length}`);
  return `+${international}`;
}
