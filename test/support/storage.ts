import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, inject } from 'vitest';
import { openPglite, openPostgres, type Storage, type StorageKind } from '../../src/db/database.ts';

/** A way to get a fresh, migrated, empty database. */
export interface Backend {
  readonly name: StorageKind;
  open(): Promise<Storage>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const pgliteBackend: Backend = {
  name: 'pglite',
  async open() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kessetsu-test-'));
    cpSync(inject('pgliteTemplate'), dir, { recursive: true });
    const storage = await openPglite(dir);
    return {
      ...storage,
      async close() {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgresBackend(adminUrl: string): Backend {
  return {
    name: 'postgres',
    async open() {
      const template = inject('pgTemplateName');
      const name = `${template.replace(/_template$/, '')}_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database "${name}" template "${template}"`);
      await admin.end();
      const storage = await openPostgres(withDatabase(adminUrl, name), 5);
      return {
        ...storage,
        async close() {
          await storage.close();
          const a = new pg.Client({ connectionString: adminUrl });
          await a.connect();
          await a.query(`drop database if exists "${name}" with (force)`);
          await a.end();
        },
      };
    },
  };
}

/** The storage backends this run tests on: PGlite always, PostgreSQL when the run has one. */
export function backends(): Backend[] {
  const pgUrl = inject('pgTemplateUrl');
  return pgUrl ? [pgliteBackend, postgresBackend(pgUrl)] : [pgliteBackend];
}

/**
 * Runs a suite once per storage backend.
 * @example describeStorage('orgs', (backend) => { ... backend.open() ... })
 */
export function describeStorage(name: string, fn: (backend: Backend) => void): void {
  for (const b of backends()) describe(`${name} [${b.name}]`, () => fn(b));
}
