import http from 'node:http';
import type { Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestHub } from '../support/app.ts';
import type { HotlineFetcher } from '../../src/hotline/removal.fetcher.ts';

/** A loopback web site whose pages a test removes (they then answer 404) or makes hang. */
export interface LoopSite {
  readonly url: string;
  readonly removed: Set<string>;
  hang: boolean;
  /** Paths requested, in order (the checker's re-requests). */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Starts a loopback site: every path answers 200 until removed. */
export async function loopSite(): Promise<LoopSite> {
  const sockets = new Set<Socket>();
  const site = { removed: new Set<string>(), hang: false, requests: [] as string[] };
  const server = http.createServer((req, res) => {
    site.requests.push(req.url ?? '');
    if (site.hang) return; // never answers
    const gone = site.removed.has(new URL(req.url ?? '/', 'http://x').pathname);
    res.writeHead(gone ? 404 : 200, { 'content-type': 'text/html' });
    res.end(gone ? 'Not found' : '<html>reported content would be here</html>');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return Object.assign(site, {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}

/** A fetcher that sends every reported URL's path to the loopback site (the tests' "internet"). */
export function loopFetcher(site: LoopSite): HotlineFetcher {
  return async (url, signal) => {
    const u = new URL(url);
    const res = await fetch(`${site.url}/${u.hostname}${u.pathname}`, { signal, redirect: 'manual' });
    await res.body?.cancel();
    return res.status;
  };
}

/** Test DNS: documentation addresses for test host names. */
export function mapResolver(map: Record<string, string>) {
  return async (host: string) => map[host] ?? null;
}

/** Imports an ip2asn file placing 192.0.2.0/24 in Japan and 198.51.100.0/24 in the United States. */
export async function importTestGeo(hub: TestHub): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-hotline-geo-'));
  const file = path.join(dir, 'ip2asn-v4.tsv');
  writeFileSync(file, '192.0.2.0\t192.0.2.255\t64500\tJP\tEXAMPLE-JP - Example Hosting K.K.\n198.51.100.0\t198.51.100.255\t64501\tUS\tEXAMPLE-US - Example Hosting Inc.\n');
  try {
    const r = await hub.app.analysis.enrichment.importFiles([file]);
    if (r[0]?.error) throw new Error(r[0].error);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
