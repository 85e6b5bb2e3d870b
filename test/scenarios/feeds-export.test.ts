import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtinWarninglists } from '../../src/analysis/warninglists/builtin.lists.ts';
import { WarninglistMatcher } from '../../src/analysis/warninglists/warninglist.matcher.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { describeStorage } from '../support/storage.ts';

// Issue 11.2's closing check, on a fresh hub with nothing but the built-in warninglists: every file
// under ../shared/data/feeds and the honeypot logs (Cowrie, Dionaea) ingested as members would send
// them (format=auto: whatever the importers recognise them as today), then the RPZ zone and the
// Suricata rules hold no host (and no address) that a built-in list keeps out of blocklists.

const SKIP = /(^SOURCE\.md$|^README\.md$|^LICENSE)/;
const builtin = new WarninglistMatcher(builtinWarninglists());
const benign = (key: string) => builtin.matchScope(key, 'never_blocklist');

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return filesUnder(full);
      return SKIP.test(name) ? [] : [full];
    });
}

/** The address an RPZ rpz-ip owner stands for (IPv4 only; IPv6 owners are checked textually). */
function rpzIp(owner: string): string | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.(\d+)\.rpz-ip$/.exec(owner);
  return m ? `${m[5]}.${m[4]}.${m[3]}.${m[2]}` : null;
}

if (hasSharedData())
  describeStorage('every real feed in, RPZ and Suricata out: no benign host', (backend) => {
    let hub: TestHub;
    let reader: TestMember;
    let zone: string;
    let rules: string;

    beforeAll(async () => {
      hub = await startHub(backend, { KESSETSU_BODY_LIMIT: String(64 * 1024 * 1024) });
      await hub.app.analysis.updateSettings(['autoRun=false']);
      const member = await makeMember(hub);
      reader = await makeMember(hub, { sector: 'telecom' });
      for (const file of [...filesUnder(sharedData('feeds')), ...filesUnder(sharedData('sensor', 'cowrie')), ...filesUnder(sharedData('sensor', 'dionaea'))]) {
        const r = await hub.server.inject({
          method: 'POST',
          url: `/api/v1/ingest?format=auto&tlp=green&filename=${encodeURIComponent(path.basename(file))}`,
          headers: { ...as(member.key), 'content-type': 'application/octet-stream' },
          payload: readFileSync(file),
        });
        expect([200, 202, 415], `${file}: ${r.body.slice(0, 300)}`).toContain(r.statusCode);
      }
      await hub.app.ingest.drain();
      await hub.app.analysis.drain();
      zone = (await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=rpz', headers: as(reader.key) })).body;
      rules = (await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=suricata', headers: as(reader.key) })).body;
    }, 1_800_000);
    afterAll(async () => hub?.close());

    it('the RPZ zone names no host and no address from the built-in benign lists', () => {
      const owners = zone
        .split('\n')
        .filter((l) => l.endsWith(' CNAME .'))
        .map((l) => l.slice(0, -' CNAME .'.length).replace(/^\*\./, ''));
      expect(owners.length).toBeGreaterThan(10_000);
      const bad = owners.filter((o) => {
        const ip = rpzIp(o);
        if (ip) return benign(`ipv4-addr:${ip}`) !== null;
        return !o.endsWith('.rpz-ip') && benign(`domain-name:${o}`) !== null;
      });
      expect(bad).toEqual([]);
      for (const host of ['google.com', 'yahoo.com', 'www.virustotal.com', 'github.com']) expect(zone).not.toMatch(new RegExp(`^(\\*\\.)?${host.replaceAll('.', '\\.')} CNAME`, 'm'));
    });

    it('the Suricata rules match no host and no address from the built-in benign lists', () => {
      const lines = rules.split('\n').filter((l) => l.startsWith('alert '));
      expect(lines.length).toBeGreaterThan(10_000);
      const bad: string[] = [];
      for (const l of lines) {
        const addr = /-> \[([^\]]+)\]/.exec(l)?.[1];
        if (addr && !addr.includes('/') && benign(`${addr.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:${addr}`)) bad.push(l);
        // Hosts: dns.query contents (".name"), tls.sni and http.host contents.
        for (const m of l.matchAll(/(?:dns\.query; dotprefix; content:"\.|tls\.sni; content:"|http\.host; content:")([^"|]+)"/g)) {
          const host = m[1]!.toLowerCase();
          const key = /^[0-9.]+$/.test(host) ? `ipv4-addr:${host}` : `domain-name:${host}`;
          if (benign(key)) bad.push(l);
        }
      }
      expect(bad.slice(0, 20)).toEqual([]);
      for (const host of ['google.com', 'yahoo.com', 'www.virustotal.com', 'github.com']) expect(rules).not.toMatch(new RegExp(`content:"\\.?${host.replaceAll('.', '\\.')}"`));
    });
  });
