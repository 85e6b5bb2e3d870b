import type { Tlp } from '../db/schema.ts';
import type { Pap } from '../trust/tlp.ts';
import type { IngestFormat, ParseIssue } from './parsers/parse-result.ts';

/** How an organisation shares what it ingests. */
export interface IngestParams {
  readonly format: 'auto' | IngestFormat;
  /** Requested TLP; markings in the data win when stricter. Absent: the data's markings, else the organisation's default. */
  readonly tlp?: Tlp | undefined;
  readonly pap?: Pap | undefined;
  /** AMBER recipients: organisations and sharing groups. */
  readonly orgs: readonly string[];
  readonly groups: readonly string[];
  /** RED recipients: named people. */
  readonly users: readonly string[];
  readonly anonymous: boolean;
  /** May others learn that "an organisation" also reported this? Default: yes for CLEAR/GREEN/AMBER, never for RED. */
  readonly allowCount?: boolean | undefined;
  readonly confidence?: number | undefined;
  readonly dryRun: boolean;
  /** STIX: import the valid objects and report the rest, instead of all-or-nothing. */
  readonly lenient: boolean;
  readonly filename?: string | undefined;
  readonly source: 'api' | 'cli' | 'taxii' | 'sighting' | 'demo' | 'sensor'; // sensor: sense (issue 14)
  /** Hub analysts only: write as the hub, whose versions lead over the owners' (an explicit, audited step). */
  readonly asHub?: boolean | undefined;
  /** Called as batches are written (CLI progress bar). */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

/** Counts of an ingest. */
export interface IngestCounts {
  objects: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** What an ingest did, as the API shows it. */
export interface IngestReport {
  readonly id: string;
  readonly status: 'pending' | 'running' | 'done' | 'failed';
  readonly format: string;
  readonly dry_run: boolean;
  readonly counts: IngestCounts;
  readonly errors: ParseIssue[];
  readonly warnings: ParseIssue[];
  /** TLP levels used, with how many objects each. */
  readonly tlp: Readonly<Record<string, number>>;
  readonly summary: Readonly<Record<string, unknown>>;
  /** For dry runs: what would be created, by type. */
  readonly by_type?: Readonly<Record<string, number>>;
  /** For dry runs: the observables and indicators that would be shared, with warninglist hits and duplicates (issue 13). */
  readonly preview?: unknown;
  readonly created_at: string;
  readonly finished_at: string | null;
}

/** Default for anonymous counting by level. */
export function defaultAllowCount(tlp: Tlp): boolean {
  return tlp === 'clear' || tlp === 'green' || tlp === 'amber';
}
