import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { gzipOfZeros } from '../support/gzip-bomb.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { call, memberOf, serveHub, type ServedHub } from '../support/serve.ts';

// Issue 10.5: one member's heavy ingest must not stall the hub. The hub runs as its own process;
// probes from this one poll /healthz, a lookup (in-memory index) and an object list (database) as
// another member while the ingest runs, each with a generous timeout. The test counts probe answers
// that started and ended inside the ingest's window: a hub whose event loop is held answers none
// there (its probes are answered, if at all, once the ingest is over). No wall-clock threshold.
// PGlite is one database session: while an ingest's transaction writes, requests that need the
// database (an object list; a key whose cache entry expired) wait for its commit. There only the
// requests that do not need it are held to answering inside the window during a long write.

const PROBE_TIMEOUT_MS = 30_000;
const PROBE_PAUSE_MS = 50;
const MIB = 1024 * 1024;

interface ProbeAnswer {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly status: number | string;
}

/** Polls each target in turn until stopped; every answer (or timeout) is recorded. */
function startProbes(hub: ServedHub, key: string): { stop(): Promise<ProbeAnswer[]> } {
  const answers: ProbeAnswer[] = [];
  let stopped = false;
  const targets = [
    { name: 'healthz', url: '/healthz', init: {} },
    { name: 'lookup', url: '/api/v1/lookup', init: { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ values: ['198.51.100.7', 'login-sakura.example'] }) } },
    { name: 'objects', url: '/api/v1/objects?limit=1', init: { headers: { authorization: `Bearer ${key}` } } },
  ];
  const loops = targets.map(async (t) => {
    while (!stopped) {
      const start = performance.now();
      let status: number | string;
      try {
        const res = await fetch(hub.base + t.url, { ...t.init, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        await res.arrayBuffer();
        status = res.status;
      } catch (err) {
        status = (err as Error).name;
      }
      answers.push({ name: t.name, start, end: performance.now(), status });
      await new Promise((r) => setTimeout(r, PROBE_PAUSE_MS));
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return answers;
    },
  };
}

/** Runs an ingest (following its job to the end) while probing; answers its outcome and the probes inside its window. */
async function probeDuring(hub: ServedHub, ingestKey: string, readerKey: string, qs: string, body: Buffer, type: string): Promise<{ status: number; final: { status?: string; error?: { message: string } }; during: Map<string, ProbeAnswer[]>; all: ProbeAnswer[] }> {
  const probes = startProbes(hub, readerKey);
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  const res = await fetch(`${hub.base}/api/v1/ingest?${qs}`, { method: 'POST', headers: { authorization: `Bearer ${ingestKey}`, 'content-type': type }, body });
  let final = (await res.json()) as { id?: string; status?: string; error?: { message: string } };
  while (final.status === 'pending' || final.status === 'running') {
    await new Promise((r) => setTimeout(r, 200));
    final = (await call(hub, ingestKey, 'GET', `/api/v1/ingests/${final.id}`)).json;
  }
  const t1 = performance.now();
  const all = await probes.stop();
  const during = new Map<string, ProbeAnswer[]>();
  for (const a of all) if (a.start >= t0 && a.end <= t1) during.set(a.name, [...(during.get(a.name) ?? []), a]);
  const counts = Object.fromEntries([...during].map(([k, v]) => [k, v.length]));
  const slowest = Object.fromEntries(['healthz', 'lookup', 'objects'].map((n) => [n, Math.round(Math.max(0, ...all.filter((a) => a.name === n).map((a) => a.end - a.start)))]));
  console.log(`no-stall probe: ${qs} ${(body.length / MIB).toFixed(1)} MiB → ${res.status}/${final.status ?? final.error?.message?.slice(0, 60)}; window ${Math.round(t1 - t0)} ms; answers inside ${JSON.stringify(counts)}; slowest ms ${JSON.stringify(slowest)}`);
  return { status: res.status, final, during, all };
}

/** A STIX bundle of indicators and observables for real scanner addresses (IPsum), else generated ones. */
function realishBundle(n: number): Buffer {
  const ips = hasSharedData()
    ? readFileSync(sharedData('feeds/ipsum/ipsum.txt'), 'utf8')
        .split('\n')
        .filter((l) => /^\d/.test(l))
        .map((l) => l.split(/\s+/)[0]!)
        .slice(0, n)
    : Array.from({ length: n }, (_, i) => `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`);
  const now = '2026-11-01T00:00:00.000Z';
  const objects = ips.flatMap((ip) => [
    { type: 'indicator', spec_version: '2.1', id: `indicator--${crypto.randomUUID()}`, created: now, modified: now, name: `scanner ${ip}`, pattern: `[ipv4-addr:value = '${ip}']`, pattern_type: 'stix', valid_from: now, labels: ['scanner'] },
    { type: 'ipv4-addr', spec_version: '2.1', id: `ipv4-addr--${crypto.randomUUID()}`, value: ip },
  ]);
  return Buffer.from(JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects }));
}

describeStorage('one member cannot stall the hub (a served hub, probed from outside)', (backend) => {
  let hub: ServedHub;
  let heavy: { key: string };
  let reader: { key: string };
  beforeAll(async () => {
    hub = await serveHub(backend, { KESSETSU_PARSE_WORKERS: '1' });
    heavy = await memberOf(hub, 'Momiji Bank');
    reader = await memberOf(hub, 'Sakura Bank');
    // Something for the reader to read.
    await fetch(`${hub.base}/api/v1/ingest?format=text&tlp=green`, { method: 'POST', headers: { authorization: `Bearer ${heavy.key}`, 'content-type': 'text/plain' }, body: 'C2 at 198.51.100.7 and hxxp://login-sakura[.]example/verify' });
  });
  afterAll(() => hub?.stop());

  const expectAnswered = (all: ProbeAnswer[], names = ['healthz', 'lookup', 'objects']) => {
    expect(all.filter((a) => names.includes(a.name) && a.status !== 200)).toEqual([]);
    expect(new Set(all.map((a) => a.name))).toEqual(new Set(['healthz', 'lookup', 'objects']));
  };

  it('a large real-ish STIX bundle (scanner addresses, indicators and observables)', { timeout: 600_000 }, async () => {
    // 2,500 addresses (5,000 objects, ~1.1 MiB): an ingest of seconds on either backend, long enough for a
    // held event loop to show as probes unanswered inside its window (probes pause 50 ms: a free event loop
    // answers dozens there; 6,000 addresses gave a 4 s window on PostgreSQL, 18 s on PGlite at load 6; was
    // 20,000, then 6,000: test speed, issue 11.7).
    const body = realishBundle(2_500);
    const r = await probeDuring(hub, heavy.key, reader.key, 'format=stix&tlp=green', body, 'application/json');
    expect([r.status, r.final.status]).toEqual([200, 'done']);
    const inside = (name: string) => r.during.get(name)?.length ?? 0;
    if (backend.name === 'postgres') {
      expectAnswered(r.all);
      expect([inside('healthz'), inside('lookup'), inside('objects')].every((n) => n >= 3)).toBe(true);
    } else {
      // One session, held by the write (see above): database reads answer after its commit.
      expectAnswered(r.all, ['healthz']);
      expect(inside('healthz')).toBeGreaterThanOrEqual(3);
    }
  });

  it('a gzip bomb (under 1 MiB inflating to 450 MiB) is refused as such, probes answered throughout', { timeout: 600_000 }, async () => {
    const bomb = await gzipOfZeros(450 * MIB);
    expect(bomb.length).toBeLessThan(MIB);
    const r = await probeDuring(hub, heavy.key, reader.key, 'format=text', bomb, 'application/gzip');
    expect(r.status).toBe(413);
    expect(r.final.error?.message).toMatch(/compression bomb \(KESSETSU_INFLATE_RATIO\)/);
    expectAnswered(r.all);
  });

  // Three times the 10 MiB over which an ingest becomes a job: parsed in a worker thread, never on the event loop
  // (issue 10.5 measured a 100 MB body stalling the hub 27 s; a body parsed on the loop stalls it in proportion,
  // so 32 MiB shows the same stall at a third of the cost: test speed, issue 11.7).
  it('a 32 MiB body is taken as a job and parsed off the event loop', { timeout: 600_000 }, async () => {
    const body = Buffer.alloc(32 * MIB, 'a');
    body.write(' C2 203.0.113.99 seen \n', 16 * MIB);
    const r = await probeDuring(hub, heavy.key, reader.key, 'format=text&tlp=green', body, 'text/plain');
    expect([r.status, r.final.status]).toEqual([202, 'done']);
    expectAnswered(r.all);
    expect(r.during.get('healthz')?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(r.during.get('lookup')?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(r.during.get('objects')?.length ?? 0).toBeGreaterThanOrEqual(3);
  });
});
