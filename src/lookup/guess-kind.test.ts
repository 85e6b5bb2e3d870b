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

  it('keys plain host names and lower-case hashes as the full path does, and leaves the rest to it', () => {
    const samples = ['evil.example', 'a.b', 'x.co', 'hxxp.example', 'fxp.example.com', 'my-hxt.example', 'a-.example', '-a.example', 'a..example', '.example', 'example.', 'example', '1.2.3.4',
      '1.2.3.4a', '1.2.3.04', 'a.123', 'xn--zckzah.jp', 'xn--garbage.jp', 'Evil.Example', 'evil_x.example', 'ev il.example', 'cve-2024-1234.com', 'as64500.net', '0x' + 'a'.repeat(40), 'a'.repeat(63) + '.com',
      'a'.repeat(64) + '.com', `${'a.'.repeat(126)}ab`, `${'a.'.repeat(127)}ab`, 'd41d8cd98f00b204e9800998ecf8427e', 'D41D8CD98F00B204E9800998ECF8427E', 'd41d8cd98f00b204e9800998ecf8427', 'e'.repeat(40),
      'e'.repeat(64), 'f'.repeat(128), 'g'.repeat(64), '1'.repeat(32), '1'.repeat(40) + '.com', '3'.repeat(34), 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', '12345678901.example'];
    // Random strings over the characters the fast paths decide on, and a few that send them to the full path.
    const alphabet = 'abcdefx0123456789.-_A:/@[]';
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20000; i++) {
      const len = [3, 8, 20, 32, 40, 64, 128][i % 7]!;
      let t = '';
      for (let j = 0; j < len; j++) t += alphabet[Math.floor(next() * (i % 3 === 0 ? alphabet.length : 18))];
      samples.push(t);
    }
    // Hex strings of hash lengths and their neighbours, now and then with an upper-case or non-hex character.
    for (let i = 0; i < 4000; i++) {
      const len = [31, 32, 33, 40, 64, 128][i % 6]!;
      let t = '';
      for (let j = 0; j < len; j++) t += (next() < 0.01 ? 'Fgx.' : '0123456789abcdef')[Math.floor(next() * 16) % (next() < 0.01 ? 4 : 16)];
      samples.push(t);
    }
    for (const raw of samples) expect(guessKind(raw), JSON.stringify(raw)).toBe(fullPath(raw));
    expect(guessKind('evil.example')).toBe('domain-name:evil.example');
    expect(guessKind('e'.repeat(64))).toBe(`file:sha-256:${'e'.repeat(64)}`);
  });

  it('keys plain http(s) URLs as the full path does, and leaves the rest to it', () => {
    const samples = ['http://evil.example/', 'https://evil.example/login.php?id=3', 'http://evil.example', 'http://evil.example/?', 'http://evil.example/a?', 'http://evil.example/a??', 'http://evil.example/./a',
      'http://evil.example/a/../b', 'http://evil.example/a/..', 'http://evil.example/a/.', 'http://evil.example/.well-known/x', 'http://evil.example/a?b=/../c', 'http://Evil.example/', 'HTTP://evil.example/',
      'http://evil.example:80/', 'http://evil.example:8080/a', 'http://1.2.3.4/a', 'http://evil_x.example/', 'http://xn--zckzah.jp/', 'hxxp://evil.example/', 'http://evil.example/hxxp', 'http://evil.example/H__x',
      'http://evil.example/%7e', 'http://evil.example/a#b', "http://evil.example/a?'", 'http://evil.example/a b', 'http://evil.example/a\\b', 'http://evil.example/(x)', 'http://u@evil.example/', 'http://evil.example/a:b@c'];
    const hosts = ['evil.example', 'a.b.c', 'Evil.example', '1.2.3.4', 'evil.example:443', 'a_b.example', 'xn--zckzah.jp', '-a.example', 'a.123'];
    const alphabet = "abcAX/..?=&%#x_-~!$*+,;:@' ()\\é";
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20000; i++) {
      let path = '/';
      const len = Math.floor(next() * 24);
      for (let j = 0; j < len; j++) path += alphabet[Math.floor(next() * (i % 4 === 0 ? alphabet.length : 14))];
      samples.push(`${['http://', 'https://', 'HTTP://', 'ftp://'][i % 7 === 0 ? i % 4 : i % 2]}${hosts[i % 11 < 9 ? i % 11 : 0]}${path}`);
    }
    for (const raw of samples) expect(guessKind(raw), JSON.stringify(raw)).toBe(fullPath(raw));
    expect(guessKind('https://evil.example/login.php?id=3')).toBe('url:https://evil.example/login.php?id=3');
  });

  it('other kinds still take the full path', () => {
    for (const raw of ['d41d8cd98f00b204e9800998ecf8427e', 'evil.example', 'hxxp://evil[.]example/a', '2001:db8::1', 'CVE-2024-1234', 'AS64500'])
      expect(guessKind(raw), raw).toBe(fullPath(raw));
  });
});
