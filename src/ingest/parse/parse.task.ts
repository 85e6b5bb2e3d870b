import { AppError } from '../../shared/errors.ts';
import type { StixValidator } from '../../stix/stix.validator.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { checkLines, enforceObjectLimits, oversizeIssue, tooManyObjects, type ObjectLimits } from '../ingest.limits.ts';
import { storableJson } from '../unstorable.check.ts';
import { sniffFormat } from '../parsers/format.sniffer.ts';
import { csvSlices } from '../parsers/csv.parser.ts';
import { textSlices } from '../parsers/text.parser.ts';
import { stixSlices } from '../parsers/stix.parser.ts';
import { indicatorKeys } from './carried-keys.ts';
import { lineDraftOf, type LineDraft, type LineTlps } from './line-draft.ts';
import { placeholderId } from '../parsers/stable-id.factory.ts';
import { DEFAULT_PREFIX_LIMITS, type PrefixLimits } from '../../observables/cidr.limit.ts';
import type { Tlp } from '../../db/schema.ts';
import { ParseError, type IngestFormat, type ParseIssue, type ParseResult } from '../parsers/parse-result.ts';
import { parseBody, refuseNul } from '../parsers/registry.ts';

/** What to make of a body: the format asked for, strictness, and the ceilings it is held to. */
export interface ParseRequest {
  readonly format: 'auto' | IngestFormat;
  readonly lenient: boolean;
  readonly filename?: string | undefined;
  readonly limits: ObjectLimits;
  /** CIDRs broader than these are refused (issue 11.3): a STIX bundle given in slices is held to them as it is parsed. */
  readonly prefixLimits?: PrefixLimits | undefined;
  /**
   * The contributing organisation's id salt, for a CSV feed parsed in slices: its importer-made indicators get their
   * ids of the organisation on the worker (ParseSlice.generated; issue 17). A secret: never in a message or a log.
   */
  readonly idSalt?: string | undefined;
  /**
   * A CSV feed parsed in slices gives its rows that are flat feed lines as line drafts (ParseSlice.lines; issue 17):
   * asked by an ingest that writes a first import's lines (not a hub override, whose objects all go the stored way).
   */
  readonly lines?: boolean | undefined;
  /** With `lines`: the ingest's TLPs, at which the worker hashes a line's contents (LineDraft's `hashes`). */
  readonly lineTlps?: LineTlps | undefined;
}

/**
 * Parses and validates a body and holds the result to the limits; the same code runs on the main
 * thread (small bodies) and in parse workers, so both answer alike.
 * @example const parsed = await runParse(body, { format: 'auto', lenient: false, limits: NO_LIMITS }, validator)
 */
export async function runParse(body: Buffer, req: ParseRequest, validator: StixValidator): Promise<ParseResult> {
  if (req.limits.maxLines !== null) {
    const format = req.format === 'auto' ? sniffFormat(body.subarray(0, 64 * 1024), req.filename).format : req.format;
    checkLines(body, format, req.limits);
  }
  const parsed = await parseBody(body, req.format, validator, { lenient: req.lenient, filename: req.filename });
  return enforceObjectLimits(parsed, req.limits, req.lenient);
}

/**
 * Formats parsed and stored slice by slice (issue 17): CSV and plain feeds, whose checks hold per row; STIX 2.1
 * bundles, parsed whole on the worker and validated and given out in slices, what needs the whole bundle decided
 * there (stixSlices). An upgraded STIX 2.0 bundle sniffed as such stays whole (it is upgraded whole).
 */
export const STREAMED_FORMATS: ReadonlySet<IngestFormat> = new Set<IngestFormat>(['csv', 'text', 'stix']);

/** Slices a worker sends ahead of the main thread before it waits for one to be taken. */
export const STREAM_WINDOW = 2;

/** One slice of a streamed parse: objects already held to the limits, and how far into the body it got (0–1). */
export interface ParseSlice {
  readonly objects: StixObject[];
  readonly progress: number;
  /** The TLP the whole file states (a text's "TLP:AMBER"), known from the first slice on. */
  readonly tlp?: Tlp | undefined;
  /** The parse held the objects to the storable text and the CIDR prefixes already (a STIX bundle, issue 17). */
  readonly checked?: boolean | undefined;
  /** The indicators' keys the parse derived, object by object (see carried-keys.ts). */
  readonly patternKeys?: readonly (readonly string[] | null)[] | undefined;
  /**
   * The ids of the slice's importer-made objects (indicators and their based-on relationships), made with the
   * request's idSalt: already the organisation's, the preparation takes them as they are. Absent: no id was made so.
   */
  readonly generated?: readonly string[] | undefined;
  /**
   * Every reference of the slice's objects is to an object given out by the parse (in this slice or one before) or
   * to a TLP marking: a feed line's objects point at each other only. The dangling-reference check has nothing to
   * look for in such a slice unless objects of it are dropped before storing.
   */
  readonly refsWithin?: boolean | undefined;
  /** No object of the slice holds text the database cannot store, nor nests too deep (unstorableIssue finds nothing). */
  readonly textChecked?: boolean | undefined;
  /**
   * The ids of the slice's objects that an object of the file refers to (a STIX bundle, whose references the parse
   * reads over the whole file first): only these need to be known to the dangling-reference check, which asks whether
   * a reference points into the file. Absent: any object's id may be a reference's target.
   */
  readonly targets?: readonly string[] | undefined;
  /** Importer-made objects of the slice dropped by the parse (too large), by id: the id a whole-file parse gives them. */
  readonly placeholders?: Readonly<Record<string, string>> | undefined;
  /**
   * With ParseRequest.lines, a CSV feed's rows that are flat lines, each in place of its observable, indicator and
   * based-on relationship (line-draft.ts): held by the parse to every check it makes of objects (size, text, keys).
   */
  readonly lines?: readonly LineDraft[] | undefined;
  /** For each of `lines`, how many of `objects` come before it in the file's order. */
  readonly lineSlots?: readonly number[] | undefined;
}

/** What a streamed parse says once its slices are out: the parse result without its objects. */
export type ParseHead = Omit<ParseResult, 'objects'>;

/**
 * runParse for a streamed format, given out in slices of about `sliceObjects` objects: the same checks (lines,
 * NUL, object limits) with the same outcome. A file over the object count, or a strict one with an object too
 * large, gives no more slices from there on (it is refused whole) and says so at the end, as runParse would.
 * @example for (let r = runParseStream(body, { ...req, format: 'csv' }, 5000).next(); !r.done; ) store(r.value.objects)
 */
export function* runParseStream(body: Buffer, req: ParseRequest & { readonly format: IngestFormat }, sliceObjects: number, validator: StixValidator): Generator<ParseSlice, ParseHead> {
  const { format, limits } = req;
  if (!STREAMED_FORMATS.has(format)) throw new Error(`${format} is not parsed in slices`);
  checkLines(body, format, limits);
  refuseNul(body, format);
  // A bundle is held to the object limits as it is validated (the limits come before the CIDR check there).
  if (format === 'stix') return yield* appError(format, stixSlices(body, validator, { lenient: req.lenient, limits, prefixLimits: req.prefixLimits ?? DEFAULT_PREFIX_LIMITS }, sliceObjects));
  let total = 0;
  // Set once the file is to be refused whole: nothing more is given out.
  let refused = false;
  const oversize: ParseIssue[] = [];
  const csv = format === 'csv';
  const draft = csv && req.lines && req.idSalt !== undefined ? (s: StixObject, i: StixObject, r: StixObject) => lineDraftOf(s, i, r, limits.maxObjectBytes, req.lineTlps) : undefined;
  const slices: Generator<ParseSlice, ParseHead> = csv ? csvSlices(body, { idSalt: req.idSalt, draft }, sliceObjects) : textSlices(body, {}, sliceObjects);
  let r: IteratorResult<ParseSlice, ParseHead>;
  try {
    for (r = slices.next(); !r.done; r = slices.next()) {
      const out: StixObject[] = [];
      const generated = r.value.generated;
      let placeholders: Record<string, string> | undefined;
      // Each object is serialized for its size: its JSON text says whether it holds text that cannot be stored.
      let textChecked = limits.maxObjectBytes !== null;
      // A line draft counts as its three objects, where they stand in the file (an object's index names it).
      const lines = r.value.lines ?? [];
      const slots = r.value.lineSlots ?? [];
      // Their places among the objects given out (an object dropped here moves the lines after it one place up).
      const lineSlots: number[] = [];
      let nextLine = 0;
      const linesUpTo = (k: number): void => {
        for (; nextLine < lines.length && slots[nextLine]! <= k; nextLine++) {
          total += 3;
          lineSlots.push(out.length);
        }
        if (limits.maxObjects !== null && total > limits.maxObjects) refused = true;
      };
      for (const [k, o] of r.value.objects.entries()) {
        linesUpTo(k);
        const index = total++;
        if (limits.maxObjects !== null && total > limits.maxObjects) refused = true;
        if (limits.maxObjectBytes !== null) {
          const json = JSON.stringify(o);
          const size = Buffer.byteLength(json, 'utf8'); // objectBytes(o)
          if (textChecked && !storableJson(json)) textChecked = false;
          if (size > limits.maxObjectBytes) {
            // Named as a whole-file parse names it (its placeholder id, not the organisation's).
            const shown = generated?.includes(o.id) ? placeholderId(o) : o.id;
            if (shown !== o.id) (placeholders ??= {})[o.id] = shown;
            oversize.push(oversizeIssue(index, shown === o.id ? o : { ...o, id: shown }, size, limits.maxObjectBytes));
            if (!req.lenient) refused = true;
            continue;
          }
        }
        out.push(o);
      }
      linesUpTo(Infinity);
      // The indicators' keys are derived here, beside the main thread's work (carried-keys.ts): feed lines' patterns are
      // parsed on the worker only. A CSV slice's references stay within its rows unless an object too large was
      // dropped here (the others of its row point at it: a dangling reference).
      if (!refused && out.length + lines.length > 0)
        yield { objects: out, progress: r.value.progress, tlp: r.value.tlp, patternKeys: out.map(indicatorKeys), generated, placeholders, refsWithin: (csv && out.length === r.value.objects.length) || undefined, textChecked: textChecked || undefined, ...(lines.length > 0 && { lines, lineSlots }) };
    }
  } catch (err) {
    if (err instanceof ParseError) throw new AppError('unprocessable', `${format}: ${err.message}`, { format, where: err.where });
    throw err;
  }
  const tail = r.value;
  if (limits.maxObjects !== null && total > limits.maxObjects) throw tooManyObjects(total, limits.maxObjects);
  if (oversize.length === 0) return tail;
  const errors = [...tail.errors, ...oversize];
  if (!req.lenient) return { ...tail, errors, summary: { ...tail.summary, objects: tail.summary?.objects ?? total, rejected_all: true } };
  return { ...tail, errors };
}

// A parse that cannot read the file at all says so as parseBody does (422 naming the format and where).
function* appError<T, R>(format: IngestFormat, g: Generator<T, R>): Generator<T, R> {
  try {
    return yield* g;
  } catch (err) {
    if (err instanceof ParseError) throw new AppError('unprocessable', `${format}: ${err.message}`, { format, where: err.where });
    throw err;
  }
}

/** An error as it crosses from a worker: enough to rebuild an AppError, or to report another failure. */
export interface SerializedError {
  readonly app: boolean;
  readonly code: string;
  readonly message: string;
  readonly details: unknown;
  readonly name: string;
}

/** Turns an error into plain data for postMessage. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof AppError) return { app: true, code: err.code, message: err.message, details: err.details, name: err.name };
  const e = err instanceof Error ? err : new Error(String(err));
  return { app: false, code: 'internal', message: e.message, details: null, name: e.name };
}

/** The error a worker reported, rebuilt on this side. */
export function deserializeError(e: SerializedError): Error {
  if (e.app) return new AppError(e.code as AppError['code'], e.message, e.details);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
