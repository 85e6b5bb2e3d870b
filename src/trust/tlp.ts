import type { Tlp } from '../db/schema.ts';
import type { StixObject } from '../stix/stix.types.ts';

/** TLP levels from least to most restrictive; the index is the rank stored with each contribution. */
export const TLP_LEVELS: readonly Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

/** Rank of a TLP level: 0 (CLEAR) to 4 (RED). */
export function tlpRank(tlp: Tlp): number {
  return TLP_LEVELS.indexOf(tlp);
}

/** The stricter of two levels (the more restrictive wins). */
export function stricter(a: Tlp, b: Tlp | undefined): Tlp {
  return b !== undefined && tlpRank(b) > tlpRank(a) ? b : a;
}

const TLP2_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

/** The OASIS TLP 2.0 marking-definition ids (cti-stix-common-objects). */
export const TLP2_MARKING_IDS: Readonly<Record<Tlp, string>> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

/** The TLP 1.0 markings STIX 2.1 predefines (section 7.2.1.4), mapped to TLP 2.0. */
export const TLP1_MARKING_IDS: Readonly<Record<string, Tlp>> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};

const BY_MARKING_ID: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  ...Object.entries(TLP2_MARKING_IDS).map(([tlp, id]) => [id, tlp as Tlp] as [string, Tlp]),
  ...Object.entries(TLP1_MARKING_IDS),
]);

/** The TLP 2.0 marking-definition object for a level, as OASIS publishes it. */
export function tlpMarking(tlp: Tlp): StixObject {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP2_MARKING_IDS[tlp],
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${tlp.toUpperCase()}`,
    extensions: { [TLP2_EXTENSION]: { extension_type: 'property-extension', tlp_2_0: tlp } },
  };
}

/** The TLP a marking-definition id stands for (TLP 2.0 or 1.0 ids), if it is one. */
export function tlpOfMarkingId(id: string): Tlp | undefined {
  return BY_MARKING_ID.get(id);
}

/** The TLP a marking-definition object carries: known id, TLP 2.0 extension, or TLP 1.0 definition. */
export function tlpOfMarkingObject(obj: StixObject): Tlp | undefined {
  const known = tlpOfMarkingId(obj.id);
  if (known) return known;
  const ext = (obj.extensions as Record<string, { tlp_2_0?: unknown }> | undefined)?.[TLP2_EXTENSION]?.tlp_2_0;
  if (typeof ext === 'string') return parseTlp(ext);
  const def = obj.definition as { tlp?: unknown } | undefined;
  if (obj.definition_type === 'tlp' && typeof def?.tlp === 'string') return parseTlp(def.tlp);
  return undefined;
}

/**
 * Reads a TLP from free spelling: "TLP:AMBER+STRICT", "tlp:white", "amber", "TLP: Green".
 * @example parseTlp('tlp:white') // 'clear'
 */
export function parseTlp(text: string): Tlp | undefined {
  const t = text.trim().toLowerCase().replace(/^tlp\s*:\s*/, '').replace(/\s+/g, '');
  if (t === 'white') return 'clear';
  if (t === 'amber-strict' || t === 'amber_strict') return 'amber+strict';
  return (TLP_LEVELS as readonly string[]).includes(t) ? (t as Tlp) : undefined;
}

/** The strictest TLP among marking refs (TLP ids only; other markings are kept but ignored here). */
export function tlpOfMarkingRefs(refs: readonly string[] | undefined, extra: ReadonlyMap<string, Tlp> = new Map()): Tlp | undefined {
  let out: Tlp | undefined;
  for (const ref of refs ?? []) {
    const t = tlpOfMarkingId(ref) ?? extra.get(ref);
    if (t) out = out ? stricter(out, t) : t;
  }
  return out;
}

/** PAP levels (Permissible Actions Protocol), carried beside TLP. */
export const PAP_LEVELS = ['clear', 'green', 'amber', 'red'] as const;
export type Pap = (typeof PAP_LEVELS)[number];

/** Reads a PAP from "PAP:AMBER", "pap:white", "amber". */
export function parsePap(text: string): Pap | undefined {
  const t = text.trim().toLowerCase().replace(/^pap\s*:\s*/, '');
  if (t === 'white') return 'clear';
  return (PAP_LEVELS as readonly string[]).includes(t) ? (t as Pap) : undefined;
}
