import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { builtinWarninglists } from '../../src/analysis/warninglists/builtin.lists.ts';
import { WarninglistMatcher } from '../../src/analysis/warninglists/warninglist.matcher.ts';
import { isCommentLine } from '../../src/ingest/extract/feed-lines.ts';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { hasSharedData, sharedData } from '../support/shared-data.ts';
import { describeStorage } from '../support/storage.ts';

// Issue 11.2's closing check, on a fresh hub with nothing but the built-in warninglists: every file
// under ../shared/data/feeds and the honeypot logs (Cowrie, Dionaea) ingested as members would send
// them (format=auto: whatever the importers recognise them as today), each import reported done, then
// the RPZ zone and the Suricata rules hold no host (and no address) that a built-in list keeps out of
// blocklists. The STIX, MISP and e-mail files are imported in test/collect/real-data.test.ts.
//
// Each file is imported once per backend, here. The bulk line lists (IPsum's 120,000 addresses,
// Mirai's 55,000 lines…) go in as the same file cut short: every comment line and header, the first
// LINES data lines, and every line that names a host or an address on a built-in list (the values
// this check is about; found with the check's own matcher). Whole, they cost minutes of database
// writes per backend and exercise nothing more; every whole file is still parsed, in
// test/collect/comment-lines.test.ts, and import speed at 100,000 rows is bench/ingest.bench.ts's.

const LINES = 400;
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

const IPV4 = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g;
const HOST = /\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}\b/gi;

/**
 * True when a data line names (plainly or defanged) an address or host that a built-in list keeps out
 * of blocklists. What follows " #" is a trailing comment (a scanner's host name), never an indicator
 * (test/collect/comment-lines.test.ts).
 */
function namesBenign(line: string): boolean {
  const l = line.replace(/\s[#;].*$/, '').replaceAll('[.]', '.').replace(/hxxp/gi, 'http');
  for (const m of l.matchAll(IPV4)) if (benign(`ipv4-addr:${m[0]}`)) return true;
  for (const m of l.matchAll(HOST)) if (benign(`domain-name:${m[0].toLowerCase()}`)) return true;
  return false;
}

/** A text file cut as described above; other files (JSON, binary) whole. */
function cut(file: string): { body: Buffer; lines: number; kept: number; benign: number } {
  const body = readFileSync(file);
  if (body.includes(0) || /^\s*[{[]/.test(body.subarray(0, 64).toString('utf8'))) return { body, lines: 0, kept: 0, benign: 0 };
  const lines = body.toString('utf8').split('\n');
  let data = 0;
  let benignLines = 0;
  const keep = lines.filter((line, i) => {
    // The first line is a CSV header or a feed's title; comments and blank lines are what a feed's reader skips.
    if (i === 0 || !line.trim() || isCommentLine(line)) return true;
    data++;
    const named = namesBenign(line);
    if (named) benignLines++;
    return data <= LINES || named;
  });
  return { body: Buffer.from(keep.join('\n')), lines: lines.length, kept: keep.length, benign: benignLines };
}

/** The address an RPZ rpz-ip owner stands for (IPv4 only; IPv6 owners are checked textually). */
function rpzIp(owner: string): string | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.(\d+)\.rpz-ip$/.exec(owner);
  return m ? `${m[5]}.${m[4]}.${m[3]}.${m[2]}` : null;
}

/** The RPZ owners (wildcards folded) and the Suricata rules of an export, as a telecom member reads them. */
async function exportsOf(hub: TestHub, key: string): Promise<{ owners: string[]; zone: string; rules: string }> {
  const zone = (await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=rpz', headers: as(key) })).body;
  const rules = (await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=suricata', headers: as(key) })).body;
  const owners = zone
    .split('\n')
    .filter((l) => l.endsWith(' CNAME .'))
    .map((l) => l.slice(0, -' CNAME .'.length).replace(/^\*\./, ''));
  return { owners, zone, rules };
}

/** Owners of the zone that a built-in list keeps out of blocklists. */
function benignOwners(owners: readonly string[]): string[] {
  return owners.filter((o) => {
    const ip = rpzIp(o);
    if (ip) return benign(`ipv4-addr:${ip}`) !== null;
    return !o.endsWith('.rpz-ip') && benign(`domain-name:${o}`) !== null;
  });
}

// Without ../shared (a fresh clone): line feeds and a CSV as members send them, naming top sites,
// public resolvers and real-looking threats, go out as RPZ and Suricata without the benign ones.
describeStorage('a fresh hub: line feeds in, RPZ and Suricata out without benign hosts (no shared data needed)', (backend) => {
  let hub: TestHub;
  let reader: TestMember;
  const BENIGN = ['google.com', 'www.yahoo.com', 'github.com', 'www.virustotal.com'];
  const RESOLVERS = ['8.8.8.8', '1.1.1.1'];
  const feed = [
    '# Copyright (c) 2014-2026 Maltrail developers (https://github.com/stamparm/maltrail/)',
    '# Reference: https://www.virustotal.com/gui/domain/sakura-login-verify.com',
    '',
    ...BENIGN,
    ...RESOLVERS,
    'sakura-login-verify.com',
    'momiji-card-update.net',
    '45.9.148.114',
    'http://github.com/evil-user/repo/raw/main/payload.exe',
    'http://8.8.8.8/dns-query',
  ].join('\n');
  const csv = ['date,URL,description', '2026-11-01,https://www.google.com/search?q=sakura,Phishing', '2026-11-02,https://sakura-bank-secure.net/login,Phishing', '2026-11-03,https://github.com/login,Phishing'].join('\n');

  beforeAll(async () => {
    hub = await startHub(backend);
    await hub.app.analysis.updateSettings(['autoRun=false']);
    const member = await makeMember(hub);
    reader = await makeMember(hub, { sector: 'telecom' });
    for (const [name, body] of [['malware.txt', feed], ['phishurl.csv', csv]] as const) {
      const r = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=auto&tlp=green&filename=${name}`, headers: { ...as(member.key), 'content-type': 'application/octet-stream' }, payload: body });
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().status).toBe('done');
    }
  });
  afterAll(async () => hub?.close());

  it('the built-in lists are on: the benign values are on them', () => {
    for (const v of BENIGN) expect(benign(`domain-name:${v}`), v).not.toBeNull();
    for (const v of RESOLVERS) expect(benign(`ipv4-addr:${v}`), v).not.toBeNull();
  });

  it('the RPZ zone holds the threats and no benign host or address', async () => {
    const { owners, zone } = await exportsOf(hub, reader.key);
    expect(owners).toEqual(expect.arrayContaining(['sakura-login-verify.com', 'momiji-card-update.net', 'sakura-bank-secure.net', '32.114.148.9.45.rpz-ip']));
    expect(benignOwners(owners)).toEqual([]);
    for (const v of [...BENIGN, 'virustotal.com', 'yahoo.com']) expect(zone).not.toMatch(new RegExp(`^(\\*\\.)?${v.replaceAll('.', '\\.')} CNAME`, 'm'));
    for (const ip of RESOLVERS) expect(zone).not.toContain(`32.${ip.split('.').reverse().join('.')}.rpz-ip`);
  });

  it('the Suricata rules match the threats and no benign host or address', async () => {
    const { rules } = await exportsOf(hub, reader.key);
    expect(rules).toContain('sakura-login-verify.com');
    expect(rules).toContain('45.9.148.114');
    for (const v of [...BENIGN, ...RESOLVERS]) expect(rules, v).not.toMatch(new RegExp(`(content:"\\.?|\\[)${v.replaceAll('.', '\\.')}["\\]]`));
  });
});

const real = hasSharedData();
const feedFiles = real ? filesUnder(sharedData('feeds')) : [];
const honeypotFiles = real ? [...filesUnder(sharedData('sensor', 'cowrie')), ...filesUnder(sharedData('sensor', 'dionaea'))] : [];
// Cut once for both backends.
const bodies = new Map([...feedFiles, ...honeypotFiles].map((f) => [f, cut(f)]));

if (real)
  describeStorage('every real feed and honeypot log in, RPZ and Suricata out: no benign host', (backend) => {
    let hub: TestHub;
    let member: TestMember;
    let reader: TestMember;
    let zone: string;
    let rules: string;

    beforeAll(async () => {
      hub = await startHub(backend, { KESSETSU_BODY_LIMIT: String(64 * 1024 * 1024) });
      await hub.app.analysis.updateSettings(['autoRun=false']);
      member = await makeMember(hub);
      reader = await makeMember(hub, { sector: 'telecom' });
    });
    afterAll(async () => hub?.close());

    const send = async (file: string) => {
      const r = await hub.server.inject({
        method: 'POST',
        url: `/api/v1/ingest?format=auto&tlp=green&filename=${encodeURIComponent(path.basename(file))}`,
        headers: { ...as(member.key), 'content-type': 'application/octet-stream' },
        payload: bodies.get(file)!.body,
      });
      await hub.app.ingest.drain();
      return r;
    };

    // One test per file: a failure names it.
    for (const file of feedFiles) {
      const rel = path.relative(sharedData(), file);
      it(`imports ${rel}`, { timeout: 300_000 }, async () => {
        const r = await send(file);
        expect([200, 202], `${rel}: ${r.body.slice(0, 400)}`).toContain(r.statusCode);
        const report = r.statusCode === 202 ? await hub.app.ingest.report(await hub.app.auth.authenticate(member.key), r.json().id) : r.json();
        expect(report.status, rel).toBe('done');
        // A file may rightly yield nothing, but then the report must say why.
        if (report.counts.objects === 0) expect(report.warnings.length + report.errors.length, `${rel}: empty without a word`).toBeGreaterThan(0);
      });
    }
    for (const file of honeypotFiles) {
      const rel = path.relative(sharedData(), file);
      it(`imports ${rel} or refuses it with a reason`, { timeout: 300_000 }, async () => {
        const r = await send(file);
        expect([200, 202, 415], `${rel}: ${r.body.slice(0, 300)}`).toContain(r.statusCode);
        if (r.statusCode === 415) expect(r.json().error.message, rel).toMatch(/cannot import this file: \S/);
      });
    }

    it('finds the real feeds, and cuts only the bulk lists', () => {
      expect(feedFiles.length).toBeGreaterThan(25);
      const cutShort = new Set([...bodies].filter(([, c]) => c.kept < c.lines).map(([f]) => path.basename(f)));
      for (const bulk of ['ipsum.txt', 'elf_mirai.txt', 'threatfox-ips.txt', '202306.csv']) expect(cutShort, bulk).toContain(bulk);
      for (const whole of ['apt_tick.txt', 'feodo-ipblocklist-2024-04-04.csv', 'open-source-ti-feeds-catalog.csv', 'cowrie.json.2018-05-15']) expect(cutShort, whole).not.toContain(whole);
      // The lines this check is about went in: data lines naming a benign host or address.
      expect([...bodies.values()].reduce((n, c) => n + c.benign, 0)).toBeGreaterThan(100);
    });

    it('the RPZ zone names no host and no address from the built-in benign lists', { timeout: 300_000 }, async () => {
      await hub.app.analysis.drain();
      zone = (await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=rpz', headers: as(reader.key) })).body;
      const owners = zone
        .split('\n')
        .filter((l) => l.endsWith(' CNAME .'))
        .map((l) => l.slice(0, -' CNAME .'.length).replace(/^\*\./, ''));
      expect(owners.length).toBeGreaterThan(5_000);
      expect(benignOwners(owners)).toEqual([]);
      for (const host of ['google.com', 'yahoo.com', 'www.virustotal.com', 'github.com']) expect(zone).not.toMatch(new RegExp(`^(\\*\\.)?${host.replaceAll('.', '\\.')} CNAME`, 'm'));
    });

    it('the Suricata rules match no host and no address from the built-in benign lists', { timeout: 300_000 }, async () => {
      rules = (await hub.server.inject({ method: 'GET', url: '/api/v1/export?format=suricata', headers: as(reader.key) })).body;
      const lines = rules.split('\n').filter((l) => l.startsWith('alert '));
      expect(lines.length).toBeGreaterThan(5_000);
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
