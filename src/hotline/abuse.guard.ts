import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Limits of the public form. */
export interface AbuseOptions {
  /** Reports per address and hour (0: no limit). */
  readonly reportsPerHour: number;
  /** Leading zero bits a proof-of-work must have (0: none asked). */
  readonly powBits: number;
}

const HOUR = 3600_000;
const MAX_TRACKED = 100_000;

/**
 * Abuse resistance of the public hotline without outside services: a per-address sliding-window
 * rate limit, the honeypot check and an optional hash-based proof-of-work (challenges signed by a
 * per-process secret, each usable once within the hour).
 */
export class AbuseGuard {
  readonly #o: AbuseOptions;
  readonly #hits = new Map<string, number[]>();
  readonly #secret = randomBytes(32);
  readonly #spent = new Map<string, number>();

  constructor(o: AbuseOptions) {
    this.#o = o;
  }

  /** Leading zero bits asked of a proof-of-work (0: none). */
  get powBits(): number {
    return this.#o.powBits;
  }

  /** Counts one submission of an address; false when it is over its hourly limit. */
  take(address: string, now = Date.now()): boolean {
    if (this.#o.reportsPerHour === 0) return true;
    const recent = (this.#hits.get(address) ?? []).filter((t) => now - t < HOUR);
    if (recent.length >= this.#o.reportsPerHour) {
      this.#hits.set(address, recent);
      return false;
    }
    recent.push(now);
    this.#hits.set(address, recent);
    if (this.#hits.size > MAX_TRACKED) this.#prune(now);
    return true;
  }

  #prune(now: number): void {
    for (const [k, v] of this.#hits) if (!v.some((t) => now - t < HOUR)) this.#hits.delete(k);
    for (const [k, t] of this.#spent) if (now - t > HOUR) this.#spent.delete(k);
  }

  /** A new proof-of-work challenge ("time.nonce.mac"). */
  challenge(now = Date.now()): string {
    const body = `${now}.${randomBytes(12).toString('hex')}`;
    return `${body}.${createHmac('sha256', this.#secret).update(body).digest('hex').slice(0, 32)}`;
  }

  /** Checks a proof-of-work: a fresh, unspent challenge of ours and a solution with enough zero bits. */
  verifyPow(challenge: string | undefined, solution: string | undefined, now = Date.now()): string | null {
    if (this.#o.powBits === 0) return null;
    if (!challenge || !solution || !/^\d{1,15}$/.test(solution)) return 'the proof-of-work is missing (enable JavaScript, or wait and try again)';
    const m = /^(\d{1,15})\.([0-9a-f]{24})\.([0-9a-f]{32})$/.exec(challenge);
    if (!m) return 'the proof-of-work challenge is not one of ours';
    const mac = createHmac('sha256', this.#secret).update(`${m[1]}.${m[2]}`).digest('hex').slice(0, 32);
    if (!timingSafeEqual(Buffer.from(mac), Buffer.from(m[3]!))) return 'the proof-of-work challenge is not one of ours';
    if (now - Number(m[1]) > HOUR) return 'the proof-of-work challenge has expired; reload the form';
    if (this.#spent.has(challenge)) return 'the proof-of-work challenge was already used; reload the form';
    if (leadingZeroBits(createHash('sha256').update(`${challenge}:${solution}`).digest()) < this.#o.powBits) return 'the proof-of-work is wrong';
    this.#spent.set(challenge, now);
    return null;
  }
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(d: Buffer): number {
  let n = 0;
  for (const b of d) {
    if (b === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(b) - 24;
  }
  return n;
}

/**
 * Solves a challenge (what the form's script does in the browser; tests and the CLI use this).
 * @example solvePow(guard.challenge(), 12)
 */
export function solvePow(challenge: string, bits: number): string {
  for (let i = 0; ; i++) if (leadingZeroBits(createHash('sha256').update(`${challenge}:${i}`).digest()) >= bits) return String(i);
}
