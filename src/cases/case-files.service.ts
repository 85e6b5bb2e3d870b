import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import type { ObjectsService } from '../objects/objects.service.ts';
import type { HubSigningKey } from '../signing/hub-key.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { presentCustody, presentEvidence, type EvidenceInput, type EvidenceService } from '../evidence/evidence.service.ts';
import { findEvidence } from '../evidence/evidence.repository.ts';
import { verifyPackage, type PackageVerdict } from '../evidence/package/package.verify.ts';
import { auditCase, requireCase } from './case.access.ts';
import { insertCaseEvent } from './cases.repository.ts';
import { exportPackage, type PackageInfo } from './referral.package.ts';

/** What the case files need from the rest of the hub. */
export interface CaseFilesDeps {
  readonly db: Kysely<Database>;
  readonly evidence: EvidenceService;
  readonly objects: ObjectsService;
  readonly hubKey: () => Promise<HubSigningKey>;
  readonly enrich: (key: string) => Record<string, unknown>;
}

/** Evidence and referral packages of cases, for hub analysts and the assigned police; every access in the custody log and the audit log. */
export class CaseFilesService {
  readonly #d: CaseFilesDeps;

  constructor(deps: CaseFilesDeps) {
    this.#d = deps;
  }

  /** Adds an evidence item to a case. */
  async addEvidence(viewer: Viewer, caseId: string, input: EvidenceInput) {
    const { row } = await requireCase(this.#d.db, viewer, caseId, 'full');
    const e = await this.#d.evidence.add(viewer, row.id, input);
    await insertCaseEvent(this.#d.db, { case_id: row.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: 'evidence', details: JSON.stringify({ evidence_id: e.id, sha256: e.sha256, kind: e.kind }) });
    await auditCase(this.#d.db, viewer, 'case.evidence.add', row.id, { evidence_id: e.id, sha256: e.sha256 });
    return presentEvidence(e);
  }

  /** Adds a STIX object (as the viewer may read it) as evidence. */
  async addStixEvidence(viewer: Viewer, caseId: string, objectId: string, method: string) {
    const { row } = await requireCase(this.#d.db, viewer, caseId, 'full');
    const o = await this.#d.objects.get(viewer, objectId);
    const e = await this.#d.evidence.addStix(viewer, row.id, o.object as Record<string, unknown>, method);
    await auditCase(this.#d.db, viewer, 'case.evidence.add', row.id, { evidence_id: e.id, object_id: objectId });
    return presentEvidence(e);
  }

  /** The case's evidence items, each re-checked against its recorded hash. */
  async listEvidence(viewer: Viewer, caseId: string) {
    const { row } = await requireCase(this.#d.db, viewer, caseId, 'full');
    const items = await this.#d.evidence.list(row.id, true);
    const out = [];
    for (const e of items) out.push({ ...presentEvidence(e), intact: (await this.#d.evidence.check(e)).ok });
    await auditCase(this.#d.db, viewer, 'case.evidence.list', row.id, { items: items.length });
    return out;
  }

  /** Streams one evidence item after checking it (a replaced file is refused with 409), recording the transfer. */
  async download(viewer: Viewer, caseId: string, evidenceId: string): Promise<{ stream: Readable; filename: string; mediaType: string; sha256: string }> {
    const { row } = await requireCase(this.#d.db, viewer, caseId, 'full');
    const e = await this.#d.evidence.get(row.id, evidenceId);
    const stream = await this.#d.evidence.open(viewer, e, viewer.orgId === row.le_org_id ? 'transferred' : 'accessed');
    await auditCase(this.#d.db, viewer, 'case.evidence.read', row.id, { evidence_id: e.id });
    return { stream, filename: e.filename, mediaType: e.media_type, sha256: e.sha256 };
  }

  /** The custody entries of an evidence item. */
  async custody(viewer: Viewer, caseId: string, evidenceId: string) {
    const { row } = await requireCase(this.#d.db, viewer, caseId, 'full');
    const e = await this.#d.evidence.get(row.id, evidenceId);
    await auditCase(this.#d.db, viewer, 'case.evidence.custody', row.id, { evidence_id: e.id });
    return { evidence: presentEvidence(e), integrity: await this.#d.evidence.check(e), custody: (await this.#d.evidence.custody(e.id)).map(presentCustody) };
  }

  /** Builds and signs the referral package (hub analysts). */
  async exportPackage(viewer: Viewer, caseId: string): Promise<PackageInfo> {
    const { row } = await requireCase(this.#d.db, viewer, caseId, 'full');
    if (!isHub(viewer)) throw new AppError('forbidden', 'only hub analysts prepare referral packages');
    const le = await this.#d.db.selectFrom('orgs').select('name').where('id', '=', row.le_org_id).executeTakeFirstOrThrow();
    const info = await exportPackage(this.#d, viewer, row, le.name);
    await auditCase(this.#d.db, viewer, 'case.package', row.id, { package_id: info.id, sha256: info.sha256 });
    return info;
  }

  /** The case's packages. */
  async packages(viewer: Viewer, caseId: string) {
    const { row } = await requireCase(this.#d.db, viewer, caseId, 'full');
    const rows = await this.#d.db.selectFrom('referral_packages as p').innerJoin('evidence_items as e', 'e.id', 'p.evidence_id').select(['p.id', 'p.created_at', 'p.key_fingerprint', 'p.manifest_sha256', 'e.sha256', 'e.size']).where('p.case_id', '=', row.id).orderBy('p.created_at').execute();
    await auditCase(this.#d.db, viewer, 'case.package.list', row.id, {});
    return rows.map((r) => ({ id: r.id, created_at: r.created_at.toISOString(), key_fingerprint: r.key_fingerprint, manifest_sha256: r.manifest_sha256, sha256: r.sha256, size: Number(r.size) }));
  }

  /** Streams a package (to the police: a transfer in the custody log). */
  async downloadPackage(viewer: Viewer, caseId: string, packageId: string) {
    const { row } = await requireCase(this.#d.db, viewer, caseId, 'full');
    const p = /^[0-9a-f-]{36}$/i.test(packageId) ? await this.#d.db.selectFrom('referral_packages').selectAll().where('id', '=', packageId).where('case_id', '=', row.id).executeTakeFirst() : undefined;
    if (!p) throw notFound('package', packageId);
    const e = (await findEvidence(this.#d.db, p.evidence_id))!;
    const stream = await this.#d.evidence.open(viewer, e, viewer.orgId === row.le_org_id ? 'transferred' : 'accessed');
    await auditCase(this.#d.db, viewer, 'case.package.read', row.id, { package_id: p.id });
    return { stream, filename: e.filename, sha256: e.sha256 };
  }

  /** Verifies an uploaded package against this hub's key (the server side of `kessetsu evidence verify`). */
  async verifyUpload(viewer: Viewer, archive: Readable): Promise<PackageVerdict> {
    const key = await this.#d.hubKey();
    const verdict = await verifyPackage(archive, { publicKeyPem: key.publicKeyPem });
    await auditCase(this.#d.db, viewer, 'evidence.verify', verdict.case?.id ?? '-', { ok: verdict.ok, problems: verdict.problems.length });
    return verdict;
  }
}
