import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { marked, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';

// The README is what a newcomer reads first: its API table must render and its CLI list must hold
// every command main.ts registers (found from main.ts itself, so a new command needs a README line).

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const MAIN = readFileSync(new URL('../../src/cli/main.ts', import.meta.url), 'utf8');

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

  it('lists every command of the CLI', { timeout: 300_000 }, async () => {
    const program = new Command('kessetsu');
    const registrations = [...MAIN.matchAll(/import \{ (register\w+) \} from '(\.\/[\w.-]+\.ts)'/g)];
    expect(registrations.length).toBe([...MAIN.matchAll(/^register\w+\(program\)/gm)].length);
    for (const [, name, file] of registrations) {
      const mod = (await import(new URL(`../../src/cli/${file!.slice(2)}`, import.meta.url).href)) as Record<string, (p: Command) => void>;
      mod[name!]!(program);
    }
    const commands = leaves(program);
    expect(commands).toEqual(expect.arrayContaining(['serve', 'import', 'export', 'taxii remotes add', 'warninglists list']));
    const cli = section('CLI at a glance');
    expect(commands.filter((c) => !new RegExp(`kessetsu ${c}( |$)`, 'm').test(cli))).toEqual([]);
  });
});
