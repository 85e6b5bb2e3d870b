import { existsSync } from 'node:fs';
import path from 'node:path';

/** The shared real-data folder beside the repository (../shared/data). */
export const SHARED_DATA = path.resolve(import.meta.dirname, '../../../shared/data');

/** True when the shared data is here; under CI=true its absence is an error, never a skip. */
export function hasSharedData(): boolean {
  if (existsSync(SHARED_DATA)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${SHARED_DATA} is missing: tests on real data must not skip in CI`);
  console.log(`kessetsu tests: ${SHARED_DATA} not found, tests on real data skipped`);
  return false;
}

/** Absolute path of a file under ../shared/data. */
export function sharedData(...parts: string[]): string {
  return path.join(SHARED_DATA, ...parts);
}
