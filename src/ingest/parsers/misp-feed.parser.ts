import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseMispEvent } from './misp.parser.ts';
import { asRecord, asText, clipText } from './misp-value.reader.ts';
import { ParseError, type ParseIssue, type ParseResult } from './parse-result.ts';
import { isUuid } from './stable-id.factory.ts';

/** One event a feed manifest lists. */
export interface MispFeedEntry {
  readonly uuid?: string | undefined;
  /** The file the manifest names (non-standard list manifests); standard feeds use `<uuid>.json`. */
  readonly file?: string | undefined;
  readonly info?: string | undefined;
  /** MD5 of the event file, when the manifest gives it. */
  readonly md5?: string | undefined;
}

/** A MISP feed manifest, read: its shape, its events, and what was odd about it. */
export interface MispFeedManifest {
  /** `manifest`: MISP's {uuid: {...}}; `list`: a list of {filename, uuid, ...}; `index`: a pointer to another manifest. */
  readonly kind: 'manifest' | 'list' | 'index';
  readonly entries: readonly MispFeedEntry[];
  /** For an index: where its events manifest is, as written. */
  readonly eventsManifest?: string | undefined;
  readonly errors: ParseIssue[];
  readonly warnings: ParseIssue[];
}

const MAX_EVENT_BYTES = 256 * 1024 * 1024;

/**
 * Reads a MISP feed manifest: the standard uuid-keyed object, a list of {filename, uuid} entries, or an index
 * pointing at the events manifest (as the malvuln feed writes them). Throws ParseError only when it is none of these.
 * @example parseMispFeedManifest({ '5a3c…': { info: 'x', timestamp: '1513936310' } }).entries[0].uuid // '5a3c…'
 */
export function parseMispFeedManifest(json: unknown, where = 'manifest.json'): MispFeedManifest {
  const errors: ParseIssue[] = [];
  const warnings: ParseIssue[] = [];
  if (Array.isArray(json)) {
    warnings.push({ where, reason: "the manifest is a list of entries, not MISP's object keyed by event uuid (non-standard feed layout)" });
    const entries: MispFeedEntry[] = [];
    for (const [i, item] of json.entries()) {
      const rec = asRecord(item);
      const uuid = asText(rec?.uuid);
      const file = asText(rec?.filename) ?? asText(rec?.file);
      if (!rec || (!isUuid(uuid) && !file)) {
        errors.push({ where: `${where}[${i}]`, reason: 'an entry needs a uuid or a filename' });
        continue;
      }
      if (uuid !== undefined && !isUuid(uuid)) warnings.push({ where: `${where}[${i}].uuid`, reason: `"${clipText(uuid, 60)}" is not a UUID` });
      entries.push({ uuid: isUuid(uuid) ? uuid.toLowerCase() : undefined, file, info: asText(rec.info), md5: asText(rec.md5)?.toLowerCase() });
    }
    return { kind: 'list', entries, errors, warnings };
  }
  const rec = asRecord(json);
  if (!rec) throw new ParseError(where, 'a MISP feed manifest must be a JSON object keyed by event uuid');
  const pointer = asText(asRecord(rec.feeds)?.events);
  if (pointer) {
    warnings.push({ where, reason: `the manifest is a feed index, not a MISP manifest; following its events manifest "${clipText(pointer, 100)}"` });
    const others = Object.keys(asRecord(rec.feeds) ?? {}).filter((k) => k !== 'events');
    if (others.length > 0) warnings.push({ where: `${where}.feeds`, reason: `${others.slice(0, 10).map((k) => clipText(k, 40)).join(', ')} not imported: only events are` });
    return { kind: 'index', entries: [], eventsManifest: pointer, errors, warnings };
  }
  const entries: MispFeedEntry[] = [];
  for (const [key, value] of Object.entries(rec)) {
    if (!isUuid(key) || !asRecord(value)) {
      warnings.push({ where: `${where}["${clipText(key, 60)}"]`, reason: 'not an event entry (a uuid key with an object value); skipped' });
      continue;
    }
    entries.push({ uuid: key.toLowerCase(), info: asText(asRecord(value)?.info) });
  }
  if (entries.length === 0 && Object.keys(rec).length > 0) throw new ParseError(where, 'no event entries: the keys of a MISP feed manifest are event uuids');
  return { kind: 'manifest', entries, errors, warnings };
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

// Candidate places of a file a manifest names, never outside the feed folder: as written, relative to the
// manifest, without a leading copy of the feed folder's own name (paths written from the repository root),
// and by base name beside the manifest.
async function locate(root: string, base: string, written: string): Promise<string | undefined> {
  const rel = written.replace(/\\/g, '/').replace(/^\.?\//, '');
  const first = rel.split('/')[0];
  const candidates = [path.join(base, rel), path.join(root, rel), first === path.basename(root) ? path.join(root, rel.slice(first.length + 1)) : '', path.join(base, path.basename(rel))];
  for (const c of candidates) {
    if (!c) continue;
    const resolved = path.resolve(c);
    if (resolved !== root && !resolved.startsWith(root + path.sep)) continue;
    if (await isFile(resolved)) return resolved;
  }
  return undefined;
}

function failed(where: string, reason: string): ParseResult {
  return { format: 'misp', objects: [], errors: [{ where, reason }], warnings: [] };
}

async function readManifest(file: string, root: string): Promise<{ manifest?: MispFeedManifest; file: string; issue?: string }> {
  const rel = path.relative(root, file) || path.basename(file);
  try {
    return { manifest: parseMispFeedManifest(JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, '')), rel), file };
  } catch (e) {
    return { file, issue: e instanceof ParseError ? e.message : `${rel}: not readable JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

async function parseEventFile(file: string, root: string, entry: MispFeedEntry | undefined): Promise<ParseResult> {
  const rel = path.relative(root, file);
  const info = await stat(file);
  if (info.size > MAX_EVENT_BYTES) return failed(rel, `${info.size} bytes is over the ${MAX_EVENT_BYTES}-byte limit for one event`);
  const bytes = await readFile(file);
  const notes: ParseIssue[] = [];
  if (entry?.md5 && /^[0-9a-f]{32}$/.test(entry.md5)) {
    const md5 = createHash('md5').update(bytes).digest('hex');
    if (md5 !== entry.md5) notes.push({ where: rel, reason: `MD5 ${md5} differs from the manifest's ${entry.md5}: the file changed since the manifest was written` });
  }
  let result: ParseResult;
  try {
    result = parseMispEvent(bytes, rel);
  } catch (e) {
    return failed(rel, e instanceof Error ? e.message : String(e));
  }
  const uuid = asText(result.summary?.event_uuid)?.toLowerCase();
  if (entry?.uuid && uuid && uuid !== entry.uuid) notes.push({ where: rel, reason: `the event uuid ${uuid} is not the manifest's ${entry.uuid}` });
  return notes.length > 0 ? { ...result, warnings: [...notes, ...result.warnings] } : result;
}

/**
 * Walks a MISP feed folder: manifest.json (standard, list or index form) and the event files it names, one
 * ParseResult per event; a missing or bad event is a failed result of its own, never the end of the feed.
 * What is odd about the feed itself comes first as a result with no objects, file "manifest.json".
 * @example for await (const { file, result } of parseMispFeedDir('feed')) console.log(file, result.objects.length)
 */
export async function* parseMispFeedDir(dir: string): AsyncIterable<{ file: string; result: ParseResult }> {
  const root = path.resolve(dir);
  const feed: { errors: ParseIssue[]; warnings: ParseIssue[] } = { errors: [], warnings: [] };
  let read = await readManifest(path.join(root, 'manifest.json'), root);
  // An index points at the real manifest; follow it (once: an index of an index is a loop or a mistake).
  if (read.manifest?.kind === 'index') {
    feed.warnings.push(...read.manifest.warnings);
    const target = await locate(root, root, read.manifest.eventsManifest!);
    if (target) read = await readManifest(target, root);
    else read = { file: read.file, issue: `manifest.json: its events manifest "${clipText(read.manifest.eventsManifest!, 100)}" is not in the feed folder` };
    if (read.manifest?.kind === 'index') read = { file: read.file, issue: `${path.relative(root, read.file)}: an index pointing to another index` };
  }
  const manifestDir = path.dirname(read.file);
  const listed = new Set<string>();
  const jobs: { file: string | undefined; name: string; entry: MispFeedEntry | undefined }[] = [];
  if (read.manifest) {
    feed.warnings.push(...read.manifest.warnings);
    feed.errors.push(...read.manifest.errors);
    for (const entry of read.manifest.entries) {
      const written = entry.file ?? `${entry.uuid}.json`;
      const file = await locate(root, manifestDir, written);
      if (file) listed.add(file);
      jobs.push({ file, name: written, entry });
    }
  } else {
    feed.errors.push({ where: 'manifest.json', reason: `${read.issue ?? 'no manifest.json'}; reading every .json file of the folder as an event instead` });
  }
  const names = await readdir(manifestDir).catch(() => [] as string[]);
  const unlisted = names.map((n) => path.join(manifestDir, n)).filter((f) => f !== read.file && !listed.has(f) && f.endsWith('.json'));
  if (read.manifest && unlisted.length > 0) feed.warnings.push({ where: path.relative(root, manifestDir) || '.', reason: `${unlisted.length} .json file(s) the manifest does not list were ignored` });
  if (!read.manifest) for (const f of unlisted.sort()) jobs.push({ file: f, name: path.relative(root, f), entry: undefined });
  const others = names.filter((n) => !n.endsWith('.json'));
  if (others.length > 0) feed.warnings.push({ where: path.relative(root, manifestDir) || '.', reason: `${others.length} file(s) that are not .json ignored: ${others.slice(0, 5).map((n) => clipText(n, 40)).join(', ')}` });

  if (feed.errors.length + feed.warnings.length > 0) {
    yield { file: 'manifest.json', result: { format: 'misp-feed', objects: [], errors: feed.errors, warnings: feed.warnings, summary: { kind: read.manifest?.kind, events: jobs.length } } };
  }
  for (const job of jobs) {
    if (!job.file) {
      yield { file: job.name, result: failed(job.name, 'listed in the manifest but not found in the feed folder') };
      continue;
    }
    const result = await parseEventFile(job.file, root, job.entry).catch((e: unknown) => failed(job.name, `cannot read: ${e instanceof Error ? e.message : String(e)}`));
    yield { file: path.relative(root, job.file), result };
  }
}
