import type { StixObject } from '../../stix/stix.types.ts';
import { asList, asRecord, asText } from './misp-value.reader.ts';
import type { GalaxyTag } from './misp-tags.reader.ts';
import { derivedId } from './stable-id.factory.ts';

/** One MISP galaxy cluster, from a Galaxy block or from a `misp-galaxy:` tag alone. */
export interface GalaxyCluster {
  readonly galaxyType: string;
  readonly value: string;
  readonly tag: string;
  readonly description?: string | undefined;
  readonly synonyms: readonly string[];
  readonly externalId?: string | undefined;
  readonly refs: readonly string[];
}

/** STIX types a galaxy cluster can become. */
export type GalaxyStixType = 'threat-actor' | 'intrusion-set' | 'malware' | 'attack-pattern' | 'tool' | 'course-of-action';

// MISP galaxies describing malware families (misp-galaxy repository names).
const MALWARE_GALAXIES = new Set(['malpedia', 'banker', 'ransomware', 'rat', 'stealer', 'backdoor', 'botnet', 'android', 'malware']);
const ATTACK_ID = /\s+-\s+((?:T|G|S|M|TA)\d{4}(?:\.\d{3})?)$/;

/** The STIX type of a galaxy, or undefined when it has none (sectors, countries, guidelines, ...). */
export function stixTypeOfGalaxy(galaxyType: string): GalaxyStixType | undefined {
  const t = galaxyType.toLowerCase();
  if (t === 'threat-actor') return 'threat-actor';
  if (t.endsWith('intrusion-set')) return 'intrusion-set';
  if (t.endsWith('attack-pattern')) return 'attack-pattern';
  if (t.endsWith('course-of-action')) return 'course-of-action';
  if (t === 'tool' || t.endsWith('-tool') || t === 'exploit-kit') return 'tool';
  if (MALWARE_GALAXIES.has(t) || t.endsWith('-malware')) return 'malware';
  return undefined;
}

function texts(value: unknown, max = 50): string[] {
  return asList(value)
    .concat(typeof value === 'string' ? [value] : [])
    .map((v) => asText(v)?.trim())
    .filter((v): v is string => !!v && v.length <= 500)
    .slice(0, max);
}

/** The clusters of a MISP `Galaxy` array (event or attribute level). */
export function galaxyClusters(galaxies: unknown): GalaxyCluster[] {
  const out: GalaxyCluster[] = [];
  for (const g of asList(galaxies)) {
    const galaxy = asRecord(g);
    for (const c of asList(galaxy?.GalaxyCluster)) {
      const cluster = asRecord(c);
      const value = asText(cluster?.value)?.trim();
      const galaxyType = asText(cluster?.type) ?? asText(galaxy?.type);
      if (!cluster || !value || !galaxyType) continue;
      const meta = asRecord(cluster.meta);
      out.push({
        galaxyType,
        value: value.slice(0, 500),
        tag: asText(cluster.tag_name) ?? `misp-galaxy:${galaxyType}="${value}"`,
        description: asText(cluster.description)?.slice(0, 10_000),
        synonyms: texts(meta?.synonyms),
        externalId: texts(meta?.external_id)[0],
        refs: texts(meta?.refs, 20).filter((r) => /^https?:\/\//i.test(r)),
      });
    }
  }
  return out;
}

/** A cluster known only by its tag. */
export function clusterOfTag(tag: GalaxyTag): GalaxyCluster {
  return { galaxyType: tag.galaxyType, value: tag.value, tag: tag.tag, synonyms: [], refs: [] };
}

/**
 * The STIX object of a galaxy cluster, id derived from its type and name so every event naming it shares it;
 * undefined for galaxies STIX has no object for.
 * @example galaxyObject({ galaxyType: 'mitre-intrusion-set', value: 'APT1 - G0006', … }, t)?.name // 'APT1'
 */
export function galaxyObject(cluster: GalaxyCluster, created: string): StixObject | undefined {
  const type = stixTypeOfGalaxy(cluster.galaxyType);
  if (!type) return undefined;
  const suffix = ATTACK_ID.exec(cluster.value);
  const externalId = cluster.externalId ?? suffix?.[1];
  const name = suffix ? cluster.value.slice(0, suffix.index).trim() : cluster.value;
  const refs: Record<string, unknown>[] = [];
  if (externalId && /^(T|G|S|M|TA)\d{4}/.test(externalId)) refs.push({ source_name: 'mitre-attack', external_id: externalId });
  for (const url of cluster.refs) refs.push({ source_name: `misp-galaxy:${cluster.galaxyType}`, url });
  const aliases = [...new Set(cluster.synonyms.filter((s) => s.toLowerCase() !== name.toLowerCase()))];
  const obj: Record<string, unknown> = {
    type,
    spec_version: '2.1',
    id: derivedId(type, [name.toLowerCase()]),
    created,
    modified: created,
    name,
  };
  if (cluster.description) obj.description = cluster.description;
  if (type === 'malware') obj.is_family = true;
  if (aliases.length > 0 && type !== 'course-of-action') obj.aliases = aliases;
  if (refs.length > 0) obj.external_references = refs;
  return obj as StixObject;
}

/** STIX types an indicator `indicates` (spec 2.1 section 5.1.1 vocabulary, restricted to what galaxies give). */
export const INDICATED_TYPES: ReadonlySet<string> = new Set(['malware', 'intrusion-set', 'threat-actor']);
