import { execFileSync } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';

/** The median of some numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One line saying what machine a figure was measured on. */
export function machine(): string {
  const gib = Math.round(os.totalmem() / 1024 ** 3);
  return `${os.cpus().length} cores, ${gib} GiB, Node ${process.version}`;
}

/** Today as YYYY-MM-DD. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Prints a result row for bench/run.ts to append to bench/RESULTS.md. */
export function report(row: { bench: string; figure: string; target: string; data: string; command: string }): void {
  console.log(`RESULT | ${today()} | ${row.bench} | ${row.figure} | ${row.target} | ${row.data} | \`${row.command}\` | ${machine()} |`);
}

/** Git commit of the measured code, for the record. */
export function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** A fresh, empty database on the benchmark's PostgreSQL server (dropped and created again). */
export async function freshPgDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.query(`create database "${name}"`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Which values the benches' feeds hold. `listed` (the default, every figure before the eighteenth session): private
 * addresses and documentation names, every one on a built-in warninglist, so that every value is reviewed, warned of
 * and has its hit recorded — the worst case. `unlisted`: public addresses and names, all but a few on no built-in list, as most of a
 * real feed's values are.
 */
export type BenchValues = 'listed' | 'unlisted';

/** BENCH_VALUES, checked. */
export function benchValues(): BenchValues {
  const v = process.env.BENCH_VALUES ?? 'listed';
  if (v !== 'listed' && v !== 'unlisted') throw new Error(`BENCH_VALUES=${v}: listed or unlisted`);
  return v;
}

// Public IPv4 /8s, not special-use or documentation ranges (a few of their addresses are public resolvers or sinkholes).
const PUBLIC_FIRST_OCTETS = [45, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89];

/**
 * The benches' CSV feed of n rows: a third each IPv4 addresses, domain names and URLs, one per row, with a date, tags
 * and a comment (the shape of the public blocklists a fusion center takes in). Values are distinct up to 2^20 rows.
 * @example writeFileSync(file, feedCsv(100_000))
 */
export function feedCsv(n: number, values: BenchValues = 'listed'): string {
  const lines = ['value,type,first_seen,tags,comment'];
  const listed = values === 'listed';
  const domain = listed ? 'example.com' : 'kessetsu-bench.net';
  const site = listed ? 'example.net' : 'kessetsu-bench.org';
  for (let i = 0; i < n; i++) {
    const a = (i >> 16) & 255, b = (i >> 8) & 255, c = i & 255;
    if (i % 3 === 0) lines.push(listed ? `10.${a}.${b}.${c},ipv4-addr,2026-11-01,scanner,feed` : `${PUBLIC_FIRST_OCTETS[a & 15]}.${b}.${c}.${1 + (a >> 4)},ipv4-addr,2026-11-01,scanner,feed`);
    else if (i % 3 === 1) lines.push(`bad-${i}.${domain},domain-name,2026-11-01,phishing,feed`);
    else lines.push(`http://evil-${i}.${site}/login.php?id=${i},url,2026-11-01,kit,feed`);
  }
  return lines.join('\n') + '\n';
}
