import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { isAdmin, type Viewer } from '../../access/viewer.ts';
import { userOf } from '../../http/context.ts';
import { decodeCursor, encodeCursor, errorResponses, okAny, StringEnum } from '../../http/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import { parseScopes, WARNINGLIST_SCOPES, type WarninglistScope } from './warninglist.scopes.ts';
import type { WarninglistImport, WarninglistsService } from './warninglists.service.ts';

const tags = ['analyse'];
const Slug = Type.String({ pattern: '^[a-z0-9._-]{1,100}$' });
const MAX_LIST_BODY = 64 * 1024 * 1024;

function admin(v: Viewer): void {
  if (!isAdmin(v)) throw new AppError('forbidden', 'only admins change warninglists');
}

function scopesParam(raw: string | undefined): WarninglistScope[] | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseScopes(raw);
  } catch (err) {
    throw new AppError('validation_failed', (err as Error).message, { field: 'scopes' });
  }
}

/** An import's outcome as the API and CLI show it. */
export function presentImport(r: WarninglistImport) {
  return { file: r.file, slug: r.slug, entries: r.entries, outcome: r.outcome, scopes: r.scopes, error: r.error, issues: r.issues };
}

/**
 * `/api/v1/warninglists…`: the lists with their scopes, import and update of a list on a running hub
 * (admins; the other nodes reload through LISTEN/NOTIFY), enable, disable, change scopes, and the
 * values of the store found on a list — within the trust policy.
 */
export function warninglistsRoutes(lists: WarninglistsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/v1/warninglists', { schema: { tags, summary: 'Warninglists of this deployment: scopes (what each suppresses), origin, version, whether enabled, how many stored values are on it', response: { ...okAny, ...errorResponses } } }, async (req) => {
      userOf(req);
      const rows = await lists.list();
      return {
        items: rows.map((r) => ({
          slug: r.slug,
          name: r.name,
          description: r.description,
          version: r.version,
          type: r.type,
          entries: r.entry_count,
          enabled: r.enabled,
          scopes: r.scopes,
          scopes_chosen_by_admin: r.scopes_by_admin,
          origin: r.origin,
          stored_values: r.hits,
          imported_at: r.imported_at.toISOString(),
        })),
        next: null,
      };
    });

    app.get(
      '/api/v1/warninglists/suppressed',
      {
        schema: {
          tags,
          summary: 'Values of the store on an enabled warninglist, with the lists and their scopes: what correlation and feeds skip, and why (values you may see; the hub sees all)',
          querystring: Type.Object(
            {
              list: Type.Optional(Slug),
              scope: Type.Optional(StringEnum(WARNINGLIST_SCOPES)),
              cursor: Type.Optional(Type.String({ maxLength: 2000 })),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        const viewer = userOf(req);
        let after: string | undefined;
        try {
          after = decodeCursor(req.query.cursor, (v): v is { a: string } => typeof v === 'object' && v !== null && typeof (v as { a: unknown }).a === 'string')?.a;
        } catch {
          throw new AppError('validation_failed', 'cursor: not a cursor this endpoint issued', { field: 'cursor' });
        }
        const limit = req.query.limit ?? 100;
        const rows = await lists.suppressed(viewer, { list: req.query.list, scope: req.query.scope, after, limit });
        return {
          items: rows.map((r) => {
            const colon = r.key.indexOf(':');
            const scopes = [...new Set(r.lists.flatMap((l) => l.scopes))];
            return { key: r.key, type: r.key.slice(0, colon), value: r.key.slice(colon + 1), lists: r.lists, effects: WARNINGLIST_SCOPES.filter((s) => scopes.includes(s)), first_seen: r.first_seen.toISOString() };
          }),
          next: rows.length === limit ? encodeCursor({ a: rows[rows.length - 1]!.key }) : null,
        };
      },
    );

    app.put(
      '/api/v1/warninglists/:slug',
      {
        bodyLimit: MAX_LIST_BODY,
        schema: {
          tags,
          summary: 'Import (or replace) one warninglist in MISP format (admin); with only_if_newer, replace only an older stored version',
          params: Type.Object({ slug: Slug }),
          querystring: Type.Object(
            { scopes: Type.Optional(Type.String({ maxLength: 200 })), disabled: Type.Optional(Type.Boolean()), only_if_newer: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
          body: Type.Unknown(),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        admin(userOf(req));
        const scopes = scopesParam(req.query.scopes);
        const r = await lists.importJson(req.body, req.params.slug, {
          ...(scopes ? { scopes } : {}),
          ...(req.query.disabled ? { enabled: false } : {}),
          onlyIfNewer: req.query.only_if_newer === true,
        });
        return presentImport(r);
      },
    );

    app.patch(
      '/api/v1/warninglists/:slug',
      {
        schema: {
          tags,
          summary: 'Enable or disable a warninglist, or change what it suppresses (admin; kept by later imports and upgrades)',
          params: Type.Object({ slug: Slug }),
          body: Type.Object({ enabled: Type.Optional(Type.Boolean()), scopes: Type.Optional(Type.Array(StringEnum(WARNINGLIST_SCOPES), { minItems: 1, maxItems: 3 })) }, { additionalProperties: false }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        admin(userOf(req));
        if (req.body.enabled === undefined && req.body.scopes === undefined) throw new AppError('validation_failed', 'body: give enabled and/or scopes', { field: 'body' });
        const out: Record<string, unknown> = { slug: req.params.slug };
        if (req.body.scopes !== undefined) out.scopes = await lists.setScopes(req.params.slug, req.body.scopes);
        if (req.body.enabled !== undefined) {
          await lists.setEnabled(req.params.slug, req.body.enabled);
          out.enabled = req.body.enabled;
        }
        return out;
      },
    );

    app.post(
      '/api/v1/warninglists/:slug/:action',
      {
        schema: {
          tags,
          summary: 'Enable or disable a warninglist (admin)',
          params: Type.Object({ slug: Slug, action: Type.Union([Type.Literal('enable'), Type.Literal('disable')]) }),
          response: { ...okAny, ...errorResponses },
        },
      },
      async (req) => {
        admin(userOf(req));
        await lists.setEnabled(req.params.slug, req.params.action === 'enable');
        return { slug: req.params.slug, enabled: req.params.action === 'enable' };
      },
    );

    app.post('/api/v1/warninglists/builtin', { schema: { tags, summary: 'Bring the built-in warninglists up to this release (admin; also done at every start)', response: { ...okAny, ...errorResponses } } }, async (req) => {
      admin(userOf(req));
      return { updated: await lists.updateBuiltins() };
    });
  };
}
