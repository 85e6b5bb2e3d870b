import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { EvidenceS3Config } from '../config/config.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { checkSha256, hashStream, tamperedError, tooLarge, verifyingStream, type BlobStore, type StoredBlob } from './blob.store.ts';
import { s3Failure, isNotFound, isPreconditionFailed, isUncoded } from './s3.errors.ts';

/** Tuning of the S3 store (tests make parts small; production keeps the defaults). */
export interface S3BlobStoreOptions {
  /** Bytes of one multipart part (at least 5 MiB for S3); content up to this size is sent in one PUT. */
  readonly partSize?: number;
  /** Parts sent at once: at most partSize × queueSize bytes are held in memory. */
  readonly queueSize?: number;
  /** Milliseconds to connect, and of silence within a request, before it fails. */
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Attempts per request (retries on throttling and network errors). */
  readonly maxAttempts?: number;
}

const MIB = 1024 * 1024;

/** Reads up to `limit` bytes from the stream: the chunks, and whether the stream ended within them. */
async function readAhead(it: AsyncIterator<Buffer>, limit: number): Promise<{ chunks: Buffer[]; bytes: number; ended: boolean }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  while (bytes < limit) {
    const next = await it.next();
    if (next.done) return { chunks, bytes, ended: true };
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
    chunks.push(chunk);
    bytes += chunk.length;
  }
  return { chunks, bytes, ended: false };
}

/**
 * Content-addressed evidence in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW…): the object
 * `PREFIX sha256/ab/cd/abcd…` holds the content whose SHA-256 is abcd…. Small content is hashed first and
 * PUT under its name (If-None-Match: *); a large stream goes up in parts to a staging key while it is
 * hashed (never whole in memory), is copied under its name unless that name exists, and the staging key is
 * deleted. An existing name is never overwritten; each new object is read back and its hash compared
 * (unless `verifyWrites` is off). Every failure of the store answers a clear 503 without the secret.
 * @example const store = new S3BlobStore(config.evidenceS3!); const { sha256 } = await store.put(stream, 2 ** 31)
 */
export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #cfg: EvidenceS3Config;
  readonly #partSize: number;
  readonly #queueSize: number;
  #bucketChecked: Promise<void> | null = null;

  constructor(cfg: EvidenceS3Config, opts: S3BlobStoreOptions = {}) {
    this.#cfg = cfg;
    this.#partSize = Math.max(opts.partSize ?? 8 * MIB, 5 * MIB);
    this.#queueSize = Math.max(1, opts.queueSize ?? 2);
    this.#client = new S3Client({
      region: cfg.region,
      ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
      forcePathStyle: cfg.pathStyle,
      credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey.reveal() },
      maxAttempts: opts.maxAttempts ?? 3,
      // The SHA-256 of the content is checked by the store itself; CRC trailers (aws-chunked) are not
      // understood by every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: opts.connectTimeoutMs ?? 5_000, requestTimeout: opts.requestTimeoutMs ?? 120_000 },
    });
  }

  get location(): string {
    return `the S3 bucket "${this.#cfg.bucket}" at ${this.#cfg.endpoint ?? `AWS S3 (${this.#cfg.region})`}`;
  }

  /** The key of content of this hash (exported for tests that tamper with it). */
  keyOf(sha256: string): string {
    checkSha256(sha256);
    return `${this.#cfg.prefix}sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  async put(content: Uint8Array | Readable, maxBytes = Number.MAX_SAFE_INTEGER): Promise<StoredBlob> {
    await this.#ready();
    if (!(content instanceof Readable)) {
      const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
      if (bytes.length > maxBytes) throw tooLarge(maxBytes);
      return this.#putSmall([bytes], bytes.length);
    }
    const it = (content as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    try {
      const head = await readAhead(it, Math.min(this.#partSize, maxBytes + 1));
      if (head.bytes > maxBytes) throw tooLarge(maxBytes);
      if (head.ended) return await this.#putSmall(head.chunks, head.bytes);
      return await this.#putLarge(head.chunks, it, maxBytes);
    } finally {
      await it.return?.();
    }
  }

  open(sha256: string): Readable {
    const key = this.keyOf(sha256);
    const source = new PassThrough();
    this.#ready()
      .then(() => this.#client.send(new GetObjectCommand({ Bucket: this.#cfg.bucket, Key: key })))
      .then((res) => {
        const body = res.Body as Readable;
        body.once('error', (e) => source.destroy(this.#failure(e, `reading ${sha256}`)));
        body.pipe(source);
      })
      .catch((e: unknown) => source.destroy(isNotFound(e) ? notFound('stored evidence', sha256) : this.#failure(e, `reading ${sha256}`)));
    return verifyingStream(source, sha256, this.location);
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.#head(this.keyOf(sha256))) !== null;
  }

  async rehash(sha256: string): Promise<StoredBlob | null> {
    const key = this.keyOf(sha256);
    await this.#ready();
    let body: Readable;
    try {
      body = (await this.#client.send(new GetObjectCommand({ Bucket: this.#cfg.bucket, Key: key }))).Body as Readable;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.#failure(e, `reading ${sha256}`);
    }
    try {
      return await hashStream(body);
    } catch (e) {
      throw this.#failure(e, `reading ${sha256}`);
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  /** Checks once that the bucket exists and the credentials are taken (a clear error otherwise); retried after a failure. */
  #ready(): Promise<void> {
    this.#bucketChecked ??= this.#client.send(new HeadBucketCommand({ Bucket: this.#cfg.bucket })).then(
      () => undefined,
      async (e: unknown) => {
        this.#bucketChecked = null;
        throw this.#failure(isUncoded(e) ? await this.#explain(e) : e, 'opening the bucket');
      },
    );
    return this.#bucketChecked;
  }

  /** A HEAD answer has no error code: a GET of an absent key tells why (InvalidAccessKeyId, NoSuchBucket…). */
  async #explain(e: unknown): Promise<unknown> {
    try {
      await this.#client.send(new GetObjectCommand({ Bucket: this.#cfg.bucket, Key: `${this.#cfg.prefix}sha256/probe` }));
    } catch (coded) {
      if (!isUncoded(coded) && !isNotFound(coded)) return coded;
    }
    return e;
  }

  /** The size of the object, or null when there is none. */
  async #head(key: string): Promise<number | null> {
    await this.#ready();
    try {
      const r = await this.#client.send(new HeadObjectCommand({ Bucket: this.#cfg.bucket, Key: key }));
      return r.ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.#failure(e, 'looking up an object');
    }
  }

  /** Content read whole already (at most one part): hashed, then PUT under its name unless it is there. */
  async #putSmall(chunks: Buffer[], size: number): Promise<StoredBlob> {
    const h = createHash('sha256');
    for (const c of chunks) h.update(c);
    const digest = h.digest();
    const sha256 = digest.toString('hex');
    const key = this.keyOf(sha256);
    if ((await this.#head(key)) !== null) return this.#existing(sha256, size);
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#cfg.bucket,
          Key: key,
          Body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size),
          ContentLength: size,
          ContentType: 'application/octet-stream',
          // The server checks the bytes it received against the hash (AWS S3; others may ignore it).
          ChecksumSHA256: digest.toString('base64'),
          IfNoneMatch: '*',
          Metadata: { sha256 },
        }),
      );
    } catch (e) {
      if (isPreconditionFailed(e)) return this.#existing(sha256, size);
      throw this.#failure(e, 'storing evidence');
    }
    await this.#verifyNew(key, sha256, size);
    return { sha256, size };
  }

  /** A stream longer than one part: uploaded in parts to a staging key while hashed, then copied under its name. */
  async #putLarge(first: Buffer[], rest: AsyncIterator<Buffer>, maxBytes: number): Promise<StoredBlob> {
    const h = createHash('sha256');
    let size = 0;
    let over: AppError | null = null;
    async function* counted(): AsyncGenerator<Buffer> {
      const take = (c: Buffer): Buffer => {
        size += c.length;
        if (size > maxBytes) throw (over = tooLarge(maxBytes));
        h.update(c);
        return c;
      };
      for (const c of first) yield take(c);
      for (;;) {
        const next = await rest.next();
        if (next.done) return;
        yield take(Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array));
      }
    }
    const staging = `${this.#cfg.prefix}incoming/${Date.now()}-${randomBytes(8).toString('hex')}`;
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#cfg.bucket, Key: staging, Body: Readable.from(counted()), ContentType: 'application/octet-stream' },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    try {
      try {
        await upload.done();
      } catch (e) {
        throw over ?? this.#failure(e, 'uploading evidence');
      }
      const sha256 = h.digest('hex');
      const key = this.keyOf(sha256);
      if ((await this.#head(key)) !== null) return await this.#existing(sha256, size);
      try {
        await this.#client.send(
          new CopyObjectCommand({
            Bucket: this.#cfg.bucket,
            Key: key,
            CopySource: `${this.#cfg.bucket}/${staging.split('/').map(encodeURIComponent).join('/')}`,
            IfNoneMatch: '*',
            MetadataDirective: 'REPLACE',
            Metadata: { sha256 },
            ContentType: 'application/octet-stream',
          }),
        );
      } catch (e) {
        if (isPreconditionFailed(e)) return await this.#existing(sha256, size);
        throw this.#failure(e, 'storing evidence');
      }
      await this.#verifyNew(key, sha256, size);
      return { sha256, size };
    } finally {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#cfg.bucket, Key: staging })).catch(() => {});
    }
  }

  /** Content whose name is stored already: kept when its bytes still match, a 409 (not overwritten) when not. */
  async #existing(sha256: string, size: number): Promise<StoredBlob> {
    const now = await this.rehash(sha256);
    if (now && now.sha256 !== sha256) throw tamperedError(this.location, sha256, now.sha256);
    return { sha256, size };
  }

  /** Reads a newly written object back; one that does not hash as sent is removed and the write fails. */
  async #verifyNew(key: string, sha256: string, size: number): Promise<void> {
    if (!this.#cfg.verifyWrites) {
      const stored = await this.#head(key);
      if (stored === size) return;
      throw new AppError('unavailable', `${this.location} kept ${stored ?? 'no'} bytes of the ${size} sent for ${sha256}; try again`);
    }
    const now = await this.rehash(sha256);
    if (now && now.sha256 === sha256) return;
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#cfg.bucket, Key: key })).catch(() => {});
    throw new AppError('unavailable', `${this.location} did not keep the bytes sent for ${sha256} (read back ${now?.sha256 ?? 'nothing'}); try again`);
  }

  #failure(e: unknown, doing: string): AppError {
    return s3Failure(e, doing, this.location, this.#cfg.bucket);
  }
}
