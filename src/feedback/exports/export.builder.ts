import type { Kysely } from 'kysely';
import type { Database, Tlp } from '../../db/schema.ts';
import type { AnyViewer } from '../../access/viewer.ts';
import { AppError } from '../../shared/errors.ts';
import { FEED_FORMATS, FEED_TYPES, type FeedFormat, type FeedsService, type HashAlgo } from '../feeds/feeds.service.ts';
import { mispEvent } from './misp.export.ts';
import { stixBundle } from './stix.export.ts';

/** Every export format: selections (STIX, MISP) and council feeds. */
export const EXPORT_FORMATS = ['stix', 'misp', ...FEED_FORMATS] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Resolves a cluster id to its objects (the analysis area). */
export type ClusterObjects = (clusterId: string) => Promise<readonly string[] | undefined>;

/** What is asked of an export, as the API and the CLI take it. */
export interface ExportRequest {
  readonly format: ExportFormat;
  readonly types?: readonly string[] | undefined;
  readonly ids?: readonly string[] | undefined;
  readonly since?: Date | undefined;
  readonly tlp?: Tlp | undefined;
  readonly minConfidence?: number | undefined;
  readonly algo?: HashAlgo | undefined;
  readonly cluster?: string | undefined;
  readonly limit?: number | undefined;
}

/** An export ready to send: its body (streamed or whole), media type, ETag and extra headers. */
export interface BuiltExport {
  readonly body: AsyncIterable<string> | string;
  readonly contentType: string;
  readonly etag: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** The caller already has this version (its If-None-Match matched the ETag): send nothing. */
  readonly notModified: boolean;
}

/** File name extensions by format. */
export const EXPORT_EXT: Readonly<Record<ExportFormat, string>> = { stix: 'json', misp: 'json', plain: 'txt', csv: 'csv', json: 'json', suricata: 'rules', rpz: 'zone', hashes: 'txt', yara: 'yar' };
const STIX_ID = /^[a-z0-9][a-z0-9-]{0,250}--[0-9a-fA-F-]{36}$/;

/**
 * Builds an export for a viewer: a STIX bundle or MISP event of a selection, or a council feed.
 * Throws 400s naming the field for bad ids, types or clusters.
 * @example const { body, contentType } = await buildExport(db, feeds, undefined, viewer, { format: 'rpz' })
 */
export async function buildExport(
  db: Kysely<Database>,
  feeds: FeedsService,
  clusters: ClusterObjects | undefined,
  v: AnyViewer,
  r: ExportRequest,
  opts: { now?: Date; hasVersion?: (etag: string) => boolean } = {},
): Promise<BuiltExport> {
  const now = opts.now ?? new Date();
  if (r.format === 'stix' || r.format === 'misp') {
    const ids = [...(r.ids ?? [])];
    const bad = ids.find((id) => !STIX_ID.test(id));
    if (bad) throw new AppError('validation_failed', `ids: "${bad.slice(0, 80)}" is not a STIX id`, { field: 'ids' });
    if (r.cluster) {
      if (!clusters) throw new AppError('validation_failed', 'cluster: clusters are not available on this hub yet', { field: 'cluster' });
      const members = await clusters(r.cluster);
      if (!members) throw new AppError('not_found', `cluster ${r.cluster} not found`, { id: r.cluster });
      // An empty cluster selects nothing, not everything.
      ids.push(...(members.length ? members : ['none--00000000-0000-4000-8000-000000000000']));
    }
    const sel = { types: r.types, ids, since: r.since, tlp: r.tlp, limit: r.limit };
    if (r.format === 'stix') return { body: stixBundle(db, v, sel), contentType: 'application/stix+json;version=2.1', etag: undefined, headers: {}, notModified: false };
    return { body: JSON.stringify(await mispEvent(db, v, sel, now)), contentType: 'application/json; charset=utf-8', etag: undefined, headers: {}, notModified: false };
  }
  const unknown = (r.types ?? []).find((t) => !(FEED_TYPES as readonly string[]).includes(t));
  if (unknown) throw new AppError('validation_failed', `type: "${unknown.slice(0, 40)}" is not one of ${FEED_TYPES.join(', ')}`, { field: 'type' });
  const req = { format: r.format as FeedFormat, types: r.types as (typeof FEED_TYPES)[number][] | undefined, algo: r.algo, minConfidence: r.minConfidence, since: r.since, maxTlp: r.tlp };
  const etag = await feeds.etag(v, req, now);
  if (opts.hasVersion?.(etag)) return { body: '', contentType: feeds.contentType(req.format), etag, headers: {}, notModified: true };
  if (r.format === 'yara') {
    const y = await feeds.yara(v, now);
    return { body: y.source, contentType: feeds.contentType('yara'), etag, headers: { 'x-kessetsu-yara-skipped': String(y.skipped.length), 'x-kessetsu-yara-compiled': String(y.compiled) }, notModified: false };
  }
  return { body: feeds.stream(v, req, now), contentType: feeds.contentType(req.format), etag, headers: {}, notModified: false };
}
