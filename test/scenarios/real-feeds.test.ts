import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Viewer } from '../../src/access/viewer.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { describeStorage } from '../support/storage.ts';
import { params, prepareHub } from './support.ts';

// The real feeds through the real importers, by three organisations: ThreatFox (a bank), the Tor
// exit list (a telecom), then IPsum level 5 (a shop). Known answers, from python3 over the same
// files, the MISP cidr lists and the built-in ones (ipaddress.ip_network(e, strict=False), "ip in
// network"), with the scopes imports give (cloud ranges warn, the others never correlate):
//   IPsum level 5 has 1,413 distinct IPs, 58 of them on a cidr list that never correlates;
//   33 of them are also in ThreatFox or the Tor list; 1 of those 33 is silenced: 167.94.146.49
//   (censys-scanning); 3.129.187.38 (amazon-aws) only warns: it correlates, its score lowered.
const OVERLAP = 33;
const SILENCED = 58;
const WARNINGLISTED_OVERLAP = ['167.94.146.49'];
const WARNED_OVERLAP = '3.129.187.38';

if (hasSharedData())
  describeStorage('real feeds: no correlation through silencing warninglists; cloud ranges only warn', (backend) => {
    let hub: TestHub;
    let shop: TestMember;
    let summary: { checked: number; correlated: number; warninglisted: number; items: { key: string; organisations: number }[] };

    beforeAll(async () => {
      hub = await startHub(backend);
      await prepareHub(hub);
      const bank = await makeMember(hub, { sector: 'finance' });
      const telecom = await makeMember(hub, { sector: 'telecom' });
      shop = await makeMember(hub, { sector: 'ecommerce' });
      const feed = async (m: TestMember, file: string[]) => {
        const viewer = (await hub.app.auth.authenticate(m.key)) as Viewer;
        const r = await hub.app.ingest.ingest(viewer, readFileSync(sharedData('feeds', ...file)), params({ format: 'text', tlp: 'green', source: 'cli', filename: file[file.length - 1] }));
        if (r.status !== 'done') throw new Error(`${file.join('/')}: ${r.status} ${JSON.stringify(r.errors).slice(0, 300)}`);
        await hub.app.analysis.drain();
        return r.id;
      };
      await feed(bank, ['abusech', 'threatfox-ips.txt']);
      await feed(telecom, ['tor', 'tor-exit-nodes-2024-02-27.lst']);
      const id = await feed(shop, ['ipsum', 'ipsum-level5.txt']);
      const r = await hub.server.inject({ method: 'GET', url: `/api/v1/correlations?ingest=${id}`, headers: as(shop.key) });
      expect(r.statusCode).toBe(200);
      summary = r.json();
      await hub.app.analysis.run('test');
    }, 300_000);
    afterAll(async () => hub?.close());

    it('the ingest correlates exactly the shared values that no warninglist silences', () => {
      expect(summary.checked).toBe(1413);
      expect(summary.warninglisted).toBe(SILENCED);
      expect(summary.correlated).toBe(OVERLAP - WARNINGLISTED_OVERLAP.length);
      expect(summary.items.map((i) => i.key)).toContain(`ipv4-addr:${WARNED_OVERLAP}`);
      for (const item of summary.items) {
        expect(hub.app.warninglists.silenced(item.key, 'never_correlate')).toBeNull();
        expect(item.organisations).toBeGreaterThanOrEqual(2);
      }
      for (const ip of WARNINGLISTED_OVERLAP) expect(summary.items.map((i) => i.key)).not.toContain(`ipv4-addr:${ip}`);
    });

    it('a warninglisted value shared by two organisations says why it does not correlate', async () => {
      const r = await hub.server.inject({ method: 'GET', url: `/api/v1/correlations?value=${WARNINGLISTED_OVERLAP[0]}`, headers: as(shop.key) });
      const body = r.json() as { warninglisted: { list: string }[]; seen: { organisations: number }; connected: unknown };
      expect(body.warninglisted.map((h) => h.list)).toEqual(['censys-scanning']);
      expect(body.seen.organisations).toBe(2);
      expect(body.connected).toBeNull();
    });

    it('no root source, cluster link or stored summary rests on a warninglisted value', async () => {
      const db = hub.app.storage.db;
      const roots = await db.selectFrom('analysis_root_sources').select('key').execute();
      const links = await db.selectFrom('analysis_cluster_links').select('ref').where('kind', '=', 'key').execute();
      const stored = (await db.selectFrom('analysis_ingest_correlations').select('items').execute()).flatMap((r) => r.items as { key: string }[]);
      expect(roots.length).toBeGreaterThan(0);
      for (const k of [...roots.map((r) => r.key), ...links.map((l) => l.ref), ...stored.map((s) => s.key)]) expect(hub.app.warninglists.silenced(k, 'never_correlate'), k).toBeNull();
      expect(roots.map((r) => r.key)).not.toContain(`ipv4-addr:${WARNINGLISTED_OVERLAP[0]}`);
      // Cloud-hosted: kept as a root source, its score halved and said why.
      const warned = await db.selectFrom('analysis_root_sources').select(['warninglists', 'score_factor']).where('key', '=', `ipv4-addr:${WARNED_OVERLAP}`).executeTakeFirst();
      expect(warned).toEqual({ warninglists: ['amazon-aws'], score_factor: 0.5 });
    });
  });
