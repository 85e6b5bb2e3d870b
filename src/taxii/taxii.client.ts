import { setTimeout as sleep } from 'node:timers/promises';
import type { RemoteAuth } from './taxii.tables.ts';
import { TAXII_MEDIA_TYPE } from './taxii.media.ts';

// A TAXII 2.1 client for one remote collection. Remotes are other people's servers: they may hang,
// answer HTML, lie about lengths or send gigabytes. Every call has a deadline and a body size cap,
// transient failures are retried with exponential backoff, and errors say what happened without the
// credentials.

/** Where and how to reach a remote collection. */
export interface RemoteCollection {
  /** URL of the collection resource, e.g. https://peer.example/taxii2/api/collections/<id>/ */
  readonly url: string;
  readonly auth: RemoteAuth;
  readonly username: string | null;
  readonly secret: string | null;
}

/** Limits of the client. */
export interface ClientOptions {
  /** Deadline of one HTTP exchange, body included, in ms. */
  readonly timeoutMs?: number;
  /** Further attempts after a transient failure (network, timeout, 429, 5xx). */
  readonly retries?: number;
  /** First backoff delay in ms; doubled on each retry. */
  readonly backoffMs?: number;
  /** Largest response body accepted, in bytes. */
  readonly maxBodyBytes?: number;
  /** Aborts every request (shutdown). */
  readonly signal?: AbortSignal;
}

/** Why a call to a remote failed. */
export type ClientErrorKind = 'network' | 'timeout' | 'http' | 'garbage' | 'too_large';

/** A failed call to a remote, with a message fit for logs and the CLI (never the credentials). */
export class TaxiiClientError extends Error {
  readonly kind: ClientErrorKind;
  readonly status: number | undefined;
  constructor(kind: ClientErrorKind, message: string, status?: number) {
    super(message);
    this.name = 'TaxiiClientError';
    this.kind = kind;
    this.status = status;
  }

  /** Whether trying again later may help. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'timeout' || this.status === 429 || (this.status !== undefined && this.status >= 500);
  }
}

/** One page of objects from a remote. */
export interface RemotePage {
  readonly objects: unknown[];
  readonly more: boolean;
  readonly next: string | undefined;
  readonly dateAddedFirst: string | undefined;
  readonly dateAddedLast: string | undefined;
}

/** A status resource as a remote returned it (only the counts are relied on). */
export interface RemoteStatus {
  readonly id: string;
  readonly status: string;
  readonly total_count: number;
  readonly success_count: number;
  readonly failure_count: number;
  readonly pending_count: number;
  readonly failures?: readonly { id: string; message?: string }[];
}

/** The URL without user info, query or fragment: safe to print. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparsable url)';
  }
}

function asObject(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** A client of one remote TAXII 2.1 collection. */
export class TaxiiClient {
  readonly #remote: RemoteCollection;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxBody: number;
  readonly #signal: AbortSignal | undefined;

  constructor(remote: RemoteCollection, opts: ClientOptions = {}) {
    const base = remote.url.endsWith('/') ? remote.url : `${remote.url}/`;
    this.#remote = { ...remote, url: base };
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#retries = opts.retries ?? 3;
    this.#backoffMs = opts.backoffMs ?? 1000;
    this.#maxBody = opts.maxBodyBytes ?? 64 * 1024 * 1024;
    this.#signal = opts.signal;
  }

  #headers(contentType: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: TAXII_MEDIA_TYPE };
    if (contentType) h['content-type'] = TAXII_MEDIA_TYPE;
    const r = this.#remote;
    if (r.auth === 'basic') h.authorization = `Basic ${Buffer.from(`${r.username ?? ''}:${r.secret ?? ''}`).toString('base64')}`;
    else if (r.auth === 'bearer') h.authorization = `Bearer ${r.secret ?? ''}`;
    return h;
  }

  async #readBody(res: Response, what: string): Promise<string> {
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > this.#maxBody) throw new TaxiiClientError('too_large', `${what}: the remote announced ${declared} bytes, more than the ${this.#maxBody} accepted`);
    if (!res.body) return '';
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > this.#maxBody) throw new TaxiiClientError('too_large', `${what}: the answer is larger than the ${this.#maxBody} bytes accepted`);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async #once(method: string, url: string, body: string | undefined): Promise<{ status: number; headers: Headers; json: unknown }> {
    const what = `${method} ${safeUrl(url)}`;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = this.#signal ? AbortSignal.any([timeout, this.#signal]) : timeout;
    try {
      const res = await fetch(url, { method, headers: this.#headers(body !== undefined), body, signal, redirect: 'error' });
      const text = await this.#readBody(res, what);
      let json: unknown = undefined;
      if (text.trim() !== '') {
        try {
          json = JSON.parse(text);
        } catch {
          if (!res.ok) throw new TaxiiClientError('http', `${what}: HTTP ${res.status} ${res.statusText}`, res.status);
          throw new TaxiiClientError('garbage', `${what}: HTTP ${res.status} with a body that is not JSON (starts with ${JSON.stringify(text.slice(0, 40))})`);
        }
      }
      if (!res.ok) {
        const err = asObject(json);
        const detail = typeof err?.description === 'string' ? `: ${err.description.slice(0, 300)}` : typeof err?.title === 'string' ? `: ${err.title.slice(0, 300)}` : '';
        const hint = res.status === 401 || res.status === 403 ? ' (check the credentials of this remote)' : '';
        throw new TaxiiClientError('http', `${what}: HTTP ${res.status}${detail}${hint}`, res.status);
      }
      return { status: res.status, headers: res.headers, json };
    } catch (err) {
      if (err instanceof TaxiiClientError) throw err;
      if (timeout.aborted) throw new TaxiiClientError('timeout', `${what}: no complete answer within ${this.#timeoutMs} ms`);
      if (this.#signal?.aborted) throw new TaxiiClientError('network', `${what}: cancelled`);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new TaxiiClientError('network', `${what}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
  }

  async #call(method: string, url: string, body?: string): Promise<{ status: number; headers: Headers; json: unknown }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(method, url, body);
      } catch (err) {
        const e = err as TaxiiClientError;
        if (!e.retryable || attempt >= this.#retries || this.#signal?.aborted) throw e;
        const delay = this.#backoffMs * 2 ** attempt;
        await sleep(delay + Math.floor(Math.random() * (delay / 4)), undefined, this.#signal ? { signal: this.#signal } : {}).catch(() => {});
      }
    }
  }

  /**
   * GET objects of the collection: one page, following the filters given.
   * @example await client.getObjects({ addedAfter: '2026-01-01T00:00:00Z', limit: 1000 })
   */
  async getObjects(q: { addedAfter?: string | undefined; limit?: number; next?: string | undefined } = {}): Promise<RemotePage> {
    const u = new URL('objects/', this.#remote.url);
    if (q.addedAfter) u.searchParams.set('added_after', q.addedAfter);
    if (q.limit) u.searchParams.set('limit', String(q.limit));
    if (q.next) u.searchParams.set('next', q.next);
    const { headers, json } = await this.#call('GET', u.toString());
    const env = json === undefined ? {} : asObject(json);
    const what = `GET ${safeUrl(u.toString())}`;
    if (!env) throw new TaxiiClientError('garbage', `${what}: the answer is not a TAXII envelope (a JSON object)`);
    const objects = env.objects ?? [];
    if (!Array.isArray(objects)) throw new TaxiiClientError('garbage', `${what}: envelope.objects is not a list`);
    if (env.next !== undefined && typeof env.next !== 'string') throw new TaxiiClientError('garbage', `${what}: envelope.next is not a string`);
    return {
      objects,
      more: env.more === true,
      next: typeof env.next === 'string' && env.next !== '' ? env.next : undefined,
      dateAddedFirst: headers.get('x-taxii-date-added-first') ?? undefined,
      dateAddedLast: headers.get('x-taxii-date-added-last') ?? undefined,
    };
  }

  /** POST an envelope whose objects are given as JSON texts joined by commas (sent as they are); answers the status resource. */
  async addObjects(objectsJson: string): Promise<RemoteStatus> {
    const u = new URL('objects/', this.#remote.url).toString();
    const { json } = await this.#call('POST', u, `{"objects":[${objectsJson}]}`);
    const s = asObject(json);
    if (!s || typeof s.id !== 'string' || typeof s.success_count !== 'number') throw new TaxiiClientError('garbage', `POST ${safeUrl(u)}: the answer is not a TAXII status resource`);
    return s as unknown as RemoteStatus;
  }

  /** GET the collection resource (checks that the remote is reachable and readable). */
  async getCollection(): Promise<Record<string, unknown>> {
    const { json } = await this.#call('GET', this.#remote.url);
    const c = asObject(json);
    if (!c || typeof c.id !== 'string') throw new TaxiiClientError('garbage', `GET ${safeUrl(this.#remote.url)}: the answer is not a TAXII collection resource`);
    return c;
  }
}
