import { afterAll, beforeAll, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Sector, Tlp } from '../../src/db/schema.ts';
import { deterministicId } from '../../src/stix/deterministic-id.ts';
import { describeStorage } from '../support/storage.ts';
import { as, joinGroup, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';

import { refCountable, refVisible, type RefContribution, type RefViewer } from './reference.ts';

const SECTORS: readonly Sector[] = ['finance', 'telecom', 'ecommerce', 'other'];
const LEVELS: readonly Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];

const worldArb = fc.record({
  orgs: fc.array(fc.record({ sector: fc.constantFrom(...SECTORS), nda: fc.boolean() }), { minLength: 2, maxLength: 5 }),
  groups: fc.array(fc.array(fc.nat(4), { maxLength: 3 }), { maxLength: 2 }),
  contributions: fc.array(
    fc.record({ by: fc.nat(4), value: fc.nat(2), tlp: fc.constantFrom(...LEVELS), orgs: fc.array(fc.nat(4), { maxLength: 2 }), groups: fc.array(fc.nat(1), { maxLength: 1 }), users: fc.array(fc.nat(4), { maxLength: 2 }), anonymous: fc.boolean() }),
    { minLength: 1, maxLength: 6 },
  ),
});

describeStorage('trust property: what every viewer gets equals the reference', (backend) => {
  let hub: TestHub;
  let analyst: TestMember;
  let run = 0;
  beforeAll(async () => {
    hub = await startHub(backend);
    analyst = await makeMember(hub, { kind: 'hub', role: 'hub_analyst' });
  });
  afterAll(() => hub.close());

  it('objects list, detail and lookup counts match the reference for random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        run++;
        const members: TestMember[] = [];
        for (const o of w.orgs) members.push(await makeMember(hub, { sector: o.sector, nda: o.nda }));
        const groupMembers = new Map<string, string[]>();
        const groupIds: string[] = [];
        for (const g of w.groups) {
          const ids = [...new Set(g.map((i) => members[i % members.length]!.org.id))];
          const r = await hub.server.inject({ method: 'POST', url: '/api/v1/groups', headers: as(analyst.key), payload: { name: `g-${run}-${groupIds.length}`, members: ids } });
          expect(r.statusCode).toBe(201);
          for (const id of ids) await joinGroup(hub, r.json().id, members.find((m) => m.org.id === id)!);
          groupIds.push(r.json().id);
          groupMembers.set(r.json().id, ids);
        }
        hub.app.auth.invalidate();
        const values = [0, 1, 2].map((i) => `10.${run % 250}.${Math.floor(run / 250)}.${i + 1}`);
        const refs = new Map<string, RefContribution[]>();
        for (const c of w.contributions) {
          const m = members[c.by % members.length]!;
          const orgs = [...new Set(c.orgs.map((i) => members[i % members.length]!.org.id))];
          const groups = [...new Set(c.groups.map((i) => groupIds[i % Math.max(groupIds.length, 1)]).filter((g): g is string => !!g && groupMembers.get(g)!.includes(m.org.id)))];
          const users = [...new Set(c.users.map((i) => members[i % members.length]!.userId))];
          const value = values[c.value]!;
          const bundle = { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [{ type: 'ipv4-addr', spec_version: '2.1', id: deterministicId('ipv4-addr', { value }), value }] };
          const qs = new URLSearchParams({ format: 'stix', tlp: c.tlp, ...(orgs.length ? { orgs: orgs.join(',') } : {}), ...(groups.length ? { groups: groups.join(',') } : {}), ...(users.length ? { users: users.join(',') } : {}), ...(c.anonymous ? { anonymous: 'true' } : {}) });
          const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?${qs}`, headers: { ...as(m.key), 'content-type': 'application/json' }, payload: JSON.stringify(bundle) });
          expect(r.statusCode, r.body).toBe(200);
          const amberish = c.tlp === 'amber' || c.tlp === 'amber+strict';
          const list = refs.get(value) ?? [];
          // The store keeps one contribution per organisation and audience: the same share twice is one.
          const scope = `${m.org.id}|${c.tlp}|${[...(amberish ? orgs : [])].sort()}|${[...(amberish ? groups : [])].sort()}|${[...(c.tlp === 'red' ? users : [])].sort()}|${c.anonymous}`;
          if (list.some((x) => (x as RefContribution & { scope?: string }).scope === scope)) continue;
          list.push({ scope,  orgId: m.org.id, userId: m.userId, tlp: c.tlp, orgs: amberish ? orgs : [], groups: amberish ? groups : [], users: c.tlp === 'red' ? users : [], allowCount: c.tlp === 'clear' || c.tlp === 'green' || c.tlp === 'amber' });
          refs.set(value, list);
        }
        const viewers: { ref: RefViewer; key: string | undefined }[] = [
          { ref: { kind: 'public' }, key: undefined },
          { ref: { kind: 'hub' }, key: analyst.key },
          ...members.map((m, i) => ({ ref: { kind: 'member' as const, orgId: m.org.id, userId: m.userId, nda: w.orgs[i]!.nda }, key: m.key })),
        ];
        for (const v of viewers) {
          const headers = v.key ? as(v.key) : {};
          const look = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers, payload: { values } });
          const items = new Map((look.json().items as { value: string; org_count: number }[]).map((i) => [i.value, i]));
          for (const value of values) {
            const cs = refs.get(value) ?? [];
            const visible = cs.filter((c) => refVisible(v.ref, c, groupMembers));
            const expectSeen = visible.length > 0;
            const list = await hub.server.inject({ method: 'GET', url: `/api/v1/objects?type=ipv4-addr&value=${value}`, headers });
            expect(list.statusCode).toBe(200);
            expect(list.json().items.length, `list ${value} as ${JSON.stringify(v.ref)}`).toBe(expectSeen ? 1 : 0);
            const id = deterministicId('ipv4-addr', { value })!;
            const detail = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${id}`, headers });
            expect(detail.statusCode, `detail ${value}`).toBe(expectSeen ? 200 : 404);
            if (expectSeen) expect(detail.json().contributions.length).toBe(visible.length);
            expect(items.has(value), `lookup ${value}`).toBe(expectSeen);
            if (expectSeen) {
              const countable = new Set(cs.filter((c) => refCountable(v.ref, c, groupMembers)).map((c) => c.orgId));
              expect(items.get(value)!.org_count, `org_count ${value}`).toBe(countable.size);
              expect(detail.json().reported_by.orgs).toBe(countable.size);
            }
          }
        }
      }),
      { numRuns: Number(process.env.TRUST_PROPERTY_RUNS ?? 10), seed: Number(process.env.TRUST_PROPERTY_SEED ?? 20261123) },
    );
  }, 300_000);
});
