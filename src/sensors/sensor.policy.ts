import { contributionPredicate, type ContributionScope } from '../access/visibility.policy.ts';
import { isHub, type AnyViewer } from '../access/viewer.ts';
import type { SensorRow } from './sensors.tables.ts';

// Who sees what of a sensor, decided by the one access policy:
//   - detail (the watched address space, top sources, per-sensor stats and detections): the owner
//     organisation and the hub;
//   - aggregates (counts by port, protocol, country, AS; series and heat maps): also whoever the
//     policy lets see a contribution of the owner at the sensor's share TLP and recipients;
//   - the public: nothing here; only the observation summaries a hub analyst publishes as advisories.

/** The sensor's sharing as a contribution scope, for the access policy. */
export function sensorScope(s: Pick<SensorRow, 'org_id' | 'created_by' | 'share_tlp' | 'share_orgs' | 'share_groups'>): ContributionScope {
  return { orgId: s.org_id, userId: s.created_by, tlp: s.share_tlp, recipientOrgs: s.share_orgs, recipientGroups: s.share_groups, recipientUsers: [] };
}

/** Whether the viewer sees the sensor's detail (owner organisation, hub). */
export function seesDetail(v: AnyViewer, s: Pick<SensorRow, 'org_id'>): boolean {
  return v.kind === 'user' && (isHub(v) || v.orgId === s.org_id);
}

/** A predicate: does the viewer see a sensor's aggregates? */
export function aggregatesPredicate(v: AnyViewer): (s: SensorRow) => boolean {
  if (v.kind === 'public') return () => false;
  const visible = contributionPredicate(v);
  return (s) => seesDetail(v, s) || visible(sensorScope(s));
}
