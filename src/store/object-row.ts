import { hash } from 'node:crypto';
import type { Tlp } from '../db/schema.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { isSco } from '../stix/stix.types.ts';

/** What the store writes for one object of an ingest. */
export interface ObjectRecord {
  readonly id: string;
  readonly type: string;
  readonly specVersion: string;
  readonly created: string | null;
  readonly modified: string | null;
  readonly revoked: boolean;
  readonly value: string | null;
  readonly display: string | null;
  readonly name: string | null;
  readonly confidence: number | null;
  readonly validUntil: string | null;
  readonly patternUsable: boolean | null;
  readonly data: StixObject;
  /** Observable keys: an observable's own, or those an indicator's pattern matches. */
  readonly keys: readonly string[];
  /** Hash of the canonical JSON of `data`: equal contents, equal hashes. */
  readonly contentHash: string;
  /** The canonical JSON of `data` (what the store writes), hashed on the way when it was not yet. */
  canonicalData(): string;
}

/** One organisation's contribution of one object. */
export interface ContributionRecord {
  readonly objectId: string;
  readonly orgId: string;
  readonly userId: string | null;
  readonly ingestId: string | null;
  readonly tlp: Tlp;
  readonly pap: string | null;
  readonly anonymous: boolean;
  readonly allowCount: boolean;
  readonly confidence: number | null;
  readonly recipientOrgs: readonly string[];
  readonly recipientGroups: readonly string[];
  readonly recipientUsers: readonly string[];
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** An edge of the graph: a relationship, a sighting, or an embedded reference. */
export interface EdgeRecord {
  readonly sourceId: string;
  readonly targetId: string;
  readonly viaId: string;
  readonly kind: 'relationship' | 'sighting' | 'ref';
  readonly label: string;
}

type Audience = Pick<ContributionRecord, 'tlp' | 'recipientOrgs' | 'recipientGroups' | 'recipientUsers' | 'anonymous'>;

// The contributions of one ingest share their audience, recipient arrays included (prepare shares them): the last
// key made is kept for the next contribution with the very same arrays (sorting three arrays per row cost ~1 µs).
let lastAudience: Audience | undefined;
let lastKey = '';

/** The scope key that makes one organisation's contributions of an object separable by audience. */
export function scopeKey(c: Audience): string {
  const l = lastAudience;
  if (l && l.tlp === c.tlp && l.anonymous === c.anonymous && l.recipientOrgs === c.recipientOrgs && l.recipientGroups === c.recipientGroups && l.recipientUsers === c.recipientUsers) return lastKey;
  const part = (xs: readonly string[]) => [...xs].sort().join(',');
  lastKey = `${c.tlp}|o:${part(c.recipientOrgs)}|g:${part(c.recipientGroups)}|u:${part(c.recipientUsers)}|a:${c.anonymous ? 1 : 0}`;
  lastAudience = { tlp: c.tlp, anonymous: c.anonymous, recipientOrgs: c.recipientOrgs, recipientGroups: c.recipientGroups, recipientUsers: c.recipientUsers };
  return lastKey;
}

const TS = (v: unknown): string | null => (typeof v === 'string' ? v : null);

// Embedded references that make graph edges; created_by_ref and markings would connect everything.
const REF_LISTS = ['object_refs', 'sample_refs', 'observed_data_refs', 'where_sighted_refs', 'to_refs', 'cc_refs', 'resolves_to_refs', 'contains_refs'] as const;
const REF_SINGLE = ['from_ref', 'sender_ref', 'src_ref', 'dst_ref', 'parent_directory_ref', 'belongs_to_ref', 'raw_email_ref', 'operating_system_ref', 'host_vm_ref'] as const;

/** The graph edges an object creates. */
export function edgesOf(obj: StixObject): EdgeRecord[] {
  const out: EdgeRecord[] = [];
  if (obj.type === 'relationship' && typeof obj.source_ref === 'string' && typeof obj.target_ref === 'string') {
    out.push({ sourceId: obj.source_ref, targetId: obj.target_ref, viaId: obj.id, kind: 'relationship', label: String(obj.relationship_type ?? 'related-to') });
    return out;
  }
  if (obj.type === 'sighting' && typeof obj.sighting_of_ref === 'string') {
    for (const ref of [...((obj.where_sighted_refs as string[] | undefined) ?? []), ...((obj.observed_data_refs as string[] | undefined) ?? [])])
      out.push({ sourceId: obj.sighting_of_ref, targetId: ref, viaId: obj.id, kind: 'sighting', label: 'sighted' });
    out.push({ sourceId: obj.id, targetId: obj.sighting_of_ref, viaId: obj.id, kind: 'ref', label: 'sighting_of_ref' });
    return out;
  }
  for (const name of REF_LISTS) {
    const refs = obj[name];
    if (Array.isArray(refs)) for (const r of refs) if (typeof r === 'string') out.push({ sourceId: obj.id, targetId: r, viaId: obj.id, kind: 'ref', label: name });
  }
  for (const name of REF_SINGLE) {
    const r = obj[name];
    if (typeof r === 'string') out.push({ sourceId: obj.id, targetId: r, viaId: obj.id, kind: 'ref', label: name });
  }
  return out;
}

/**
 * What a record is given beyond its object: the columns' values where the object does not say them, and its content's
 * hash when known already (a feed line's, made on the parse worker: the hash of exactly this content).
 */
export interface RecordExtras {
  readonly value?: string | null;
  readonly display?: string | null;
  readonly keys?: readonly string[];
  readonly patternUsable?: boolean | null;
  readonly contentHash?: string | undefined;
}

// A record hashes its content when first asked (issue 17): in an ingest that is while its batch is built, beside the
// server's work on the batch before, not in prepareObjects ahead of the whole write. A class, not a literal with a
// getter: every record keeps one shape and fast properties. The content is never changed once recorded.
class Record implements ObjectRecord {
  readonly id: string;
  readonly type: string;
  readonly specVersion: string;
  readonly created: string | null;
  readonly modified: string | null;
  readonly revoked: boolean;
  readonly value: string | null;
  readonly display: string | null;
  readonly name: string | null;
  readonly confidence: number | null;
  readonly validUntil: string | null;
  readonly patternUsable: boolean | null;
  readonly data: StixObject;
  readonly keys: readonly string[];
  #contentHash: string | undefined;

  constructor(obj: StixObject, extras: RecordExtras) {
    const sco = isSco(obj.type);
    const value = extras.value ?? (typeof obj.value === 'string' ? obj.value : obj.type === 'autonomous-system' && typeof obj.number === 'number' ? `AS${obj.number}` : null);
    this.id = obj.id;
    this.type = obj.type;
    this.specVersion = typeof obj.spec_version === 'string' ? obj.spec_version : '2.1';
    this.created = sco ? null : TS(obj.created);
    this.modified = sco ? null : (TS(obj.modified) ?? TS(obj.created));
    this.revoked = obj.revoked === true;
    this.value = value;
    this.display = extras.display ?? value;
    this.name = typeof obj.name === 'string' ? obj.name.slice(0, 1000) : null;
    this.confidence = typeof obj.confidence === 'number' ? obj.confidence : null;
    this.validUntil = TS(obj.valid_until);
    this.patternUsable = extras.patternUsable ?? null;
    this.data = obj;
    this.keys = extras.keys ?? [];
    this.#contentHash = extras.contentHash;
  }

  get contentHash(): string {
    return (this.#contentHash ??= hash('sha1', canonicalJson(this.data), 'base64url')); // one-shot: a Hash object per call costs ~4 µs more
  }

  canonicalData(): string {
    // One serialisation for both the stored JSON and its hash (jsonb keeps no key order, so sorted keys store alike).
    const text = canonicalJson(this.data);
    this.#contentHash ??= hash('sha1', text, 'base64url');
    return text;
  }
}

/** Builds the record of an object: the columns that queries need, and the full JSON (hashed on first use). */
export function objectRecord(obj: StixObject, extras: RecordExtras = {}): ObjectRecord {
  return new Record(obj, extras);
}
