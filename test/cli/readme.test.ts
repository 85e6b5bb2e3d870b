import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { marked, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';

// The README is what a newcomer reads first: its API table must render and its CLI list must hold
// every command the CLI's program registers (src/cli/program.ts builds the tree; a new command needs a README line).

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, `README section "${title}"`).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end === -1 ? undefined : end);
}

/** Full names of the commands that do something ("taxii remotes add"), not of their groups. */
function leaves(cmd: Command, prefix: string[] = []): string[] {
  return cmd.commands.flatMap((c) => (c.commands.length ? leaves(c, [...prefix, c.name()]) : [[...prefix, c.name()].join(' ')]));
}

describe('README', () => {
  it('renders the API table as one table, listing TAXII at /taxii2/', () => {
    const text = section('API at a glance');
    const tables = marked.lexer(text).filter((t): t is Tokens.Table => t.type === 'table');
    expect(tables).toHaveLength(1);
    const lines = text.split('\n').filter((l) => l.startsWith('|'));
    // Header and separator lines are not rows: every other table line must have become one.
    expect(tables[0]!.rows).toHaveLength(lines.length - 2);
    expect(tables[0]!.rows.some((row) => row[0]!.text.includes('/taxii2/'))).toBe(true);
  });

  it('lists every command of the CLI', { timeout: 300_000 }, () => {
    const commands = leaves(buildProgram());
    expect(commands).toEqual(expect.arrayContaining(['serve', 'import', 'export', 'taxii remotes add', 'warninglists list']));
    const cli = section('CLI at a glance');
    expect(commands.filter((c) => !new RegExp(`kessetsu ${c}( |$)`, 'm').test(cli))).toEqual([]);
  });
});
