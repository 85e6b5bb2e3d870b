import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../support/storage.ts';
import { makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { minutesAgo, registerSensor, startSensorHub, type TestSensor } from './support.ts';
import { MinuteBucket } from '../../src/sensors/aggregate/minute.bucket.ts';
import { DetectionActions } from '../../src/sensors/detect/detection.actions.ts';
import { Detectors } from '../../src/sensors/detect/detectors.ts';
import { newEvent } from '../../src/sensors/events/sensor-event.ts';
import type { SensorRow } from '../../src/sensors/sensors.tables.ts';

// Issue 14, known weakness fixed: a scanner becomes an indicator of the sensor owner's organisation once a
// day across nodes and restarts (the claim is in the database, not in one node's memory).
describeStorage('scanner indicators are made once a day across nodes', (backend) => {
  let hub: TestHub;
  let police: TestMember;
  let sensor: TestSensor;
  let row: SensorRow;
  beforeAll(async () => {
    hub = await startSensorHub(backend);
    police = await makeMember(hub, { kind: 'law_enforcement' });
    sensor = await registerSensor(hub, police.key, { label: 'telescope', address_space: ['198.51.100.0/24'], share_tlp: 'green' });
    row = await hub.app.storage.db.selectFrom('sensors').selectAll().where('id', '=', sensor.id).executeTakeFirstOrThrow();
  });
  afterAll(() => hub?.close());

  /** A node's actions on the hub's database (a second node, or this one after a restart). */
  function node(): DetectionActions {
    return new DetectionActions({ db: hub.app.storage.db, ingest: hub.app.ingest, index: hub.app.index, registry: hub.app.feedback.registry, alerts: hub.app.feedback.alerts });
  }

  /** A closed minute in which each source probed five sensor addresses on telnet. */
  function minuteOf(minute: number, sources: readonly number[]): MinuteBucket {
    const b = new MinuteBucket(sensor.id, minute, false);
    for (const s of sources)
      for (let d = 1; d <= 5; d++) {
        const e = newEvent();
        Object.assign(e, { time: minute + d * 1000, src4: s, srcPort: 50000, dst4: (198 << 24 >>> 0) + (51 << 16) + (100 << 8) + d, dstPort: 23, proto: 6, flags: 2, size: 60 });
        b.add(e);
      }
    return b;
  }

  async function scannerIndicators(): Promise<{ object_id: string; modified: string }[]> {
    const rows = await hub.app.storage.db.selectFrom('contributions').select(['object_id', 'data']).where('org_id', '=', police.org.id).where('object_id', 'like', 'indicator--%').execute();
    return rows.map((r) => {
      const d = (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as { modified: string };
      return { object_id: r.object_id, modified: d.modified };
    });
  }

  it('a second node (or a restart) does not make the same scanner indicator again; a new scanner still is', async () => {
    const first = minutesAgo(10);
    const a = (203 << 24 >>> 0) + (0 << 16) + (113 << 8) + 10; // 203.0.113.10
    const b = a + 1;
    const detectors = new Detectors();
    const m1 = minuteOf(first, [a]);
    const found1 = detectors.observe(m1);
    expect(found1.filter((d) => d.kind === 'scanner').map((d) => d.subject)).toEqual(['203.0.113.10']);
    await node().handle(row, m1, found1);
    const after1 = await scannerIndicators();
    expect(after1).toHaveLength(1);

    // The same scanner a minute later on another node: no second indicator, no new version.
    const m2 = minuteOf(first + 60_000, [a, b]);
    const found2 = new Detectors().observe(m2);
    expect(found2.filter((d) => d.kind === 'scanner').map((d) => d.subject).sort()).toEqual(['203.0.113.10', '203.0.113.11']);
    await node().handle(row, m2, found2);
    const after2 = await scannerIndicators();
    expect(after2).toHaveLength(2);
    expect(after2.find((r) => r.object_id === after1[0]!.object_id)).toEqual(after1[0]);
    const claims = await hub.app.storage.db.selectFrom('sensor_scanner_claims').select('subject').where('org_id', '=', police.org.id).execute();
    expect(claims.map((c) => c.subject).sort()).toEqual(['203.0.113.10', '203.0.113.11']);
  });
});
