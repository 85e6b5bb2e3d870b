// Builds the web interface into web/dist when it is missing or older than its sources.
// `npm start` runs this first (prestart), so `npm install && npm start` serves the interface on a
// fresh clone; the browser tests call it too. `--force` rebuilds regardless.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const index = path.join(here, 'dist', 'index.html');
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', '../src/feedback/advisories/markdown.render.ts'];

function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, name) => Math.max(m, newest(path.join(p, name))), st.mtimeMs);
}

/** True when web/dist is missing or older than a source file. */
export function webBuildStale(): boolean {
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newest(path.join(here, s)) > built);
}

/** Runs `vite build` for the web interface when it is stale (or always, with force). */
export async function ensureWebBuilt(force = false): Promise<boolean> {
  if (!force && !webBuildStale()) return false;
  const { build } = await import('vite');
  await build({ configFile: path.join(here, 'vite.config.ts'), logLevel: 'warn' });
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await ensureWebBuilt(process.argv.includes('--force'));
  process.stderr.write(built ? 'kessetsu: web interface built into web/dist\n' : 'kessetsu: web interface is up to date\n');
}
