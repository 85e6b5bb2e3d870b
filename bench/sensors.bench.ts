// Sense (issue 14): event parsing in process (NDJSON lines/s, pcap packets/s, and NDJSON into the
// per-minute aggregates), then sustained ingest of batched NDJSON over real HTTP into one hub node
// with its memory sampled along the run. PostgreSQL when KESSETSU_BENCH_PG_URL is set, else PGlite.
// BENCH_RUNS (5) in-process runs; BENCH_SENSORS_SECONDS (300) of HTTP; BENCH_SENSORS_PART=parse|http.
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openPglite, openPostgres, type Storage } from '../src/db/database.ts';
import { buildServer } from '../src/http/server.ts';
import { bootstrap } from '../src/orgs/bootstrap.ts';
import { NdjsonEventReader, type EventSink } from '../src/sensors/events/ndjson.reader.ts';
import type { SensorEvent } from '../src/sensors/events/sensor-event.ts';
import { readPcap } from '../src/sensors/readers/pcap.reader.ts';
import { SensorIntake } from '../src/sensors/sensor.pipeline.ts';
import type { SensorRow } from '../src/sensors/sensors.tables.ts';
import { freshPgDatabase, median, report } from './support.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.BENCH_SENSORS_SECONDS ?? 300);
const PART = process.env.BENCH_SENSORS_PART ?? 'all';
const N = 1_000_000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// Deterministic pseudo-random numbers, so every run reads the same data.
let seed = 42;
function rnd(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
}
const PORTS = [23, 23, 23, 2323, 22, 22, 80, 443, 445, 3389, 8080, 5555, 37215, 52869, 6379, 1433];

function ndjson(lines: number, now: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    const s = rnd(1_000_000);
    // In time order over the last hour, as a sensor sends them.
    const t = new Date(now - 3_600_000 + Math.floor((i * 3_600_000) / lines)).toISOString();
    parts.push(`{"time":"${t}","src_ip":"${(s % 200) + 20}.${(s >> 8) & 255}.${(s >> 16) & 255}.${(s * 7) & 255}","src_port":${1024 + rnd(60000)},"dst_ip":"203.0.113.${rnd(256)}","dst_port":${PORTS[rnd(PORTS.length)]},"protocol":"tcp","tcp_flags":2,"size":${40 + rnd(40)}}\n`);
  }
  return Buffer.from(parts.join(''), 'latin1');
}

// A classic pcap (Ethernet, IPv4, TCP SYN of 54 bytes) written byte by byte, independent of the reader.
function pcap(packets: number, now: number): Buffer {
  const frame = 54;
  const b = Buffer.alloc(24 + packets * (16 + frame));
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(65535, 16);
  b.writeUInt32LE(1, 20);
  let at = 24;
  for (let i = 0; i < packets; i++) {
    const t = now / 1000 - 3600 + i / 1000;
    b.writeUInt32LE(Math.floor(t), at);
    b.writeUInt32LE(Math.floor((t % 1) * 1e6), at + 4);
    b.writeUInt32LE(frame, at + 8);
    b.writeUInt32LE(60, at + 12);
    const f = at + 16;
    b[f + 12] = 0x08; // IPv4
    const ip = f + 14;
    b[ip] = 0x45;
    b.writeUInt16BE(40, ip + 2);
    b[ip + 8] = 64;
    b[ip + 9] = 6;
    b.writeUInt32BE((((rnd(200) + 20) << 24) | rnd(1 << 24)) >>> 0, ip + 12);
    b.writeUInt32BE((0xcb007100 | rnd(256)) >>> 0, ip + 16);
    const tcp = ip + 20;
    b.writeUInt16BE(1024 + rnd(60000), tcp);
    b.writeUInt16BE(PORTS[rnd(PORTS.length)]!, tcp + 2);
    b[tcp + 12] = 5 << 4;
    b[tcp + 13] = 2;
    at += 16 + frame;
  }
  return b;
}

function counting(): EventSink & { events: number; errors: number; ports: number } {
  return {
    events: 0,
    errors: 0,
    ports: 0,
    event(e: SensorEvent) {
      this.events++;
      this.ports += e.dstPort; // reads a field, so the work is not optimised away
    },
    error() {
      this.errors++;
    },
  };
}

/** Wall-clock and CPU-time rates of a run: on a machine shared with other work the CPU time of this process is the fairer figure. */
interface Rates {
  readonly wall: number;
  readonly cpu: number;
}

function timed<T>(count: number, f: () => T): { value: T; rates: Rates } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const value = f();
  const c = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return { value, rates: { wall: count / wall, cpu: count / ((c.user + c.system) / 1e6) } };
}

function medians(rs: readonly Rates[]): Rates {
  return { wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)) };
}

function figure(r: Rates, unit: string): string {
  return `${fmt(r.cpu)} ${unit}/s per CPU second (wall clock ${fmt(r.wall)}/s) median of ${RUNS}`;
}

function rate(label: string, runs: number, count: number, once: () => number): Rates {
  const rates: Rates[] = [];
  for (let i = 0; i < runs; i++) {
    const { value: n, rates: r } = timed(count, once);
    if (n !== count) throw new Error(`${label}: ${n} of ${count} read`);
    rates.push(r);
    console.error(`${label} run ${i + 1}: ${fmt(r.cpu)}/s per CPU second, ${fmt(r.wall)}/s wall`);
  }
  return medians(rates);
}

async function parsing(): Promise<void> {
  const now = Date.now();
  const lines = ndjson(N, now);
  const nd = rate('NDJSON', RUNS, N, () => {
    const sink = counting();
    const r = new NdjsonEventReader();
    let at = { pos: 0, line: 0 };
    while (at.pos < lines.length) at = r.read(lines, at.pos, at.line, 20_000, sink);
    return sink.events;
  });
  report({ bench: 'sensor NDJSON parsing (in process)', figure: figure(nd, 'events'), target: '≥ 1,000,000 events/s', data: `${fmt(N)} flat lines, ${(lines.length / 1e6).toFixed(0)} MB, 1,000,000-address source pool`, command: 'npm run bench -- sensors' });

  // The whole intake of a batch: clock window, per-minute buckets (ports, protocols, top sources, distinct sources).
  const sensor = { id: '00000000-0000-4000-8000-000000000001', rate_limit: null } as unknown as SensorRow;
  const intakeRates: Rates[] = [];
  for (let i = 0; i < RUNS; i++) {
    const intake = new SensorIntake({ sliceLines: 1_000_000, maxBody: 1 << 30 });
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const r = await intake.accept(sensor, lines);
    const c = process.cpuUsage(c0);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.accepted !== N) throw new Error(`intake: ${r.accepted} of ${N} (${JSON.stringify(r.errors.slice(0, 2))})`);
    intakeRates.push({ wall: N / s, cpu: N / ((c.user + c.system) / 1e6) });
    console.error(`NDJSON into minute buckets run ${i + 1}: ${fmt(intakeRates.at(-1)!.cpu)}/s per CPU second, ${fmt(N / s)}/s wall (${intake.aggregator.openBuckets} open minutes)`);
  }
  report({ bench: 'sensor NDJSON into per-minute aggregates (in process)', figure: figure(medians(intakeRates), 'events'), target: '— (HTTP target 300,000)', data: `${fmt(N)} lines over 60 minutes of one sensor`, command: 'npm run bench -- sensors' });

  const cap = pcap(N, now);
  const pc = rate('pcap', RUNS, N, () => {
    const sink = counting();
    const summary = readPcap(cap, sink);
    return summary.ipPackets === sink.events ? sink.events : -1;
  });
  report({ bench: 'sensor pcap parsing (in process)', figure: figure(pc, 'packets'), target: '≥ 2,000,000 packets/s', data: `${fmt(N)} Ethernet/IPv4/TCP frames, ${(cap.length / 1e6).toFixed(0)} MB`, command: 'npm run bench -- sensors' });

  const real = path.resolve(import.meta.dirname, '../../shared/data/sensor/pcaps/pkt.TCP.synflood.spoofed.pcap');
  let data: Buffer | null = null;
  try {
    data = readFileSync(real);
  } catch {
    console.error('sensors bench: ../shared/data/sensor absent, the real-capture row is skipped');
  }
  if (data) {
    const packets = readPcap(data, counting()).ipPackets;
    const copies = Math.ceil(N / packets);
    const rr = rate('pcap (real SYN flood)', RUNS, packets * copies, () => {
      const sink = counting();
      for (let i = 0; i < copies; i++) readPcap(data, sink);
      return sink.events;
    });
    report({ bench: 'sensor pcap parsing, real capture (in process)', figure: figure(rr, 'packets'), target: '≥ 2,000,000 packets/s', data: `pkt.TCP.synflood.spoofed.pcap (${fmt(packets)} packets) read ${copies} times`, command: 'npm run bench -- sensors' });
  }
}

async function overHttp(storage: Storage, label: string): Promise<void> {
  const config = loadConfig({ KESSETSU_RATE_LIMIT: '100000000', KESSETSU_LOG_LEVEL: 'warn' }, { dataDir: '/nonexistent' });
  const app = await createApp(config, { storage });
  const first = await bootstrap(storage.db, app.orgs, undefined);
  const server = await buildServer(app, { logger: false });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const SENSORS = 4;
  const LINES = 20_000;
  const pairs: string[] = [];
  for (let i = 0; i < SENSORS; i++) {
    const r = await server.inject({ method: 'POST', url: '/api/v1/sensors', headers: { authorization: `Bearer ${first!.key}` }, payload: { label: `bench telescope ${i}`, kind: 'telescope', address_space: [`203.0.${113 + i}.0/24`] } });
    if (r.statusCode !== 201) throw new Error(`register: ${r.statusCode} ${r.body}`);
    pairs.push(`${r.json().id}:${r.json().key}`);
  }
  // Memory every 5 s: the first minute is the warm-up (buckets fill, JIT, partitions), the rest should stay flat.
  const samples: { t: number; rss: number; heap: number }[] = [];
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  // How long the hub's event loop was held at once (a batch slice, a minute's flush and detection).
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    samples.push({ t: (Date.now() - t0) / 1000, rss: m.rss, heap: m.heapUsed });
  }, 5_000);
  const load = path.join(import.meta.dirname, 'sensors.load.ts');
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [load, address, String(SECONDS), String(LINES), ...pairs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  clearInterval(timer);
  loop.disable();
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as { accepted: number; batches: number; refused: number; elapsed: number; cpu: number };
  const perSecond = r.accepted / r.elapsed;
  const after = samples.filter((s) => s.t >= 60);
  const mib = (b: number) => Math.round(b / 1024 / 1024);
  const rss = after.map((s) => s.rss);
  const heap = after.map((s) => s.heap);
  const memory = after.length
    ? `RSS after the first minute ${mib(Math.min(...rss))}–${mib(Math.max(...rss))} MiB (at 1 min ${mib(after[0]!.rss)}, at end ${mib(after.at(-1)!.rss)}), JS heap ${mib(Math.min(...heap))}–${mib(Math.max(...heap))} MiB`
    : `run shorter than a minute: RSS at end ${mib(samples.at(-1)?.rss ?? 0)} MiB`;
  const perCpu = r.accepted / cpuSeconds;
  const ms = (ns: number) => (ns / 1e6).toFixed(0);
  const stalls = `event loop delay p99 ${ms(loop.percentile(99))} ms, max ${ms(loop.max)} ms`;
  const gen = `load generator ${r.cpu.toFixed(0)} CPU s (${fmt(r.accepted / r.cpu)} events per generator CPU second)`;
  const loadAvg = `load average ${os.loadavg()[0]!.toFixed(1)} at end`;
  console.error(`HTTP ${label}: ${fmt(perSecond)} events/s, ${fmt(perCpu)} per hub CPU second (${cpuSeconds.toFixed(0)} CPU s in ${r.elapsed.toFixed(0)} s), ${r.batches} batches, ${r.refused} refused; ${gen}; ${stalls}; ${loadAvg}; ${memory}`);
  for (const s of samples) console.error(`  ${s.t.toFixed(0)} s: rss ${mib(s.rss)} MiB, heap ${mib(s.heap)} MiB`);
  report({
    bench: `sensor events over HTTP, sustained (${label})`,
    figure: `${fmt(perSecond)} events/s wall clock over ${Math.round(r.elapsed)} s, ${fmt(perCpu)} events per CPU second of the hub process (${Math.round(cpuSeconds)} CPU s) (${fmt(r.accepted)} events, ${r.batches} batches, ${r.refused} refused); ${gen}; ${stalls}; ${loadAvg}; ${memory}`,
    target: '≥ 300,000 events/s, memory flat over 5 min',
    data: `${SENSORS} sensors × 1 keep-alive connection, ${fmt(LINES)} NDJSON lines (~3 MB) per batch, load generator in a second process`,
    command: 'BENCH_SENSORS_PART=http npm run bench -- sensors',
  });
  await server.close();
  await app.close();
}

if (PART === 'all' || PART === 'parse') await parsing();
if (PART === 'all' || PART === 'http') {
  if (process.env.KESSETSU_BENCH_PG_URL) await overHttp(await openPostgres(await freshPgDatabase(process.env.KESSETSU_BENCH_PG_URL, 'kessetsu_bench_sensors')), 'PostgreSQL');
  else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-bench-'));
    await overHttp(await openPglite(dir), 'PGlite');
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exit(0);
