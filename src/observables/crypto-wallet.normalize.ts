import { createHash } from 'node:crypto';
import { keccak256Hex } from './keccak.ts';
import { ObservableError } from './observable.error.ts';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE58_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE58.length; i++) BASE58_INDEX[BASE58.charCodeAt(i)] = i;

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BECH32.length; i++) BECH32_INDEX[BECH32.charCodeAt(i)] = i;
const BECH32_CONST = 1;
const BECH32M_CONST = 0x2bc830a3;

/** Base58 text decoded to bytes (leading "1"s are zero bytes), or undefined on a non-alphabet character. */
export function base58Decode(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let carry = code < 128 ? BASE58_INDEX[code]! : -1;
    if (carry < 0) return undefined;
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j]! * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (let i = 0; i < text.length && text[i] === '1'; i++) bytes.push(0);
  return Uint8Array.from(bytes.reverse());
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

// Version bytes of Bitcoin mainnet addresses: 0x00 pay-to-public-key-hash ("1…"), 0x05 pay-to-script-hash ("3…").
function checkBase58(raw: string, text: string): string {
  if (text.length < 25 || text.length > 35) throw new ObservableError('btc-address', raw, `a base58 address has 25 to 35 characters, not ${text.length}`);
  const bytes = base58Decode(text);
  if (!bytes) throw new ObservableError('btc-address', raw, 'has a character outside the base58 alphabet');
  if (bytes.length !== 25) throw new ObservableError('btc-address', raw, `decodes to ${bytes.length} bytes, not 25`);
  const version = bytes[0]!;
  if (version === 0x6f || version === 0xc4) throw new ObservableError('btc-address', raw, 'is a testnet address');
  if (version !== 0x00 && version !== 0x05) throw new ObservableError('btc-address', raw, `version byte ${version} is neither P2PKH (0) nor P2SH (5)`);
  const check = sha256(sha256(bytes.subarray(0, 21)));
  for (let i = 0; i < 4; i++) if (check[i] !== bytes[21 + i]) throw new ObservableError('btc-address', raw, 'base58check checksum does not match');
  return text;
}

function polymod(values: readonly number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ gen[i]!) >>> 0;
  }
  return chk;
}

// BIP 173 (bech32, witness version 0) and BIP 350 (bech32m, versions 1 to 16).
function checkBech32(raw: string, text: string): string {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) throw new ObservableError('btc-address', raw, 'bech32 addresses are never mixed case');
  const lower = text.toLowerCase();
  if (lower.length > 90) throw new ObservableError('btc-address', raw, 'a bech32 address has at most 90 characters');
  const sep = lower.lastIndexOf('1');
  const hrp = lower.slice(0, sep);
  if (hrp !== 'bc') throw new ObservableError('btc-address', raw, `human-readable part "${hrp}" is not bc`);
  const data: number[] = [];
  for (let i = sep + 1; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    const v = code < 128 ? BECH32_INDEX[code]! : -1;
    if (v < 0) throw new ObservableError('btc-address', raw, `character ${JSON.stringify(lower[i])} is not in the bech32 alphabet`);
    data.push(v);
  }
  if (data.length < 7) throw new ObservableError('btc-address', raw, 'too short for a witness version, program and checksum');
  const expanded: number[] = [];
  for (let i = 0; i < hrp.length; i++) expanded.push(hrp.charCodeAt(i) >> 5);
  expanded.push(0);
  for (let i = 0; i < hrp.length; i++) expanded.push(hrp.charCodeAt(i) & 31);
  const residue = polymod([...expanded, ...data]);
  const version = data[0]!;
  if (version > 16) throw new ObservableError('btc-address', raw, `witness version ${version} is greater than 16`);
  const want = version === 0 ? BECH32_CONST : BECH32M_CONST;
  if (residue !== want) {
    const other = version === 0 ? BECH32M_CONST : BECH32_CONST;
    throw new ObservableError('btc-address', raw, residue === other ? `witness version ${version} must use ${version === 0 ? 'bech32' : 'bech32m'}` : 'bech32 checksum does not match');
  }
  const program = convertBits(data.slice(1, -6));
  if (program === undefined) throw new ObservableError('btc-address', raw, 'witness program has invalid padding');
  if (program < 2 || program > 40) throw new ObservableError('btc-address', raw, `witness program of ${program} bytes (2 to 40 allowed)`);
  if (version === 0 && program !== 20 && program !== 32) throw new ObservableError('btc-address', raw, `a version 0 program has 20 or 32 bytes, not ${program}`);
  return lower;
}

// 5-bit groups to bytes; only the byte count matters here, and whether the padding is clean.
function convertBits(groups: readonly number[]): number | undefined {
  let acc = 0;
  let bits = 0;
  let count = 0;
  for (const g of groups) {
    acc = ((acc << 5) | g) & 0xfff;
    bits += 5;
    while (bits >= 8) {
      bits -= 8;
      count++;
    }
  }
  if (bits >= 5 || (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return count;
}

/**
 * Canonical Bitcoin mainnet address with its checksum verified: base58check P2PKH ("1…") and P2SH
 * ("3…") kept as written (base58 is case-sensitive), bech32/bech32m ("bc1…") in lower case.
 * @example normalizeBitcoin('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa') // '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'
 */
export function normalizeBitcoin(raw: string): string {
  const text = raw.trim();
  if (/^(?:tb|bcrt)1/i.test(text)) throw new ObservableError('btc-address', raw, 'is a testnet address');
  if (/^bc1/i.test(text)) return checkBech32(raw, text);
  return checkBase58(raw, text);
}

/**
 * Canonical Ethereum address: "0x" and 40 hex digits, stored lower case; a mixed-case address must
 * carry a valid EIP-55 checksum (all-lower or all-upper ones carry none).
 * @example normalizeEthereum('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed') // '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'
 */
export function normalizeEthereum(raw: string): string {
  const text = raw.trim();
  if (!/^0[xX][0-9a-fA-F]{40}$/.test(text)) throw new ObservableError('eth-address', raw, 'is not 0x followed by 40 hex digits');
  const hex = text.slice(2);
  const lower = hex.toLowerCase();
  if (hex !== lower && hex !== hex.toUpperCase()) {
    const hash = keccak256Hex(Buffer.from(lower, 'ascii'));
    for (let i = 0; i < 40; i++) {
      const ch = hex[i]!;
      if (ch >= '0' && ch <= '9') continue;
      const upper = parseInt(hash[i]!, 16) >= 8;
      if ((ch >= 'A' && ch <= 'F') !== upper) throw new ObservableError('eth-address', raw, `EIP-55 checksum does not match (character ${i + 3})`);
    }
  }
  return `0x${lower}`;
}

/** The EIP-55 mixed-case form of a canonical Ethereum address, for display. */
export function ethereumDisplay(value: string): string {
  const lower = value.slice(2);
  const hash = keccak256Hex(Buffer.from(lower, 'ascii'));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  return out;
}
