import type { OrgRow, Tlp } from '../db/schema.ts';
import { stixSectorOf } from '../orgs/org-identity.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { mayUnmask } from '../access/visibility.policy.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { sectorIdentity } from '../stix/extensions.ts';
import { TLP2_MARKING_IDS, TLP_LEVELS, tlpOfMarkingId } from '../trust/tlp.ts';
import type { ContributionView } from './objects.repository.ts';

/**
 * The object as this viewer receives it: its TLP marking is the level the viewer sees it at
 * (the least restrictive visible contribution); other markings are kept.
 * @example presentObject(row.data, row.min_rank)
 */
export function presentObject(data: Record<string, unknown>, minRank: number): StixObject {
  const tlp = TLP_LEVELS[minRank] ?? 'red';
  const refs = Array.isArray(data.object_marking_refs) ? (data.object_marking_refs as string[]) : [];
  const others = refs.filter((r) => !tlpOfMarkingId(r));
  return { ...(data as StixObject), object_marking_refs: [TLP2_MARKING_IDS[tlp], ...others] };
}

/** A contribution as the API shows it: anonymous ones appear as their sector. */
export interface ContributionOut {
  readonly organisation: { readonly id: string | null; readonly name: string; readonly sector: string | null; readonly identity_ref: string | null };
  readonly tlp: Tlp;
  readonly pap: string | null;
  readonly anonymous: boolean;
  readonly confidence: number | null;
  readonly first_seen: string;
  readonly last_seen: string;
}

/** Presents a contribution, hiding an anonymous contributor from everyone but the hub and itself. */
export function presentContribution(viewer: AnyViewer, c: ContributionView): ContributionOut {
  const sector = c.sector ?? c.org_kind;
  const unmask = mayUnmask(viewer, { orgId: c.org_id, anonymous: c.anonymous });
  const identity = sectorIdentity(stixSectorOf({ sector: c.sector as OrgRow['sector'], kind: c.org_kind as OrgRow['kind'] }));
  return {
    organisation: unmask
      ? { id: c.org_id, name: c.org_name, sector, identity_ref: null }
      : { id: null, name: String(identity.name), sector, identity_ref: identity.id },
    tlp: c.tlp,
    pap: c.pap,
    anonymous: c.anonymous,
    confidence: c.confidence,
    first_seen: c.first_seen.toISOString(),
    last_seen: c.last_seen.toISOString(),
  };
}
