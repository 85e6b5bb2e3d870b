import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/** Encodings the importers read. */
export type TextEncoding = 'utf-8' | 'shift_jis' | 'euc-jp';

function replacements(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) n++;
  return n;
}

// Lead bytes 0x81–0x9F (other than EUC-JP's single shifts 0x8E and 0x8F) only occur in Shift_JIS;
// they settle most files at once. Otherwise the decoding with fewer replacement characters wins.
function guessLegacy(buf: Buffer): TextEncoding {
  const sample = buf.subarray(0, 64 * 1024);
  for (const b of sample) if (b >= 0x81 && b <= 0x9f && b !== 0x8e && b !== 0x8f) return 'shift_jis';
  const sjis = replacements(iconv.decode(sample, 'shift_jis'));
  const euc = replacements(iconv.decode(sample, 'euc-jp'));
  return euc <= sjis ? 'euc-jp' : 'shift_jis';
}

/**
 * The encoding of a file's bytes: UTF-8 when they are valid UTF-8 (a BOM is allowed), else
 * Shift_JIS or EUC-JP, guessed from the byte patterns.
 * @example detectEncoding(iconv.encode('日本語', 'shift_jis')) // 'shift_jis'
 */
export function detectEncoding(buf: Uint8Array): TextEncoding {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return isUtf8(b) ? 'utf-8' : guessLegacy(b);
}

/** Decodes bytes in a known encoding, dropping a leading byte-order mark. */
export function decodeAs(buf: Uint8Array, encoding: TextEncoding): string {
  const text = encoding === 'utf-8' ? Buffer.from(buf).toString('utf8') : iconv.decode(Buffer.from(buf), encoding);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Decodes a text file of unknown encoding (UTF-8, Shift_JIS or EUC-JP).
 * @example decodeText(Buffer.from('\ufeffhello')) // { text: 'hello', encoding: 'utf-8' }
 */
export function decodeText(buf: Uint8Array): { text: string; encoding: TextEncoding } {
  const encoding = detectEncoding(buf);
  return { text: decodeAs(buf, encoding), encoding };
}
