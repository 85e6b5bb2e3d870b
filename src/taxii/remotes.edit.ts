import type { Kysely, Updateable } from 'kysely';
import type { Database } from '../db/schema.ts';
import { findOrg } from '../orgs/orgs.repository.ts';
import { AppError } from '../shared/errors.ts';
import { tlpRank } from '../trust/tlp.ts';
import { findRemote } from './remotes.repository.ts';
import { checkName, checkUrl, type RemoteInput } from './remotes.service.ts';
import type { RemoteAuth, TaxiiRemoteRow, TaxiiRemotesTable } from './taxii.tables.ts';

/** What a hub admin changes of a remote; an absent field keeps its value. The key is write-only. */
export type RemotePatch = Partial<Omit<RemoteInput, 'partner'>> & {
  /** Partner organisation id. */
  readonly partnerOrgId?: string | undefined;
};

/** A checked change: the columns to set, and what changed as the audit log keeps it (never the key itself). */
export interface RemoteEditPlan {
  readonly set: Updateable<TaxiiRemotesTable>;
  /** field → { from, to }; `key` is 'replaced' or 'removed'. Empty when nothing changes. */
  readonly changes: Readonly<Record<string, { readonly from: unknown; readonly to: unknown } | 'replaced' | 'removed'>>;
  /** The collection URL changed: pull and push state start again (the new collection has none of it). */
  readonly urlChanged: boolean;
}

const bad = (message: string) => new AppError('validation_failed', message);

function credentials(row: TaxiiRemoteRow, p: RemotePatch): { auth: RemoteAuth; username: string | null; secret: string | null } {
  const auth = p.auth ?? row.auth;
  if (auth === 'none') {
    if (p.secret !== undefined) throw bad('key: a remote with auth none takes no key');
    if (p.username !== undefined) throw bad('username: a remote with auth none takes no user name');
    return { auth, username: null, secret: null };
  }
  if (p.username !== undefined && auth !== 'basic') throw bad(`username: only auth basic takes a user name, not ${auth}`);
  // A stored key belongs to the way it was given: a password does not become a bearer token.
  const secret = p.secret ?? (auth === row.auth ? row.secret : null);
  if (!secret) throw bad(auth === row.auth ? `auth ${auth} needs a key (the password or token the remote gave you)` : `auth ${auth} needs a new key: the stored one was for ${row.auth}`);
  const username = auth === 'basic' ? (p.username ?? row.username ?? 'taxii') : null;
  return { auth, username, secret };
}

/**
 * Checks a change of a remote against the same rules as adding one, and says what it changes.
 * @example const plan = await planRemoteEdit(db, row, { intervalSeconds: 3600 })
 */
export async function planRemoteEdit(db: Kysely<Database>, row: TaxiiRemoteRow, p: RemotePatch): Promise<RemoteEditPlan> {
  const name = p.name === undefined ? row.name : checkName(p.name);
  if (name !== row.name) {
    const other = await findRemote(db, name);
    if (other && other.id !== row.id) throw new AppError('conflict', `a remote named ${name} exists already`);
  }
  const url = p.url === undefined ? row.collection_url : checkUrl(p.url);
  let partner = row.partner_org_id;
  if (p.partnerOrgId !== undefined && p.partnerOrgId !== row.partner_org_id) {
    const org = await findOrg(db, p.partnerOrgId);
    if (!org) throw bad(`partner: no organisation "${p.partnerOrgId}"`);
    partner = org.id;
  }
  const cred = credentials(row, p);
  const defaultTlp = p.defaultTlp ?? row.default_tlp;
  const maxTlp = p.maxTlp ?? row.max_tlp;
  if (tlpRank(defaultTlp) > tlpRank(maxTlp)) throw bad(`default TLP ${defaultTlp} is above the agreed maximum ${maxTlp}`);
  const interval = p.intervalSeconds ?? row.interval_seconds;
  if (!Number.isInteger(interval) || interval < 0 || interval > 7 * 86400) throw bad('interval: 0 (manual pulls only) to 604800 seconds');

  const next = { name, collection_url: url, partner_org_id: partner, auth: cred.auth, username: cred.username, default_tlp: defaultTlp, max_tlp: maxTlp, interval_seconds: interval };
  const set: Updateable<TaxiiRemotesTable> = {};
  const changes: Record<string, { from: unknown; to: unknown } | 'replaced' | 'removed'> = {};
  for (const [k, to] of Object.entries(next) as [keyof typeof next, unknown][]) {
    if (row[k] === to) continue;
    (set as Record<string, unknown>)[k] = to;
    changes[k] = { from: row[k], to };
  }
  // A key given counts as replaced even when it equals the stored one: the answer never tells which.
  if (p.secret !== undefined || cred.secret !== row.secret) {
    set.secret = cred.secret;
    changes.key = cred.secret ? 'replaced' : 'removed';
  }
  const urlChanged = url !== row.collection_url;
  if (urlChanged) Object.assign(set, { added_after: null, last_pull_at: null, last_pull_count: null, last_error: null });
  return { set, changes, urlChanged };
}
