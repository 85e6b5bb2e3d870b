// A checker of Suricata/Snort rule syntax, written from the Suricata rule documentation
// (docs.suricata.io, "Rules format"): `action protocol source sport direction destination dport (options)`,
// options `keyword;` or `keyword:value;`, `;` and `"` escaped with a backslash inside values, content
// hex between pipes. Suricata is not packaged here, so tests check generated rules against this.

const ACTIONS = new Set(['alert', 'pass', 'drop', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth']);
const PROTOCOLS = new Set(['tcp', 'udp', 'icmp', 'ip', 'http', 'tls', 'dns', 'ftp', 'smb', 'ssh', 'smtp', 'http2']);
const DIRECTIONS = new Set(['->', '<>', '<-']);
const ADDRESS = /^(?:any|!?\$[A-Z_]+|!?\[[0-9a-fA-F:.,/!$A-Z_ ]+\]|!?[0-9a-fA-F:.]+(?:\/\d{1,3})?)$/;
const PORT = /^(?:any|!?\$[A-Z_]+|!?\[[0-9:, !]+\]|!?\d{1,5}(?::\d{0,5})?)$/;
const KEYWORD = /^[a-z][a-z0-9_.]*$/;

/** One parsed option. */
export interface RuleOption {
  readonly keyword: string;
  readonly value: string | undefined;
}

/** A parsed rule, or the reason it is not one. */
export type RuleCheck = { ok: true; sid: number; options: RuleOption[] } | { ok: false; reason: string };

function splitOptions(body: string): string[] | string {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\') {
      const next = body[i + 1];
      if (next === undefined || !'\\;":'.includes(next)) return `bad escape at ${i}`;
      cur += ch + next;
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (quoted) return 'unterminated quoted value';
  if (cur.trim() !== '') return `text after the last ";": ${cur.trim().slice(0, 40)}`;
  return out;
}

function checkContent(value: string): string | undefined {
  if (!/^"(?:[^"\\]|\\.)*"$/.test(value)) return `content value ${value.slice(0, 40)} is not one quoted string`;
  const inner = value.slice(1, -1);
  const parts = inner.split('|');
  if (parts.length % 2 === 0) return 'unbalanced | in content';
  for (let i = 1; i < parts.length; i += 2) if (!/^(?:\s*[0-9A-Fa-f]{2})+\s*$/.test(parts[i]!)) return `bad hex block |${parts[i]}|`;
  for (let i = 0; i < parts.length; i += 2) if (/(?<!\\)[;]/.test(parts[i]!)) return 'unescaped ; in content';
  return undefined;
}

/**
 * Checks one rule line against the Suricata rule grammar; answers its sid and options.
 * @example checkRule('alert ip any any -> [198.51.100.3] any (msg:"x"; sid:1; rev:1;)')
 */
export function checkRule(line: string): RuleCheck {
  const open = line.indexOf('(');
  if (open < 0 || !line.endsWith(')')) return { ok: false, reason: 'no (options)' };
  const header = line.slice(0, open).trim().split(/\s+/);
  if (header.length !== 7) return { ok: false, reason: `header has ${header.length} parts, not 7` };
  const [action, proto, src, sport, dir, dst, dport] = header as [string, string, string, string, string, string, string];
  if (!ACTIONS.has(action)) return { ok: false, reason: `unknown action ${action}` };
  if (!PROTOCOLS.has(proto)) return { ok: false, reason: `unknown protocol ${proto}` };
  if (!DIRECTIONS.has(dir)) return { ok: false, reason: `bad direction ${dir}` };
  for (const a of [src, dst]) if (!ADDRESS.test(a)) return { ok: false, reason: `bad address ${a}` };
  for (const p of [sport, dport]) if (!PORT.test(p)) return { ok: false, reason: `bad port ${p}` };
  const parts = splitOptions(line.slice(open + 1, -1));
  if (typeof parts === 'string') return { ok: false, reason: parts };
  const options: RuleOption[] = [];
  for (const p of parts) {
    const c = p.indexOf(':');
    const keyword = (c < 0 ? p : p.slice(0, c)).trim();
    const value = c < 0 ? undefined : p.slice(c + 1).trim();
    if (!KEYWORD.test(keyword)) return { ok: false, reason: `bad keyword ${keyword}` };
    if (keyword === 'content') {
      const bad = checkContent(value ?? '');
      if (bad) return { ok: false, reason: bad };
    }
    if (keyword === 'msg' && !/^"(?:[^"\\]|\\.)*"$/.test(value ?? '')) return { ok: false, reason: 'msg is not a quoted string' };
    options.push({ keyword, value });
  }
  const sid = options.find((o) => o.keyword === 'sid');
  if (!sid || !/^\d+$/.test(sid.value ?? '') || Number(sid.value) < 1 || Number(sid.value) > 4294967295) return { ok: false, reason: 'sid missing or not a 32-bit number' };
  if (!options.some((o) => o.keyword === 'msg')) return { ok: false, reason: 'no msg' };
  if (!options.some((o) => o.keyword === 'rev')) return { ok: false, reason: 'no rev' };
  return { ok: true, sid: Number(sid.value), options };
}
