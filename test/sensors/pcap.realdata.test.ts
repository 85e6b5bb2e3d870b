import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { hasTshark, tsharkFields } from './tshark.ts';
import { ipv4String, PROTO, type SensorEvent } from '../../src/sensors/events/sensor-event.ts';
import { readPcap } from '../../src/sensors/readers/pcap.reader.ts';

// Every packet of the real captures, as the TypeScript reader sees it, against tshark's own dissection.
const CAPTURES = ['tcp_0_1000_20190821.pcap', 'nmap_80_all.pcap', 'nmap_80_w_service_detection.pcap', 'pkt.TCP.synflood.spoofed.pcap'];
const run = hasSharedData() && hasTshark();

function ours(e: SensorEvent): string {
  const ports = e.proto === PROTO.tcp || e.proto === PROTO.udp ? `${e.srcPort}|${e.dstPort}` : '|';
  const flags = e.proto === PROTO.tcp ? String(e.flags) : '';
  return [Math.round(e.time * 1000), e.size, ipv4String(e.src4), ipv4String(e.dst4), e.proto, ports, flags].join(' ');
}

function theirs(f: string[]): string {
  const [epoch, len, src, dst, proto, tsp, tdp, usp, udp, flags] = f;
  const p = Number(proto);
  const ports = p === 6 ? `${tsp}|${tdp}` : p === 17 ? `${usp}|${udp}` : '|';
  return [Math.round(Number(epoch) * 1e6), len, src, dst, p, ports, p === 6 ? String(Number(flags)) : ''].join(' ');
}

describe.skipIf(!run)('pcap reader on real captures, packet by packet against tshark', () => {
  for (const name of CAPTURES) {
    it(name, () => {
      const file = sharedData('sensor', 'pcaps', name);
      const mine: string[] = [];
      const errors: unknown[] = [];
      const summary = readPcap(readFileSync(file), { event: (e) => mine.push(ours(e)), error: (line, reason) => errors.push({ line, reason }) });
      const expected = tsharkFields(file, ['frame.time_epoch', 'frame.len', 'ip.src', 'ip.dst', 'ip.proto', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags'], 'ip').map(theirs);
      expect(errors).toEqual([]);
      expect(summary.truncated).toBe(false);
      expect(mine.length).toBe(expected.length);
      expect(mine).toEqual(expected);
    });
  }
});
