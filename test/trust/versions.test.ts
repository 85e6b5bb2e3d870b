import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { describeStorage } from '../support/storage.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { MEMBERS_COLLECTION_ID, PUBLIC_COLLECTION_ID } from '../../src/taxii/taxii.collections.ts';
import { orgIdentity } from '../../src/orgs/org-identity.ts';
import { ObservableIndex } from '../../src/lookup/observable.index.ts';
import { catchUpIndex } from '../../src/lookup/index.loader.ts';
import { contributionPredicate } from '../../src/access/visibility.policy.ts';

// Issue 10, points 1 and 2: versions belong to the contribution that made them. Another member's newer
// version never overwrites, revokes or re-attributes what an organisation shared; a version is seen only at
// its own level; every read path shows each viewer the newest version it may see, the lookup index included.

const T0 = '2026-03-01T00:00:00.000Z';
const T1 = '2026-03-02T00:00:00.000Z';
const T2 = '2026-03-03T00:00:00.000Z';

function indicator(id: string, domain: string, modified: string, extra: Record<string, unknown> = {}) {
  return { type: 'indicator', spec_version: '2.1', id, created: T0, modified, name: `phishing ${domain}`, description: `the bank saw ${domain}`, pattern: `[domain-name:value = '${domain}']`, pattern_type: 'stix', valid_from: T0, ...extra };
}

async function share(hub: TestHub, m: TestMember, objects: object[], query: string): Promise<{ status: number; body: string }> {
  const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&${query}`, headers: { ...as(m.key), 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects }) });
  return { status: r.statusCode, body: r.body };
}

async function everything(hub: TestHub, key: string | undefined, id: string, values: string[]): Promise<string> {
  const h = key ? as(key) : {};
  const get = async (url: string, extra: Record<string, string> = {}) => (await hub.server.inject({ method: 'GET', url, headers: { ...h, ...extra } })).body;
  const taxii = { accept: 'application/taxii+json;version=2.1' };
  const collection = key ? MEMBERS_COLLECTION_ID : PUBLIC_COLLECTION_ID;
  const out = [
    await get(`/api/v1/objects/${id}`),
    await get('/api/v1/objects?limit=1000'),
    await get(`/taxii2/api/collections/${collection}/objects/`, taxii),
    await get(`/taxii2/api/collections/${collection}/objects/?match[version]=all`, taxii),
    (await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: h, payload: { values } })).body,
  ];
  if (key) for (const f of ['stix', 'misp', 'csv', 'plain', 'json']) out.push(await get(`/api/v1/export?format=${f}`));
  return out.join('\n');
}

describeStorage('versions belong to their contributions', (backend) => {
  let hub: TestHub;
  let bank: TestMember;
  let hostile: TestMember;
  let reader: TestMember;
  let police: TestMember;
  let analyst: TestMember;

  beforeAll(async () => {
    hub = await startHub(backend);
    bank = await makeMember(hub, { name: 'Sakura Bank', sector: 'finance' });
    hostile = await makeMember(hub, { name: 'Hostile Member', sector: 'telecom' });
    reader = await makeMember(hub, { name: 'Reader Shop', sector: 'ecommerce' });
    police = await makeMember(hub, { name: 'Prefectural Police', kind: 'law_enforcement', role: 'investigator' });
    analyst = await makeMember(hub, { kind: 'hub', role: 'hub_analyst' });
  });
  afterAll(() => hub.close());

  describe('no member can change what another organisation shared', () => {
    const id = `indicator--${randomUUID()}`;

    beforeAll(async () => {
      expect((await share(hub, bank, [indicator(id, 'bank-original.example', T0)], 'tlp=green')).status).toBe(200);
      // The hostile member re-sends the bank's indicator: newer, revoked, another pattern, another text, at GREEN and CLEAR.
      const forged = indicator(id, 'hostile-pattern.example', T2, { revoked: true, description: 'PWNED by a hostile member' });
      expect((await share(hub, hostile, [forged], 'tlp=green')).status).toBe(200);
      expect((await share(hub, hostile, [{ ...forged, modified: '2026-03-04T00:00:00.000Z' }], 'tlp=clear')).status).toBe(200);
    });

    it("every other member is shown the bank's version, attributed to the bank, everywhere", async () => {
      const detail = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${id}`, headers: as(reader.key) })).json();
      expect(detail.object.description).toBe('the bank saw bank-original.example');
      expect(detail.object.revoked).toBeUndefined();
      expect(detail.object.pattern).toBe("[domain-name:value = 'bank-original.example']");
      const owner = detail.contributions.find((c: { owner: boolean }) => c.owner);
      expect(owner.organisation.name).toBe('Sakura Bank');
      // The hostile version is listed as the hostile member's own, beside the bank's.
      const theirs = detail.versions.filter((v: { organisation: { name: string } | null }) => v.organisation?.name === 'Hostile Member');
      expect(theirs.length).toBeGreaterThan(0);
      expect(theirs.every((v: { shown: boolean }) => !v.shown)).toBe(true);
      const plain = (await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=plain', headers: as(reader.key) })).body.split('\n');
      expect(plain).toContain('bank-original.example');
      expect(plain).not.toContain('hostile-pattern.example');
      const stix = (await hub.server.inject({ method: 'GET', url: `/api/v1/export?format=stix&ids=${id}`, headers: as(reader.key) })).json();
      expect(stix.objects.filter((o: { id: string }) => o.id === id).map((o: { description: string }) => o.description)).toEqual(['the bank saw bank-original.example']);
      const taxii = (await hub.server.inject({ method: 'GET', url: `/taxii2/api/collections/${MEMBERS_COLLECTION_ID}/objects/?match[id]=${id}`, headers: { ...as(reader.key), accept: 'application/taxii+json;version=2.1' } })).json();
      expect(taxii.objects.map((o: { description: string }) => o.description)).toEqual(['the bank saw bank-original.example']);
      const lookup = (await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(reader.key), payload: { values: ['bank-original.example', 'hostile-pattern.example'] } })).json();
      expect(lookup.items.map((i: { value: string }) => i.value)).toEqual(['bank-original.example']);
    });

    it("the public sees only the hostile member's CLEAR version, as the hostile member's, never the bank's text", async () => {
      const all = await everything(hub, undefined, id, ['bank-original.example']);
      expect(all).not.toContain('the bank saw');
      const detail = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${id}` })).json();
      expect(detail.contributions.map((c: { organisation: { name: string } }) => c.organisation.name)).toEqual(['Hostile Member']);
    });

    it('the bank still versions its own object', async () => {
      expect((await share(hub, bank, [indicator(id, 'bank-original.example', T1, { description: 'the bank updated it' })], 'tlp=green')).status).toBe(200);
      const detail = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${id}`, headers: as(reader.key) })).json();
      expect(detail.object.description).toBe('the bank updated it');
    });

    it("speaking as another organisation is refused, naming the object: its identity, or created_by_ref naming it", async () => {
      const bankIdentity = orgIdentity(bank.org);
      const renamed = { ...bankIdentity, modified: T2, name: 'Sakura Bank (compromised, do not trust)' };
      const r1 = await share(hub, hostile, [renamed], 'tlp=clear');
      expect(r1.status).toBe(422);
      expect(r1.body).toContain(bankIdentity.id);
      const r2 = await share(hub, hostile, [indicator(`indicator--${randomUUID()}`, 'framed.example', T0, { created_by_ref: bankIdentity.id })], 'tlp=green');
      expect(r2.status).toBe(422);
      expect(r2.body).toContain('created_by_ref');
      const pub = (await hub.server.inject({ method: 'GET', url: '/api/v1/objects?limit=1000' })).body;
      expect(pub).not.toContain('compromised');
    });

    it('a hub analyst acts through an explicit, audited step, and only a hub analyst may', async () => {
      const revoked = indicator(id, 'bank-original.example', '2026-03-05T00:00:00.000Z', { revoked: true });
      expect((await share(hub, hostile, [revoked], 'tlp=green&as_hub=true')).status).toBe(403);
      expect((await share(hub, analyst, [revoked], 'tlp=green&as_hub=true')).status).toBe(200);
      const detail = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${id}`, headers: as(reader.key) })).json();
      expect(detail.object.revoked).toBe(true);
      const audit = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'actor_user_id']).where('action', '=', 'ingest.hub_override').execute();
      expect(audit).toEqual([{ action: 'ingest.hub_override', actor_user_id: analyst.userId }]);
      const plain = (await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=plain', headers: as(reader.key) })).body.split('\n');
      expect(plain).not.toContain('bank-original.example');
    });
  });

  describe('a version is visible only at its own level', () => {
    const id = `indicator--${randomUUID()}`;

    beforeAll(async () => {
      expect((await share(hub, bank, [indicator(id, 'green-then-red.example', T0)], 'tlp=green')).status).toBe(200);
      const secret = indicator(id, 'green-then-red.example', T1, { description: 'RED-ONLY investigation detail' });
      expect((await share(hub, bank, [secret], `tlp=red&users=${police.userId}`)).status).toBe(200);
    });

    it('a GREEN member is shown the GREEN version in every read path, the RED text nowhere', async () => {
      const all = await everything(hub, reader.key, id, ['green-then-red.example']);
      expect(all).toContain('the bank saw green-then-red.example');
      expect(all).not.toContain('RED-ONLY');
      const detail = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${id}`, headers: as(reader.key) })).json();
      expect(detail.tlp).toBe('green');
    });

    it('the named person is shown the newer RED version', async () => {
      const detail = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${id}`, headers: as(police.key) })).json();
      expect(detail.object.description).toBe('RED-ONLY investigation detail');
      expect(detail.tlp).toBe('red');
    });

    it("a police RED display name on an e-mail observable never reaches GREEN members", async () => {
      const value = `mule-${randomUUID().slice(0, 8)}@example.net`;
      const plainAddr = { type: 'email-addr', spec_version: '2.1', value };
      const { deterministicId } = await import('../../src/stix/deterministic-id.ts');
      const addrId = deterministicId('email-addr', { value })!;
      expect((await share(hub, bank, [{ ...plainAddr, id: addrId }], 'tlp=green')).status).toBe(200);
      expect((await share(hub, police, [{ ...plainAddr, id: addrId, display_name: 'Suspect Yamada Taro' }], `tlp=red&users=${police.userId}`)).status).toBe(200);
      const all = await everything(hub, reader.key, addrId, [value]);
      expect(all).toContain(value);
      expect(all).not.toContain('Yamada');
      // The police keep their own content, as their contribution's version beside the bank's.
      const mine = (await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${addrId}`, headers: as(police.key) })).json();
      expect(mine.versions.map((v: { tlp: string; organisation: { name: string } }) => [v.tlp, v.organisation.name]).sort()).toEqual([
        ['green', 'Sakura Bank'],
        ['red', 'Prefectural Police'],
      ]);
    });
  });

  describe('the lookup index follows pattern changes and revocations at once', () => {
    it('answers before and after a restart agree', async () => {
      const id = `indicator--${randomUUID()}`;
      const look = async (values: string[]) =>
        ((await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: as(reader.key), payload: { values } })).json().items as { value: string }[]).map((i) => i.value);
      expect((await share(hub, bank, [indicator(id, 'first-pattern.example', T0)], 'tlp=green')).status).toBe(200);
      expect(await look(['first-pattern.example', 'second-pattern.example'])).toEqual(['first-pattern.example']);
      expect((await share(hub, bank, [indicator(id, 'second-pattern.example', T1)], 'tlp=green')).status).toBe(200);
      expect(await look(['first-pattern.example', 'second-pattern.example'])).toEqual(['second-pattern.example']);
      // A fresh index built from the database (what a restart does) gives the same answers.
      const fresh = new ObservableIndex();
      await catchUpIndex(hub.app.storage.db, fresh);
      const viewer = await hub.app.auth.authenticate(reader.key);
      const keys = ['domain-name:first-pattern.example', 'domain-name:second-pattern.example'];
      const visible = contributionPredicate(viewer);
      expect(keys.map((k) => fresh.match(viewer, k, visible)?.objects.some((o) => o.id === id) ?? false)).toEqual([false, true]);
      expect(keys.map((k) => hub.app.index.match(viewer, k, visible)?.objects.some((o) => o.id === id) ?? false)).toEqual([false, true]);
      expect((await share(hub, bank, [indicator(id, 'second-pattern.example', T2, { revoked: true })], 'tlp=green')).status).toBe(200);
      expect(await look(['first-pattern.example', 'second-pattern.example'])).toEqual([]);
      const again = new ObservableIndex();
      await catchUpIndex(hub.app.storage.db, again);
      expect(again.match(viewer, 'domain-name:second-pattern.example', visible)?.objects.some((o) => o.id === id) ?? false).toBe(false);
    });
  });
});
