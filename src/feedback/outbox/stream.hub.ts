import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Viewer } from '../../access/viewer.ts';
import type { AlertRow } from '../feedback.tables.ts';
import { liveCredentials } from '../../auth/keys.repository.ts';

/** Where a stream client's events go: the HTTP response, as far as the hub cares. */
export interface StreamSink {
  /** Writes a chunk; false when the client is not keeping up. */
  write(chunk: string): boolean;
  /** Bytes written but not yet taken by the client. */
  readonly buffered: number;
  end(): void;
}

interface Client {
  readonly viewer: Viewer;
  readonly sink: StreamSink;
  lastSent: number;
  /** Events that arrived while the client's missed events were being replayed. */
  pending: AlertRow[] | null;
}

/** Options of the live stream. */
export interface StreamOptions {
  readonly heartbeatMs: number;
  /** A client with more than this many bytes unread is dropped; it resumes with Last-Event-ID. */
  readonly maxBufferedBytes: number;
  /** Looks for alerts even without a notification (one lost on a dropped LISTEN connection). */
  readonly pollMs: number;
}

const PAGE = 500;

/** Records that a viewer is shown these alerts; a failure keeps them from being sent. */
export type StreamAudit = (viewer: Viewer, alerts: readonly AlertRow[]) => Promise<void>;

function frame(a: AlertRow): string {
  const data = JSON.stringify({ id: a.id, kind: a.kind, title: a.title, created: new Date(a.created_at).toISOString(), subscription_id: a.subscription_id, alert: a.body });
  return `id: ${a.id}\nevent: alert\ndata: ${data}\n\n`;
}

function addressedTo(v: Viewer, a: Pick<AlertRow, 'org_id' | 'user_id'>): boolean {
  return a.org_id === v.orgId && (a.user_id === null || a.user_id === v.userId);
}

/**
 * Server-sent events of alerts. Alerts live in the database, so a stream is a window on the alerts
 * table: a client resuming with Last-Event-ID gets what it missed, and an alert committed on another
 * node reaches this one's clients through LISTEN/NOTIFY (and a slow poll, should a notification be lost).
 */
export class StreamHub {
  readonly #db: Kysely<Database>;
  readonly #o: StreamOptions;
  readonly #clients = new Set<Client>();
  #lastId = 0;
  #polling: Promise<void> | undefined;
  #again = false;
  #checking: Promise<void> | undefined;
  #checkAgain = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #poller: NodeJS.Timeout | undefined;

  readonly #audit: StreamAudit;

  /** `audit` records what each client is about to be shown (AMBER+STRICT and RED reads, issue 10.9). */
  constructor(db: Kysely<Database>, opts: Partial<StreamOptions> = {}, audit: StreamAudit = async () => {}) {
    this.#db = db;
    this.#audit = audit;
    this.#o = { heartbeatMs: 15_000, maxBufferedBytes: 1 << 20, pollMs: 60_000, ...opts };
  }

  /** Starts from the newest alert; heartbeats keep proxies from closing idle streams. */
  async start(): Promise<void> {
    this.#lastId = await this.#maxId();
    this.#heartbeat = setInterval(() => this.#broadcast(': ping\n\n'), this.#o.heartbeatMs);
    this.#heartbeat.unref();
    this.#poller = setInterval(() => {
      if (!this.#clients.size) return;
      this.notify();
      // A lost access notification must not keep a revoked key's stream open for ever.
      this.revalidate();
    }, this.#o.pollMs);
    this.#poller.unref();
  }

  async #maxId(): Promise<number> {
    const r = await this.#db.selectFrom('alerts').select(sql<number | null>`max(id)`.as('m')).executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  /** Connected clients (metrics, tests). */
  get clients(): number {
    return this.#clients.size;
  }

  /**
   * Adds a client; with lastEventId, first replays the alerts it missed. Returns the function
   * that removes it (call it when the connection closes).
   */
  async connect(viewer: Viewer, sink: StreamSink, lastEventId: number | null): Promise<() => void> {
    const client: Client = { viewer, sink, lastSent: lastEventId ?? this.#lastId, pending: lastEventId === null ? null : [] };
    this.#clients.add(client);
    const remove = (): void => void this.#clients.delete(client);
    if (lastEventId !== null) {
      let missed: AlertRow[];
      try {
        missed = await this.#db
          .selectFrom('alerts')
          .selectAll()
          .where('id', '>', lastEventId)
          .where('org_id', '=', viewer.orgId)
          .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', viewer.userId)]))
          .orderBy('id')
          .limit(PAGE * 2)
          .execute();
        // Live alerts that arrive meanwhile are audited by the poll that queues them.
        await this.#audit(viewer, missed);
      } catch (err) {
        // Nothing unaudited is sent: the client goes and reconnects with its Last-Event-ID.
        client.pending = null;
        this.#clients.delete(client);
        throw err;
      }
      // Live alerts that came while the missed ones were read: all in id order, each once.
      const all = [...missed, ...(client.pending ?? [])].sort((x, y) => x.id - y.id);
      client.pending = null;
      for (const a of all) this.#send(client, a);
    }
    return remove;
  }

  /**
   * Ends the streams whose key was revoked or whose user was disabled (called on every access change,
   * on this node and, through LISTEN/NOTIFY, on the others). Repeated calls while one runs coalesce.
   */
  revalidate(): void {
    if (this.#checking) {
      this.#checkAgain = true;
      return;
    }
    this.#checking = this.#revalidate()
      .catch(() => {})
      .finally(() => {
        this.#checking = undefined;
        if (this.#checkAgain) {
          this.#checkAgain = false;
          this.revalidate();
        }
      });
  }

  /** Resolves when the access check in flight (if any) is done (tests). */
  async settled(): Promise<void> {
    while (this.#checking) await this.#checking;
  }

  async #revalidate(): Promise<void> {
    if (this.#clients.size === 0) return;
    const clients = [...this.#clients];
    const keyIds = [...new Set(clients.map((c) => c.viewer.keyId).filter((k): k is string => k !== null))];
    const userIds = [...new Set(clients.map((c) => c.viewer.userId))];
    const live = await liveCredentials(this.#db, keyIds, userIds);
    for (const c of clients) {
      const ok = live.users.has(c.viewer.userId) && (c.viewer.keyId === null || live.keys.has(c.viewer.keyId));
      if (!ok) this.#drop(c);
    }
  }

  /** Reads alerts newer than the last seen and sends each to the clients it is addressed to. */
  notify(): void {
    if (this.#polling) {
      this.#again = true;
      return;
    }
    this.#polling = this.#poll()
      .catch(() => {})
      .finally(() => {
        this.#polling = undefined;
        if (this.#again) {
          this.#again = false;
          this.notify();
        }
      });
  }

  async #poll(): Promise<void> {
    if (this.#clients.size === 0) {
      this.#lastId = Math.max(this.#lastId, await this.#maxId());
      return;
    }
    for (;;) {
      const rows = await this.#db.selectFrom('alerts').selectAll().where('id', '>', this.#lastId).orderBy('id').limit(PAGE).execute();
      for (const a of rows) this.#lastId = Math.max(this.#lastId, a.id);
      for (const c of [...this.#clients]) {
        const mine = rows.filter((a) => addressedTo(c.viewer, a) && a.id > c.lastSent);
        if (mine.length === 0) continue;
        try {
          await this.#audit(c.viewer, mine);
        } catch {
          // Not shown unless audited: the client is dropped and resumes with Last-Event-ID.
          this.#drop(c);
          continue;
        }
        if (this.#clients.has(c)) for (const a of mine) this.#send(c, a);
      }
      if (rows.length < PAGE) return;
    }
  }

  #send(c: Client, a: AlertRow): void {
    if (c.pending) {
      c.pending.push(a);
      return;
    }
    if (a.id <= c.lastSent) return;
    c.lastSent = a.id;
    this.#write(c, frame(a));
  }

  #write(c: Client, chunk: string): void {
    try {
      c.sink.write(chunk);
      // A client that stopped reading is dropped rather than buffered without end; it resumes where it was.
      if (c.sink.buffered > this.#o.maxBufferedBytes) this.#drop(c);
    } catch {
      this.#drop(c);
    }
  }

  #drop(c: Client): void {
    this.#clients.delete(c);
    try {
      c.sink.end();
    } catch {
      // already gone
    }
  }

  #broadcast(chunk: string): void {
    for (const c of this.#clients) if (!c.pending) this.#write(c, chunk);
  }

  /** Ends every stream (server shutdown) and stops the timers. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    clearInterval(this.#poller);
    await this.#polling;
    await this.#checking;
    for (const c of [...this.#clients]) this.#drop(c);
  }
}
