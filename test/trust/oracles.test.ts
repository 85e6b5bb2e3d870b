import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { deterministicId } from '../../src/stix/deterministic-id.ts';

// Issue 10, point 3: no existence oracle. What an answer says about values others shared (dangling
// references, ingest counts, lookup counts and sectors, warnings) is computed only over what the caller may
// see, plus anonymous counting where the policy allows it — never for the public, never for organisations
// without an NDA, never revealing law enforcement.

const NOW = '2026-04-01T00:00:00.000Z';

function ipBundle(ips: string[], extra: object[] = []) {
  return { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [...ips.map((ip) => ({ type: 'ipv4-addr', spec_version: '2.1', id: deterministicId('ipv4-addr', { value: ip }), value: ip })), ...extra] };
}

async function ingest(hub: TestHub, m: TestMember, bundle: object, query: string) {
  const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&${query}`, headers: { ...as(m.key), 'content-type': 'application/json' }, payload: JSON.stringify(bundle) });
  return { status: r.statusCode, json: r.json() };
}

interface LookupItem {
  value: string;
  orgCount?: number;
  org_count?: number;
  sectors: string[];
}

async function lookup(hub: TestHub, key: string | undefined, value: string): Promise<{ orgs: number; sectors: string[] } | null> {
  const r = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: key ? as(key) : {}, payload: { values: [value] } });
  const item = (r.json().items as LookupItem[])[0];
  return item ? { orgs: item.orgCount ?? item.org_count ?? -1, sectors: item.sectors } : null;
}

describeStorage('no existence oracle', (backend) => {
  let hub: TestHub;
  let bank: TestMember;
  let secretive: TestMember;
  let prober: TestMember;
  let police: TestMember;
  let noNda: TestMember;

  beforeAll(async () => {
    hub = await startHub(backend);
    bank = await makeMember(hub, { name: 'Open Bank', sector: 'finance' });
    secretive = await makeMember(hub, { name: 'Secretive Bank', sector: 'finance' });
    prober = await makeMember(hub, { name: 'Prober Telecom', sector: 'telecom' });
    police = await makeMember(hub, { name: 'Cyber Police', kind: 'law_enforcement', role: 'investigator' });
    noNda = await makeMember(hub, { name: 'Fresh Member', sector: 'ecommerce', nda: false });
  });
  afterAll(() => hub.close());

  it('a dry run names a value shared out of sight exactly as one never shared: both dangling', async () => {
    const hidden = '203.0.113.61';
    const never = '203.0.113.62';
    expect((await ingest(hub, secretive, ipBundle([hidden]), 'tlp=red')).status).toBe(200);
    const ind = { type: 'indicator', spec_version: '2.1', id: `indicator--${randomUUID()}`, created: NOW, modified: NOW, pattern: `[ipv4-addr:value = '${hidden}']`, pattern_type: 'stix', valid_from: NOW };
    const rel = (target: string) => ({ type: 'relationship', spec_version: '2.1', id: `relationship--${randomUUID()}`, created: NOW, modified: NOW, relationship_type: 'based-on', source_ref: ind.id, target_ref: target });
    const hiddenId = deterministicId('ipv4-addr', { value: hidden })!;
    const neverId = deterministicId('ipv4-addr', { value: never })!;
    const r = await ingest(hub, prober, { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [ind, rel(hiddenId), rel(neverId)] }, 'tlp=green&dry_run=true');
    expect(r.status).toBe(200);
    const dangling = (r.json.warnings as { reason: string }[]).filter((w) => w.reason.startsWith('dangling reference'));
    expect(dangling.map((w) => w.reason.includes(hiddenId) || w.reason.includes(neverId))).toEqual([true, true]);
  });

  it('ingest counts are the same whether another organisation already shared the values or not', async () => {
    const taken = ['203.0.113.71', '203.0.113.72'];
    const fresh = ['203.0.113.81', '203.0.113.82'];
    expect((await ingest(hub, secretive, ipBundle(taken), `tlp=amber&orgs=${bank.org.id}`)).status).toBe(200);
    const a = await ingest(hub, prober, ipBundle(taken), 'tlp=green');
    const b = await ingest(hub, prober, ipBundle(fresh), 'tlp=green');
    expect(a.json.counts).toEqual(b.json.counts);
    expect(a.json.counts).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
  });

  it('the public learns nothing beyond CLEAR: a police report of a server stays invisible', async () => {
    const ip = '198.51.100.91';
    expect((await ingest(hub, bank, ipBundle([ip]), 'tlp=clear')).status).toBe(200);
    expect((await ingest(hub, police, ipBundle([ip]), 'tlp=amber')).status).toBe(200);
    expect(await lookup(hub, undefined, ip)).toEqual({ orgs: 1, sectors: ['finance'] });
    // A member with an NDA may count anonymous AMBER contributions, but never law enforcement's.
    expect(await lookup(hub, prober.key, ip)).toEqual({ orgs: 1, sectors: ['finance'] });
    const detail = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${deterministicId('ipv4-addr', { value: ip })}` })).json();
    expect(detail.reported_by).toEqual({ orgs: 1, sectors: ['finance'] });
  });

  it('an organisation without an NDA cannot count others by sharing the value to itself at RED', async () => {
    const ip = '198.51.100.92';
    expect((await ingest(hub, secretive, ipBundle([ip]), 'tlp=amber')).status).toBe(200);
    expect((await ingest(hub, bank, ipBundle([ip]), 'tlp=green')).status).toBe(200);
    expect((await ingest(hub, noNda, ipBundle([ip]), 'tlp=red')).status).toBe(200);
    // It sees its own RED contribution only: GREEN needs an NDA, the AMBER one is not counted for it.
    expect(await lookup(hub, noNda.key, ip)).toEqual({ orgs: 1, sectors: ['ecommerce'] });
    // A member with an NDA counts the GREEN one and, anonymously, the AMBER one; never the RED one.
    expect(await lookup(hub, prober.key, ip)).toEqual({ orgs: 2, sectors: ['finance'] });
  });
});
