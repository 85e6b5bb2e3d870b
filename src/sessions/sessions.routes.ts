import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { userOf } from '../http/context.ts';
import { Uuid, errorResponses } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { clearedCookie, sessionCookie } from './cookies.ts';
import type { SessionsService } from './sessions.service.ts';
import type { SessionPrincipalRow } from './sessions.repository.ts';

const tags = ['sign-in'];
const Code = Type.Object({ code: Type.String({ minLength: 6, maxLength: 12 }) }, { additionalProperties: false });
const SessionView = Type.Object({
  stage: Type.String({ description: 'totp: a code is due; enrol: a second factor must be enrolled; full: signed in' }),
  csrf_token: Type.String({ description: 'echo in X-CSRF-Token on every cookie-authenticated write' }),
  expires_at: Type.String({ format: 'date-time' }),
  totp_required: Type.Boolean(),
  totp_enrolled: Type.Boolean(),
  user: Type.Object({ id: Type.String(), name: Type.String(), username: Type.Union([Type.String(), Type.Null()]), role: Type.String(), locale: Type.String() }),
  org: Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), sector: Type.Union([Type.String(), Type.Null()]), nda_accepted: Type.Boolean() }),
});
const Enrolment = Type.Object({ secret: Type.String(), otpauth_uri: Type.String() });

function sessionOf(req: FastifyRequest): SessionPrincipalRow {
  if (!req.webSession) throw new AppError('unauthorized', 'not signed in');
  return req.webSession;
}

function secure(req: FastifyRequest): boolean {
  return req.protocol === 'https';
}

/** Sign-in for people (issue 13): sessions in cookies, TOTP, sign-out everywhere, passwords. */
export function sessionsRoutes(sessions: SessionsService, opts: { idleSeconds: number }): FastifyPluginAsyncTypebox {
  return async (app) => {
    const setCookie = (req: FastifyRequest, reply: FastifyReply, token: string): void => {
      reply.header('set-cookie', sessionCookie(token, { secure: secure(req), maxAgeSeconds: opts.idleSeconds }));
    };

    app.post(
      '/api/v1/session',
      {
        schema: {
          tags,
          summary: 'Sign in with a username and password (sets the session cookie)',
          body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
          response: { 200: SessionView, ...errorResponses },
        },
        config: { rateLimit: { max: 30, timeWindow: 60_000 } },
      },
      async (req, reply) => {
        const ua = req.headers['user-agent'];
        const { token, session } = await sessions.signIn(req.body.username, req.body.password, typeof ua === 'string' ? ua : null);
        setCookie(req, reply, token);
        return session;
      },
    );

    app.get('/api/v1/session', { schema: { tags, summary: 'The current browser session', response: { 200: SessionView, ...errorResponses } } }, async (req) =>
      sessions.view(sessionOf(req)),
    );

    app.post('/api/v1/session/totp', { schema: { tags, summary: 'Pass the second factor with a TOTP code', body: Code, response: { 200: SessionView, ...errorResponses } } }, async (req) =>
      sessions.passTotp(sessionOf(req), req.body.code),
    );

    app.post('/api/v1/session/totp/enrol', { schema: { tags, summary: 'Start TOTP enrolment (answers the secret once)', response: { 200: Enrolment, ...errorResponses } } }, async (req) =>
      sessions.startEnrolment(sessionOf(req)),
    );

    app.post('/api/v1/session/totp/confirm', { schema: { tags, summary: 'Confirm TOTP enrolment with a first code', body: Code, response: { 200: SessionView, ...errorResponses } } }, async (req) =>
      sessions.confirmEnrolment(sessionOf(req), req.body.code),
    );

    app.delete('/api/v1/session', { schema: { tags, summary: 'Sign out of this session', response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      await sessions.signOut(sessionOf(req));
      reply.header('set-cookie', clearedCookie(secure(req)));
      return reply.status(204).send(null);
    });

    app.post('/api/v1/session/sign-out-everywhere', { schema: { tags, summary: 'End every session of the signed-in person', response: { 200: Type.Object({ signed_out: Type.Integer() }), ...errorResponses } } }, async (req, reply) => {
      const userId = req.webSession?.user_id ?? userOf(req).userId;
      const n = await sessions.signOutEverywhere(userId);
      if (req.webSession) reply.header('set-cookie', clearedCookie(secure(req)));
      return { signed_out: n };
    });

    app.put(
      '/api/v1/users/:id/login',
      {
        schema: {
          tags,
          summary: "Set a user's username and password (admin, or the user with current_password); ends their sessions",
          params: Type.Object({ id: Uuid }),
          body: Type.Object({ username: Type.String({ minLength: 3, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }), current_password: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        await sessions.setPassword(userOf(req), req.params.id, { username: req.body.username, password: req.body.password, currentPassword: req.body.current_password });
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/users/:id/totp',
      { schema: { tags, summary: 'Enrol a new TOTP secret for a user (admin; answered once)', params: Type.Object({ id: Uuid }), response: { 200: Enrolment, ...errorResponses } } },
      async (req) => (await sessions.adminTotp(userOf(req), req.params.id, false))!,
    );

    app.delete('/api/v1/users/:id/totp', { schema: { tags, summary: "Reset a user's TOTP (admin); they enrol again at next sign-in", params: Type.Object({ id: Uuid }), response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      await sessions.adminTotp(userOf(req), req.params.id, true);
      return reply.status(204).send(null);
    });
  };
}
