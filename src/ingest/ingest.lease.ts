import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { failInterruptedIngests, renewIngestLeases, type LeaseHolder } from './ingests.repository.ts';

/**
 * This node's lease on the ingests it runs (issue 10.6): renewed every third of the lease while the
 * process lives; on the same beat, ingests of any node whose lease ran out are failed as interrupted.
 * A node starting never fails another live node's running ingest.
 * @example const lease = new IngestLease(db, { leaseMs: 60_000 }); lease.start(); … await lease.close()
 */
export class IngestLease implements LeaseHolder {
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly #db: Kysely<Database>;
  readonly #log: (msg: string, fields?: Record<string, unknown>) => void;
  #timer: NodeJS.Timeout | null = null;
  #beat: Promise<void> = Promise.resolve();

  constructor(db: Kysely<Database>, opts: { leaseMs: number; nodeId?: string; log?: (msg: string, fields?: Record<string, unknown>) => void }) {
    this.#db = db;
    this.leaseMs = opts.leaseMs;
    this.nodeId = opts.nodeId ?? randomUUID();
    this.#log = opts.log ?? (() => {});
  }

  /** Renews this node's leases, then fails ingests whose lease ran out; answers how many were failed. */
  async tick(): Promise<number> {
    await renewIngestLeases(this.#db, this);
    const failed = await failInterruptedIngests(this.#db);
    if (failed) this.#log('ingests interrupted (their node stopped) marked as failed', { failed });
    return failed;
  }

  /** Starts the beat (the timer does not keep the process alive). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      // One beat at a time; a database that is away for a while is retried on the next beat.
      this.#beat = this.#beat.then(() => this.tick().then(() => undefined, (err: Error) => this.#log('ingest lease renewal failed; retrying on the next beat', { err: err.message })));
    }, Math.max(500, Math.floor(this.leaseMs / 3)));
    this.#timer.unref();
  }

  /** Stops the beat. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#beat;
  }
}
