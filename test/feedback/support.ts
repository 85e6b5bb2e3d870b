import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { FeedbackOptions } from '../../src/feedback/feedback.module.ts';
import type { Backend } from '../support/storage.ts';
import { startHub, type TestHub } from '../support/app.ts';

/** Fast retries for tests: a failed delivery is tried again within tens of milliseconds. */
export const FAST_DISPATCH = { backoffBaseMs: 30, backoffMaxMs: 200, pollMs: 50, webhookTimeoutMs: 1_000, maxAttempts: 4, leaseMs: 5_000, allowPrivateTargets: true } as const;

/** startHub with feed-back options (SMTP, dispatcher timings). */
export function startFeedbackHub(backend: Backend, feedback: FeedbackOptions = {}, env: Record<string, string> = {}): Promise<TestHub> {
  return startHub(backend, env, { feedback: { dispatch: FAST_DISPATCH, ...feedback } });
}

/** Polls until the check returns something truthy, or fails after the timeout. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A request a receiver got. */
export interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/** How a test receiver answers. */
export type Behaviour = 'ok' | 'fail500' | 'redirect' | 'hang' | 'slow';

/** A webhook receiver on loopback whose behaviour a test sets and changes. */
export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  behaviour: Behaviour;
  close(): Promise<void>;
}

/**
 * An HTTP receiver on 127.0.0.1 that records every request and answers as told: 204, 500, a 302
 * to elsewhere, never (hang), or after 200 ms (slow). With `events`, it appends "<name>:request" when
 * a request has arrived and "<name>:closed" when a connection closes (the order of what happened,
 * across receivers, without clocks).
 */
export async function receiver(behaviour: Behaviour = 'ok', events?: { log: string[]; name: string }): Promise<Receiver> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const r: { behaviour: Behaviour } = { behaviour };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      events?.log.push(`${events.name}:request`);
      switch (r.behaviour) {
        case 'ok':
          return void res.writeHead(204).end();
        case 'fail500':
          return void res.writeHead(500).end('boom');
        case 'redirect':
          return void res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end();
        case 'slow':
          return void setTimeout(() => res.writeHead(204).end(), 200);
        case 'hang':
          return;
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      events?.log.push(`${events.name}:closed`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    get behaviour() {
      return r.behaviour;
    },
    set behaviour(b: Behaviour) {
      r.behaviour = b;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An SMTP server on loopback that keeps what arrives, or refuses it. */
export interface SmtpSink {
  readonly url: string;
  readonly messages: ParsedMail[];
  refuse: boolean;
  close(): Promise<void>;
}

/** A real SMTP server (the smtp-server package) on 127.0.0.1, no TLS, no auth; `refuse` answers 550 to every recipient. */
export async function smtpSink(): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const state = { refuse: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, cb) {
      if (state.refuse) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      cb();
    },
    onData(stream, _session, cb) {
      simpleParser(stream)
        .then((m) => {
          messages.push(m);
          cb();
        })
        .catch((err: Error) => cb(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = ((server as unknown as { server: http.Server }).server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get refuse() {
      return state.refuse;
    },
    set refuse(v: boolean) {
      state.refuse = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Gives a member an e-mail address and a language. */
export async function setMail(hub: TestHub, userId: string, email: string, locale: 'ja' | 'en'): Promise<void> {
  await hub.app.storage.db.updateTable('users').set({ email, locale }).where('id', '=', userId).execute();
}

/** A STIX bundle as a bank's platform would share it: one indicator per URL. */
export function phishingBundle(urls: string | readonly string[], name = 'Phishing site imitating Sakura Bank'): string {
  const now = new Date().toISOString();
  const list = typeof urls === 'string' ? [urls] : urls;
  return JSON.stringify({
    type: 'bundle',
    id: `bundle--${crypto.randomUUID()}`,
    objects: list.map((url) => ({
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${crypto.randomUUID()}`,
      created: now,
      modified: now,
      name,
      pattern: `[url:value = '${url}']`,
      pattern_type: 'stix',
      valid_from: now,
      indicator_types: ['malicious-activity'],
    })),
  });
}

/** Ingests a STIX body as a member, with query parameters (tlp, orgs, …); answers the report. */
export async function ingestStix(hub: TestHub, key: string, body: string, query = 'tlp=green'): Promise<Record<string, unknown>> {
  const res = await hub.server.inject({ method: 'POST', url: `/api/v1/ingest?format=stix&${query}`, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: body });
  if (res.statusCode !== 200) throw new Error(`ingest failed: ${res.statusCode} ${res.body.slice(0, 500)}`);
  return res.json();
}

/** One server-sent event as a client parses it. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

/** A live stream client over real HTTP. */
export interface SseClient {
  readonly events: SseEvent[];
  readonly status: Promise<number>;
  /** Resolves when the server ends the stream (or the connection drops). */
  readonly ended: Promise<void>;
  close(): void;
}

/** Opens `GET /api/v1/stream` on a listening server and parses events as they come. */
export function openStream(base: string, key: string, lastEventId?: string): SseClient {
  const events: SseEvent[] = [];
  let req: http.ClientRequest | undefined;
  let markEnded = (): void => {};
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const status = new Promise<number>((resolve, reject) => {
    req = http.get(`${base}/api/v1/stream`, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) } }, (res) => {
      resolve(res.statusCode ?? 0);
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const c = line.indexOf(':');
            if (c > 0) fields[line.slice(0, c)] = line.slice(c + 1).replace(/^ /, '');
          }
          if (fields.data !== undefined) events.push({ id: fields.id, event: fields.event, data: fields.data });
        }
      });
      res.on('error', () => {});
      res.on('close', markEnded);
    });
    req.on('error', (err) => {
      markEnded();
      reject(err);
    });
  });
  status.catch(() => {});
  return { events, status, ended, close: () => req?.destroy() };
}
