import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { NdjsonEventReader, type EventSink } from '../events/ndjson.reader.ts';
import { PcapReader, PcapFormatError } from '../readers/pcap.reader.ts';

/** Files a sensor replay reads. */
export type ReplayFormat = 'pcap' | 'ndjson';

/** What a file is, from its first bytes: a classic pcap, or JSON lines (Kessetsu events, Cowrie, Dionaea). */
export async function sniffReplayFile(file: string): Promise<{ format: ReplayFormat; gzip: boolean }> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    const gzip = head[0] === 0x1f && head[1] === 0x8b;
    if (gzip) return { format: 'ndjson', gzip };
    const magic = head.readUInt32LE(0);
    if ([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1, 0x0a0d0d0a].includes(magic)) return { format: 'pcap', gzip: false };
    return { format: 'ndjson', gzip: false };
  } finally {
    await fh.close();
  }
}

function stream(file: string, gzip: boolean): Readable {
  const s = createReadStream(file, { highWaterMark: 1 << 20 });
  return gzip ? s.pipe(createGunzip()) : s;
}

/**
 * Reads a capture or a log, event by event, in bounded memory: pcap records, or JSON lines in
 * Kessetsu's sensor format, Cowrie's or Dionaea's (the same readers as the hub's). The sink may
 * return a promise: reading waits for it (back pressure while batches are posted).
 */
export async function readReplayFile(file: string, sink: EventSink & { drain?(): Promise<void> | void }): Promise<{ format: ReplayFormat; truncated: boolean }> {
  const { format, gzip } = await sniffReplayFile(file);
  if (format === 'pcap') {
    const reader = new PcapReader(sink);
    for await (const chunk of stream(file, false)) {
      reader.push(chunk as Buffer);
      await sink.drain?.();
    }
    return { format, truncated: reader.end().truncated };
  }
  const reader = new NdjsonEventReader();
  let rest: Buffer = Buffer.alloc(0);
  let line = 0;
  for await (const chunk of stream(file, gzip)) {
    const buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    const lastNl = buf.lastIndexOf(10);
    if (lastNl < 0) {
      rest = buf;
      continue;
    }
    const whole = buf.subarray(0, lastNl + 1);
    let at = { pos: 0, line };
    while (at.pos < whole.length) at = reader.read(whole, at.pos, at.line, 1 << 30, sink);
    line = at.line;
    rest = Buffer.from(buf.subarray(lastNl + 1));
    await sink.drain?.();
  }
  if (rest.length) reader.read(rest, 0, line, 1, sink);
  return { format, truncated: false };
}

/** The first and last event times of a file (epoch ms), read once before replaying it. */
export async function timeSpan(file: string): Promise<{ first: number; last: number; events: number }> {
  let first = Infinity;
  let last = -Infinity;
  let events = 0;
  await readReplayFile(file, {
    event(e) {
      events++;
      if (e.time < first) first = e.time;
      if (e.time > last) last = e.time;
    },
    error() {},
  });
  return { first, last, events };
}

export { PcapFormatError };
