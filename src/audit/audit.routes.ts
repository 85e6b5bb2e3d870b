import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isAdmin } from '../access/viewer.ts';
import { userOf } from '../http/context.ts';
import { errorResponses, okAny } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { latestAudit } from './audit-list.repository.ts';
import { verifyAuditChain } from './audit.verify.ts';

const tags = ['audit'];

/** The audit log for admins (web interface, issue 13): newest entries first, and a walk of the hash chain. */
export function auditRoutes(db: Kysely<Database>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/v1/audit',
      {
        schema: {
          tags,
          summary: 'Audit log entries, newest first, optionally by action (prefix), target id or acting organisation (admin)',
          querystring: Type.Object(
            {
              before: Type.Optional(Type.Integer({ minimum: 1 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
              action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'an action or its start: object.read, taxii.remote.' })),
              target: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'the target id, exactly' })),
              org: Type.Optional(Type.String({ format: 'uuid', description: 'the acting organisation' })),
            },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        if (!isAdmin(userOf(req))) throw new AppError('forbidden', 'only admins read the audit log');
        const limit = req.query.limit ?? 100;
        const rows = await latestAudit(db, { before: req.query.before, action: req.query.action, targetId: req.query.target, actorOrgId: req.query.org }, limit);
        const items = rows.map((r) => ({ seq: Number(r.seq), at: r.at.toISOString(), actor_user_id: r.actor_user_id, actor_org_id: r.actor_org_id, action: r.action, target_type: r.target_type, target_id: r.target_id, via: r.via, hash: r.hash }));
        return { items, next: rows.length === limit ? String(items[items.length - 1]!.seq) : null };
      },
    );
    app.post('/api/v1/audit/verify', { schema: { tags, summary: 'Walk the whole hash chain and name the first broken entry (admin)', response: { ...okAny, ...errorResponses } } }, async (req) => {
      if (!isAdmin(userOf(req))) throw new AppError('forbidden', 'only admins verify the audit log');
      return verifyAuditChain(db);
    });
  };
}
