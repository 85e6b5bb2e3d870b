import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { MANIFEST_NAME, SIGNATURE_NAME, SIGNER_NAME, manifestBytes, type Manifest, type ManifestFile } from './manifest.ts';

/** A file to put in a package: its manifest entry and how to read it. */
export interface PackageFile {
  readonly entry: ManifestFile;
  /** Opens the content; its hash is checked again while it is copied. */
  open(): Readable;
}

/** Signs the manifest's bytes (the hub key). */
export interface PackageSigner {
  readonly publicKeyPem: string;
  sign(bytes: Uint8Array): Buffer;
}

const MTIME = new Date(0);

async function addStream(pack: tar.Pack, f: PackageFile): Promise<void> {
  const h = createHash('sha256');
  const sink = pack.entry({ name: f.entry.path, size: f.entry.size, mtime: MTIME, mode: 0o644 });
  await pipeline(
    f.open(),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const c of chunks) {
        h.update(c);
        yield c;
      }
    },
    sink,
  );
  const got = h.digest('hex');
  // The content changed between the check and the copy: never sign a package whose manifest lies.
  if (got !== f.entry.sha256) throw new Error(`${f.entry.path}: content changed while packaging (sha256 ${got}, expected ${f.entry.sha256})`);
}

/**
 * Writes a signed referral package as a tar stream: the manifest, its Ed25519 signature (base64),
 * the signer's public key, then every file the manifest lists.
 * @example await pipeline(writePackage(manifest, files, hubKey), createWriteStream('case.tar'))
 */
export function writePackage(manifest: Manifest, files: readonly PackageFile[], signer: PackageSigner): Readable {
  const pack = tar.pack();
  const out = new PassThrough();
  const bytes = manifestBytes(manifest);
  const run = async (): Promise<void> => {
    pack.entry({ name: MANIFEST_NAME, mtime: MTIME, mode: 0o644 }, bytes);
    pack.entry({ name: SIGNATURE_NAME, mtime: MTIME, mode: 0o644 }, `${signer.sign(bytes).toString('base64')}\n`);
    pack.entry({ name: SIGNER_NAME, mtime: MTIME, mode: 0o644 }, signer.publicKeyPem);
    for (const f of files) await addStream(pack, f);
    pack.finalize();
  };
  pack.pipe(out);
  run().catch((err: unknown) => {
    out.destroy(err as Error);
    pack.destroy(err as Error);
  });
  return out;
}
