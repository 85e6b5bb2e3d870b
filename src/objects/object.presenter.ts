import type { OrgRow, Tlp } from '../db/schema.ts';
import { stixSectorOf } from '../orgs/org-identity.ts';
import type { AnyViewer } from '../access/viewer.ts';
import { mayUnmask } from '../access/visibility.policy.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { sectorIdentity } from '../stix/extensions.ts';
import type { ContributionView } from './objects.repository.ts';

/**
 * The object as this viewer receives it: the stored content of the version it is shown, unchanged (it carries
 * the TLP marking of the contribution it came with), so every reader gets the same content for one version.
 * @example presentObject(row.data)
 */
export function presentObject(data: Record<string, unknown>): StixObject {
  return data as StixObject;
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
  /** The version this contribution carries (null for observables). */
  readonly version: string | null;
  /** Whether the contribution is the object's owner's (the organisation that first shared it) or the hub's. */
  readonly owner: boolean;
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
    version: c.modified_text,
    owner: c.owner_rank > 0,
  };
}
