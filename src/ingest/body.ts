import { createGunzip, gunzipSync, constants } from 'node:zlib';
import type { Readable } from 'node:stream';
import { AppError } from '../shared/errors.ts';

const GZIP_MAGIC = [0x1f, 0x8b];
// Below this many inflated bytes the ratio is not checked: a small, very repetitive file is no bomb.
const RATIO_GRACE = 1024 * 1024;

/** True when the bytes start as a gzip stream. */
export function isGzip(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
}

/**
 * Inflates a gzip body with a ceiling on the output, so a zip bomb is refused instead of filling memory.
 * Synchronous: for the CLI, which reads local files; the API streams with readBody.
 * @example const raw = inflateBody(body, 512 * 1024 * 1024)
 */
export function inflateBody(buf: Buffer, limit: number): Buffer {
  if (!isGzip(buf)) return buf;
  try {
    return gunzipSync(buf, { maxOutputLength: limit });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|buffer.*larger/i.test(e.message))
      throw new AppError('payload_too_large', `gzip body inflates beyond the ingest limit of ${limit} bytes (a compression bomb?)`, { limit });
    if (e.code === 'Z_BUF_ERROR' || e.errno === constants.Z_BUF_ERROR) throw new AppError('bad_request', 'gzip body is truncated');
    throw new AppError('bad_request', `gzip body is corrupt: ${e.message}`);
  }
}

/** The ceilings a streamed body is held to, and the setting that names each in error messages. */
export interface BodyLimits {
  /** Largest body once inflated (or as sent, when not compressed). */
  readonly maxBytes: number;
  /** What sets maxBytes, for the error message (e.g. "KESSETSU_INGEST_LIMIT", "the organisation's daily quota"). */
  readonly maxBytesName: string;
  /** Largest gzip body as sent. */
  readonly maxCompressedBytes: number;
  /** Largest inflated/compressed ratio. */
  readonly maxRatio: number;
}

/** Human size: 1.5 MiB, 300 KiB, 12 bytes. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 ** 3).toFixed(n % 1024 ** 3 ? 1 : 0)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 ? 1 : 0)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 ? 1 : 0)} KiB`;
  return `${n} bytes`;
}

function tooLarge(limits: BodyLimits, seen: number): AppError {
  return new AppError('payload_too_large', `the body is larger than ${formatBytes(limits.maxBytes)} (${limits.maxBytesName}); ${formatBytes(seen)} read before stopping`, {
    limit: limits.maxBytesName,
    max_bytes: limits.maxBytes,
  });
}

/**
 * Reads a request body as it arrives, inflating gzip (by magic bytes or Content-Encoding) on the
 * thread pool, and stops at the first limit crossed: bytes as sent, bytes inflated, inflation ratio.
 * Memory never holds more than the limits allow, and the event loop never inflates synchronously.
 * @example const body = await readBody(req.raw, { maxBytes: 512 << 20, maxBytesName: 'KESSETSU_INGEST_LIMIT', maxCompressedBytes: 128 << 20, maxRatio: 100 })
 */
export function readBody(source: Readable, limits: BodyLimits, opts: { declaredLength?: number; contentEncoding?: string } = {}): Promise<Buffer> {
  const encoding = (opts.contentEncoding ?? '').trim().toLowerCase();
  if (encoding && encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip')
    return Promise.reject(new AppError('unsupported_media_type', `Content-Encoding "${encoding.slice(0, 40)}" is not supported: send the body as it is, or gzip`));
  const declared = opts.declaredLength;
  if (declared !== undefined && Number.isFinite(declared) && declared > Math.max(limits.maxBytes, limits.maxCompressedBytes))
    return Promise.reject(
      declared > limits.maxBytes && declared > limits.maxCompressedBytes
        ? new AppError('payload_too_large', `the body (${formatBytes(declared)}) is larger than ${formatBytes(Math.max(limits.maxBytes, limits.maxCompressedBytes))} (${limits.maxBytesName}, KESSETSU_INGEST_COMPRESSED_LIMIT)`, {
            limit: limits.maxBytesName,
            max_bytes: limits.maxBytes,
            max_compressed_bytes: limits.maxCompressedBytes,
          })
        : tooLarge(limits, declared),
    );

  return new Promise<Buffer>((resolve, reject) => {
    // One buffer grown by doubling, filled as bytes arrive: no 100 MB concatenation at the end, which
    // would hold the event loop; it owns its memory, so a parse worker can take it without a copy.
    let out = Buffer.allocUnsafeSlow(Math.min(limits.maxBytes, declared !== undefined && Number.isFinite(declared) && declared > 0 ? declared : 64 * 1024));
    let received = 0;
    let inflated = 0;
    const append = (chunk: Buffer): void => {
      const end = inflated - chunk.length;
      if (inflated > out.length) {
        const next = Buffer.allocUnsafeSlow(Math.min(limits.maxBytes, Math.max(out.length * 2, inflated)));
        out.copy(next, 0, 0, end);
        out = next;
      }
      chunk.copy(out, end);
    };
    let head: Buffer | null = Buffer.alloc(0);
    let gunzip: ReturnType<typeof createGunzip> | null = null;
    let settled = false;

    const detach = (): void => {
      source.removeListener('data', onData);
      source.removeListener('end', onEnd);
      source.removeListener('error', onError);
      source.removeListener('aborted', onAborted);
    };
    const fail = (err: AppError): void => {
      if (settled) return;
      settled = true;
      detach();
      if (gunzip) {
        gunzip.removeAllListeners('data');
        gunzip.removeAllListeners('end');
        gunzip.on('error', () => {});
        gunzip.destroy();
      }
      // Whatever the client still sends is read and dropped by Node; the reply closes the connection.
      source.resume();
      reject(err);
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      detach();
      resolve(out.subarray(0, inflated));
    };

    const startGunzip = (): void => {
      const z = createGunzip({ chunkSize: 64 * 1024 });
      gunzip = z;
      z.on('data', (chunk: Buffer) => {
        inflated += chunk.length;
        if (inflated > limits.maxBytes) return fail(tooLarge(limits, inflated));
        if (inflated > RATIO_GRACE && inflated > received * limits.maxRatio)
          return fail(
            new AppError('payload_too_large', `the gzip body inflates more than ${limits.maxRatio} times (${formatBytes(inflated)} from ${formatBytes(received)} so far): refused as a compression bomb (KESSETSU_INFLATE_RATIO)`, {
              limit: 'KESSETSU_INFLATE_RATIO',
              max_ratio: limits.maxRatio,
            }),
          );
        append(chunk);
      });
      z.on('end', finish);
      z.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'Z_BUF_ERROR' || err.errno === constants.Z_BUF_ERROR) return fail(new AppError('bad_request', 'the gzip body is truncated'));
        fail(new AppError('bad_request', `the gzip body is corrupt: ${err.message}`));
      });
      z.on('drain', () => source.resume());
    };

    const feed = (chunk: Buffer): void => {
      if (gunzip) {
        if (received > limits.maxCompressedBytes)
          return fail(
            new AppError('payload_too_large', `the gzip body as sent is larger than ${formatBytes(limits.maxCompressedBytes)} (KESSETSU_INGEST_COMPRESSED_LIMIT)`, {
              limit: 'KESSETSU_INGEST_COMPRESSED_LIMIT',
              max_compressed_bytes: limits.maxCompressedBytes,
            }),
          );
        // Backpressure: the client waits while the thread pool inflates.
        if (!gunzip.write(chunk)) source.pause();
        return;
      }
      inflated += chunk.length;
      if (inflated > limits.maxBytes) return fail(tooLarge(limits, inflated));
      append(chunk);
    };

    function onData(data: Buffer | string): void {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      received += chunk.length;
      if (head) {
        // Decide between gzip and plain on the first two bytes.
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        if (head.length < 2) return;
        const first = head;
        head = null;
        if (isGzip(first) || encoding === 'gzip' || encoding === 'x-gzip') startGunzip();
        return feed(first);
      }
      feed(chunk);
    }
    function onEnd(): void {
      if (head) {
        const rest = head;
        head = null;
        if (rest.length) feed(rest);
        if (settled) return;
      }
      if (gunzip) gunzip.end();
      else finish();
    }
    function onError(err: Error): void {
      fail(new AppError('bad_request', `the request body could not be read: ${err.message}`));
    }
    function onAborted(): void {
      fail(new AppError('bad_request', 'the client closed the connection before the body was complete'));
    }

    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
    source.on('aborted', onAborted);
    source.resume();
  });
}
