import type { StixObject } from '../../stix/stix.types.ts';
import type { Tlp } from '../../db/schema.ts';

/** Input formats the ingest understands. */
export type IngestFormat = 'stix' | 'stix20' | 'misp' | 'misp-feed' | 'csv' | 'text' | 'eml' | 'stix1' | 'openioc' | 'cowrie';

/** A problem with one part of the input: where (object index, line, field) and why. */
export interface ParseIssue {
  /** e.g. "objects[12].pattern", "line 431", "Event.Attribute[3].value" */
  readonly where: string;
  readonly reason: string;
}

/** What a parser made of a file: STIX 2.1 objects, what it refused, and what the source said of its TLP. */
export interface ParseResult {
  readonly format: IngestFormat;
  /** STIX 2.1 objects, including relationships, sightings and marking definitions. */
  readonly objects: StixObject[];
  /** Items that could not be taken; with strict STIX ingest any error rejects the whole bundle. */
  readonly errors: ParseIssue[];
  /** Items taken with a caveat (an unknown field dropped, a value refanged, ...). */
  readonly warnings: ParseIssue[];
  /** TLP the source states for the whole file (a MISP event's tlp tag, ...), if any. */
  readonly tlp?: Tlp | undefined;
  /** Free-form facts worth showing to the submitter: event info, counts by type, ... */
  readonly summary?: Record<string, unknown>;
  /** Every object was checked for text the database cannot store (NUL, lone surrogates) by the parser. */
  readonly textChecked?: boolean;
}

/** Thrown by a parser that cannot read the input at all; the message says what and where. */
export class ParseError extends Error {
  readonly where: string;
  constructor(where: string, reason: string) {
    super(`${where}: ${reason}`);
    this.where = where;
    this.name = 'ParseError';
  }
}
