import type { Viewer } from '../../access/viewer.ts';
import type { ActiveSubscriptionRow } from './subscriptions.repository.ts';

/** Stands for "nobody in particular": an organisation-wide subscription is no named person, so TLP:RED never reaches it. */
export const NO_PERSON = '00000000-0000-0000-0000-000000000000';

/**
 * The viewer a subscription hears as: its creator's organisation and role (as the authenticator
 * would build it), and the subscribing person for personal subscriptions. Organisation-wide
 * subscriptions are nobody in particular: RED, which names people, never reaches them.
 * @example contributionPredicate(subscriberViewer(row))
 */
export function subscriberViewer(s: ActiveSubscriptionRow): Viewer {
  return {
    kind: 'user',
    userId: s.user_id ?? NO_PERSON,
    orgId: s.org_id,
    orgKind: s.org_kind,
    sector: s.org_sector,
    role: s.creator_role,
    ndaAccepted: s.nda_accepted_at !== null,
    groupIds: s.group_ids,
    keyId: null,
  };
}
