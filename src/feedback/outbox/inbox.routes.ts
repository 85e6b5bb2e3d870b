import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../../http/context.ts';
import { decodeCursor, encodeCursor, errorResponses, okAny } from '../../http/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import type { InboxService } from './inbox.service.ts';
import type { StreamHub } from './stream.hub.ts';

const tags = ['feed back'];
const AlertId = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/** The in-app inbox, alert detail with delivery status, and the live stream of alerts (server-sent events). */
export function inboxRoutes(inbox: InboxService, stream: StreamHub): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/v1/inbox',
      {
        schema: {
          tags,
          summary: 'Alerts for the caller and their organisation, newest first, with read state',
          querystring: Type.Object(
            { unread: Type.Optional(Type.Boolean()), cursor: Type.Optional(Type.String({ maxLength: 100 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        const limit = req.query.limit ?? 50;
        let beforeId: number | undefined;
        try {
          beforeId = decodeCursor(req.query.cursor, isId);
        } catch {
          throw new AppError('validation_failed', 'cursor: not a cursor this endpoint issued', { field: 'cursor' });
        }
        const r = await inbox.list(userOf(req), { unread: req.query.unread, limit, beforeId });
        return { items: r.items, unread: r.unread, next: r.items.length === limit ? encodeCursor(r.items[r.items.length - 1]!.id) : null };
      },
    );
    app.post('/api/v1/inbox/:id/read', { schema: { tags, summary: 'Mark an alert read', params: AlertId, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      await inbox.markRead(userOf(req), req.params.id);
      return reply.status(204).send(null);
    });
    app.get('/api/v1/alerts/:id', { schema: { tags, summary: 'One alert with the status of each delivery', params: AlertId, response: { ...okAny, ...errorResponses } } }, async (req) => inbox.get(userOf(req), req.params.id));

    app.get(
      '/api/v1/stream',
      {
        schema: {
          tags,
          summary: 'Live alerts as server-sent events; reconnect with Last-Event-ID to get what was missed',
          querystring: Type.Object({ last_event_id: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
        },
      },
      async (req, reply) => {
        const viewer = userOf(req);
        const header = req.headers['last-event-id'];
        const fromHeader = typeof header === 'string' && /^\d{1,15}$/.test(header.trim()) ? Number(header.trim()) : undefined;
        const last = fromHeader ?? req.query.last_event_id ?? null;
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-request-id': req.id });
        res.write('retry: 3000\n\n');
        const sink = {
          write: (chunk: string) => (res.destroyed ? false : res.write(chunk)),
          get buffered() {
            return res.writableLength;
          },
          end: () => res.end(),
        };
        let remove: (() => void) | undefined;
        let closed = false;
        res.on('close', () => {
          closed = true;
          remove?.();
        });
        try {
          remove = await stream.connect(viewer, sink, last);
          if (closed) remove();
        } catch {
          // The database went away while replaying: the client reconnects with its Last-Event-ID.
          res.end();
        }
      },
    );
  };
}
