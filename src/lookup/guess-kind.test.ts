import { describe, expect, it } from 'vitest';
import { guessKind, keyByGuess } from './guess-kind.ts';

// The full path (guess the kind, refang, regexes, normalise, key): guessKind's fast path for dotted quads
// (issue 17.2) must give the same answer for every string it takes.
const fullPath = keyByGuess;

describe('guessKind', () => {
  it('keys plain IPv4 addresses as the full path does, and refuses what it refuses', () => {
    const samples = ['198.51.100.3', '0.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3.04', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1.2.3.4.', '1..3.4', '1.2.3.4/24', '1.2.3.4 ', ' 1.2.3.4',
      '1.2.3.4x', '1.2.3.a', '123.123.123.1234', '9.9.9.9', '10.0.0.1', '1.2.3.4\n', '１.2.3.4', '1[.]2.3.4', '1.2.3.4:80', '999.999.999.999', '1.2.3.-4'];
    for (let i = 0; i < 3000; i++) {
      const o = () => String([Math.floor(Math.random() * 300), `0${i % 10}`, String(i % 256)][i % 3]);
      samples.push(`${o()}.${o()}.${o()}.${o()}`);
    }
    for (const raw of samples) expect(guessKind(raw), JSON.stringify(raw)).toBe(fullPath(raw));
    expect(guessKind('198.51.100.3')).toBe('ipv4-addr:198.51.100.3');
    expect(guessKind('01.2.3.4')).toBeNull();
    expect(guessKind('1[.]2.3.4')).toBe('ipv4-addr:1.2.3.4');
  });

  it('other kinds still take the full path', () => {
    for (const raw of ['d41d8cd98f00b204e9800998ecf8427e', 'evil.example', 'hxxp://evil[.]example/a', '2001:db8::1', 'CVE-2024-1234', 'AS64500'])
      expect(guessKind(raw), raw).toBe(fullPath(raw));
  });
});
