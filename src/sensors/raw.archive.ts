import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);

/**
 * Raw sensor events kept on disk, never in the database: each accepted body appended, gzip-compressed
 * (concatenated gzip members read back as one stream with `zcat`), to `DIR/<sensor>/<day>/<hour>.ndjson.gz`.
 * Appends to one file are serialised.
 * @example const archive = new RawArchive('/var/lib/kessetsu/sensors'); await archive.append(sensorId, Date.now(), body, false)
 */
export class RawArchive {
  readonly #dir: string;
  readonly #chains = new Map<string, Promise<void>>();

  constructor(dir: string) {
    this.#dir = path.resolve(dir);
  }

  /** Appends a body received at `at` (already gzip-compressed or not). */
  append(sensorId: string, at: number, body: Buffer, compressed: boolean): Promise<void> {
    const stamp = new Date(at).toISOString();
    const dir = path.join(this.#dir, sensorId, stamp.slice(0, 10));
    const file = path.join(dir, `${stamp.slice(11, 13)}.ndjson.gz`);
    const prev = this.#chains.get(file) ?? Promise.resolve();
    const next = prev.then(async () => {
      await mkdir(dir, { recursive: true });
      await appendFile(file, compressed ? body : await gzip(body));
    });
    const tail = next.catch(() => {});
    this.#chains.set(file, tail);
    void tail.then(() => {
      if (this.#chains.get(file) === tail) this.#chains.delete(file);
    });
    return next;
  }

  /** Waits for pending appends. */
  async drain(): Promise<void> {
    await Promise.all([...this.#chains.values()]);
  }
}
