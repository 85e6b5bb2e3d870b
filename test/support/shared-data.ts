import { existsSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';

/** The shared real-data folder beside the repository (../shared/data). */
export const SHARED_DATA = path.resolve(import.meta.dirname, '../../../shared/data');

let noticed = false;

/** True when the shared data is here; under CI=true its absence is an error, never a skip. */
export function hasSharedData(): boolean {
  if (existsSync(SHARED_DATA)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${SHARED_DATA} is missing: tests on real data must not skip in CI`);
  if (!noticed) console.log(`kessetsu tests: ${SHARED_DATA} not found, tests on real data skipped`);
  noticed = true;
  return false;
}

/** Absolute path of a file under ../shared/data. */
export function sharedData(...parts: string[]): string {
  return path.join(SHARED_DATA, ...parts);
}

/**
 * For the body of a describe that needs the shared data, called first: true when it is here; otherwise one skipped
 * test stands for the suite (Vitest refuses a file or suite without tests, and runs the bodies of skipped describes to
 * collect them, so nothing after this may read a shared file) and the body returns.
 * @example describe('on the real feeds', () => { if (!sharedDataOrSkip()) return; const lines = readFileSync(sharedData('feeds', 'x.txt')) … })
 */
export function sharedDataOrSkip(): boolean {
  if (hasSharedData()) return true;
  it.skip(`needs ${SHARED_DATA}`, () => {});
  return false;
}
