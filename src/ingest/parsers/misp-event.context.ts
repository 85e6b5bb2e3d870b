import type { Tlp } from '../../db/schema.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { isSco } from '../../stix/stix.types.ts';
import type { StixCollector } from './stix-output.collector.ts';

/** What the conversion of one MISP event shares between its attributes, objects and report. */
export interface MispEventContext {
  readonly out: StixCollector;
  readonly where: string;
  /** The event uuid (or a stand-in), seed of the ids derived when MISP gives none. */
  readonly eventKey: string;
  readonly reportId: string;
  readonly created: string;
  readonly modified: string;
  readonly tlp: Tlp | undefined;
  /** Ids of the malware, intrusion sets and threat actors the event names: every indicator `indicates` them. */
  readonly indicated: readonly string[];
  /** Everything this event made or referred to, for the report's object_refs. */
  readonly refs: Set<string>;
  /** MISP uuid (attribute or object) → the STIX object standing for it, for ObjectReference. */
  readonly byUuid: Map<string, string>;
  readonly links: Map<string, string | undefined>;
  readonly counts: {
    // Maps, not objects: a type named "__proto__" in hostile input must count like any other.
    attributesByType: Map<string, number>;
    objectAttributesByType: Map<string, number>;
    objectsByName: Map<string, number>;
    indicators: number;
    sightings: number;
    falsePositiveSightings: number;
    notes: number;
  };
}

/** Adds an object for the event (filling an SDO's created/modified if the maker left them out) and answers its id. */
export function addFor(ctx: MispEventContext, obj: StixObject, tlp: Tlp | undefined): string {
  const full = isSco(obj.type) || obj.created ? obj : { ...obj, created: ctx.created, modified: ctx.created };
  const id = ctx.out.add(full, tlp);
  ctx.refs.add(id);
  return id;
}

/** Adds a relationship for the event and answers its id. */
export function relateFor(ctx: MispEventContext, source: string, type: string, target: string, created: string, tlp: Tlp | undefined): string {
  const id = ctx.out.relate(source, type, target, created, tlp);
  ctx.refs.add(id);
  return id;
}

const CATEGORY_TYPES: Readonly<Record<string, string>> = {
  'payload delivery': 'malicious-activity',
  'artifacts dropped': 'malicious-activity',
  'payload installation': 'malicious-activity',
  'persistence mechanism': 'malicious-activity',
  'network activity': 'malicious-activity',
  'antivirus detection': 'malicious-activity',
  'financial fraud': 'malicious-activity',
  attribution: 'attribution',
};

/** Adds one to a count. */
export function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** The indicator_types a MISP category implies (indicator-type-ov), if it implies any. */
export function indicatorTypesOf(category: string | undefined): string[] | undefined {
  const t = category ? CATEGORY_TYPES[category.trim().toLowerCase()] : undefined;
  return t ? [t] : undefined;
}
