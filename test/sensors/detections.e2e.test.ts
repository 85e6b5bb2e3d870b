import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, declareAssets, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { FAST_DISPATCH, ingestStix, receiver, waitFor, type Receiver } from '../feedback/support.ts';
import { verifyWebhook } from '../../src/feedback/outbox/webhook.signature.ts';
import { minutesAgo, postEvents, registerSensor, startSensorHub, type TestSensor } from './support.ts';

// End to end: sensor events → minute closed → detections → indicators, sightings and alerts through
// the feed-back channels, within the access policy.
describeStorage('sensor detections end to end: infected hosts, DoS, sightings, downloads, summaries', (backend) => {
  let hub: TestHub;
  let police: TestMember;
  let isp: TestMember;
  let otherIsp: TestMember;
  let bank: TestMember;
  let hook: Receiver;
  let secret: string;
  let sensor: TestSensor;
  let quiet: TestSensor;
  const t = minutesAgo(4);
  const at = (s: number) => new Date(t + s * 1000).toISOString();
  const syn = (src: string, dst: string, port: number, s = 1) => ({ time: at(s), src_ip: src, src_port: 51000, dst_ip: dst, dst_port: port, protocol: 'tcp', tcp_flags: 'S', size: 60 });

  beforeAll(async () => {
    hook = await receiver('ok');
    hub = await startSensorHub(backend, {}, { dispatch: FAST_DISPATCH });
    police = await makeMember(hub, { name: 'National Police Agency', kind: 'law_enforcement' });
    isp = await makeMember(hub, { name: 'Hikari ISP', sector: 'telecom' });
    otherIsp = await makeMember(hub, { name: 'Kaze ISP', sector: 'telecom' });
    bank = await makeMember(hub, { name: 'Sakura Bank' });
    await declareAssets(hub, isp, { cidrs: ['203.0.113.0/24'] });
    await declareAssets(hub, otherIsp, { cidrs: ['198.18.0.0/15'] });
    await declareAssets(hub, bank, { cidrs: ['192.0.2.0/24'] });
    const sub = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(isp.key), payload: { name: 'our customers', kind: 'asset', rule: { cidrs: ['203.0.113.0/24'] }, webhook_url: hook.url } });
    expect(sub.statusCode, sub.body).toBe(201);
    expect(sub.json().enabled).toBe(true);
    secret = sub.json().webhook_secret;
    for (const [m, name, cidr] of [[otherIsp, 'ours', '198.18.0.0/15'], [bank, 'web front', '192.0.2.0/24']] as const) {
      const other = await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(m.key), payload: { name, kind: 'asset', rule: { cidrs: [cidr] } } });
      expect(other.json().enabled, other.body).toBe(true);
    }
    await hub.server.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: as(bank.key), payload: { name: 'what we shared', kind: 'shared_sighting' } });
    sensor = await registerSensor(hub, police.key, { label: 'NPA real-time detection network, Tokyo', address_space: ['198.51.100.0/24'], share_tlp: 'green', public_summary: true });
    // A sensor whose owner shares nothing: its detections alert nobody else.
    quiet = await registerSensor(hub, police.key, { label: 'private sensor', address_space: ['100.64.0.0/24'], share_tlp: 'amber' });
  });
  afterAll(async () => {
    await hub?.close();
    await hook?.close();
  });

  it("an ISP hears of infected hosts in its own ranges (Mirai-like telnet scans), by signed webhook", async () => {
    const lines: Record<string, unknown>[] = [];
    for (let h = 10; h < 14; h++) for (let d = 1; d <= 5; d++) lines.push(syn(`203.0.113.${h}`, `198.51.100.${d}`, d % 2 ? 23 : 2323, d));
    // A scanner outside the ISP's ranges, and a source that touched one address only (not a scanner).
    for (let d = 1; d <= 5; d++) lines.push(syn('198.18.7.7', `198.51.100.${d}`, 445));
    lines.push(syn('203.0.113.99', '198.51.100.1', 23));
    expect((await postEvents(hub, sensor, lines)).json().accepted).toBe(lines.length);
    // The same infected host seen by the private sensor alerts nobody.
    await postEvents(hub, quiet, [1, 2, 3, 4, 5].map((d) => syn('203.0.113.50', `100.64.0.${d}`, 23)));
    await hub.app.sensors.flushNow();

    const got = await waitFor(() => hook.received[0], 15_000, 'the webhook');
    expect(verifyWebhook(secret, got.body, got.headers['x-kessetsu-signature'] as string)).toBe(true);
    const alert = JSON.parse(got.body).alert;
    expect(alert.kind).toBe('asset');
    expect(alert.matches.map((m: { value: string }) => m.value).sort()).toEqual(['203.0.113.10', '203.0.113.11', '203.0.113.12', '203.0.113.13']);
    expect(alert.matches[0]).toMatchObject({ type: 'ipv4-addr', tlp: 'green' });
    expect(alert.contributor).toMatchObject({ name: 'National Police Agency' });
    // What the alert points at: a low-confidence indicator that decays within a day, naming the infection.
    const indicatorId = alert.matches[0].object_ids.find((id: string) => id.startsWith('indicator--'));
    const obj = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${indicatorId}`, headers: as(isp.key) })).json();
    expect(JSON.stringify(obj)).toContain('Likely infected host scanning botnet ports (23, 2323)');
    expect(JSON.stringify(obj)).toMatch(/"confidence":20/);
    const validUntil = Date.parse(JSON.stringify(obj).match(/"valid_until":"([^"]+)"/)![1]!);
    expect(validUntil - t).toBeLessThanOrEqual(86_400_000);
    // The other ISP hears of the scanner in its own range, and of nothing in the first ISP's.
    await waitFor(async () => (await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(otherIsp.key) })).json().items.length > 0, 15_000, "the other ISP's alert");
    const theirs = (await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(otherIsp.key) })).json().items;
    expect(JSON.stringify(theirs)).toContain('198.18.7.7');
    expect(JSON.stringify(theirs)).not.toContain('203.0.113');
    // Nothing of the private sensor, nor of the single-probe source, reached anyone.
    const mine = (await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(isp.key) })).json().items;
    expect(JSON.stringify(mine)).not.toContain('203.0.113.50');
    expect(JSON.stringify(mine)).not.toContain('203.0.113.99');
    expect(hook.received).toHaveLength(1);
  });

  it('a member hears of a DoS against its addresses, inferred from backscatter to many sensor addresses', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => ({ time: at(60 + (i % 40)), src_ip: '192.0.2.80', src_port: 443, dst_ip: `198.51.100.${(i % 20) + 1}`, dst_port: 30000 + i, protocol: 'tcp', tcp_flags: 'SA', size: 60 }));
    expect((await postEvents(hub, sensor, lines)).json().accepted).toBe(30);
    await hub.app.sensors.flushNow();
    const inbox = await waitFor(async () => {
      const items = (await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(bank.key) })).json().items as { title: string }[];
      return items.find((i) => i.title.startsWith('DoS attack')) ? items : null;
    }, 15_000, 'the DoS alert');
    const dos = inbox.find((i) => i.title.startsWith('DoS attack'))!;
    expect(dos.title).toBe('DoS attack on your address 192.0.2.80 (port 443): backscatter seen by a sensor');
    // The victim is not an indicator: nothing about it lands in lookups or blocklists.
    const look = (await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(bank.key), payload: { values: ['192.0.2.80'] } })).json();
    expect(JSON.stringify(look)).not.toContain('indicator--');
    const det = (await hub.server.inject({ method: 'GET', url: '/api/v1/sensors/detections?kind=backscatter', headers: as(police.key) })).json();
    expect(det.items[0]).toMatchObject({ kind: 'backscatter', subject: '192.0.2.80', details: { victim: '192.0.2.80', packets: 30, attacked_ports: [443] } });
    // Detections are detail: another member does not list them.
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/sensors/detections', headers: as(bank.key) })).json().items).toEqual([]);
  });

  it('a source matching an indicator a member shared becomes a sighting, and the member hears of it', async () => {
    await ingestStix(hub, bank.key, JSON.stringify({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [{ type: 'indicator', spec_version: '2.1', id: 'indicator--6b0e6b33-3c3e-4e8f-9a48-2b9f3c4d5e61', created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name: 'Mirai C2', pattern: "[ipv4-addr:value = '45.33.32.156']", pattern_type: 'stix', valid_from: '2026-01-01T00:00:00.000Z' }] }));
    await postEvents(hub, sensor, [syn('45.33.32.156', '198.51.100.9', 22, 120), syn('45.33.32.156', '198.51.100.9', 22, 121)]);
    await hub.app.sensors.flushNow();
    const sighted = await waitFor(async () => {
      const items = (await hub.server.inject({ method: 'GET', url: '/api/v1/inbox', headers: as(bank.key) })).json().items as { kind: string; title: string }[];
      return items.find((i) => i.kind === 'shared_sighting');
    }, 15_000, 'the sighting alert');
    expect(sighted.title).toContain('Sighted');
    const obj = (await hub.server.inject({ method: 'GET', url: '/api/v1/objects/indicator--6b0e6b33-3c3e-4e8f-9a48-2b9f3c4d5e61', headers: as(bank.key) })).json();
    expect(new Set(obj.sightings.map((x: { sighting: string }) => x.sighting)).size).toBe(1);
    // A known source is sighted, not made a new scanner indicator.
    const look = (await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(bank.key), payload: { values: ['45.33.32.156'] } })).json();
    expect(JSON.stringify(look).match(/indicator--/g)?.length).toBe(1);
  });

  it('honeypot downloads become indicators of their URL and hash', async () => {
    const honeypot = await registerSensor(hub, police.key, { label: 'cowrie', kind: 'honeypot', share_tlp: 'green' });
    const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b856'.replace(/^e3/, 'a1');
    await postEvents(hub, honeypot, [
      { eventid: 'cowrie.session.connect', src_ip: '185.222.209.151', src_port: 6892, timestamp: at(180), dst_ip: '172.17.0.3', dst_port: 2222, session: 's1', protocol: 'ssh' },
      { eventid: 'cowrie.login.success', src_ip: '185.222.209.151', timestamp: at(181), session: 's1', username: 'root', password: 'admin' },
      { eventid: 'cowrie.session.file_download', src_ip: '185.222.209.151', timestamp: at(182), session: 's1', url: 'http://115.239.248.235:283/sysem', shasum: sha, outfile: 'var/lib/cowrie/downloads/x' },
    ]);
    await hub.app.sensors.flushNow();
    const look = (await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(isp.key), payload: { values: ['http://115.239.248.235:283/sysem', sha] } })).json();
    expect(JSON.stringify(look).match(/indicator--/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('a hub analyst drafts the observation summary and publishes it as a CLEAR advisory without addresses', async () => {
    // An analyst of the hub's own organisation: only it may publish as the hub.
    const analyst = await hub.app.orgs.addUser(null, hub.hubOrgId, { name: 'JC3 analyst', role: 'hub_analyst' });
    const hubAnalyst = { key: (await hub.app.orgs.createKey(null, analyst.id, 'test')).key };
    hub.app.auth.invalidate();
    expect((await hub.server.inject({ method: 'POST', url: '/api/v1/observations/summary', headers: as(isp.key), payload: {} })).statusCode).toBe(403);
    const draft = await hub.server.inject({ method: 'POST', url: '/api/v1/observations/summary', headers: as(hubAnalyst.key), payload: { from: new Date(t - 3_600_000).toISOString(), to: new Date(t + 120_000).toISOString() } });
    expect(draft.statusCode, draft.body).toBe(201);
    const a = draft.json();
    expect(a.status).toBe('draft');
    expect(a.title.en).toMatch(/^Internet observation summary, /);
    expect(a.title.ja).toMatch(/^インターネット観測結果/);
    expect(a.body.en).toContain('| tcp/23 |');
    expect(a.body.en).toContain('DoS attacks inferred from backscatter: 1 victim address(es)');
    // Only the sensor whose owner allowed summaries is counted, and no address is named.
    expect(a.body.en).toMatch(/Kessetsu sensors \(1\)/);
    for (const ip of ['203.0.113.10', '192.0.2.80', '45.33.32.156', '198.51.100.']) expect(`${a.body.en}${a.body.ja}`).not.toContain(ip);
    const pub = await hub.server.inject({ method: 'POST', url: `/api/v1/advisories/${a.id}/publish`, headers: as(hubAnalyst.key) });
    expect(pub.statusCode, pub.body).toBe(200);
    expect(pub.json().status).toBe('published');
    const open = (await hub.server.inject({ method: 'GET', url: '/advisories.json' })).json();
    expect(open.items.map((i: { id: string }) => i.id)).toContain(a.id);
  });

  it('accesses per sensor per day, for statistics, within the policy', async () => {
    const mine = await hub.app.sensors.observations.accessesPerDay({ kind: 'user', userId: police.userId, orgId: police.org.id, orgKind: 'law_enforcement', sector: null, role: 'member', ndaAccepted: true, groupIds: [], keyId: null }, { from: new Date(t - 86_400_000), to: new Date(t + 86_400_000) });
    const day = new Date(t).toISOString().slice(0, 10);
    const row = mine.find((r) => r.sensor_id === sensor.id && r.day === day)!;
    expect(row.accesses).toBe(26 + 30 + 2);
    expect(mine.some((r) => r.sensor_id === quiet.id)).toBe(true);
    const theirs = await hub.app.sensors.observations.accessesPerDay({ kind: 'user', userId: bank.userId, orgId: bank.org.id, orgKind: 'industry', sector: 'finance', role: 'member', ndaAccepted: true, groupIds: [], keyId: null }, { from: new Date(t - 86_400_000), to: new Date(t + 86_400_000) });
    expect(theirs.some((r) => r.sensor_id === quiet.id)).toBe(false);
    expect(theirs.some((r) => r.sensor_id === sensor.id)).toBe(true);
  });
});
