import type { TestHub } from '../support/app.ts';
import { as } from '../support/app.ts';
import { MEMBERS_COLLECTION_ID, PUBLIC_COLLECTION_ID } from '../../src/taxii/taxii.collections.ts';

/** What a read path is asked about one shared item. */
export interface Probe {
  readonly indicatorId: string;
  readonly malwareId: string;
  readonly ip: string;
}

/** A read path: does this key (undefined: public) see the probe's indicator through it? null: the path is not for this caller. */
export type ReadPath = (hub: TestHub, key: string | undefined, probe: Probe) => Promise<boolean | null>;

const headers = (key: string | undefined) => (key ? as(key) : {});

/** Every read path the table walks; later areas add theirs here. */
export const READ_PATHS: Readonly<Record<string, ReadPath>> = {
  'objects list': async (hub, key, p) => {
    const r = await hub.server.inject({ method: 'GET', url: `/api/v1/objects?type=indicator&text=${encodeURIComponent(p.ip)}&limit=1000`, headers: headers(key) });
    if (r.statusCode === 401) return false;
    return (r.json().items as { id: string }[]).some((i) => i.id === p.indicatorId);
  },
  'object detail': async (hub, key, p) => {
    const r = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${p.indicatorId}`, headers: headers(key) });
    if (![200, 404, 401].includes(r.statusCode)) throw new Error(`detail answered ${r.statusCode}: never 403`);
    return r.statusCode === 200;
  },
  lookup: async (hub, key, p) => {
    const r = await hub.server.inject({ method: 'POST', url: '/api/v1/lookup', headers: headers(key), payload: { values: [p.ip] } });
    if (r.statusCode === 401) return false;
    return (r.json().items as { objects: { id: string }[] }[]).some((i) => i.objects.some((o) => o.id === p.indicatorId));
  },
  'graph neighbours': async (hub, key, p) => {
    // Seen from the malware's side: the indicator must appear as a neighbour only when visible.
    const r = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${p.malwareId}`, headers: headers(key) });
    if (r.statusCode !== 200) return false;
    return (r.json().relationships as { object: { id: string } }[]).some((x) => x.object.id === p.indicatorId);
  },
  'STIX export': async (hub, key, p) => {
    if (!key) return null;
    const r = await hub.server.inject({ method: 'GET', url: `/api/v1/export?format=stix&ids=${p.indicatorId}`, headers: headers(key) });
    if (r.statusCode !== 200) throw new Error(`export answered ${r.statusCode}`);
    return (r.json().objects as { id: string }[]).some((o) => o.id === p.indicatorId);
  },
  'MISP export': async (hub, key, p) => {
    if (!key) return null;
    const r = await hub.server.inject({ method: 'GET', url: `/api/v1/export?format=misp&ids=${p.indicatorId}`, headers: headers(key) });
    if (r.statusCode !== 200) throw new Error(`export answered ${r.statusCode}`);
    return r.body.includes(p.ip);
  },
  'plain blocklist feed': async (hub, key, p) => {
    if (!key) return null;
    const r = await hub.server.inject({ method: 'GET', url: '/api/v1/feeds/plain', headers: headers(key) });
    if (r.statusCode !== 200) throw new Error(`feed answered ${r.statusCode}`);
    return r.body.split('\n').includes(p.ip);
  },
  'TAXII collection': async (hub, key, p) => {
    // Callers without a key read the public collection; members read the members collection.
    const collection = key ? MEMBERS_COLLECTION_ID : PUBLIC_COLLECTION_ID;
    const r = await hub.server.inject({ method: 'GET', url: `/taxii2/api/collections/${collection}/objects/?match[id]=${p.indicatorId}`, headers: { ...headers(key), accept: 'application/taxii+json;version=2.1' } });
    if (r.statusCode === 401 || r.statusCode === 403 || r.statusCode === 404) return false;
    if (r.statusCode !== 200) throw new Error(`TAXII answered ${r.statusCode}: ${r.body.slice(0, 200)}`);
    return ((r.json().objects ?? []) as { id: string }[]).some((o) => o.id === p.indicatorId);
  },
  'graph paths': async (hub, key, p) => {
    const r = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${p.malwareId}/paths?hops=1`, headers: headers(key) });
    if (r.statusCode !== 200) return false;
    return (r.json().items as { to: string }[]).some((x) => x.to === p.indicatorId);
  },
};
