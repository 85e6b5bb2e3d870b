import { gzipSync } from 'node:zlib';
import type { SensorsOptions } from '../../src/sensors/sensors.module.ts';
import type { FeedbackOptions } from '../../src/feedback/feedback.module.ts';
import type { Backend } from '../support/storage.ts';
import { as, startHub, type TestHub } from '../support/app.ts';

/** Sensor options for tests: no timer (tests flush), no warm-up wait unless asked. */
export const TEST_SENSORS: SensorsOptions = { tickMs: 3_600_000 };

/** startHub with sensor options. */
export function startSensorHub(backend: Backend, sensors: SensorsOptions = {}, feedback?: FeedbackOptions): Promise<TestHub> {
  return startHub(backend, {}, { sensors: { ...TEST_SENSORS, ...sensors }, ...(feedback ? { feedback } : {}) });
}

/** A sensor registered through the API: its id and key. */
export interface TestSensor {
  readonly id: string;
  readonly key: string;
}

/** Registers a sensor as the holder of `key`. */
export async function registerSensor(hub: TestHub, key: string, body: Record<string, unknown> = {}): Promise<TestSensor> {
  const res = await hub.server.inject({ method: 'POST', url: '/api/v1/sensors', headers: as(key), payload: { label: 'test sensor', ...body } });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return { id: res.json().id, key: res.json().key };
}

/** Posts NDJSON lines (or a body) as a sensor; gzip when asked. */
export function postEvents(hub: TestHub, sensor: TestSensor, lines: readonly (string | Record<string, unknown>)[] | Buffer, opts: { gzip?: boolean; key?: string } = {}) {
  const raw = Buffer.isBuffer(lines) ? lines : Buffer.from(lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  const payload = opts.gzip ? gzipSync(raw) : raw;
  return hub.server.inject({ method: 'POST', url: `/api/v1/sensors/${sensor.id}/events`, headers: { authorization: `Bearer ${opts.key ?? sensor.key}`, 'content-type': 'application/x-ndjson' }, payload });
}

/** Start of the current minute minus `minutes`, epoch ms. */
export function minutesAgo(minutes: number, now = Date.now()): number {
  return now - (now % 60_000) - minutes * 60_000;
}
