import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export const SIGNATURE_HEADER = 'x-kessetsu-signature';

/**
 * Signs a webhook body: HMAC-SHA256 with the subscription's secret over `timestamp + "." + body`.
 * @example signWebhook('whsec_…', '{"id":1}', 1767225600) // 't=1767225600,v1=5f…'
 */
export function signWebhook(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * Checks a signature header as a receiver would: right secret, untampered body, timestamp within
 * the tolerance (replays of old deliveries are refused). Any `v1` in the header may match (key rotation).
 * @example verifyWebhook(secret, rawBody, req.headers['x-kessetsu-signature'])
 */
export function verifyWebhook(secret: string, body: string, header: string | undefined, toleranceSeconds = 300, now = Math.floor(Date.now() / 1000)): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(now - t) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return parts.some(([k, v]) => k === 'v1' && v !== undefined && v.length === expected.length && timingSafeEqual(Buffer.from(v), expected));
}
