import type { StixObject } from '../../stix/stix.types.ts';

/** What an importer knows of an indicator it makes. */
export interface IndicatorInput {
  readonly id: string;
  readonly pattern: string;
  /** "stix", or the rule language of a YARA/Snort/Suricata/Sigma rule. */
  readonly patternType: string;
  readonly validFrom: string;
  readonly created: string;
  readonly modified?: string | undefined;
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly indicatorTypes?: readonly string[] | undefined;
  readonly labels?: readonly string[] | undefined;
  readonly validUntil?: string | undefined;
  readonly externalReferences?: readonly Record<string, unknown>[] | undefined;
}

const MAX_NAME = 256;
const MAX_DESCRIPTION = 10_000;

/** Text cut to a maximum length for a name or description, on a character boundary. */
export function shortText(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${Array.from(t).slice(0, max - 1).join('')}…` : t;
}

/**
 * A STIX 2.1 indicator; empty optional lists are left out, valid_until only when after valid_from.
 * @example indicatorObject({ id: 'indicator--…', pattern: "[ipv4-addr:value = '198.51.100.3']", patternType: 'stix', validFrom: t, created: t })
 */
export function indicatorObject(input: IndicatorInput): StixObject {
  const obj: Record<string, unknown> = {
    type: 'indicator',
    spec_version: '2.1',
    id: input.id,
    created: input.created,
    modified: input.modified ?? input.created,
  };
  if (input.name?.trim()) obj.name = shortText(input.name, MAX_NAME);
  if (input.description?.trim()) obj.description = input.description.length > MAX_DESCRIPTION ? `${input.description.slice(0, MAX_DESCRIPTION)}…` : input.description;
  if (input.indicatorTypes && input.indicatorTypes.length > 0) obj.indicator_types = [...input.indicatorTypes];
  obj.pattern = input.pattern;
  obj.pattern_type = input.patternType;
  if (input.patternType === 'stix') obj.pattern_version = '2.1';
  obj.valid_from = input.validFrom;
  if (input.validUntil && Date.parse(input.validUntil) > Date.parse(input.validFrom)) obj.valid_until = input.validUntil;
  if (input.labels && input.labels.length > 0) obj.labels = [...input.labels];
  if (input.externalReferences && input.externalReferences.length > 0) obj.external_references = [...input.externalReferences];
  return obj as StixObject;
}

/** A STIX note on some objects. */
export function noteObject(id: string, content: string, objectRefs: readonly string[], created: string, abstract?: string): StixObject {
  const obj: Record<string, unknown> = { type: 'note', spec_version: '2.1', id, created, modified: created };
  if (abstract?.trim()) obj.abstract = shortText(abstract, MAX_NAME);
  obj.content = content.length > 100_000 ? `${content.slice(0, 100_000)}…` : content;
  obj.object_refs = [...objectRefs];
  return obj as StixObject;
}
