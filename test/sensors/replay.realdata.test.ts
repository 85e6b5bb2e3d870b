import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { replay, type BatchPoster } from '../../src/sensors/replay/replay.runner.ts';
import { hasTshark, tsharkFields } from './tshark.ts';
import { registerSensor, startSensorHub, type TestSensor } from './support.ts';

// The "done when" of issue 14: the real captures and honeypot logs replay over HTTP into aggregates
// that agree with counts made without Kessetsu's readers: tshark for the captures, plain JSON.parse
// of each log line for Cowrie and Dionaea, and a few lines reading APNIC's delegation file for countries.
const MIN = 60_000;
const run = hasSharedData() && hasTshark();

/** Independent counts of a replayed file: per minute (of the file's own times) and over all of it. */
interface Expected {
  readonly perMinute: Map<number, { packets: number; sources: Set<string> }>;
  readonly ports: Map<string, number>;
  readonly protos: Map<string, number>;
  readonly sources: Map<string, number>;
  readonly usernames?: Map<string, number>;
  readonly passwords?: Map<string, number>;
}

function tally(rows: { time: number; src: string; port: string | null; proto: string }[], extra: Partial<Expected> = {}): Expected {
  const e: Expected = { perMinute: new Map(), ports: new Map(), protos: new Map(), sources: new Map(), ...extra };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const r of rows) {
    const minute = Math.floor(r.time / MIN) * MIN;
    const pm = e.perMinute.get(minute) ?? { packets: 0, sources: new Set<string>() };
    pm.packets++;
    pm.sources.add(r.src);
    e.perMinute.set(minute, pm);
    if (r.port !== null) bump(e.ports, r.port);
    bump(e.protos, r.proto);
    bump(e.sources, r.src);
  }
  return e;
}

const PROTO = new Map([['1', 'icmp'], ['6', 'tcp'], ['17', 'udp']]);

function fromTshark(file: string): Expected {
  const rows = tsharkFields(file, ['frame.time_epoch', 'ip.src', 'ip.proto', 'tcp.dstport', 'udp.dstport'], 'ip').map(([t, src, proto, tport, uport]) => ({
    time: Math.floor(Number(t) * 1000),
    src: src!,
    // The outer header's protocol decides: ports inside an ICMP error's quoted header are not a destination.
    port: proto === '6' ? `tcp/${tport}` : proto === '17' ? `udp/${uport}` : null,
    proto: PROTO.get(proto!) ?? proto!,
  }));
  return tally(rows);
}

function jsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function fromCowrie(file: string): Expected {
  const all = jsonLines(file);
  const connects = all.filter((o) => o.eventid === 'cowrie.session.connect');
  const count = (key: string) => {
    const m = new Map<string, number>();
    for (const o of all) if (o.eventid === 'cowrie.login.failed' || o.eventid === 'cowrie.login.success') m.set(String(o[key]), (m.get(String(o[key])) ?? 0) + 1);
    return m;
  };
  return tally(connects.map((o) => ({ time: Date.parse(String(o.timestamp)), src: String(o.src_ip), port: `tcp/${String(o.dst_port)}`, proto: 'tcp' })), { usernames: count('username'), passwords: count('password') });
}

function fromDionaea(file: string): Expected {
  return tally(
    jsonLines(file).map((o) => ({
      time: Date.parse(String((o.timestamp as { $date: string }).$date).replace(/\+0000$/, 'Z')),
      src: String(o.source_ip),
      port: `${/^(sip|rtp)/i.test(String(o.protocol)) ? 'udp' : 'tcp'}/${String(o.destination_port)}`,
      proto: /^(sip|rtp)/i.test(String(o.protocol)) ? 'udp' : 'tcp',
    })),
  );
}

// APNIC's delegations read with a few lines of their own (registry|cc|ipv4|start|count|date|status).
function apnicCountry(): (ip: string) => string {
  const ranges: [number, number, string][] = [];
  const n = (ip: string) => ip.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  for (const line of readFileSync(sharedData('enrichment', 'delegated-apnic-2026-05-14.txt'), 'utf8').split('\n')) {
    const f = line.split('|');
    if (f[2] !== 'ipv4' || f[1] === '*' || !f[3] || !/^[A-Z]{2}$/.test(f[1]!)) continue;
    ranges.push([n(f[3]), n(f[3]) + Number(f[4]) - 1, f[1]!]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  return (ip) => {
    const v = n(ip);
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid]![0] > v) hi = mid - 1;
      else if (ranges[mid]![1] < v) lo = mid + 1;
      else return ranges[mid]![2];
    }
    return '??';
  };
}

// A minute keeps its 1,000 busiest ports (ties by key): masscan's 1,001 ports lose the last one.
function top1000(m: Map<string, number>): Map<string, number> {
  return new Map([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 1000));
}

function asMap(list: { key: string; count: number }[]): Map<string, number> {
  return new Map(list.map((x) => [x.key, x.count]));
}

/** A value made on first use and kept. */
function once<T>(make: () => T): () => T {
  let v: { value: T } | undefined;
  return () => (v ??= { value: make() }).value;
}

// The independent counts are made once for both backends (tshark's dissection and the logs' JSON.parse are the
// same whichever database the replay goes to: test speed, issue 11.7).
const cases: [string, string, () => Expected, number][] = [
  ['masscan', sharedData('sensor', 'pcaps', 'tcp_0_1000_20190821.pcap'), once(() => fromTshark(sharedData('sensor', 'pcaps', 'tcp_0_1000_20190821.pcap'))), 1005],
  ['nmap', sharedData('sensor', 'pcaps', 'nmap_80_all.pcap'), once(() => fromTshark(sharedData('sensor', 'pcaps', 'nmap_80_all.pcap'))), 431],
  ['SYN flood', sharedData('sensor', 'pcaps', 'pkt.TCP.synflood.spoofed.pcap'), once(() => fromTshark(sharedData('sensor', 'pcaps', 'pkt.TCP.synflood.spoofed.pcap'))), 37841],
  ['Cowrie', sharedData('sensor', 'cowrie', 'cowrie.json.2018-05-15'), once(() => fromCowrie(sharedData('sensor', 'cowrie', 'cowrie.json.2018-05-15'))), 1123],
  ['Dionaea', sharedData('sensor', 'dionaea', 'dionaea-2018.json'), once(() => fromDionaea(sharedData('sensor', 'dionaea', 'dionaea-2018.json'))), 2030],
];
const countryOf = once(apnicCountry);

describeStorage('real captures and honeypot logs replayed over HTTP: aggregates against independent counts', (backend) => {
  let hub: TestHub;
  let owner: TestMember;
  const country = (ip: string): string => countryOf()(ip);

  beforeAll(async () => {
    if (!run) return;
    hub = await startSensorHub(backend);
    owner = await makeMember(hub, { name: 'National Telescope', sector: 'telecom' });
    const imported = await hub.app.analysis.enrichment.importFiles([sharedData('enrichment', 'delegated-apnic-2026-05-14.txt')]);
    expect(imported[0]!.error).toBeNull();
  }, 300_000);
  afterAll(async () => hub?.close());

  const poster = (sensor: TestSensor): BatchPoster => async (body) => {
    const res = await hub.server.inject({ method: 'POST', url: `/api/v1/sensors/${sensor.id}/events`, headers: { authorization: `Bearer ${sensor.key}` }, payload: body });
    return { status: res.statusCode, body: res.json() };
  };

  for (const [name, file, expectedOf, lines] of cases) {
    it.skipIf(!run)(`${name}: every event taken, per-minute packets and distinct sources, ports, protocols, sources, countries, roll-ups`, async () => {
      const sensor = await registerSensor(hub, owner.key, { label: name, kind: name === 'Cowrie' || name === 'Dionaea' ? 'honeypot' : 'telescope' });
      const totals = await replay(file, poster(sensor), { batch: 4000 });
      expect(totals.errors).toEqual([]);
      expect(totals.accepted).toBe(lines);
      await hub.app.sensors.flushNow();
      const exp = expectedOf();
      const minutes = [...exp.perMinute.keys()].sort((a, b) => a - b);
      const from = new Date(minutes[0]! + totals.shift).toISOString();
      const to = new Date(minutes.at(-1)! + totals.shift + MIN).toISOString();
      const stats = (await hub.server.inject({ method: 'GET', url: `/api/v1/sensors/${sensor.id}/stats?from=${from}&to=${to}&resolution=minute&top=1000`, headers: as(owner.key) })).json();
      const packets = [...exp.perMinute.values()].reduce((a, b) => a + b.packets, 0);
      expect(stats.totals.packets).toBe(packets);
      // Every minute: packets and distinct sources exactly as counted independently.
      const got = new Map(stats.series.filter((s: { packets: number }) => s.packets > 0).map((s: { time: string; packets: number; unique_sources: number }) => [Date.parse(s.time) - totals.shift, [s.packets, s.unique_sources]]));
      expect(got).toEqual(new Map(minutes.map((m) => [m, [exp.perMinute.get(m)!.packets, exp.perMinute.get(m)!.sources.size]])));
      expect(asMap(stats.top.ports)).toEqual(top1000(exp.ports));
      expect(asMap(stats.top.protocols)).toEqual(exp.protos);
      // Top sources: the counts of the busiest ten (ties among equals may order differently).
      expect(stats.top.sources.slice(0, 10).map((s: { count: number }) => s.count)).toEqual([...exp.sources.values()].sort((a, b) => b - a).slice(0, 10));
      for (const s of stats.top.sources.slice(0, 10)) expect(exp.sources.get(s.key)).toBe(s.count);
      if (exp.usernames) {
        expect(asMap(stats.top.usernames)).toEqual(exp.usernames);
        expect(asMap(stats.top.passwords)).toEqual(exp.passwords);
      }
      // Countries: sums over minutes of each source's APNIC country (minutes are summed by key).
      const byCountry = new Map<string, number>();
      for (const [src, n] of exp.sources) byCountry.set(country(src), (byCountry.get(country(src)) ?? 0) + n);
      expect(asMap(stats.top.countries)).toEqual(new Map([...byCountry].sort((a, b) => b[1] - a[1]).slice(0, 1000)));
      // Hours and days are the minutes rolled up.
      const hours = (await hub.server.inject({ method: 'GET', url: `/api/v1/sensors/${sensor.id}/stats?from=${from}&to=${to}&resolution=hour&top=1000`, headers: as(owner.key) })).json();
      const days = (await hub.server.inject({ method: 'GET', url: `/api/v1/sensors/${sensor.id}/stats?from=${from}&to=${to}&resolution=day&top=1000`, headers: as(owner.key) })).json();
      for (const r of [hours, days]) {
        expect(r.totals.packets).toBe(packets);
        expect(asMap(r.top.ports)).toEqual(top1000(exp.ports));
      }
      const distinct = exp.sources.size;
      if (distinct <= 4096) expect(days.totals).toMatchObject({ unique_sources: distinct, approximate: false });
      else expect(Math.abs(days.totals.unique_sources - distinct) / distinct).toBeLessThan(0.03);
    }, 600_000);
  }
});
