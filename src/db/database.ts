import { mkdirSync } from 'node:fs';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Database } from './schema.ts';
import { yielding } from './pglite.yielding.ts';

/** Which engine backs a Kysely instance. */
export type StorageKind = 'pglite' | 'postgres';

/** An open database with the handles the rest of the system needs. */
export interface Storage {
  readonly db: Kysely<Database>;
  readonly kind: StorageKind;
  /** Where it lives: the PGlite folder or the PostgreSQL URL without its password. */
  readonly location: string;
  /** Subscribes to a LISTEN channel; PGlite delivers only its own notifications. */
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** bigint columns hold sequence numbers and counters far below 2^53. */
const parseInt8 = (value: string): number => Number(value);

/** Hides the password of a connection string for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

/** Opens PGlite persisted in a folder (created when missing). */
export async function openPglite(dataDir: string): Promise<Storage> {
  mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({
    dataDir,
    parsers: { [INT8_OID]: parseInt8, [NUMERIC_OID]: parseInt8 },
  });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: yielding(pglite) }) });
  return {
    db,
    kind: 'pglite',
    location: dataDir,
    async listen(channel, onMessage) {
      const unsub = await pglite.listen(channel, onMessage);
      return unsub;
    },
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** Opens a pool on a PostgreSQL server. */
export async function openPostgres(url: string, poolSize = 10): Promise<Storage> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listeners: pg.Client[] = [];
  return {
    db,
    kind: 'postgres',
    location: redactUrl(url),
    async listen(channel, onMessage) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      await client.connect();
      client.on('notification', (msg) => {
        if (msg.channel === channel) onMessage(msg.payload ?? '');
      });
      await client.query(`LISTEN "${channel.replaceAll('"', '')}"`);
      listeners.push(client);
      return async () => {
        await client.end().catch(() => {});
      };
    },
    async close() {
      await Promise.all(listeners.map((c) => c.end().catch(() => {})));
      await db.destroy();
    },
  };
}

/** Opens PostgreSQL when a URL is given, PGlite in dataDir otherwise. */
export function openStorage(opts: { databaseUrl?: string | undefined; dataDir: string }): Promise<Storage> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(opts.dataDir);
}
