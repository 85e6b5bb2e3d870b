import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { ObjectsService } from '../objects/objects.service.ts';
import type { HubSigningKey } from '../signing/hub-key.ts';
import { hashStream } from '../evidence/blob.store.ts';
import type { EvidenceService } from '../evidence/evidence.service.ts';
import type { EvidenceRow } from '../evidence/evidence.repository.ts';
import { PACKAGE_FORMAT, safeFileName, type Manifest, type ManifestFile } from '../evidence/package/manifest.ts';
import { writePackage, type PackageFile } from '../evidence/package/package.writer.ts';
import { Readable } from 'node:stream';
import { buildReferral, referralMarkdown, type ReferralDeps } from './referral.builder.ts';
import { caseObjects, insertCaseEvent, type CaseRow } from './cases.repository.ts';

/** What exporting a package answers. */
export interface PackageInfo {
  readonly id: string;
  readonly case_id: string;
  readonly sha256: string;
  readonly size: number;
  readonly manifest_sha256: string;
  readonly key_fingerprint: string;
  readonly files: number;
  readonly withheld_red: number;
  readonly created_at: string;
}

function bytesFile(path: string, mediaType: string, content: string): { entry: ManifestFile; bytes: Buffer } {
  const bytes = Buffer.from(content, 'utf8');
  return { entry: { path, sha256: '', size: bytes.length, media_type: mediaType }, bytes };
}

/** The STIX objects of a case as a bundle for the police: who contributed stays out of it (the referral names contributors as allowed); TLP:RED stays with its named people. */
async function caseBundle(objects: ObjectsService, viewer: Viewer, ids: readonly string[]): Promise<{ bundle: Record<string, unknown>; withheld: number }> {
  const out: Record<string, unknown>[] = [];
  let withheld = 0;
  for (const id of ids) {
    try {
      const o = await objects.get(viewer, id);
      if (o.tlp === 'red') {
        withheld++;
        continue;
      }
      const { created_by_ref: _drop, ...rest } = o.object as Record<string, unknown>;
      out.push(rest);
    } catch {
      // An object gone from the store (or never visible) is not part of the package.
    }
  }
  return { bundle: { type: 'bundle', id: `bundle--${randomUUID()}`, objects: out }, withheld };
}

/**
 * Builds, signs and stores a referral package for a case: referral.json, summaries in Japanese and
 * English, the STIX bundle and every evidence file (each checked against its recorded hash first),
 * listed with SHA-256 and size in a manifest signed by the hub's Ed25519 key. The archive is kept as
 * an evidence item; each evidence item's custody records the export.
 */
export async function exportPackage(
  deps: ReferralDeps & { readonly objects: ObjectsService; readonly evidence: EvidenceService; readonly hubKey: () => Promise<HubSigningKey> },
  viewer: Viewer,
  row: CaseRow,
  leName: string,
): Promise<PackageInfo> {
  const db: Kysely<Database> = deps.db;
  const key = await deps.hubKey();
  const evidence: EvidenceRow[] = await deps.evidence.list(row.id);
  for (const e of evidence) await deps.evidence.requireIntact(viewer, e);
  const doc = await buildReferral(deps, viewer, row, leName, evidence);
  const ids = (await caseObjects(db, row.id)).map((o) => o.object_id);
  const { bundle, withheld } = await caseBundle(deps.objects, viewer, ids);
  const small = [
    bytesFile('referral.json', 'application/json', `${JSON.stringify(doc, null, 2)}\n`),
    bytesFile('summary.ja.md', 'text/markdown; charset=utf-8', referralMarkdown(doc, 'ja')),
    bytesFile('summary.en.md', 'text/markdown; charset=utf-8', referralMarkdown(doc, 'en')),
    bytesFile('stix/bundle.json', 'application/stix+json;version=2.1', `${JSON.stringify(bundle, null, 2)}\n`),
  ];
  const files: PackageFile[] = [];
  for (const s of small) {
    const h = await hashStream(Readable.from([s.bytes]));
    files.push({ entry: { ...s.entry, sha256: h.sha256 }, open: () => Readable.from([s.bytes]) });
  }
  const used = new Set<string>();
  for (const e of evidence) {
    let p = `evidence/${e.sha256.slice(0, 12)}-${safeFileName(e.filename)}`;
    for (let n = 2; used.has(p); n++) p = `evidence/${e.sha256.slice(0, 12)}-${n}-${safeFileName(e.filename)}`;
    used.add(p);
    files.push({ entry: { path: p, sha256: e.sha256, size: Number(e.size), media_type: e.media_type, evidence_id: e.id }, open: () => deps.evidence.store.open(e.sha256) });
  }
  const packageId = randomUUID();
  const manifest: Manifest = {
    format: PACKAGE_FORMAT,
    package_id: packageId,
    case: { id: row.id, number: row.number, title: row.title },
    created_at: new Date().toISOString(),
    signer: { algorithm: 'Ed25519', fingerprint: key.fingerprint },
    files: files.map((f) => f.entry),
  };
  const manifestSha = (await hashStream(Readable.from([Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]))).sha256;
  const archive = await deps.evidence.add(viewer, row.id, {
    kind: 'package',
    filename: `${row.number}-referral.tar`,
    mediaType: 'application/x-tar',
    content: writePackage(manifest, files, key),
    method: `referral package ${packageId} signed by ${key.fingerprint}`,
  });
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('referral_packages').values({ id: packageId, case_id: row.id, evidence_id: archive.id, manifest_sha256: manifestSha, key_fingerprint: key.fingerprint, created_by: viewer.userId }).execute();
    await insertCaseEvent(trx, { case_id: row.id, actor_user_id: viewer.userId, actor_org_id: viewer.orgId, kind: 'package', details: JSON.stringify({ package_id: packageId, sha256: archive.sha256, files: files.length }) });
  });
  await deps.evidence.record(viewer, evidence, 'exported', { package_id: packageId, package_sha256: archive.sha256 });
  return {
    id: packageId,
    case_id: row.id,
    sha256: archive.sha256,
    size: Number(archive.size),
    manifest_sha256: manifestSha,
    key_fingerprint: key.fingerprint,
    files: files.length,
    withheld_red: withheld,
    created_at: archive.created_at.toISOString(),
  };
}
