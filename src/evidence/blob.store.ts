import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../shared/errors.ts';

/** What storing content gave: its SHA-256 (hex) and size. */
export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
}

/**
 * A content-addressed store: content goes in, its SHA-256 names it. The disk store is the default;
 * an S3-compatible store would implement the same interface.
 */
export interface BlobStore {
  /** Stores content (bytes or a stream), refusing more than `maxBytes`; the same content is stored once. */
  put(content: Uint8Array | Readable, maxBytes?: number): Promise<StoredBlob>;
  /** A stream of the stored content as it is now (the caller checks its hash when it matters). */
  open(sha256: string): Readable;
  /** Whether content of that hash is stored. */
  has(sha256: string): Promise<boolean>;
  /** Re-reads the stored content and answers its actual hash and size (detects a file replaced on disk). */
  rehash(sha256: string): Promise<StoredBlob | null>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Hashes a stream to its SHA-256 and size. */
export async function hashStream(stream: Readable): Promise<StoredBlob> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    size += b.length;
    h.update(b);
  }
  return { sha256: h.digest('hex'), size };
}

/**
 * Content-addressed files under a folder: `sha256/ab/cd/abcd…` (written to a temporary name, then
 * renamed, so a crash never leaves a half-written blob under its hash).
 * @example const store = new DiskBlobStore('/var/lib/kessetsu/evidence'); const { sha256 } = await store.put(bytes)
 */
export class DiskBlobStore implements BlobStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
  }

  /** The file that holds content of this hash (exported for tests that tamper with it). */
  pathOf(sha256: string): string {
    if (!HEX64.test(sha256)) throw new AppError('validation_failed', 'sha256: not a lower-case hex SHA-256', { field: 'sha256' });
    return path.join(this.#root, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(content: Uint8Array | Readable, maxBytes = Number.MAX_SAFE_INTEGER): Promise<StoredBlob> {
    const tmpDir = path.join(this.#root, 'tmp');
    mkdirSync(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
    const h = createHash('sha256');
    let size = 0;
    const source = content instanceof Readable ? content : Readable.from([Buffer.from(content)]);
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > maxBytes) throw new AppError('payload_too_large', `evidence larger than ${maxBytes} bytes`);
            h.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(tmp, { mode: 0o600 }),
      );
      const sha256 = h.digest('hex');
      const final = this.pathOf(sha256);
      mkdirSync(path.dirname(final), { recursive: true });
      renameSync(tmp, final);
      return { sha256, size };
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  open(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return statSync(this.pathOf(sha256)).isFile();
    } catch {
      return false;
    }
  }

  async rehash(sha256: string): Promise<StoredBlob | null> {
    if (!(await this.has(sha256))) return null;
    return hashStream(this.open(sha256));
  }
}
