import { writeFileSync } from 'node:fs';

// PGlite has no pg_stat_statements: where an import's time goes inside PostgreSQL was measured by hand with a timer
// patched into the worker (issue 17, several sessions). These are that timer's figures, kept when
// KESSETSU_PGLITE_STATEMENT_STATS names a file: the worker thread's CPU for each statement, summed by statement text.

/** One statement's totals. */
export interface StatementTotal {
  readonly statement: string;
  readonly calls: number;
  /** CPU milliseconds of PGlite's thread spent on the statement's calls. */
  readonly cpuMs: number;
}

/** The longest statement text kept (a COPY's or an unnest's columns are told apart well before). */
const KEY_LENGTH = 300;

/**
 * A statement's text as it is counted: the operation, then the SQL with its spaces collapsed, cut at 300 characters.
 * Parameters never reach it (only the text with its `$n` placeholders), so no value of a row is ever written out.
 * @example statementKey('query', 'select *\n  from orgs where id = $1') // 'query select * from orgs where id = $1'
 */
export function statementKey(op: string, sql: string | undefined): string {
  const text = sql === undefined ? '' : ` ${sql.replace(/\s+/g, ' ').trim()}`;
  return `${op}${text}`.slice(0, KEY_LENGTH);
}

/**
 * CPU of PGlite's thread by statement. PGlite runs one statement at a time, in arrival order: the CPU from a call's
 * start (its arrival, or the answer before it when others were queued) to its answer is that call's, so calls that
 * wait on each other are not counted twice.
 * @example const stats = new StatementStats(cpuMs); stats.arrived(); …; stats.answered('query select 1')
 */
export class StatementStats {
  readonly #cpuMs: () => number;
  readonly #totals = new Map<string, { calls: number; cpuMs: number }>();
  #inFlight = 0;
  #mark = 0;

  /** @param cpuMs the thread's CPU time so far, in milliseconds (process.threadCpuUsage on the worker). */
  constructor(cpuMs: () => number) {
    this.#cpuMs = cpuMs;
  }

  /** A call arrived. */
  arrived(): void {
    if (this.#inFlight++ === 0) this.#mark = this.#cpuMs();
  }

  /** A call was answered (or failed). */
  answered(key: string): void {
    const now = this.#cpuMs();
    const t = this.#totals.get(key) ?? { calls: 0, cpuMs: 0 };
    t.calls++;
    t.cpuMs += Math.max(0, now - this.#mark);
    this.#totals.set(key, t);
    this.#mark = now;
    this.#inFlight = Math.max(0, this.#inFlight - 1);
  }

  /** The totals, the costliest first. */
  totals(): StatementTotal[] {
    return [...this.#totals].map(([statement, t]) => ({ statement, calls: t.calls, cpuMs: t.cpuMs })).sort((a, b) => b.cpuMs - a.cpuMs);
  }

  /** Writes the totals to a file: a header line, then `cpu_ms<TAB>calls<TAB>statement` a statement. */
  write(file: string): void {
    const lines = this.totals().map((t) => `${t.cpuMs.toFixed(1)}\t${t.calls}\t${t.statement}`);
    writeFileSync(file, `cpu_ms\tcalls\tstatement\n${lines.join('\n')}${lines.length ? '\n' : ''}`);
  }
}

/** The calling thread's CPU time so far in milliseconds. */
export function threadCpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}
