import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { as, makeMember, startHub, type TestHub, type TestMember } from '../support/app.ts';
import { sharedData, sharedDataOrSkip } from '../support/shared-data.ts';
import { describeStorage } from '../support/storage.ts';
import { FAST_DISPATCH, setMail, smtpSink, waitFor, type SmtpSink } from '../feedback/support.ts';
import { bankingCampaign, type Scenario } from '../scenarios/banking-campaign.scenario.ts';
import { loadScenario, params, prepareHub, type ScenarioWorld } from '../scenarios/support.ts';
import { verifyPackage } from '../../src/evidence/package/package.verify.ts';
import type { DiskBlobStore } from '../../src/evidence/blob.store.ts';
import { makeObservable } from '../../src/observables/observable.factory.ts';
import { resignWithOtherKey, retar, untar } from './support.ts';
import { kessetsu } from '../support/cli.ts';

// Issue 12, "done when": the banking-trojan campaign of issue 5 goes from referral candidate to a
// closed case — package exported and verified, takedown notice delivered to a loopback SMTP server,
// the C2 marked down, its reappearance reopening the action, the contributing banks told — and the
// tamper cases fail verification.

const SEED = 20261204;
/** `kessetsu evidence verify …` as an investigator runs it, offline (in this process: test/support/cli.ts). */
async function cliVerify(args: string[]): Promise<{ code: number; out: string }> {
  const r = await kessetsu(['evidence', 'verify', ...args]);
  return { code: r.code, out: r.out + r.err };
}

const ipInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);

/** The real ip2asn sample with the C2's /24 given to a documentation AS (lines overlapping it left out). */
async function importC2Block(hub: TestHub, c2: string, file: string): Promise<void> {
  const base = c2.split('.').slice(0, 3).join('.');
  const [lo, hi] = [ipInt(`${base}.0`), ipInt(`${base}.255`)];
  const sample = readFileSync(sharedData('enrichment', 'ip2asn-v4-sample.tsv'), 'utf8')
    .split('\n')
    .filter((l) => {
      const [a, b] = l.split('\t');
      return !a || !b || ipInt(b) < lo || ipInt(a) > hi;
    });
  writeFileSync(file, [...sample.filter(Boolean), `${base}.0\t${base}.255\t64512\tNL\tEXAMPLE-HOSTING - Example Hosting B.V.`, ''].join('\n'));
  const r = await hub.app.analysis.enrichment.importFiles([file]);
  if (r[0]?.error) throw new Error(r[0].error);
}

describeStorage('neutralise: referral candidate to closed case', (backend) => {
  if (!sharedDataOrSkip()) return;
  let hub: TestHub;
  let smtp: SmtpSink;
  let s: Scenario;
  let w: ScenarioWorld;
  let police: TestMember;
  let outsider: TestMember;
  let dir: string;
  let caseId: string;
  let packageBytes: Buffer;
  let hubPem: string;
  const api = async (key: string, method: 'GET' | 'POST', url: string, payload?: unknown, expected = method === 'POST' ? [200, 201] : [200]) => {
    const r = await hub.server.inject({ method, url, headers: as(key), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    if (!expected.includes(r.statusCode)) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body.slice(0, 500)}`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads of free-form JSON
    return r.json() as Record<string, any>;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-neutralise-'));
    smtp = await smtpSink();
    hub = await startHub(backend, { KESSETSU_EVIDENCE_DIR: path.join(dir, 'evidence') }, { feedback: { dispatch: FAST_DISPATCH, mail: { smtpUrl: smtp.url, from: 'hub@kessetsu.example' } } });
    await hub.server.listen({ host: '127.0.0.1', port: 0 });
    await prepareHub(hub);
    s = bankingCampaign(SEED, { noiseValues: 300, noiseIncidents: 6 });
    w = await loadScenario(hub, s);
    await hub.app.analysis.run('test');
    police = await makeMember(hub, { name: `Prefectural Police ${SEED}`, kind: 'law_enforcement', role: 'investigator' });
    outsider = await makeMember(hub, { name: `Outsider Bank ${SEED}` });
    await setMail(hub, w.members[0]!.userId, 'soc@bank-a.example', 'ja');
    await setMail(hub, w.members[3]!.userId, 'soc@bank-d.example', 'en');
    hubPem = (await hub.app.hubKey()).publicKeyPem;
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the hub refers the top referral candidate; only the hub, the police and the contributors learn the case exists', async () => {
    const prio = await api(w.hubAnalyst.key, 'GET', '/api/v1/priorities?referral=true&limit=1');
    const top = prio.items[0];
    expect(top.referral_candidate).toBe(true);
    const created = await api(w.hubAnalyst.key, 'POST', '/api/v1/cases', { title: `BankTrojan-${SEED} campaign`, le_org_id: police.org.id, cluster_id: top.id });
    caseId = created.id;
    expect(created).toMatchObject({ state: 'proposed', number: expect.stringMatching(/^K\d{4}-\d{4}$/) });
    // A member may not refer; an outsider learns nothing, not even that the case exists.
    await api(w.members[0]!.key, 'POST', '/api/v1/cases', { title: 'x', le_org_id: police.org.id, cluster_id: top.id }, [403]);
    const hidden = await hub.server.inject({ method: 'GET', url: `/api/v1/cases/${caseId}`, headers: as(outsider.key) });
    expect(hidden.statusCode).toBe(404);
    expect((await api(outsider.key, 'GET', '/api/v1/cases')).items).toEqual([]);
    const bank = await api(w.members[0]!.key, 'GET', `/api/v1/cases/${caseId}`);
    expect(bank).toMatchObject({ access: 'contributor', state: 'proposed', title: null });
    expect(JSON.stringify(bank)).not.toContain(police.org.name);
    const full = await api(police.key, 'GET', `/api/v1/cases/${caseId}`);
    expect(full.access).toBe('full');
    expect(full.objects.filter((o: { role: string }) => o.role === 'member')).toHaveLength(8);
    // Anonymous banks D and E appear to the police as their sector until they agree.
    const names = full.contributors.map((c: { name: string }) => c.name);
    expect(names).not.toContain(s.orgs[3]!.name);
    expect(names).not.toContain(s.orgs[4]!.name);
    expect(names).toContain(s.orgs[0]!.name);
    expect(names).toContain('A financial institution');
    await api(w.members[3]!.key, 'POST', `/api/v1/cases/${caseId}/consent`);
    const after = (await api(police.key, 'GET', `/api/v1/cases/${caseId}`)).contributors.map((c: { name: string }) => c.name);
    expect(after).toContain(s.orgs[3]!.name);
    expect(after).not.toContain(s.orgs[4]!.name);
    const audited = await hub.app.storage.db.selectFrom('audit_log').select(['action', 'actor_org_id']).where('target_type', '=', 'case').execute();
    expect(audited.map((a) => a.action)).toEqual(expect.arrayContaining(['case.create', 'case.read', 'case.denied', 'case.consent', 'case.list']));
    expect(audited.some((a) => a.action === 'case.denied' && a.actor_org_id === outsider.org.id)).toBe(true);
  });

  it('evidence and a signed package: exported, verified, and every tamper case detected', async () => {
    const eml = readFileSync(sharedData('email', 'pymisp-emails', 'pymisp_mail_2.eml'));
    const ev = await hub.server.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/evidence?kind=email&filename=lure.eml&method=${encodeURIComponent('exported from the bank mail gateway')}`, headers: { ...as(w.hubAnalyst.key), 'content-type': 'message/rfc822' }, payload: eml });
    expect(ev.statusCode).toBe(201);
    const item = ev.json() as { id: string; sha256: string };
    const pkg = await api(w.hubAnalyst.key, 'POST', `/api/v1/cases/${caseId}/packages`);
    expect(pkg.files).toBeGreaterThanOrEqual(5);
    await api(police.key, 'POST', `/api/v1/cases/${caseId}/packages`, undefined, [403]);
    const dl = await hub.server.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/packages/${pkg.id}`, headers: as(police.key) });
    expect(dl.statusCode).toBe(200);
    packageBytes = dl.rawPayload;
    const good = await verifyPackage(Readable.from([packageBytes]), { publicKeyPem: hubPem });
    expect(good.problems).toEqual([]);
    expect(good).toMatchObject({ ok: true, trusted: true, signer: pkg.key_fingerprint });
    const entries = await untar(packageBytes);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads of free-form JSON
    const referral = JSON.parse(entries.find((e) => e.name === 'referral.json')!.data.toString()) as Record<string, any>;
    expect(referral.damage.total).toMatchObject({ amount_jpy: s.campaign.amountJpy, incidents: 7 });
    expect(referral.infrastructure[0].value).toBe(s.c2);
    expect(JSON.stringify(referral)).not.toContain(s.orgs[4]!.name);
    expect(entries.find((e) => e.name === 'summary.ja.md')!.data.toString()).toContain('被害額');
    // The server verifies an upload too.
    const server = await hub.server.inject({ method: 'POST', url: '/api/v1/evidence/verify', headers: { ...as(police.key), 'content-type': 'application/x-tar' }, payload: packageBytes });
    expect(server.json()).toMatchObject({ ok: true });
    // The police's download is a transfer in the evidence's custody.
    const custody = await api(police.key, 'GET', `/api/v1/cases/${caseId}/evidence/${item.id}/custody`);
    expect(custody.custody.map((c: { action: string }) => c.action)).toEqual(['collected', 'exported']);

    // 1. a byte of an evidence file changed inside the archive
    const evidenceName = entries.find((e) => e.name.startsWith('evidence/'))!.name;
    const altered = entries.map((e) => (e.name === evidenceName ? { name: e.name, data: Buffer.concat([e.data.subarray(0, 10), Buffer.from('X'), e.data.subarray(11)]) } : e));
    const v1 = await verifyPackage(Readable.from([await retar(altered)]), { publicKeyPem: hubPem });
    expect(v1.ok).toBe(false);
    expect(v1.problems).toContainEqual({ path: evidenceName, problem: expect.stringMatching(/does not match the manifest/) });
    // 2. the manifest edited (its hash of a file changed to match a substitute), signature left as it was
    const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')!.data.toString()) as { files: { path: string; sha256: string }[] };
    manifest.files = manifest.files.map((f) => (f.path === 'referral.json' ? { ...f, sha256: 'f'.repeat(64) } : f));
    const forged = entries.map((e) => (e.name === 'manifest.json' ? { name: e.name, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) } : e));
    const v2 = await verifyPackage(Readable.from([await retar(forged)]), { publicKeyPem: hubPem });
    expect(v2.ok).toBe(false);
    expect(v2.problems.map((p) => p.problem).join('\n')).toMatch(/signature does not match the manifest/);
    expect(v2.problems.map((p) => p.problem).join('\n')).toMatch(/referral.json|does not match the manifest \(f{64}\)/);
    // 3. re-signed by another key
    const v3 = await verifyPackage(Readable.from([await retar(resignWithOtherKey(entries))]), { publicKeyPem: hubPem });
    expect(v3.ok).toBe(false);
    expect(v3.problems.map((p) => p.problem).join('\n')).toMatch(/signed by another key/);
    const v3b = await verifyPackage(Readable.from([await retar(resignWithOtherKey(entries))]), { fingerprint: pkg.key_fingerprint });
    expect(v3b.ok).toBe(false);
    // The same checks by the CLI, offline, with the hub's public key or its fingerprint (once).
    if (backend.name === 'pglite') await cliChecks();
    async function cliChecks(): Promise<void> {
    const keyFile = path.join(dir, 'hub.pub.pem');
    writeFileSync(keyFile, hubPem);
    writeFileSync(path.join(dir, 'good.tar'), packageBytes);
    writeFileSync(path.join(dir, 'altered.tar'), await retar(altered));
    writeFileSync(path.join(dir, 'resigned.tar'), await retar(resignWithOtherKey(entries)));
    const ok = await cliVerify([path.join(dir, 'good.tar'), '--key', keyFile]);
    expect(ok).toMatchObject({ code: 0, out: expect.stringMatching(/^OK: /) });
    expect((await cliVerify([path.join(dir, 'good.tar'), '--fingerprint', pkg.key_fingerprint])).code).toBe(0);
    const bad = await cliVerify([path.join(dir, 'altered.tar'), '--key', keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`${evidenceName}: SHA-256`);
    const other = await cliVerify([path.join(dir, 'resigned.tar'), '--fingerprint', pkg.key_fingerprint]);
    expect(other.code).toBe(1);
    expect(other.out).toMatch(/signed by another key/);
    }
    // 4. a truncated, damaged archive
    const v4 = await verifyPackage(Readable.from([packageBytes.subarray(0, 700)]), { publicKeyPem: hubPem });
    expect(v4.ok).toBe(false);
    // 5. an extracted package with an evidence file replaced on disk
    const out = path.join(dir, 'extracted');
    for (const e of entries) {
      mkdirSync(path.dirname(path.join(out, e.name)), { recursive: true });
      writeFileSync(path.join(out, e.name), e.data);
    }
    expect((await verifyPackage({ directory: out }, { publicKeyPem: hubPem })).ok).toBe(true);
    writeFileSync(path.join(out, evidenceName), 'replaced');
    const v5 = await verifyPackage({ directory: out }, { publicKeyPem: hubPem });
    expect(v5.problems).toContainEqual({ path: evidenceName, problem: expect.stringMatching(/altered or replaced/) });
    // 6. the hub's own stored evidence file replaced on disk: refused by the server, found by the check
    const store = hub.app.neutralise.evidence.store as DiskBlobStore;
    const original = readFileSync(store.pathOf(item.sha256));
    writeFileSync(store.pathOf(item.sha256), 'replaced on disk');
    const refused = await hub.server.inject({ method: 'GET', url: `/api/v1/cases/${caseId}/evidence/${item.id}`, headers: as(police.key) });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/no longer matches its SHA-256/);
    await api(w.hubAnalyst.key, 'POST', `/api/v1/cases/${caseId}/packages`, undefined, [409]);
    const check = await api(w.hubAnalyst.key, 'POST', '/api/v1/evidence/check');
    expect(check.ok).toBe(false);
    expect(check.failures.map((f: { id: string }) => f.id)).toEqual([item.id]);
    writeFileSync(store.pathOf(item.sha256), original);
    expect((await api(w.hubAnalyst.key, 'POST', '/api/v1/evidence/check')).ok).toBe(true);
  }, 240_000); // the CLI checks start four processes: slow on a loaded machine

  it('the police run the case; a takedown notice reaches the abuse desk; the C2 goes down, reappears and reopens', async () => {
    await api(police.key, 'POST', `/api/v1/cases/${caseId}/state`, { state: 'accepted' });
    await api(police.key, 'POST', `/api/v1/cases/${caseId}/state`, { state: 'investigating' });
    await api(police.key, 'POST', `/api/v1/cases/${caseId}/state`, { state: 'closed' }, [400]);
    await api(police.key, 'POST', `/api/v1/cases/${caseId}/state`, { state: 'actions' });
    // The enrichment data names the C2's AS and holder (the real ip2asn sample, plus the C2's block);
    // the contact directory gives that AS's abuse desk.
    await importC2Block(hub, s.c2, path.join(dir, 'ip2asn-v4.tsv'));
    const info = hub.app.analysis.enrichment.ipInfo(s.c2);
    expect(info).toMatchObject({ asn: 64512, holder: 'EXAMPLE-HOSTING - Example Hosting B.V.', country: 'NL' });
    await api(w.hubAnalyst.key, 'POST', '/api/v1/contacts', { kind: 'asn', key: 'AS64512', name: 'Example Hosting abuse desk', email: 'abuse@hoster.example' });
    const action = await api(police.key, 'POST', '/api/v1/actions', { case_id: caseId, kind: 'takedown', target: s.c2, note: 'C2 of a banking trojan' });
    expect(action).toMatchObject({ status: 'sent', target: { key: `ipv4-addr:${s.c2}` }, recipient: { kind: 'hosting_provider', email: 'abuse@hoster.example', asn: 64512, country: 'NL', via: 'asn:64512' } });
    const mail = await waitFor(() => smtp.messages.find((m) => (m.to as { text: string }).text === 'abuse@hoster.example'), 15_000, 'takedown notice');
    expect(mail.subject).toMatch(/take down/);
    expect(mail.text).toContain(s.c2.replace(/\./g, '[.]'));
    await waitFor(async () => (await api(police.key, 'GET', `/api/v1/actions/${action.id}`)).deliveries[0]?.status === 'delivered', 15_000, 'delivery recorded');
    // Nobody outside the case reads the action.
    expect((await hub.server.inject({ method: 'GET', url: `/api/v1/actions/${action.id}`, headers: as(outsider.key) })).statusCode).toBe(404);

    const done = await api(police.key, 'POST', `/api/v1/actions/${action.id}/status`, { status: 'done', note: 'hoster suspended the server' });
    expect(done.status).toBe('done');
    expect(done.time_to_done_seconds).toBeGreaterThanOrEqual(0);

    // A bank reports the C2 again: the action reopens in the same transaction as the ingest.
    const made = makeObservable('ipv4-addr', s.c2);
    const now = new Date().toISOString();
    const again = { type: 'indicator', spec_version: '2.1', id: 'indicator--6a1d1e0c-5c57-4b8e-9c57-3f0c2f4f1a01', created: now, modified: now, pattern: `[ipv4-addr:value = '${s.c2}']`, pattern_type: 'stix', valid_from: now };
    const report = await hub.app.ingest.ingestParsed(w.viewers[1]!, { format: 'stix', objects: [again, made.object], errors: [], warnings: [] }, params({ tlp: 'green' }));
    const reopened = await api(police.key, 'GET', `/api/v1/actions/${action.id}`);
    expect(reopened).toMatchObject({ status: 'reappeared', reopen_count: 1 });
    expect(reopened.history.at(-1)).toMatchObject({ from: 'done', to: 'reappeared', details: { ingest_id: report.id } });
    const metrics = await api(w.hubAnalyst.key, 'GET', '/api/v1/takedown-metrics');
    expect(metrics.by_kind).toContainEqual(expect.objectContaining({ group: 'takedown', requested: 1, done: 1, reappeared: 1, rate: 1 }));
    expect(metrics.by_kind[0].median_hours_to_done).toBeGreaterThanOrEqual(0);
    expect((await hub.app.neutralise.metrics(w.viewers[2]!)).by_kind).toEqual([]);
    // Down again, for good.
    await api(police.key, 'POST', `/api/v1/actions/${action.id}/status`, { status: 'sent', note: 'asked again' });
    await api(police.key, 'POST', `/api/v1/actions/${action.id}/status`, { status: 'done' });
  });

  it('closing the case tells the contributing banks (inbox and e-mail), never the details unless released', async () => {
    await api(police.key, 'POST', `/api/v1/cases/${caseId}/state`, { state: 'closed', outcome: { arrests: 2, takedowns: 1, note: 'two suspects arrested' } });
    const inboxA = await api(w.members[0]!.key, 'GET', '/api/v1/inbox');
    const caseAlerts = inboxA.items.filter((a: { kind: string }) => a.kind === 'case');
    expect(caseAlerts.map((a: { alert: { case: { state: string } } }) => a.alert.case.state)).toEqual(['closed', 'actions', 'investigating', 'accepted']);
    expect(caseAlerts[0].alert.case.outcome).toEqual({ kinds: ['arrests', 'takedowns'] });
    expect(JSON.stringify(inboxA)).not.toContain('two suspects');
    for (const i of [1, 2, 3, 4, 5, 6]) expect((await api(w.members[i]!.key, 'GET', '/api/v1/inbox')).items.some((a: { kind: string }) => a.kind === 'case')).toBe(true);
    expect((await api(outsider.key, 'GET', '/api/v1/inbox')).items).toEqual([]);
    expect((await api(police.key, 'GET', '/api/v1/inbox')).items.filter((a: { kind: string }) => a.kind === 'case')).toEqual([]);
    const ja = await waitFor(() => smtp.messages.find((m) => (m.to as { text: string }).text === 'soc@bank-a.example' && /終結/.test(m.subject ?? '')), 15_000, 'closing mail to bank A');
    expect(ja.text).toContain('検挙');
    await waitFor(() => smtp.messages.find((m) => (m.to as { text: string }).text === 'soc@bank-d.example' && /closed/.test(m.subject ?? '')), 15_000, 'closing mail to bank D');
    await api(police.key, 'POST', `/api/v1/cases/${caseId}/release`, { released: true });
    expect((await api(w.members[0]!.key, 'GET', `/api/v1/cases/${caseId}`)).outcome).toMatchObject({ arrests: 2, note: 'two suspects arrested' });

    // What happened to what bank A shared: the case and the takedown of its C2.
    const mine = await api(w.members[0]!.key, 'GET', '/api/v1/contributions?type=ipv4-addr&limit=1000');
    const c2 = mine.items.find((c: { object: { name: string } }) => c.object.name === s.c2);
    const history = await api(w.members[0]!.key, 'GET', `/api/v1/contributions/${c2.id}/history`);
    expect(history.cases).toContainEqual(expect.objectContaining({ id: caseId, state: 'closed' }));
    expect(history.takedowns).toContainEqual(expect.objectContaining({ kind: 'takedown', target: s.c2, status: 'done' }));
  });
});
