import type { Tlp } from '../../db/schema.ts';
import { parsePap, parseTlp, stricter, type Pap } from '../../trust/tlp.ts';
import { asList, asRecord, asText } from './misp-value.reader.ts';

/** A `misp-galaxy:<type>="<value>"` tag, read. */
export interface GalaxyTag {
  readonly galaxyType: string;
  readonly value: string;
  readonly tag: string;
}

/** What a MISP tag list says: TLP, PAP, galaxy references and the remaining tags as labels. */
export interface TagReading {
  /** The strictest TLP among the tags, if any. */
  readonly tlp: Tlp | undefined;
  readonly pap: Pap | undefined;
  readonly galaxies: readonly GalaxyTag[];
  readonly labels: readonly string[];
  /** tlp:/pap: tags with a level this importer does not know (e.g. "tlp:ex:chr"). */
  readonly unknownLevels: readonly string[];
}

const PAP_RANK: Readonly<Record<Pap, number>> = { clear: 0, green: 1, amber: 2, red: 3 };
const GALAXY_TAG = /^misp-galaxy:([^=]{1,200})="(.{1,500})"$/s;
const MAX_LABEL = 200;

/** The name of a tag in any of MISP's shapes: {name}, {Tag: {name}}, or a bare string. */
export function tagName(tag: unknown): string | undefined {
  if (typeof tag === 'string') return tag;
  const rec = asRecord(tag);
  return asText(rec?.name) ?? asText(asRecord(rec?.Tag)?.name);
}

/**
 * Reads a MISP tag list.
 * @example readTags([{ name: 'tlp:white' }, { name: 'PAP:AMBER' }]).tlp // 'clear'
 */
export function readTags(tags: unknown): TagReading {
  let tlp: Tlp | undefined;
  let pap: Pap | undefined;
  const galaxies: GalaxyTag[] = [];
  const labels = new Set<string>();
  const unknownLevels: string[] = [];
  for (const raw of asList(tags)) {
    const name = tagName(raw)?.trim();
    if (!name) continue;
    const lower = name.toLowerCase();
    if (lower.startsWith('tlp:')) {
      const t = parseTlp(name);
      if (t) tlp = tlp ? stricter(tlp, t) : t;
      else unknownLevels.push(name);
      continue;
    }
    if (lower.startsWith('pap:')) {
      const p = parsePap(name);
      if (p) pap = pap === undefined || PAP_RANK[p] > PAP_RANK[pap] ? p : pap;
      else unknownLevels.push(name);
      continue;
    }
    const g = GALAXY_TAG.exec(name);
    if (g) {
      galaxies.push({ galaxyType: g[1]!, value: g[2]!, tag: name });
      continue;
    }
    labels.add(name.length > MAX_LABEL ? name.slice(0, MAX_LABEL) : name);
  }
  return { tlp, pap, galaxies, labels: [...labels], unknownLevels };
}
