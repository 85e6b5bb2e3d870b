import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../shared/errors.ts';

// Files Kessetsu itself keeps beside the database: a folder holding only these is a new one.
const OWN_ENTRIES = new Set(['kessetsu.pid', 'lost+found']);
// What every initialised PostgreSQL folder has besides PG_VERSION.
const REQUIRED = ['global/pg_control', 'base'];

/** A refusal to open a PGlite folder, naming it (issue 10.6). */
function refuse(dataDir: string, what: string): AppError {
  return new AppError(
    'unavailable',
    `the PGlite data folder ${dataDir} ${what}; refusing to start rather than initialise a new database over its files. Restore the folder from a backup, or choose an empty folder for a new hub`,
    { data_dir: dataDir },
  );
}

/**
 * Checks a PGlite folder before it is opened: missing or empty is a new database; anything else must
 * be an initialised PostgreSQL folder (PG_VERSION, global/pg_control, base). PGlite initialises any
 * folder without PG_VERSION, so without this check a damaged folder would be overwritten (issue 10.6).
 * @example checkPgliteFolder('./data') // throws naming the folder when damaged
 */
export function checkPgliteFolder(dataDir: string): 'new' | 'existing' {
  if (!existsSync(dataDir)) return 'new';
  if (!statSync(dataDir).isDirectory()) throw refuse(dataDir, 'is not a folder');
  const entries = readdirSync(dataDir).filter((e) => !OWN_ENTRIES.has(e));
  if (entries.length === 0) return 'new';
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) throw refuse(dataDir, `is not empty but has no PG_VERSION (it holds ${entries.length} other entr${entries.length === 1 ? 'y' : 'ies'}, e.g. ${entries.slice(0, 3).join(', ')}): it is damaged, or not a Kessetsu database`);
  const missing = REQUIRED.filter((p) => !existsSync(path.join(dataDir, p)));
  if (missing.length) throw refuse(dataDir, `is damaged (missing ${missing.join(', ')})`);
  return 'existing';
}

/**
 * The error to show when PGlite fails to open a folder that passed the check: names the folder and
 * says its files were left as they were.
 */
export function openFailed(dataDir: string, err: unknown): AppError {
  const reason = err instanceof Error ? err.message : String(err);
  return new AppError('unavailable', `the PGlite data folder ${dataDir} could not be opened (${reason.slice(0, 300)}); its files were left as they are. Restore it from a backup, or choose an empty folder for a new hub`, { data_dir: dataDir });
}
