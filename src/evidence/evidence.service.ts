import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import type { BlobStore } from './blob.store.ts';
import { appendCustody, custodyOf, verifyCustodyChain, type CustodyRow, type CustodyVerdict } from './custody.repository.ts';
import { caseEvidence, evidencePage, findEvidence, insertEvidence, type EvidenceRow } from './evidence.repository.ts';

/** How an evidence item came to the hub. */
export interface EvidenceInput {
  readonly kind: 'file' | 'stix' | 'email' | 'package';
  readonly filename: string;
  readonly mediaType: string;
  readonly content: Uint8Array | Readable;
  /** Largest size accepted (default 2 GiB): a stream that goes past it is cut off with 413. */
  readonly maxBytes?: number | undefined;
  /** When it was collected (default: now). */
  readonly collectedAt?: Date | undefined;
  /** How it was collected: "exported from the mail gateway", "memory image by FTK"… */
  readonly method?: string | undefined;
  readonly objectId?: string | undefined;
}

/** An evidence item as the API shows it. */
export function presentEvidence(e: EvidenceRow) {
  return {
    id: e.id,
    case_id: e.case_id,
    kind: e.kind,
    filename: e.filename,
    media_type: e.media_type,
    sha256: e.sha256,
    size: Number(e.size),
    object_id: e.object_id,
    collected_by: e.collected_by,
    collected_by_org: e.collected_by_org,
    collected_at: e.collected_at.toISOString(),
    method: e.method,
  };
}

/** What checking a stored item found. */
export interface IntegrityResult {
  readonly id: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly actual: string | null;
}

const MAX_EVIDENCE = 2 * 1024 * 1024 * 1024;

/**
 * Evidence custody: items stored by content hash, each collection, access, export and transfer
 * appended to the hash-chained custody log; every read re-checks the hash, so a file replaced on
 * disk is detected and refused.
 * @example const item = await evidence.add(viewer, caseId, { kind: 'email', filename: 'lure.eml', mediaType: 'message/rfc822', content })
 */
export class EvidenceService {
  readonly #db: Kysely<Database>;
  readonly store: BlobStore;

  constructor(db: Kysely<Database>, store: BlobStore) {
    this.#db = db;
    this.store = store;
  }

  /** Stores an item and records its collection (who, when, how). */
  async add(actor: Viewer, caseId: string | null, input: EvidenceInput): Promise<EvidenceRow> {
    const blob = await this.store.put(input.content, Math.min(input.maxBytes ?? MAX_EVIDENCE, MAX_EVIDENCE));
    if (blob.size === 0) throw new AppError('validation_failed', 'body: the evidence file is empty', { field: 'body' });
    return this.#db.transaction().execute(async (trx) => {
      const row = await insertEvidence(trx, {
        case_id: caseId,
        kind: input.kind,
        sha256: blob.sha256,
        size: blob.size,
        media_type: input.mediaType.slice(0, 200),
        filename: input.filename.slice(0, 300) || 'evidence',
        object_id: input.objectId ?? null,
        collected_by: actor.userId,
        collected_by_org: actor.orgId,
        collected_at: input.collectedAt ?? new Date(),
        method: (input.method ?? '').slice(0, 2000),
      });
      await appendCustody(trx, [{ evidenceId: row.id, caseId, actorUserId: actor.userId, actorOrgId: actor.orgId, action: 'collected', details: { sha256: blob.sha256, size: blob.size, method: row.method, filename: row.filename } }]);
      return row;
    });
  }

  /** Stores a STIX object (as the viewer may read it) as an evidence item. */
  async addStix(actor: Viewer, caseId: string, object: Record<string, unknown>, method: string): Promise<EvidenceRow> {
    const bytes = Buffer.from(`${canonicalJson(object)}\n`, 'utf8');
    return this.add(actor, caseId, { kind: 'stix', filename: `${String(object.id)}.json`, mediaType: 'application/stix+json;version=2.1', content: bytes, method, objectId: String(object.id) });
  }

  /** A case's items. */
  list(caseId: string, withPackages = false): Promise<EvidenceRow[]> {
    return caseEvidence(this.#db, caseId, withPackages);
  }

  /** One item of a case, or 404. */
  async get(caseId: string, id: string): Promise<EvidenceRow> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await findEvidence(this.#db, id) : undefined;
    if (!row || row.case_id !== caseId) throw notFound('evidence', id);
    return row;
  }

  /** Re-reads an item's stored content and compares its hash with the one recorded at collection. */
  async check(row: EvidenceRow): Promise<IntegrityResult> {
    const now = await this.store.rehash(row.sha256);
    return { id: row.id, ok: now !== null && now.sha256 === row.sha256 && now.size === Number(row.size), expected: row.sha256, actual: now?.sha256 ?? null };
  }

  /** Refuses (409, logged in the custody chain) an item whose stored content no longer matches its hash. */
  async requireIntact(actor: Viewer, row: EvidenceRow): Promise<void> {
    const r = await this.check(row);
    if (r.ok) return;
    await appendCustody(this.#db, [{ evidenceId: row.id, caseId: row.case_id, actorUserId: actor.userId, actorOrgId: actor.orgId, action: 'integrity-failure', details: { expected: r.expected, actual: r.actual } }]);
    throw new AppError('conflict', `evidence ${row.id} (${row.filename}): the stored file no longer matches its SHA-256 (${r.actual === null ? 'missing' : `found ${r.actual}`}, recorded ${r.expected}); it was replaced or damaged on disk`, {
      evidence_id: row.id,
      expected: r.expected,
      actual: r.actual,
    });
  }

  /** Opens an item for a reader after checking it, recording the access in the custody chain. */
  async open(actor: Viewer, row: EvidenceRow, action = 'accessed'): Promise<Readable> {
    await this.requireIntact(actor, row);
    await appendCustody(this.#db, [{ evidenceId: row.id, caseId: row.case_id, actorUserId: actor.userId, actorOrgId: actor.orgId, action, details: { sha256: row.sha256 } }]);
    return this.store.open(row.sha256);
  }

  /** Appends custody entries (exports and transfers the caller performed). */
  record(actor: Viewer, rows: readonly EvidenceRow[], action: string, details: Record<string, unknown>): Promise<void> {
    return appendCustody(
      this.#db,
      rows.map((r) => ({ evidenceId: r.id, caseId: r.case_id, actorUserId: actor.userId, actorOrgId: actor.orgId, action, details })),
    );
  }

  /** The custody entries of an item. */
  custody(id: string): Promise<CustodyRow[]> {
    return custodyOf(this.#db, id);
  }

  /** Checks every stored item and the custody chain (the server's own check, and `kessetsu evidence check`). */
  async checkAll(): Promise<{ items: number; failures: IntegrityResult[]; custody: CustodyVerdict }> {
    const failures: IntegrityResult[] = [];
    let items = 0;
    let after: string | null = null;
    for (;;) {
      const page = await evidencePage(this.#db, after, 500);
      if (!page.length) break;
      for (const row of page) {
        items++;
        const r = await this.check(row);
        if (!r.ok) failures.push(r);
      }
      after = page[page.length - 1]!.id;
    }
    return { items, failures, custody: await verifyCustodyChain(this.#db) };
  }
}

/** A custody entry as the API shows it. */
export function presentCustody(r: CustodyRow) {
  return { seq: r.seq, at: r.at.toISOString(), action: r.action, actor_user_id: r.actor_user_id, actor_org_id: r.actor_org_id, details: r.details, hash: r.hash };
}
