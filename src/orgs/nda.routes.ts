import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { Page, Uuid, errorResponses } from '../http/schemas.ts';
import type { NdaService } from './nda.service.ts';
import { NdaAccept, NdaAcceptance, NdaPublish, NdaVersion, Org } from './orgs.schemas.ts';

const tags = ['organisations'];

/** NDA versions and acceptances: `GET/POST /api/v1/ndas`, `POST/GET /api/v1/orgs/{id}/nda`. */
export function ndaRoutes(nda: NdaService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/v1/ndas', { schema: { tags, summary: 'Published NDA versions, newest first', response: { 200: Page(NdaVersion), ...errorResponses } } }, async (req) => {
      userOf(req);
      return { items: await nda.versions(), next: null };
    });
    app.post('/api/v1/ndas', { schema: { tags, summary: 'Publish a new NDA version (hub admin)', body: NdaPublish, response: { 201: NdaVersion, ...errorResponses, 409: errorResponses[400] } } }, async (req, reply) =>
      reply.status(201).send(await nda.publish(userOf(req), req.body)),
    );
    app.post(
      '/api/v1/orgs/:id/nda',
      {
        schema: {
          tags,
          summary: "Record that the organisation accepted an NDA version, signed by one of its users (the organisation's org_admin or the hub's admin; kept as history, audited)",
          params: Type.Object({ id: Uuid }),
          body: Type.Optional(NdaAccept),
          response: { 200: Org, ...errorResponses },
        },
      },
      async (req) => (await nda.record(userOf(req), req.params.id, { version: req.body?.version, signerUserId: req.body?.signer_user_id })).org,
    );
    app.get('/api/v1/orgs/:id/nda', { schema: { tags, summary: "The organisation's NDA acceptances, newest first", params: Type.Object({ id: Uuid }), response: { 200: Page(NdaAcceptance), ...errorResponses } } }, async (req) => ({
      items: await nda.history(userOf(req), req.params.id),
      next: null,
    }));
  };
}
