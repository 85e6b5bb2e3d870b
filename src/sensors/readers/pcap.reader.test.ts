import { describe, expect, it } from 'vitest';
import { buildPcap, ipFrame } from '../../../test/sensors/pcap-builder.ts';
import { eventToJson, type SensorEvent } from '../events/sensor-event.ts';
import { PcapFormatError, PcapReader, readPcap } from './pcap.reader.ts';

function collect(data: Buffer): { events: Record<string, unknown>[]; errors: { line: number; reason: string }[]; summary: ReturnType<typeof readPcap> } {
  const events: Record<string, unknown>[] = [];
  const errors: { line: number; reason: string }[] = [];
  const summary = readPcap(data, { event: (e: SensorEvent) => events.push(eventToJson(e)), error: (line, reason) => errors.push({ line, reason }) });
  return { events, errors, summary };
}

const T0 = 1_764_806_400; // 2025-12-04T00:00:00Z

describe('pcap reader', () => {
  it('reads Ethernet, VLAN tags, IPv4 and IPv6 with TCP, UDP and ICMP headers, in both byte orders and stamp resolutions', () => {
    const frames = [
      { time: T0 + 0.25, data: ipFrame('203.0.113.5', '198.51.100.7', { tcp: { sport: 40000, dport: 23, flags: 0x02 } }) },
      { time: T0 + 1.5, data: ipFrame('203.0.113.6', '198.51.100.8', { udp: { sport: 5353, dport: 161 } }, { vlan: 42 }) },
      { time: T0 + 2, data: ipFrame('2001:db8::5', '2001:db8:0:1::7', { tcp: { sport: 1, dport: 2323, flags: 0x12 } }) },
      { time: T0 + 3, data: ipFrame('2001:db8::6', '2001:db8::8', { icmp: { type: 128, code: 0 } }) },
      { time: T0 + 4, data: ipFrame('192.0.2.1', '198.51.100.9', { icmp: { type: 3, code: 3 } }) },
    ];
    for (const opts of [{}, { bigEndian: true }, { nano: true }, { bigEndian: true, nano: true }]) {
      const { events, errors, summary } = collect(buildPcap(frames, opts));
      expect(errors).toEqual([]);
      expect(summary).toMatchObject({ frames: 5, ipPackets: 5, otherFrames: 0, truncated: false, linkType: 1 });
      expect(events[0]).toMatchObject({ time: '2025-12-04T00:00:00.250Z', src_ip: '203.0.113.5', src_port: 40000, dst_ip: '198.51.100.7', dst_port: 23, protocol: 'tcp', tcp_flags: 'S' });
      expect(events[1]).toMatchObject({ src_ip: '203.0.113.6', dst_port: 161, protocol: 'udp' });
      expect(events[2]).toMatchObject({ src_ip: '2001:db8::5', dst_ip: '2001:db8:0:1::7', dst_port: 2323, protocol: 'tcp', tcp_flags: 'AS' });
      expect(events[3]).toMatchObject({ src_ip: '2001:db8::6', protocol: 'icmpv6', icmp_type: 128 });
      expect(events[4]).toMatchObject({ protocol: 'icmp', icmp_type: 3, icmp_code: 3 });
      expect(events[4]).not.toHaveProperty('dst_port');
    }
  });

  it('keeps what precedes a record cut short, and says the capture was truncated', () => {
    const full = buildPcap([0, 1, 2].map((i) => ({ time: T0 + i, data: ipFrame('203.0.113.5', '198.51.100.7', { tcp: { sport: 1000 + i, dport: 80, flags: 2 } }) })));
    for (const cut of [full.length - 1, full.length - 30, 24 + 16 + 54 + 5]) {
      const { events, summary } = collect(full.subarray(0, cut));
      expect(summary.truncated).toBe(true);
      expect(events.length).toBe(cut === 24 + 16 + 54 + 5 ? 1 : 2);
    }
  });

  it('reads headers of frames cut by the snap length, and later IPv4 fragments without ports', () => {
    const whole = ipFrame('203.0.113.5', '198.51.100.7', { tcp: { sport: 1, dport: 445, flags: 2 } });
    const frag = ipFrame('203.0.113.5', '198.51.100.7', { udp: { sport: 9, dport: 53 } }, { fragmentOffset: 185 });
    const { events, summary } = collect(buildPcap([{ time: T0, data: whole.subarray(0, 14 + 20 + 4), origLen: 1500 }, { time: T0, data: frag }]));
    expect(summary.snapped).toBe(1);
    expect(events[0]).toMatchObject({ dst_port: 445, size: 1500 });
    expect(events[0]).not.toHaveProperty('tcp_flags');
    expect(events[1]).toMatchObject({ protocol: 'udp' });
    expect(events[1]).not.toHaveProperty('dst_port');
  });

  it('skips frames without IP and reports broken IP headers by record number', () => {
    const arp = Buffer.from([...Array(12).fill(0), 0x08, 0x06, ...Array(28).fill(0)]);
    const bad = Buffer.from([...Array(12).fill(0), 0x08, 0x00, 0x41, ...Array(25).fill(0)]);
    const { events, errors, summary } = collect(buildPcap([{ time: T0, data: arp }, { time: T0, data: bad }, { time: T0, data: ipFrame('203.0.113.5', '198.51.100.7', { udp: { sport: 1, dport: 2 } }) }]));
    expect(summary).toMatchObject({ frames: 3, otherFrames: 1, ipPackets: 1 });
    expect(errors).toEqual([{ line: 2, reason: 'IPv4 header: header length under 20 bytes' }]);
    expect(events).toHaveLength(1);
  });

  it('streams across chunk boundaries of any size', () => {
    const data = buildPcap(Array.from({ length: 50 }, (_, i) => ({ time: T0 + i, data: ipFrame('203.0.113.5', '198.51.100.7', { tcp: { sport: i, dport: 80, flags: 2 } }) })));
    for (const size of [1, 7, 16, 100, 4096]) {
      const ports: unknown[] = [];
      const r = new PcapReader({ event: (e) => ports.push(e.srcPort), error: () => {} });
      for (let i = 0; i < data.length; i += size) r.push(data.subarray(i, i + size));
      expect(r.end().truncated).toBe(false);
      expect(ports).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
  });

  it('refuses what is not a classic pcap, saying what it is', () => {
    expect(() => collect(Buffer.concat([Buffer.from('0a0d0d0a', 'hex'), Buffer.alloc(40)]))).toThrow(/pcapng/);
    expect(() => collect(Buffer.from('{"not": "pcap", "padding": "xxxxxxxxxxxxxxxx"}'))).toThrow(PcapFormatError);
    expect(() => collect(Buffer.alloc(0))).toThrow(/empty/);
    expect(() => collect(Buffer.alloc(10))).toThrow(/shorter than the 24-byte/);
  });
});
