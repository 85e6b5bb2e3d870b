import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Tlp } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import { AppError, notFound } from '../shared/errors.ts';
import type { StixObject } from '../stix/stix.types.ts';
import { isSco } from '../stix/stix.types.ts';
import { makeObservable, ObservableError } from '../observables/observable.factory.ts';
import { guessValueKind } from '../lookup/guess-kind.ts';
import type { ObservableIndex } from '../lookup/observable.index.ts';
import { findVisibleObject } from '../objects/objects.repository.ts';
import { findOrg } from '../orgs/orgs.repository.ts';
import { orgIdentity, stixSectorOf } from '../orgs/org-identity.ts';
import { sectorIdentity } from '../stix/extensions.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import type { IngestReport } from '../ingest/ingest.params.ts';
import { patternFor } from './pattern-for.ts';

/** A member's report that it saw something. */
export interface SightingInput {
  readonly value?: string | undefined;
  readonly objectId?: string | undefined;
  readonly count: number;
  readonly firstSeen?: string | undefined;
  readonly lastSeen?: string | undefined;
  /** Where: the member's own network or a customer's. */
  readonly where: 'own-network' | 'customer-network';
  readonly tlp?: Tlp | undefined;
  readonly anonymous: boolean;
  readonly description?: string | undefined;
}

/** Sightings: STIX `sighting` objects of the reporting organisation, ingested like any contribution. */
export class SightingsService {
  readonly #db: Kysely<Database>;
  readonly #ingest: IngestService;
  readonly #index: ObservableIndex;

  constructor(db: Kysely<Database>, ingest: IngestService, index: ObservableIndex) {
    this.#db = db;
    this.#ingest = ingest;
    this.#index = index;
  }

  /**
   * Records a sighting of a value (its visible indicator, or a new one) or of a visible SDO.
   * @example await sightings.report(viewer, { value: 'evil.example', count: 3, where: 'own-network', anonymous: false })
   */
  async report(viewer: Viewer, input: SightingInput): Promise<{ sighting: StixObject; ingest: IngestReport }> {
    if (!input.value === !input.objectId) throw new AppError('validation_failed', 'give exactly one of value and object_id', { field: 'value' });
    const org = await findOrg(this.#db, viewer.orgId);
    if (!org) throw notFound('organisation', viewer.orgId);
    const now = new Date().toISOString();
    const first = input.firstSeen ?? input.lastSeen ?? now;
    const last = input.lastSeen ?? first;
    if (last < first) throw new AppError('validation_failed', 'last_seen: must not be before first_seen', { field: 'last_seen' });
    const objects: StixObject[] = [];
    let target: string;
    let observed: string[] = [];
    if (input.objectId) {
      const row = await findVisibleObject(this.#db, viewer, input.objectId);
      if (!row) throw notFound('object', input.objectId);
      if (isSco(row.type) || row.type === 'relationship' || row.type === 'sighting')
        throw new AppError('validation_failed', 'object_id: a sighting is of an SDO (indicator, malware, …); give an observable as value instead', { field: 'object_id' });
      target = row.id;
    } else {
      const guessed = guessValueKind(input.value!);
      if (!guessed) throw new AppError('validation_failed', `value: cannot tell what kind of observable "${input.value!.slice(0, 80)}" is`, { field: 'value' });
      let made;
      try {
        made = makeObservable(guessed.kind, guessed.value);
      } catch (err) {
        if (err instanceof ObservableError) throw new AppError('validation_failed', `value: ${err.message}`, { field: 'value' });
        throw err;
      }
      const match = this.#index.match(viewer, made.key);
      const indicator = match?.objects.find((o) => o.type === 'indicator');
      const od: StixObject = { type: 'observed-data', spec_version: '2.1', id: `observed-data--${randomUUID()}`, created: now, modified: now, first_observed: first, last_observed: last, number_observed: input.count, object_refs: [made.object.id] };
      objects.push(made.object, od);
      observed = [od.id];
      if (indicator) target = indicator.id;
      else {
        const ind: StixObject = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: now, modified: now, name: made.display, pattern: patternFor(made.object), pattern_type: 'stix', valid_from: now, indicator_types: ['malicious-activity'] };
        objects.push(ind);
        target = ind.id;
      }
    }
    const where = input.anonymous ? sectorIdentity(stixSectorOf(org)) : orgIdentity(org);
    const sighting: StixObject = {
      type: 'sighting',
      spec_version: '2.1',
      id: `sighting--${randomUUID()}`,
      created: now,
      modified: now,
      sighting_of_ref: target,
      ...(observed.length ? { observed_data_refs: observed } : {}),
      where_sighted_refs: [where.id],
      count: input.count,
      first_seen: first,
      last_seen: last,
      ...(input.description ? { description: input.description } : {}),
      x_kessetsu_where: input.where,
    };
    objects.push(where, sighting);
    const ingest = await this.#ingest.ingestParsed(viewer, { format: 'stix', objects, errors: [], warnings: [] }, { format: 'stix', tlp: input.tlp, orgs: [], groups: [], users: [], anonymous: input.anonymous, dryRun: false, lenient: false, source: 'sighting' });
    if (ingest.status === 'failed') throw new AppError('unprocessable', `the sighting was not stored: ${ingest.errors[0]?.reason ?? 'refused'}`, { errors: ingest.errors });
    return { sighting, ingest };
  }
}
