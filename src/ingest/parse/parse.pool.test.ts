import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import { createStixValidator } from '../../stix/stix.validator.ts';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { NO_LIMITS, type ObjectLimits } from '../ingest.limits.ts';
import { ParsePool } from './parse.pool.ts';
import { runParse, type ParseHead } from './parse.task.ts';
import type { StixObject } from '../../stix/stix.types.ts';

const schemaDir = hasSharedData() ? sharedData('stix/schemas') : undefined;
const validator = createStixValidator(schemaDir);
const LIMITS: ObjectLimits = { maxObjectBytes: 1024 * 1024, maxObjects: 1_000_000, maxLines: 2_000_000 };
const now = '2026-11-01T00:00:00.000Z';

function bundle(objects: unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects }));
}
function indicator(i: number): Record<string, unknown> {
  return { type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, pattern: `[ipv4-addr:value = '198.51.100.${i % 250}']`, pattern_type: 'stix', valid_from: now };
}

describe('parse pool: bodies parsed on worker threads', () => {
  const pools: ParsePool[] = [];
  const pool = (over: Partial<ConstructorParameters<typeof ParsePool>[0]> = {}): ParsePool => {
    const p = new ParsePool({ size: 1, inlineBelow: 0, memoryMb: 512, timeoutMs: 120_000, schemaDir, ...over }, validator);
    pools.push(p);
    return p;
  };
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it.skipIf(!schemaDir)('answers the real MITRE ATT&CK for ICS bundle exactly as the main thread does', async () => {
    const file = sharedData('stix/mitre-attack/ics-attack-17.1.json');
    const inline = await runParse(readFileSync(file), { format: 'auto', lenient: false, limits: LIMITS }, validator);
    const p = pool();
    const viaWorker = await p.parse(readFileSync(file), { format: 'auto', lenient: false, limits: LIMITS });
    expect(viaWorker.objects.length).toBe(1651);
    expect(viaWorker).toEqual(inline);
    expect(p.stats.workers).toBe(1);
  });

  it.skipIf(process.platform !== 'linux')('parses on a thread of lower CPU priority than the main thread (Linux)', async () => {
    const lowered = Math.min(19, getPriority() + 10);
    // This process's worker threads at the lowered priority (other files' threads may share the process).
    const count = (): number =>
      readdirSync('/proc/self/task').filter((t) => {
        try {
          return readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'WorkerThread' && getPriority(Number(t)) === lowered;
        } catch {
          return false; // the thread has ended
        }
      }).length;
    const before = count();
    const p = pool();
    await p.parse(bundle([indicator(1)]), { format: 'stix', lenient: false, limits: NO_LIMITS });
    expect(p.stats.workers).toBe(1);
    expect(count()).toBe(before + 1);
  });

  it('gives the parser’s own error back (line and column of malformed JSON)', async () => {
    const body = Buffer.from('{"type": "bundle",\n "objects": [ {"type": "indicator",, } ]}' + ' '.repeat(100));
    const err = await pool()
      .parse(body, { format: 'stix', lenient: false, limits: NO_LIMITS })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(422);
    expect((err as AppError).message).toMatch(/line 2 column \d+/);
  });

  it('refuses an object over the size limit by index, id and size; lenient keeps the others', async () => {
    const big = { type: 'note', spec_version: '2.1', id: `note--${crypto.randomUUID()}`, created: now, modified: now, content: 'x'.repeat(2 * 1024 * 1024), object_refs: [`indicator--${crypto.randomUUID()}`] };
    const body = bundle([indicator(1), big, indicator(2)]);
    const p = pool();
    const strict = await p.parse(Buffer.from(body), { format: 'stix', lenient: false, limits: LIMITS });
    expect(strict.objects).toEqual([]);
    expect(strict.errors).toEqual([{ where: `objects[1] (${big.id})`, reason: expect.stringMatching(/^2\.0 MiB serialized, over the 1 MiB limit per object \(KESSETSU_MAX_OBJECT_BYTES\)$/) }]);
    const lenient = await p.parse(Buffer.from(body), { format: 'stix', lenient: true, limits: LIMITS });
    expect(lenient.objects.map((o) => o.type)).toEqual(['indicator', 'indicator']);
    expect(lenient.errors).toHaveLength(1);
  });

  it('refuses a file with too many objects or lines (413, naming the setting)', async () => {
    const p = pool();
    const many = await p.parse(bundle(Array.from({ length: 11 }, (_, i) => indicator(i))), { format: 'stix', lenient: false, limits: { ...LIMITS, maxObjects: 10 } }).catch((e: AppError) => e);
    expect([(many as AppError).status, (many as AppError).message]).toEqual([413, expect.stringContaining('KESSETSU_INGEST_MAX_OBJECTS')]);
    const lines = Buffer.from(Array.from({ length: 6 }, (_, i) => `phish at hxxp://login-${i}.example[.]com/`).join('\n'));
    const text = await p.parse(lines, { format: 'auto', lenient: false, limits: { ...LIMITS, maxLines: 5 } }).catch((e: AppError) => e);
    expect([(text as AppError).status, (text as AppError).message]).toEqual([413, expect.stringContaining('KESSETSU_INGEST_MAX_LINES')]);
  });

  it('a body that needs more memory than a worker has fails alone (413); the next one parses', async () => {
    const p = pool({ memoryMb: 32 });
    const huge = bundle(Array.from({ length: 80_000 }, (_, i) => indicator(i)));
    const err = await p.parse(huge, { format: 'stix', lenient: false, limits: NO_LIMITS }).catch((e: unknown) => e);
    expect((err as AppError).status).toBe(413);
    expect((err as AppError).message).toContain('KESSETSU_PARSE_WORKER_MEMORY_MB');
    const ok = await p.parse(bundle([indicator(1)]), { format: 'stix', lenient: false, limits: NO_LIMITS });
    expect(ok.objects).toHaveLength(1);
  });

  it('a parse running past its time is stopped (422, naming the setting)', async () => {
    const p = pool({ timeoutMs: 1 });
    const err = await p.parse(bundle(Array.from({ length: 20_000 }, (_, i) => indicator(i))), { format: 'stix', lenient: false, limits: NO_LIMITS }).catch((e: unknown) => e);
    expect((err as AppError).status).toBe(422);
    expect((err as AppError).message).toContain('KESSETSU_PARSE_TIMEOUT_SECONDS');
  });

  // A CSV file in slices (issue 17): the slices together are the whole parse; what comes at the end is the same.
  const csv = (late = ''): Buffer => Buffer.from(['value,comment', ...Array.from({ length: 3000 }, (_, i) => `s-${i}.example.org,row ${i}`), 'not a value!!,x', late, ''].join('\n'));
  const drain = async (slices: AsyncGenerator<{ objects: StixObject[] }, ParseHead>) => {
    const objects: StixObject[] = [];
    let n = 0;
    for (let r = await slices.next(); ; r = await slices.next()) {
      if (r.done) return { head: r.value, ids: objects.map((o) => o.id), n };
      n++;
      objects.push(...r.value.objects);
    }
  };

  it('gives a CSV file out in slices that make up the whole parse; strict, an object too large ends the slices', async () => {
    const p = pool();
    for (const [lenient, late, limits] of [[false, '', LIMITS], [false, `big.example.org,${'x'.repeat(4000)}`, { ...LIMITS, maxObjectBytes: 2000 }], [true, `big.example.org,${'x'.repeat(4000)}`, { ...LIMITS, maxObjectBytes: 2000 }]] as const) {
      const { objects, ...whole } = await runParse(csv(late), { format: 'csv', lenient, limits }, validator);
      const streamed = await drain(p.parseStream(csv(late), { format: 'csv', lenient, limits }, 500));
      expect(streamed.head).toEqual(whole);
      if (!lenient && late) {
        expect(whole.summary?.rejected_all).toBe(true);
        expect(streamed.n).toBeLessThan(20);
      } else {
        expect(streamed.ids).toEqual(objects.map((o) => o.id));
        expect(streamed.n).toBeGreaterThan(15);
      }
    }
  });

  it('a caller that stops taking slices stops the parse; the next body parses', async () => {
    const p = pool();
    const slices = p.parseStream(csv(), { format: 'csv', lenient: false, limits: LIMITS }, 100);
    expect((await slices.next()).done).toBe(false);
    await slices.return(undefined as never);
    expect(p.stats.busy).toBe(0);
    const next = await drain(p.parseStream(csv(), { format: 'csv', lenient: false, limits: LIMITS }, 100));
    expect(next.ids.length).toBe(9000);
  });

  it('a streamed parse waiting for its writer does not hold up another body', async () => {
    const p = pool();
    const slices = p.parseStream(csv(), { format: 'csv', lenient: false, limits: LIMITS }, 100);
    const first = await slices.next();
    if (first.done) throw new Error('no slice');
    // The worker is two slices ahead and waits; a STIX bundle gets a worker of its own meanwhile.
    await expect.poll(() => p.stats.workers === 1 && p.stats.busy === 1).toBe(true);
    const other = await p.parse(bundle([indicator(1), indicator(2)]), { format: 'stix', lenient: false, limits: LIMITS });
    expect(other.objects).toHaveLength(2);
    expect(p.stats.workers).toBe(2);
    expect((await drain(slices)).ids.length).toBe(9000 - first.value.objects.length);
  });
});
