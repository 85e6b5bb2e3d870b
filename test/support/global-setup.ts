import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openPglite, openPostgres } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    pgTemplateUrl: string | null;
    pgTemplateName: string;
    testTmp: string;
  }
}

// Names carry the pid of the run, so concurrent runs against one server never touch each other's databases.
const RUN = `p${process.pid}`;
const PG_TEMPLATE = `kt_${RUN}_template`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops the test databases of earlier runs that were killed, then makes and migrates this run's template. */
async function pgTemplate(pgUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  // Leftover test databases of earlier runs that were killed (their process is gone).
  const old = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'kt\\_p%'`);
  for (const row of old.rows) {
    const pid = Number(/^kt_p(\d+)_/.exec(row.datname)?.[1]);
    if (pid && !alive(pid)) await admin.query(`drop database if exists "${row.datname}" with (force)`);
  }
  await admin.query(`create database "${PG_TEMPLATE}"`);
  await admin.end();
  const t = await openPostgres(withDatabase(pgUrl, PG_TEMPLATE), 1);
  await migrateToLatest(t.db);
  await t.close();
}

// Every folder the run's tests make (PGlite copies of the template, served hubs' data) lives in one run folder that
// the teardown removes whole: a worker killed on a timeout cannot leave its folders behind (523 of them, ~60 GB,
// once filled this machine's disk). Run folders of earlier runs whose process is gone are removed first.
function runFolder(): string {
  for (const name of readdirSync(os.tmpdir())) {
    const pid = Number(/^kessetsu-run-p(\d+)-/.exec(name)?.[1]);
    if (pid && !alive(pid)) rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
  return mkdtempSync(path.join(os.tmpdir(), `kessetsu-run-${RUN}-`));
}

// One migrated PGlite folder and one migrated PostgreSQL template for the whole run; each test file copies them.
// The two are made at once (the PGlite one is this process's CPU, the PostgreSQL one mostly the server's): no test
// file starts before both are ready (test speed, issue 11.7).
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pgUrl = process.env.KESSETSU_TEST_PG_URL;
  if (!pgUrl && process.env.CI === 'true') throw new Error('CI=true but KESSETSU_TEST_PG_URL is not set: the PostgreSQL half of the suite must run in CI');
  const runDir = runFolder();
  const dir = path.join(runDir, 'template');
  const pglite = (async () => {
    const template = await openPglite(dir);
    await migrateToLatest(template.db);
    await template.close();
  })();
  const postgres = pgUrl ? pgTemplate(pgUrl) : Promise.resolve();
  // Both settle before either failure is reported, so neither is left running.
  const [a, b] = await Promise.allSettled([pglite, postgres]);
  for (const r of [a, b]) {
    if (r.status === 'rejected') {
      await dropTemplates(runDir, pgUrl).catch(() => undefined);
      throw r.reason;
    }
  }
  project.provide('pgliteTemplate', dir);
  project.provide('testTmp', runDir);
  if (!pgUrl) {
    console.log('kessetsu tests: KESSETSU_TEST_PG_URL not set, the PostgreSQL half of the storage tests is skipped (PGlite half runs)');
    project.provide('pgTemplateUrl', null);
    project.provide('pgTemplateName', '');
  } else {
    project.provide('pgTemplateUrl', pgUrl);
    project.provide('pgTemplateName', PG_TEMPLATE);
  }

  return () => dropTemplates(runDir, pgUrl);
}

/** Removes this run's folder (the PGlite template and every test's folders) and its PostgreSQL databases (the template and those the workers kept). */
async function dropTemplates(dir: string, pgUrl: string | undefined): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  if (!pgUrl) return;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${PG_TEMPLATE}" with (force)`);
    // The databases the workers kept for reuse (test/support/storage.ts).
    const kept = await admin.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`kt\\_${RUN}\\_%`]);
    for (const row of kept.rows) await admin.query(`drop database if exists "${row.datname}" with (force)`);
  } finally {
    await admin.end();
  }
}
