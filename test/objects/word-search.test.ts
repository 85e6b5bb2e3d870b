import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { describeStorage } from '../support/storage.ts';

// Word search (GET /api/v1/objects?text=, issue 13 point 4): matches values, names and descriptions through
// the trigram indexes of migration T17-01, keeps the access policy, pages newest first.

describeStorage('objects: word search', (backend) => {
  let hub: TestHub;
  let sakura: TestMember;
  let momiji: TestMember;
  let kaede: TestMember;

  const ingest = async (m: TestMember, objects: object[], query = 'tlp=green') => {
    const res = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&${query}`, headers: { ...as(m.key), 'content-type': 'application/json' }, payload: JSON.stringify({ type: 'bundle', id: `bundle--${randomUUID()}`, objects }) });
    expect(res.statusCode, res.body).toBe(200);
  };
  const search = async (m: TestMember, q: string) => {
    const res = await hub.server.inject({ method: 'GET', url: `/api/v1/objects?${q}`, headers: as(m.key) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: { id: string; object: { value?: string; name?: string } }[]; next: string | null };
  };
  const now = new Date().toISOString();
  const sdo = (type: string, name: string, description?: string) => ({ type, spec_version: '2.1', id: `${type}--${randomUUID()}`, created: now, modified: now, name, ...(description ? { description } : {}), ...(type === 'malware' ? { is_family: true } : {}) });
  const malware = sdo('malware', 'Kurogane loader', 'Drops a stealer; talks to its C2 over HTTPS.');
  const campaign = sdo('campaign', 'Autumn wave', 'Phishing lures naming Kurogane invoices, 100%_off coupons.');

  beforeAll(async () => {
    hub = await startHub(backend);
    sakura = await makeMember(hub, { name: 'Sakura Bank' });
    momiji = await makeMember(hub, { name: 'Momiji Bank' });
    kaede = await makeMember(hub, { name: 'Kaede Bank' });
    // Twelve domains of one kit, shared with every member, then two things only Momiji Bank may see.
    await ingest(sakura, Array.from({ length: 12 }, (_, i) => ({ type: 'domain-name', spec_version: '2.1', id: `domain-name--${randomUUID()}`, value: `login${i}.kurogane-kit.example` })));
    await ingest(sakura, [malware, campaign]);
    await ingest(sakura, [{ type: 'domain-name', spec_version: '2.1', id: `domain-name--${randomUUID()}`, value: 'secret.kurogane-kit.example' }, sdo('malware', 'Kurogane private build')], `tlp=amber&orgs=${momiji.org.id}`);
  }, 120_000);
  afterAll(async () => hub?.close());

  it('the migration made trigram indexes on values, names and descriptions', async () => {
    const r = await sql<{ indexname: string }>`select indexname from pg_indexes where indexname like '%_trgm' order by indexname`.execute(hub.app.storage.db);
    expect(r.rows.map((x) => x.indexname)).toEqual(['contributions_description_trgm', 'contributions_name_trgm', 'stix_objects_value_trgm']);
  });

  it('finds words in values, names and descriptions, case-insensitively, each object once', async () => {
    const byValue = await search(kaede, 'text=LOGIN7.kurogane');
    expect(byValue.items.map((o) => o.object.value)).toEqual(['login7.kurogane-kit.example']);
    const byName = await search(kaede, 'text=loader');
    expect(byName.items.map((o) => o.id)).toEqual([malware.id]);
    const byDescription = await search(kaede, `text=${encodeURIComponent('C2 over https')}`);
    expect(byDescription.items.map((o) => o.id)).toEqual([malware.id]);
    // "kurogane" is in values, names and a description: every visible object once, newest first.
    const all = await search(kaede, 'text=kurogane&limit=50');
    expect(all.items).toHaveLength(14);
    expect(new Set(all.items.map((o) => o.id)).size).toBe(14);
    expect(all.items.slice(0, 2).map((o) => o.id).sort()).toEqual([malware.id, campaign.id].sort());
  });

  it('keeps the access policy: AMBER for a named bank only', async () => {
    expect((await search(momiji, 'text=kurogane&limit=50')).items).toHaveLength(16);
    expect((await search(momiji, 'text=private build')).items.map((o) => o.object.name)).toEqual(['Kurogane private build']);
    expect((await search(kaede, 'text=private build')).items).toEqual([]);
    expect((await search(kaede, 'text=secret.kurogane')).items).toEqual([]);
  });

  it('pages newest first with the cursor, and takes % and _ literally', async () => {
    const first = await search(kaede, 'text=kurogane-kit&limit=5');
    expect(first.items).toHaveLength(5);
    expect(first.next).not.toBeNull();
    const seen = new Set(first.items.map((o) => o.id));
    let next = first.next;
    while (next) {
      const page = await search(kaede, `text=kurogane-kit&limit=5&cursor=${encodeURIComponent(next)}`);
      for (const o of page.items) {
        expect(seen.has(o.id)).toBe(false);
        seen.add(o.id);
      }
      next = page.next;
    }
    expect(seen.size).toBe(12);
    expect((await search(kaede, `text=${encodeURIComponent('100%_off')}`)).items.map((o) => o.id)).toEqual([campaign.id]);
    expect((await search(kaede, `text=${encodeURIComponent('100%_of_')}`)).items).toEqual([]);
    expect((await search(kaede, `text=${encodeURIComponent('login_.kurogane')}`)).items).toEqual([]);
  });

  it('combines words with the other filters', async () => {
    expect((await search(kaede, 'text=kurogane&type=malware')).items.map((o) => o.id)).toEqual([malware.id]);
    expect((await search(kaede, 'text=kurogane&type=campaign,domain-name&limit=50')).items).toHaveLength(13);
  });
});
