import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Tlp } from '../../db/schema.ts';
import type { StorageKind } from '../../db/database.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { auditSensitiveReads } from '../../audit/sensitive-reads.ts';
import { AUDITED_RANK } from '../../access/visibility.policy.ts';
import { TLP_LEVELS } from '../../trust/tlp.ts';
import { feedPages, feedStamp, type FeedEntry } from './feed.query.ts';
import { broadKey, DEFAULT_PREFIX_LIMITS, type PrefixLimits } from '../../observables/cidr.limit.ts';
import { assignSids } from './sid.assigner.ts';
import { suricataRule } from './suricata.format.ts';
import { rpzHeader, rpzRecords } from './rpz.format.ts';
import { buildYaraFile } from './yara.export.ts';
import { keyParts } from '../subscriptions/key-parts.ts';
import type { YaraCompiler } from './yara.compile.ts';

/** Council feed formats. */
export const FEED_FORMATS = ['plain', 'csv', 'json', 'suricata', 'rpz', 'hashes', 'yara'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

/** Destination types of network feeds, and "file" for hashes. */
export const FEED_TYPES = ['url', 'domain-name', 'ipv4-addr', 'ipv6-addr', 'file'] as const;
const HASH_PREFIX = { md5: 'file:md5:', sha1: 'file:sha-1:', sha256: 'file:sha-256:' } as const;
export type HashAlgo = keyof typeof HASH_PREFIX;

/** What a caller asks a feed for. */
export interface FeedRequest {
  readonly format: FeedFormat;
  readonly types?: readonly (typeof FEED_TYPES)[number][] | undefined;
  readonly algo?: HashAlgo | undefined;
  readonly minConfidence?: number | undefined;
  readonly since?: Date | undefined;
  readonly maxTlp?: Tlp | undefined;
}

/** A value on a warninglist (a public resolver, a CDN, a top site) never enters a feed. */
export type WarninglistPredicate = (key: string) => boolean;

/** What the warninglists say of feed entries (issue 11.1: lists have scopes). */
export interface FeedWarninglist {
  /** The value never enters a feed (a never_blocklist list). */
  excluded(key: string): boolean;
  /** A URL on this host ("domain-name:…", "ipv4-addr:…") never blocks the whole host (RPZ, Suricata); default: excluded. */
  hostExcluded?(hostKey: string): boolean;
  /** Warning lists the value is on: kept, and said so in JSON feeds. */
  warnings?(key: string): readonly string[];
}

function hostKeyOf(host: string): string {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h.includes(':')) return `ipv6-addr:${h}`;
  return /^[0-9.]+$/.test(h) ? `ipv4-addr:${h}` : `domain-name:${h}`;
}

const CONTENT_TYPES: Readonly<Record<FeedFormat, string>> = {
  plain: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  suricata: 'text/plain; charset=utf-8',
  rpz: 'text/dns; charset=utf-8',
  hashes: 'text/plain; charset=utf-8',
  yara: 'text/plain; charset=utf-8',
};

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function entryType(e: FeedEntry): string {
  return e.type === 'file' ? e.key.slice(0, e.key.length - e.value.length - 1) : e.type;
}

/** The council feeds (不正通信防止, 不正プログラム対策): what the caller may see, current, deduplicated, streamed. */
export class FeedsService {
  readonly #db: Kysely<Database>;
  #lists: FeedWarninglist;
  #warninglistVersion: () => string = () => '0';
  readonly #yara: () => Promise<YaraCompiler | undefined>;
  readonly #kind: StorageKind;
  readonly #prefixLimits: PrefixLimits;

  constructor(db: Kysely<Database>, opts: { kind?: StorageKind; warninglisted?: WarninglistPredicate; yara?: () => Promise<YaraCompiler | undefined>; prefixLimits?: PrefixLimits | undefined } = {}) {
    this.#db = db;
    this.#kind = opts.kind ?? 'pglite';
    this.#lists = { excluded: opts.warninglisted ?? (() => false) };
    this.#yara = opts.yara ?? (async () => undefined);
    this.#prefixLimits = opts.prefixLimits ?? DEFAULT_PREFIX_LIMITS;
  }

  /** Sets the warninglist filter (the analysis area's matcher, or a plain predicate); its current version goes into ETags. */
  setWarninglist(filter: WarninglistPredicate | FeedWarninglist, version: () => string): void {
    this.#lists = typeof filter === 'function' ? { excluded: filter } : filter;
    this.#warninglistVersion = version;
  }

  #hostExcluded(hostKey: string): boolean {
    return this.#lists.hostExcluded ? this.#lists.hostExcluded(hostKey) : this.#lists.excluded(hostKey);
  }

  /** Whether a rule for this entry would block a whole host that must never be blocked (a URL on a top site). */
  #blocksListedHost(e: FeedEntry): boolean {
    if (e.type !== 'url') return false;
    const host = keyParts(e.key).host;
    return host !== undefined && host !== null && host !== '' && this.#hostExcluded(hostKeyOf(host));
  }

  /** The media type of a format. */
  contentType(format: FeedFormat): string {
    return CONTENT_TYPES[format];
  }

  #prefixes(r: FeedRequest): string[] {
    if (r.format === 'hashes') return [HASH_PREFIX[r.algo ?? 'sha256']];
    const types = r.types?.length ? r.types : ['url', 'domain-name', 'ipv4-addr', 'ipv6-addr'];
    return types.flatMap((t) => (t === 'file' ? (r.format === 'suricata' || r.format === 'rpz' ? [] : Object.values(HASH_PREFIX)) : [`${t}:`]));
  }

  /**
   * An ETag for what the feed would answer now: changes whenever the store, the next expiry, the
   * warninglist, the request or the caller's access does.
   */
  async etag(v: AnyViewer, r: FeedRequest, now = new Date()): Promise<string> {
    const who = v.kind === 'public' ? 'public' : `${v.orgId}|${v.userId}|${v.role}|${v.ndaAccepted}|${[...v.groupIds].sort().join(',')}`;
    const stamp = await feedStamp(this.#db, now);
    const h = createHash('sha256').update(JSON.stringify([r, who, stamp, this.#warninglistVersion()])).digest('base64url').slice(0, 27);
    return `"${h}"`;
  }

  async *#entries(v: AnyViewer, r: FeedRequest, withSid: boolean, now: Date): AsyncGenerator<FeedEntry[]> {
    // Each page's queries run on the connection that reads the feed (see PageStep): never a second one from the pool.
    const step = async (db: Kysely<Database>, all: FeedEntry[]): Promise<FeedEntry[]> => {
      // Ranges broader than the configured prefix are never emitted, whenever they were stored (issue 11.3).
      let page = all.filter((e) => !this.#lists.excluded(e.key) && !broadKey(e.key, this.#prefixLimits));
      if (withSid && page.some((e) => e.sid === null)) {
        // Values no Suricata feed has shown yet get their id now (sid.assigner.ts: not when they are ingested).
        const sids = await assignSids(db, page.filter((e) => e.sid === null).map((e) => e.key));
        page = page.map((e) => (e.sid === null ? { ...e, sid: sids.get(e.key) ?? null } : e));
      }
      const sensitive = page.filter((e) => TLP_LEVELS.indexOf(e.tlp) >= AUDITED_RANK);
      if (sensitive.length) await auditSensitiveReads(db, v, sensitive.map((e) => ({ id: e.key, rank: TLP_LEVELS.indexOf(e.tlp) })), `feed.${r.format}`);
      return page;
    };
    const f = { prefixes: this.#prefixes(r), minConfidence: r.minConfidence, since: r.since, maxTlp: r.maxTlp, now, withSid, details: r.format === 'csv' || r.format === 'json' };
    for await (const page of feedPages(this.#db, v, f, this.#kind, undefined, step)) if (page.length) yield page;
  }

  /**
   * The feed as text chunks, page by page (constant memory; stop iterating to stop reading).
   * @example for await (const chunk of feeds.stream(viewer, { format: 'plain' })) reply.raw.write(chunk)
   */
  async *stream(v: AnyViewer, r: FeedRequest, now = new Date()): AsyncGenerator<string> {
    if (r.format === 'yara') {
      yield (await this.yara(v, now)).source;
      return;
    }
    const withSid = r.format === 'suricata';
    if (r.format === 'csv') yield 'type,value,confidence,tlp,valid_until,updated_at\n';
    if (r.format === 'json') yield `{"generated":"${now.toISOString()}","items":[`;
    if (r.format === 'suricata') yield `# Kessetsu Suricata/Snort rules, generated ${now.toISOString()}; sids are stable per value\n`;
    if (r.format === 'rpz') {
      const stamp = await feedStamp(this.#db, now);
      yield rpzHeader((Number(stamp.split('|')[0]) % 4294967295) + 1, now);
    }
    let first = true;
    let lastRpz = '';
    for await (const page of this.#entries(v, r, withSid, now)) {
      let out = '';
      for (const e of page) {
        switch (r.format) {
          case 'plain':
          case 'hashes':
            out += `${e.value}\n`;
            break;
          case 'csv':
            out += `${entryType(e)},${csvField(e.value)},${e.confidence ?? ''},${e.tlp},${e.validUntil ? e.validUntil.toISOString() : ''},${e.updatedAt.toISOString()}\n`;
            break;
          case 'json': {
            const warned = this.#lists.warnings?.(e.key) ?? [];
            out += `${first ? '' : ','}${JSON.stringify({ type: entryType(e), value: e.value, confidence: e.confidence, tlp: e.tlp, valid_until: e.validUntil?.toISOString() ?? null, updated_at: e.updatedAt.toISOString(), ...(warned.length ? { warninglists: warned } : {}) })}`;
            first = false;
            break;
          }
          case 'suricata': {
            // A rule for a URL matches its host (TLS: the host alone): never on a host no list may block.
            if (this.#blocksListedHost(e)) break;
            const rule = suricataRule(e);
            if (rule) out += `${rule}\n`;
            break;
          }
          case 'rpz': {
            const rec = rpzRecords(e, (k) => !this.#hostExcluded(k));
            if (rec && rec !== lastRpz) out += rec;
            if (rec) lastRpz = rec;
            break;
          }
        }
      }
      if (out) yield out;
    }
    if (r.format === 'json') yield ']}\n';
  }

  /** The YARA rules file of the YARA indicators the caller may see, with what was left out and why. */
  async yara(v: AnyViewer, now = new Date()) {
    return buildYaraFile(this.#db, v, await this.#yara(), now);
  }
}
