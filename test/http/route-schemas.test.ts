// Start time (issue 17.3): route schemas are compiled on first use, once per process. These tests hold what
// eager compilation gave for free: every schema of every route compiles, a bad request is still a 400 naming
// the field, a response still carries only what its schema declares, and a second hub in the process behaves
// like the first.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import Fastify from 'fastify';
import { describeStorage } from '../support/storage.ts';
import { as, startHub, type TestHub } from '../support/app.ts';
import { checkRouteSchemas, routeSchemasOf, serializerCompiler, validatorCompiler } from '../../src/http/validator.ts';
import { installErrorHandler } from '../../src/http/error-handler.ts';

describeStorage('route schemas compiled on first use', (backend) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub(backend);
  });
  afterAll(() => hub.close());

  it('every schema of every route compiles', () => {
    const routes = routeSchemasOf(hub.server);
    expect(routes.length).toBeGreaterThan(100);
    expect(routes.some((r) => r.url === '/api/v1/orgs')).toBe(true);
    expect(checkRouteSchemas(routes)).toBeGreaterThan(100);
  });

  it('a request the schema refuses is a 400 naming the field; a second hub answers alike', async () => {
    const bad = { name: 42, kind: 'industry' };
    const first = await hub.server.inject({ method: 'POST', url: '/api/v1/orgs', headers: as(hub.adminKey), payload: bad });
    expect(first.statusCode).toBe(400);
    expect(first.json().error.code).toBe('validation_failed');
    expect(first.body).toContain('name');
    const second = await startHub(backend);
    try {
      const again = await second.server.inject({ method: 'POST', url: '/api/v1/orgs', headers: as(second.adminKey), payload: bad });
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual(first.json());
      const ok = await second.server.inject({ method: 'POST', url: '/api/v1/orgs', headers: as(second.adminKey), payload: { name: 'Second hub bank', kind: 'industry', sector: 'finance' } });
      expect(ok.statusCode).toBe(201);
      expect(ok.json().name).toBe('Second hub bank');
    } finally {
      await second.close();
    }
  });
});

it('query strings are coerced, bodies are not, and responses carry only their schema', async () => {
  const server = Fastify({ logger: false });
  server.setValidatorCompiler(validatorCompiler());
  server.setSerializerCompiler(serializerCompiler());
  installErrorHandler(server);
  server.post('/x', {
    schema: {
      querystring: Type.Object({ n: Type.Integer({ minimum: 1 }), flag: Type.Optional(Type.Boolean({ default: false })) }),
      body: Type.Object({ n: Type.Integer() }),
      response: { 200: Type.Object({ n: Type.Integer(), q: Type.Integer(), flag: Type.Boolean() }) },
    },
  }, async (req) => {
    const q = req.query as { n: number; flag: boolean };
    return { n: (req.body as { n: number }).n, q: q.n, flag: q.flag, secret: 'not in the schema' };
  });
  try {
    const ok = await server.inject({ method: 'POST', url: '/x?n=3', payload: { n: 5 } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ n: 5, q: 3, flag: false });
    expect(ok.body).not.toContain('secret');
    const stringBody = await server.inject({ method: 'POST', url: '/x?n=3', payload: { n: '5' } });
    expect(stringBody.statusCode).toBe(400);
    const badQuery = await server.inject({ method: 'POST', url: '/x?n=0', payload: { n: 5 } });
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.body).toContain('n');
  } finally {
    await server.close();
  }
});

it('a schema that does not compile is named with its route', () => {
  const broken = { type: 'object', properties: { n: { type: 'integer', minimum: 'one' } } };
  expect(() => checkRouteSchemas([{ method: 'POST', url: '/broken', schema: { body: broken } }])).toThrow(/POST \/broken: the body schema does not compile/);
  expect(() => checkRouteSchemas([{ method: 'GET', url: '/fine', schema: { querystring: { type: 'object' } } }])).not.toThrow();
});
