import { randomBytes, scrypt as scryptCb, timingSafeEqual, createHash } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (pw: string, salt: string, len: number, opts: object) => Promise<Buffer>;

// N=2^14 costs ~30 ms: fine once per key per cache lifetime, hard on anyone holding a stolen hash.
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_RE = /^ks_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

/** A freshly minted key: the secret is shown once, only the hash is kept. */
export interface MintedKey {
  readonly key: string;
  readonly prefix: string;
  readonly hash: string;
}

function randomPrefix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(10);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** Hashes the secret part of a key with scrypt; the output records its parameters. */
export async function hashSecret(secret: string, salt: string): Promise<string> {
  const out = await scrypt(secret, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt}$${out.toString('base64url')}`;
}

/**
 * Creates a new API key `ks_<prefix>_<secret>`; the prefix is visible in listings.
 * @example const { key, prefix, hash } = await mintKey()
 */
export async function mintKey(): Promise<MintedKey> {
  const prefix = randomPrefix();
  const secret = randomBytes(32).toString('base64url');
  return { key: `ks_${prefix}_${secret}`, prefix: `ks_${prefix}`, hash: await hashSecret(secret, prefix) };
}

/** Builds the record for a key chosen by the operator (KESSETSU_BOOTSTRAP_KEY), when it has the right form. */
export async function adoptKey(key: string): Promise<MintedKey | null> {
  const parts = splitKey(key);
  if (!parts) return null;
  return { key, prefix: `ks_${parts.prefix}`, hash: await hashSecret(parts.secret, parts.prefix) };
}

const FOREIGN_RE = /^[\x21-\x7e]{16,256}$/;

/**
 * Splits a presented key into its prefix and secret. Keys of another form (an operator's chosen
 * bootstrap key) get a prefix derived from their hash, so they are found the same way.
 */
export function splitKey(key: string): { prefix: string; secret: string } | null {
  const m = KEY_RE.exec(key);
  if (m) return { prefix: m[1]!, secret: m[2]! };
  if (!FOREIGN_RE.test(key)) return null;
  const digest = createHash('sha256').update(key).digest('hex');
  return { prefix: `x${digest.slice(0, 9)}`, secret: key };
}

/** Checks a presented secret against a stored hash in constant time. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  const out = await scrypt(secret, salt, 32, { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem });
  const want = Buffer.from(expected, 'base64url');
  return want.length === out.length && timingSafeEqual(want, out);
}

/** A non-reversible fingerprint of a whole key, used as the verified-key cache's index. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
