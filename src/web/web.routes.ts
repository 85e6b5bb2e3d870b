import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `vite build` writes the web interface (web/dist in the repository). */
export const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

// The app loads only its own scripts and styles; API calls go to the same origin.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Kessetsu</title>
<body style="font-family:sans-serif;max-width:40rem;margin:3rem auto"><h1>Kessetsu</h1>
<p>The web interface has not been built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it) and reload.</p>
<p>The API is at <a href="/api/docs">/api/docs</a>.</p></body></html>`;

/**
 * The web interface (issue 13): the single-page app at `/` (hash routes, so no server route is shadowed),
 * its hashed assets under `/assets/` cached for a year.
 */
export function webRoutes(dist: string = WEB_DIST): FastifyPluginAsync {
  return async (app) => {
    const index = path.join(dist, 'index.html');
    // Read on each visit (a small file): a rebuild while the hub runs is served at once.
    app.get('/', { schema: { hide: true } }, async (_req, reply) => {
      reply.header('content-security-policy', CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8');
      return existsSync(index) ? readFileSync(index) : NOT_BUILT;
    });
    if (!existsSync(path.join(dist, 'assets'))) return;
    await app.register(fastifyStatic, {
      root: path.join(dist, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      immutable: true,
      maxAge: '365d',
    });
    for (const file of ['favicon.svg']) {
      const p = path.join(dist, file);
      if (existsSync(p)) {
        const body = readFileSync(p);
        app.get(`/${file}`, { schema: { hide: true } }, async (_req, reply) => reply.type('image/svg+xml').header('cache-control', 'max-age=86400').send(body));
      }
    }
  };
}
