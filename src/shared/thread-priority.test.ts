import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { lowerThreadPriority } from './thread-priority.ts';

const LINUX = process.platform === 'linux';

// A worker thread that lowers its own priority and says what it got, with its thread id.
async function lowered(step: number): Promise<{ nice: number | null; tid: number }> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const { readlinkSync } = require('node:fs');
     import(workerData.module).then((m) => {
       const nice = m.lowerThreadPriority(workerData.step);
       parentPort.postMessage({ nice, tid: Number(readlinkSync('/proc/thread-self').split('/').pop()) });
     });`,
    { eval: true, workerData: { module: new URL('./thread-priority.ts', import.meta.url).href, step } },
  );
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

describe('lowerThreadPriority', () => {
  it.skipIf(!LINUX)('lowers the calling thread alone, by the step, never past 19', async () => {
    const main = getPriority();
    const w = await lowered(10);
    expect(w.nice).toBe(Math.min(19, main + 10));
    // The main thread (the process's priority) is left as it was.
    expect(getPriority()).toBe(main);
    const capped = await lowered(40);
    expect(capped.nice).toBe(19);
  });

  it.skipIf(LINUX)('does nothing where threads have no nice value of their own', () => {
    expect(lowerThreadPriority(10)).toBeNull();
  });
});
