import type { Kysely } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import { AppError } from '../shared/errors.ts';
import { findOrg, findOrgByName } from '../orgs/orgs.repository.ts';
import { TLP_LEVELS, tlpRank } from '../trust/tlp.ts';
import { deleteRemote, findRemote, insertRemote, listRemotes, updateRemoteRow } from './remotes.repository.ts';
import type { RemoteAuth, TaxiiRemoteRow } from './taxii.tables.ts';

/** A remote as commands and logs show it: never its secret. */
export interface RemoteView {
  readonly id: string;
  readonly name: string;
  readonly collection_url: string;
  readonly auth: RemoteAuth;
  readonly username: string | null;
  readonly credentials: 'set' | 'none';
  readonly partner_org_id: string;
  readonly default_tlp: Tlp;
  readonly max_tlp: Tlp;
  readonly interval_seconds: number;
  readonly enabled: boolean;
  readonly added_after: string | null;
  readonly last_pull_at: string | null;
  readonly last_pull_count: number | null;
  readonly last_error: string | null;
}

/** What an operator gives to add a remote. */
export interface RemoteInput {
  readonly name: string;
  readonly url: string;
  /** Partner organisation: id or exact name. */
  readonly partner: string;
  readonly auth?: RemoteAuth | undefined;
  readonly username?: string | undefined;
  readonly secret?: string | undefined;
  readonly defaultTlp?: Tlp | undefined;
  readonly maxTlp?: Tlp | undefined;
  readonly intervalSeconds?: number | undefined;
}

/** The remote without its secret. */
export function viewRemote(r: TaxiiRemoteRow): RemoteView {
  return {
    id: r.id,
    name: r.name,
    collection_url: r.collection_url,
    auth: r.auth,
    username: r.username,
    credentials: r.secret ? 'set' : 'none',
    partner_org_id: r.partner_org_id,
    default_tlp: r.default_tlp,
    max_tlp: r.max_tlp,
    interval_seconds: r.interval_seconds,
    enabled: r.enabled,
    added_after: r.added_after,
    last_pull_at: r.last_pull_at ? r.last_pull_at.toISOString() : null,
    last_pull_count: r.last_pull_count,
    last_error: r.last_error,
  };
}

/** A remote's name checked: it is used in URLs and on the command line. */
export function checkName(raw: string): string {
  const name = raw.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new AppError('validation_failed', 'name: 1 to 64 letters, digits, dots, dashes or underscores');
  return name;
}

/** A remote collection URL checked and normalised (http(s), no credentials, query or fragment, a trailing slash). */
export function checkUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AppError('validation_failed', 'url: not a URL; give the URL of a TAXII 2.1 collection, e.g. https://peer.example/taxii2/api/collections/<id>/');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new AppError('validation_failed', `url: ${u.protocol} is not http or https`);
  if (u.username || u.password) throw new AppError('validation_failed', 'url: put credentials in --username/--key, not in the URL (URLs are shown in logs)');
  if (u.search || u.hash) throw new AppError('validation_failed', 'url: the collection URL takes no query or fragment');
  const path = u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`;
  return `${u.protocol}//${u.host}${path}`;
}

/**
 * Checks and stores a new remote collection.
 * @example await addRemote(db, { name: 'peer-a', url: 'https://a.example/taxii2/api/collections/…/', partner: 'Foreign CERT', secret: key })
 */
export async function addRemote(db: Kysely<Database>, input: RemoteInput): Promise<RemoteView> {
  const name = checkName(input.name);
  const url = checkUrl(input.url);
  const byId = /^[0-9a-f-]{36}$/i.test(input.partner) ? await findOrg(db, input.partner) : undefined;
  const org = byId ?? (await findOrgByName(db, input.partner));
  if (!org) throw new AppError('validation_failed', `partner: no organisation "${input.partner}"`);
  const auth: RemoteAuth = input.auth ?? (input.secret ? 'basic' : 'none');
  if (auth !== 'none' && !input.secret) throw new AppError('validation_failed', `auth ${auth} needs a key (the password or token the remote gave you)`);
  const interval = input.intervalSeconds ?? 0;
  if (!Number.isInteger(interval) || interval < 0 || interval > 7 * 86400) throw new AppError('validation_failed', 'interval: 0 (manual pulls only) to 604800 seconds');
  const defaultTlp = input.defaultTlp ?? 'amber';
  const maxTlp = input.maxTlp ?? 'amber';
  if (tlpRank(defaultTlp) > tlpRank(maxTlp)) throw new AppError('validation_failed', `default TLP ${defaultTlp} is above the agreed maximum ${maxTlp}`);
  if (await findRemote(db, name)) throw new AppError('conflict', `a remote named ${name} exists already`);
  const row = await insertRemote(db, {
    name,
    collectionUrl: url,
    auth,
    username: auth === 'basic' ? (input.username ?? 'taxii') : null,
    secret: auth === 'none' ? null : (input.secret ?? null),
    partnerOrgId: org.id,
    defaultTlp,
    maxTlp,
    intervalSeconds: interval,
  });
  return viewRemote(row);
}

/** Every remote, without secrets. */
export async function listRemoteViews(db: Kysely<Database>): Promise<RemoteView[]> {
  return (await listRemotes(db)).map(viewRemote);
}

/** A remote by name or id, or a not_found error that names it. */
export async function requireRemote(db: Kysely<Database>, ref: string): Promise<TaxiiRemoteRow> {
  const r = await findRemote(db, ref);
  if (!r) throw new AppError('not_found', `no TAXII remote "${ref}"`);
  return r;
}

/**
 * Enables or disables a remote by name or id: a disabled one is neither pulled on its schedule nor by hand.
 * Answers the remote and whether it moved (the API audits a move as its viewer).
 */
export async function setRemoteEnabled(db: Kysely<Database>, ref: string, enabled: boolean): Promise<{ remote: TaxiiRemoteRow; changed: boolean }> {
  const r = await requireRemote(db, ref);
  if (r.enabled === enabled) return { remote: r, changed: false };
  const row = await updateRemoteRow(db, r.id, { enabled });
  if (!row) throw new AppError('not_found', `no TAXII remote "${ref}"`);
  return { remote: row, changed: true };
}

/** Refuses to pull a disabled remote by hand (the API and the command line say the same). */
export function requireEnabled(r: TaxiiRemoteRow): TaxiiRemoteRow {
  if (!r.enabled) throw new AppError('conflict', `the remote ${r.name} is disabled: enable it before pulling`);
  return r;
}

/** Removes a remote by name or id. */
export async function removeRemote(db: Kysely<Database>, ref: string): Promise<void> {
  const r = await requireRemote(db, ref);
  await deleteRemote(db, r.id);
}

/** TLP levels accepted on the command line. */
export const TLP_CHOICES: readonly Tlp[] = TLP_LEVELS;

