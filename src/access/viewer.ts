import type { OrgKind, Role, Sector } from '../db/schema.ts';

/** Who is asking: everything the access policy needs to decide what they may see. */
export interface Viewer {
  readonly kind: 'user';
  readonly userId: string;
  readonly orgId: string;
  readonly orgKind: OrgKind;
  readonly sector: Sector | null;
  readonly role: Role;
  readonly ndaAccepted: boolean;
  /** Sharing groups the organisation belongs to. */
  readonly groupIds: readonly string[];
  readonly keyId: string | null;
}

/** An unauthenticated caller: public pages and the public TAXII collection. */
export interface PublicViewer {
  readonly kind: 'public';
}

export type AnyViewer = Viewer | PublicViewer;

/** The public viewer: sees TLP:CLEAR only. */
export const PUBLIC_VIEWER: PublicViewer = Object.freeze({ kind: 'public' });

/** Hub analysts and admins see everything (their reads of AMBER+STRICT and RED are audited). */
export function isHub(v: AnyViewer): boolean {
  return v.kind === 'user' && (v.role === 'hub_analyst' || v.role === 'admin');
}

/** Only admins manage organisations, users and keys of others. */
export function isAdmin(v: AnyViewer): boolean {
  return v.kind === 'user' && v.role === 'admin';
}

/** An organisation's own admin (org_admin) acting for that organisation; hub-wide admins are `isAdmin`. */
export function isOrgAdmin(v: AnyViewer, orgId: string): boolean {
  return v.kind === 'user' && v.role === 'org_admin' && v.orgId === orgId;
}
