import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '../shared/errors.ts';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

/** scrypt's cost parameters; a stored hash records the ones it was made with. */
export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** The product's cost, N=2^15 (~60 ms, 32 MiB): paid once per sign-in, expensive for anyone holding a stolen hash. */
export const PASSWORD_SCRYPT: ScryptCost = { N: 32768, r: 8, p: 1 };
const MAXMEM = 128 * 1024 * 1024;

/** The shortest and longest password accepted. */
export const PASSWORD_LIMITS = { min: 12, max: 256 } as const;

/** Refuses passwords too short or too long (the length cap bounds the hashing cost). */
export function checkPasswordStrength(password: string): void {
  if (password.length < PASSWORD_LIMITS.min) throw new AppError('validation_failed', `password: at least ${PASSWORD_LIMITS.min} characters`, { field: 'password' });
  if (password.length > PASSWORD_LIMITS.max) throw new AppError('validation_failed', `password: at most ${PASSWORD_LIMITS.max} characters`, { field: 'password' });
}

/**
 * Hashes a password with scrypt and a random salt; the result records its parameters.
 * @example const stored = await hashPassword('correct horse battery staple')
 */
export async function hashPassword(password: string, cost: ScryptCost = PASSWORD_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const out = await scrypt(password.normalize('NFC'), salt, 32, { N: cost.N, r: cost.r, p: cost.p, maxmem: MAXMEM });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${out.toString('base64url')}`;
}

/** Checks a password against a stored hash in constant time; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, expected] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !expected) return false;
  const want = Buffer.from(expected, 'base64url');
  const out = await scrypt(password.normalize('NFC'), Buffer.from(salt, 'base64url'), want.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: MAXMEM });
  return want.length === out.length && timingSafeEqual(want, out);
}

const dummies = new Map<string, Promise<string>>();

/**
 * A hash of a random password at the given cost: verifying an unknown user's password against it costs as much as
 * a real one (no timing oracle for unknown users). Made once per cost and process, when first asked for: the server
 * asks at start (SessionsService.prepare), a CLI command that signs nobody in never pays for it (~0.18 CPU-s).
 * @example await verifyPassword(password, await dummyHash(PASSWORD_SCRYPT))
 */
export function dummyHash(cost: ScryptCost = PASSWORD_SCRYPT): Promise<string> {
  const key = `${cost.N}$${cost.r}$${cost.p}`;
  let made = dummies.get(key);
  if (!made) {
    made = hashPassword(randomBytes(16).toString('hex'), cost);
    made.catch(() => dummies.delete(key));
    dummies.set(key, made);
  }
  return made;
}
