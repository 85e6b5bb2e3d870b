import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const LOCK = 'kessetsu.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live server holding a PGlite folder, if any. */
export function holderOf(dataDir: string): number | null {
  const file = path.join(dataDir, LOCK);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : null;
}

/** Marks a PGlite folder as held by this process; PGlite must not be opened by two processes. */
export function holdDataDir(dataDir: string): () => void {
  const other = holderOf(dataDir);
  if (other) throw new Error(`the data folder ${dataDir} is in use by process ${other}; stop it, or use --url and --key to talk to it`);
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK);
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}
