import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';

// Bulk rows go to the database with COPY (issue 17): the server parses one text stream instead of an array
// literal per column (a third less CPU for a batch of contributions, measured with psql). Kysely knows nothing of
// COPY, so the statement travels as an ordinary query whose one parameter is a CopyPayload; the two drivers below
// (node-postgres' pool clients, PGlite's query) recognise it and run a real COPY … FROM STDIN on the same
// connection, inside the caller's transaction.

/** The rows of a COPY in PostgreSQL's text format (tab-separated fields, one line per row, \N for NULL), as UTF-8. */
export class CopyPayload {
  readonly text: string | Buffer;
  constructor(text: string | Buffer) {
    this.text = text;
  }
}

/**
 * Pieces of text as one UTF-8 buffer, written piece by piece: no long string is made first (a batch's contributions
 * are megabytes; a string built by `+=` is flattened and copied again when encoded, a quarter of the importer's
 * CPU per batch in the profile, issue 17). A piece already encoded (a row built ahead) is copied as it is.
 * @example copyBuffer(['1\ta\n', Buffer.from('2\tb\n')]).toString() // '1\ta\n2\tb\n'
 */
export function copyBuffer(pieces: readonly (string | Uint8Array)[]): Buffer {
  let n = 0;
  for (const p of pieces) n += typeof p === 'string' ? Buffer.byteLength(p) : p.byteLength;
  const out = Buffer.allocUnsafe(n);
  let at = 0;
  for (const p of pieces) {
    if (typeof p === 'string') at += out.write(p, at);
    else {
      out.set(p, at);
      at += p.byteLength;
    }
  }
  return out;
}

/** The marker comment the statement carries its payload in (`/* $1 *\/`), removed before the server sees it. */
const MARKER = /\s*\/\*\s*\$1\s*\*\/\s*$/;

/** The COPY statement and its rows when a query is one (a single CopyPayload parameter), else undefined. */
export function copyOf(text: string, params: readonly unknown[] | undefined): { statement: string; payload: CopyPayload } | undefined {
  if (params?.length !== 1 || !(params[0] instanceof CopyPayload)) return undefined;
  return { statement: text.replace(MARKER, ''), payload: params[0] };
}

/**
 * Copies rows into a table's columns inside the caller's transaction (or on its own connection).
 * @example await copyRows(trx, 'object_keys_stored', ['contribution_id', 'object_id', 'key'], copyText([[1, 'ipv4-addr--…', 'ip:1.2.3.4']]))
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database: the table is named at run time
export async function copyRows(db: Kysely<any>, table: string, columns: readonly string[], text: string | Buffer): Promise<void> {
  if (text.length === 0) return;
  await sql`copy ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) from stdin /* ${new CopyPayload(text)} */`.execute(db);
}

type Field = string | number | boolean | null | undefined;

// Characters COPY's text format gives a meaning to: the backslash, and the row and field separators.
const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field in COPY's text format. */
export function copyField(v: Field): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  return SPECIAL.test(v) ? v.replace(SPECIALS, (c) => ESCAPED[c]!) : v;
}

/** One row in COPY's text format, with its line end. */
export function copyLine(row: readonly Field[]): string {
  let out = '';
  for (let i = 0; i < row.length; i++) out += (i ? '\t' : '') + copyField(row[i]);
  return `${out}\n`;
}

/**
 * Rows in COPY's text format.
 * @example copyText([[1, 'a\tb', null]]) // '1\ta\\tb\t\\N\n'
 */
export function copyText(rows: readonly (readonly Field[])[]): string {
  let out = '';
  for (const row of rows) out += copyLine(row);
  return out;
}

/**
 * Makes a node-postgres client run CopyPayload queries as COPY FROM STDIN (every other query unchanged); for the
 * pool's `connect` event, so that Kysely's PostgresDialect gets such clients.
 * @example pool.on('connect', copying)
 */
export function copying(client: pg.Client): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const copyingQuery = (...args: unknown[]): unknown => {
    const copy = typeof args[0] === 'string' ? copyOf(args[0], args[1] as unknown[] | undefined) : undefined;
    if (!copy) return query(...args);
    return (async () => {
      const stream = client.query(copyFrom(copy.statement));
      const t = copy.payload.text;
      await pipeline(Readable.from([typeof t === 'string' ? Buffer.from(t) : t]), stream);
      return { command: 'COPY', rowCount: stream.rowCount, rows: [], fields: [] };
    })();
  };
  client.query = copyingQuery as typeof client.query;
}
