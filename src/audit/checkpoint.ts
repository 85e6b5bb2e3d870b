import { appendFileSync, readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import type { HubSigningKey } from '../signing/hub-key.ts';
import { GENESIS_HASH } from './audit.hash.ts';
import { chainHead, hashesAt, insertCheckpoint, listCheckpoints } from './checkpoint.repository.ts';

/** A signed statement "the audit chain's head was entry head_seq with hash head_hash at time at". */
export interface AuditCheckpoint {
  readonly head_seq: number;
  readonly head_hash: string;
  readonly at: string;
  readonly key_fingerprint: string;
  /** Base64 Ed25519 signature of checkpointBytes(). */
  readonly signature: string;
}

/** What verifying the checkpoints found. */
export interface CheckpointReport {
  /** Checkpoints examined (stored and, when given, from the witness file). */
  readonly checked: number;
  /** The newest checkpoint that holds, if any. */
  readonly newest: { readonly head_seq: number; readonly at: string } | null;
  /** Entries after the newest checkpoint (not yet covered by a signature). */
  readonly uncovered: number;
  /** Each checkpoint that does not hold, in words. */
  readonly problems: readonly string[];
}

/**
 * The bytes a checkpoint's signature covers.
 * @example key.sign(checkpointBytes({ head_seq: 41, head_hash: 'ab…', at: '2026-12-04T12:00:00.000Z' }))
 */
export function checkpointBytes(c: Pick<AuditCheckpoint, 'head_seq' | 'head_hash' | 'at'>): Buffer {
  return Buffer.from(canonicalJson({ type: 'kessetsu.audit-checkpoint', head_seq: c.head_seq, head_hash: c.head_hash, at: c.at }), 'utf8');
}

/**
 * Signs the chain's current head, stores the checkpoint and appends it to the witness file when one is set.
 * @example const cp = await writeCheckpoint(db, await app.hubKey(), '/var/log/kessetsu/checkpoints.jsonl')
 */
export async function writeCheckpoint(db: Kysely<Database>, key: HubSigningKey, witnessFile?: string): Promise<AuditCheckpoint> {
  const head = await chainHead(db);
  const at = new Date();
  const body = { head_seq: head?.seq ?? 0, head_hash: head?.hash ?? GENESIS_HASH, at: at.toISOString() };
  const cp: AuditCheckpoint = { ...body, key_fingerprint: key.fingerprint, signature: key.sign(checkpointBytes(body)).toString('base64') };
  await insertCheckpoint(db, { head_seq: cp.head_seq, head_hash: cp.head_hash, at, key_fingerprint: cp.key_fingerprint, signature: cp.signature });
  if (witnessFile) appendFileSync(witnessFile, `${JSON.stringify(cp)}\n`, { mode: 0o600 });
  return cp;
}

/** Reads a witness file of checkpoints (JSON lines); unreadable lines are reported as problems. */
export function readWitnessFile(file: string): { checkpoints: AuditCheckpoint[]; problems: string[] } {
  const checkpoints: AuditCheckpoint[] = [];
  const problems: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const c = JSON.parse(line) as AuditCheckpoint;
        if (typeof c.head_seq !== 'number' || typeof c.head_hash !== 'string' || typeof c.at !== 'string' || typeof c.signature !== 'string') throw new Error('missing fields');
        checkpoints.push(c);
      } catch (err) {
        problems.push(`${file} line ${i + 1}: not a checkpoint (${(err as Error).message})`);
      }
    });
  return { checkpoints, problems };
}

/**
 * Checks stored checkpoints (and a witness file's) against the chain: each must be signed by the hub's
 * key and name an entry that is still there with the same hash. An entry cut off the end of the chain
 * leaves every link intact, but not the checkpoint that covered it.
 * @example const report = await verifyCheckpoints(db, await app.hubKey()); if (report.problems.length) …
 */
export async function verifyCheckpoints(db: Kysely<Database>, key: HubSigningKey, witness: readonly AuditCheckpoint[] = []): Promise<CheckpointReport> {
  const stored: AuditCheckpoint[] = (await listCheckpoints(db)).map((r) => ({ head_seq: r.head_seq, head_hash: r.head_hash, at: r.at.toISOString(), key_fingerprint: r.key_fingerprint, signature: r.signature }));
  const all = [...stored, ...witness];
  const head = await chainHead(db);
  const headSeq = head?.seq ?? 0;
  const hashes = await hashesAt(db, all.map((c) => c.head_seq));
  const problems: string[] = [];
  let newest: AuditCheckpoint | null = null;
  for (const c of all) {
    const label = `checkpoint of ${c.at} (entry ${c.head_seq})`;
    if (c.key_fingerprint !== key.fingerprint || !key.verify(checkpointBytes(c), Buffer.from(c.signature, 'base64'))) {
      problems.push(`${label}: its signature is not the hub key's (${key.fingerprint}); forged or altered`);
      continue;
    }
    const hash = c.head_seq === 0 ? GENESIS_HASH : hashes.get(c.head_seq);
    if (hash === c.head_hash) {
      if (!newest || c.head_seq > newest.head_seq || (c.head_seq === newest.head_seq && c.at > newest.at)) newest = c;
    } else if (hash === undefined) {
      problems.push(
        c.head_seq > headSeq
          ? `${label}: the chain now ends at entry ${headSeq}; entries up to ${c.head_seq} were cut off the end`
          : `${label}: entry ${c.head_seq} is gone from the chain`,
      );
    } else if (hash !== c.head_hash) {
      problems.push(`${label}: entry ${c.head_seq} no longer has the hash that was signed`);
    }
  }
  let uncovered = 0;
  if (headSeq > (newest?.head_seq ?? 0)) {
    const r = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('seq', '>', newest?.head_seq ?? 0).executeTakeFirstOrThrow();
    uncovered = Number(r.n);
  }
  return { checked: all.length, newest: newest ? { head_seq: newest.head_seq, at: newest.at } : null, uncovered, problems };
}

/** Writes a checkpoint now and then every interval, and a last one when stopped (the server runs it). */
export class AuditCheckpointer {
  readonly #db: Kysely<Database>;
  readonly #key: () => Promise<HubSigningKey>;
  readonly #intervalMs: number;
  readonly #file: string | undefined;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(db: Kysely<Database>, key: () => Promise<HubSigningKey>, opts: { intervalMs: number; file?: string | undefined; onError?: (err: unknown) => void }) {
    this.#db = db;
    this.#key = key;
    this.#intervalMs = opts.intervalMs;
    this.#file = opts.file;
    this.#onError = opts.onError ?? (() => {});
  }

  /** Signs the head now (one at a time). */
  writeNow(): Promise<AuditCheckpoint> {
    const next = this.#running.then(async () => writeCheckpoint(this.#db, await this.#key(), this.#file));
    this.#running = next.catch(() => {});
    return next;
  }

  /** Starts the periodic writer (no-op when the interval is 0). */
  start(): void {
    if (this.#intervalMs <= 0 || this.#timer) return;
    this.writeNow().catch(this.#onError);
    this.#timer = setInterval(() => void this.writeNow().catch(this.#onError), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the writer after a last checkpoint (when it was started). */
  async stop(): Promise<void> {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.writeNow().catch(this.#onError);
  }
}
