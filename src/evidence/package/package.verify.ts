import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { publicKeyFingerprint, verifyEd25519 } from '../../signing/hub-key.ts';
import { MANIFEST_NAME, SIGNATURE_NAME, SIGNER_NAME, isSafePackagePath, manifestProblems, type Manifest } from './manifest.ts';

/** Who the verifier trusts: the hub's public key, or its fingerprint (the package's signer.pem must match it). */
export interface PackageTrust {
  readonly publicKeyPem?: string | undefined;
  readonly fingerprint?: string | undefined;
}

/** What verifying a package found. `ok` only when every file matches and a trusted key signed the manifest. */
export interface PackageVerdict {
  readonly ok: boolean;
  readonly files: number;
  readonly signer: string | null;
  readonly trusted: boolean;
  readonly case: Manifest['case'] | null;
  readonly problems: readonly { readonly path: string | null; readonly problem: string }[];
}

const MAX_ENTRIES = 100_000;
const MAX_SMALL = 16 * 1024 * 1024;

interface Seen {
  readonly small: Map<string, Buffer>;
  readonly hashes: Map<string, { sha256: string; size: number }>;
  readonly problems: { path: string | null; problem: string }[];
}

const OWN = new Set([MANIFEST_NAME, SIGNATURE_NAME, SIGNER_NAME]);

async function readEntry(name: string, stream: Readable, seen: Seen): Promise<void> {
  if (OWN.has(name)) {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const c of stream) {
      size += (c as Buffer).length;
      if (size > MAX_SMALL) {
        seen.problems.push({ path: name, problem: `larger than ${MAX_SMALL} bytes` });
        stream.resume();
        return;
      }
      parts.push(c as Buffer);
    }
    seen.small.set(name, Buffer.concat(parts));
    return;
  }
  const h = createHash('sha256');
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    h.update(c as Buffer);
  }
  seen.hashes.set(name, { sha256: h.digest('hex'), size });
}

async function readTar(source: Readable, seen: Seen): Promise<void> {
  const extract = tar.extract();
  let entries = 0;
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      entries++;
      const name = header.name.replace(/^\.\//, '');
      const fail = (problem: string): void => {
        seen.problems.push({ path: name, problem });
        stream.on('end', () => next());
        stream.resume();
      };
      if (entries > MAX_ENTRIES) return fail(`more than ${MAX_ENTRIES} entries`);
      if (header.type === 'directory') {
        // A package re-packed by hand may hold folder entries: they carry no content.
        stream.on('end', () => next());
        return void stream.resume();
      }
      if (header.type !== 'file') return fail(`entry of type ${header.type ?? 'unknown'} (links and devices are refused)`);
      if (!isSafePackagePath(name)) return fail('not a safe relative path');
      if (seen.hashes.has(name) || seen.small.has(name)) return fail('appears twice in the archive');
      readEntry(name, stream as unknown as Readable, seen).then(() => next(), reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract);
  await done;
}

function walk(root: string, rel: string, seen: Seen, out: string[]): void {
  for (const name of readdirSync(path.join(root, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(path.join(root, r));
    if (st.isDirectory()) walk(root, r, seen, out);
    else if (st.isFile()) out.push(r);
    else seen.problems.push({ path: r, problem: 'not a regular file (links are refused)' });
  }
}

async function readDirectory(root: string, seen: Seen): Promise<void> {
  const files: string[] = [];
  walk(root, '', seen, files);
  for (const f of files) {
    if (OWN.has(f)) seen.small.set(f, readFileSync(path.join(root, f)));
    else await readEntry(f, createReadStream(path.join(root, f)), seen);
  }
}

function checkSignature(seen: Seen, trust: PackageTrust, manifestBytes: Buffer): { signer: string | null; trusted: boolean } {
  const sig = seen.small.get(SIGNATURE_NAME);
  const signerPem = seen.small.get(SIGNER_NAME)?.toString('utf8');
  if (!sig) {
    seen.problems.push({ path: SIGNATURE_NAME, problem: 'missing: the manifest is not signed' });
    return { signer: null, trusted: false };
  }
  const signature = Buffer.from(sig.toString('utf8').trim(), 'base64');
  let signer: string | null = null;
  try {
    signer = signerPem ? publicKeyFingerprint(signerPem) : null;
  } catch {
    seen.problems.push({ path: SIGNER_NAME, problem: 'not a public key' });
  }
  const key = trust.publicKeyPem ?? (trust.fingerprint && signer === trust.fingerprint ? signerPem : undefined);
  if (trust.publicKeyPem) {
    const expected = publicKeyFingerprint(trust.publicKeyPem);
    if (signer && signer !== expected) seen.problems.push({ path: SIGNER_NAME, problem: `signed by another key (${signer}, trusted key is ${expected})` });
  } else if (trust.fingerprint) {
    if (signer !== trust.fingerprint) seen.problems.push({ path: SIGNER_NAME, problem: `signed by another key (${signer ?? 'none given'}, trusted key is ${trust.fingerprint})` });
  } else {
    seen.problems.push({ path: null, problem: 'no trusted key given: the signature cannot be tied to the hub (give its public key or fingerprint)' });
  }
  if (key && !verifyEd25519(key, manifestBytes, signature)) {
    seen.problems.push({ path: SIGNATURE_NAME, problem: 'the signature does not match the manifest (altered manifest, or signed by another key)' });
    return { signer, trusted: false };
  }
  if (!key && signerPem && !verifyEd25519(signerPem, manifestBytes, signature)) seen.problems.push({ path: SIGNATURE_NAME, problem: 'the signature does not match the manifest' });
  return { signer, trusted: key !== undefined };
}

function checkFiles(seen: Seen, manifest: Manifest): void {
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const got = seen.hashes.get(f.path);
    if (!got) seen.problems.push({ path: f.path, problem: 'listed in the manifest but missing from the package' });
    else if (got.sha256 !== f.sha256) seen.problems.push({ path: f.path, problem: `SHA-256 ${got.sha256} does not match the manifest (${f.sha256}): the file was altered or replaced` });
    else if (got.size !== f.size) seen.problems.push({ path: f.path, problem: `size ${got.size} does not match the manifest (${f.size})` });
  }
  for (const p of seen.hashes.keys()) if (!listed.has(p)) seen.problems.push({ path: p, problem: 'not listed in the manifest (added after signing)' });
}

/**
 * Verifies a referral package offline: a tar stream, or the folder it was extracted to. Every file
 * must match the manifest's SHA-256 and size, nothing unlisted may be present, and the manifest's
 * Ed25519 signature must be the trusted key's. Never throws on a hostile archive: problems are listed.
 * @example const v = await verifyPackage(createReadStream('case.tar'), { fingerprint: 'sha256:…' })
 */
export async function verifyPackage(source: Readable | { directory: string }, trust: PackageTrust): Promise<PackageVerdict> {
  const seen: Seen = { small: new Map(), hashes: new Map(), problems: [] };
  try {
    if ('directory' in source) await readDirectory(source.directory, seen);
    else await readTar(source, seen);
  } catch (err) {
    seen.problems.push({ path: null, problem: `not a readable package archive: ${(err as Error).message}` });
  }
  const bytes = seen.small.get(MANIFEST_NAME);
  if (!bytes) {
    if (!seen.problems.some((p) => p.path === null)) seen.problems.push({ path: MANIFEST_NAME, problem: 'missing' });
    return { ok: false, files: seen.hashes.size, signer: null, trusted: false, case: null, problems: seen.problems };
  }
  let manifest: Manifest | null = null;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    const issues = manifestProblems(parsed);
    if (issues.length) seen.problems.push(...issues.map((problem) => ({ path: MANIFEST_NAME, problem })));
    else manifest = parsed as Manifest;
  } catch (err) {
    seen.problems.push({ path: MANIFEST_NAME, problem: `not JSON: ${(err as Error).message}` });
  }
  const { signer, trusted } = checkSignature(seen, trust, bytes);
  if (manifest) checkFiles(seen, manifest);
  const caseInfo = manifest && typeof manifest.case === 'object' && manifest.case !== null ? manifest.case : null;
  return { ok: seen.problems.length === 0 && trusted, files: seen.hashes.size, signer, trusted, case: caseInfo, problems: seen.problems };
}
