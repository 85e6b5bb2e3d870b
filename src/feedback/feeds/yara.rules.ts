/** One indicator's YARA text, prepared for a rules file. */
export interface YaraChunk {
  readonly indicatorId: string;
  /** Rule text with imports removed and clashing rule names renamed. */
  readonly text: string;
  readonly imports: readonly string[];
  readonly ruleNames: readonly string[];
}

/** An indicator left out of a rules file, and why. */
export interface YaraSkipped {
  readonly indicatorId: string;
  readonly reason: string;
}

const RULE_HEAD = /^(\s*(?:(?:private|global)\s+)*rule\s+)([A-Za-z_][A-Za-z0-9_]{0,127})\b/gm;
const IMPORT = /^\s*import\s+"([A-Za-z0-9_]+)"\s*$/gm;
const MODULES = new Set(['pe', 'elf', 'math', 'hash', 'time', 'dotnet', 'console', 'string', 'magic', 'cuckoo', 'macho', 'dex', 'lnk']);

// Comments, strings and regular expressions hide braces; they are blanked before braces are counted.
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/"(?:\\.|[^"\\\n])*"/g, '""')
    .replace(/\/(?:\\.|[^/\\\n])+\/[a-z]*/g, '//');
}

/**
 * Checks one indicator's YARA pattern for what would break a shared rules file or the machine that
 * compiles it, and prepares it: `include` refused (it reads files of the compiling host), imports
 * only of known modules and hoisted, braces balanced, every rule with a condition, rule names
 * unique across the file (a clash is renamed with the indicator's id). The real compiler has the
 * last word (yara.compile.ts).
 * @example prepareYara('indicator--…', 'rule evil { condition: true }', new Set())
 */
export function prepareYara(indicatorId: string, pattern: string, taken: Set<string>): YaraChunk | YaraSkipped {
  if (pattern.length > 1_000_000) return { indicatorId, reason: 'pattern longer than 1,000,000 characters' };
  if (pattern.includes('\u0000')) return { indicatorId, reason: 'pattern contains a NUL character' };
  const bare = code(pattern);
  if (/(^|\s)include\s+"/.test(bare)) return { indicatorId, reason: 'include directives are not allowed in shared rules' };
  const imports: string[] = [];
  for (const m of pattern.matchAll(IMPORT)) {
    if (!MODULES.has(m[1]!)) return { indicatorId, reason: `import of unknown module "${m[1]}"` };
    imports.push(m[1]!);
  }
  let depth = 0;
  for (const ch of bare) {
    if (ch === '{') depth++;
    else if (ch === '}' && --depth < 0) return { indicatorId, reason: 'unbalanced braces' };
  }
  if (depth !== 0) return { indicatorId, reason: 'unbalanced braces' };
  const names = [...bare.matchAll(RULE_HEAD)].map((m) => m[2]!);
  if (!names.length) return { indicatorId, reason: 'no rule in the pattern' };
  if ((bare.match(/\bcondition\s*:/g) ?? []).length < names.length) return { indicatorId, reason: 'a rule has no condition section' };
  const suffix = indicatorId.replace(/^indicator--/, '').replaceAll('-', '').slice(0, 12);
  const renamed = new Map<string, string>();
  for (const n of names) {
    if (!taken.has(n) && !renamed.has(n)) continue;
    renamed.set(n, `${n.slice(0, 100)}_${suffix}`);
  }
  let text = pattern.replace(IMPORT, '');
  if (renamed.size) {
    text = text.replace(RULE_HEAD, (all, head: string, name: string) => (renamed.has(name) ? `${head}${renamed.get(name)}` : all));
  }
  const finalNames = names.map((n) => renamed.get(n) ?? n);
  if (new Set(finalNames).size !== finalNames.length) return { indicatorId, reason: 'the pattern defines the same rule name twice' };
  for (const n of finalNames) taken.add(n);
  return { indicatorId, text: text.trim(), imports, ruleNames: finalNames };
}

/** Assembles a rules file: imports once at the top, each indicator's rules under a comment naming it. */
export function assembleYara(chunks: readonly YaraChunk[], skipped: readonly YaraSkipped[], generated: Date): { source: string; lineOf: Map<number, string> } {
  const imports = [...new Set(chunks.flatMap((c) => c.imports))].sort();
  const lines: string[] = [`// Kessetsu YARA rules, generated ${generated.toISOString()}: ${chunks.length} indicator(s), ${skipped.length} left out`];
  for (const s of skipped) lines.push(`// left out ${s.indicatorId}: ${s.reason.replace(/[\r\n]+/g, ' ')}`);
  for (const i of imports) lines.push(`import "${i}"`);
  const lineOf = new Map<number, string>();
  for (const c of chunks) {
    lines.push('', `// ${c.indicatorId}`);
    const start = lines.length + 1;
    const body = c.text.split('\n');
    body.forEach((_, k) => lineOf.set(start + k, c.indicatorId));
    lines.push(...body);
  }
  return { source: `${lines.join('\n')}\n`, lineOf };
}
