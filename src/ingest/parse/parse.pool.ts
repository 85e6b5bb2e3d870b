import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../shared/errors.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import type { StixValidator } from '../../stix/stix.validator.ts';
import type { ParseResult } from '../parsers/parse-result.ts';
import { deserializeError, runParse, type ParseRequest, type SerializedError } from './parse.task.ts';

/** A body sent to a worker (its memory is transferred, not copied). */
export interface WorkerTask {
  readonly id: number;
  readonly body: Uint8Array;
  readonly req: ParseRequest;
}

/** What a worker answers: the result without its objects, the objects in slices, then done; or an error. */
export type WorkerReply =
  | { readonly id: 0; readonly kind: 'ready' }
  | { readonly id: number; readonly kind: 'head'; readonly result: Omit<ParseResult, 'objects'>; readonly total: number }
  | { readonly id: number; readonly kind: 'objects'; readonly objects: StixObject[] }
  | { readonly id: number; readonly kind: 'done' }
  | { readonly id: number; readonly kind: 'error'; readonly error: SerializedError };

/** Sizes and ceilings of the pool. */
export interface ParsePoolOptions {
  /** Worker threads; 0 parses every body on the main thread. */
  readonly size: number;
  /** Bodies smaller than this are parsed on the main thread. */
  readonly inlineBelow: number;
  /** Heap ceiling of each worker in MiB. */
  readonly memoryMb: number;
  /** A parse running longer is stopped. */
  readonly timeoutMs: number;
  /** OASIS schema folder for the validator each worker builds. */
  readonly schemaDir: string | undefined;
  /** An idle worker exits after this long (a new one starts on demand). */
  readonly idleMs?: number;
  /** Where the pool reports a worker that died or could not start. */
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

interface Task {
  readonly id: number;
  readonly body: Buffer;
  readonly req: ParseRequest;
  readonly resolve: (r: ParseResult) => void;
  readonly reject: (e: Error) => void;
  head?: Omit<ParseResult, 'objects'>;
  objects: StixObject[];
}

interface Slot {
  readonly worker: Worker;
  task: Task | null;
  timer: NodeJS.Timeout | null;
  idle: NodeJS.Timeout | null;
}

const WORKER_URL = new URL(`./parse.worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url);

// The worker's entry (issue 17, worker start cost): a worker does not share the main thread's modules, so each one
// loaded and type-stripped its ~150 modules again (~0.3 CPU s; more on a busy machine). This plain-JavaScript entry
// turns Node's on-disk compile cache on (the one bin/kessetsu.js and src/cli/main.ts use; it never throws) before
// parse.worker loads, so the worker takes stripped code and V8 code from the cache and never loads the TypeScript
// stripper for an entry file of its own. A failed import is an error before 'ready': the pool parses in place.
const WORKER_ENTRY = `require('node:module').enableCompileCache(); import(${JSON.stringify(WORKER_URL.href)});`;

/**
 * The bytes of a body as a view whose memory can move to a worker: the body's own memory when the body
 * owns it (it starts its memory and fills at least half of it, as readBody and readFileSync leave it),
 * else a copy (a slice of someone else's memory must not be taken from them).
 */
function transferable(body: Buffer): Uint8Array {
  const own = body.byteOffset === 0 && body.buffer instanceof ArrayBuffer && body.buffer.byteLength <= body.byteLength * 2;
  return own ? new Uint8Array(body.buffer, 0, body.byteLength) : new Uint8Array(body);
}

/**
 * Parses ingest bodies on worker threads (issue 10.5): the main thread stays free for other requests,
 * a body that needs too much memory or time kills only its worker, and results come back in slices.
 * Small bodies are parsed in place, where a round trip would cost more than the parse.
 * @example const parsed = await pool.parse(body, { format: 'auto', lenient: false, limits })
 */
export class ParsePool {
  readonly #opts: ParsePoolOptions;
  readonly #validator: StixValidator;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;
  // Workers that cannot start (a packaging problem) leave the pool parsing in place, not failing.
  #broken = false;

  constructor(opts: ParsePoolOptions, inlineValidator: StixValidator) {
    this.#opts = opts;
    this.#validator = inlineValidator;
  }

  /** Workers alive, busy, and bodies waiting for one (for /metrics and tests). */
  get stats(): { workers: number; busy: number; queued: number } {
    return { workers: this.#slots.length, busy: this.#slots.filter((s) => s.task).length, queued: this.#queue.length };
  }

  /**
   * Parses a body; the pool takes it over (its memory may move to a worker, leaving the buffer empty).
   * @example const parsed = await pool.parse(body, request)
   */
  parse(body: Buffer, req: ParseRequest): Promise<ParseResult> {
    if (this.#closed) return Promise.reject(new AppError('unavailable', 'the hub is shutting down; try again shortly', { retry_after: 5 }));
    if (this.#opts.size === 0 || this.#broken || body.length < this.#opts.inlineBelow) return runParse(body, req, this.#validator);
    return new Promise<ParseResult>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, body, req, resolve, reject, objects: [] });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length) {
      let slot = this.#slots.find((s) => !s.task);
      if (!slot && this.#slots.length < this.#opts.size) slot = this.#spawn();
      if (!slot) return;
      this.#start(slot, this.#queue.shift()!);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_ENTRY, {
      eval: true,
      workerData: { schemaDir: this.#opts.schemaDir },
      resourceLimits: { maxOldGenerationSizeMb: this.#opts.memoryMb },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    const slot: Slot = { worker, task: null, timer: null, idle: null };
    let started = false;
    worker.on('message', (m: WorkerReply) => {
      if (m.kind === 'ready') started = true;
      else this.#onReply(slot, m);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const task = this.#finish(slot);
      if (!task) return;
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY')
        task.reject(new AppError('payload_too_large', `the file needs more memory to parse than a parse worker has (KESSETSU_PARSE_WORKER_MEMORY_MB=${this.#opts.memoryMb}): split it`, { limit: 'KESSETSU_PARSE_WORKER_MEMORY_MB' }));
      else if (!started) {
        // The worker could not even load: parse in place from now on, and say so once.
        this.#broken = true;
        this.#opts.log?.('parse workers cannot start; parsing on the main thread', { err: err.message });
        runParse(task.body, task.req, this.#validator).then(task.resolve, task.reject);
      } else task.reject(new Error(`parse worker failed: ${err.message}`));
    });
    worker.on('exit', (code) => {
      const i = this.#slots.indexOf(slot);
      if (i !== -1) this.#slots.splice(i, 1);
      const task = this.#finish(slot);
      if (slot.idle) clearTimeout(slot.idle);
      if (task) task.reject(new Error(`parse worker stopped (exit code ${code}) before it finished`));
      if (!this.#closed) this.#dispatch();
    });
    this.#slots.push(slot);
    return slot;
  }

  #start(slot: Slot, task: Task): void {
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = null;
    slot.task = task;
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      const t = this.#finish(slot);
      t?.reject(new AppError('unprocessable', `parsing the file took longer than ${Math.round(this.#opts.timeoutMs / 1000)} s (KESSETSU_PARSE_TIMEOUT_SECONDS): split it`, { limit: 'KESSETSU_PARSE_TIMEOUT_SECONDS' }));
      void slot.worker.terminate();
    }, this.#opts.timeoutMs);
    slot.timer.unref();
    const body = transferable(task.body);
    const message: WorkerTask = { id: task.id, body, req: task.req };
    slot.worker.postMessage(message, [body.buffer as ArrayBuffer]);
  }

  // Detaches the slot's task (if any) and makes the slot idle; returns the task for its caller to settle.
  #finish(slot: Slot): Task | null {
    const task = slot.task;
    slot.task = null;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.worker.unref();
    if (!this.#closed && this.#slots.includes(slot)) {
      slot.idle = setTimeout(() => void slot.worker.terminate(), this.#opts.idleMs ?? 30_000);
      slot.idle.unref();
    }
    return task;
  }

  #onReply(slot: Slot, m: WorkerReply): void {
    const task = slot.task;
    if (!task || task.id !== m.id) return;
    switch (m.kind) {
      case 'head':
        task.head = m.result;
        return;
      case 'objects':
        for (const o of m.objects) task.objects.push(o);
        return;
      case 'done':
        this.#finish(slot);
        task.resolve({ ...task.head!, objects: task.objects });
        break;
      case 'error':
        this.#finish(slot);
        task.reject(deserializeError(m.error));
        break;
    }
    this.#dispatch();
  }

  /** Stops every worker; bodies still waiting are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#queue.splice(0)) t.reject(new AppError('unavailable', 'the hub is shutting down; try again shortly', { retry_after: 5 }));
    await Promise.all(
      this.#slots.splice(0).map((s) => {
        if (s.idle) clearTimeout(s.idle);
        if (s.timer) clearTimeout(s.timer);
        s.task?.reject(new AppError('unavailable', 'the hub is shutting down; try again shortly', { retry_after: 5 }));
        return s.worker.terminate();
      }),
    );
  }
}
