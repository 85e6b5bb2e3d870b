import pg from 'pg';

type Handler = (payload: string) => void;

/** Where the listener reports losing and regaining its connection. */
export type StorageLog = (level: 'warn' | 'info', msg: string, fields?: Record<string, unknown>) => void;

const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 10_000;

/**
 * One LISTEN connection for every channel of a node, that comes back after the server restarts
 * (issue 10.6): on losing it, it reconnects with growing pauses and LISTENs again; then every
 * subscriber is called once with an empty payload, since notifications sent meanwhile were lost.
 * @example const l = new PgListener(url, log); const off = await l.listen('kessetsu_auth', () => auth.invalidate())
 */
export class PgListener {
  readonly #url: string;
  readonly #log: StorageLog;
  readonly #channels = new Map<string, Set<Handler>>();
  #client: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #retry: NodeJS.Timeout | null = null;
  #attempts = 0;
  #closed = false;
  #reconnects = 0;

  constructor(url: string, log: StorageLog) {
    this.#url = url;
    this.#log = log;
  }

  /** Channels LISTENed on a live connection now (0 while reconnecting), and how often it came back. */
  get state(): { connected: boolean; channels: number; reconnects: number } {
    return { connected: this.#client !== null, channels: this.#client ? this.#channels.size : 0, reconnects: this.#reconnects };
  }

  /** Subscribes to a channel; the first subscription connects (and fails if the server is away). */
  async listen(channel: string, onMessage: Handler): Promise<() => Promise<void>> {
    let handlers = this.#channels.get(channel);
    const added = !handlers;
    if (!handlers) this.#channels.set(channel, (handlers = new Set()));
    handlers.add(onMessage);
    if (!this.#client && !this.#retry) await this.#connect();
    else if (added && this.#client) await this.#client.query(`LISTEN ${quote(channel)}`);
    return async () => {
      handlers.delete(onMessage);
      if (handlers.size || this.#channels.get(channel) !== handlers) return;
      this.#channels.delete(channel);
      await this.#client?.query(`UNLISTEN ${quote(channel)}`).catch(() => {});
    };
  }

  #connect(): Promise<void> {
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #open(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    let lost = false;
    const onLost = (err?: Error): void => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = null;
      client.end().catch(() => {});
      if (this.#closed) return;
      this.#log('warn', 'LISTEN connection to PostgreSQL lost; reconnecting', { err: err?.message ?? 'connection ended' });
      this.#schedule();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      for (const h of this.#channels.get(msg.channel) ?? []) h(msg.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of this.#channels.keys()) await client.query(`LISTEN ${quote(channel)}`);
    } catch (err) {
      lost = true;
      client.end().catch(() => {});
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
  }

  #schedule(): void {
    if (this.#retry || this.#closed) return;
    const wait = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** this.#attempts++);
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.#connect().then(
        () => {
          if (!this.#client) return;
          this.#log('info', 'LISTEN connection to PostgreSQL is back', { attempts: this.#attempts, channels: this.#channels.size });
          this.#attempts = 0;
          this.#reconnects++;
          // Whatever was notified while away is lost: every subscriber catches up once.
          for (const handlers of [...this.#channels.values()]) for (const h of [...handlers]) safely(h);
        },
        () => this.#schedule(),
      );
    }, wait);
    this.#retry.unref();
  }

  /** Closes the connection and stops reconnecting. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    await this.#connecting?.catch(() => {});
    const c = this.#client;
    this.#client = null;
    await c?.end().catch(() => {});
  }
}

function safely(h: Handler): void {
  try {
    h('');
  } catch {
    // A subscriber's failure is its own; the others still catch up.
  }
}

function quote(channel: string): string {
  return `"${channel.replaceAll('"', '')}"`;
}
