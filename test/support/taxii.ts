import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Tlp } from '../../src/db/schema.ts';
import type { StixObject } from '../../src/stix/stix.types.ts';
import { TLP2_MARKING_IDS } from '../../src/trust/tlp.ts';
import { TAXII_MEDIA_TYPE } from '../../src/taxii/taxii.media.ts';
import type { TestHub, TestMember } from './app.ts';

// Helpers of the TAXII tests (not a test file itself): real HTTP on loopback, STIX factories, sharing.

/** Starts the hub's server on 127.0.0.1 with a free port; answers its base URL. */
export async function listen(hub: TestHub): Promise<string> {
  await hub.server.listen({ host: '127.0.0.1', port: 0 });
  const addr = hub.server.server.address() as AddressInfo;
  return `http://127.0.0.1:${addr.port}`;
}

/** A response as the tests look at it. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers freely
  readonly json: any;
}

/** Options of one request. */
export interface CallOptions {
  readonly key?: string;
  /** Send the key as HTTP basic (username given or "taxii") instead of a bearer token. */
  readonly basic?: string;
  readonly method?: string;
  readonly body?: unknown;
  readonly accept?: string | null;
  readonly contentType?: string;
}

/** One HTTP request to the server; JSON answers are parsed. */
export async function call(base: string, path: string, o: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (o.accept !== null) headers.accept = o.accept ?? TAXII_MEDIA_TYPE;
  if (o.key && o.basic !== undefined) headers.authorization = `Basic ${Buffer.from(`${o.basic}:${o.key}`).toString('base64')}`;
  else if (o.key) headers.authorization = `Bearer ${o.key}`;
  if (o.body !== undefined) headers['content-type'] = o.contentType ?? TAXII_MEDIA_TYPE;
  const res = await fetch(`${base}${path}`, { method: o.method ?? (o.body === undefined ? 'GET' : 'POST'), headers, body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body) });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A valid STIX 2.1 indicator on a fresh domain (its name says which test made it). */
export function indicator(label: string, extra: Record<string, unknown> = {}): StixObject {
  const id = randomUUID();
  const at = '2026-01-15T10:00:00.000Z';
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${id}`,
    created: at,
    modified: at,
    name: label,
    pattern: `[domain-name:value = '${label.toLowerCase().replace(/[^a-z0-9]/g, '-')}-${id.slice(0, 8)}.example.com']`,
    pattern_type: 'stix',
    valid_from: at,
    ...extra,
  };
}

/** The object marked with a TLP 2.0 marking, as it would arrive from a sharer. */
export function marked(obj: StixObject, tlp: Tlp): StixObject {
  return { ...obj, object_marking_refs: [TLP2_MARKING_IDS[tlp]] };
}

/** Shares objects as a member: its contributions at a TLP, naming AMBER or RED recipients when given. */
export async function share(hub: TestHub, member: TestMember, objects: StixObject[], tlp: Tlp, to: { orgs?: string[]; groups?: string[]; users?: string[] } = {}): Promise<void> {
  const viewer = await hub.app.auth.authenticate(member.key);
  const report = await hub.app.ingest.ingestParsed(
    viewer,
    { format: 'stix', objects, errors: [], warnings: [] },
    { format: 'stix', tlp, orgs: to.orgs ?? [], groups: to.groups ?? [], users: to.users ?? [], anonymous: false, dryRun: false, lenient: false, source: 'api' },
  );
  if (report.status !== 'done') throw new Error(`share failed: ${JSON.stringify(report.errors)}`);
}

/** The API root path of the server. */
export const API = '/taxii2/api';
