// The messages between the hub's main thread and the thread that runs PGlite (pglite-worker.ts). Rows, parameters
// and COPY payloads cross by structured clone (Dates, Uint8Arrays, arrays and plain objects survive it); errors
// cross as their fields, since a structured clone keeps only an Error's message.

/** What the main thread asks; `tx` names an open transaction the statement belongs to. */
export type WorkerRequest =
  | { readonly op: 'query'; readonly id: number; readonly sql: string; readonly params: readonly unknown[] | undefined; readonly rowMode: 'object' | 'array' | undefined; readonly tx: number | undefined }
  | { readonly op: 'copy'; readonly id: number; readonly sql: string; readonly data: string | Uint8Array; readonly tx: number | undefined }
  | { readonly op: 'exec'; readonly id: number; readonly sql: string; readonly tx: number | undefined }
  | { readonly op: 'begin'; readonly id: number }
  | { readonly op: 'end'; readonly id: number; readonly tx: number; readonly commit: boolean }
  | { readonly op: 'listen' | 'unlisten'; readonly id: number; readonly channel: string }
  | { readonly op: 'close'; readonly id: number };

/** The part of PGlite's results that crosses back (the blob and per-statement parsers stay behind). */
export interface WireResults {
  readonly rows: unknown[];
  readonly affectedRows?: number | undefined;
  readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[];
}

/** An error as its fields: PostgreSQL's (code, detail, constraint, position, …) and the message. */
export interface WireError {
  readonly message: string;
  readonly name: string;
  readonly fields: Record<string, string | number | boolean>;
}

/** What the worker says: started (or not), an answer, or a notification. */
export type WorkerReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly error: WireError }
  | { readonly kind: 'ok'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly error: WireError }
  | { readonly kind: 'notify'; readonly channel: string; readonly payload: string };

/** How the worker is started. */
export interface WorkerStart {
  readonly dataDir: string;
  readonly sharedBuffersMb: number;
  /** A file the statements' CPU totals are written to when PGlite closes (pglite.statement-stats.ts), if any. */
  readonly statementStats?: string | undefined;
}

/** An error's message, name and its own plain fields (PGlite adds the query and its parameters: left behind). */
export function toWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { message: String(err), name: 'Error', fields: {} };
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k === 'query' || k === 'params' || k === 'queryOptions') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  return { message: err.message, name: err.name, fields };
}

/** The error the caller sees: the same message, name and fields, with the caller's stack. */
export function fromWire(w: WireError): Error {
  const err = new Error(w.message);
  Object.assign(err, w.fields);
  Object.defineProperty(err, 'name', { value: w.name, enumerable: false, configurable: true, writable: true });
  return err;
}
