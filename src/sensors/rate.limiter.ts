/**
 * Per-key token buckets refilled continuously: a key may spend what it has (going into debt for one
 * large batch) and waits until the debt is paid. One key's flood costs nothing to the others.
 * @example const limits = new TokenBuckets(); const r = limits.take('sensor-1', 10_000, 500_000); if (!r.ok) retryAfter(r.retryAfterMs)
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #burstSeconds: number;
  readonly #now: () => number;

  constructor(opts: { burstSeconds?: number; now?: () => number } = {}) {
    this.#burstSeconds = opts.burstSeconds ?? 2;
    this.#now = opts.now ?? Date.now;
  }

  /** Spends `n` tokens of a key refilled at `ratePerSecond`; refused while the key is in debt. */
  take(key: string, n: number, ratePerSecond: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = this.#now();
    const cap = ratePerSecond * this.#burstSeconds;
    let b = this.#buckets.get(key);
    if (!b) this.#buckets.set(key, (b = { tokens: cap, at: now }));
    b.tokens = Math.min(cap, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
    b.at = now;
    if (b.tokens <= 0) return { ok: false, retryAfterMs: Math.ceil((-b.tokens / ratePerSecond) * 1000) + 1 };
    b.tokens -= n;
    return { ok: true };
  }

  /** Spends `n` tokens of a key after the fact (a batch admitted with `take(key, 0, rate)` and then counted). */
  charge(key: string, n: number): void {
    const b = this.#buckets.get(key);
    if (b) b.tokens -= n;
  }

  /** Forgets a key. */
  drop(key: string): void {
    this.#buckets.delete(key);
  }
}
