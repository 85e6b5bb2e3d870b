import type { TestHub } from '../support/app.ts';
import { as } from '../support/app.ts';

/** What a read path is asked about one shared item. */
export interface Probe {
  readonly indicatorId: string;
  readonly malwareId: string;
  readonly ip: string;
}

/** A read path: does this key (undefined: public) see the probe's indicator through it? */
export type ReadPath = (hub: TestHub, key: string | undefined, probe: Probe) => Promise<boolean>;

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
  'graph paths': async (hub, key, p) => {
    const r = await hub.server.inject({ method: 'GET', url: `/api/v1/objects/${p.malwareId}/paths?hops=1`, headers: headers(key) });
    if (r.statusCode !== 200) return false;
    return (r.json().items as { to: string }[]).some((x) => x.to === p.indicatorId);
  },
};
