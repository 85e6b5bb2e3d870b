import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub } from '../support/app.ts';
import { camelCaseKeys, camelCaseSchemaProperties } from '../support/casing.ts';
import { buildServer } from '../../src/http/server.ts';

describeStorage('HTTP server: headers, logs, limits, metrics, docs', (backend) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub(backend, { KESSETSU_RATE_LIMIT: '30' });
  });
  afterAll(() => hub.close());

  it('JSON logs carry the request id and never the API key', async () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => lines.push(d.toString()));
    const server = await buildServer(hub.app, { logStream: stream });
    const r = await server.inject({ method: 'GET', url: '/api/v1/me', headers: { ...as(hub.adminKey), 'x-request-id': 'trace-123' } });
    expect(r.headers['x-request-id']).toBe('trace-123');
    await server.close();
    const log = lines.join('');
    expect(log).toContain('trace-123');
    expect(log).not.toContain(hub.adminKey);
    expect(log).not.toContain(hub.adminKey.slice('ks_0123456789_'.length));
  });

  it('sets security headers', async () => {
    const r = await hub.server.inject({ method: 'GET', url: '/healthz' });
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBeDefined();
    expect(r.headers['strict-transport-security']).toBeDefined();
  });

  it('rate-limits per key with a 429 in the error format', async () => {
    let last = 0;
    let body: { error?: { code: string } } = {};
    for (let i = 0; i < 40; i++) {
      const r = await hub.server.inject({ method: 'GET', url: '/api/v1/me', headers: as(hub.adminKey) });
      last = r.statusCode;
      body = r.json();
      if (last === 429) break;
    }
    expect(last).toBe(429);
    expect(body.error?.code).toBe('rate_limited');
    expect(camelCaseKeys(body)).toEqual([]);
  });

  it('JSON field names are snake_case: OpenAPI schemas and the ingest report', async () => {
    const doc = (await hub.server.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(camelCaseSchemaProperties(doc)).toEqual([]);
    const report = JSON.stringify(doc.paths['/api/v1/ingest'].post.responses['200']);
    for (const field of ['dry_run', 'by_type', 'created_at', 'finished_at']) expect(report).toContain(`"${field}"`);
    const member = await makeMember(hub); // the admin key is rate-limited by the test above
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/ingest?format=text&dry_run=true', headers: { ...as(member.key), 'content-type': 'text/plain' }, payload: 'C2 at 198.51.100.7' });
    expect(r.json()).toMatchObject({ dry_run: true, by_type: expect.any(Object), created_at: expect.any(String) });
    expect(camelCaseKeys(r.json())).toEqual([]);
  });

  it('serves the OpenAPI 3.1 document, the docs page and Prometheus metrics', async () => {
    const doc = await hub.server.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(doc.json().openapi).toBe('3.1.0');
    expect(Object.keys(doc.json().paths)).toEqual(expect.arrayContaining(['/api/v1/orgs', '/api/v1/ingest', '/api/v1/objects/{id}', '/api/v1/lookup']));
    const page = await hub.server.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    // The admin key spent its budget above: a hub analyst's own key reads the metrics.
    const analyst = await makeMember(hub, { kind: 'hub' });
    const metrics = await hub.server.inject({ method: 'GET', url: '/metrics', headers: as(analyst.key) });
    expect(metrics.body).toMatch(/kessetsu_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(metrics.body).toContain('kessetsu_http_request_duration_seconds_bucket');
  });

  it('a database failure is a 500 with the request id and no stack', async () => {
    const other = await startHub(backend);
    await sql`drop table orgs cascade`.execute(other.app.storage.db);
    const r = await other.server.inject({ method: 'GET', url: '/api/v1/orgs', headers: as(other.adminKey) });
    expect(r.statusCode).toBe(500);
    expect(r.json().error.code).toBe('internal');
    expect(r.json().error.message).toContain(r.headers['x-request-id'] as string);
    expect(r.body).not.toMatch(/at .*\.ts:\d+|relation|stack/i);
    const ready = await other.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    await other.close();
  });
});
