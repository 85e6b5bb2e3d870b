import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { startPglite } from './pglite.start.ts';
import { PgliteStatements } from './pglite.statements.ts';
import { statementKey, StatementStats, threadCpuMs } from './pglite.statement-stats.ts';
import { fromBlob } from './pglite.handle.ts';
import { toWire, type WorkerReply, type WorkerRequest, type WorkerStart, type WireResults } from './pglite-worker.protocol.ts';

// The thread PGlite runs on (issue 17): PostgreSQL's work happens here, on the machine's other core, while the main
// thread builds the next batch and answers requests. One PGlite per thread; requests are served in arrival order
// (PGlite itself makes statements outside a transaction wait for an open one, as on the main thread).

const port = parentPort!;
const post = (m: WorkerReply): void => port.postMessage(m);

interface OpenTx {
  readonly tx: Transaction;
  readonly finish: (commit: boolean) => void;
  readonly done: Promise<unknown>;
}

const txs = new Map<number, OpenTx>();
const listening = new Map<string, () => Promise<void>>();
let nextTx = 1;

function results(r: Awaited<ReturnType<PGlite['query']>>): WireResults {
  return { rows: r.rows, affectedRows: r.affectedRows, fields: r.fields };
}

// Holds PGlite's transaction open until the main thread ends it: its callback waits for commit or rollback.
function begin(pglite: PGlite): Promise<number> {
  return new Promise<number>((began, failed) => {
    const id = nextTx++;
    let finish!: (commit: boolean) => void;
    const ended = new Promise<boolean>((resolve) => (finish = resolve));
    let opened = false;
    const done = pglite.transaction(async (tx) => {
      opened = true;
      txs.set(id, { tx, finish, done });
      began(id);
      if (!(await ended)) throw new RolledBack();
    });
    done.catch((err: unknown) => {
      if (!opened) failed(err);
    });
  });
}

class RolledBack extends Error {}

async function serve(pglite: PGlite, statements: PgliteStatements, m: WorkerRequest): Promise<unknown> {
  const on = (tx: number | undefined): PGlite | Transaction => {
    if (tx === undefined) return pglite;
    const open = txs.get(tx);
    if (!open) throw new Error(`transaction ${tx} is not open`);
    return open.tx;
  };
  switch (m.op) {
    case 'query':
      return results(await statements.query(on(m.tx), m.tx !== undefined, m.sql, m.params as unknown[] | undefined, m.rowMode ? { rowMode: m.rowMode } : undefined));
    case 'copy':
      statements.bulkWrite();
      return results(await on(m.tx).query(fromBlob(m.sql), [], { blob: new Blob([m.data as Uint8Array<ArrayBuffer> | string]) }));
    case 'exec':
      return (await on(m.tx).exec(m.sql)).map(results);
    case 'begin':
      return begin(pglite);
    case 'end': {
      const open = txs.get(m.tx);
      if (!open) throw new Error(`transaction ${m.tx} is not open`);
      txs.delete(m.tx);
      open.finish(m.commit);
      try {
        await open.done;
      } catch (err) {
        if (!(err instanceof RolledBack)) throw err;
      }
      return null;
    }
    case 'listen':
      if (!listening.has(m.channel)) listening.set(m.channel, await pglite.listen(m.channel, (payload) => post({ kind: 'notify', channel: m.channel, payload })));
      return null;
    case 'unlisten': {
      // With its own callback: PGlite's unlisten(channel) alone stops listening but keeps the callback, so a later
      // listen would add a second one and every notification would arrive twice.
      const off = listening.get(m.channel);
      listening.delete(m.channel);
      await off?.();
      return null;
    }
    case 'close':
      for (const open of txs.values()) open.finish(false);
      txs.clear();
      if (!pglite.closed) await pglite.close();
      return null;
  }
}

const start = workerData as WorkerStart;
try {
  const pglite = await startPglite(start.dataDir, start.sharedBuffersMb);
  const statements = new PgliteStatements(pglite); // reads' plans kept (issue 17)
  // KESSETSU_PGLITE_STATEMENT_STATS: each statement's CPU on this thread, written to the file as PGlite closes.
  const statsFile = start.statementStats;
  const stats = statsFile ? new StatementStats(threadCpuMs) : null;
  const count = (m: WorkerRequest, served: Promise<unknown>): Promise<unknown> => {
    if (!stats || !statsFile) return served;
    return served.finally(() => {
      stats.answered(statementKey(m.op, 'sql' in m ? m.sql : undefined));
      if (m.op === 'close') stats.write(statsFile);
    });
  };
  port.on('message', (m: WorkerRequest) => {
    stats?.arrived(); // before serve starts the statement
    count(m, serve(pglite, statements, m)).then(
      (result) => post({ kind: 'ok', id: m.id, result }),
      (err: unknown) => post({ kind: 'error', id: m.id, error: toWire(err) }),
    );
  });
  post({ kind: 'ready' });
} catch (err) {
  post({ kind: 'failed', error: toWire(err) });
}
