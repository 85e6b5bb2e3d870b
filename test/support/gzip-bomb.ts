import { createGzip } from 'node:zlib';

const bombs = new Map<number, Promise<Buffer>>();

/**
 * `bytes` of zeros gzipped at level 9 (~1 CPU-s for 450 MiB), made once per size and worker process for every
 * test that sends one (test speed, issue 11.7).
 * @example await gzipOfZeros(200 * 1024 * 1024)
 */
export function gzipOfZeros(bytes: number): Promise<Buffer> {
  let bomb = bombs.get(bytes);
  if (!bomb) bombs.set(bytes, (bomb = gzipZeros(bytes)));
  return bomb;
}

async function gzipZeros(bytes: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  const block = Buffer.alloc(1024 * 1024);
  for (let n = 0; n < bytes; n += block.length) if (!gz.write(block)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  return Buffer.concat(out);
}
