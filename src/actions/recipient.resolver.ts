import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EnrichmentService } from '../enrichment/enrichment.service.ts';
import { findContact, type ContactKind, type ContactRow } from './contacts.repository.ts';

/** Who an action's notice goes to, and how the hub found them. */
export interface Recipient {
  readonly kind: string;
  readonly name: string;
  readonly email: string | null;
  readonly org_id: string | null;
  readonly country: string | null;
  readonly asn: number | null;
  readonly lang: 'ja' | 'en';
  /** The directory entry or dataset that named the recipient ("asn:64500", "explicit"). */
  readonly via: string;
}

/** Kinds of actions. */
export const ACTION_KINDS = ['takedown', 'account_freeze', 'sinkhole', 'isp_notification', 'deletion_request', 'hotline_forward'] as const;
/** One kind of action. */
export type ActionKind = (typeof ACTION_KINDS)[number];

/** The hub's own country: recipients elsewhere are reached through their national CERT or police when no direct contact is known. */
export const HOME_COUNTRY = 'JP';

/** Parts of a target key the resolver reads. */
export interface TargetParts {
  readonly type: string;
  readonly value: string;
  readonly host: string | null;
  readonly ip: string | null;
}

/** Splits a key into type and value, with the host and address of URLs, domains and IPs. */
export function targetParts(key: string): TargetParts {
  const i = key.indexOf(':');
  const type = key.slice(0, i);
  const value = key.slice(i + 1);
  let host: string | null = null;
  if (type === 'url') {
    try {
      host = new URL(value).hostname.replace(/^\[|\]$/g, '');
    } catch {
      host = null;
    }
  } else if (type === 'domain-name') host = value;
  const isIp = (h: string | null): h is string => h !== null && (/^\d{1,3}(\.\d{1,3}){3}$/.test(h) || h.includes(':'));
  const ip = type === 'ipv4-addr' || type === 'ipv6-addr' ? value : isIp(host) ? host : null;
  return { type, value, host: ip && host === ip ? null : host, ip };
}

function fromContact(c: ContactRow, kind: string, extra: { asn?: number | null; country?: string | null }): Recipient {
  return { kind, name: c.name, email: c.email, org_id: c.org_id, country: c.country ?? extra.country ?? null, asn: extra.asn ?? null, lang: c.lang === 'ja' ? 'ja' : 'en', via: `${c.kind}:${c.key}` };
}

/**
 * Finds who should receive an action's notice from the contact directory and the offline
 * enrichment: the AS holder of an address (hosting provider, ISP), the operator of a site or domain,
 * the registry of its suffix, the member bank of an account, the partner hotline or CERT of a
 * foreign country. Null when nobody is known (the caller asks for an explicit recipient).
 * @example await resolveRecipient(db, enrichment, 'takedown', 'ipv4-addr:203.0.113.7')
 */
export async function resolveRecipient(db: Kysely<Database>, enrichment: EnrichmentService, kind: ActionKind, key: string, hostIp?: string | null): Promise<Recipient | null> {
  const parts = targetParts(key);
  // A host name's address, when the caller resolved it (the hotline): hosting provider and country come from it.
  const t = parts.ip === null && hostIp ? { ...parts, ip: hostIp } : parts;
  const contact = (k: ContactKind, v: string | null | undefined) => (v ? findContact(db, k, v) : Promise.resolve(undefined));
  if (kind === 'account_freeze') {
    if (t.type !== 'bank-account') return null;
    const bankCode = t.value.split(':')[1];
    const c = await contact('bank', bankCode);
    return c ? fromContact(c, 'member_bank', { country: 'JP' }) : null;
  }
  const info = t.ip ? enrichment.ipInfo(t.ip) : null;
  const asn = info?.asn ?? null;
  const country = info?.country ?? null;
  if (kind === 'hotline_forward') {
    const c = await contact('partner_hotline', country);
    return c ? fromContact(c, 'partner_hotline', { asn, country }) : null;
  }
  if (t.host) {
    const site = await contact('site', t.host);
    if (site && (kind === 'deletion_request' || kind === 'takedown')) return fromContact(site, 'site_admin', { asn, country });
    const registrable = enrichment.registrableDomain(t.host);
    const dom = await contact('domain', registrable);
    if (dom) return fromContact(dom, kind === 'deletion_request' ? 'site_admin' : 'registrar', { asn, country });
    const suffix = registrable ? registrable.slice(registrable.indexOf('.') + 1) : null;
    const tld = await contact('tld', suffix);
    if (tld && kind !== 'isp_notification') return fromContact(tld, 'registrar', { asn, country });
  }
  if (asn !== null) {
    const c = await contact('asn', String(asn));
    if (c) return fromContact(c, kind === 'isp_notification' ? 'isp' : 'hosting_provider', { asn, country });
  }
  if (country && country !== HOME_COUNTRY) {
    const cert = (await contact('country_cert', country)) ?? (await contact('country_police', country));
    if (cert) return fromContact(cert, cert.kind === 'country_cert' ? 'foreign_cert' : 'foreign_police', { asn, country });
  }
  return null;
}
