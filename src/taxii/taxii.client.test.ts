import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaxiiClient, TaxiiClientError, safeUrl } from './taxii.client.ts';

// A remote that misbehaves on purpose, one behaviour per path.
let server: Server;
let base: string;
const hits = new Map<string, number>();
const seen: { path: string; authorization: string | undefined; accept: string | undefined; contentType: string | undefined; body: string }[] = [];

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = (req.url ?? '').split('?')[0]!;
  const n = (hits.get(path) ?? 0) + 1;
  hits.set(path, n);
  seen.push({ path: req.url ?? '', authorization: req.headers.authorization, accept: req.headers.accept, contentType: req.headers['content-type'], body });
  const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/taxii+json;version=2.1', ...headers }).end(JSON.stringify(value));
  };
  if (path.startsWith('/flaky/')) return n < 3 ? json(503, { title: 'Service Unavailable', http_status: '503' }) : json(200, { more: false, objects: [{ id: 'x--1' }] }, { 'x-taxii-date-added-last': '2026-01-01T00:00:00.000001Z' });
  if (path.startsWith('/denied/')) return json(401, { title: 'Unauthorized', description: 'API key is not valid', http_status: '401' });
  if (path.startsWith('/html/')) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
  if (path.startsWith('/notenvelope/')) return json(200, [1, 2, 3]);
  if (path.startsWith('/badobjects/')) return json(200, { objects: 'many' });
  if (path.startsWith('/huge/')) return void res.writeHead(200, { 'content-type': 'application/taxii+json;version=2.1' }).end('{"objects":[' + '"x",'.repeat(300_000) + '"x"]}');
  if (path.startsWith('/hang/')) return; // never answers
  if (path.startsWith('/slowbody/')) {
    res.writeHead(200, { 'content-type': 'application/taxii+json;version=2.1' });
    res.write('{"objects":[');
    return; // the body never ends
  }
  if (path.startsWith('/ok/') && req.method === 'POST') return json(202, { id: 's1', status: 'complete', total_count: 1, success_count: 1, failure_count: 0, pending_count: 0 });
  if (path.startsWith('/ok/')) return json(200, { more: true, next: 'tok', objects: [{ id: 'indicator--1' }] }, { 'x-taxii-date-added-first': '2026-01-01T00:00:00Z', 'x-taxii-date-added-last': '2026-01-02T00:00:00Z' });
  return json(404, { title: 'Not Found', http_status: '404' });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => answer(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const client = (path: string, o: ConstructorParameters<typeof TaxiiClient>[1] = {}) =>
  new TaxiiClient({ url: `${base}${path}`, auth: 'basic', username: 'peer', secret: 'ks_s3cret_value' }, { timeoutMs: 1000, retries: 0, backoffMs: 5, ...o });

async function failure(p: Promise<unknown>): Promise<TaxiiClientError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TaxiiClientError);
    expect((err as Error).message).not.toContain('s3cret');
    return err as TaxiiClientError;
  }
  throw new Error('expected a failure');
}

describe('TAXII client', () => {
  it('sends the TAXII media type and credentials, passes filters, reads the envelope and the date headers', async () => {
    const page = await client('/ok/collections/c1/').getObjects({ addedAfter: '2026-01-01T00:00:00Z', limit: 5, next: 'abc' });
    expect(page).toEqual({ objects: [{ id: 'indicator--1' }], more: true, next: 'tok', dateAddedFirst: '2026-01-01T00:00:00Z', dateAddedLast: '2026-01-02T00:00:00Z' });
    const req = seen.find((s) => s.path.startsWith('/ok/collections/c1/objects/?'))!;
    expect(req.path).toBe('/ok/collections/c1/objects/?added_after=2026-01-01T00%3A00%3A00Z&limit=5&next=abc');
    expect(req.accept).toBe('application/taxii+json;version=2.1');
    expect(req.authorization).toBe(`Basic ${Buffer.from('peer:ks_s3cret_value').toString('base64')}`);
    const status = await client('/ok/collections/c1').addObjects('{"id":"indicator--1"}');
    expect(status.success_count).toBe(1);
    const post = seen.find((s) => s.body !== '')!;
    expect(post.contentType).toBe('application/taxii+json;version=2.1');
    expect(JSON.parse(post.body)).toEqual({ objects: [{ id: 'indicator--1' }] });
  });

  it('retries transient failures with backoff', async () => {
    const page = await client('/flaky/c/', { retries: 3 }).getObjects();
    expect(page.objects).toHaveLength(1);
    expect(hits.get('/flaky/c/objects/')).toBe(3);
  });

  it('gives clear errors for refusals, garbage, huge bodies and servers that hang', async () => {
    const denied = await failure(client('/denied/c/', { retries: 3 }).getObjects());
    expect(denied.message).toMatch(/HTTP 401: API key is not valid \(check the credentials/);
    expect(hits.get('/denied/c/objects/')).toBe(1);
    expect((await failure(client('/html/c/').getObjects())).message).toMatch(/not JSON \(starts with "<html>maintenance/);
    expect((await failure(client('/notenvelope/c/').getObjects())).kind).toBe('garbage');
    expect((await failure(client('/badobjects/c/').getObjects())).message).toMatch(/objects is not a list/);
    expect((await failure(client('/huge/c/', { maxBodyBytes: 100_000 }).getObjects())).kind).toBe('too_large');
    const hang = await failure(client('/hang/c/', { timeoutMs: 200, retries: 1 }).getObjects());
    expect(hang.kind).toBe('timeout');
    expect(hang.message).toMatch(/no complete answer within 200 ms/);
    // It gave up on each attempt and tried once more, no more: the deadline bounds the wait.
    expect(hits.get('/hang/c/objects/')).toBe(2);
    expect((await failure(client('/slowbody/c/', { timeoutMs: 200 }).getObjects())).kind).toBe('timeout');
    const refused = await failure(new TaxiiClient({ url: 'http://127.0.0.1:1/c/', auth: 'bearer', username: null, secret: 'ks_s3cret_value' }, { retries: 0 }).getObjects());
    expect(refused.kind).toBe('network');
  });

  it('never prints credentials or queries of a URL', () => {
    expect(safeUrl('https://user:pw@peer.example:8443/taxii2/api/collections/x/?next=secret#f')).toBe('https://peer.example:8443/taxii2/api/collections/x/');
    expect(safeUrl('not a url')).toBe('(unparsable url)');
  });
});
