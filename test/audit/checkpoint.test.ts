import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { appendAudit } from '../../src/audit/audit.repository.ts';
import { verifyAuditChain } from '../../src/audit/audit.verify.ts';
import { readWitnessFile, verifyCheckpoints, writeCheckpoint } from '../../src/audit/checkpoint.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Storage } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { generateEd25519Pem, hubKeyFromPrivatePem } from '../../src/signing/hub-key.ts';
import { describeStorage } from '../support/storage.ts';
import { kessetsu, migratedFolder } from '../support/cli.ts';

describeStorage('issue 10.9: a cut-off audit tail is detected by signed checkpoints of the chain head', (backend) => {
  let storage: Storage;
  let dir: string;
  const key = hubKeyFromPrivatePem(generateEd25519Pem(), 'file');

  beforeAll(async () => {
    storage = await backend.open();
    await migrateToLatest(storage.db);
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-checkpoints-'));
  });
  afterAll(async () => {
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const seqs = async () => (await storage.db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).map((r) => r.seq);

  it('deleting the newest entries keeps every link intact, but not the checkpoint that signed them; a witness file still names the cut', async () => {
    const witness = path.join(dir, 'witness.jsonl');
    await appendAudit(storage.db, Array.from({ length: 10 }, (_, i) => ({ action: 'test.read', targetType: 'object', targetId: `first-${i}` })));
    const first = await writeCheckpoint(storage.db, key, witness);
    await appendAudit(storage.db, Array.from({ length: 5 }, (_, i) => ({ action: 'object.read_restricted', targetType: 'object', targetId: `incriminating-${i}` })));
    const second = await writeCheckpoint(storage.db, key, witness);
    const all = await seqs();
    expect(second.head_seq).toBe(all.at(-1));
    expect(first.head_seq).toBe(all.at(-6));
    const clean = await verifyCheckpoints(storage.db, key, readWitnessFile(witness).checkpoints);
    expect(clean).toMatchObject({ checked: 4, problems: [], uncovered: 0, newest: { head_seq: second.head_seq } });

    // The attack: someone with SQL access removes the last three reads from the log.
    await sql`delete from audit_log where seq > ${all.at(-4)!}`.execute(storage.db);
    // The hash chain alone does not notice: every remaining link holds.
    expect((await verifyAuditChain(storage.db)).ok).toBe(true);
    const cut = await verifyCheckpoints(storage.db, key);
    expect(cut.problems).toEqual([expect.stringContaining(`the chain now ends at entry ${all.at(-4)}; entries up to ${second.head_seq} were cut off the end`)]);

    // Deleting the checkpoint that covered them too hides it from the database, not from the witness file.
    await sql`delete from audit_checkpoints where head_seq > ${all.at(-4)!}`.execute(storage.db);
    expect((await verifyCheckpoints(storage.db, key)).problems).toEqual([]);
    const witnessed = await verifyCheckpoints(storage.db, key, readWitnessFile(witness).checkpoints);
    expect(witnessed.problems).toEqual([expect.stringContaining('were cut off the end')]);
    // The newest checkpoint that still holds is the older one (what --max-age checks).
    expect(witnessed.newest).toEqual({ head_seq: first.head_seq, at: first.at });
    expect((await verifyCheckpoints(storage.db, key)).newest).toEqual({ head_seq: first.head_seq, at: first.at });
  });

  it('a checkpoint rewritten to fit the cut chain, or signed by another key, does not verify', async () => {
    const head = (await seqs()).at(-1)!;
    const row = await storage.db.selectFrom('audit_log').select('hash').where('seq', '=', head).executeTakeFirstOrThrow();
    const other = hubKeyFromPrivatePem(generateEd25519Pem(), 'file');
    await writeCheckpoint(storage.db, other);
    await sql`update audit_checkpoints set head_hash = ${row.hash}, head_seq = ${head} where id = (select max(id) from audit_checkpoints)`.execute(storage.db);
    const own = await writeCheckpoint(storage.db, key);
    await sql`update audit_checkpoints set at = at + interval '1 hour' where id = (select max(id) from audit_checkpoints)`.execute(storage.db);
    const report = await verifyCheckpoints(storage.db, key);
    expect(report.problems).toHaveLength(2);
    expect(report.problems.every((p) => p.includes("signature is not the hub key's"))).toBe(true);
    expect(own.head_seq).toBe(head);
  });
});

describe('kessetsu audit verify', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-audit-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[]) => kessetsu(args);

  it('exits 1 naming the cut when entries are deleted from the end after a checkpoint', { timeout: 600_000 }, async () => {
    // A migrated folder, not a new one: this test is not about initialising it (test speed, issue 11.7).
    const data = migratedFolder(path.join(dir, 'data'));
    const witness = path.join(dir, 'checkpoints.jsonl');
    const app = await createApp(loadConfig({ KESSETSU_AUDIT_CHECKPOINT_FILE: witness }, { dataDir: data }), { index: false });
    try {
      await appendAudit(app.storage.db, Array.from({ length: 6 }, (_, i) => ({ action: 'test.read', targetId: String(i) })));
      app.auditCheckpoints.start();
      await app.auditCheckpoints.writeNow();
    } finally {
      await app.close();
    }
    expect(readWitnessFile(witness).checkpoints.length).toBeGreaterThanOrEqual(2);
    const ok = await cli(['audit', 'verify', '--data', data, '--checkpoints', witness]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/checkpoints: \d+ verified; newest of .* covers entry \d+; 0 entries after it/);

    const again = await createApp(loadConfig({}, { dataDir: data }), { index: false, migrate: false });
    try {
      await sql`delete from audit_log where seq > (select max(seq) - 2 from audit_log)`.execute(again.storage.db);
      await sql`delete from audit_checkpoints`.execute(again.storage.db);
    } finally {
      await again.close();
    }
    const cut = await cli(['audit', 'verify', '--data', data, '--checkpoints', witness, '--max-age', '60']);
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(/were cut off the end/);
    // With the stored checkpoints gone too, the database alone no longer vouches for a recent head.
    expect(cut.err).toMatch(/newest checkpoint is missing/);
    expect(readFileSync(witness, 'utf8')).not.toContain('PRIVATE');
  });
});
