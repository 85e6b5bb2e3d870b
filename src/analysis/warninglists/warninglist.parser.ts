import type { WarninglistScope } from './warninglist.scopes.ts';
import { parseIpRange } from '../../enrichment/ip-range.ts';

// The MISP warninglist format (misp-warninglists/schema.json): name, description, version, type
// (cidr | hostname | string | substring | regex), list, optional matching_attributes.

/** Types of lists MISP defines. */
export const WARNINGLIST_TYPES = ['cidr', 'hostname', 'string', 'substring', 'regex'] as const;
/** One of WARNINGLIST_TYPES. */
export type WarninglistType = (typeof WARNINGLIST_TYPES)[number];

/** A list ready to store and to match with. */
export interface WarninglistSpec {
  /** Short stable name: the file's base name, or its folder's for MISP's lists/<slug>/list.json layout. */
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  readonly version: number;
  readonly type: WarninglistType;
  /** MISP attribute types the list applies to; empty: all. */
  readonly matchingAttributes: readonly string[];
  readonly entries: readonly string[];
  /** What the list suppresses; absent: never_correlate and never_blocklist. */
  readonly scopes?: readonly WarninglistScope[];
}

/** A parsed list and what was wrong with parts of it. */
export interface ParsedWarninglist {
  readonly list: WarninglistSpec;
  readonly issues: readonly { where: string; reason: string }[];
}

/** Thrown when a file is not a warninglist at all; the message names the file and the field. */
export class WarninglistError extends Error {
  constructor(where: string, reason: string) {
    super(`${where}: ${reason}`);
    this.name = 'WarninglistError';
  }
}

const MAX_ENTRIES = 5_000_000;
const MAX_ENTRY = 4096;

/** The slug of a list from its path: "…/lists/public-dns-v4/list.json" or "…/public-dns-v4.json" → "public-dns-v4". */
export function slugOfPath(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  const file = parts[parts.length - 1] ?? 'list.json';
  const base = file === 'list.json' && parts.length >= 2 ? parts[parts.length - 2]! : file.replace(/\.json$/i, '');
  return base.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').slice(0, 100) || 'list';
}

/**
 * Parses one warninglist file. Entries that are not strings or are too long are reported and skipped;
 * a file without the required fields throws WarninglistError naming the field.
 * @example parseWarninglist(readFileSync('public-dns-v4.json', 'utf8'), 'public-dns-v4')
 */
export function parseWarninglist(text: string, slug: string, where = slug): ParsedWarninglist {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WarninglistError(where, `not JSON (${(err as Error).message})`);
  }
  return parseWarninglistJson(json, slug, where);
}

/** As parseWarninglist, for JSON already parsed (a request body). */
export function parseWarninglistJson(json: unknown, slug: string, where = slug): ParsedWarninglist {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new WarninglistError(where, 'not a JSON object');
  const o = json as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name.trim() === '') throw new WarninglistError(where, 'name: missing or not a string');
  if (typeof o.type !== 'string' || !(WARNINGLIST_TYPES as readonly string[]).includes(o.type))
    throw new WarninglistError(where, `type: must be one of ${WARNINGLIST_TYPES.join(', ')}, got ${JSON.stringify(o.type)}`);
  if (!Array.isArray(o.list)) throw new WarninglistError(where, 'list: missing or not an array');
  if (o.list.length > MAX_ENTRIES) throw new WarninglistError(where, `list: ${o.list.length} entries, more than ${MAX_ENTRIES}`);
  const issues: { where: string; reason: string }[] = [];
  const entries: string[] = [];
  const seen = new Set<string>();
  o.list.forEach((e, i) => {
    if (typeof e !== 'string') return void issues.push({ where: `${where}: list[${i}]`, reason: `not a string (${typeof e})` });
    const v = e.trim();
    if (v === '') return void issues.push({ where: `${where}: list[${i}]`, reason: 'empty' });
    if (v.length > MAX_ENTRY) return void issues.push({ where: `${where}: list[${i}]`, reason: `longer than ${MAX_ENTRY} characters` });
    if (o.type === 'cidr') {
      const range = parseIpRange(v);
      if (typeof range === 'string') return void issues.push({ where: `${where}: list[${i}]`, reason: `not an address or CIDR range: ${range}` });
    }
    if (!seen.has(v)) {
      seen.add(v);
      entries.push(v);
    }
  });
  const attrs = Array.isArray(o.matching_attributes) ? o.matching_attributes.filter((a): a is string => typeof a === 'string') : [];
  if (o.matching_attributes !== undefined && !Array.isArray(o.matching_attributes)) issues.push({ where: `${where}: matching_attributes`, reason: 'not an array: the list applies to every type' });
  const version = typeof o.version === 'number' && Number.isSafeInteger(o.version) ? o.version : 0;
  return {
    list: {
      slug,
      name: o.name.trim().slice(0, 500),
      description: typeof o.description === 'string' ? o.description.slice(0, 4000) : '',
      version,
      type: o.type as WarninglistType,
      matchingAttributes: attrs,
      entries,
    },
    issues,
  };
}
