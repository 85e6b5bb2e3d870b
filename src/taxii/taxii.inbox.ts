import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import { AppError } from '../shared/errors.ts';
import type { IngestService } from '../ingest/ingest.service.ts';
import type { StixValidator } from '../stix/stix.validator.ts';
import type { StixObject } from '../stix/stix.types.ts';
import type { StatusDetail } from './taxii.tables.ts';
import { completeStatus, insertPendingStatus } from './statuses.repository.ts';
import { presentStatus, type StatusResource } from './status.presenter.ts';

/** Largest number of objects one POST may carry. */
export const MAX_POST_OBJECTS = 100_000;
const MAX_MESSAGE = 500;

/** What the POST handler needs. */
export interface InboxDeps {
  readonly db: Kysely<Database>;
  readonly ingest: IngestService;
  readonly validator: StixValidator;
  /** Told of unexpected failures (they are reported per object to the poster, without internals). */
  readonly onError?: (err: unknown) => void;
}

function versionOf(o: Record<string, unknown>, fallback: string): string {
  if (typeof o.modified === 'string') return o.modified;
  if (typeof o.created === 'string') return o.created;
  return fallback;
}

function idOf(o: unknown, i: number): string {
  const id = o && typeof o === 'object' ? (o as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length <= 300 ? id : `objects[${i}]`;
}

/** Checks that a body is a TAXII envelope and returns its objects; anything else is a 400 naming the fault. */
export function envelopeObjects(body: unknown): unknown[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AppError('bad_request', 'the body must be a TAXII envelope: a JSON object with an "objects" list');
  const objects = (body as { objects?: unknown }).objects;
  if (objects === undefined) return [];
  if (!Array.isArray(objects)) throw new AppError('bad_request', 'envelope.objects must be a list of STIX objects');
  if (objects.length > MAX_POST_OBJECTS) throw new AppError('payload_too_large', `an envelope may carry at most ${MAX_POST_OBJECTS} objects; split it`);
  return objects;
}

/**
 * Adds the objects of a POSTed envelope to the organisation's inbox: each object is validated on its own
 * (failures are reported per object), the valid ones become the organisation's contributions in one
 * ingest (TLP of their markings, else the organisation's default). The status is stored before the work
 * starts, so a poster can always learn what became of its request.
 * @example const status = await addToInbox(deps, viewer, inboxId, body)
 */
export async function addToInbox(deps: InboxDeps, viewer: Viewer, collectionId: string, body: unknown): Promise<StatusResource> {
  const objects = envelopeObjects(body);
  const requestTimestamp = new Date();
  const stamp = requestTimestamp.toISOString();
  const valid: StixObject[] = [];
  const pendings: StatusDetail[] = [];
  const failures: StatusDetail[] = [];
  objects.forEach((obj, i) => {
    const where = `objects[${i}]`;
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      failures.push({ id: where, version: stamp, message: `${where}: not a JSON object` });
      return;
    }
    const errors = deps.validator.validateObject(obj, where);
    const o = obj as StixObject;
    if (errors.length) {
      const message = errors.map((e) => `${e.where}: ${e.reason}`).join('; ');
      failures.push({ id: idOf(obj, i), version: versionOf(o, stamp), message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message });
      return;
    }
    valid.push(o);
    pendings.push({ id: o.id, version: versionOf(o, stamp) });
  });
  const id = randomUUID();
  await insertPendingStatus(deps.db, { id, orgId: viewer.orgId, userId: viewer.userId, collectionId, requestTimestamp, pendings, failures });
  let successes: StatusDetail[] = [];
  let ingestId: string | null = null;
  if (valid.length) {
    try {
      const report = await deps.ingest.ingestParsed(
        viewer,
        { format: 'stix', objects: valid, errors: [], warnings: [] },
        { format: 'stix', orgs: [], groups: [], users: [], anonymous: false, dryRun: false, lenient: true, source: 'taxii' },
      );
      ingestId = report.id;
      // Objects the ingest refused on its own (a CIDR broader than the hub takes, issue 11.3) are failures.
      const refused = new Map<string, string>();
      for (const e of report.errors) {
        const id = /\(([a-z0-9-]+--[0-9a-f-]{36})\)/.exec(e.where)?.[1];
        if (id && !refused.has(id)) refused.set(id, e.reason);
      }
      if (report.status === 'done') {
        successes = pendings.filter((p) => !refused.has(p.id)).map((p) => ({ ...p, message: `added to collection ${collectionId}` }));
        failures.push(...pendings.filter((p) => refused.has(p.id)).map((p) => ({ ...p, message: refused.get(p.id)! })));
      } else failures.push(...pendings.map((p) => ({ ...p, message: report.errors[0]?.reason ?? 'not stored' })));
    } catch (err) {
      if (!(err instanceof AppError)) deps.onError?.(err);
      const reason = err instanceof AppError ? err.message : 'internal error while storing; nothing was stored';
      failures.push(...pendings.map((p) => ({ ...p, message: reason })));
    }
  }
  await completeStatus(deps.db, id, { successes, failures, ingestId });
  return presentStatus({
    id,
    status: 'complete',
    request_timestamp: requestTimestamp,
    total_count: objects.length,
    success_count: successes.length,
    successes,
    failure_count: failures.length,
    failures,
    pending_count: 0,
    pendings: [],
  });
}
