// The reference: DESIGN.md's access table written out plainly, independent of src/access.

/** A viewer as the reference sees it. */
export interface RefViewer {
  readonly kind: 'public' | 'hub' | 'member';
  readonly orgId?: string;
  readonly userId?: string;
  readonly nda?: boolean;
}

/** A contribution as the reference sees it. */
export interface RefContribution {
  readonly scope?: string;
  readonly orgId: string;
  readonly userId: string;
  readonly tlp: 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';
  readonly orgs: string[];
  readonly groups: string[];
  readonly users: string[];
  readonly allowCount: boolean;
}

/** May the viewer see the contribution? */
export function refVisible(v: RefViewer, c: RefContribution, groupMembers: ReadonlyMap<string, readonly string[]>): boolean {
  if (v.kind === 'public') return c.tlp === 'clear';
  if (v.kind === 'hub') return true;
  if (c.tlp === 'red') return c.userId === v.userId || c.users.includes(v.userId!);
  if (c.tlp === 'clear') return true;
  if (c.orgId === v.orgId) return true;
  if (!v.nda) return false;
  if (c.tlp === 'green') return true;
  return c.orgs.includes(v.orgId!) || c.groups.some((g) => groupMembers.get(g)?.includes(v.orgId!));
}

/** May the viewer count the contribution ("N organisations reported this")? Anonymous counting only for NDA members. */
export function refCountable(v: RefViewer, c: RefContribution, groupMembers: ReadonlyMap<string, readonly string[]>): boolean {
  if (refVisible(v, c, groupMembers)) return true;
  const member = v.kind === 'hub' || (v.kind === 'member' && v.nda === true);
  return member && c.allowCount && c.tlp !== 'red';
}
