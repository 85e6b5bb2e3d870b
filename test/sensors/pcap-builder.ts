// Builds classic pcap files and frames for tests and benchmarks (independent of the reader under test).

/** One frame of a capture to build. */
export interface Frame {
  /** Epoch seconds with a fraction. */
  readonly time: number;
  readonly data: Buffer;
  /** Length on the wire when larger than the captured data (snap length). */
  readonly origLen?: number;
}

/** A classic pcap file of frames: link type, byte order and stamp resolution as told. */
export function buildPcap(frames: readonly Frame[], opts: { linkType?: number; bigEndian?: boolean; nano?: boolean } = {}): Buffer {
  const be = opts.bigEndian ?? false;
  const head = Buffer.alloc(24);
  const u32 = (b: Buffer, v: number, at: number) => (be ? b.writeUInt32BE(v >>> 0, at) : b.writeUInt32LE(v >>> 0, at));
  const u16 = (b: Buffer, v: number, at: number) => (be ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  u32(head, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(head, 2, 4);
  u16(head, 4, 6);
  u32(head, 65535, 16);
  u32(head, opts.linkType ?? 1, 20);
  const parts: Buffer[] = [head];
  for (const f of frames) {
    const rec = Buffer.alloc(16);
    const sec = Math.floor(f.time);
    const frac = Math.round((f.time - sec) * (opts.nano ? 1e9 : 1e6));
    u32(rec, sec, 0);
    u32(rec, frac, 4);
    u32(rec, f.data.length, 8);
    u32(rec, f.origLen ?? f.data.length, 12);
    parts.push(rec, f.data);
  }
  return Buffer.concat(parts);
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

function ipv6Bytes(ip: string): number[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 255];
  });
}

/** A transport header: TCP (with flags), UDP or ICMP. */
export type L4 = { readonly tcp: { sport: number; dport: number; flags: number } } | { readonly udp: { sport: number; dport: number } } | { readonly icmp: { type: number; code: number } };

function l4Bytes(l4: L4): { proto: number; bytes: number[] } {
  if ('tcp' in l4) {
    const b = Array(20).fill(0);
    b[0] = l4.tcp.sport >> 8;
    b[1] = l4.tcp.sport & 255;
    b[2] = l4.tcp.dport >> 8;
    b[3] = l4.tcp.dport & 255;
    b[12] = 5 << 4;
    b[13] = l4.tcp.flags;
    return { proto: 6, bytes: b };
  }
  if ('udp' in l4) return { proto: 17, bytes: [l4.udp.sport >> 8, l4.udp.sport & 255, l4.udp.dport >> 8, l4.udp.dport & 255, 0, 8, 0, 0] };
  return { proto: 1, bytes: [l4.icmp.type, l4.icmp.code, 0, 0, 0, 0, 0, 0] };
}

/** An Ethernet frame (optionally VLAN-tagged) with an IPv4 or IPv6 packet. */
export function ipFrame(src: string, dst: string, l4: L4, opts: { vlan?: number; fragmentOffset?: number } = {}): Buffer {
  const { proto, bytes } = l4Bytes(l4);
  const v6 = src.includes(':');
  let ip: number[];
  if (!v6) {
    const total = 20 + bytes.length;
    ip = [0x45, 0, total >> 8, total & 255, 0, 0, (opts.fragmentOffset ?? 0) >> 8, (opts.fragmentOffset ?? 0) & 255, 64, proto, 0, 0, ...ipv4Bytes(src), ...ipv4Bytes(dst)];
  } else {
    ip = [0x60, 0, 0, 0, bytes.length >> 8, bytes.length & 255, proto === 1 ? 58 : proto, 64, ...ipv6Bytes(src), ...ipv6Bytes(dst)];
  }
  const eth = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const tag = opts.vlan !== undefined ? [0x81, 0x00, opts.vlan >> 8, opts.vlan & 255] : [];
  const type = v6 ? [0x86, 0xdd] : [0x08, 0x00];
  return Buffer.from([...eth, ...tag, ...type, ...ip, ...bytes]);
}
