import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Viewer } from '../access/viewer.ts';
import type { ActionsService } from '../actions/actions.service.ts';
import { actionsOfEntries, entriesToCheck, insertCheck, updateEntry, type EntryRow } from './hotline.repository.ts';
import { checkUrl, type HotlineFetcher } from './removal.fetcher.ts';

/** How the checker runs. */
export interface CheckerOptions {
  readonly fetcher: HotlineFetcher;
  /** Per request; a fetcher that hangs is given up after this. */
  readonly timeoutMs: number;
  /** Between scheduled runs; 0: only when asked. */
  readonly intervalMs: number;
  /** Requests at once. */
  readonly concurrency?: number;
  /** Days a removed URL is still re-requested, to see it reappear (default 30). */
  readonly watchDays?: number;
}

/** What one run did. */
export interface CheckRun {
  readonly checked: number;
  readonly removed: number;
  readonly reappeared: number;
  readonly errors: number;
}

/**
 * Removal tracking: re-requests the URLs the hotline asked to delete or forwarded, on a schedule,
 * through a configurable fetcher (the body is never read). A 404, 410 or a host that no longer
 * resolves records the removal time and closes the entry's open deletion requests and forwards
 * (their clocks stop); a removed URL answering 2xx again within the watch period reopens them as
 * reappeared; timeouts and errors are recorded and tried again next run.
 */
export class RemovalChecker {
  readonly #db: Kysely<Database>;
  readonly #actions: ActionsService;
  readonly #o: CheckerOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<CheckRun> | undefined;

  constructor(db: Kysely<Database>, actions: ActionsService, o: CheckerOptions) {
    this.#db = db;
    this.#actions = actions;
    this.#o = o;
  }

  /** Starts the schedule (no-op when the interval is 0). */
  start(): void {
    if (this.#o.intervalMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => void this.run().catch(() => {}), this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /** Runs once now (a run already in progress is shared, not doubled). */
  run(limit = 500): Promise<CheckRun> {
    this.#running ??= this.#runOnce(limit).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runOnce(limit: number): Promise<CheckRun> {
    const entries = await entriesToCheck(this.#db, limit, this.#o.watchDays ?? 30);
    let removed = 0;
    let reappeared = 0;
    let errors = 0;
    const queue = [...entries];
    const worker = async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const r = await this.#checkOne(e);
        if (r === 'removed') removed++;
        if (r === 'reappeared') reappeared++;
        if (r === 'error') errors++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency ?? 4, entries.length) }, worker));
    return { checked: entries.length, removed, reappeared, errors };
  }

  async #checkOne(e: EntryRow): Promise<'present' | 'removed' | 'still_removed' | 'reappeared' | 'error'> {
    const r = await checkUrl(this.#o.fetcher, e.url, this.#o.timeoutMs);
    const now = new Date();
    if (e.status === 'removed') {
      const back = r.kind === 'status' && r.status >= 200 && r.status < 300;
      await insertCheck(this.#db, { entry_id: e.id, result: back ? 'reappeared' : r.kind === 'error' ? `error: ${r.reason}` : 'still removed', http_status: r.kind === 'status' ? r.status : null });
      if (!back) {
        await updateEntry(this.#db, e.id, { last_checked_at: now, last_check: r.kind === 'error' ? `error (${r.reason})` : 'still removed' });
        return 'still_removed';
      }
      await updateEntry(this.#db, e.id, { status: 'actioned', removed_at: null, last_checked_at: now, last_check: `reappeared (HTTP ${r.status})` });
      await this.#moveActions(e, ['done'], 'reappeared', `the URL answers again (HTTP ${r.status})`);
      return 'reappeared';
    }
    if (r.kind === 'gone') {
      await insertCheck(this.#db, { entry_id: e.id, result: `removed: ${r.reason}`, http_status: /HTTP (\d+)/.exec(r.reason) ? Number(/HTTP (\d+)/.exec(r.reason)![1]) : null });
      await updateEntry(this.#db, e.id, { status: 'removed', removed_at: now, last_checked_at: now, last_check: `removed (${r.reason})`, check_failures: 0 });
      await this.#moveActions(e, ['sent', 'acknowledged', 'reappeared'], 'done', `removal detected by the hotline checker (${r.reason})`);
      return 'removed';
    }
    if (r.kind === 'status') {
      await insertCheck(this.#db, { entry_id: e.id, result: 'present', http_status: r.status });
      await updateEntry(this.#db, e.id, { last_checked_at: now, last_check: `present (HTTP ${r.status})`, check_failures: 0 });
      return 'present';
    }
    await insertCheck(this.#db, { entry_id: e.id, result: `error: ${r.reason}`, http_status: null });
    await updateEntry(this.#db, e.id, { last_checked_at: now, last_check: `error (${r.reason})`, check_failures: e.check_failures + 1 });
    return 'error';
  }

  // The checker answers the deletion requests and forwards, on behalf of the operator who sent each.
  async #moveActions(e: EntryRow, from: readonly string[], to: 'done' | 'reappeared', note: string): Promise<void> {
    const open = (await actionsOfEntries(this.#db, [e.id])).filter((a) => from.includes(a.status));
    for (const a of open) {
      const v = a.created_by ? await operatorViewer(this.#db, a.created_by) : null;
      if (!v) continue;
      await this.#actions.update(v, a.id, { status: to, note }).catch(() => {});
    }
  }
}

/** The viewer of a user, for work done on their behalf by the checker. */
async function operatorViewer(db: Kysely<Database>, userId: string): Promise<Viewer | null> {
  const u = await db.selectFrom('users as u').innerJoin('orgs as o', 'o.id', 'u.org_id').select(['u.id', 'u.role', 'o.id as org_id', 'o.kind', 'o.sector']).where('u.id', '=', userId).executeTakeFirst();
  if (!u) return null;
  return { kind: 'user', userId: u.id, orgId: u.org_id, orgKind: u.kind, sector: u.sector, role: u.role, ndaAccepted: true, groupIds: [], keyId: null };
}
