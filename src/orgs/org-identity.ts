import { v5 as uuidv5 } from 'uuid';
import type { OrgRow } from '../db/schema.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { HUB_IDENTITY, KESSETSU_NAMESPACE } from '../stix/extensions.ts';

const SECTOR_VOCAB: Readonly<Record<string, string>> = {
  finance: 'financial-services',
  telecom: 'telecommunications',
  ecommerce: 'retail',
  security_vendor: 'technology',
  critical_infrastructure: 'infrastructure',
  academia: 'education',
  law_enforcement: 'government-public-services',
  government: 'government-national',
};

/** The STIX industry-sector vocabulary word for an organisation's sector (or kind when it has none). */
export function stixSectorOf(org: Pick<OrgRow, 'kind' | 'sector'>): string {
  return SECTOR_VOCAB[org.sector ?? org.kind] ?? (org.sector ?? org.kind).replaceAll('_', '-');
}

/** The stable STIX identity of a member organisation (not used for anonymous contributions). */
export function orgIdentity(org: Pick<OrgRow, 'id' | 'name' | 'kind' | 'sector'>): StixObject {
  const sector = stixSectorOf(org);
  return {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${uuidv5(`org:${org.id}`, KESSETSU_NAMESPACE)}`,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    name: org.name,
    identity_class: 'organization',
    sectors: [sector],
    created_by_ref: HUB_IDENTITY.id,
  };
}
