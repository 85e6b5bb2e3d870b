import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A compiler verdict: the lines (1-based) it complained about, or none. */
export interface YaraVerdict {
  readonly ok: boolean;
  readonly errors: readonly { readonly line: number | null; readonly message: string }[];
}

/** Compiles a rules text and reports errors by line; injectable so that hubs without yara still export. */
export type YaraCompiler = (source: string) => Promise<YaraVerdict>;

const ERROR_LINE = /\((\d+)\):\s*error:\s*(.*)$|error:\s*rule "[^"]*" in [^(]*\((\d+)\):\s*(.*)$/;

/**
 * The Debian `yarac` (or `yara`) binary as a compiler, or undefined when it is not installed.
 * It runs with no network and a time limit; rules never run against any file.
 * @example const compile = await findYaraCompiler(); if (compile) await compile('rule a { condition: true }')
 */
export async function findYaraCompiler(candidates = ['/usr/bin/yarac', '/usr/local/bin/yarac']): Promise<YaraCompiler | undefined> {
  const { access } = await import('node:fs/promises');
  for (const bin of candidates) {
    try {
      await access(bin);
      return (source) => compileWith(bin, source);
    } catch {
      // next candidate
    }
  }
  return undefined;
}

async function compileWith(bin: string, source: string): Promise<YaraVerdict> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kessetsu-yara-'));
  try {
    const file = path.join(dir, 'rules.yar');
    await writeFile(file, source);
    const out = await new Promise<{ code: number; text: string }>((resolve) => {
      execFile(bin, [file, path.join(dir, 'rules.compiled')], { timeout: 60_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, text: `${stdout}\n${stderr}` });
      });
    });
    if (out.code === 0) return { ok: true, errors: [] };
    const errors = out.text
      .split('\n')
      .filter((l) => l.includes('error'))
      .map((l) => {
        const m = ERROR_LINE.exec(l);
        const line = m ? Number(m[1] ?? m[3]) : null;
        return { line, message: (m ? (m[2] ?? m[4])! : l).trim().slice(0, 300) };
      });
    return { ok: false, errors: errors.length ? errors : [{ line: null, message: out.text.trim().slice(0, 300) || 'the compiler failed' }] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
