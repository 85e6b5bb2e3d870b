import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { HUB_IDENTITY, sectorIdentity } from '../stix/extensions.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { orgIdentity } from '../orgs/org-identity.ts';
import type { PreparedObject } from '../store/knowledge.writer.ts';
import type { ParseIssue } from './parsers/parse-result.ts';

/** An object refused because it speaks as another organisation. */
export interface AuthorshipIssue extends ParseIssue {
  readonly objectId: string;
}

/** The identity ids that speak as an organisation (its identity, the hub's), with that organisation's id. */
export type Speakers = ReadonlyMap<string, string>;

/**
 * Who each organisation's identity speaks for: read once per ingest when the file comes in slices (issue 17).
 * @example const speakers = await loadSpeakers(trx)
 */
export async function loadSpeakers(db: Kysely<Database>): Promise<Speakers> {
  const orgs = await db.selectFrom('orgs').select(['id', 'name', 'kind', 'sector']).execute();
  const speaker = new Map<string, string>(orgs.map((o) => [orgIdentity(o).id, o.id]));
  const hub = orgs.find((o) => o.kind === 'hub');
  if (hub) speaker.set(HUB_IDENTITY.id, hub.id);
  return speaker;
}

/**
 * Objects that speak as another member organisation (or the hub): its identity object itself, or
 * `created_by_ref` naming it. Only that organisation may share them as new content; relaying exactly what it
 * shared (the same content) stays allowed, so federation and re-shares of its own objects work.
 * @example const issues = await authorshipIssues(db, prepared, viewer.orgId, (id) => ids.indexOf(id))
 */
export async function authorshipIssues(db: Kysely<Database>, prepared: readonly PreparedObject[], orgId: string, indexOf: (id: string) => number, speakers?: Speakers): Promise<AuthorshipIssue[]> {
  const suspects = authorshipSuspects(prepared, orgId, indexOf, speakers ?? (await loadSpeakers(db)));
  return suspects.length === 0 ? [] : refusedSuspects(db, suspects);
}

/** An object that names another organisation as its speaker, to be checked against what that organisation shared. */
export interface AuthorshipSuspect {
  readonly index: number;
  readonly p: PreparedObject;
  readonly as: string;
  readonly field: string;
}

/**
 * The objects speaking as another organisation (no I/O): the first half of authorshipIssues.
 * @example const suspects = authorshipSuspects(prepared, org.id, (id) => ids.indexOf(id), speakers)
 */
export function authorshipSuspects(prepared: readonly PreparedObject[], orgId: string, indexOf: (id: string) => number, speaker: Speakers): AuthorshipSuspect[] {
  const suspects: AuthorshipSuspect[] = [];
  prepared.forEach((p) => {
    // The hub's sector identities ("a financial institution") stand in for anonymous contributors: anyone's.
    if (isSectorIdentity(p.record.data)) return;
    const byId = speaker.get(p.record.id);
    // An organisation's own identity (which the hub authored for it) is its to share.
    if (byId === orgId) return;
    const byRef = typeof p.record.data.created_by_ref === 'string' ? speaker.get(p.record.data.created_by_ref) : undefined;
    // The index is looked for only for a suspect (most objects speak for their contributor).
    if (byId && byId !== orgId) suspects.push({ index: indexOf(p.record.id), p, as: byId, field: 'id' });
    else if (byRef && byRef !== orgId) suspects.push({ index: indexOf(p.record.id), p, as: byRef, field: 'created_by_ref' });
  });
  return suspects;
}

/**
 * The suspects that are not relays of what the named organisation shared: the second half of authorshipIssues.
 * @example const forged = await refusedSuspects(trx, suspects)
 */
export async function refusedSuspects(db: Kysely<Database>, suspects: readonly AuthorshipSuspect[]): Promise<AuthorshipIssue[]> {
  // The same content as the named organisation shared (now or in an earlier version) is a relay, not a forgery.
  const payload = JSON.stringify(suspects.map((s) => ({ o: s.p.record.id, g: s.as, h: s.p.record.contentHash })));
  const relayed = await sql<{ o: string }>`
    select x.o from jsonb_to_recordset(cast(${payload} as jsonb)) as x(o text, g uuid, h text)
    where exists (select 1 from contributions c where c.object_id = x.o and c.org_id = x.g and c.content_hash = x.h)
       or exists (select 1 from stix_versions v join contributions c on c.id = v.contribution_id where v.object_id = x.o and c.org_id = x.g and v.content_hash = x.h)`.execute(db);
  const ok = new Set(relayed.rows.map((r) => r.o));
  return suspects
    .filter((s) => !ok.has(s.p.record.id))
    .map((s) => ({
      objectId: s.p.record.id,
      where: `objects[${s.index}].${s.field}`,
      reason:
        s.field === 'id'
          ? `${s.p.record.id} is the identity of another organisation: only it (or the hub) can share versions of it`
          : `created_by_ref names another organisation's identity: an object can be shared as authored by that organisation only by it`,
    }));
}

function isSectorIdentity(o: StixObject): boolean {
  if (o.type !== 'identity' || o.identity_class !== 'class') return false;
  const sectors = Array.isArray(o.sectors) ? o.sectors : [];
  return o.id === sectorIdentity(typeof sectors[0] === 'string' ? sectors[0] : 'unspecified').id;
}
