import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, newTotpSecret, otpauthUri, totpAt, verifyTotp } from './totp.ts';

// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890", 8 digits.
const SEED = Buffer.from('12345678901234567890');
const VECTORS: ReadonlyArray<readonly [number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC test vectors for SHA-1', () => {
    for (const [t, want] of VECTORS) expect(hotp(SEED, Math.floor(t / 30), 8)).toBe(want);
  });

  it('matches RFC 4226 appendix D HOTP values', () => {
    const want = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    want.forEach((code, counter) => expect(hotp(SEED, counter)).toBe(code));
  });

  it('round-trips base32 and decodes the RFC 4648 examples', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(base32Decode('mzxw 6ytb oi').toString()).toBe('foobar');
    const s = newTotpSecret();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Encode(base32Decode(s))).toBe(s);
    expect(() => base32Decode('MZ1')).toThrow(/not base32/);
  });

  it('accepts the current and neighbouring steps, refuses replays and other codes', () => {
    const secret = newTotpSecret();
    const now = 1_800_000_000_000;
    const code = totpAt(secret, now);
    const step = verifyTotp(secret, code, now);
    expect(step).toBe(Math.floor(now / 30_000));
    expect(verifyTotp(secret, totpAt(secret, now - 30_000), now)).toBe(step! - 1);
    expect(verifyTotp(secret, totpAt(secret, now - 90_000), now)).toBeNull();
    expect(verifyTotp(secret, code, now, step!)).toBeNull();
    expect(verifyTotp(secret, '12345', now)).toBeNull();
    expect(verifyTotp(secret, 'abcdef', now)).toBeNull();
  });

  it('builds an otpauth URI authenticator apps read', () => {
    expect(otpauthUri('ABC', 'alice@bank')).toBe('otpauth://totp/Kessetsu%3Aalice%40bank?secret=ABC&issuer=Kessetsu&algorithm=SHA1&digits=6&period=30');
  });
});
