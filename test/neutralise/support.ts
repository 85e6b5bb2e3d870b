import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { generateKeyPairSync, sign } from 'node:crypto';

/** The entries of a tar archive in memory, in order. */
export async function untar(bytes: Buffer): Promise<{ name: string; data: Buffer }[]> {
  const out: { name: string; data: Buffer }[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (c) => parts.push(c as Buffer));
      stream.on('end', () => {
        out.push({ name: h.name, data: Buffer.concat(parts) });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([bytes]).pipe(extract);
  await done;
  return out;
}

/** Writes entries back into a tar archive (a tamperer's tool). */
export async function retar(entries: readonly { name: string; data: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, size: e.data.length }, e.data);
  pack.finalize();
  const parts: Buffer[] = [];
  for await (const c of pack) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Re-signs a package's manifest with a fresh key of the tamperer's own, embedding its public key. */
export function resignWithOtherKey(entries: { name: string; data: Buffer }[]): { name: string; data: Buffer }[] {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const manifest = entries.find((e) => e.name === 'manifest.json')!.data;
  return entries.map((e) =>
    e.name === 'manifest.sig'
      ? { name: e.name, data: Buffer.from(`${sign(null, manifest, privateKey).toString('base64')}\n`) }
      : e.name === 'signer.pem'
        ? { name: e.name, data: Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }).toString()) }
        : e,
  );
}
