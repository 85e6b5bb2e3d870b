import type { Kysely } from 'kysely';
import type { Database, OrgRow } from '../db/schema.ts';
import { isHub, type Viewer } from '../access/viewer.ts';
import { AppError, notFound } from '../shared/errors.ts';
import type { ObservableIndex } from '../lookup/observable.index.ts';
import { catchUpIndex } from '../lookup/index.loader.ts';
import { buildBatch, buildBatchPaced, lockKnowledgeWrites, writeBuilt, type PreparedObject } from '../store/knowledge.writer.ts';
import { lineCopyRow, preparedOfLine, splitLinesPaced, withLines, type FeedLine } from '../store/feed-line.ts';
import { hasFeedLines } from '../store/feed-lines.repository.ts';
import { writeWithLines, type LinesBatchResult } from './feed-lines.write.ts';
import { mostlyRegistered } from '../store/objects.repository.ts';
import type { StoredContribution } from '../store/contributions.repository.ts';
import { findOrg } from '../orgs/orgs.repository.ts';
import type { IngestFormat, ParseIssue, ParseResult } from './parsers/parse-result.ts';
import { STREAMED_FORMATS, type ParseHead, type ParseRequest, type ParseSlice } from './parse/parse.task.ts';
import type { StreamRequest } from './parse/parse.pool.ts';
import { sniffFormat } from './parsers/format.sniffer.ts';
import { StreamChecks, type StreamOutcome } from './stream.checks.ts';
import { loadSpeakers } from './authorship.check.ts';
import { enforceObjectLimits, type ObjectLimits } from './ingest.limits.ts';
import type { IngestQuota, IngestTicket } from './ingest.quota.ts';
import { prepareObjects } from './prepare.ts';
import { danglingReferences } from './dangling-refs.ts';
import { authorshipIssues } from './authorship.check.ts';
import { mispRemovals } from './misp.removals.ts';
import { appendAudit } from '../audit/audit.repository.ts';
import type { IngestCounts, IngestParams, IngestReport } from './ingest.params.ts';
import { findIngest, finishIngest, insertIngest, markIngestRunning, type LeaseHolder } from './ingests.repository.ts';
import { storableIssue, withoutUnstorable } from './unstorable.check.ts'; // bad input (issue 10.8)
import { withoutBroadCidrs } from './broad-cidr.check.ts'; // broad CIDRs (issue 11.3)
import { DEFAULT_PREFIX_LIMITS, type PrefixLimits } from '../observables/cidr.limit.ts';
import { withHoneypotSightings } from '../sightings/honeypot.sightings.ts'; // honeypot logs (sensors, issue 11.2)
import { mapInPieces } from '../shared/pieces.ts';
import { IngestSide } from './ingest.side.ts';
import { LinesAhead } from './lines.ahead.ts';

const BATCH = 5000;
const CHECK_PIECE = 500;
const MAX_ISSUES = 1000;
const afterIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The ingest a hook is told of when its transaction opens. */
export interface IngestStart {
  readonly ingestId: string;
  readonly viewer: Viewer;
  readonly org: OrgRow;
}

/**
 * One written part of an ingest (a batch of a slice, issue 17): every object of the ingest comes in exactly one,
 * with its contributions as written. Hooks keep what they need of it, not the objects.
 */
export interface IngestSlice {
  /** The slice's objects, but for those its `lines` stand for. */
  readonly objects: readonly PreparedObject[];
  /**
   * A CSV feed's rows the parse gave as lines (issue 17), each standing for an observable, an indicator and its based-on
   * relationship (scoId, indicatorId, relationshipId; both objects keyed `lineKey(line)`): written as lines, or the
   * stored way when the store refused them, their objects are not in `objects`. preparedOfLine makes them if needed.
   */
  readonly lines?: readonly FeedLine[] | undefined;
  readonly contributions: readonly StoredContribution[];
  /** The objects this part registered (new to the store). */
  readonly createdIds: ReadonlySet<string>;
}

/** The ingest a hook's run is opened for, with the side transaction it may hand writes to (ingest.side.ts). */
export interface IngestOpened extends IngestStart {
  readonly side: IngestSide;
}

/** What listeners learn of a committed ingest: compact facts (what a hook needs of its objects it kept per slice). */
export interface IngestCommitted extends IngestStart {
  /** How many objects the ingest stored (created, updated or unchanged). */
  readonly objects: number;
}

/** One hook's part in one ingest: told of every written slice inside the transaction, then of the end. */
export interface IngestRun {
  /** A written slice, in the ingest's transaction (a later failure rolls back what this wrote too). */
  slice?(trx: Kysely<Database>, slice: IngestSlice): Promise<void>;
  /** After the last slice, still in the transaction. */
  finish?(trx: Kysely<Database>): Promise<void>;
  /** After the commit; a failure undoes nothing. */
  committed?(event: IngestCommitted): void;
}

/** Warnings for the submitter, given the prepared objects slice by slice (dry runs too). */
export interface IngestReview {
  /** The next prepared objects, and lines (IngestSlice.lines: each stands for its observable, indicator, relationship). */
  add(objects: readonly PreparedObject[], lines?: readonly FeedLine[]): void;
  warnings(): ParseIssue[];
}

/**
 * Hooks other areas add to ingests. Memory of a streamed ingest stays bounded by its slice (issue 17): the hooks
 * see each slice once as it is written, never the whole file at the end.
 */
export interface IngestHooks {
  /** A review of the prepared objects (warninglists, issue 11.1), one per ingest. */
  review?(): IngestReview;
  /**
   * Opens the hook's run for an ingest, inside its transaction (outbox, alerts, reappearances); none: not interested.
   * `review`: the review this hook made for the same ingest (review()), which is given every object before the run's
   * slice sees it (what it found need not be worked out again).
   */
  begin?(trx: Kysely<Database>, ingest: IngestOpened, review?: IngestReview): Promise<IngestRun | undefined> | IngestRun | undefined;
  afterCommit?(event: IngestCommitted): void;
  /** Dry runs only: extra fields for the report (the web interface's share preview, issue 13). */
  dryRun?(viewer: Viewer, prepared: readonly PreparedObject[]): Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Options of the ingest service. */
export interface IngestServiceOptions {
  /** Bodies larger than this run as a background job. */
  readonly jobThreshold: number;
  /** Parses bodies (a worker pool; issue 10.5), whole or in slices (issue 17). It takes the body over. */
  readonly parser: {
    parse(body: Buffer, req: ParseRequest): Promise<ParseResult>;
    parseStream(body: Buffer, req: StreamRequest, sliceObjects: number): AsyncGenerator<ParseSlice, ParseHead>;
  };
  /** Streamed formats are parsed, checked and written in slices of this many objects (issue 17); 0: whole. */
  readonly sliceObjects?: number;
  /** Ceilings for API ingests (members) and for the others (CLI, TAXII, sightings: object size only). */
  readonly limits: { readonly api: ObjectLimits; readonly other: ObjectLimits };
  /** Concurrency and byte quotas of API ingests. */
  readonly quota: IngestQuota;
  /** CIDRs broader than these prefixes are refused (issue 11.3); default /16 IPv4, /32 IPv6. */
  readonly prefixLimits?: PrefixLimits;
  /** This node's lease on the ingests it runs (issue 10.6). */
  readonly lease?: LeaseHolder;
  /**
   * A streamed first import writes flat feed lines (docs/design/feed-lines.md, issue 17): an observable, its indicator
   * and their based-on relationship as one feed_lines row, read through the knowledge views as the three objects.
   */
  readonly feedLines?: boolean;
  /** PostgreSQL: the connection of an ingest's side transaction (Storage.side, ingest.side.ts); none: one transaction. */
  readonly side?: Kysely<Database>;
}

// Thrown inside an ingest's transaction to roll it back when the file turns out to be refused whole.
class RefusedWhole extends Error {
  readonly outcome: StreamOutcome;
  readonly warnings: ParseIssue[];
  readonly head: ParseHead;
  constructor(outcome: StreamOutcome, warnings: ParseIssue[], head: ParseHead) {
    super('refused whole');
    this.outcome = outcome;
    this.warnings = warnings;
    this.head = head;
  }
}

/** A hub analyst's explicit step: its versions lead over the owners' (audited). */
function hubOverride(viewer: Viewer, params: IngestParams): boolean {
  return params.asHub === true && isHub(viewer);
}

/** Adds a written batch to the ingest's counts; answers its created ids and whether the next batch should expect new rows. */
function tally(r: { created: number; updated: number; unchanged: number; contributions: readonly StoredContribution[] }, counts: IngestCounts): { expectNew: boolean; createdIds: Set<string> } {
  counts.created += r.created;
  counts.updated += r.updated;
  counts.unchanged += r.unchanged;
  const createdIds = new Set<string>();
  for (const c of r.contributions) if (c.inserted) createdIds.add(c.object_id);
  return { expectNew: r.created + r.updated > r.unchanged, createdIds };
}

function capped(issues: readonly ParseIssue[]): ParseIssue[] {
  if (issues.length <= MAX_ISSUES) return issues.map(storableIssue);
  return [...issues.slice(0, MAX_ISSUES).map(storableIssue), { where: '…', reason: `${issues.length - MAX_ISSUES} more not shown` }];
}

/** Collect: takes files from members, keeps who said what, never duplicates a thing. */
export class IngestService {
  readonly #db: Kysely<Database>;
  readonly #index: ObservableIndex;
  readonly #hooks: IngestHooks[] = [];
  readonly #opts: IngestServiceOptions;
  readonly #jobs = new Set<Promise<unknown>>();

  constructor(db: Kysely<Database>, index: ObservableIndex, opts: IngestServiceOptions) {
    this.#db = db;
    this.#index = index;
    this.#opts = opts;
  }

  /** Concurrency and byte quotas of API ingests (the route admits before it reads a body). */
  get quota(): IngestQuota {
    return this.#opts.quota;
  }

  /** Adds hooks (correlation, alerts, streams). */
  addHooks(h: IngestHooks): void {
    this.#hooks.push(h);
  }

  async #checkRecipients(viewer: Viewer, params: IngestParams): Promise<void> {
    if (params.orgs.length) {
      const found = await this.#db.selectFrom('orgs').select('id').where('id', 'in', params.orgs).execute();
      const missing = params.orgs.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) throw new AppError('validation_failed', `orgs: unknown organisation ${missing.join(', ')}`, { field: 'orgs', ids: missing });
    }
    if (params.groups.length) {
      const rows = await this.#db
        .selectFrom('sharing_groups as g')
        .leftJoin('sharing_group_members as m', (j) => j.onRef('m.group_id', '=', 'g.id').on('m.org_id', '=', viewer.orgId))
        .select(['g.id', 'g.owner_org_id', 'm.org_id'])
        .where('g.id', 'in', params.groups)
        .execute();
      const usable = new Set(rows.filter((r) => isHub(viewer) || r.owner_org_id === viewer.orgId || r.org_id).map((r) => r.id));
      const bad = params.groups.filter((g) => !usable.has(g));
      if (bad.length) throw new AppError('validation_failed', `groups: unknown sharing group ${bad.join(', ')}`, { field: 'groups', ids: bad });
    }
    if (params.users.length) {
      const found = await this.#db.selectFrom('users').select('id').where('id', 'in', params.users).execute();
      const missing = params.users.filter((id) => !found.some((f) => f.id === id));
      if (missing.length) throw new AppError('validation_failed', `users: unknown user ${missing.join(', ')}`, { field: 'users', ids: missing });
    }
  }

  /**
   * Ingests a file: small ones answer with the outcome, large ones start a job (status pending).
   * A quota ticket, when given, is held until the ingest (or its job) is over.
   * @example const report = await ingest.ingest(viewer, body, params)
   */
  async ingest(viewer: Viewer, body: Buffer, params: IngestParams, ticket?: IngestTicket): Promise<IngestReport> {
    ticket?.handOver();
    let handedToJob = false;
    try {
      const report = await this.#ingest(viewer, body, params, (job) => {
        handedToJob = true;
        void job.finally(() => ticket?.release());
      });
      return report;
    } finally {
      if (!handedToJob) ticket?.release();
    }
  }

  async #ingest(viewer: Viewer, body: Buffer, params: IngestParams, onJob: (job: Promise<unknown>) => void): Promise<IngestReport> {
    const org = await findOrg(this.#db, viewer.orgId);
    if (!org) throw notFound('organisation', viewer.orgId);
    await this.#checkRecipients(viewer, params);
    // Only API callers get a job for large bodies; the CLI waits for its outcome anyway.
    const large = body.length > this.#opts.jobThreshold && params.source === 'api';
    const id = await insertIngest(this.#db, {
      org_id: org.id,
      user_id: viewer.userId,
      format: params.format,
      source: params.source,
      filename: params.filename ?? null,
      dry_run: params.dryRun,
      params: { tlp: params.tlp ?? null, orgs: params.orgs, groups: params.groups, users: params.users, anonymous: params.anonymous, lenient: params.lenient },
      bytes: body.length,
      status: large ? 'pending' : 'running',
    }, this.#opts.lease);
    if (large) {
      const job = this.#run(id, viewer, org, body, params).catch(() => {});
      this.#jobs.add(job);
      void job.finally(() => this.#jobs.delete(job));
      onJob(job);
      return this.report(viewer, id);
    }
    return this.#run(id, viewer, org, body, params);
  }

  /** Ingests objects already parsed (TAXII inbox, sightings); same rules, same transaction guarantees. */
  async ingestParsed(viewer: Viewer, parsed: ParseResult, params: IngestParams): Promise<IngestReport> {
    const org = await findOrg(this.#db, viewer.orgId);
    if (!org) throw notFound('organisation', viewer.orgId);
    await this.#checkRecipients(viewer, params);
    const id = await insertIngest(this.#db, { org_id: org.id, user_id: viewer.userId, format: parsed.format, source: params.source, filename: null, dry_run: params.dryRun, params: {}, bytes: 0, status: 'running' }, this.#opts.lease);
    return this.#commit(id, viewer, org, enforceObjectLimits(parsed, this.#opts.limits.other, params.lenient), params);
  }

  async #run(id: string, viewer: Viewer, org: OrgRow, body: Buffer, params: IngestParams): Promise<IngestReport> {
    try {
      await markIngestRunning(this.#db, id);
      const limits = params.source === 'api' ? this.#opts.limits.api : this.#opts.limits.other;
      const req: ParseRequest = { format: params.format, lenient: params.lenient, filename: params.filename, limits };
      const streamed = this.#streamedFormat(body, params);
      const prefixLimits = this.#opts.prefixLimits ?? DEFAULT_PREFIX_LIMITS;
      // A CSV feed's importer-made indicators get the organisation's ids on the parse worker (issue 17).
      const idSalt = streamed === 'csv' ? org.id_salt : undefined;
      // Its rows that are flat lines come as line drafts when they would be written as lines (not for a hub override).
      const lines = streamed === 'csv' && this.#opts.feedLines === true && !hubOverride(viewer, params);
      // Their contents hashed there too, at the TLP this ingest gives them (the main thread keeps what it would make).
      const lineTlps = lines ? { requested: params.tlp ?? null, orgDefault: org.default_tlp } : undefined;
      if (streamed) return await this.#commitStreamed(id, viewer, org, this.#opts.parser.parseStream(body, { ...req, format: streamed, prefixLimits, idSalt, lines, lineTlps }, this.#opts.sliceObjects!), params);
      const parsed = await this.#opts.parser.parse(body, req);
      return await this.#commit(id, viewer, org, parsed, params);
    } catch (err) {
      const reason = err instanceof AppError ? err.message : 'internal error while ingesting; nothing was stored';
      await finishIngest(this.#db, id, { status: 'failed', format: params.format, counts: {}, errors: [storableIssue({ where: 'file', reason })] }).catch(() => {});
      throw err;
    }
  }

  // The format of a body to parse, check and write in slices, or null to take it whole (issue 17). Dry runs (the
  // preview hook reads every prepared object) and anonymous ingests (identities looked for in the whole file) are
  // taken whole.
  #streamedFormat(body: Buffer, params: IngestParams): IngestFormat | null {
    if (!this.#opts.sliceObjects || params.dryRun || params.anonymous) return null;
    const format = params.format === 'auto' ? sniffFormat(body.subarray(0, 64 * 1024), params.filename).format : params.format;
    return format && STREAMED_FORMATS.has(format) ? format : null;
  }

  // #commit for a file parsed in slices: slice i+1 is parsed (on a worker), checked, prepared and built while slice
  // i is on the server. One transaction still: a refusal found late (a strict file's bad object, a database error)
  // rolls back every slice; the report is the one #commit gives for the whole file (StreamChecks).
  async #commitStreamed(id: string, viewer: Viewer, org: OrgRow, slices: AsyncGenerator<ParseSlice, ParseHead>, params: IngestParams): Promise<IngestReport> {
    try {
      // A file that cannot be read at all (no header, too many lines) fails before the transaction, as whole.
      const first = await slices.next();
      const counts: IngestCounts = { objects: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 };
      let head: ParseHead | undefined;
      let outcome: StreamOutcome | undefined;
      let allWarnings: ParseIssue[] = [];
      const event = await this.#transaction(async (trx, side) => {
        await lockKnowledgeWrites(trx);
        // Lines are written only under the write lock this ingest holds: whether the store may hold any is known now, and
        // from this ingest's first batch of lines on; until then contributions are looked up in the stored table alone
        // (through the views, three more index probes a row: nothing measurable while feed_lines is empty).
        const opts = { orgId: org.id, hubOverride: hubOverride(viewer, params), lines: await hasFeedLines(trx), newLines: this.#opts.feedLines === true };
        const checks = new StreamChecks({ params, viewer, org, ingestId: id, now: new Date(), prefixLimits: this.#opts.prefixLimits ?? DEFAULT_PREFIX_LIMITS, speakers: opts.hubOverride ? null : await loadSpeakers(trx), fileTlp: first.done ? undefined : first.value.tlp, parseChecked: !first.done && first.value.checked === true });
        // Nothing of the file is kept beyond its slice (issue 17): the hooks see each written batch once, the reviews
        // each prepared slice.
        const reviews = this.#reviews();
        const runs = await this.#begin(trx, { ingestId: id, viewer, org, side }, reviews);
        const ahead = await LinesAhead.open(trx, side);
        let preparedCount = 0;
        // Unknown until the first batch: a sample of its ids says whether the file is a re-import (a first batch built
        // as new rows reserved contribution ids and made contents a re-import never uses: server CPU +29 %, issue 17).
        let expectNew: boolean | undefined;
        let writing: Promise<LinesBatchResult & { objects: readonly PreparedObject[]; lines: readonly FeedLine[] }> | undefined;
        // The write on its way has answered: its counts can say what the next batch should expect before it is built.
        let answered = false;
        let written = 0;
        let progress = 0;
        const settle = async (): Promise<void> => {
          if (!writing) return;
          const r = await writing;
          writing = undefined;
          const t = tally(r, counts);
          expectNew = t.expectNew;
          // Before the next statement is sent: a hook's queries never run beside the write on the connection.
          await this.#slice(trx, runs, { objects: r.objects, lines: r.lines, contributions: r.contributions, createdIds: t.createdIds });
          written += r.size;
          // The total is known at the end only: until then, what the parse's progress through the file promises.
          params.onProgress?.(written, Math.max(written, progress > 0 ? Math.round(preparedCount / progress) : written));
        };
        try {
          let r = first;
          for (; !r.done; r = await slices.next()) {
            progress = r.value.progress;
            const objects = r.value.objects;
            const drafts = r.value.lines ?? [];
            const slots = r.value.lineSlots ?? [];
            const facts = { generated: r.value.generated && new Set(r.value.generated), refsWithin: r.value.refsWithin, placeholders: r.value.placeholders, textChecked: r.value.textChecked, targets: r.value.targets };
            const batch: PreparedObject[] = [];
            const batchLines: FeedLine[] = [];
            // In pieces with an I/O turn between them: each answer of the write on the server is taken up (its next
            // statement sent) within a piece's time, not after the whole slice has been checked and prepared. A
            // piece's line drafts are those among its objects (and after the last one, for the last piece).
            let line = 0;
            for (let j = 0; j < objects.length || line < drafts.length; j += CHECK_PIECE) {
              const last = j + CHECK_PIECE >= objects.length;
              const piece = objects.length <= CHECK_PIECE ? objects : objects.slice(j, j + CHECK_PIECE);
              let upTo = line;
              while (upTo < drafts.length && (last || slots[upTo]! < j + CHECK_PIECE)) upTo++;
              const pieceDrafts = line === 0 && upTo === drafts.length ? drafts : drafts.slice(line, upTo);
              const pieceSlots = j === 0 ? slots.slice(line, upTo) : slots.slice(line, upTo).map((slot) => slot - j);
              line = upTo;
              const done = await checks.add(
                piece,
                async () => {
                  await settle(); // a query waits for the write on the connection: nothing else is sent beside it
                  return trx;
                },
                facts,
                pieceDrafts,
                pieceSlots,
              );
              for (const p of done.prepared) batch.push(p);
              for (const l of done.lines) batchLines.push(l);
              if (writing) await afterIo();
            }
            preparedCount += batch.length + 3 * batchLines.length;
            for (const v of reviews) v?.add(batch, batchLines);
            // Parts of about BATCH: a slice a little over it (a CSV slice is cut at a row's end: 5,001 objects) is one
            // part, not a full batch and a batch of one object with a round of statements of its own. A slice with
            // lines is one part (a CSV slice: about BATCH objects, a line counting as three).
            const size = Math.ceil(batch.length / Math.max(1, Math.ceil(batch.length / (BATCH * 1.1))));
            const parts = batchLines.length > 0 || batch.length <= size ? [batch] : Array.from({ length: Math.ceil(batch.length / size) }, (_, k) => batch.slice(k * size, (k + 1) * size));
            for (const [i, part] of parts.entries()) {
              if (part.length === 0 && batchLines.length === 0) continue;
              let partLines = i === 0 ? batchLines : [];
              // An unchanged re-import's second batch is built expecting no new rows (no contents made for nothing).
              if (answered) await settle();
              // Nothing is on its way yet when the first batch is looked at: the sample's statement runs alone.
              expectNew ??= !(await mostlyRegistered(trx, [...part.map((p) => p.record.id), ...partLines.flatMap((l) => [l.scoId, l.indicatorId, l.relationshipId])]));
              const asLines = this.#opts.feedLines && expectNew && !opts.hubOverride;
              // A re-import's lines go the stored way, as the objects they stand for (they reach the hooks as objects).
              let stored: readonly PreparedObject[] = part;
              if (!asLines && partLines.length > 0) {
                stored = [...part, ...partLines.flatMap(preparedOfLine)];
                partLines = [];
              }
              // Built in pieces: each answer of the write before is taken up (its next statement sent) within a piece.
              // A first import's flat lines go to feed_lines, the rest the stored way (docs/design/feed-lines.md).
              const found = asLines ? await splitLinesPaced(stored, afterIo) : undefined;
              const split = found && withLines(found, partLines);
              // Their probe made now on the side's other connection, while the write before is on the server.
              const probed = split && ahead.probe(split.lines, partLines.length);
              // Their COPY rows too (a parse's line is hashed here), encoded, while the write before is on the server.
              const tails = split && (await mapInPieces(split.lines, (l) => Buffer.from(lineCopyRow(l)), afterIo));
              const built = await buildBatchPaced(split ? split.rest : stored, expectNew, afterIo);
              await settle();
              answered = false;
              if (split?.lines.length) opts.lines = true;
              const writes = split?.lines.length ? writeWithLines(trx, split, built, opts, tails, probed) : writeBuilt(trx, built, opts).then((res) => ({ ...res, size: built.size }));
              const w = writes.then((res) => ((answered = true), { ...res, objects: stored, lines: partLines }));
              w.catch(() => {}); // awaited by settle; a failure must not be unhandled meanwhile
              writing = w;
              // After an I/O turn: the batch's first statement is on its way before the next slice is checked.
              await afterIo();
            }
          }
          head = r.value;
          await settle();
        } catch (err) {
          // Nothing is thrown while a statement of this transaction is still on its way.
          await writing?.catch(() => {});
          throw err;
        }
        outcome = checks.finish(head);
        allWarnings = [...outcome.warnings, ...(outcome.danglingRefs ? await outcome.danglingRefs.finish(trx, viewer) : [])];
        if (outcome.preparedStand) for (const v of reviews) if (v) allWarnings.push(...v.warnings()); // warninglists (issue 11.1)
        if (outcome.nothing) allWarnings.push(outcome.nothing);
        if (outcome.rejectedAll) throw new RefusedWhole(outcome, allWarnings, head);
        counts.objects = outcome.objects;
        counts.rejected = outcome.rejected;
        params.onProgress?.(written, written);
        return this.#committing(trx, runs, { ingestId: id, viewer, org, objects: preparedCount }, params, head.format, counts, outcome.errors);
      });
      await this.#committed(event.runs, event.event);
      return { ...(await this.report(viewer, id)), warnings: capped(allWarnings), tlp: outcome!.tlp, summary: head!.summary ?? {} };
    } catch (err) {
      if (!(err instanceof RefusedWhole)) throw err;
      const o = err.outcome;
      await finishIngest(this.#db, id, { status: 'failed', format: err.head.format, counts: { objects: o.objects, created: 0, updated: 0, unchanged: 0, rejected: o.rejected }, errors: capped(o.errors) });
      return { ...(await this.report(viewer, id)), warnings: capped(err.warnings), tlp: o.tlp, summary: err.head.summary ?? {}, by_type: {} };
    } finally {
      // A parse still running (the ingest failed before its end) is stopped.
      await slices.return(undefined as never).catch(() => {});
    }
  }

  // An ingest's transaction, and its side transaction (ingest.side.ts): what was handed to the side is waited for before
  // the commit (a failure there rolls both back), and committed after it.
  async #transaction<T>(work: (trx: Kysely<Database>, side: IngestSide) => Promise<T>): Promise<T> {
    let side: IngestSide | undefined;
    let done: T;
    try {
      done = await this.#db.transaction().execute(async (trx) => {
        side = new IngestSide(this.#opts.side, trx);
        const r = await work(trx, side);
        await side.drain();
        return r;
      });
    } catch (err) {
      await side?.rollback();
      throw err;
    }
    const lost = await side?.commit();
    if (lost) process.stderr.write(`kessetsu: warning: an ingest's side writes (signature ids, warninglist hits) were lost after its commit; their readers make them again: ${lost instanceof Error ? lost.message : String(lost)}\n`);
    return done;
  }

  // Every hook's run for an ingest, opened in its transaction (one entry per hook, in their order), given its review.
  async #begin(trx: Kysely<Database>, start: IngestOpened, reviews: readonly (IngestReview | undefined)[]): Promise<(IngestRun | undefined)[]> {
    const runs: (IngestRun | undefined)[] = [];
    for (const [i, h] of this.#hooks.entries()) runs.push(await h.begin?.(trx, start, reviews[i]));
    return runs;
  }

  // The hooks side by side: one hook's work on the importer's thread while another's statement runs (they share the
  // transaction's connection, which takes their statements one after the other). Each hook's own statements stay in
  // its order; nothing is thrown before every hook has settled (no statement outlives the transaction).
  async #slice(trx: Kysely<Database>, runs: readonly (IngestRun | undefined)[], slice: IngestSlice): Promise<void> {
    const settled = await Promise.allSettled(runs.map((r) => r?.slice?.(trx, slice)));
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
  }

  // Each hook's review for an ingest (by hook, as #begin takes them).
  #reviews(): (IngestReview | undefined)[] {
    return this.#hooks.map((h) => h.review?.());
  }

  // The end of a written ingest inside its transaction: the runs' ends, the audit of a hub override, the ingest's row.
  async #committing(trx: Kysely<Database>, runs: readonly (IngestRun | undefined)[], ev: IngestCommitted, params: IngestParams, format: IngestFormat, counts: IngestCounts, errors: readonly ParseIssue[]): Promise<{ runs: readonly (IngestRun | undefined)[]; event: IngestCommitted }> {
    for (const r of runs) await r?.finish?.(trx);
    if (hubOverride(ev.viewer, params)) await appendAudit(trx, [{ actorUserId: ev.viewer.userId, actorOrgId: ev.viewer.orgId, action: 'ingest.hub_override', targetType: 'ingest', targetId: ev.ingestId, via: params.source, details: { objects: ev.objects } }]);
    await finishIngest(trx, ev.ingestId, { status: 'done', format, counts: { ...counts }, errors: capped(errors) });
    return { runs, event: ev };
  }

  // After the commit: the index catches up, then the listeners (whose failures undo nothing).
  async #committed(runs: readonly (IngestRun | undefined)[], event: IngestCommitted): Promise<void> {
    await catchUpIndex(this.#db, this.#index);
    this.#hooks.forEach((h, i) => {
      for (const listen of [runs[i]?.committed?.bind(runs[i]), h.afterCommit?.bind(h)]) {
        try {
          listen?.(event);
        } catch {
          // A listener's failure must not undo or fail a committed ingest.
        }
      }
    });
  }

  async #commit(id: string, viewer: Viewer, org: OrgRow, parsedFile: ParseResult, params: IngestParams): Promise<IngestReport> {
    // Honeypot sessions sight the indicators this viewer may see (sensors, issue 11.2).
    const unchecked = parsedFile.format === 'cowrie' ? withHoneypotSightings(parsedFile, viewer, org, this.#index) : parsedFile;
    const parsed = withoutBroadCidrs(withoutUnstorable(unchecked, params.lenient), this.#opts.prefixLimits ?? DEFAULT_PREFIX_LIMITS, params.lenient);
    const prep = prepareObjects(parsed, params, { viewer, org, ingestId: id }, new Date());
    let prepared = prep.prepared;
    const { warnings, tlpCounts } = prep;
    const errors = [...parsed.errors];
    // Speaking as another organisation is refused like any invalid object: all or nothing unless lenient.
    const fileIndex = new Map(parsed.objects.map((o, i) => [o.id, i]));
    const forged = hubOverride(viewer, params) ? [] : await authorshipIssues(this.#db, prepared, org.id, (oid) => fileIndex.get(oid) ?? -1);
    if (forged.length) {
      errors.push(...forged);
      const refused = new Set(forged.map((f) => f.objectId));
      prepared = params.lenient ? prepared.filter((p) => !refused.has(p.record.id)) : [];
    }
    // A MISP event sent again is the whole event: indicators it no longer holds are revoked.
    if ((parsed.format === 'misp' || parsed.format === 'misp-feed') && prepared.length) prepared = [...prepared, ...(await mispRemovals(this.#db, org.id, id, prepared))];
    const allWarnings = [...parsed.warnings, ...warnings, ...(await danglingReferences(this.#db, viewer, parsed.objects))];
    const reviews = this.#reviews();
    for (const v of reviews) {
      if (!v) continue;
      v.add(prepared);
      allWarnings.push(...v.warnings()); // warninglists (issue 11.1)
    }
    const meaningful = parsed.objects.some((o) => o.type !== 'marking-definition');
    if (prepared.length === 0 && errors.length === 0) {
      const markingsOnly = parsed.objects.length > 0 && parsed.objects.every((o) => o.type === 'marking-definition');
      allWarnings.push({ where: 'file', reason: markingsOnly ? 'nothing to store: the file holds only TLP marking definitions, which the hub knows already' : 'no objects or indicators found in this file' });
    }
    const counts: IngestCounts = { objects: prepared.length, created: 0, updated: 0, unchanged: 0, rejected: errors.length };
    // Nothing of the file can be taken: an anonymous ingest's sector identity alone is not a success.
    const rejectedAll = errors.length > 0 && (prepared.length === 0 || !meaningful);
    if (rejectedAll) prepared = [];
    if (rejectedAll && typeof parsed.summary?.objects === 'number') counts.rejected = parsed.summary.objects;
    if (params.dryRun || rejectedAll) {
      const byType: Record<string, number> = {};
      for (const p of prepared) byType[p.record.type] = (byType[p.record.type] ?? 0) + 1;
      await finishIngest(this.#db, id, { status: rejectedAll ? 'failed' : 'done', format: parsed.format, counts: { ...counts }, errors: capped(errors) });
      const extra: Record<string, unknown> = {};
      if (params.dryRun) for (const h of this.#hooks) if (h.dryRun) Object.assign(extra, await h.dryRun(viewer, prepared)); // share preview (issue 13)
      return { ...(await this.report(viewer, id)), warnings: capped(allWarnings), tlp: tlpCounts, summary: parsed.summary ?? {}, by_type: byType, ...extra };
    }
    const event = await this.#transaction(async (trx, side) => {
      await lockKnowledgeWrites(trx);
      const runs = await this.#begin(trx, { ingestId: id, viewer, org, side }, reviews);
      const opts = { orgId: org.id, hubOverride: hubOverride(viewer, params), lines: await hasFeedLines(trx) };
      // Batch i+1 is built (deduplicated, its array literals made) while batch i is on the server: on PostgreSQL the
      // importer's CPU overlaps the server's instead of following it (issue 17). Contents are built ahead only while
      // batches add contributions (an unchanged re-import does not write them).
      let expectNew = true;
      let next = prepared.length ? buildBatch(prepared.slice(0, BATCH), false) : undefined;
      for (let i = 0; next; i += BATCH) {
        const writing = writeBuilt(trx, next, opts);
        const rest = prepared.slice(i + BATCH, i + 2 * BATCH);
        // After an I/O turn: the batch's first statement is on its way. Both settle before anything is thrown, so
        // no statement of this batch can outlive the transaction.
        const building = rest.length ? afterIo().then(() => buildBatch(rest, expectNew)) : Promise.resolve(undefined);
        const [w, b] = await Promise.allSettled([writing, building]);
        if (w.status === 'rejected') throw w.reason;
        if (b.status === 'rejected') throw b.reason;
        const r = w.value;
        next = b.value;
        const t = tally(r, counts);
        expectNew = t.expectNew;
        // The next batch is built but not sent yet: the hooks' queries have the connection.
        await this.#slice(trx, runs, { objects: prepared.slice(i, i + BATCH), contributions: r.contributions, createdIds: t.createdIds });
        params.onProgress?.(Math.min(i + BATCH, prepared.length), prepared.length);
      }
      return this.#committing(trx, runs, { ingestId: id, viewer, org, objects: prepared.length }, params, parsed.format, counts, errors);
    });
    await this.#committed(event.runs, event.event);
    return { ...(await this.report(viewer, id)), warnings: capped(allWarnings), tlp: tlpCounts, summary: parsed.summary ?? {} };
  }

  /** The status and outcome of an ingest (the organisation's own; the hub sees all). */
  async report(viewer: Viewer, id: string): Promise<IngestReport> {
    const row = await findIngest(this.#db, id, isHub(viewer) ? null : viewer.orgId);
    if (!row) throw notFound('ingest', id);
    const c = row.counts as Partial<IngestCounts>;
    return {
      id: row.id,
      status: row.status,
      format: row.format,
      dry_run: row.dry_run,
      counts: { objects: c.objects ?? 0, created: c.created ?? 0, updated: c.updated ?? 0, unchanged: c.unchanged ?? 0, rejected: c.rejected ?? 0 },
      errors: row.errors as ParseIssue[],
      warnings: [],
      tlp: {},
      summary: {},
      created_at: row.created_at.toISOString(),
      finished_at: row.finished_at ? row.finished_at.toISOString() : null,
    };
  }

  /** Waits for background jobs (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.#jobs]);
  }
}
