import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { StringEnum, errorResponses, okAny } from '../http/schemas.ts';
import { TLP_LEVELS } from '../trust/tlp.ts';
import type { RemotesAdmin } from './remotes.admin.ts';

const tags = ['taxii'];
const Ref = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 64 }) });

// What PATCH may change; the key is write-only (answered as credentials: set|none, audited as replaced).
// A remote's fields: what names it (required to add one) and its settings (optional); an edit may change any.
const Identity = {
  name: Type.String({ minLength: 1, maxLength: 64 }),
  url: Type.String({ minLength: 1, maxLength: 2000 }),
  partner_org_id: Type.String({ format: 'uuid' }),
};
const Settings = {
  auth: Type.Optional(StringEnum(['none', 'basic', 'bearer'] as const)),
  username: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  key: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  default_tlp: Type.Optional(StringEnum(TLP_LEVELS)),
  max_tlp: Type.Optional(StringEnum(TLP_LEVELS)),
  interval_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800 })),
};
const Patch = Type.Object(
  { name: Type.Optional(Identity.name), url: Type.Optional(Identity.url), partner_org_id: Type.Optional(Identity.partner_org_id), ...Settings },
  { additionalProperties: false, minProperties: 1 },
);

/** The hub admin's TAXII remotes over HTTP (web interface, issue 13): list, add, edit, enable, disable, remove, pull now. */
export function remotesRoutes(remotes: RemotesAdmin): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/v1/taxii/remotes', { schema: { tags, summary: 'Remote TAXII collections this hub pulls from, with their pull state (admin; keys are never shown)', response: { ...okAny, ...errorResponses } } }, async (req) => ({
      items: await remotes.list(userOf(req)),
      next: null,
    }));

    app.post(
      '/api/v1/taxii/remotes',
      {
        schema: {
          tags,
          summary: 'Add a remote TAXII 2.1 collection (admin); its key is stored and never answered again',
          body: Type.Object({ ...Identity, ...Settings }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req, reply) => {
        const b = req.body;
        reply.code(201);
        return remotes.add(userOf(req), { name: b.name, url: b.url, partner: b.partner_org_id, auth: b.auth, username: b.username, secret: b.key, defaultTlp: b.default_tlp, maxTlp: b.max_tlp, intervalSeconds: b.interval_seconds });
      },
    );

    app.patch('/api/v1/taxii/remotes/:ref', { schema: { tags, summary: 'Change a remote (admin): absent fields keep their value; a key given replaces the stored one and is never answered; a new URL starts pull and push state again', params: Ref, body: Patch, response: { ...okAny, ...errorResponses } } }, async (req) => {
      const b = req.body;
      return remotes.update(userOf(req), req.params.ref, { name: b.name, url: b.url, partnerOrgId: b.partner_org_id, auth: b.auth, username: b.username, secret: b.key, defaultTlp: b.default_tlp, maxTlp: b.max_tlp, intervalSeconds: b.interval_seconds });
    });

    app.post('/api/v1/taxii/remotes/:ref/enable', { schema: { tags, summary: 'Enable a remote (admin): pulled on its schedule and by hand again', params: Ref, response: { ...okAny, ...errorResponses } } }, async (req) =>
      remotes.setEnabled(userOf(req), req.params.ref, true),
    );

    app.post('/api/v1/taxii/remotes/:ref/disable', { schema: { tags, summary: 'Disable a remote (admin): kept with its state, but not pulled on its schedule nor by hand', params: Ref, response: { ...okAny, ...errorResponses } } }, async (req) =>
      remotes.setEnabled(userOf(req), req.params.ref, false),
    );

    app.delete('/api/v1/taxii/remotes/:ref', { schema: { tags, summary: 'Remove a remote and its pull and push state (admin)', params: Ref, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      await remotes.remove(userOf(req), req.params.ref);
      return reply.status(204).send(null);
    });

    app.post('/api/v1/taxii/remotes/:ref/pull', { schema: { tags, summary: 'Pull what the remote added since the last pull, now (admin); a remote that cannot be reached answers ok: false', params: Ref, response: { ...okAny, ...errorResponses } } }, async (req) =>
      remotes.pull(userOf(req), req.params.ref),
    );
  };
}
