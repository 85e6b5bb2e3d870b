import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, pipeline as pipe } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, notFound } from '../shared/errors.ts';

/** What storing content gave: its SHA-256 (hex) and size. */
export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
}

/**
 * A content-addressed store: content goes in, its SHA-256 names it. The disk store is the default;
 * the S3-compatible store (s3.blob-store.ts) implements the same contract.
 */
export interface BlobStore {
  /**
   * Stores content (bytes or a stream, read once, never whole in memory), refusing more than `maxBytes`;
   * the same content is stored once, and stored content that no longer matches its name is never overwritten (409).
   */
  put(content: Uint8Array | Readable, maxBytes?: number): Promise<StoredBlob>;
  /** A stream of the stored content; it fails with 409 at its end when the bytes no longer match the hash, 404 when absent. */
  open(sha256: string): Readable;
  /** Whether content of that hash is stored. */
  has(sha256: string): Promise<boolean>;
  /** Re-reads the stored content and answers its actual hash and size (detects a file replaced on disk), null when absent. */
  rehash(sha256: string): Promise<StoredBlob | null>;
  /** Where the store keeps its content, for messages (never with credentials). */
  readonly location: string;
  /** Releases connections (the S3 store). */
  close?(): Promise<void>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Refuses a name that is not a lower-case hex SHA-256 (400). */
export function checkSha256(sha256: string): void {
  if (!HEX64.test(sha256)) throw new AppError('validation_failed', 'sha256: not a lower-case hex SHA-256', { field: 'sha256' });
}

/** The 409 of stored content that no longer matches the hash that names it. */
export function tamperedError(location: string, expected: string, actual: string): AppError {
  return new AppError('conflict', `the content stored in ${location} under SHA-256 ${expected} no longer matches it (found ${actual}): replaced or damaged`, { expected, actual });
}

/** The 413 of content over the limit. */
export function tooLarge(maxBytes: number): AppError {
  return new AppError('payload_too_large', `evidence larger than ${maxBytes} bytes`);
}

/**
 * Passes a stored blob's bytes through, hashing them; ends with a 409 error instead of a clean end when
 * they do not hash to `sha256` (so a reader never takes altered bytes for the evidence).
 */
export function verifyingStream(source: Readable, sha256: string, location: string, mapError: (e: unknown) => unknown = (e) => e): Readable {
  const h = createHash('sha256');
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      h.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = h.digest('hex');
      done(actual === sha256 ? null : tamperedError(location, sha256, actual));
    },
  });
  // Errors of the source reach `check` mapped (a missing file becomes a 404, not an ENOENT).
  source.once('error', (e) => check.destroy(mapError(e) as Error));
  return pipe(source, check, () => {});
}

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
    checkSha256(sha256);
    return path.join(this.#root, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(content: Uint8Array | Readable, maxBytes = Number.MAX_SAFE_INTEGER): Promise<StoredBlob> {
    const tmpDir = path.join(this.#root, 'tmp');
    mkdirSync(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
    const h = createHash('sha256');
    let size = 0;
    const source = content instanceof Readable ? content : Readable.from([Buffer.from(content)]);
    // The file exists before the first byte flows, so a refusal mid-way cannot race its creation and
    // leave it behind after the clean-up below.
    const file = await open(tmp, 'w', 0o600);
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > maxBytes) throw tooLarge(maxBytes);
            h.update(chunk);
            yield chunk;
          }
        },
        file.createWriteStream(),
      );
      const sha256 = h.digest('hex');
      const final = this.pathOf(sha256);
      const existing = await this.rehash(sha256);
      if (existing) {
        // Stored already: the same bytes are kept as they are; altered ones are left for the check to find.
        if (existing.sha256 !== sha256) throw tamperedError(this.location, sha256, existing.sha256);
        return { sha256, size };
      }
      mkdirSync(path.dirname(final), { recursive: true });
      renameSync(tmp, final);
      return { sha256, size };
    } finally {
      await file.close().catch(() => undefined);
      rmSync(tmp, { force: true });
    }
  }

  get location(): string {
    return `the evidence folder ${this.#root}`;
  }

  open(sha256: string): Readable {
    const file = this.pathOf(sha256);
    const missing = (e: unknown) => ((e as NodeJS.ErrnoException).code === 'ENOENT' ? notFound('stored evidence', sha256) : e);
    return verifyingStream(createReadStream(file), sha256, this.location, missing);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return statSync(this.pathOf(sha256)).isFile();
    } catch {
      return false;
    }
  }

  async rehash(sha256: string): Promise<StoredBlob | null> {
    const file = this.pathOf(sha256);
    if (!(await this.has(sha256))) return null;
    return hashStream(createReadStream(file));
  }
}
