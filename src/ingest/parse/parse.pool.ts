import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../shared/errors.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import type { StixValidator } from '../../stix/stix.validator.ts';
import type { IngestFormat, ParseResult } from '../parsers/parse-result.ts';
import { carryKeys } from './carried-keys.ts';
import { deserializeError, runParse, runParseStream, STREAM_WINDOW, type ParseHead, type ParseRequest, type ParseSlice, type SerializedError } from './parse.task.ts';

// A parse allocates short-lived objects at a high rate (a CSV row's strings and objects, a slice's structured clone):
// a worker whose young generation is left to V8's choice under resourceLimits spent 10–25 % more CPU on a 100,000-row
// CSV (2.5–3.3 s vs 2.1–2.4 s at 16 MB, 32 and 64 MB no better; issue 17). A STIX bundle is parsed whole first, and all
// of it survives its first collections: at 64 MB a 1,000,000-object bundle's parse and slices took 7.8–8.0 s and 8.3–8.6
// CPU s on the worker, at 16 MB 8.7–9.9 s and 9.3–10.6 (the head before the first slice 2.4 vs 2.7–3.0 s; twenty-sixth
// session).
const YOUNG_GENERATION_MB = 64;

/** A body sent to a worker (its memory is transferred, not copied); with sliceObjects, parsed and sent in slices. */
export interface WorkerTask {
  readonly kind: 'task';
  readonly id: number;
  readonly body: Uint8Array;
  readonly req: ParseRequest;
  readonly sliceObjects?: number | undefined;
}

/** What the main thread sends a worker: a body, or word that a slice of a streamed parse was taken. */
export type WorkerMessage = WorkerTask | { readonly kind: 'ack' };

/** A request for a streamed parse: the format is known (sniffed by the caller when asked for `auto`). */
export type StreamRequest = ParseRequest & { readonly format: IngestFormat };

/** What a worker answers: the result without its objects, the objects in slices, then done; or an error. */
export type WorkerReply =
  | { readonly id: 0; readonly kind: 'ready' }
  | { readonly id: number; readonly kind: 'head'; readonly result: Omit<ParseResult, 'objects'>; readonly total: number }
  | { readonly id: number; readonly kind: 'objects'; readonly objects: StixObject[] }
  | { readonly id: number; readonly kind: 'slice'; readonly slice: ParseSlice }
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
  /** Streamed parses: the slice size, where slices go, and slices given and not yet taken. */
  readonly sliceObjects?: number;
  readonly onSlice?: (s: ParseSlice) => void;
  pending: number;
  slot?: Slot;
  /** Parse time left (a streamed parse waiting for the main thread to take its slices is not parsing). */
  budgetMs: number;
  /** When the timer last started; 0 while it is paused. */
  since: number;
}

// Slices of a streamed parse as they arrive, for one consumer.
class SliceFeed {
  readonly #slices: ParseSlice[] = [];
  #end: { readonly head: ParseHead } | { readonly error: Error } | undefined;
  #wake: (() => void) | null = null;

  push(s: ParseSlice): void {
    this.#slices.push(s);
    this.#wake?.();
  }

  end(e: { readonly head: ParseHead } | { readonly error: Error }): void {
    this.#end ??= e;
    this.#wake?.();
  }

  async take(): Promise<ParseSlice | { readonly head: ParseHead }> {
    for (;;) {
      const s = this.#slices.shift();
      if (s) return s;
      if (this.#end) {
        if ('error' in this.#end) throw this.#end.error;
        return this.#end;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }
}

async function* inlineStream(body: Buffer, req: StreamRequest, sliceObjects: number, validator: StixValidator): AsyncGenerator<ParseSlice, ParseHead> {
  const slices = runParseStream(body, req, sliceObjects, validator);
  for (let r = slices.next(); ; r = slices.next()) {
    if (r.done) return r.value;
    carryKeys(r.value.objects, r.value.patternKeys);
    yield r.value;
  }
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
      this.#queue.push({ id: this.#nextId++, body, req, resolve, reject, objects: [], pending: 0, budgetMs: this.#opts.timeoutMs, since: 0 });
      this.#dispatch();
    });
  }

  /**
   * Parses a body of a streamed format (STREAMED_FORMATS) in slices of about `sliceObjects` objects, given out as
   * they are parsed: the worker stays at most STREAM_WINDOW slices ahead of the caller (issue 17). Returning early
   * from the generator stops the parse. The pool takes the body over, as parse does.
   * @example const slices = pool.parseStream(body, { ...request, format: 'csv' }, 5000)
   */
  parseStream(body: Buffer, req: StreamRequest, sliceObjects: number): AsyncGenerator<ParseSlice, ParseHead> {
    if (this.#closed) throw new AppError('unavailable', 'the hub is shutting down; try again shortly', { retry_after: 5 });
    if (this.#opts.size === 0 || this.#broken || body.length < this.#opts.inlineBelow) return inlineStream(body, req, sliceObjects, this.#validator);
    const feed = new SliceFeed();
    const task: Task = {
      id: this.#nextId++,
      body,
      req,
      sliceObjects,
      onSlice: (s) => feed.push(s),
      resolve: ({ objects: _none, ...head }) => feed.end({ head }),
      reject: (error) => feed.end({ error }),
      objects: [],
      pending: 0,
      budgetMs: this.#opts.timeoutMs,
      since: 0,
    };
    this.#queue.push(task);
    this.#dispatch();
    return this.#consume(task, feed);
  }

  async *#consume(task: Task, feed: SliceFeed): AsyncGenerator<ParseSlice, ParseHead> {
    let over = false;
    try {
      for (;;) {
        const s = await feed.take();
        if ('head' in s) {
          over = true;
          return s.head;
        }
        this.#took(task);
        carryKeys(s.objects, s.patternKeys);
        yield s;
      }
    } catch (err) {
      over = true;
      throw err;
    } finally {
      if (!over) this.#cancel(task);
    }
  }

  // A slice was taken: the worker may parse one more, and the parse's clock runs again if it had stopped.
  #took(task: Task): void {
    task.pending--;
    const slot = task.slot;
    if (!slot || slot.task !== task) return;
    slot.worker.postMessage({ kind: 'ack' } satisfies WorkerMessage);
    if (task.since === 0 && task.pending < STREAM_WINDOW) this.#arm(slot, task);
  }

  // The caller gave up on a streamed parse (its ingest failed): the worker stops, a new one starts on demand.
  #cancel(task: Task): void {
    const queued = this.#queue.indexOf(task);
    if (queued !== -1) this.#queue.splice(queued, 1);
    const slot = task.slot;
    if (!slot || slot.task !== task) return;
    this.#retire(slot);
    this.#finish(slot);
    void slot.worker.terminate();
    this.#dispatch();
  }

  // A worker being stopped takes no new body (its exit comes later).
  #retire(slot: Slot): void {
    const i = this.#slots.indexOf(slot);
    if (i !== -1) this.#slots.splice(i, 1);
  }

  #arm(slot: Slot, task: Task): void {
    if (slot.timer) clearTimeout(slot.timer);
    task.since = Date.now();
    slot.timer = setTimeout(() => {
      this.#retire(slot);
      const t = this.#finish(slot);
      t?.reject(new AppError('unprocessable', `parsing the file took longer than ${Math.round(this.#opts.timeoutMs / 1000)} s (KESSETSU_PARSE_TIMEOUT_SECONDS): split it`, { limit: 'KESSETSU_PARSE_TIMEOUT_SECONDS' }));
      void slot.worker.terminate();
    }, Math.max(0, task.budgetMs));
    slot.timer.unref();
  }

  #pause(slot: Slot, task: Task): void {
    if (task.since === 0) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    task.budgetMs -= Date.now() - task.since;
    task.since = 0;
  }

  #dispatch(): void {
    while (this.#queue.length) {
      let slot = this.#slots.find((s) => !s.task);
      // A streamed parse waiting for its writer does not count (issue 17): a long import written slice by slice
      // must not hold up other members' parses for as long as it writes.
      if (!slot && this.#slots.filter((s) => !waitingForWriter(s.task)).length < this.#opts.size) slot = this.#spawn();
      if (!slot) return;
      this.#start(slot, this.#queue.shift()!);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_ENTRY, {
      eval: true,
      workerData: { schemaDir: this.#opts.schemaDir },
      resourceLimits: { maxOldGenerationSizeMb: this.#opts.memoryMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
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
        if (task.sliceObjects) inlineInto(task, this.#validator);
        else runParse(task.body, task.req, this.#validator).then(task.resolve, task.reject);
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
    task.slot = slot;
    slot.worker.ref();
    this.#arm(slot, task);
    const body = transferable(task.body);
    const message: WorkerTask = { kind: 'task', id: task.id, body, req: task.req, sliceObjects: task.sliceObjects };
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
      case 'slice':
        // The worker waits once STREAM_WINDOW slices are untaken: that wait is the writer's, not the parse's.
        task.onSlice?.(m.slice);
        if (++task.pending >= STREAM_WINDOW) {
          this.#pause(slot, task);
          this.#dispatch();
        }
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

// A streamed parse whose worker could not start runs in place, its slices fed as they come.
function inlineInto(task: Task, validator: StixValidator): void {
  try {
    const slices = runParseStream(task.body, task.req as StreamRequest, task.sliceObjects!, validator);
    for (let r = slices.next(); ; r = slices.next()) {
      if (r.done) return task.resolve({ ...r.value, objects: [] });
      task.onSlice!(r.value);
    }
  } catch (err) {
    task.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

// A streamed parse whose worker waits for the caller to take its slices.
function waitingForWriter(task: Task | null): boolean {
  return task !== null && task.sliceObjects !== undefined && task.since === 0;
}
