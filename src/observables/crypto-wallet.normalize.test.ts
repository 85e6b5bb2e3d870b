import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../test/support/shared-data.ts';
import { keccak256Hex, keccakSponge256 } from './keccak.ts';
import { base58Decode, ethereumDisplay, normalizeBitcoin, normalizeEthereum } from './crypto-wallet.normalize.ts';

const haveData = hasSharedData();

describe('Keccak-256', () => {
  it('matches the published digests', () => {
    expect(keccak256Hex(new Uint8Array())).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(keccak256Hex(Buffer.from('abc'))).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
  });

  it('with SHA-3 padding equals Node’s sha3-256 for every length across several blocks', () => {
    // The permutation is shared; only the padding byte differs, so this checks it independently.
    for (let n = 0; n <= 420; n++) {
      const data = randomBytes(n);
      expect(Buffer.from(keccakSponge256(data, 0x06)).toString('hex'), `length ${n}`).toBe(createHash('sha3-256').update(data).digest('hex'));
    }
  });
});

describe('Bitcoin addresses', () => {
  it('verifies base58check P2PKH and P2SH and keeps their case', () => {
    for (const a of ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', '1HB5XMLmzFVj8ALj6mfBsbifRoD4miY36v'])
      expect(normalizeBitcoin(` ${a} `)).toBe(a);
  });

  it('verifies bech32 (v0) and bech32m (v1+) and lower-cases them (BIP 173/350 vectors)', () => {
    expect(normalizeBitcoin('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4')).toBe('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
    expect(normalizeBitcoin('bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3')).toBe('bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3');
    expect(normalizeBitcoin('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0')).toBe('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0');
    expect(normalizeBitcoin('BC1SW50QGDZ25J')).toBe('bc1sw50qgdz25j');
  });

  it('refuses bad checksums, wrong encodings, testnet and garbage with the reason', () => {
    const bad: [string, RegExp][] = [
      ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', /base58check checksum does not match/],
      ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0', /outside the base58 alphabet/],
      ['mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn', /is a testnet address/],
      ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', /bech32 checksum does not match/],
      ['bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du', /witness version 2 must use bech32m/],
      ['bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', /never mixed case/],
      ['tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', /is a testnet address/],
      ['bc1qqqqq', /too short/],
      ['bc1qb', /not in the bech32 alphabet/],
      ['1abc', /25 to 35 characters/],
    ];
    for (const [raw, reason] of bad) expect(() => normalizeBitcoin(raw), raw).toThrow(reason);
  });

  it('decodes base58 leading ones as zero bytes', () => {
    expect(Buffer.from(base58Decode('1112')!).toString('hex')).toBe('00000001');
    expect(base58Decode('0OIl')).toBeUndefined();
  });
});

describe('Ethereum addresses', () => {
  // EIP-55 test vectors (all mixed case with valid checksums).
  const eip55 = [
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
  ];

  it('verifies EIP-55 checksums, stores lower case and displays the checksummed form', () => {
    for (const a of eip55) {
      expect(normalizeEthereum(a)).toBe(a.toLowerCase());
      expect(ethereumDisplay(a.toLowerCase())).toBe(a);
    }
  });

  it('accepts all-lower and all-upper addresses, which carry no checksum', () => {
    expect(normalizeEthereum('0x52908400098527886E0F7030069857D2E4169EE7')).toBe('0x52908400098527886e0f7030069857d2e4169ee7');
    expect(normalizeEthereum('0xde709f2102306220921060314715629080e2fb77')).toBe('0xde709f2102306220921060314715629080e2fb77');
  });

  it('refuses a broken checksum and malformed addresses', () => {
    expect(() => normalizeEthereum('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD')).toThrow(/EIP-55 checksum does not match \(character 42\)/);
    expect(() => normalizeEthereum('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA')).toThrow(/40 hex digits/);
    expect(() => normalizeEthereum('5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed')).toThrow(/40 hex digits/);
  });

  it.runIf(haveData)('reads the wallets the ioc-extractor fixture expects (BTC and ETH)', () => {
    const expected = JSON.parse(readFileSync(sharedData('ioc-extraction', 'ninoseki-ioc-extractor', 'extractIOC_expected.json'), 'utf8')) as {
      cases: { name: string; expected: Record<string, string[]> }[];
    };
    const complex = expected.cases.find((c) => c.name === 'complex input')!.expected;
    expect(complex.btcs!.map(normalizeBitcoin)).toEqual(complex.btcs);
    expect(complex.eths!.map(normalizeEthereum)).toEqual(complex.eths!.map((e) => e.toLowerCase()));
    expect(complex.eths!.map((e) => ethereumDisplay(normalizeEthereum(e)))).toEqual(complex.eths);
  });
});
