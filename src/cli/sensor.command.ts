import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { replay, type BatchPoster } from '../sensors/replay/replay.runner.ts';
import { PcapFormatError } from '../sensors/replay/replay.source.ts';
import { CliError, callApi } from './cli-context.ts';

interface ReplayFlags {
  readonly sensor: string;
  readonly url: string;
  readonly key: string;
  readonly speed?: string;
  readonly batch?: string;
  readonly keepTime?: boolean;
  readonly gzip?: boolean;
  readonly quiet?: boolean;
}

function positive(name: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new CliError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`, 2);
  return n;
}

/** Posts batches to a running hub's events endpoint with the sensor's key. */
export function httpPoster(url: string, sensorId: string, key: string): BatchPoster {
  const target = new URL(`/api/v1/sensors/${encodeURIComponent(sensorId)}/events`, url);
  // A gzip body is recognised by its first bytes; no content-encoding, so no proxy inflates it on the way.
  return async (body) => {
    const res = await fetch(target, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
      body: new Uint8Array(body),
    }).catch((err: Error) => {
      throw new CliError(`cannot reach ${url}: ${err.message}`);
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Kept as text for the message.
    }
    if (res.status === 401 || res.status === 404) throw new CliError(`the hub refused sensor ${sensorId}: ${(parsed as { error?: { message?: string } })?.error?.message ?? text}`);
    const retry = Number(res.headers.get('retry-after'));
    return { status: res.status, body: parsed, ...(Number.isFinite(retry) && retry > 0 ? { retryAfterMs: retry * 1000 } : {}) };
  };
}

/**
 * The last whole period of `days` days before `now`, ending at a UTC midnight (a weekly run on
 * Monday morning drafts Monday to Sunday of the week before).
 * @example lastPeriod(7, Date.parse('2026-12-07T03:00:00Z')) // { from: '2026-11-30T00:00:00.000Z', to: '2026-12-07T00:00:00.000Z' }
 */
export function lastPeriod(days: number, now: number): { from: string; to: string } {
  const to = now - (now % 86_400_000);
  return { from: new Date(to - days * 86_400_000).toISOString(), to: new Date(to).toISOString() };
}

/** `kessetsu sensor replay|add|list|summary`: sensors from the command line, against a running hub. */
export function registerSensor(program: Command): void {
  const sensor = program.command('sensor').description('sensors: replay captures and honeypot logs into a running hub, register and list sensors');

  sensor
    .command('replay')
    .description('stream a capture (classic pcap) or a log (Kessetsu NDJSON events, Cowrie or Dionaea JSON; gzip allowed) into a running hub as a sensor')
    .argument('<file>', 'pcap, NDJSON, Cowrie or Dionaea JSON file')
    .requiredOption('--sensor <id>', 'the sensor id')
    .requiredOption('--url <url>', 'the hub, e.g. http://127.0.0.1:8080')
    .requiredOption('--key <key>', "the sensor's key (kss_…)")
    .option('--speed <n>', 'replay at n times real time (times follow the pace); 0 or absent: as fast as the hub takes it, times shifted by whole minutes to end now')
    .option('--keep-time', "send the file's own times (the hub refuses events older than 48 h)")
    .option('--batch <n>', 'events per batch (default 5000)')
    .option('--gzip', 'compress batches')
    .option('--quiet', 'no progress lines')
    .action(async (file: string, flags: ReplayFlags) => {
      if (!existsSync(file)) throw new CliError(`no file ${file}`, 2);
      const speed = positive('speed', flags.speed, 0, true);
      const batch = Math.floor(positive('batch', flags.batch, 5000));
      const started = Date.now();
      let last = 0;
      try {
        const t = await replay(file, httpPoster(flags.url, flags.sensor, flags.key), {
          speed,
          batch,
          keepTime: flags.keepTime ?? false,
          gzip: flags.gzip ?? false,
          onBatch: (r) => {
            if (flags.quiet || Date.now() - last < 1000) return;
            last = Date.now();
            process.stderr.write(`  ${r.sent} sent, ${r.accepted} accepted, ${r.rejected} refused\n`);
          },
        });
        const secs = (Date.now() - started) / 1000;
        process.stdout.write(`${file}: ${t.read} events read, ${t.sent} sent in ${t.batches} batches, ${t.accepted} accepted, ${t.rejected} refused, times shifted by ${Math.round(t.shift / 1000)} s, ${secs.toFixed(1)} s (${Math.round(t.sent / Math.max(secs, 0.001))} events/s)${t.truncated ? '; the capture ends inside a packet (truncated): what came before was sent' : ''}\n`);
        for (const e of t.errors.slice(0, 10)) process.stdout.write(`  line ${e.line}: ${e.reason}\n`);
      } catch (err) {
        if (err instanceof PcapFormatError) throw new CliError(`${file}: ${err.message}`);
        throw err;
      }
    });

  sensor
    .command('add')
    .description('register a sensor (answers its id and key, shown once)')
    .requiredOption('--label <text>', 'what the sensor is')
    .option('--kind <kind>', 'telescope, honeypot, ids or other', 'telescope')
    .option('--cidr <cidrs>', 'comma-separated address ranges the sensor watches')
    .option('--tlp <level>', 'who sees its aggregates: clear, green, amber, amber+strict, red', 'amber')
    .option('--public-summary', "let the hub's published observation summaries count it")
    .requiredOption('--url <url>', 'the hub')
    .requiredOption('--key <key>', 'your API key')
    .action(async (flags: { label: string; kind: string; cidr?: string; tlp: string; publicSummary?: boolean; url: string; key: string }) => {
      const body = { label: flags.label, kind: flags.kind, share_tlp: flags.tlp, public_summary: flags.publicSummary ?? false, ...(flags.cidr ? { address_space: flags.cidr.split(',').map((c) => c.trim()).filter(Boolean) } : {}) };
      const r = (await callApi(flags.url, flags.key, 'POST', '/api/v1/sensors', body)) as { id: string; key: string };
      process.stdout.write(`sensor ${r.id}\nkey ${r.key}\n(the key is shown this once)\n`);
    });

  sensor
    .command('summary')
    .description('draft the observation summary of the last whole period as an advisory (hub analysts; run it from cron for a periodic summary, then review and publish it)')
    .option('--days <n>', 'length of the period in days, ending at the last UTC midnight', '7')
    .option('--from <time>', 'start of the window (ISO 8601), instead of --days')
    .option('--to <time>', 'end of the window (ISO 8601), with --from')
    .requiredOption('--url <url>', 'the hub')
    .requiredOption('--key <key>', "a hub analyst's API key")
    .action(async (flags: { days: string; from?: string; to?: string; url: string; key: string }) => {
      if ((flags.from === undefined) !== (flags.to === undefined)) throw new CliError('--from and --to go together', 2);
      const window = flags.from && flags.to ? { from: flags.from, to: flags.to } : lastPeriod(Math.floor(positive('days', flags.days, 7)), Date.now());
      const r = (await callApi(flags.url, flags.key, 'POST', '/api/v1/observations/summary', window)) as { id: string; title: { en: string } };
      process.stdout.write(`draft advisory ${r.id}: ${r.title.en}\npublish it after review: POST /api/v1/advisories/${r.id}/publish\n`);
    });

  sensor
    .command('list')
    .description('sensors you see')
    .requiredOption('--url <url>', 'the hub')
    .requiredOption('--key <key>', 'your API key')
    .action(async (flags: { url: string; key: string }) => {
      const r = (await callApi(flags.url, flags.key, 'GET', '/api/v1/sensors')) as { items: { id: string; label: string; kind: string; share: { tlp: string }; revoked_at: string | null; last_event_at?: string | null }[] };
      for (const s of r.items) process.stdout.write(`${s.id}  ${s.kind.padEnd(9)}  TLP:${s.share.tlp.toUpperCase().padEnd(12)}  ${s.revoked_at ? 'revoked  ' : ''}${s.label}${s.last_event_at ? `  (last event ${s.last_event_at})` : ''}\n`);
    });
}
