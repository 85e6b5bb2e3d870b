import { randomBytes } from 'node:crypto';
import { hashSecret } from '../auth/api-key.ts';

// Sensor keys look like API keys but say what they are (`kss_`), so the HTTP layer leaves them to
// the sensors area instead of looking them up among people's keys.
const SENSOR_KEY = /^kss_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

/** Whether a presented bearer token is a sensor key (by its form; validity is checked later). */
export function isSensorKey(bearer: string): boolean {
  return bearer.startsWith('kss_');
}

/** The prefix and secret of a sensor key, or null when it does not have the form. */
export function splitSensorKey(key: string): { prefix: string; secret: string } | null {
  const m = SENSOR_KEY.exec(key);
  return m ? { prefix: `kss_${m[1]}`, secret: m[2]! } : null;
}

/**
 * A new sensor key `kss_<prefix>_<secret>`: shown once, only its scrypt hash is kept.
 * @example const { key, prefix, hash } = await mintSensorKey()
 */
export async function mintSensorKey(): Promise<{ key: string; prefix: string; hash: string }> {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const p = Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { key: `kss_${p}_${secret}`, prefix: `kss_${p}`, hash: await hashSecret(secret, p) };
}
