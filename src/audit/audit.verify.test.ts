import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStorage } from '../../test/support/storage.ts';
import type { Storage } from '../db/database.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { appendAudit } from './audit.repository.ts';
import { verifyAuditChain } from './audit.verify.ts';

describeStorage('hash-chained audit log', (backend) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backend.open();
    await migrateToLatest(storage.db);
  });
  afterAll(() => storage.close());

  it('verifies an untouched chain, then names the altered and the entry after a deleted one', async () => {
    await appendAudit(storage.db, Array.from({ length: 20 }, (_, i) => ({ action: 'test.event', targetType: 'thing', targetId: String(i), details: { i, note: "O'Brien <script>" } })));
    const all = await storage.db.selectFrom('audit_log').select('seq').orderBy('seq').execute();
    expect(await verifyAuditChain(storage.db, 7)).toEqual({ ok: true, entries: all.length });
    const victim = all[10]!.seq;
    await sql`update audit_log set target_id = 'forged' where seq = ${victim}`.execute(storage.db);
    const altered = await verifyAuditChain(storage.db);
    expect(altered).toMatchObject({ ok: false, brokenAt: victim });
    await sql`update audit_log set target_id = '10' where seq = ${victim}`.execute(storage.db);
    expect((await verifyAuditChain(storage.db)).ok).toBe(true);
    const gone = all[5]!.seq;
    await sql`delete from audit_log where seq = ${gone}`.execute(storage.db);
    const deleted = await verifyAuditChain(storage.db);
    expect(deleted).toMatchObject({ ok: false, brokenAt: all[6]!.seq });
  });

  it('concurrent appenders keep one unbroken chain', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => appendAudit(storage.db, [{ action: 'race', targetId: String(i) }])));
    const rows = await storage.db.selectFrom('audit_log').select(['seq', 'prev_hash', 'hash']).where('action', '=', 'race').orderBy('seq').execute();
    expect(rows).toHaveLength(10);
    const hashes = new Set(rows.map((r) => r.prev_hash));
    expect(hashes.size).toBe(10);
  });
});
