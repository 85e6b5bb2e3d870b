import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import { findVisibleObject } from '../objects/objects.repository.ts';
import { HUB_IDENTITY } from '../stix/extensions.ts';
import { deterministicId } from '../stix/deterministic-id.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { isSco } from '../stix/stix.types.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import { TLP2_MARKING_IDS, tlpRank, tlpOfMarkingId } from './tlp.ts';

// Properties that make an object what it is; removing them would not be sanitising but breaking it.
const KEEP = new Set(['type', 'id', 'spec_version', 'created', 'modified', 'pattern', 'pattern_type', 'valid_from', 'relationship_type', 'source_ref', 'target_ref', 'sighting_of_ref', 'is_family', 'value']);

/** A hub analyst's request to derive a sanitised object at a lower TLP. */
export interface SanitiseInput {
  readonly tlp: Tlp;
  /** Top-level properties to drop (description, created_by_ref, x_… fields, …). */
  readonly remove: readonly string[];
  /** Top-level properties to replace with generalised values ("a regional bank"). */
  readonly replace: Readonly<Record<string, unknown>>;
  readonly reason: string;
}

/** Sanitise and downgrade: the hub derives an object at a lower TLP, audited with who and why. */
export class SanitiseService {
  readonly #db: Kysely<Database>;
  readonly #ingest: IngestService;

  constructor(db: Kysely<Database>, ingest: IngestService) {
    this.#db = db;
    this.#ingest = ingest;
  }

  /**
   * Creates the derived object (new id, `derived-from` relationship to the source) as a hub contribution.
   * @example await sanitise.derive(analyst, 'indicator--…', { tlp: 'green', remove: ['description'], replace: {}, reason: 'advisory' })
   */
  async derive(viewer: Viewer, sourceId: string, input: SanitiseInput): Promise<{ derived: StixObject; relationship: StixObject | null }> {
    if (!isHub(viewer)) throw new AppError('forbidden', 'only hub analysts sanitise and downgrade');
    if (!input.reason.trim()) throw new AppError('validation_failed', 'reason: say why this is downgraded (it goes to the audit log)', { field: 'reason' });
    const row = await findVisibleObject(this.#db, viewer, sourceId);
    if (!row) throw notFound('object', sourceId);
    const strictest = await this.#db.selectFrom('contributions').select((eb) => eb.fn.max('tlp_rank').as('r')).where('object_id', '=', sourceId).executeTakeFirst();
    if (tlpRank(input.tlp) >= Number(strictest?.r ?? 0)) throw new AppError('validation_failed', `tlp: ${input.tlp} is not lower than the source's ${['clear', 'green', 'amber', 'amber+strict', 'red'][Number(strictest?.r ?? 0)]}`, { field: 'tlp' });
    for (const field of [...input.remove, ...Object.keys(input.replace)])
      if (KEEP.has(field)) throw new AppError('validation_failed', `remove/replace: "${field}" defines the object and cannot be sanitised away`, { field });
    const now = new Date().toISOString();
    const source = row.data as StixObject;
    const copy: Record<string, unknown> = { ...source, ...input.replace };
    for (const f of input.remove) delete copy[f];
    const otherMarkings = ((copy.object_marking_refs as string[] | undefined) ?? []).filter((r) => !tlpOfMarkingId(r));
    copy.object_marking_refs = [TLP2_MARKING_IDS[input.tlp], ...otherMarkings];
    let derived: StixObject;
    if (isSco(source.type)) {
      delete copy.object_marking_refs;
      const id = deterministicId(source.type, copy) ?? source.id;
      derived = { ...(copy as StixObject), id };
    } else {
      derived = { ...(copy as StixObject), id: `${source.type}--${randomUUID()}`, created: now, modified: now, created_by_ref: HUB_IDENTITY.id };
    }
    const relationship: StixObject | null =
      derived.id === source.id || isSco(source.type)
        ? null
        : { type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: now, modified: now, relationship_type: 'derived-from', source_ref: derived.id, target_ref: source.id, created_by_ref: HUB_IDENTITY.id, object_marking_refs: [TLP2_MARKING_IDS[input.tlp]] };
    const objects = relationship ? [derived, relationship] : [derived];
    // Written as the hub (the copy speaks as HUB_IDENTITY, whichever hub organisation the analyst belongs to); a refused write is an error, never a 201.
    const report = await this.#ingest.ingestParsed(viewer, { format: 'stix', objects, errors: [], warnings: [] }, { format: 'stix', tlp: input.tlp, orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: false, source: 'api', asHub: true });
    if (report.errors.length) throw new AppError('validation_failed', `the sanitised copy was not stored: ${report.errors.map((e) => `${e.where}: ${e.reason}`).join('; ')}`);
    await appendAudit(this.#db, [{ actorUserId: viewer.userId, actorOrgId: viewer.orgId, action: 'object.sanitise', targetType: 'stix_object', targetId: sourceId, via: 'api.sanitise', details: { derivedId: derived.id, tlp: input.tlp, removed: input.remove, replaced: Object.keys(input.replace), reason: input.reason } }]);
    return { derived, relationship };
  }
}
