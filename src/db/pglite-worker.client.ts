import { Worker } from 'node:worker_threads';
import { copyOf } from './copy.ts';
import { fromWire, type WireError, type WireResults, type WorkerReply, type WorkerRequest, type WorkerStart } from './pglite-worker.protocol.ts';
import type { PgliteHandle, PgliteTx } from './pglite.handle.ts';

const WORKER_URL = new URL('./pglite-worker.ts', import.meta.url);
// As the parse pool does (src/ingest/parse/parse.pool.ts): Node's compile cache on before the worker's modules load.
const WORKER_ENTRY = `require('node:module').enableCompileCache(); import(${JSON.stringify(WORKER_URL.href)});`;

/** The error every pending and later call gets once the worker is gone: a storage fault (57P02), not a hang. */
function stopped(why: string): Error {
  return Object.assign(new Error(`the PGlite worker stopped (${why}); terminating connection because of crash of another server process`), { code: '57P02' });
}

interface Pending {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;
type Request = Distribute<WorkerRequest>;

/**
 * PGlite running in a worker thread (issue 17), with the calls the hub makes of PGlite: Kysely's (query,
 * transaction, close, ready), the test harness' (exec) and listen. PostgreSQL's work runs on the worker's
 * core; the main thread only sends statements and receives rows, so its event loop stays free during long
 * statements. A transaction spans messages: the worker holds it open until commit or rollback is sent.
 * @example const pglite = await PgliteWorker.start('./data', 16); await pglite.query('select 1')
 */
export class PgliteWorker implements PgliteHandle {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #channels = new Map<string, Set<(payload: string) => void>>();
  #nextId = 1;
  #gone: Error | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /**
   * Starts the worker and PGlite in it on dataDir; rejects with PGlite's error when it cannot open the folder. With
   * `statementStats`, the worker writes its statements' CPU totals to that file when it closes.
   */
  static start(dataDir: string, sharedBuffersMb: number, statementStats?: string): Promise<PgliteWorker> {
    const worker = new Worker(WORKER_ENTRY, { eval: true, workerData: { dataDir, sharedBuffersMb, statementStats } satisfies WorkerStart });
    const self = new PgliteWorker(worker);
    return new Promise<PgliteWorker>((resolve, reject) => {
      let started = false;
      worker.on('message', (m: WorkerReply) => {
        if (m.kind === 'ready') {
          started = true;
          worker.unref(); // only pending calls keep the process alive, as PGlite on the main thread
          resolve(self);
        } else if (m.kind === 'failed') {
          void worker.terminate();
          reject(fromWire(m.error));
        } else self.#onReply(m);
      });
      worker.on('error', (err) => {
        if (!started) reject(err);
        self.#fail(stopped(err.message));
      });
      worker.on('exit', (code) => {
        if (!started) reject(stopped(`exit code ${code} before it started`));
        self.#fail(stopped(self.#closed ? 'closed' : `exit code ${code}`));
      });
    });
  }

  get closed(): boolean {
    return this.#closed || this.#gone !== null;
  }

  get ready(): boolean {
    return !this.closed;
  }

  get waitReady(): Promise<void> {
    return Promise.resolve();
  }

  #onReply(m: Exclude<WorkerReply, { kind: 'ready' | 'failed' }>): void {
    if (m.kind === 'notify') {
      for (const fn of this.#channels.get(m.channel) ?? []) fn(m.payload);
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (m.kind === 'ok') p.resolve(m.result);
    else p.reject(fromWire(m.error as WireError));
  }

  #fail(err: Error): void {
    this.#gone ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }

  #call<T>(req: Request): Promise<T> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      try {
        this.#worker.postMessage({ ...req, id } as WorkerRequest);
      } catch (err) {
        reject(err as Error); // a parameter that cannot be cloned (a function, say)
        return;
      }
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  #query<T>(tx: number | undefined, sql: string, params?: unknown[], options?: { rowMode?: 'object' | 'array' }): Promise<WireResults & { rows: T[] }> {
    const copy = copyOf(sql, params);
    if (copy) return this.#call({ op: 'copy', sql: copy.statement, data: copy.payload.text, tx });
    return this.#call({ op: 'query', sql, params, rowMode: options?.rowMode, tx });
  }

  /** One statement, with parameters; a CopyPayload parameter (copy.ts) runs a COPY from its rows. */
  query<T>(sql: string, params?: unknown[], options?: { rowMode?: 'object' | 'array' }): Promise<WireResults & { rows: T[] }> {
    return this.#query<T>(undefined, sql, params, options);
  }

  /** Statements without parameters, one result each. */
  exec(sql: string): Promise<WireResults[]> {
    return this.#call({ op: 'exec', sql, tx: undefined });
  }

  /** Runs cb in a transaction: committed when cb resolves, rolled back when it throws. */
  async transaction<T>(cb: (tx: PgliteTx) => Promise<T>): Promise<T> {
    const id = await this.#call<number>({ op: 'begin' });
    let ended = false;
    const tx: PgliteTx = {
      query: <R>(sql: string, params?: unknown[], options?: { rowMode?: 'object' | 'array' }) => this.#query<R>(id, sql, params, options),
      exec: (sql: string) => this.#call<WireResults[]>({ op: 'exec', sql, tx: id }),
      rollback: async () => {
        ended = true;
        await this.#call({ op: 'end', tx: id, commit: false });
      },
      get closed() {
        return ended;
      },
    };
    let result: T;
    try {
      result = await cb(tx);
    } catch (err) {
      if (!ended) await this.#call({ op: 'end', tx: id, commit: false }).catch(() => undefined);
      throw err;
    }
    if (!ended) await this.#call({ op: 'end', tx: id, commit: true });
    return result;
  }

  /** Subscribes to a channel; PGlite delivers its own notifications (after the notifying statement's commit). */
  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    let subs = this.#channels.get(channel);
    if (!subs) {
      subs = new Set();
      this.#channels.set(channel, subs);
      await this.#call({ op: 'listen', channel });
    }
    subs.add(onMessage);
    return async () => {
      const s = this.#channels.get(channel);
      if (!s?.delete(onMessage) || s.size > 0) return;
      this.#channels.delete(channel);
      if (!this.closed) await this.#call({ op: 'unlisten', channel });
    };
  }

  /** Ends the worker at once, as a crash would: what is pending and what comes later fails as a storage fault (tests). */
  async kill(): Promise<void> {
    await this.#worker.terminate();
  }

  /** Closes PGlite (its files flushed) and ends the worker. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#gone) return;
      try {
        await this.#call({ op: 'close' });
      } finally {
        this.#closed = true;
        await this.#worker.terminate();
      }
    })();
    return this.#closing;
  }
}
