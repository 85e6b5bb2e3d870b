import { readFileSync, statSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { getDomain } from 'tldts';
import type { Database } from '../db/schema.ts';
import { parseIpv4 } from '../observables/ip.normalize.ts';
import { parseEnrichmentFile, type EnrichRange } from './enrichment.parsers.ts';
import { listDatasets, loadRanges, replaceDataset, type DatasetRow } from './enrichment.repository.ts';
import { ipv6Value } from './ip-range.ts';
import { RangeTable } from './range.table.ts';

/** What the offline datasets say about an address. */
export interface IpInfo {
  readonly asn: number | null;
  /** The AS holder ("hosting provider"), from ip2asn. */
  readonly holder: string | null;
  readonly country: string | null;
  /** Datasets that answered. */
  readonly sources: readonly string[];
}

/** What importing one file did. */
export interface EnrichmentImport {
  readonly file: string;
  readonly dataset: string | null;
  readonly kind: string | null;
  readonly ranges: number;
  readonly error: string | null;
  readonly issues: readonly { line: number; reason: string }[];
}

interface Loaded {
  readonly name: string;
  readonly kind: string;
  readonly v4: RangeTable;
  readonly v6: RangeTable;
  readonly asn: RangeTable;
}

const MAX_FILE = 512 * 1024 * 1024;

function tables(name: string, kind: string, ranges: readonly EnrichRange[]): Loaded {
  return {
    name,
    kind,
    v4: new RangeTable(ranges.filter((r) => r.family === 4)),
    v6: new RangeTable(ranges.filter((r) => r.family === 6)),
    asn: new RangeTable(ranges.filter((r) => r.family === 0)),
  };
}

/**
 * Offline enrichment: IP → ASN, AS holder and country from imported RIR delegated statistics and
 * ip2asn files (re-importable when updated), domain → registrable domain by the public suffix list
 * (tldts). No network calls.
 * @example enrichment.ipInfo('8.8.8.8') // { asn: 15169, holder: 'GOOGLE - Google LLC', country: 'US', sources: ['ip2asn-v4'] }
 */
export class EnrichmentService {
  readonly #db: Kysely<Database>;
  #loaded: Loaded[] = [];
  #holders = new Map<number, string>();
  // The ranges behind the tables, by dataset; null until read from the database once.
  #datasets: Map<string, { kind: string; ranges: EnrichRange[] }> | null = null;

  readonly #onChange: () => void;

  constructor(db: Kysely<Database>, onChange: () => void = () => {}) {
    this.#db = db;
    this.#onChange = onChange;
  }

  /** Reads every dataset into memory (at start, and when another node imported). */
  async reload(): Promise<void> {
    this.#datasets = await loadRanges(this.#db);
    this.#build();
  }

  #build(): void {
    const all = [...this.#datasets!].sort(([a], [b]) => a.localeCompare(b));
    // ip2asn first: it knows the AS and its holder; delegated statistics only the country.
    const holders = new Map<number, string>();
    for (const [, d] of all) for (const r of d.ranges) if (r.asn !== null && r.holder && !holders.has(r.asn)) holders.set(r.asn, r.holder);
    this.#holders = holders;
    this.#loaded = all.map(([name, d]) => tables(name, d.kind, d.ranges)).sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'ip2asn' ? -1 : 1));
  }

  /** The datasets held. */
  list(): Promise<DatasetRow[]> {
    return listDatasets(this.#db);
  }

  /** Imports files (format recognised from the content); each replaces the dataset of the same source. */
  async importFiles(paths: readonly string[]): Promise<EnrichmentImport[]> {
    const out: EnrichmentImport[] = [];
    for (const file of paths) {
      try {
        if (statSync(file).size > MAX_FILE) throw new Error(`larger than ${MAX_FILE} bytes`);
        const parsed = parseEnrichmentFile(readFileSync(file, 'utf8'));
        if (!parsed) throw new Error('neither RIR delegated statistics ("registry|cc|type|start|value|date|status") nor an ip2asn TSV file');
        if (parsed.ranges.length === 0) throw new Error(parsed.issues[0]?.reason ?? 'no ranges');
        await replaceDataset(this.#db, parsed, file);
        // What was just written is what the database would give back: no read-back of every range (test speed, issue 11.7).
        this.#datasets?.set(parsed.name, { kind: parsed.kind, ranges: parsed.ranges });
        out.push({ file, dataset: parsed.name, kind: parsed.kind, ranges: parsed.ranges.length, error: null, issues: parsed.issues });
      } catch (err) {
        out.push({ file, dataset: null, kind: null, ranges: 0, error: (err as Error).message, issues: [] });
      }
    }
    if (this.#datasets) this.#build();
    else await this.reload();
    this.#onChange();
    return out;
  }

  /** What the datasets say about an IPv4 or IPv6 address (not a CIDR); null when nothing or not an address. */
  ipInfo(ip: string): IpInfo | null {
    const v4 = parseIpv4(ip);
    const value = typeof v4 === 'number' ? v4 : ipv6Value(ip);
    if (value === null) return null;
    let asn: number | null = null;
    let holder: string | null = null;
    let country: string | null = null;
    const sources: string[] = [];
    for (const d of this.#loaded) {
      const f = (typeof value === 'number' ? d.v4 : d.v6).find(value);
      if (!f) continue;
      sources.push(d.name);
      asn ??= f.asn;
      holder ??= f.holder;
      country ??= f.country;
    }
    if (asn !== null && country === null) country = this.asnCountry(asn);
    return sources.length ? { asn, holder, country, sources } : null;
  }

  /** The AS number of an address (no object built: the analysis job asks for a million of them). */
  asnOf(ip: string): number | null {
    const v4 = parseIpv4(ip);
    const value = typeof v4 === 'number' ? v4 : ipv6Value(ip);
    if (value === null) return null;
    for (const d of this.#loaded) {
      const f = (typeof value === 'number' ? d.v4 : d.v6).find(value);
      if (f?.asn != null) return f.asn;
    }
    return null;
  }

  /** The country an AS number was delegated to, from RIR statistics. */
  asnCountry(asn: number): string | null {
    for (const d of this.#loaded) {
      const f = d.asn.find(asn);
      if (f?.country) return f.country;
    }
    return null;
  }

  /** The holder of an AS number as ip2asn names it ("hosting provider"), or null. */
  asnHolder(asn: number): string | null {
    return this.#holders.get(asn) ?? null;
  }

  /**
   * The registrable domain (public suffix + 1, private suffixes such as blogspot.com included) of a host, or null.
   * @example enrichment.registrableDomain('a.b.example.co.uk') // 'example.co.uk'
   */
  registrableDomain(host: string): string | null {
    return getDomain(host, { allowPrivateDomains: true }) ?? null;
  }
}
