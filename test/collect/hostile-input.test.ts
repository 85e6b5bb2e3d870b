import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, makeMember, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';
import { startFeedbackHub } from '../feedback/support.ts';
import { MEMBERS_COLLECTION_ID, inboxCollectionId } from '../../src/taxii/taxii.collections.ts';

// Issue 10.8: a NUL character, a lone UTF-16 surrogate, or arrays/objects nested 200,000 deep, in any
// string or query parameter of any endpoint that takes JSON, a file or a query string, is a 400 or 422
// naming where, never a 500; a dry run reports the same refusal as the real ingest.

type Hostile = 'nul' | 'surrogate' | 'deep';
const DEPTH = 200_000;

/** The hostile piece as a JSON literal (for JSON bodies). */
function jsonPiece(h: Hostile): string {
  switch (h) {
    case 'nul':
      return JSON.stringify('evil\u0000.example');
    case 'surrogate':
      return JSON.stringify('evil\ud800.example');
    case 'deep':
      return '['.repeat(DEPTH) + ']'.repeat(DEPTH);
  }
}

/** The hostile piece as raw text inside XML (a NUL byte, a character reference to a lone surrogate, deep elements). */
function xmlPiece(h: Hostile): string {
  switch (h) {
    case 'nul':
      return 'evil\u0000.example';
    case 'surrogate':
      return 'evil&#xD800;.example';
    case 'deep':
      return '<x>'.repeat(DEPTH) + '</x>'.repeat(DEPTH);
  }
}

const now = '2026-11-01T00:00:00.000Z';
const id = (type: string) => `${type}--${crypto.randomUUID()}`;

function stixBundle(h: Hostile): string {
  const ind = { type: 'indicator', spec_version: '2.1', id: id('indicator'), created: now, modified: now, name: '@X@', pattern: "[domain-name:value = 'ok.example']", pattern_type: 'stix', valid_from: now };
  const body = JSON.stringify({ type: 'bundle', id: id('bundle'), objects: [ind] });
  return h === 'deep' ? body.replace('"@X@"', `"n", "x_deep": ${jsonPiece(h)}`) : body.replace('"@X@"', jsonPiece(h));
}

function mispEvent(h: Hostile): string {
  const body = JSON.stringify({ Event: { uuid: crypto.randomUUID(), info: 'test event', date: '2026-11-01', Attribute: [{ type: 'domain', category: 'Network activity', value: '@X@', to_ids: true }] } });
  return h === 'deep' ? body.replace('"@X@"', `"ok.example", "x_deep": ${jsonPiece(h)}`) : body.replace('"@X@"', jsonPiece(h));
}

function stix1(h: Hostile): string {
  return `<?xml version="1.0"?>
<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" xmlns:indicator="http://stix.mitre.org/Indicator-2" xmlns:cybox="http://cybox.mitre.org/cybox-2" xmlns:URIObj="http://cybox.mitre.org/objects#URIObject-2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="example:Package-1" version="1.2">
  <stix:Indicators>
    <stix:Indicator id="example:indicator-1" xsi:type="indicator:IndicatorType">
      <indicator:Title>${xmlPiece(h)}</indicator:Title>
      <indicator:Observable id="example:Observable-1"><cybox:Object id="example:URI-1"><cybox:Properties xsi:type="URIObj:URIObjectType" type="URL"><URIObj:Value condition="Equals">http://stix1-ok.example/a</URIObj:Value></cybox:Properties></cybox:Object></indicator:Observable>
    </stix:Indicator>
  </stix:Indicators>
</stix:STIX_Package>`;
}

function openIoc(h: Hostile): string {
  return `<?xml version="1.0"?>
<ioc xmlns="http://schemas.mandiant.com/2010/ioc" id="${crypto.randomUUID()}">
  <short_description>${xmlPiece(h)}</short_description>
  <definition><Indicator operator="OR" id="${crypto.randomUUID()}">
    <IndicatorItem id="${crypto.randomUUID()}" condition="is"><Context document="Network" search="Network/DNS"/><Content type="string">openioc-ok.example.com</Content></IndicatorItem>
  </Indicator></definition>
</ioc>`;
}

/** One endpoint: how to send each hostile input, and what "where" the refusal must name. */
interface Row {
  readonly name: string;
  readonly hostile: readonly Hostile[];
  /** Sends the request; `dry` asks an ingest for a dry run. */
  send(h: Hostile, dry: boolean): Promise<{ statusCode: number; body: string }>;
  /** The place the refusal names (a field path, an object index, a line). */
  readonly where: RegExp;
  readonly ingest?: boolean;
}

describeStorage('issue 10.8: hostile text and nesting answer 4xx naming where, on every endpoint', (backend) => {
  let hub: TestHub;
  let m: TestMember;
  let analyst: TestMember;
  const rows: Row[] = [];

  beforeAll(async () => {
    hub = await startFeedbackHub(backend);
    m = await makeMember(hub);
    analyst = await makeMember(hub, { kind: 'hub' });
    const json = (method: 'POST' | 'PATCH', url: string, template: string, key = m.key) => (h: Hostile) =>
      hub.server.inject({ method, url, headers: { ...as(key), 'content-type': 'application/json' }, payload: template.replace('"@X@"', jsonPiece(h)) });
    // A lone surrogate cannot travel in a URL (it has no UTF-8 form), so query strings are tried with NUL.
    const query = (url: string, key = m.key) => () => hub.server.inject({ method: 'GET', url: url.replace('@X@', 'evil%00.example'), headers: as(key) });
    const ingest = (format: string, body: (h: Hostile) => string, type = 'application/octet-stream') => (h: Hostile, dry: boolean) =>
      hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=${format}${dry ? '&dry_run=true' : ''}`, headers: { ...as(m.key), 'content-type': type }, payload: body(h) });
    const taxiiHeaders = { ...as(m.key), accept: 'application/taxii+json;version=2.1', 'content-type': 'application/taxii+json;version=2.1' };
    rows.push(
      { name: 'ingest stix', hostile: ['nul', 'surrogate', 'deep'], send: ingest('stix', stixBundle, 'application/json'), where: /objects\[0\]/, ingest: true },
      { name: 'ingest misp', hostile: ['nul', 'surrogate', 'deep'], send: ingest('misp', mispEvent, 'application/json'), where: /Attribute\[0\]|objects\[\d+\]/, ingest: true },
      { name: 'ingest csv', hostile: ['nul'], send: ingest('csv', () => 'value,type,comment\nevil\u0000.example,domain,x\n', 'text/csv'), where: /line 2|objects\[\d+\]/, ingest: true },
      { name: 'ingest text', hostile: ['nul'], send: ingest('text', () => 'Phishing at http://evil.example/lo\u0000gin reported today by 198.51.100.1\n', 'text/plain'), where: /line 1|objects\[\d+\]/, ingest: true },
      { name: 'ingest eml', hostile: ['nul'], send: ingest('eml', () => 'From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\u0000there\r\nMessage-ID: <1@example.com>\r\n\r\nVisit http://evil.example/x\u0000y now\r\n', 'message/rfc822'), where: /line \d|objects\[\d+\]/, ingest: true },
      { name: 'ingest stix1', hostile: ['nul', 'surrogate', 'deep'], send: ingest('stix1', stix1, 'application/xml'), where: /line \d|objects\[\d+\]/, ingest: true },
      { name: 'ingest openioc', hostile: ['nul', 'surrogate', 'deep'], send: ingest('openioc', openIoc, 'application/xml'), where: /line \d|objects\[\d+\]/, ingest: true },
      { name: 'ingest ?filename', hostile: ['nul'], send: (h) => hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&filename=${h === 'nul' ? 'a%00b.json' : 'x'}`, headers: { ...as(m.key), 'content-type': 'application/json' }, payload: stixBundle('nul').replace(jsonPiece('nul'), '"fine"') }), where: /filename/ },
      { name: 'lookup', hostile: ['nul', 'surrogate', 'deep'], send: json('POST', '/api/v1/lookup', '{"values": ["@X@"]}'), where: /values\.0|values\[0\]/ },
      { name: 'sightings', hostile: ['nul', 'surrogate', 'deep'], send: json('POST', '/api/v1/sightings', '{"value": "198.51.100.9", "description": "@X@"}'), where: /description/ },
      { name: 'subscriptions', hostile: ['nul', 'surrogate', 'deep'], send: json('POST', '/api/v1/subscriptions', '{"name": "brand", "kind": "asset", "rule": {"keywords": ["sakura"], "note": "@X@"}}'), where: /rule\.note/ },
      { name: 'orgs create', hostile: ['nul', 'surrogate', 'deep'], send: (h) => json('POST', '/api/v1/orgs', '{"name": "@X@", "kind": "academia"}', hub.adminKey)(h), where: /name/ },
      { name: 'orgs update', hostile: ['nul', 'surrogate', 'deep'], send: (h) => json('PATCH', `/api/v1/orgs/${m.org.id}`, '{"name": "@X@"}', hub.adminKey)(h), where: /name/ },
      { name: 'users update', hostile: ['nul', 'surrogate', 'deep'], send: (h) => json('PATCH', `/api/v1/users/${m.userId}`, '{"name": "@X@"}')(h), where: /name/ },
      { name: 'keys create', hostile: ['nul', 'surrogate', 'deep'], send: (h) => json('POST', `/api/v1/users/${m.userId}/keys`, '{"name": "@X@"}')(h), where: /name/ },
      { name: 'groups create', hostile: ['nul', 'surrogate', 'deep'], send: json('POST', '/api/v1/groups', '{"name": "@X@", "members": []}'), where: /name/ },
      { name: 'advisories create', hostile: ['nul', 'surrogate', 'deep'], send: (h) => json('POST', '/api/v1/advisories', '{"title_en": "@X@"}', analyst.key)(h), where: /title_en/ },
      {
        name: 'taxii add objects',
        hostile: ['nul', 'surrogate', 'deep'],
        send: (h) => hub.server.inject({ method: 'POST', url: `/taxii2/api/collections/${inboxCollectionId(m.org.id)}/objects/`, headers: taxiiHeaders, payload: `{"objects": [${stixBundle(h).replace(/^.*"objects":\[/, '').replace(/\]\}$/, '')}]}` }),
        where: /objects\[0\]|objects\.0/,
      },
      { name: 'objects ?text', hostile: ['nul'], send: query('/api/v1/objects?text=@X@'), where: /text/ },
      { name: 'objects ?value', hostile: ['nul'], send: query('/api/v1/objects?value=@X@'), where: /value/ },
      { name: 'correlations ?value', hostile: ['nul'], send: query('/api/v1/correlations?value=@X@'), where: /value/ },
      { name: 'taxii ?match[id]', hostile: ['nul'], send: (h) => hub.server.inject({ method: 'GET', url: `/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/objects/?match[id]=${h === 'nul' ? 'indicator--a%00' : 'x'}`, headers: { ...as(m.key), accept: 'application/taxii+json;version=2.1' } }), where: /match/ },
      { name: 'object id in the path', hostile: ['nul'], send: () => hub.server.inject({ method: 'GET', url: '/api/v1/objects/indicator--%00', headers: as(m.key) }), where: /id/ },
    );
  });
  afterAll(async () => hub?.close());

  it('answers each hostile input on each endpoint with 400 or 422 naming where, and stays up', { timeout: 240_000 }, async () => {
    const failures: string[] = [];
    for (const row of rows) {
      for (const h of row.hostile) {
        const r = await row.send(h, false);
        const text = r.body.slice(0, 600);
        if (r.statusCode !== 400 && r.statusCode !== 422) failures.push(`${row.name} × ${h}: ${r.statusCode} ${text}`);
        else if (!row.where.test(r.body)) failures.push(`${row.name} × ${h}: does not name where (${row.where}): ${text}`);
        if (row.ingest) {
          const dry = await row.send(h, true);
          if (dry.statusCode !== r.statusCode) failures.push(`${row.name} × ${h}: dry run answers ${dry.statusCode}, the real ingest ${r.statusCode}: ${dry.body.slice(0, 300)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect((await hub.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // Nothing hostile was stored (every hostile value above says "evil").
    const all = await hub.server.inject({ method: 'GET', url: '/api/v1/objects?limit=1000', headers: as(hub.adminKey) });
    expect(all.statusCode).toBe(200);
    expect(all.body).not.toContain('evil');
  });

  it('a lenient STIX ingest drops only the object with unstorable text, naming it; strict takes nothing; dry run agrees', async () => {
    const good = { type: 'indicator', spec_version: '2.1', id: id('indicator'), created: now, modified: now, name: 'fine', pattern: "[domain-name:value = 'lenient-good.example.com']", pattern_type: 'stix', valid_from: now };
    const bad = { ...good, id: id('indicator'), name: 'bad\u0000name', pattern: "[domain-name:value = 'lenient-bad.example.com']" };
    const body = JSON.stringify({ type: 'bundle', id: id('bundle'), objects: [good, bad] });
    const post = (qs: string) => hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&${qs}`, headers: { ...as(m.key), 'content-type': 'application/json' }, payload: body });
    const strict = await post('');
    expect(strict.statusCode).toBe(422);
    expect(strict.json().error.details.errors[0]).toMatchObject({ where: 'objects[1].name', reason: expect.stringMatching(/NUL/) });
    const dry = await post('lenient=true&dry_run=true');
    expect(dry.statusCode).toBe(200);
    expect(dry.json().counts).toMatchObject({ objects: 1, rejected: 1 });
    const lenient = await post('lenient=true');
    expect(lenient.statusCode).toBe(200);
    expect(lenient.json().counts).toMatchObject({ objects: 1, created: 1, rejected: 1 });
    expect(lenient.json().errors[0].where).toBe('objects[1].name');
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${good.id}`, headers: as(m.key) })).statusCode).toBe(200);
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${bad.id}`, headers: as(hub.adminKey) })).statusCode).toBe(404);
  });
});
