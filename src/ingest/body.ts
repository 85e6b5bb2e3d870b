import { gunzipSync, constants } from 'node:zlib';
import { AppError } from '../shared/errors.ts';

const GZIP_MAGIC = [0x1f, 0x8b];

/** True when the bytes start as a gzip stream. */
export function isGzip(buf: Buffer): boolean {
  return buf.length >= 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
}

/**
 * Inflates a gzip body with a ceiling on the output, so a zip bomb is refused instead of filling memory.
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
