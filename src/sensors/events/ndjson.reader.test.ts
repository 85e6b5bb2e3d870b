import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NdjsonEventReader } from './ndjson.reader.ts';
import { eventToJson, type SensorEvent } from './sensor-event.ts';
import { isoTimeOfString } from './event-fields.ts';

function readAll(text: string | Buffer, slice = 1_000_000): { events: Record<string, unknown>[]; errors: { line: number; reason: string }[]; lines: number[] } {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const events: Record<string, unknown>[] = [];
  const lines: number[] = [];
  const errors: { line: number; reason: string }[] = [];
  const r = new NdjsonEventReader();
  const sink = { event: (e: SensorEvent, line: number) => (events.push(eventToJson(e)), lines.push(line)), error: (line: number, reason: string) => errors.push({ line, reason }) };
  let at = { pos: 0, line: 0 };
  while (at.pos < buf.length) at = r.read(buf, at.pos, at.line, slice, sink);
  return { events, errors, lines };
}

describe('NDJSON sensor events', () => {
  it('reads a flat line straight from the bytes', () => {
    const { events, errors } = readAll('{"time":"2026-12-04T10:00:00.123Z","src_ip":"203.0.113.5","src_port":51234,"dst_ip":"198.51.100.7","dst_port":23,"protocol":"tcp","tcp_flags":"S","size":60}\n');
    expect(errors).toEqual([]);
    expect(events).toEqual([{ time: '2026-12-04T10:00:00.123Z', src_ip: '203.0.113.5', src_port: 51234, dst_ip: '198.51.100.7', dst_port: 23, protocol: 'tcp', tcp_flags: 'S', size: 60 }]);
  });

  it('reports malformed lines by number and keeps the others', () => {
    const text = [
      '{"time":"2026-12-04T10:00:00Z","src_ip":"203.0.113.5","dst_port":23}',
      '{"time":"2026-12-04T10:00:00Z","src_ip":"203.0.113.5","dst_port":',
      '',
      '{"time":"2026-13-04T10:00:00Z","src_ip":"203.0.113.5"}',
      '{"time":"2026-12-04T10:00:00Z","src_ip":"203.0.113.256"}',
      '{"time":"2026-12-04T10:00:00Z","src_ip":"010.0.113.5"}',
      '{"time":"2026-12-04T10:00:00Z","src_ip":"203.0.113.5","dst_port":70000}',
      '{"time":"2026-12-04T10:00:00Z","src_ip":"203.0.113.5","protocol":"bogus"}',
      '{"time":"2026-12-04T10:00:00Z","src_ip":"203.0.113.5","tcp_flags":"SX"}',
      '{"src_ip":"203.0.113.5"}',
      '{"time":"2026-12-04T10:00:00Z"}',
      '[1,2,3]',
      'hello',
      '{"time":1796378400.5,"src_ip":"2001:DB8::1","dst_port":"2323"}',
    ].join('\r\n');
    const { events, errors, lines } = readAll(text);
    expect(lines).toEqual([1, 14]);
    expect(events[1]).toMatchObject({ time: '2026-12-04T10:00:00.500Z', src_ip: '2001:db8::1', dst_port: 2323 });
    expect(errors.map((e) => e.line)).toEqual([2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(errors.find((e) => e.line === 2)!.reason).toMatch(/^not JSON/);
    expect(errors.find((e) => e.line === 4)!.reason).toMatch(/^time:/);
    expect(errors.find((e) => e.line === 5)!.reason).toMatch(/^src_ip: .* not an IP address/);
    expect(errors.find((e) => e.line === 6)!.reason).toMatch(/^src_ip:/);
    expect(errors.find((e) => e.line === 7)!.reason).toMatch(/^dst_port:/);
    expect(errors.find((e) => e.line === 8)!.reason).toMatch(/^protocol:/);
    expect(errors.find((e) => e.line === 9)!.reason).toMatch(/^tcp_flags:/);
    expect(errors.find((e) => e.line === 10)!.reason).toBe('time: missing');
    expect(errors.find((e) => e.line === 11)!.reason).toBe('src_ip: missing');
    expect(errors.find((e) => e.line === 12)!.reason).toBe('not a JSON object');
  });

  it('reads honeypot details, escapes and nested fields through JSON', () => {
    const { events, errors } = readAll(
      [
        '{"time":"2026-12-04T10:00:00Z","src_ip":"203.0.113.5","event":"login","username":"root","password":"p\\u00e4ss\\"","success":false}',
        '{"time":"2026-12-04T10:00:01Z","src_ip":"203.0.113.5","event":"download","url":"http://198.51.100.9/x.sh","sha256":"' + 'a'.repeat(64) + '","extra":{"nested":[1,2]}}',
        '{"time":"2026-12-04T10:00:01Z","src_ip":"203.0.113.5","event":"download"}',
      ].join('\n'),
    );
    expect(events[0]).toMatchObject({ event: 'login', username: 'root', password: 'päss"', success: false });
    expect(events[1]).toMatchObject({ event: 'download', url: 'http://198.51.100.9/x.sh', sha256: 'a'.repeat(64) });
    expect(errors).toEqual([{ line: 3, reason: 'a download needs url or sha256' }]);
  });

  it('takes raw Cowrie and Dionaea records as they are logged', () => {
    const { events, errors } = readAll(
      [
        '{"eventid": "cowrie.session.connect", "src_ip": "221.194.47.205", "src_port": 59868, "timestamp": "2018-05-15T00:04:08.295223Z", "dst_ip": "172.17.0.3", "protocol": "ssh", "session": "adb05eafff3c", "dst_port": 2222, "sensor": "920497a79896"}',
        '{"eventid": "cowrie.login.failed", "username": "", "timestamp": "2018-05-15T00:07:36.254608Z", "src_ip": "185.222.209.151", "session": "8858de5a3e80", "password": "root"}',
        '{"eventid": "cowrie.session.file_download", "timestamp": "2018-05-22T14:40:39.000000Z", "src_ip": "185.222.209.151", "session": "x", "url": "http://115.239.248.235:283/sysem", "shasum": "' + 'B'.repeat(64) + '"}',
        '{ "_id" : { "$oid" : "5a069996616a1e7668dd451c" }, "protocol" : "smbd", "timestamp" : { "$date" : "2017-11-11T06:32:52.897+0000" }, "source_ip" : "123.25.61.231", "source_port" : 57480, "destination_port" : 445, "honeypot" : "dionaea" }',
        '{"eventid": "cowrie.session.connect", "src_ip": "221.194.47.205"}',
      ].join('\n'),
    );
    expect(events[0]).toMatchObject({ event: 'connect', src_ip: '221.194.47.205', dst_port: 2222, protocol: 'tcp', session: 'adb05eafff3c', time: '2018-05-15T00:04:08.295Z' });
    expect(events[1]).toMatchObject({ event: 'login', username: '', password: 'root', success: false });
    expect(events[2]).toMatchObject({ event: 'download', sha256: 'b'.repeat(64), url: 'http://115.239.248.235:283/sysem' });
    expect(events[3]).toMatchObject({ event: 'connect', src_ip: '123.25.61.231', dst_port: 445, protocol: 'tcp', time: '2017-11-11T06:32:52.897Z' });
    expect(errors).toEqual([{ line: 5, reason: 'timestamp: missing or not an ISO 8601 date-time' }]);
  });

  it('reads ISO times as Date.parse does, offsets included, and refuses impossible dates', () => {
    for (const t of ['2026-12-04T10:00:00Z', '2026-12-04T10:00:00.1Z', '2026-12-04T10:00:00.123456Z', '2024-02-29T23:59:59+09:00', '2026-12-04T10:00:00-0530', '2026-12-04 10:00:00Z'])
      expect(isoTimeOfString(t)).toBe(Date.parse(t.replace(' ', 'T').replace(/([+-]\d\d)(\d\d)$/, '$1:$2')));
    for (const t of ['2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-12-04T24:00:00Z', '2026-12-04T10:00Z', '2026-12-04T10:00:00.Z', '2026-12-04T10:00:00Zjunk']) expect(isoTimeOfString(t)).toBeNaN();
  });

  it('the byte scanner and the JSON path agree on every line', () => {
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    const event = fc.record(
      {
        time: fc.oneof(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString()), fc.integer({ min: 0, max: 4_000_000_000 })),
        src_ip: ip,
        src_port: fc.nat(65535),
        dst_ip: ip,
        dst_port: fc.oneof(fc.nat(65535), fc.integer({ min: -5, max: 70000 })),
        protocol: fc.constantFrom('tcp', 'udp', 'icmp', 'TCP', 'sctp', 6, 17, 300, 'bogus'),
        tcp_flags: fc.constantFrom('S', 'SA', 'R', 'RA', 'FPU', 18, 'Q', ''),
        size: fc.nat(70000),
        other: fc.string({ maxLength: 5 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(event, (o) => {
        const flat = JSON.stringify(o);
        // The same object with an escaped key name forces the JSON path.
        const slow = flat.replace('{', '{"x\\u0041":1,');
        const a = readAll(flat);
        const b = readAll(slow);
        expect(a.events).toEqual(b.events);
        expect(a.errors).toEqual(b.errors);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a raw control character inside a string, as JSON does (the property below found it)', () => {
    // A tab or a carriage return inside a quoted key or value is not JSON: the line is an error, on the fast
    // path as on the JSON path, never an event.
    for (const bad of ['{"time":"2026-12-04T10:00:00Z","note":" :\t","src_ip":"192.0.2.1"}', '{"time":"2026-12-04T10:00:00Z","no\rte":"x","src_ip":"192.0.2.1"}']) {
      const r = readAll(`${bad}\n{"time":"2026-12-04T10:00:00Z","src_ip":"192.0.2.2"}`);
      expect(r.events.map((e) => e.src_ip)).toEqual(['192.0.2.2']);
      expect(r.errors.map((e) => e.line)).toEqual([1]);
    }
  });

  it('a batch whose lines change key order, spacing and line ends, some cut short, reads as line by line through JSON', () => {
    const ip = fc.oneof(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')), fc.constantFrom('2001:db8::1', '::ffff:203.0.113.9', '010.1.2.3', '1.2.3', ''));
    const field = fc.constantFrom<[string, fc.Arbitrary<unknown>]>(
      ['time', fc.oneof(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2026-12-04T10:00:00+09:00', '2026-12-04 10:00:00', '2026-12-04T10:00Z', 1796378400))],
      ['timestamp', fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString())],
      ['src_ip', ip],
      ['dst_ip', ip],
      ['src_port', fc.oneof(fc.nat(65535), fc.constant('80'))],
      ['dst_port', fc.integer({ min: -1, max: 70000 })],
      ['protocol', fc.constantFrom('tcp', 'udp', 'icmp', 'tcp ', 'sctp', 6, 'bogus')],
      ['tcp_flags', fc.constantFrom('S', 'SA', 18, 'Q')],
      ['size', fc.oneof(fc.nat(1500), fc.constant(1.5))],
      ['event', fc.constantFrom('packet', 'connect', 'login', 'nope')],
      ['username', fc.constantFrom('root', 'r\u00f6ot')],
      ['note', fc.string({ maxLength: 4 })],
    );
    const line = fc.record({
      // One value per field (with duplicates, or time and timestamp both, JSON says the last wins and the
      // format says time wins: not what this compares).
      fields: fc.uniqueArray(field.chain(([k, v]) => v.map((x) => [k, x] as const)), { maxLength: 9, selector: ([k]) => (k === 'timestamp' ? 'time' : k) }),
      spaced: fc.boolean(),
      cut: fc.option(fc.nat(200), { freq: 4 }),
    });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), fc.boolean(), (lines, crlf) => {
        const texts = lines.map((l) => {
          let t = `{${l.fields.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
          if (l.spaced) t = t.replace(/,"/g, ' , "').replace(/":/g, '" :\t');
          return t;
        });
        // The same lines, each with an escaped key first, which only the JSON path reads.
        const slow = texts.map((t) => '{"x\\u0041":1' + (t.length > 2 ? ',' + t.slice(1) : '}'));
        const cut = (t: string, i: number, extra: number) => (lines[i]!.cut === null ? t : t.slice(0, Math.min(t.length - 1, Math.max(1, lines[i]!.cut!) + extra)));
        const eol = crlf ? '\r\n' : '\n';
        const a = readAll(texts.map((t, i) => cut(t, i, 0)).join(eol));
        const b = readAll(slow.map((t, i) => cut(t, i, slow[i]!.length - texts[i]!.length)).join(eol));
        expect(a.events).toEqual(b.events);
        expect(a.lines).toEqual(b.lines);
        expect(a.errors.map((e) => e.line)).toEqual(b.errors.map((e) => e.line));
      }),
      { numRuns: 300 },
    );
  });
});
