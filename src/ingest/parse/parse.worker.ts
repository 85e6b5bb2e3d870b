// A parse worker: parses and validates ingest bodies off the main thread (issue 10.5), so one
// member's large or hostile file never holds up health checks and other members' reads.
import { parentPort, workerData } from 'node:worker_threads';
import { createStixValidator } from '../../stix/stix.validator.ts';
import { lowerThreadPriority } from '../../shared/thread-priority.ts';
import type { IngestFormat } from '../parsers/parse-result.ts';
import { runParse, runParseStream, serializeError, STREAM_WINDOW, type ParseRequest } from './parse.task.ts';
import type { WorkerMessage, WorkerReply } from './parse.pool.ts';

const OBJECTS_PER_MESSAGE = 1000;
// Parsing is background work: on a busy machine the hub's main thread (requests, the ingest's writes) and its database
// come first. An import keeps every core busy (PGlite's thread or the server, the main thread, this worker, V8's
// collectors), and PGlite's thread or the server is its bound: parsed slices only need to be ready before they are
// written, and STREAM_WINDOW lets the parse run ahead. Measured (issue 17, bench/RESULTS.md, eighteenth session).
const PARSE_NICE_STEP = 10;
lowerThreadPriority(PARSE_NICE_STEP);
const validator = createStixValidator((workerData as { schemaDir?: string } | null)?.schemaDir);
const port = parentPort!;
const send = (m: WorkerReply): void => port.postMessage(m);

// Slices of a streamed parse sent and not yet taken by the main thread; past STREAM_WINDOW the parse waits, so a
// file parsed faster than it is written is not held in memory as messages (issue 17).
let unacked = 0;
let wake: (() => void) | null = null;

port.on('message', (m: WorkerMessage) => {
  if (m.kind === 'ack') {
    unacked--;
    wake?.();
    return;
  }
  const body = Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength);
  void (m.sliceObjects ? stream(m.id, body, m.req as ParseRequest & { format: IngestFormat }, m.sliceObjects) : handle(m.id, body, m.req));
});
port.postMessage({ id: 0, kind: 'ready' } satisfies WorkerReply);

async function handle(id: number, body: Buffer, req: ParseRequest): Promise<void> {
  try {
    const { objects, ...rest } = await runParse(body, req, validator);
    send({ id, kind: 'head', result: rest, total: objects.length });
    // The main thread takes the objects in slices, so it answers other requests between them.
    for (let i = 0; i < objects.length; i += OBJECTS_PER_MESSAGE) send({ id, kind: 'objects', objects: objects.slice(i, i + OBJECTS_PER_MESSAGE) });
    send({ id, kind: 'done' });
  } catch (err) {
    send({ id, kind: 'error', error: serializeError(err) });
  }
}

async function stream(id: number, body: Buffer, req: ParseRequest & { format: IngestFormat }, sliceObjects: number): Promise<void> {
  unacked = 0;
  try {
    const slices = runParseStream(body, req, sliceObjects, validator);
    for (let r = slices.next(); ; r = slices.next()) {
      if (r.done) {
        send({ id, kind: 'head', result: r.value, total: 0 });
        send({ id, kind: 'done' });
        return;
      }
      send({ id, kind: 'slice', slice: r.value });
      unacked++;
      while (unacked >= STREAM_WINDOW) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } catch (err) {
    send({ id, kind: 'error', error: serializeError(err) });
  }
}
