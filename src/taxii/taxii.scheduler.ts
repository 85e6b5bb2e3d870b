import type { App } from '../app.ts';
import { dueRemotes, releaseLease, takeLease } from './remotes.repository.ts';
import { pullRemote } from './taxii.sync.ts';

/** Where the scheduler reports. */
export interface SchedulerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Options of the scheduler. */
export interface SchedulerOptions {
  readonly log: SchedulerLog;
  /** How often due remotes are looked for, in ms. */
  readonly tickMs?: number;
}

// A pull holds its remote's lease this long at most; a node that dies mid-pull frees it when it expires.
const LEASE_SECONDS = 15 * 60;

/**
 * Pulls remotes whose schedule (interval_seconds > 0) is due, one at a time, in the background of `serve`.
 * Several nodes may run it: a lease row makes sure one of them pulls a given remote.
 */
export class TaxiiScheduler {
  readonly #app: Pick<App, 'storage' | 'ingest' | 'validator'>;
  readonly #log: SchedulerLog;
  readonly #tickMs: number;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(app: Pick<App, 'storage' | 'ingest' | 'validator'>, opts: SchedulerOptions) {
    this.#app = app;
    this.#log = opts.log;
    this.#tickMs = opts.tickMs ?? 30_000;
  }

  /** Starts looking for due remotes. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (!this.#running) this.#running = this.runDue().finally(() => (this.#running = undefined));
    }, this.#tickMs);
    this.#timer.unref();
  }

  /** Pulls every due remote once; errors are logged and recorded on the remote, never thrown. */
  async runDue(): Promise<void> {
    const db = this.#app.storage.db;
    const due = await dueRemotes(db).catch(() => []);
    for (const remote of due) {
      if (this.#abort.signal.aborted) return;
      if (!(await takeLease(db, remote.id, LEASE_SECONDS).catch(() => false))) continue;
      try {
        const report = await pullRemote({ db, ingest: this.#app.ingest, validator: this.#app.validator }, remote, { signal: this.#abort.signal });
        this.#log.info({ remote: remote.name, stored: report.stored, rejected: report.rejected, above_agreed_tlp: report.above_agreed_tlp }, 'taxii pull done');
      } catch (err) {
        this.#log.warn({ remote: remote.name, error: (err as Error).message }, 'taxii pull failed');
      } finally {
        await releaseLease(db, remote.id).catch(() => {});
      }
    }
  }

  /** Stops: no new pulls, the running one is cancelled and awaited. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#abort.abort();
    await this.#running;
  }
}
