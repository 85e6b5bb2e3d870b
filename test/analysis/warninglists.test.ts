import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openPostgres, type Storage } from '../../src/db/database.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';

// Issue 11.1 on a fresh hub without ../shared data: Kessetsu's own warninglists are there from the
// start, scoped. A public resolver touching every incident is no root source, benign sites never
// reach the RPZ zone or the Suricata rules, and every suppression says why to the contributor and
// to the hub.

const C2 = '45.9.148.114';
const BENIGN = ['google.com', 'yahoo.com', 'www.virustotal.com', 'github.com'];
const now = new Date().toISOString();
const id = (t: string) => `${t}--${crypto.randomUUID()}`;
const rel = (s: string, t: string) => ({ type: 'relationship', spec_version: '2.1', id: id('relationship'), created: now, modified: now, relationship_type: 'related-to', source_ref: s, target_ref: t });
const indicator = (pattern: string) => ({ type: 'indicator', spec_version: '2.1', id: id('indicator'), created: now, modified: now, name: pattern, pattern, pattern_type: 'stix', valid_from: now });

/** An incident pointing at the C2, the resolver, benign sites and a phishing domain of its own, as a member's platform shares it. */
function report(n: number): string {
  const inc = { type: 'incident', spec_version: '2.1', id: id('incident'), created: now, modified: now, name: `Unauthorised transfers ${n}` };
  const inds = [
    indicator(`[ipv4-addr:value = '${C2}']`),
    indicator("[ipv4-addr:value = '8.8.8.8']"),
    indicator(`[domain-name:value = 'secure-sakura-login${n}.com']`),
    ...BENIGN.map((d) => indicator(`[domain-name:value = '${d}']`)),
    indicator("[url:value = 'https://github.com/evil-user/repo/raw/main/payload.exe']"),
    indicator("[url:value = 'http://8.8.8.8/dns-query']"),
  ];
  return JSON.stringify({ type: 'bundle', id: id('bundle'), objects: [inc, ...inds, ...inds.map((i) => rel(inc.id, i.id))] });
}

async function ingest(hub: TestHub, key: string, body: string, query = 'tlp=green') {
  const res = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&${query}`, headers: { ...as(key), 'content-type': 'application/json' }, payload: body });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { id: string; warnings: { where: string; reason: string }[] };
}

describeStorage('warninglists: built in, on by default, scoped', (backend) => {
  let hub: TestHub;
  let members: TestMember[];
  let outsider: TestMember;
  let hubAnalyst: TestMember;
  let first: { id: string; warnings: { where: string; reason: string }[] };
  const get = async (key: string, url: string) => {
    const r = await hub.server.inject({ method: 'GET', url, headers: as(key) });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
    return r;
  };

  beforeAll(async () => {
    hub = await startHub(backend);
    await hub.app.analysis.updateSettings(['autoRun=false']);
    members = [await makeMember(hub, { sector: 'finance' }), await makeMember(hub, { sector: 'telecom' }), await makeMember(hub, { sector: 'ecommerce' })];
    outsider = await makeMember(hub, { sector: 'finance' });
    hubAnalyst = await makeMember(hub, { kind: 'hub', role: 'hub_analyst' });
    first = await ingest(hub, members[0]!.key, report(0));
    for (const [i, m] of members.entries()) if (i > 0) await ingest(hub, m.key, report(i));
    // Shared only with the hub: its values' suppressions are not the outsider's business.
    await ingest(hub, members[2]!.key, JSON.stringify({ type: 'bundle', id: id('bundle'), objects: [indicator("[domain-name:value = 'api.ipify.org']")] }), 'tlp=amber');
    await hub.app.analysis.drain();
    await hub.app.analysis.run('test');
  }, 240_000);
  afterAll(async () => hub?.close());

  it('a new database holds the built-in lists, enabled, with their scopes', async () => {
    const lists = (await get(hubAnalyst.key, '/api/v1/warninglists')).json().items as { slug: string; enabled: boolean; scopes: string[]; origin: string; stored_values: number }[];
    const bySlug = new Map(lists.map((l) => [l.slug, l]));
    expect(bySlug.get('kessetsu-public-resolvers')).toMatchObject({ enabled: true, scopes: ['never_correlate', 'never_blocklist'], origin: 'builtin' });
    expect(bySlug.get('kessetsu-documentation-ranges')).toMatchObject({ enabled: true, scopes: ['warn'], origin: 'builtin' });
    expect(bySlug.get('kessetsu-top-sites')!.stored_values).toBeGreaterThanOrEqual(3);
  });

  it('the contributor is told, on ingest, which values a list suppresses and why', () => {
    const resolver = first.warnings.find((w) => w.where === 'ipv4-addr 8.8.8.8');
    expect(resolver?.reason).toMatch(/^on warninglist kessetsu-public-resolvers \(Public DNS resolvers \(addresses\)\): never correlated.*never exported in blocklists/);
    expect(first.warnings.map((w) => w.where)).toEqual(expect.arrayContaining(BENIGN.map((d) => `domain-name ${d}`)));
    expect(first.warnings.map((w) => w.where).join('\n')).not.toContain(C2);
    expect(first.warnings.map((w) => w.where).join('\n')).not.toContain('secure-sakura');
  });

  it('the public resolver touching every incident is no root source; the C2 is the first', async () => {
    const items = (await get(hubAnalyst.key, '/api/v1/root-sources?limit=100')).json().items as { key: string; evidence: { incidents: number } }[];
    expect(items[0]).toMatchObject({ key: `ipv4-addr:${C2}`, evidence: { incidents: 3 } });
    expect(items.map((i) => i.key)).not.toContain('ipv4-addr:8.8.8.8');
    for (const d of BENIGN) expect(items.map((i) => i.key)).not.toContain(`domain-name:${d}`);
    const why = (await get(members[0]!.key, '/api/v1/correlations?value=8.8.8.8')).json() as { warninglisted: { list: string }[]; connected: unknown; explanation: string[] };
    expect(why.warninglisted.map((h) => h.list)).toEqual(['kessetsu-public-resolvers']);
    expect(why.connected).toBeNull();
  });

  it('the RPZ zone and the Suricata rules hold no benign host, but the C2 and the phishing domains', async () => {
    for (const format of ['rpz', 'suricata', 'plain']) {
      const body = (await get(outsider.key, `/api/v1/export?format=${format}`)).body;
      for (const d of BENIGN) expect(body, `${format} holds ${d}`).not.toMatch(new RegExp(`(^|[^a-z0-9-])${d.replaceAll('.', '\\.')}`, 'm'));
      expect(body, format).not.toContain('8.8.8.8');
      expect(body, format).not.toContain('8.8.8.8'.split('.').reverse().join('.'));
      expect(body, format).toContain('secure-sakura-login1.com');
    }
    expect((await get(outsider.key, '/api/v1/export?format=rpz')).body).toContain(`32.${C2.split('.').reverse().join('.')}.rpz-ip CNAME .`);
  });

  it('the hub lists what was suppressed and why; members only what they may see', async () => {
    const all = (await get(hubAnalyst.key, '/api/v1/warninglists/suppressed?limit=1000')).json().items as { key: string; lists: { slug: string; scopes: string[] }[]; effects: string[] }[];
    const byKey = new Map(all.map((i) => [i.key, i]));
    expect(byKey.get('ipv4-addr:8.8.8.8')).toMatchObject({ lists: [{ slug: 'kessetsu-public-resolvers', scopes: ['never_correlate', 'never_blocklist'] }], effects: ['never_correlate', 'never_blocklist'] });
    expect(byKey.get('url:https://github.com/evil-user/repo/raw/main/payload.exe')?.lists.map((l) => l.slug)).toEqual(['kessetsu-top-sites']);
    expect(byKey.get('domain-name:api.ipify.org')?.lists.map((l) => l.slug)).toEqual(['kessetsu-ip-echo-services']);
    expect(byKey.has(`ipv4-addr:${C2}`)).toBe(false);
    const theirs = (await get(outsider.key, '/api/v1/warninglists/suppressed?limit=1000')).json().items as { key: string }[];
    expect(theirs.map((i) => i.key)).toContain('ipv4-addr:8.8.8.8');
    expect(theirs.map((i) => i.key)).not.toContain('domain-name:api.ipify.org');
    const paged = (await get(hubAnalyst.key, '/api/v1/warninglists/suppressed?limit=2&scope=never_blocklist')).json() as { items: { key: string }[]; next: string };
    const next = (await get(hubAnalyst.key, `/api/v1/warninglists/suppressed?limit=2&scope=never_blocklist&cursor=${paged.next}`)).json() as { items: { key: string }[] };
    expect([...paged.items, ...next.items].map((i) => i.key)).toEqual(all.filter((i) => i.effects.includes('never_blocklist')).slice(0, 4).map((i) => i.key));
    // One list's values, in key order, each with every list it is on.
    const resolvers = (await get(hubAnalyst.key, '/api/v1/warninglists/suppressed?limit=1000&list=kessetsu-public-resolvers')).json().items as typeof all;
    expect(resolvers.map((i) => i.key)).toEqual(all.filter((i) => i.lists.some((l) => l.slug === 'kessetsu-public-resolvers')).map((i) => i.key));
    expect(resolvers.map((i) => i.key)).toContain('ipv4-addr:8.8.8.8');
    expect(resolvers.map((i) => i.key)).not.toContain('domain-name:api.ipify.org');
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/warninglists/suppressed' })).statusCode).toBe(401);
    expect((await hub.server.inject({ method: 'GET', url: '/api/v1/warninglists/suppressed?scope=everything', headers: as(hubAnalyst.key) })).statusCode).toBe(400);
  });

  it("the contribution's history says which of its values a list suppresses", async () => {
    const mine = (await get(members[0]!.key, '/api/v1/contributions?limit=100')).json().items as { id: number; object: { type: string; name: string } }[];
    const resolver = mine.find((c) => c.object.type === 'indicator' && c.object.name.includes("'8.8.8.8'"))!;
    const h = (await get(members[0]!.key, `/api/v1/contributions/${resolver.id}/history`)).json() as { warninglists: { key: string; lists: { slug: string }[]; reason: string }[] };
    expect(h.warninglists).toEqual([expect.objectContaining({ key: 'ipv4-addr:8.8.8.8', lists: [expect.objectContaining({ slug: 'kessetsu-public-resolvers' })] })]);
    expect(h.warninglists[0]!.reason).toMatch(/never exported in blocklists/);
    const c2 = mine.find((c) => c.object.type === 'indicator' && c.object.name.includes(C2))!;
    expect(((await get(members[0]!.key, `/api/v1/contributions/${c2.id}/history`)).json() as { warninglists: unknown[] }).warninglists).toEqual([]);
  });

  it('an admin changes what a list suppresses on the running hub; imports and upgrades keep the choice', async () => {
    const patch = (key: string, payload: Record<string, unknown>) => hub.server.inject({ method: 'PATCH', url: '/api/v1/warninglists/kessetsu-top-sites', headers: as(key), payload });
    expect((await patch(members[0]!.key, { scopes: ['warn'] })).statusCode).toBe(403);
    expect((await patch(hub.adminKey, { scopes: ['nonsense'] })).statusCode).toBe(400);
    expect((await patch(hub.adminKey, {})).statusCode).toBe(400);
    expect((await hub.server.inject({ method: 'PATCH', url: '/api/v1/warninglists/no-such-list', headers: as(hub.adminKey), payload: { enabled: false } })).statusCode).toBe(404);
    const ok = await patch(hub.adminKey, { scopes: ['warn'] });
    expect(ok.json()).toEqual({ slug: 'kessetsu-top-sites', scopes: ['warn'] });
    // Warned, not erased: github.com is back in the feeds, said so in JSON.
    const json = (await get(outsider.key, '/api/v1/export?format=json&type=domain-name')).json() as { items: { value: string; warninglists?: string[] }[] };
    expect(json.items.find((i) => i.value === 'github.com')).toMatchObject({ warninglists: ['kessetsu-top-sites'] });
    // An upgrade of the built-in lists keeps the admin's scopes and enabled flag.
    await hub.app.storage.db.updateTable('analysis_warninglists').set({ version: 0 }).where('slug', '=', 'kessetsu-top-sites').execute();
    const up = await hub.server.inject({ method: 'POST', url: '/api/v1/warninglists/builtin', headers: as(hub.adminKey) });
    expect(up.json()).toEqual({ updated: ['kessetsu-top-sites'] });
    const row = (await hub.app.warninglists.list()).find((l) => l.slug === 'kessetsu-top-sites')!;
    expect(row).toMatchObject({ scopes: ['warn'], scopes_by_admin: true, enabled: true, version: 1 });
    expect((await hub.server.inject({ method: 'POST', url: '/api/v1/warninglists/builtin', headers: as(hub.adminKey) })).json()).toEqual({ updated: [] });
    await patch(hub.adminKey, { scopes: ['never_correlate', 'never_blocklist'] });
    expect((await get(outsider.key, '/api/v1/export?format=plain')).body).not.toMatch(/^github\.com$/m);
  });

  it('an admin imports and updates a MISP list on the running hub; imported lists cannot take built-in names', async () => {
    const put = (slug: string, payload: Record<string, unknown>, q = '') => hub.server.inject({ method: 'PUT', url: `/api/v1/warninglists/${slug}${q}`, headers: as(hub.adminKey), payload });
    const list = { name: 'List of known Amazon AWS IP address ranges', version: 3, type: 'cidr', matching_attributes: ['ip-src', 'ip-dst'], list: ['45.9.148.0/24'] };
    const r = await put('amazon-aws', list);
    expect(r.json()).toMatchObject({ slug: 'amazon-aws', entries: 1, outcome: 'imported', scopes: ['warn'] });
    // Cloud ranges warn: the C2 stays in the feeds and in the root sources, its score lowered and explained.
    expect((await get(outsider.key, '/api/v1/export?format=plain&type=ipv4-addr')).body).toContain(C2);
    await hub.app.analysis.run('test');
    const top = (await get(hubAnalyst.key, '/api/v1/root-sources?limit=1')).json().items[0] as { key: string; warninglists: string[]; explanation: { factors: { term: string; value: number }[] } };
    expect(top.key).toBe(`ipv4-addr:${C2}`);
    expect(top.warninglists).toEqual(['amazon-aws']);
    expect(top.explanation.factors).toContainEqual(expect.objectContaining({ term: 'warninglist', value: 0.5 }));
    expect((await put('amazon-aws', { ...list, version: 2 }, '?only_if_newer=true')).json()).toMatchObject({ outcome: 'unchanged' });
    expect((await put('kessetsu-mine', list)).statusCode).toBe(400);
    expect((await put('broken', { name: 'x', type: 'cidr' })).json().error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('list: missing') });
    expect((await hub.server.inject({ method: 'PUT', url: '/api/v1/warninglists/x', headers: as(members[0]!.key), payload: list })).statusCode).toBe(403);
  });
});

// Another node of the same hub learns of list changes through LISTEN/NOTIFY (PostgreSQL only:
// PGlite is one process's database).
describeStorage('warninglists: other nodes reload', (backend) => {
  let hub: TestHub;
  let other: { app: App; storage: Storage } | undefined;
  beforeAll(async () => {
    hub = await startHub(backend);
    if (backend.name !== 'postgres') return;
    const storage = await openPostgres(hub.app.storage.location, 2);
    other = { storage, app: await createApp(loadConfig({}, { dataDir: '/nonexistent' }), { storage }) };
  });
  afterAll(async () => {
    await other?.app.close();
    await other?.storage.close();
    await hub?.close();
  });

  it.runIf(backend.name === 'postgres')('a list imported through one node silences the value on the other', async () => {
    const app = other!.app;
    expect(app.warninglists.silenced('ipv4-addr:45.9.148.114', 'never_blocklist')).toBeNull();
    const r = await hub.server.inject({ method: 'PUT', url: '/api/v1/warninglists/test-sinkholes', headers: as(hub.adminKey), payload: { name: 'Test sinkholes', type: 'cidr', list: ['45.9.148.0/24'] } });
    expect(r.statusCode).toBe(200);
    for (let i = 0; i < 100 && !app.warninglists.silenced('ipv4-addr:45.9.148.114', 'never_blocklist'); i++) await new Promise((res) => setTimeout(res, 100));
    expect(app.warninglists.silenced('ipv4-addr:45.9.148.114', 'never_blocklist')?.list).toBe('test-sinkholes');
  });
});
