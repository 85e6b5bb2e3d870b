import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** RFC 6238 parameters used here: SHA-1, 6 digits, 30-second steps (what authenticator apps expect). */
export const TOTP = { digits: 6, stepSeconds: 30, window: 1 } as const;

/** Encodes bytes as RFC 4648 base32 without padding. */
export function base32Encode(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Decodes RFC 4648 base32 (case, spaces and padding ignored); throws on other characters. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) throw new Error(`not base32: "${ch}"`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new random TOTP secret (160 bits, as RFC 4226 recommends), base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The HOTP value (RFC 4226) of a counter, as a zero-padded string. */
export function hotp(secret: Buffer, counter: number, digits: number = TOTP.digits, algorithm: 'sha1' | 'sha256' | 'sha512' = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, secret).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(bin).padStart(digits, '0');
}

/** The time step of a moment (RFC 6238 T). */
export function stepAt(ms: number): number {
  return Math.floor(ms / 1000 / TOTP.stepSeconds);
}

/**
 * The TOTP code of a base32 secret at a moment.
 * @example totpAt('JBSWY3DPEHPK3PXP', Date.now())
 */
export function totpAt(secretBase32: string, ms: number): string {
  return hotp(base32Decode(secretBase32), stepAt(ms));
}

/**
 * Checks a code against the steps around now (±window, for clock drift) and returns the step it matched,
 * or null. Steps at or before `lastStep` are refused, so a code is never accepted twice.
 */
export function verifyTotp(secretBase32: string, code: string, ms: number, lastStep = 0): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const key = base32Decode(secretBase32);
  const now = stepAt(ms);
  const given = Buffer.from(code);
  for (let s = now - TOTP.window; s <= now + TOTP.window; s++) {
    if (s <= lastStep) continue;
    if (timingSafeEqual(Buffer.from(hotp(key, s)), given)) return s;
  }
  return null;
}

/** The otpauth:// URI an authenticator app reads from a QR code. */
export function otpauthUri(secretBase32: string, account: string, issuer = 'Kessetsu'): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${secretBase32}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${TOTP.digits}&period=${TOTP.stepSeconds}`;
}
