import { parse as parseDomain } from 'tldts';

// Invisible characters that survive copy-paste from reports and split an indicator in two for a
// matcher while looking whole to a reader: zero-width space/joiners, word joiner and invisible
// operators, BOM, soft hyphen, Mongolian vowel separator.
const INVISIBLE = /[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]/g;
// Full-width ASCII (U+FF01–U+FF5E) is ASCII shifted by 0xFEE0; NFKC would also rewrite
// half-width katakana and other text, which refanging has no business touching.
const FULL_WIDTH = /[\uff01-\uff5e]/g;
// Ideographic full stops act as dots only between ASCII label characters (IDNA maps them to '.'),
// never at the end of a Japanese sentence.
const IDEOGRAPHIC_DOT = /(?<=[A-Za-z0-9-])[\u3002\uff61](?=[A-Za-z0-9])/g;

const SCHEME = /\b(?:h(?:xx|\*\*|__|xt|tx)p|fxp)(s?)(?=\[|\(|:)/gi;
const SEPARATOR = /\[:\/\/\]|\[:\]|\(:\)|\{:\}|\[\/\]|\(\/\)/g;
// A bracketed dot may carry spaces ("example [dot] com") when it sits between label characters.
const DOT_SPACED = /(?<=[A-Za-z0-9-]) ?[[({] ?(?:\.|dot) ?[\])}] ?(?=[A-Za-z0-9])/gi;
const DOT_TIGHT = /[[({](?:\.|dot)[\])}]/gi;
// Half-bracketed dots ("example[.com", "example.]com") are typos of the bracketed form.
const DOT_HALF = /(?<=[A-Za-z0-9-])(?:\[\.|\.\])(?=[A-Za-z0-9])/g;
const AT_SPACED = /(?<=[A-Za-z0-9._%+-]) ?[[({] ?(?:@|at) ?[\])}] ?(?=[A-Za-z0-9])/gi;
const AT_TIGHT = /[[({](?:@|at)[\])}]/gi;
const WORD_DOTS = /\b[A-Za-z0-9-]+(?: dot [A-Za-z0-9-]+)+\b/gi;
const NEEDS_WORK = /hxx|h\*\*|h__|hxt|htx|fxp| dot /i;

// Cheap gate on the lookup hot path: most values have no bracket, space, non-ASCII character or
// letter x/X, so refang can return them untouched without running a regular expression.
function mayBeDefanged(text: string): boolean {
  let x = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || c === 91 || c === 93 || c === 40 || c === 41 || c === 123 || c === 125) return true;
    if (c === 120 || c === 88 || c === 42 || c === 95 || c === 32) x = true;
  }
  return x && NEEDS_WORK.test(text);
}

function isTld(label: string): boolean {
  const parsed = parseDomain(`x.${label}`, { allowPrivateDomains: false });
  return parsed.isIcann === true && parsed.publicSuffix === label.toLowerCase();
}

// "example dot com" in a sentence is ambiguous ("the dot net framework"), so a bare " dot " is
// read as a separator only when the whole text is that one name, or the run has two or more
// separators, and in both cases ends in a real top-level domain.
function refangWordDots(text: string): string {
  const whole = text.trim();
  return text.replace(WORD_DOTS, (run) => {
    const labels = run.split(/ dot /i);
    const last = labels[labels.length - 1] ?? '';
    if (!(run === whole || labels.length >= 3) || !isTld(last)) return run;
    return labels.join('.');
  });
}

/**
 * Undoes the usual ways of defanging indicators in reports: hxxp/fxp schemes, bracketed dots, ats,
 * colons and slashes, full-width ASCII, ideographic full stops inside names, invisible characters,
 * and an unambiguous bare " dot ".
 * @example refang('hxxps://t[.]me/s/chanelwer') // 'https://t.me/s/chanelwer'
 * @example refang('user[at]example[dot]com') // 'user@example.com'
 */
export function refang(text: string): string {
  if (!mayBeDefanged(text)) return text;
  let s = text.replace(INVISIBLE, '');
  s = s.replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(IDEOGRAPHIC_DOT, '.');
  s = s.replace(SCHEME, (m, secure: string) => (m[0]!.toLowerCase() === 'f' ? 'ftp' : 'http') + secure.toLowerCase());
  s = s.replace(SEPARATOR, (m) => m.replace(/[[\](){}]/g, ''));
  s = s.replace(DOT_SPACED, '.').replace(DOT_TIGHT, '.').replace(DOT_HALF, '.');
  s = s.replace(AT_SPACED, '@').replace(AT_TIGHT, '@');
  if (/ dot /i.test(s)) s = refangWordDots(s);
  return s;
}
