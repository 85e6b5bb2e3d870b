import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const found = new Map<string, boolean>();

function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/**
 * True when a command-line tool a test runs is installed (`named-checkzone` from Debian bind9-utils,
 * `yara`). Outside CI its absence skips those tests with a one-line notice; under CI=true it is an
 * error, never a skip (`.ci/run` installs them).
 * @example it.runIf(hasTool('named-checkzone', 'bind9-utils'))('the zone passes named-checkzone', …)
 */
export function hasTool(name: string, debianPackage: string): boolean {
  const known = found.get(name);
  if (known !== undefined) return known;
  const here = onPath(name);
  if (!here && process.env.CI === 'true') throw new Error(`CI=true but ${name} is not installed (Debian ${debianPackage}): tests that need it must not skip in CI`);
  if (!here) console.log(`kessetsu tests: ${name} not installed (Debian ${debianPackage}), tests that need it skipped`);
  found.set(name, here);
  return here;
}
