// Letters that phishing domains put in place of Latin ones because they look the same: Cyrillic,
// Greek and Armenian look-alikes, digits and symbols read as letters. A small, deliberate subset of
// Unicode's confusables.txt: the characters seen in brand imitation, not every possible one.
const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ї: 'i', ј: 'j', һ: 'h', ԁ: 'd', ԛ: 'q', ԝ: 'w', ӏ: 'l', ɡ: 'g', ь: 'b', г: 'r', п: 'n',
  // Greek
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', γ: 'y', μ: 'u',
  // Armenian and Latin extensions
  օ: 'o', ս: 'u', ց: 'g', ɩ: 'i', ı: 'i', ʟ: 'l', ᴀ: 'a', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ᴋ: 'k', ᴍ: 'm', ᴏ: 'o', ᴘ: 'p', ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ᴢ: 'z',
  ł: 'l', ø: 'o', đ: 'd', ħ: 'h',
  // Digits and symbols read as letters
  '0': 'o', '1': 'l', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', $: 's', '|': 'l', '!': 'i',
};

const SEPARATORS = /[\s\-_.~/:?#&=+%,;'"()[\]{}<>*^`\\]+/gu;
const MARKS = /\p{M}+/gu;
// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
const ASCII = /^[\x00-\x7f]*$/;

// Per ASCII code: what the skeleton keeps of it ('' for separators), built once from the table above.
const ASCII_MAP: readonly string[] = Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c).toLowerCase();
  if (/[\s\-_.~/:?#&=+%,;'"()[\]{}<>*^`\\]/.test(ch) || c < 32 || c === 127) return '';
  return CONFUSABLES[ch] ?? ch;
});

function asciiSkeleton(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += ASCII_MAP[text.charCodeAt(i)]!;
  if (out.includes('rn')) out = out.replaceAll('rn', 'm');
  return out.includes('vv') ? out.replaceAll('vv', 'w') : out;
}

/**
 * The display form of a text for matching: Unicode compatibility-folded (full-width letters become
 * ASCII, half-width kana become full-width) and lower case.
 * @example folded('ＳＡＫＵＲＡ銀行') // 'sakura銀行'
 */
export function folded(text: string): string {
  return ASCII.test(text) ? text.toLowerCase() : text.normalize('NFKC').toLowerCase();
}

/**
 * The skeleton of a text: folded, accents removed, look-alike letters replaced by the Latin letter
 * they imitate, "rn" read as "m" and "vv" as "w", separators dropped. Two strings that a reader
 * would take for the same brand have the same skeleton.
 * @example skeleton('ѕаkurа-bank') // 'sakurabank' (Cyrillic ѕ and а)
 * @example skeleton('s4kura') // 'sakura'
 */
export function skeleton(text: string): string {
  // Most hosts are plain ASCII: skip the Unicode passes for them (the hot path of matching on ingest).
  if (ASCII.test(text)) return asciiSkeleton(text);
  const base = folded(text).normalize('NFD').replace(MARKS, '').normalize('NFC');
  let out = '';
  for (const ch of base) out += CONFUSABLES[ch] ?? ch;
  return out.replace(SEPARATORS, '').replaceAll('rn', 'm').replaceAll('vv', 'w');
}
