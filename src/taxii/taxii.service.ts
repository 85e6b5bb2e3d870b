import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AnyViewer, Viewer } from '../access/viewer.ts';
import { AppError } from '../shared/errors.ts';
import { auditSensitiveReads } from '../audit/sensitive-reads.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import type { StixValidator } from '../stix/stix.validator.ts';
import { canWrite, collectionContribution, collectionResource, findCollection, listCollections, type CollectionResource, type TaxiiCollection } from './taxii.collections.ts';
import { objectInCollection, pageEntries, type EntryPage, type EntryRow } from './entries.repository.ts';
import { PagePrefetch } from './page.prefetch.ts';
import { withdrawContributions } from './deletion.repository.ts';
import { findStatus } from './statuses.repository.ts';
import { presentStatus, type StatusResource } from './status.presenter.ts';
import { addToInbox } from './taxii.inbox.ts';
import { STIX_MEDIA_TYPE } from './taxii.media.ts';
import { tlpMarkingPage } from './tlp-markings.served.ts';
import { decodeNext, encodeNext, parseFilter, queryBinding, type MatchField, type PageCursor, type TaxiiFilter } from './taxii.query.ts';

/** A page ready to send: the JSON text and the X-TAXII-Date-Added-First/-Last values. */
export interface TaxiiPage {
  readonly body: string;
  readonly first: string | undefined;
  readonly last: string | undefined;
}

/** What a read endpoint answers with. */
type Shape = 'objects' | 'manifest' | 'versions';

const ALL_FIELDS: ReadonlySet<MatchField> = new Set(['id', 'type', 'version', 'spec_version']);
const OBJECT_FIELDS: ReadonlySet<MatchField> = new Set(['version', 'spec_version']);
const VERSIONS_FIELDS: ReadonlySet<MatchField> = new Set(['spec_version']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STIX_ID = /^[a-z0-9][a-z0-9-]{0,250}--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Options of the TAXII service. */
export interface TaxiiServiceOptions {
  readonly publicEnabled: boolean;
  readonly onError?: (err: unknown) => void;
  /** Told of contributions withdrawn (the lookup index forgets them). */
  readonly onWithdrawn?: (withdrawn: readonly { readonly id: number; readonly objectId: string }[]) => void;
}

// Who a prefetched page was computed for: everything the policy reads of the viewer.
function viewerKey(v: AnyViewer): string {
  return v.kind === 'user' ? `${v.userId}/${v.orgId}/${v.orgKind}/${v.role}/${v.ndaAccepted}/${[...v.groupIds].sort().join(',')}` : 'public';
}

function envelope(shape: Shape, rows: readonly EntryRow[], json: string, more: boolean, next: string | undefined): string {
  const head = `{"more":${more}${next ? `,"next":${JSON.stringify(next)}` : ''}`;
  if (rows.length === 0) return `${head}}`;
  if (shape === 'objects') return `${head},"objects":[${json}]}`;
  if (shape === 'versions') return `${head},"versions":${JSON.stringify(rows.map((r) => r.version))}}`;
  const records = rows.map((r) => ({ id: r.id, date_added: r.date_added, version: r.version, media_type: STIX_MEDIA_TYPE }));
  return `${head},"objects":${JSON.stringify(records)}}`;
}

/** The TAXII 2.1 API root of this hub: collections over the knowledge store, always through the TAXII policy. */
export class TaxiiService {
  readonly #db: Kysely<Database>;
  readonly #ingest: IngestService;
  readonly #validator: StixValidator;
  readonly #opts: TaxiiServiceOptions;
  readonly #prefetch = new PagePrefetch<EntryPage>();

  constructor(db: Kysely<Database>, ingest: IngestService, validator: StixValidator, opts: TaxiiServiceOptions) {
    this.#db = db;
    this.#ingest = ingest;
    this.#validator = validator;
    this.#opts = opts;
  }

  /** The collections resource: what the viewer may read (and write). */
  async collections(viewer: AnyViewer): Promise<CollectionResource[]> {
    this.#needAccess(viewer);
    return (await listCollections(this.#db, viewer, this.#opts.publicEnabled)).map((c) => collectionResource(viewer, c));
  }

  /** One collection; 404 when unknown or not the viewer's. */
  async collection(viewer: AnyViewer, id: string): Promise<TaxiiCollection> {
    this.#needAccess(viewer);
    const found = UUID.test(id) ? await findCollection(this.#db, viewer, id, this.#opts.publicEnabled) : undefined;
    if (!found && viewer.kind !== 'user') throw new AppError('unauthorized', 'only the public collection is readable without credentials: HTTP basic (password = API key) or Authorization: Bearer <API key>');
    if (!found) throw new AppError('not_found', `no collection ${id.slice(0, 80)} (unknown, or not readable with these credentials)`, { collection: id.slice(0, 80) });
    return found;
  }

  #needAccess(viewer: AnyViewer): void {
    if (viewer.kind !== 'user' && !this.#opts.publicEnabled) throw new AppError('unauthorized', 'this TAXII server needs credentials: HTTP basic (password = API key) or Authorization: Bearer <API key>');
  }

  /**
   * GET objects, manifest, an object, or an object's versions: one page, in date_added order.
   * @example await taxii.read(viewer, collectionId, null, req.query, 'objects')
   */
  async read(viewer: AnyViewer, collectionId: string, objectId: string | null, query: Record<string, unknown>, shape: Shape): Promise<TaxiiPage> {
    const c = await this.collection(viewer, collectionId);
    const fields = objectId === null ? ALL_FIELDS : shape === 'versions' ? VERSIONS_FIELDS : OBJECT_FIELDS;
    const parsed = parseFilter(query, fields);
    const inCollection = (alias: string) => collectionContribution(viewer, c, alias);
    // The TLP 2.0 marking definitions every served object may reference are part of every collection (issue 11.6).
    const marking = objectId === null || shape === 'manifest' ? undefined : tlpMarkingPage(objectId, shape, parsed);
    if (marking) return marking;
    if (objectId !== null && (!STIX_ID.test(objectId) || !(await objectInCollection(this.#db, inCollection, objectId))))
      throw new AppError('not_found', `no object ${objectId.slice(0, 300)} in collection ${c.id}`, { object: objectId.slice(0, 300) });
    const filter: TaxiiFilter =
      objectId === null ? parsed : { ...parsed, ids: [objectId], types: [], versions: shape === 'versions' ? { first: false, last: false, all: true, timestamps: [] } : parsed.versions };
    const binding = queryBinding(shape, c.id, objectId, filter);
    const after = filter.next === undefined ? undefined : decodeNext(filter.next, binding);
    const readPage = (from: PageCursor | undefined) => pageEntries(this.#db, { viewer, inCollection, filter, after: from, limit: filter.limit, withJson: shape === 'objects' });
    const ahead = (from: PageCursor) => `${viewerKey(viewer)}|${binding}|${filter.limit}|${from.t}|${from.s}`;
    const prefetched = after ? this.#prefetch.take(ahead(after)) : undefined;
    const { rows: page, json, resume } = (prefetched ? await prefetched.catch(() => undefined) : undefined) ?? (await readPage(after));
    if (resume) this.#prefetch.put(ahead(resume), () => readPage(resume));
    // A sparse collection may end a request's scan before the page is full: the page is then short and `next` resumes the scan.
    const more = resume !== undefined;
    const next = resume ? encodeNext(binding, resume) : undefined;
    const lastRow = page[page.length - 1];
    if (shape === 'objects') await auditSensitiveReads(this.#db, viewer, page.map((r) => ({ id: r.id, rank: r.rank })), objectId === null ? 'taxii.objects' : 'taxii.object');
    return { body: envelope(shape, page, json, more, next), first: page[0]?.date_added, last: lastRow?.date_added };
  }

  /** POST objects to the viewer's inbox; answers the status resource. */
  async add(viewer: AnyViewer, collectionId: string, body: unknown): Promise<StatusResource> {
    if (viewer.kind !== 'user') throw new AppError('unauthorized', 'adding objects needs credentials');
    const c = await this.collection(viewer, collectionId);
    if (!canWrite(viewer, c)) throw new AppError('forbidden', `collection ${c.id} is read-only for you; POST to your organisation's inbox`, { collection: c.id });
    return addToInbox({ db: this.#db, ingest: this.#ingest, validator: this.#validator, onError: this.#opts.onError }, viewer, c.id, body);
  }

  /** DELETE an object: withdraws the viewer's organisation's contributions of it (the object goes with the last one). */
  async remove(viewer: AnyViewer, collectionId: string, objectId: string, query: Record<string, unknown>): Promise<void> {
    if (viewer.kind !== 'user') throw new AppError('unauthorized', 'deleting objects needs credentials');
    const c = await this.collection(viewer, collectionId);
    if (!canWrite(viewer, c)) throw new AppError('forbidden', `objects of collection ${c.id} cannot be deleted by you; delete from your organisation's inbox`, { collection: c.id });
    const f = parseFilter(query, OBJECT_FIELDS);
    if (query['match[version]'] !== undefined && !f.versions.all)
      throw new AppError('bad_request', "match[version]: an organisation's contribution covers every version of an object; delete with match[version]=all or without it", { parameter: 'match[version]' });
    const notHere = new AppError('not_found', `no object ${objectId.slice(0, 300)} in collection ${c.id}`, { object: objectId.slice(0, 300) });
    if (!STIX_ID.test(objectId) || (f.specVersions && !f.specVersions.includes('2.1'))) throw notHere;
    const outcome = await withdrawContributions(this.#db, collectionContribution(viewer, c, 'c'), objectId);
    if (outcome.contributions === 0) throw notHere;
    this.#opts.onWithdrawn?.(outcome.removed.map((id) => ({ id, objectId })));
    await appendAudit(this.#db, [
      { actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'taxii.object.delete', targetType: 'stix_object', targetId: objectId, via: 'taxii', details: { ...outcome } },
    ]);
  }

  /** A status resource, for the user who made the POST only. */
  async status(viewer: Viewer | AnyViewer, id: string): Promise<StatusResource> {
    if (viewer.kind !== 'user') throw new AppError('unauthorized', 'status resources need credentials');
    const row = UUID.test(id) ? await findStatus(this.#db, id.toLowerCase(), viewer.userId) : undefined;
    if (!row) throw new AppError('not_found', `no status ${id.slice(0, 80)}`, { status: id.slice(0, 80) });
    return presentStatus(row);
  }
}
