// Full-width forms are folded one UTF-16 unit for one, so an index in the folded copy is the same
// index in the original text: the subset of NFKC that matters for matching indicators without
// losing offsets. Values are NFKC-normalised afterwards, match by match.
const FOLDABLE = /[\uff01-\uff5e\u3000\u3002\uff61\u2010-\u2015\u2212]/g;
// The prolonged-sound mark is a hyphen only between digits ("03ー1234ー5678"); in words ("コード") it is a letter.
const PROLONGED_DASH = /(?<=[0-9\uff10-\uff19])[\u30fc\uff70](?=[0-9\uff10-\uff19])/g;
const QUICK_CHECK = /[\uff01-\uff5e\u3000\u3002\uff61\u2010-\u2015\u2212\u30fc\uff70]/;

function foldChar(c: string): string {
  const code = c.charCodeAt(0);
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCharCode(code - 0xfee0);
  if (code === 0x3000) return ' ';
  if (code === 0x3002 || code === 0xff61) return '.';
  // Dashes and minus signs (and the prolonged-sound mark between digits) are hyphens in phone numbers.
  return '-';
}

/**
 * Folds full-width ASCII, the ideographic space and full stop, and dash look-alikes to ASCII,
 * keeping the length (and so every offset) unchanged.
 * @example foldWidth('１．２．３．４') // '1.2.3.4'
 */
export function foldWidth(text: string): string {
  return QUICK_CHECK.test(text) ? text.replace(FOLDABLE, foldChar).replace(PROLONGED_DASH, '-') : text;
}
