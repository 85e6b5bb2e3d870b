import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { minutesAgo, postEvents, registerSensor, startSensorHub, type TestSensor } from './support.ts';

describeStorage('sensors API: registration, events, bad input, visibility', (backend) => {
  let hub: TestHub;
  let isp: TestMember;
  let bank: TestMember;
  let outsider: TestMember;
  let sensor: TestSensor;
  const t = minutesAgo(3);
  const line = (src: string, port: number, extra: Record<string, unknown> = {}) => ({ time: new Date(t + 1000).toISOString(), src_ip: src, src_port: 40000, dst_ip: '198.51.100.7', dst_port: port, protocol: 'tcp', tcp_flags: 'S', size: 60, ...extra });

  beforeAll(async () => {
    hub = await startSensorHub(backend);
    isp = await makeMember(hub, { name: 'Hikari ISP', sector: 'telecom' });
    bank = await makeMember(hub, { name: 'Sakura Bank' });
    outsider = await makeMember(hub, { name: 'No NDA Corp', nda: false });
    sensor = await registerSensor(hub, isp.key, { label: 'Hikari darknet', address_space: ['198.51.100.0/24', '2001:DB8::/32'], share_tlp: 'green', public_summary: true });
  });
  afterAll(async () => hub?.close());

  it('registers a sensor: id and key once, the address space normalised, bad fields refused by name', async () => {
    expect(sensor.key).toMatch(/^kss_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
    const got = await hub.server.inject({ method: 'GET', url: `/api/v1/sensors/${sensor.id}`, headers: as(isp.key) });
    expect(got.json()).toMatchObject({ id: sensor.id, label: 'Hikari darknet', org_id: isp.org.id, detail: true, address_space: ['198.51.100.0/24', '2001:db8::/32'], share: { tlp: 'green' } });
    expect(got.body).not.toContain(sensor.key);
    for (const [body, field] of [
      [{}, 'label'],
      [{ label: 'x', address_space: ['198.51.100.0/33'] }, 'address_space[0]'],
      [{ label: 'x', share_tlp: 'purple' }, 'share_tlp'],
      [{ label: 'x', share_orgs: ['00000000-0000-4000-8000-000000000000'] }, 'share_orgs'],
      [{ label: 'x', org_id: bank.org.id }, null],
    ] as const) {
      const res = await hub.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: as(isp.key), payload: body });
      expect(res.statusCode, JSON.stringify(body)).toBe(field === null ? 403 : 400);
      if (field) expect(res.body).toContain(field);
    }
  });

  it('takes NDJSON and gzip batches, reports bad lines by number and keeps the rest', async () => {
    const res = await postEvents(hub, sensor, [line('203.0.113.5', 23), '{"time": "not a time", "src_ip": "203.0.113.5"}', line('203.0.113.6', 2323), '{broken', line('203.0.113.5', 23, { time: new Date(Date.now() + 3_600_000).toISOString() }), line('203.0.113.5', 23, { time: '2019-08-21T18:16:47Z' })]);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.accepted).toBe(2);
    expect(r.rejected).toBe(4);
    expect(r.errors.map((e: { line: number }) => e.line)).toEqual([2, 4, 5, 6]);
    expect(r.errors[2].reason).toMatch(/ahead of the hub's clock/);
    expect(r.errors[3].reason).toMatch(/older than 48 h/);
    const gz = await postEvents(hub, sensor, [line('203.0.113.7', 445), line('2001:db8:ffff::9', 445)], { gzip: true });
    expect(gz.json()).toEqual({ accepted: 2, rejected: 0, errors: [] });
    const none = await postEvents(hub, sensor, ['nope', '{"src_ip": "1.2.3.4"}']);
    expect(none.statusCode).toBe(422);
    expect(none.json().error.details.errors).toHaveLength(2);
    const corrupt = await hub.server.inject({ method: 'POST', url: `/api/v1/sensors/${sensor.id}/events`, headers: { authorization: `Bearer ${sensor.key}` }, payload: Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]) });
    expect(corrupt.statusCode).toBe(400);
    const empty = await hub.server.inject({ method: 'POST', url: `/api/v1/sensors/${sensor.id}/events`, headers: { authorization: `Bearer ${sensor.key}` }, payload: '' });
    expect(empty.statusCode).toBe(400);
  });

  it('unknown sensors are 404, wrong, missing and people\'s keys 401, revoked sensors 401', async () => {
    const other = await registerSensor(hub, bank.key, { label: 'bank honeypot', kind: 'honeypot' });
    expect((await postEvents(hub, { id: '00000000-0000-4000-8000-000000000000', key: sensor.key }, [line('203.0.113.5', 23)])).statusCode).toBe(404);
    expect((await postEvents(hub, { id: 'not-an-id', key: sensor.key }, [line('203.0.113.5', 23)])).statusCode).toBe(404);
    expect((await postEvents(hub, sensor, [line('203.0.113.5', 23)], { key: other.key })).statusCode).toBe(401);
    expect((await postEvents(hub, sensor, [line('203.0.113.5', 23)], { key: isp.key })).statusCode).toBe(401);
    expect((await hub.server.inject({ method: 'POST', url: `/api/v1/sensors/${sensor.id}/events`, payload: JSON.stringify(line('203.0.113.5', 23)) })).statusCode).toBe(401);
    expect((await postEvents(hub, other, [line('203.0.113.5', 23)])).statusCode).toBe(200);
    // Only the owner (or the hub) revokes.
    expect((await hub.server.inject({ method: 'DELETE', url: `/api/v1/sensors/${other.id}`, headers: as(isp.key) })).statusCode).toBe(404);
    const revoked = await hub.server.inject({ method: 'DELETE', url: `/api/v1/sensors/${other.id}`, headers: as(bank.key) });
    expect(revoked.json().revoked_at).not.toBeNull();
    const after = await postEvents(hub, other, [line('203.0.113.5', 23)]);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toMatch(/revoked/);
  });

  it('a flooding sensor is limited without slowing the others', async () => {
    const slow = await registerSensor(hub, isp.key, { label: 'limited', rate_limit: 10 });
    const batch = Array.from({ length: 50 }, (_, i) => line(`203.0.113.${i + 1}`, 23));
    expect((await postEvents(hub, slow, batch)).statusCode).toBe(200);
    const refused = await postEvents(hub, slow, batch);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json().error.code).toBe('rate_limited');
    // Concurrent batches of another sensor are all taken.
    const others = await Promise.all(Array.from({ length: 4 }, () => postEvents(hub, sensor, batch)));
    expect(others.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
  });

  it('stats: the owner sees detail, a GREEN member aggregates only, an organisation without NDA nothing', async () => {
    await hub.app.sensors.flushNow();
    const own = (await hub.server.inject({ method: 'GET', url: `/api/v1/sensors/${sensor.id}/stats?from=${new Date(t - 60_000).toISOString()}&to=${new Date(t + 120_000).toISOString()}&resolution=minute`, headers: as(isp.key) })).json();
    expect(own.totals).toMatchObject({ packets: 2 + 2 + 4 * 50, unique_sources: 51, approximate: false });
    expect(own.top.ports.map((p: { key: string }) => p.key)).toEqual(['tcp/23', 'tcp/445', 'tcp/2323']);
    expect(own.top.sources[0]).toMatchObject({ key: '203.0.113.5', count: 5 });
    expect(own.sensor.address_space).toEqual(['198.51.100.0/24', '2001:db8::/32']);
    expect(own.series.find((s: { time: string }) => s.time === new Date(t).toISOString())).toMatchObject({ packets: 204, unique_sources: 51 });
    const green = (await hub.server.inject({ method: 'GET', url: `/api/v1/sensors/${sensor.id}/stats?from=${new Date(t - 60_000).toISOString()}&to=${new Date(t + 120_000).toISOString()}`, headers: as(bank.key) })).json();
    expect(green.totals.packets).toBe(204);
    expect(green.top).not.toHaveProperty('sources');
    expect(green.sensor).not.toHaveProperty('address_space');
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/sensors/${sensor.id}/stats`, headers: as(outsider.key) })).statusCode).toBe(404);
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/sensors/${sensor.id}/stats` })).statusCode).toBe(401);
    const obs = (await hub.server.inject({ method: 'GET', url: `/api/v1/observations?from=${new Date(t - 60_000).toISOString()}&to=${new Date(t + 120_000).toISOString()}`, headers: as(outsider.key) })).json();
    expect(obs.sensors).toEqual([]);
    expect(obs.totals.packets).toBe(0);
  });
});
