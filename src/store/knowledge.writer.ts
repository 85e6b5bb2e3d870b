import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { ContributionRecord, ObjectRecord } from './object-row.ts';
import { edgesOf, scopeKey } from './object-row.ts';
import { registerObjects, registryColumns } from './objects.repository.ts';
import { contentLine, prebuildContent, type PrebuiltContent } from './contribution-columns.ts';
import { hasFeedLines, insertNewLines, lineContributions, promoteLinesFor } from './feed-lines.repository.ts';
import { splitLines } from './feed-line.ts';
import { edgeTails, insertHistory, keepUnchanged, keyTails, markSuperseded, replaceEdges, replaceKeys, takeStamps, upsertContributions, type ContributionWrite, type StoredContribution } from './contributions.repository.ts';

// Every writer of contributions takes this lock inside its transaction, so sequence numbers are
// committed in order and the index's catch-up (seq > last) never skips a late commit.
const WRITE_LOCK_KEY = 7_340_002;

// Batches smaller than this (an API post, a hub edit) ask the registry first: they are mostly new objects.
const SAME_FIRST_MIN = 100;

/**
 * Takes the knowledge-store write lock for the rest of the transaction, and turns PostgreSQL's JIT compilation off
 * for it: a write's batch statements (5,000 rows, one index probe each) pass jit_above_cost by their estimate alone,
 * and LLVM then spent 40–60 ms compiling a re-import's look-up statement that runs in ~30 (auto_explain), every batch
 * (issue 17). PGlite has no JIT: the setting changes nothing there.
 */
export async function lockKnowledgeWrites(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${WRITE_LOCK_KEY}), set_config('jit', 'off', true)`.execute(trx);
}

/** Counts of one written batch, per contribution of the writing organisation (never about others' data). */
export interface WriteCounts {
  /** New contributions: the organisation had not shared the object to this audience before. */
  created: number;
  /** Contributions that took a newer version. */
  updated: number;
  unchanged: number;
}

/** One object with the contribution that comes with it. */
export interface PreparedObject {
  readonly record: ObjectRecord;
  readonly contribution: ContributionRecord;
  /** Made by an importer from a feed line (not the contributor's own STIX): a re-import keeps the first content. */
  readonly generated?: boolean;
}

/** How a batch is written. */
export interface WriteOptions {
  /** The writing organisation. */
  readonly orgId: string;
  /** A hub analyst's explicit, audited version: it leads over the owner's. */
  readonly hubOverride?: boolean;
  /**
   * Whether the store may hold feed lines (docs/design/feed-lines.md): their contributions are looked up through the
   * views and promoted where this write changes them. Undefined: asked once per batch (an ingest, which holds the
   * write lock throughout, asks once).
   */
  readonly lines?: boolean;
  /**
   * A re-import's rows that are not kept as they were go to feed_lines where they can (a new row of a daily feed is one
   * line, not three stored objects), as a first import's do; the rest the stored way. Only where the store holds lines
   * already (`lines`), and never for a hub override (docs/design/feed-lines.md).
   */
  readonly newLines?: boolean;
}

/**
 * A batch made ready for the database: deduplicated by (object, audience), and the statements' array literals
 * that need no answer from the database built already, so that this can run while the previous batch is on the
 * server (issue 17: the importer's CPU overlapped with the server's).
 */
export interface BuiltBatch {
  /** Objects of the batch as given (the unchanged count is what is left of them). */
  readonly size: number;
  /** One per (object, audience): the newest version of the batch. */
  readonly items: readonly PreparedObject[];
  /** The items by `object id|scope key`. */
  readonly byKey: ReadonlyMap<string, PreparedObject>;
  /** Older versions of the same contributions, kept as history. */
  readonly older: readonly PreparedObject[];
  /** The first record of each object, for the id registry, and its columns (built ahead when new ids are expected). */
  readonly records: readonly ObjectRecord[];
  readonly registry?: ReturnType<typeof registryColumns>;
  /** Contents of every item, built when the batch is expected to add contributions (else built on demand). */
  readonly content?: PrebuiltContent;
  /** The COPY lines of each item's keys and edges but for the contribution id (keyTails, edgeTails), built with the contents. */
  readonly tails?: readonly { readonly keys: readonly string[]; readonly edges: readonly string[] }[];
  /** Built expecting new contributions; otherwise (a re-import) the unchanged ones are looked for first. */
  readonly expectNew: boolean;
}

/**
 * Prepares a batch for writeBuilt without touching the database. `expectNew` builds the contributions' content
 * columns ahead (what a first import writes); an unchanged re-import does not need them, so it is left false there.
 * @example const built = buildBatch(prepared.slice(0, 5000), true)
 */
export function buildBatch(batch: readonly PreparedObject[], expectNew: boolean): BuiltBatch {
  const d = deduplicated(batch);
  const content = expectNew && d.items.length ? prebuildContent(d.items) : undefined;
  const tails = expectNew ? d.items.map(tailsOf) : undefined;
  return { ...d, registry: expectNew ? registryColumns(d.records) : undefined, content, tails, expectNew };
}

/**
 * buildBatch in pieces of `piece` items with `pause()` between them (an I/O turn): the answers of the write on the
 * server are taken up while a batch expected new is built, not after its contents are all made (issue 17).
 * @example const built = await buildBatchPaced(part, true, () => new Promise((r) => setImmediate(r)))
 */
export async function buildBatchPaced(batch: readonly PreparedObject[], expectNew: boolean, pause: () => Promise<void>, piece = 1000): Promise<BuiltBatch> {
  if (!expectNew) return buildBatch(batch, false);
  const d = deduplicated(batch);
  const content = new Map<ContributionRecord, { readonly record: ObjectRecord; readonly line: Uint8Array }>();
  const tails: { keys: string[]; edges: string[] }[] = [];
  for (let i = 0; i < d.items.length; i += piece) {
    await pause();
    for (const p of d.items.slice(i, i + piece)) {
      // Encoded now: once the registry has answered, the write waits only for the ids put before each line.
      content.set(p.contribution, { record: p.record, line: Buffer.from(contentLine(p)) });
      tails.push(tailsOf(p));
    }
  }
  await pause();
  return { ...d, registry: registryColumns(d.records), content: d.items.length ? content : undefined, tails, expectNew };
}

// The key and edge lines of an item but for its contribution id.
function tailsOf(p: PreparedObject): { keys: string[]; edges: string[] } {
  return { keys: keyTails(p.record.id, p.record.keys), edges: edgeTails(edgesOf(p.record.data)) };
}

// One write per (object, audience): the newest version of the batch wins; the older ones of the same contribution
// are its history (a bundle or a TAXII post may carry several versions of an object).
function deduplicated(batch: readonly PreparedObject[]): Pick<BuiltBatch, 'size' | 'items' | 'byKey' | 'older' | 'records'> {
  const byScope = new Map<string, PreparedObject>();
  const older: PreparedObject[] = [];
  for (const p of batch) {
    const k = `${p.record.id}|${scopeKey(p.contribution)}`;
    const prev = byScope.get(k);
    if (!prev || (p.record.modified ?? '') > (prev.record.modified ?? '')) {
      if (prev && prev.record.modified !== null && prev.record.contentHash !== p.record.contentHash) older.push(prev);
      byScope.set(k, p);
    } else if (p.record.modified !== null && p.record.contentHash !== prev.record.contentHash) older.push(p);
  }
  const items = [...byScope.values()];
  // Contents are hashed while they are serialised (prebuildContent, contentLine), so that an ingest hashes beside the
  // server's work. A batch expected unchanged needs no hash of versioned objects (their `modified` says whether they
  // are newer).
  const firstById = new Map<string, ObjectRecord>();
  for (const p of items) if (!firstById.has(p.record.id)) firstById.set(p.record.id, p.record);
  return { size: batch.length, items, byKey: byScope, older, records: [...firstById.values()] };
}

/**
 * Writes one batch inside the caller's transaction (which must hold lockKnowledgeWrites): registers new ids,
 * writes each contribution with its content (a newer version replaces only this organisation's own earlier
 * one, kept as history), its keys and edges, and re-ranks the versions of objects others contributed too.
 */
export async function writeBatch(trx: Kysely<Database>, batch: readonly PreparedObject[], opts: WriteOptions): Promise<WriteCounts & { contributions: StoredContribution[] }> {
  return writeBuilt(trx, buildBatch(batch, false), opts);
}

/**
 * Writes a batch buildBatch made (see writeBatch), inside the caller's transaction holding lockKnowledgeWrites.
 * @example const r = await writeBuilt(trx, buildBatch(slice, true), { orgId })
 */
export async function writeBuilt(trx: Kysely<Database>, built: BuiltBatch, opts: WriteOptions): Promise<WriteCounts & { contributions: StoredContribution[] }> {
  const { byKey } = built;
  let { items, records, registry } = built;
  const lines = opts.lines ?? (await hasFeedLines(trx));
  // A re-import (the batch before changed nothing): the contributions that stay as they are are found and touched
  // first, without asking the id registry about them (a probe per object: a third of the server's time, issue 17).
  let kept: StoredContribution[] = [];
  // Only these items are left to write the stored way, with their objects' registry records (probed, not prebuilt).
  const narrow = (keep: (p: PreparedObject) => boolean): void => {
    items = items.filter(keep);
    const ids = new Set(items.map((p) => p.record.id));
    records = records.filter((r) => ids.has(r.id));
    registry = undefined;
  };
  // With feed lines in the store, small batches too: otherwise every line a small re-import names is promoted (the
  // write below looks its contributions up in the stored table only).
  const checked = !built.expectNew && built.older.length === 0 && (items.length >= SAME_FIRST_MIN || lines);
  if (checked) {
    const unchanged = await keepUnchanged(trx, items.map((p) => ({ contribution: p.contribution, record: p.record, ownerRank: opts.hubOverride ? 2 : null, keepContent: p.generated === true })), { lines });
    kept = unchanged.kept;
    if (kept.length === items.length) return { created: 0, updated: 0, unchanged: built.size, contributions: kept };
    if (kept.length) {
      const rest = new Set(unchanged.rest.map((w) => w.contribution));
      narrow((p) => rest.has(p.contribution));
    }
  }
  // A re-import's new rows as lines: the flat ones whose three objects are all new here (a changed row keeps its
  // unchanged observable, so it is no line and is promoted below, as before).
  let own: StoredContribution[] = [];
  if (checked && lines && opts.newLines && !opts.hubOverride) {
    const split = splitLines(items);
    if (split.lines.length) {
      const { written, ids, refused } = await insertNewLines(trx, split.lines, undefined, { locked: true });
      own = written.flatMap((l, i) => lineContributions(l, ids[i]!));
      if (written.length) {
        const left = new Set([...split.rest, ...refused.flatMap(split.objectsOf)]);
        narrow((p) => left.has(p));
      }
      if (items.length === 0) return { created: own.length, updated: 0, unchanged: built.size - own.length, contributions: [...kept, ...own] };
    }
  }
  // What lines present of the rest is stored rows before the rest is looked up and written (docs/design/feed-lines.md 3).
  if (lines) await promoteLinesFor(trx, items.map((p) => ({ id: p.record.id, orgId: p.contribution.orgId })));
  // Their stamps are taken first, so that they come before the version that replaced them (TAXII order).
  const stamps = built.older.length ? await takeStamps(trx, built.older.length) : [];
  // A batch expected new reserves its contributions' ids with the registry (one round trip less, issue 17).
  const { known, reserved } = await registerObjects(trx, records, opts.orgId, registry, built.expectNew && !checked ? items.length : 0, built.expectNew);
  const writes: ContributionWrite[] = items.map((p) => {
    // Not known before: this batch registered it, owned by the writer.
    const reg = known.get(p.record.id);
    const owner = reg ? reg.ownerOrgId : opts.orgId;
    const ownerRank = opts.hubOverride ? 2 : owner === null || owner === p.contribution.orgId ? 1 : 0;
    return { contribution: p.contribution, record: p.record, ownerRank, keepContent: p.generated === true, known: reg !== undefined };
  });
  const stored = [...kept, ...(await upsertContributions(trx, writes, built.content, { unchangedChecked: checked, reserved }))];
  if (built.older.length) {
    const idOf = new Map(stored.map((c) => [`${c.object_id}|${c.scope_key}`, c.id]));
    const older = [...built.older].sort((a, b) => (a.record.modified ?? '').localeCompare(b.record.modified ?? ''));
    await insertHistory(
      trx,
      older.map((p, i) => ({ contributionId: idOf.get(`${p.record.id}|${scopeKey(p.contribution)}`)!, record: p.record, seq: stamps[i]!.seq, at: stamps[i]!.at })),
    );
  }
  const fresh = stored.filter((c) => c.inserted || c.changed);
  // Every item new (a first import): the stored contributions are the items', in their order (no look-up by key).
  const allNew = kept.length === 0 && writes.every((w) => w.known === false);
  if (allNew && built.tails && items === built.items) {
    // Their key and edge lines were built with the batch: only the ids are put before them now.
    const tails = built.tails;
    await replaceKeys(trx, stored.map((c, i) => ({ contributionId: c.id, objectId: c.object_id, keys: [], replace: false, tails: tails[i]!.keys })));
    await replaceEdges(trx, stored.map((c, i) => ({ contributionId: c.id, edges: [], replace: false, tails: tails[i]!.edges })));
  } else {
    const freshItems = allNew ? stored.map((c, i) => ({ c, p: items[i]! })) : fresh.map((c) => ({ c, p: byKey.get(`${c.object_id}|${c.scope_key}`)! }));
    await replaceKeys(trx, freshItems.map(({ c, p }) => ({ contributionId: c.id, objectId: c.object_id, keys: p.record.keys, replace: c.changed })));
    await replaceEdges(trx, freshItems.map(({ c, p }) => ({ contributionId: c.id, edges: edgesOf(p.record.data), replace: c.changed })));
  }
  // Objects with other contributions (made before, or beside this one in the batch) are ranked anew.
  const perObject = new Map<string, number>();
  for (const c of fresh) perObject.set(c.object_id, (perObject.get(c.object_id) ?? 0) + 1);
  const rerank = [...perObject.entries()].filter(([id, n]) => n > 1 || known.has(id)).map(([id]) => id);
  await markSuperseded(trx, rerank);
  const created = stored.filter((c) => c.inserted).length + own.length;
  const updated = stored.filter((c) => c.changed).length;
  return { created, updated, unchanged: built.size - created - updated, contributions: own.length ? [...stored, ...own] : stored };
}
