/**
 * An exponentially weighted moving average with its variance (West 1979): what a series usually
 * is and how much it wanders, forgetting the past at rate alpha per step.
 * @example const e = new Ewma(0.1); for (const x of counts) e.update(x); e.zScore(500)
 */
export class Ewma {
  mean = 0;
  variance = 0;
  readonly #alpha: number;

  constructor(alpha: number) {
    this.#alpha = alpha;
  }

  /** Takes the next value of the series. */
  update(x: number): void {
    const d = x - this.mean;
    const inc = this.#alpha * d;
    this.mean += inc;
    this.variance = (1 - this.#alpha) * (this.variance + d * inc);
  }

  /** Takes `steps` values of zero (minutes in which nothing came), at most 10,000 of them. */
  decay(steps: number): void {
    for (let i = 0; i < Math.min(steps, 10_000); i++) this.update(0);
  }

  /**
   * How many standard deviations a value lies above the mean. Counts are at least as noisy as a
   * Poisson process, so the deviation is never taken below √(mean + 1): a quiet, flat baseline
   * does not make every small bump a surge.
   */
  zScore(x: number): number {
    const sd = Math.max(Math.sqrt(this.variance), Math.sqrt(this.mean + 1));
    return (x - this.mean) / sd;
  }
}
