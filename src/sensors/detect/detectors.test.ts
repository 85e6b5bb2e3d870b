import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../../../test/support/shared-data.ts';
import { MinuteBucket } from '../aggregate/minute.bucket.ts';
import { newEvent, resetEvent, PROTO, TCP, type SensorEvent } from '../events/sensor-event.ts';
import { ipv4OfBytes } from '../events/event-fields.ts';
import { readPcap } from '../readers/pcap.reader.ts';
import { Detectors, type Detection } from './detectors.ts';

// Known-answer scenarios: seeded traffic in which the right answer is known, detections compared whole.
const S = '00000000-0000-4000-8000-000000000001';
const T0 = Date.UTC(2026, 11, 4, 0, 0);
const MIN = 60_000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function poisson(r: () => number, mean: number): number {
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  const u = r();
  while (u > cdf && k < 10_000) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

function ip(text: string): number {
  return ipv4OfBytes(Buffer.from(text), 0, text.length);
}

const e: SensorEvent = newEvent();
// Background sources touching a few telescope addresses are scanners too; these scenarios are about trends.
const trend = (d: Detection): boolean => d.kind === 'port_surge' || d.kind === 'port_emerging';
function syn(b: MinuteBucket, src: number, dst: number, dport: number, t: number): void {
  resetEvent(e);
  e.time = t;
  e.src4 = src >>> 0;
  e.dst4 = dst >>> 0;
  e.srcPort = 40000;
  e.dstPort = dport;
  e.proto = PROTO.tcp;
  e.flags = TCP.SYN;
  e.size = 60;
  b.add(e);
}

/** A minute of background traffic: sources from a pool hitting the busy ports of a /24 telescope. */
function background(r: () => number, minute: number, means: Readonly<Record<number, number>>): MinuteBucket {
  const b = new MinuteBucket(S, minute, false);
  for (const [port, mean] of Object.entries(means)) {
    const n = poisson(r, mean);
    for (let i = 0; i < n; i++) syn(b, ip('203.0.113.0') + Math.floor(r() * 200), ip('198.51.100.0') + Math.floor(r() * 256), Number(port), minute + i);
  }
  return b;
}

describe('detectors: known answers', () => {
  it('a surge on a port against its own baseline, and no alarm while the baseline only drifts', () => {
    const r = rng(7);
    const d = new Detectors();
    const found = [];
    for (let m = 0; m < 120; m++) {
      // tcp/80 doubles slowly over two hours: the baseline follows, no surge.
      found.push(...d.observe(background(r, T0 + m * MIN, { 445: 20, 22: 50, 80: 20 + m / 3 })).filter(trend));
    }
    expect(found).toEqual([]);
    const surge = background(r, T0 + 120 * MIN, { 445: 400, 22: 50, 80: 60 });
    const hits = d.observe(surge).filter(trend);
    expect(hits.map((h) => [h.kind, h.subject])).toEqual([['port_surge', 'tcp/445']]);
    expect(hits[0]!.details).toMatchObject({ port: 'tcp/445' });
    expect(hits[0]!.score).toBeGreaterThan(6);
    expect((hits[0]!.details as { baseline: number }).baseline).toBeGreaterThan(15);
    expect((hits[0]!.details as { baseline: number }).baseline).toBeLessThan(25);
    // The same surge a minute later is within the cool-down.
    expect(d.observe(background(r, T0 + 121 * MIN, { 445: 400, 22: 50 })).filter((h) => h.kind === 'port_surge')).toEqual([]);
  });

  it('no judgement before the warm-up, so a fresh hub does not call every port new', () => {
    const r = rng(3);
    const d = new Detectors({ warmupMinutes: 30 });
    const found = [];
    for (let m = 0; m < 29; m++) found.push(...d.observe(background(r, T0 + m * MIN, m === 10 ? { 445: 5000 } : { 445: 20 })));
    expect(found.filter((f) => f.kind === 'port_surge' || f.kind === 'port_emerging')).toEqual([]);
  });

  it('a Mirai-like botnet reaching telnet (23/2323) from many sources, with the real GreyNoise Mirai telnet addresses', () => {
    const bots = hasSharedData()
      ? readFileSync(sharedData('sensor', 'greynoise', '2025-07-10-ja4-mirai-telnet-ips_2025-07-10-ja4-mirai-telnet-ips.txt'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l)).map(ip)
      : Array.from({ length: 500 }, (_, i) => ip('192.0.2.0') + (i % 256) + 65536 * Math.floor(i / 256));
    expect(bots.length).toBeGreaterThan(400);
    const r = rng(11);
    const d = new Detectors();
    const found = [];
    for (let m = 0; m < 60; m++) {
      const b = background(r, T0 + m * MIN, { 445: 20, 22: 40, 80: 30 });
      // Now and then one stray telnet probe: a quiet port, not a silent one.
      if (m % 10 === 0) syn(b, ip('203.0.113.9'), ip('198.51.100.1'), 23, T0 + m * MIN);
      found.push(...d.observe(b).filter(trend));
    }
    expect(found).toEqual([]);
    const outbreak = background(r, T0 + 60 * MIN, { 445: 20, 22: 40, 80: 30 });
    bots.forEach((src, i) => syn(outbreak, src, ip('198.51.100.0') + (i % 256), i % 3 === 0 ? 2323 : 23, T0 + 60 * MIN + i));
    const hits = d.observe(outbreak).filter(trend);
    expect(hits.map((h) => [h.kind, h.subject]).sort()).toEqual([
      ['port_emerging', 'tcp/23'],
      ['port_emerging', 'tcp/2323'],
    ]);
    const telnet = hits.find((h) => h.subject === 'tcp/23')!;
    expect(telnet.details).toMatchObject({ sources: 64 });
    expect((telnet.details as { sample_sources: string[] }).sample_sources).toHaveLength(20);
  });

  it('DoS backscatter: the real spoofed SYN flood as a telescope sees the victim answer it, the victim inferred', () => {
    // The victim (10.10.10.10:25565) answers every spoofed SYN with a SYN-ACK to the spoofed source;
    // a telescope watching 2/256 of the address space receives the SYN-ACKs that land in it.
    const b = new MinuteBucket(S, T0, false);
    let inside = 0;
    const scanner = newEvent();
    if (hasSharedData()) {
      readPcap(readFileSync(sharedData('sensor', 'pcaps', 'pkt.TCP.synflood.spoofed.pcap')), {
        event: (p) => {
          if (p.src4 >>> 24 !== 45 && p.src4 >>> 24 !== 185) return;
          inside++;
          resetEvent(e);
          Object.assign(e, { time: T0 + 1, src4: p.dst4, dst4: p.src4, srcPort: p.dstPort, dstPort: p.srcPort, proto: PROTO.tcp, flags: TCP.SYN | TCP.ACK, size: 60 });
          b.add(e);
        },
        error: () => {},
      });
    } else {
      for (let i = 0; i < 300; i++) {
        inside++;
        Object.assign(e, { time: T0 + 1, src4: ip('10.10.10.10'), dst4: ip('45.0.0.0') + i * 977, srcPort: 25565, dstPort: 1024 + i, proto: PROTO.tcp, flags: TCP.SYN | TCP.ACK, size: 60 });
        b.add(e);
      }
    }
    // One RST from a host the sensor never spoke to is not a DoS.
    Object.assign(scanner, { ...newEvent(), time: T0 + 2, src4: ip('192.0.2.55'), dst4: ip('45.1.2.3'), srcPort: 443, dstPort: 5555, proto: PROTO.tcp, flags: TCP.RST | TCP.ACK });
    b.add(scanner);
    expect(inside).toBeGreaterThan(100);
    const hits = new Detectors().observe(b);
    expect(hits.map((h) => [h.kind, h.subject])).toEqual([['backscatter', '10.10.10.10']]);
    expect(hits[0]!.details).toMatchObject({ victim: '10.10.10.10', packets: inside, sensor_addresses: 16, attacked_ports: [25565] });
  });

  it('scanners: the real masscan capture is one scanner over a thousand ports; its target and the spoofed flood are not', () => {
    if (!hasSharedData()) return;
    for (const [file, expected] of [
      // The capture's only source (masscan -p0-1000 against 198.124.152.15).
      ['tcp_0_1000_20190821.pcap', [['scanner', '172.31.15.102']]],
      ['pkt.TCP.synflood.spoofed.pcap', []],
    ] as const) {
      const b = new MinuteBucket(S, T0, false);
      readPcap(readFileSync(sharedData('sensor', 'pcaps', file)), { event: (p) => ((p.time = T0), b.add(p)), error: () => {} });
      const hits = new Detectors().observe(b);
      expect(hits.map((h) => [h.kind, h.subject])).toEqual(expected);
    }
  });

  it('honeypot downloads become one detection per file', () => {
    const b = new MinuteBucket(S, T0, false);
    for (let i = 0; i < 3; i++) {
      resetEvent(e);
      Object.assign(e, { time: T0 + i, src4: ip('203.0.113.5'), kind: 4, url: 'http://198.51.100.23/bins/mirai.arm7', sha256: 'a'.repeat(64) });
      b.add(e);
    }
    const hits = new Detectors().observe(b);
    expect(hits).toEqual([{ kind: 'download', sensorId: S, minute: T0, subject: 'http://198.51.100.23/bins/mirai.arm7', score: 1, details: { url: 'http://198.51.100.23/bins/mirai.arm7', sha256: 'a'.repeat(64), source: '203.0.113.5', time: new Date(T0).toISOString() } }]);
  });
});
