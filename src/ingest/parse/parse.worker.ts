// A parse worker: parses and validates ingest bodies off the main thread (issue 10.5), so one
// member's large or hostile file never holds up health checks and other members' reads.
import { parentPort, workerData } from 'node:worker_threads';
import { createStixValidator } from '../../stix/stix.validator.ts';
import { runParse, serializeError, type ParseRequest } from './parse.task.ts';
import type { WorkerReply, WorkerTask } from './parse.pool.ts';

const OBJECTS_PER_MESSAGE = 1000;
const validator = createStixValidator((workerData as { schemaDir?: string } | null)?.schemaDir);
const port = parentPort!;

port.on('message', (task: WorkerTask) => {
  void handle(task.id, Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength), task.req);
});
port.postMessage({ id: 0, kind: 'ready' } satisfies WorkerReply);

async function handle(id: number, body: Buffer, req: ParseRequest): Promise<void> {
  const send = (m: WorkerReply): void => port.postMessage(m);
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
