import { PassThrough } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors.ts';
import { installInputGuard } from './input.guard.ts';

// A route that takes its body as a stream (an evidence upload) or as parsed JSON, behind the guard.
async function server() {
  const app = Fastify();
  installInputGuard(app);
  app.setErrorHandler((e: Error, _req, reply) => reply.code(e instanceof AppError ? 400 : 500).send({ error: e.message }));
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => {
    // A stream carrying internal state the guard must not walk: a NUL in a field, nesting deeper than JSON allows.
    const stream = new PassThrough() as PassThrough & { note?: string; deep?: unknown };
    stream.note = 'internal\u0000state';
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { deep };
    stream.deep = deep;
    payload.pipe(stream);
    done(null, stream);
  });
  app.post('/upload', async (req) => ({ stream: req.body instanceof PassThrough }));
  app.post('/json', async () => ({ ok: true }));
  return app;
}

describe('input guard', () => {
  it('walks parsed JSON, query strings and parameters, not a raw body taken as a stream', async () => {
    const app = await server();
    const up = await app.inject({ method: 'POST', url: '/upload', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from([0, 1, 2, 0]) });
    expect(up.statusCode, up.body).toBe(200);
    expect(up.json()).toEqual({ stream: true });
    const json = await app.inject({ method: 'POST', url: '/json', payload: { name: 'a\u0000b' } });
    expect(json.statusCode).toBe(400);
    expect(json.json().error).toMatch(/^body\.name: contains a NUL/);
    const query = await app.inject({ method: 'POST', url: '/json?q=%00', payload: {} });
    expect(query.statusCode).toBe(400);
    expect(query.json().error).toMatch(/^query\.q: contains a NUL/);
    await app.close();
  });
});
