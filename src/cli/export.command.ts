import { createWriteStream, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { App } from '../app.ts';
import type { Viewer } from '../access/viewer.ts';
import { parseTlp } from '../trust/tlp.ts';
import { EXPORT_FORMATS, buildExport, type ExportFormat, type ExportRequest } from '../feedback/exports/export.builder.ts';
import { NO_PERSON } from '../feedback/subscriptions/subscriber.viewer.ts';
import { CliError, withDirectApp, type StorageFlags } from './cli-context.ts';

interface ExportFlags extends StorageFlags {
  readonly format: string;
  readonly out?: string;
  readonly type?: string;
  readonly ids?: string;
  readonly since?: string;
  readonly tlp?: string;
  readonly minConfidence?: string;
  readonly algo?: string;
  readonly limit?: string;
  readonly asOrg?: string;
  readonly url?: string;
  readonly key?: string;
}

/**
 * Who a direct export reads as: an organisation (as its members would see it, RED excepted, since
 * RED names people) or, by default, the hub (everything; AMBER+STRICT and RED reads audited).
 */
async function exportViewer(app: App, asOrg: string | undefined): Promise<Viewer> {
  const db = app.storage.db;
  const isUuid = asOrg !== undefined && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(asOrg);
  let q = db.selectFrom('orgs').select(['id', 'kind', 'sector', 'nda_accepted_at']);
  q = asOrg === undefined ? q.where('kind', '=', 'hub').orderBy('created_at') : isUuid ? q.where('id', '=', asOrg) : q.where('name', '=', asOrg);
  const org = await q.executeTakeFirst();
  if (!org) throw new CliError(asOrg ? `no organisation "${asOrg}"` : 'no hub organisation yet: start the hub once (kessetsu serve)', 2);
  const admin = asOrg === undefined ? await db.selectFrom('users').select('id').where('org_id', '=', org.id).where('role', '=', 'admin').orderBy('created_at').executeTakeFirst() : undefined;
  const groups = await db.selectFrom('sharing_group_members').select('group_id').where('org_id', '=', org.id).execute();
  return {
    kind: 'user',
    userId: admin?.id ?? NO_PERSON,
    orgId: org.id,
    orgKind: org.kind,
    sector: org.sector,
    role: asOrg === undefined ? 'admin' : 'member',
    ndaAccepted: org.nda_accepted_at !== null,
    groupIds: groups.map((g) => g.group_id),
    keyId: null,
  };
}

function requestOf(f: ExportFlags): ExportRequest {
  if (!(EXPORT_FORMATS as readonly string[]).includes(f.format)) throw new CliError(`--format must be one of ${EXPORT_FORMATS.join(', ')}; got "${f.format}"`, 2);
  const tlp = f.tlp === undefined ? undefined : parseTlp(f.tlp);
  if (f.tlp !== undefined && !tlp) throw new CliError(`--tlp must be clear, green, amber, amber+strict or red; got "${f.tlp}"`, 2);
  const since = f.since === undefined ? undefined : new Date(f.since);
  if (since && Number.isNaN(since.getTime())) throw new CliError(`--since must be a date and time (2026-01-01T00:00:00Z); got "${f.since}"`, 2);
  const int = (v: string | undefined, name: string, max: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new CliError(`--${name} must be an integer 0-${max}; got "${v}"`, 2);
    return n;
  };
  if (f.algo !== undefined && !['md5', 'sha1', 'sha256'].includes(f.algo)) throw new CliError(`--algo must be md5, sha1 or sha256; got "${f.algo}"`, 2);
  const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  return {
    format: f.format as ExportFormat,
    types: list(f.type),
    ids: list(f.ids),
    since,
    tlp,
    minConfidence: int(f.minConfidence, 'min-confidence', 100),
    algo: f.algo as ExportRequest['algo'],
    limit: int(f.limit, 'limit', 1_000_000),
  };
}

/** Writes to the file (atomically: a temporary file renamed when complete) or to stdout. */
async function writeOut(body: AsyncIterable<string> | string, out: string | undefined): Promise<void> {
  const source = typeof body === 'string' ? Readable.from([body]) : Readable.from(body);
  if (!out) {
    await pipeline(source, process.stdout as Writable, { end: false });
    return;
  }
  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`);
  try {
    await pipeline(source, createWriteStream(tmp));
    renameSync(tmp, out);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** `kessetsu export --format …`: council feeds and STIX/MISP exports, from the database or a running hub. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export a feed (plain, csv, json, suricata, rpz, hashes, yara) or a selection (stix, misp)')
    .requiredOption('--format <format>', EXPORT_FORMATS.join(', '))
    .option('--out <file>', 'write to a file (atomically) instead of stdout')
    .option('--type <types>', 'comma-separated: STIX types (stix, misp) or url, domain-name, ipv4-addr, ipv6-addr, file (feeds)')
    .option('--ids <ids>', 'comma-separated STIX ids (stix, misp)')
    .option('--since <time>', 'only what changed since (ISO 8601)')
    .option('--tlp <level>', 'stix, misp: objects seen at this level; feeds: at most this level')
    .option('--min-confidence <n>', 'feeds: only indicators at least this confident (0-100)')
    .option('--algo <algo>', 'hashes: md5, sha1 or sha256', 'sha256')
    .option('--limit <n>', 'stix, misp: at most this many objects')
    .option('--as-org <org>', 'export as this organisation (id or name) would see it; default: the hub (everything, audited)')
    .option('--data <dir>', 'PGlite data folder', './data')
    .option('--url <url>', 'ask a running hub instead of opening the database')
    .option('--key <key>', 'API key for --url')
    .action(async (flags: ExportFlags) => {
      const request = requestOf(flags);
      if (flags.url) {
        if (!flags.key) throw new CliError('--url needs --key', 2);
        const qs = new URLSearchParams({ format: request.format });
        for (const [k, v] of [['type', flags.type], ['ids', flags.ids], ['since', request.since?.toISOString()], ['tlp', request.tlp], ['min_confidence', flags.minConfidence], ['algo', request.format === 'hashes' ? flags.algo : undefined], ['limit', flags.limit]] as const)
          if (v !== undefined) qs.set(k, v);
        const res = await fetch(new URL(`/api/v1/export?${qs}`, flags.url), { headers: { authorization: `Bearer ${flags.key}` } }).catch((err: Error) => {
          throw new CliError(`cannot reach ${flags.url}: ${err.message}`);
        });
        if (!res.ok || !res.body) throw new CliError(`export: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
        const decoder = new TextDecoder();
        const chunks = async function* () {
          for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) yield decoder.decode(c, { stream: true });
        };
        await writeOut(chunks(), flags.out);
        return;
      }
      await withDirectApp(flags, async (app) => {
        const viewer = await exportViewer(app, flags.asOrg);
        const built = await buildExport(app.storage.db, app.feedback.feeds, undefined, viewer, request);
        await writeOut(built.body, flags.out);
        if (built.headers['x-kessetsu-yara-skipped'] && built.headers['x-kessetsu-yara-skipped'] !== '0')
          process.stderr.write(`kessetsu: ${built.headers['x-kessetsu-yara-skipped']} YARA indicator(s) left out (listed at the top of the file)\n`);
      });
    });
}
