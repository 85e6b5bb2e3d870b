import ipaddr from 'ipaddr.js';
import { AppError } from '../shared/errors.ts';

/** Options of the failed-authentication limiter. */
export interface FailureLimiterOptions {
  /** Failed attempts a source may make in one window before it is refused (0: no limit). */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** Sources remembered at most; the oldest are forgotten first, so a spray of addresses cannot fill memory. */
  readonly maxSources?: number;
}

interface Bucket {
  failures: number;
  readonly resetAt: number;
}

/**
 * The source an address counts as: IPv4 addresses one by one, IPv6 by /64 (one host usually holds a
 * whole /64, so counting single IPv6 addresses would let it guess without end).
 * @example sourceOf('2001:db8:1:2:3:4:5:6') // '2001:db8:1:2::/64'
 */
export function sourceOf(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}

/**
 * Counts failed authentications per source address in fixed windows; once a source reaches the limit,
 * every credentialed request from it is refused with 429 until its window ends. Whatever key or
 * password each attempt used, they share the source's one budget (one bucket per wrong key would let
 * a guesser try keys without end).
 * @example const limiter = new FailureLimiter({ maxFailures: 30, windowMs: 60_000 }); limiter.check(ip)
 */
export class FailureLimiter {
  readonly #o: Required<FailureLimiterOptions>;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(opts: FailureLimiterOptions, now: () => number = Date.now) {
    this.#o = { maxSources: 100_000, ...opts };
    this.#now = now;
  }

  #live(source: string): Bucket | undefined {
    const b = this.#buckets.get(source);
    if (b && b.resetAt <= this.#now()) {
      this.#buckets.delete(source);
      return undefined;
    }
    return b;
  }

  /** Throws rate_limited (429, with the seconds to wait) when the address has failed too often. */
  check(address: string): void {
    if (this.#o.maxFailures <= 0) return;
    const b = this.#live(sourceOf(address));
    if (b && b.failures >= this.#o.maxFailures) {
      const retryAfter = Math.max(1, Math.ceil((b.resetAt - this.#now()) / 1000));
      throw new AppError('rate_limited', `too many failed authentications from this address; try again in ${retryAfter} s`, { retry_after: retryAfter });
    }
  }

  /** Records one failed authentication from the address. */
  fail(address: string): void {
    if (this.#o.maxFailures <= 0) return;
    const source = sourceOf(address);
    const b = this.#live(source);
    if (b) {
      b.failures++;
      return;
    }
    if (this.#buckets.size >= this.#o.maxSources) {
      const oldest = this.#buckets.keys().next();
      if (!oldest.done) this.#buckets.delete(oldest.value);
    }
    this.#buckets.set(source, { failures: 1, resetAt: this.#now() + this.#o.windowMs });
  }

  /** Sources currently remembered (tests, metrics). */
  get sources(): number {
    return this.#buckets.size;
  }
}
