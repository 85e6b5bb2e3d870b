// The web interface's JavaScript, gzipped: the first screen (the entry chunk and what it imports
// statically) against the 300 KB target of issue 13, and the lazy chunks (graph, screens) beside it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureWebBuilt } from '../web/ensure-built.ts';
import { report } from './support.ts';

await ensureWebBuilt(true);
const dist = path.resolve(import.meta.dirname, '../web/dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const first = [...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]!);
// Static imports of the entry are loaded with it (modulepreload); dynamic ones are not.
for (const f of [...first]) {
  const code = readFileSync(path.join(dist, 'assets', f), 'utf8');
  for (const m of code.matchAll(/^import\s*(?:[^'"]*from\s*)?["']\.\/([^"']+\.js)["']/gm)) if (!first.includes(m[1]!)) first.push(m[1]!);
}
const gz = (f: string): number => gzipSync(readFileSync(path.join(dist, 'assets', f)), { level: 9 }).length;
const all = readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js'));
const firstKb = first.reduce((s, f) => s + gz(f), 0) / 1024;
const lazy = all.filter((f) => !first.includes(f)).map((f) => ({ f, kb: gz(f) / 1024 })).sort((a, b) => b.kb - a.kb);
const biggest = lazy[0];
report({
  bench: 'web bundle, first screen',
  figure: `${firstKb.toFixed(1)} KB gzipped JS (${first.length} file${first.length === 1 ? '' : 's'})`,
  target: '< 300 KB',
  data: `${all.length} chunks; largest lazy: ${biggest ? `${biggest.f.replace(/-[\w-]{8}\.js$/, '')} ${biggest.kb.toFixed(1)} KB` : 'none'}; all lazy ${lazy.reduce((s, x) => s + x.kb, 0).toFixed(1)} KB`,
  command: 'npm run bench -- web-bundle',
});
