import type { Tlp } from '../../db/schema.ts';
import { stricter } from '../../trust/tlp.ts';
import { convertEvent } from './misp-event.converter.ts';
import { asRecord } from './misp-value.reader.ts';
import { ParseError, type ParseResult } from './parse-result.ts';
import { StixCollector } from './stix-output.collector.ts';

/** Options of the MISP importer. */
export interface MispParseOptions {
  /** Stands in for events with no timestamp at all (default: the current time). */
  readonly now?: string;
}

const EVENT_KEYS = ['Attribute', 'Object', 'info', 'threat_level_id', 'Orgc', 'analysis'];

function readJson(input: unknown, where: string): unknown {
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) return input;
  const text = (Buffer.isBuffer(input) ? input.toString('utf8') : input).replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ParseError(where, `not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The events of a MISP JSON document with the path naming each, or undefined when it holds none. */
export function mispEvents(json: unknown): { path: string; event: Record<string, unknown> }[] | undefined {
  const rec = asRecord(json);
  const list = Array.isArray(json) ? json : Array.isArray(rec?.response) ? (rec.response as unknown[]) : undefined;
  if (list) {
    const base = Array.isArray(json) ? '' : 'response';
    const events = list.flatMap((item, i) => {
      const wrapped = asRecord(asRecord(item)?.Event);
      if (wrapped) return [{ path: `${base}[${i}].Event`, event: wrapped }];
      const bare = asRecord(item);
      return bare && EVENT_KEYS.some((k) => k in bare) ? [{ path: `${base}[${i}]`, event: bare }] : [];
    });
    // A list of something else (sharing groups, organisations) is not an empty MISP answer.
    return events.length > 0 || list.length === 0 ? events : undefined;
  }
  const wrapped = asRecord(rec?.Event);
  if (wrapped) return [{ path: 'Event', event: wrapped }];
  if (rec && EVENT_KEYS.some((k) => k in rec)) return [{ path: 'Event', event: rec }];
  return undefined;
}

/**
 * Converts MISP event JSON (`{"Event": …}`, a bare event, `{"response": [{"Event": …}, …]}` or a list of
 * events) to STIX 2.1: a report per event, observables, indicators for to_ids attributes and objects,
 * notes, galaxies, sightings, relationships; TLP tags become markings and the result's `tlp`.
 * Throws ParseError only when the input is not JSON or holds no MISP event.
 * @example parseMispEvent(JSON.parse(text), 'event.json').objects.filter((o) => o.type === 'indicator')
 */
export function parseMispEvent(json: unknown, where?: string, options: MispParseOptions = {}): ParseResult {
  const name = where ?? 'input';
  const events = mispEvents(readJson(json, name));
  if (!events) throw new ParseError(name, 'not a MISP event: expected {"Event": {...}}, {"response": [...]} or an event object with info and Attribute');
  const out = new StixCollector();
  const now = options.now ?? new Date().toISOString();
  const prefix = where ? `${where}#` : '';
  let tlp: Tlp | undefined;
  const summaries: Record<string, unknown>[] = [];
  for (const { path, event } of events) {
    const facts = convertEvent(out, event, `${prefix}${path}`, now);
    if (facts.tlp) tlp = stricter(facts.tlp, tlp);
    summaries.push(facts.summary);
  }
  if (events.length === 0) out.warn(name, 'the response holds no events');
  for (const [kind, n] of out.skipped) out.warn(where ?? 'Event', `${n} × ${kind}: not converted`);
  const objects = out.finish();
  const skipped = Object.fromEntries(out.skipped);
  const summary: Record<string, unknown> = summaries.length === 1 ? { ...summaries[0], skipped } : { events: summaries.length, items: summaries, skipped };
  return { format: 'misp', objects, errors: out.errors, warnings: out.warnings, tlp, summary };
}
