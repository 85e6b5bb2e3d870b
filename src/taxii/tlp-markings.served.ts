import { TLP2_MARKING_IDS, tlpMarking } from '../trust/tlp.ts';
import type { Tlp } from '../db/schema.ts';
import type { TaxiiFilter } from './taxii.query.ts';
import type { TaxiiPage } from './taxii.service.ts';

const TLP2_IDS: ReadonlyMap<string, Tlp> = new Map(Object.entries(TLP2_MARKING_IDS).map(([tlp, id]) => [id, tlp as Tlp]));

/**
 * The answer for a TLP 2.0 marking definition asked for by id (object or versions endpoint), in any collection the
 * viewer may read, so every `object_marking_refs` a page carries resolves (issue 11.6); undefined for any other id
 * or a spec_version filter that excludes 2.1.
 * @example tlpMarkingPage('marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'objects', filter)
 */
export function tlpMarkingPage(objectId: string, shape: 'objects' | 'versions', filter: TaxiiFilter): TaxiiPage | undefined {
  const tlp = TLP2_IDS.get(objectId.toLowerCase());
  if (!tlp) return undefined;
  if (filter.specVersions && !filter.specVersions.includes('2.1')) return undefined;
  const marking = tlpMarking(tlp);
  const created = String(marking.created);
  const body = shape === 'objects' ? JSON.stringify({ more: false, objects: [marking] }) : JSON.stringify({ more: false, versions: [created] });
  return { body, first: created, last: created };
}
