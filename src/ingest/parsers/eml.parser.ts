import { simpleParser, type Attachment, type EmailAddress, type ParsedMail } from 'mailparser';
import { makeObservable, ObservableError, type MadeObservable } from '../../observables/observable.factory.ts';
import { deterministicId } from '../../stix/deterministic-id.ts';
import type { StixObject } from '../../stix/stix.types.ts';
import { addresses, attachmentArtifact, attachmentFile, headerValue, htmlLinks, htmlText, relayAddresses, textUrls } from '../extract/eml-parts.ts';
import { addObservable, indicatorFor } from '../extract/indicator.builder.ts';
import { ParseError, type ParseResult } from './parse-result.ts';
import { StixCollector } from './stix-output.collector.ts';
import { statedTlp } from './text.parser.ts';

/** Options of the e-mail importer. */
export interface EmlOptions {
  /** Keep attachment bytes as `artifact` objects (payload_bin); by default only names and hashes are kept. */
  readonly keepAttachments?: boolean;
  readonly now?: Date;
}

const OLE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
// Headers kept verbatim in additional_header_fields (STIX gives the others properties of their own).
const EXTRA_HEADERS = ['reply-to', 'return-path', 'message-id', 'x-mailer', 'x-originating-ip', 'in-reply-to', 'x-sender-ip'];
const HEADER_NAME: Readonly<Record<string, string>> = {
  'reply-to': 'Reply-To', 'return-path': 'Return-Path', 'message-id': 'Message-ID', 'x-mailer': 'X-Mailer',
  'x-originating-ip': 'X-Originating-IP', 'in-reply-to': 'In-Reply-To', 'x-sender-ip': 'X-Sender-IP',
};
const MAX_BODY = 1 << 20;
const HEADER_LINE = /^[!-9;-~]+:/;

interface EmlState {
  readonly out: StixCollector;
  readonly now: string;
}

function addressObject(state: EmlState, a: EmailAddress, header: string): string | undefined {
  if (!a.address) {
    state.out.warn(`header ${header}`, `"${(a.name ?? '').slice(0, 60)}" has no address`);
    return undefined;
  }
  let made: MadeObservable;
  try {
    made = makeObservable('email-addr', a.address);
  } catch (err) {
    if (!(err instanceof ObservableError)) throw err;
    state.out.warn(`header ${header}`, err.message);
    return undefined;
  }
  const name = a.name?.trim();
  const id = state.out.add(name ? { ...made.object, display_name: name } : made.object);
  // The same address may have come first without its name (from Return-Path).
  if (name) state.out.update(id, (o) => (o.display_name ? o : { ...o, display_name: name }));
  return id;
}

function addressRefs(state: EmlState, list: EmailAddress[], header: string): string[] {
  const refs = list.map((a) => addressObject(state, a, header)).filter((r): r is string => r !== undefined);
  return [...new Set(refs)];
}

function extraHeaders(mail: ParsedMail): Record<string, string | string[]> {
  const fields: Record<string, string | string[]> = {};
  for (const { key, line } of mail.headerLines) {
    if (!EXTRA_HEADERS.includes(key)) continue;
    const name = HEADER_NAME[key]!;
    const value = key === 'reply-to' && mail.replyTo ? mail.replyTo.text : headerValue(line);
    const prev = fields[name];
    fields[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return fields;
}

function addUrls(state: EmlState, raws: readonly string[], where: string, seen: Set<string>): number {
  let n = 0;
  for (const raw of raws) {
    let made: MadeObservable;
    try {
      made = makeObservable('url', raw);
    } catch (err) {
      if (!(err instanceof ObservableError)) throw err;
      state.out.warn(where, err.message);
      continue;
    }
    if (seen.has(made.key)) continue;
    seen.add(made.key);
    addObservable(state.out, made, { now: state.now }, true);
    n++;
  }
  return n;
}

function addAttachment(state: EmlState, a: Attachment, index: number, keep: boolean): Record<string, unknown> | undefined {
  const where = `attachment ${index + 1}${a.filename ? ` (${a.filename.slice(0, 80)})` : ''}`;
  if (!Buffer.isBuffer(a.content)) {
    state.out.warn(where, 'no content could be decoded');
    return undefined;
  }
  const artifact = keep ? attachmentArtifact(a.content, a.contentType) : undefined;
  if (artifact) state.out.add(artifact);
  const file = attachmentFile(a.content, a.filename, a.contentType, artifact?.id);
  state.out.add(file);
  // The indicator matches the content (the hashes), whatever the file is called next time.
  const byContent: StixObject = { type: 'file', spec_version: '2.1', id: file.id, hashes: file.hashes };
  const indicator = indicatorFor({ object: byContent, key: file.id, display: a.filename ?? String((file.hashes as Record<string, string>)['SHA-256']) }, { now: state.now });
  if (indicator) {
    state.out.add(indicator);
    state.out.relate(indicator.id, 'based-on', file.id, state.now);
  }
  const part: Record<string, unknown> = { body_raw_ref: file.id };
  if (a.contentType) part.content_type = a.contentType;
  if (a.contentDisposition) part.content_disposition = a.filename ? `${a.contentDisposition}; filename="${a.filename.replace(/"/g, "'")}"` : a.contentDisposition;
  return part;
}

function clip(state: EmlState, text: string, where: string): string {
  if (text.length <= MAX_BODY) return text;
  state.out.warn(where, `longer than ${MAX_BODY} characters: cut`);
  return text.slice(0, MAX_BODY);
}

function messageObject(state: EmlState, mail: ParsedMail, parts: Record<string, unknown>[]): StixObject {
  const ct = mail.headers.get('content-type');
  const contentType = typeof ct === 'object' && ct !== null && 'value' in ct ? String(ct.value) : typeof ct === 'string' ? ct : undefined;
  const multipart = (contentType ?? '').toLowerCase().startsWith('multipart/');
  const props: Record<string, unknown> = { is_multipart: multipart };
  // mailparser puts the current time in place of a date it cannot read, so the raw header is read here.
  const dateLine = mail.headerLines.find((h) => h.key === 'date');
  const date = dateLine ? Date.parse(headerValue(dateLine.line).replace(/\([^)]*\)/g, ' ').trim()) : NaN;
  if (!Number.isNaN(date)) props.date = new Date(date).toISOString();
  else if (dateLine) state.out.warn('header Date', `"${headerValue(dateLine.line).slice(0, 60)}" is not a date`);
  if (contentType) props.content_type = contentType;
  const from = addressRefs(state, addresses(mail.from), 'From');
  if (from[0]) props.from_ref = from[0];
  if (from.length > 1) state.out.warn('header From', `${from.length} addresses: the first is from_ref`);
  const sender = addressRefs(state, addresses(mail.headers.get('sender') as never), 'Sender');
  if (sender[0]) props.sender_ref = sender[0];
  for (const [field, header, prop] of [[mail.to, 'To', 'to_refs'], [mail.cc, 'Cc', 'cc_refs'], [mail.bcc, 'Bcc', 'bcc_refs']] as const) {
    const refs = addressRefs(state, addresses(field), header);
    if (refs.length > 0) props[prop] = refs;
  }
  if (mail.messageId) props.message_id = mail.messageId;
  if (mail.subject !== undefined) props.subject = mail.subject;
  const received = mail.headerLines.filter((h) => h.key === 'received').map((h) => headerValue(h.line));
  if (received.length > 0) props.received_lines = received;
  const extra = extraHeaders(mail);
  if (Object.keys(extra).length > 0) props.additional_header_fields = extra;
  if (multipart) {
    if (parts.length > 0) props.body_multipart = parts;
  } else if (mail.text) props.body = clip(state, mail.text, 'body');
  return { type: 'email-message', spec_version: '2.1', id: deterministicId('email-message', props) ?? `email-message--${crypto.randomUUID()}`, ...props };
}

/**
 * Imports one e-mail (RFC 5322 .eml): an email-message with its addresses, Received lines and
 * chosen extra headers; the public relay IPs of every Received header; the URLs of its text and
 * HTML bodies (href/src included) with indicators; its attachments as `file` objects (MD5,
 * SHA-1, SHA-256) with indicators on their hashes, and their bytes as `artifact`s only with
 * keepAttachments. Outlook .msg files are refused; a malformed mail yields warnings, not a throw.
 * @example (await parseEml(readFileSync('phish.eml'))).objects.find((o) => o.type === 'email-message')?.subject
 */
export async function parseEml(buf: Buffer, opts: EmlOptions = {}): Promise<ParseResult> {
  if (buf.subarray(0, 8).equals(OLE_MAGIC)) throw new ParseError('(file)', 'Outlook .msg, not supported — save as .eml');
  const head = buf.subarray(0, 4096).toString('latin1').replace(/^\xef\xbb\xbf/, '').replace(/^(?:\r?\n)+/, '').replace(/^From .*\r?\n/, '');
  if (!HEADER_LINE.test(head)) throw new ParseError('(file)', 'not an e-mail: it does not begin with a header line ("Name: value")');
  const state: EmlState = { out: new StixCollector(), now: (opts.now ?? new Date()).toISOString() };
  let mail: ParsedMail;
  try {
    // No text made from the HTML: html-to-text writes an image as "[src]" glued to the link text after
    // it; the HTML body is read by htmlLinks and htmlText instead (issue 11.2).
    mail = await simpleParser(buf, { skipImageLinks: true, skipTextToHtml: true, skipHtmlToText: true, maxHtmlLengthToParse: 10 * MAX_BODY });
  } catch (err) {
    return { format: 'eml', objects: [], errors: [{ where: '(message)', reason: `cannot be parsed: ${(err as Error).message}` }], warnings: [] };
  }
  const relays = relayAddresses(mail.headerLines.filter((h) => h.key === 'received').map((h) => headerValue(h.line)));
  for (const r of relays) state.out.add(makeObservable(r.kind, r.value).object);
  for (const key of ['reply-to', 'return-path'] as const) {
    const line = mail.headerLines.find((h) => h.key === key);
    const value = key === 'reply-to' ? mail.replyTo : mail.headers.get(key);
    if (line && value && typeof value === 'object' && 'value' in value && Array.isArray(value.value)) addressRefs(state, addresses(value as never), HEADER_NAME[key]!);
  }
  const seen = new Set<string>();
  const urls = addUrls(state, mail.text ? textUrls(mail.text) : [], 'text body', seen) + addUrls(state, typeof mail.html === 'string' ? [...htmlLinks(mail.html), ...textUrls(htmlText(mail.html))] : [], 'HTML body', seen);
  const parts: Record<string, unknown>[] = [];
  if (mail.text) parts.push({ content_type: 'text/plain', body: clip(state, mail.text, 'text body') });
  if (typeof mail.html === 'string' && mail.html) parts.push({ content_type: 'text/html', body: clip(state, mail.html, 'HTML body') });
  mail.attachments.forEach((a, i) => {
    const part = addAttachment(state, a, i, opts.keepAttachments === true);
    if (part) parts.push(part);
  });
  const message = messageObject(state, mail, parts);
  state.out.add(message);
  const tlp = statedTlp(`${mail.subject ?? ''}\n${(mail.text ?? '').slice(0, 4096)}`);
  const summary = { subject: mail.subject, relays: relays.length, urls, attachments: mail.attachments.length };
  return { format: 'eml', objects: state.out.finish(), errors: state.out.errors, warnings: state.out.warnings, tlp, summary };
}
