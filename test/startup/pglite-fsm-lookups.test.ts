// PGlite's folder remembers the free-space-map files it found missing (src/db/pglite.fsm-lookups.ts, issue 17):
// PostgreSQL asks for an index's `_fsm` file at every page split, and each failed look-up through Emscripten's NODEFS
// was a path walk and a thrown Node error. A name is answered from memory until a file of that name is made there.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, expect, it } from 'vitest';
import { startPglite } from '../../src/db/pglite.start.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-pglite-fsm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Fs {
  analyzePath(p: string): { exists: boolean };
  writeFile(p: string, data: string): void;
  unlink(p: string): void;
  rename(from: string, to: string): void;
}
const fsOf = (pglite: PGlite): Fs => (pglite as unknown as { Module: { FS: Fs } }).Module.FS;

it('a missing _fsm file is answered from memory until PGlite makes one of that name (mknod, rename); other names are looked up each time', async () => {
  const dir = path.join(tmp, 'names');
  const pglite = await startPglite(dir, 16);
  try {
    const fs = fsOf(pglite);
    const inside = (await pglite.query<{ d: string }>(`select current_setting('data_directory') as d`)).rows[0]!.d; // the folder as PGlite mounts it
    const name = 'base/999999_fsm';
    expect(fs.analyzePath(`${inside}/${name}`).exists).toBe(false);
    // Made behind PGlite's back (nothing does this while PGlite holds a folder): still missing for it — it was remembered.
    writeFileSync(path.join(dir, name), '');
    expect(fs.analyzePath(`${inside}/${name}`).exists).toBe(false);
    // Another name is looked up every time.
    expect(fs.analyzePath(`${inside}/base/999999_vm`).exists).toBe(false);
    writeFileSync(path.join(dir, 'base/999999_vm'), '');
    expect(fs.analyzePath(`${inside}/base/999999_vm`).exists).toBe(true);
    // Made through PGlite's file system: found from then on, and missing again once removed.
    rmSync(path.join(dir, name));
    fs.writeFile(`${inside}/${name}`, '');
    expect(fs.analyzePath(`${inside}/${name}`).exists).toBe(true);
    expect(existsSync(path.join(dir, name))).toBe(true);
    fs.unlink(`${inside}/${name}`);
    expect(fs.analyzePath(`${inside}/${name}`).exists).toBe(false);
    // A rename onto a remembered name makes it found too.
    fs.writeFile(`${inside}/base/999998`, '');
    fs.rename(`${inside}/base/999998`, `${inside}/${name}`);
    expect(fs.analyzePath(`${inside}/${name}`).exists).toBe(true);
  } finally {
    await pglite.close();
  }
}, 120_000);

it('an index whose free-space map PostgreSQL makes after it was missing keeps working: pages freed by VACUUM are found and reused', async () => {
  const pglite = await startPglite(path.join(tmp, 'index'), 16);
  try {
    await pglite.exec(`create table fsm_probe (k text primary key)`);
    // Page splits with no free-space map yet: every split asked for it (remembered missing).
    await pglite.exec(`insert into fsm_probe select md5(g::text) from generate_series(1, 60000) g`);
    const file = (await pglite.query<{ f: string }>(`select pg_relation_filepath('fsm_probe_pkey') as f`)).rows[0]!.f;
    const dir = path.join(tmp, 'index');
    expect(existsSync(path.join(dir, `${file}_fsm`))).toBe(false);
    // Emptied leaf pages are deleted by a VACUUM and, at the next one after a transaction id was taken (nothing can
    // see them any more), recorded as free: PostgreSQL makes the map then.
    await pglite.exec(`delete from fsm_probe where k < '8'`);
    for (let i = 0; i < 2; i++) {
      await pglite.exec('vacuum fsm_probe');
      await pglite.query('select pg_current_xact_id()');
    }
    expect(existsSync(path.join(dir, `${file}_fsm`))).toBe(true);
    const pages = async () => Number((await pglite.query<{ n: number }>(`select pg_relation_size('fsm_probe_pkey') / 8192 as n`)).rows[0]!.n);
    const before = await pages();
    // New keys in the emptied range: splits take the free pages from the map (found, not remembered missing) instead of growing the index.
    await pglite.exec(`insert into fsm_probe select '0' || md5(g::text) from generate_series(1, 20000) g`);
    expect(await pages()).toBeLessThan(before + 40);
    expect(Number((await pglite.query<{ n: number }>(`select count(*)::int as n from fsm_probe`)).rows[0]!.n)).toBeGreaterThan(20000);
  } finally {
    await pglite.close();
  }
}, 120_000);
