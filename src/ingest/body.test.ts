import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.ts';
import { readBody, type BodyLimits } from './body.ts';

const MIB = 1024 * 1024;
const limits: BodyLimits = { maxBytes: 8 * MIB, maxBytesName: 'KESSETSU_INGEST_LIMIT', maxCompressedBytes: 2 * MIB, maxRatio: 100 };

/** A stream of the bytes in pieces, as a socket delivers them. */
function chunked(buf: Buffer, piece = 16 * 1024): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += piece) parts.push(buf.subarray(i, i + piece));
  return Readable.from(parts, { objectMode: false });
}

/** Zeros gzipped as they are produced, never held whole. */
async function gzipOfZeros(bytes: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  const block = Buffer.alloc(MIB);
  for (let n = 0; n < bytes; n += block.length) if (!gz.write(block)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  return Buffer.concat(out);
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('readBody: streamed request bodies under hard limits', () => {
  it('reads a plain body whole, in order, and gives it memory of its own', async () => {
    const text = Buffer.from('203.0.113.7 phishing\n'.repeat(50_000));
    const got = await readBody(chunked(text), limits, { declaredLength: text.length });
    expect(got.equals(text)).toBe(true);
    expect(got.byteOffset).toBe(0);
  });

  it('inflates gzip, by its magic bytes or by Content-Encoding', async () => {
    const text = Buffer.from('bad.example.com\n'.repeat(20_000));
    expect((await readBody(chunked(gzipSync(text)), limits)).equals(text)).toBe(true);
    expect((await readBody(chunked(gzipSync(text)), limits, { contentEncoding: 'gzip' })).equals(text)).toBe(true);
  });

  it('refuses a compression bomb by its ratio long before the inflated limit, naming the setting', async () => {
    const bomb = await gzipOfZeros(450 * MIB);
    expect(bomb.length).toBeLessThan(limits.maxCompressedBytes);
    const err = await refusal(readBody(chunked(bomb), { ...limits, maxBytes: 512 * MIB }));
    expect(err.status).toBe(413);
    expect(err.message).toMatch(/compression bomb \(KESSETSU_INFLATE_RATIO\)/);
  });

  it('refuses an inflated body over the limit, naming the limit', async () => {
    const big = gzipSync(Buffer.from(Array.from({ length: 700_000 }, (_, i) => `198.51.100.${i % 250} x${i}`).join('\n')));
    const err = await refusal(readBody(chunked(big), { ...limits, maxBytes: 4 * MIB }));
    expect(err.status).toBe(413);
    expect(err.message).toContain('KESSETSU_INGEST_LIMIT');
    expect(err.details).toMatchObject({ limit: 'KESSETSU_INGEST_LIMIT', max_bytes: 4 * MIB });
  });

  it('refuses a compressed body over its own limit, and a plain one over the inflated limit', async () => {
    const noise = Buffer.from(Array.from({ length: 3 * MIB }, (_, i) => (i * 2654435761) >>> 24));
    const err = await refusal(readBody(chunked(gzipSync(noise, { level: 0 })), limits));
    expect(err.message).toContain('KESSETSU_INGEST_COMPRESSED_LIMIT');
    const plain = await refusal(readBody(chunked(Buffer.alloc(9 * MIB, 0x61)), limits));
    expect(plain.message).toContain('KESSETSU_INGEST_LIMIT');
  });

  it('refuses at once a body whose declared length is over every limit', async () => {
    const source = new Readable({ read() {} });
    const err = await refusal(readBody(source, limits, { declaredLength: 100 * MIB }));
    expect(err.status).toBe(413);
  });

  it('names a truncated or corrupt gzip body, and an unknown Content-Encoding', async () => {
    const gz = gzipSync(Buffer.from('x'.repeat(100_000)));
    expect((await refusal(readBody(chunked(gz.subarray(0, gz.length - 30)), limits))).message).toMatch(/truncated/);
    const corrupt = Buffer.from(gz);
    corrupt.fill(0x55, 20, 60);
    expect((await refusal(readBody(chunked(corrupt), limits))).message).toMatch(/corrupt/);
    expect((await refusal(readBody(chunked(gz), limits, { contentEncoding: 'br' }))).status).toBe(415);
  });
});
