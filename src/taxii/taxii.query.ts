import { createHash } from 'node:crypto';
import { AppError } from '../shared/errors.ts';

// TAXII 2.1 sections 3.4 (pagination) and 3.5 (filtering): the URL parameters of the objects, manifest,
// object and versions endpoints, checked and turned into one filter the repository understands.

/** Largest page this server answers; larger `limit` values are capped, not refused. */
export const MAX_LIMIT = 1000;
const MAX_VALUES = 200;
const MAX_VALUE_LENGTH = 300;

/** Which versions of each object a request wants (match[version]). */
export interface VersionMatch {
  readonly first: boolean;
  readonly last: boolean;
  readonly all: boolean;
  /** Exact versions, as RFC 3339 timestamps. */
  readonly timestamps: readonly string[];
}

/** The filters of one request, validated. */
export interface TaxiiFilter {
  readonly addedAfter: string | undefined;
  readonly ids: readonly string[];
  readonly types: readonly string[];
  readonly versions: VersionMatch;
  /** match[spec_version]; undefined means "the latest specification version of each object". */
  readonly specVersions: readonly string[] | undefined;
  readonly limit: number;
  readonly next: string | undefined;
}

/** Filters an endpoint accepts (the object and versions endpoints take fewer). */
export type MatchField = 'id' | 'type' | 'version' | 'spec_version';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const STIX_ID = /^[a-z0-9][a-z0-9-]{0,250}--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const STIX_TYPE = /^[a-z0-9][a-z0-9-]{0,250}$/;
const SPEC_VERSION = /^\d+\.\d+$/;

/**
 * True for an RFC 3339 UTC timestamp as TAXII and STIX write them ("2016-01-01T01:01:01.000Z").
 * @example isTimestamp('2016-01-01T01:01:01Z') // true
 */
export function isTimestamp(s: string): boolean {
  if (!TIMESTAMP.test(s)) return false;
  const ms = Date.parse(s.replace(/(\.\d{3})\d+Z$/, '$1Z'));
  return Number.isFinite(ms);
}

/** Microseconds since the epoch of an RFC 3339 timestamp (precision beyond microseconds is dropped). */
export function timestampMicros(s: string): number {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(s);
  const whole = Date.parse(`${m?.[1] ?? s}Z`);
  const frac = (m?.[2] ?? '').slice(0, 6).padEnd(6, '0');
  return whole * 1000 + Number(frac);
}

function bad(param: string, reason: string): AppError {
  return new AppError('bad_request', `${param}: ${reason}`, { parameter: param });
}

// A parameter given several times (match[type]=a&match[type]=b) means the same as a comma-separated list.
function valuesOf(query: Record<string, unknown>, name: string): string[] | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const parts = (Array.isArray(raw) ? raw : [raw]).map((v) => String(v));
  const values = parts.flatMap((p) => p.split(',')).map((v) => v.trim());
  if (values.some((v) => v === '')) throw bad(name, 'empty value in the list');
  if (values.length > MAX_VALUES) throw bad(name, `at most ${MAX_VALUES} values`);
  if (values.some((v) => v.length > MAX_VALUE_LENGTH)) throw bad(name, `values are at most ${MAX_VALUE_LENGTH} characters`);
  return values;
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw bad(name, 'give this parameter once');
  return String(raw);
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return MAX_LIMIT;
  if (!/^\d{1,30}$/.test(raw.trim())) throw bad('limit', `must be a positive integer, got "${raw.slice(0, 40)}"`);
  const n = Number(raw.trim());
  if (n < 1) throw bad('limit', 'must be at least 1');
  return Math.min(n, MAX_LIMIT);
}

function parseVersions(values: string[] | undefined): VersionMatch {
  if (values === undefined) return { first: false, last: true, all: false, timestamps: [] };
  const timestamps: string[] = [];
  let first = false;
  let last = false;
  let all = false;
  for (const v of values) {
    if (v === 'first') first = true;
    else if (v === 'last') last = true;
    else if (v === 'all') all = true;
    else if (isTimestamp(v)) timestamps.push(v);
    else throw bad('match[version]', `"${v.slice(0, 60)}" is not first, last, all or an RFC 3339 timestamp`);
  }
  return { first, last, all, timestamps };
}

/**
 * Reads and checks the filter parameters of a request; unknown parameters are ignored as the spec allows.
 * @example parseFilter({ 'match[type]': 'indicator,malware', limit: '50' }, new Set(['id', 'type', 'version', 'spec_version']))
 */
export function parseFilter(query: Record<string, unknown>, allowed: ReadonlySet<MatchField>): TaxiiFilter {
  const addedAfter = single(query, 'added_after');
  if (addedAfter !== undefined && !isTimestamp(addedAfter)) throw bad('added_after', `"${addedAfter.slice(0, 60)}" is not an RFC 3339 timestamp such as 2016-02-01T00:00:01.000Z`);
  const field = (name: MatchField): string[] | undefined => {
    const values = valuesOf(query, `match[${name}]`);
    if (values !== undefined && !allowed.has(name)) throw bad(`match[${name}]`, 'not supported by this endpoint');
    return values;
  };
  const ids = field('id') ?? [];
  for (const id of ids) if (!STIX_ID.test(id)) throw bad('match[id]', `"${id.slice(0, 60)}" is not a STIX identifier`);
  const types = field('type') ?? [];
  for (const t of types) if (!STIX_TYPE.test(t)) throw bad('match[type]', `"${t.slice(0, 60)}" is not a STIX type`);
  const specVersions = field('spec_version');
  for (const s of specVersions ?? []) if (!SPEC_VERSION.test(s)) throw bad('match[spec_version]', `"${s.slice(0, 60)}" is not a specification version such as 2.1`);
  const next = single(query, 'next');
  if (next !== undefined && (next.length === 0 || next.length > 1000)) throw bad('next', 'not a token this server issued');
  return { addedAfter, ids, types, versions: parseVersions(field('version')), specVersions, limit: parseLimit(single(query, 'limit')), next };
}

/** Where a page ends: the date_added and sequence number of its last entry. */
export interface PageCursor {
  readonly t: string;
  readonly s: number;
}

/**
 * What a `next` token is bound to: the endpoint, collection, object and every filter but limit and next.
 * A token from any other query is refused.
 */
export function queryBinding(endpoint: string, collectionId: string, objectId: string | null, f: TaxiiFilter): string {
  const canonical = JSON.stringify([endpoint, collectionId, objectId, f.addedAfter ?? null, [...f.ids].sort(), [...f.types].sort(), f.versions, f.specVersions ? [...f.specVersions].sort() : null]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

/** Encodes the end of a page as an opaque `next` token bound to its query. */
export function encodeNext(binding: string, cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ b: binding, t: cursor.t, s: cursor.s })).toString('base64url');
}

/**
 * Decodes a `next` token; a token that is malformed or belongs to another query is a 400.
 * @example decodeNext(token, queryBinding('objects', collectionId, null, filter))
 */
export function decodeNext(token: string, binding: string): PageCursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad('next', 'not a token this server issued');
  }
  const o = v as { b?: unknown; t?: unknown; s?: unknown } | null;
  if (!o || typeof o !== 'object' || typeof o.b !== 'string' || typeof o.t !== 'string' || !Number.isSafeInteger(o.s) || (o.s as number) < 0 || !isTimestamp(o.t))
    throw bad('next', 'not a token this server issued');
  if (o.b !== binding) throw bad('next', 'this token belongs to another query or collection; repeat the filters of the request that returned it');
  return { t: o.t, s: o.s as number };
}
