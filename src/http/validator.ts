import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fastJsonStringify from 'fast-json-stringify';
import type { FastifyInstance, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';

// Start time (issue 17.3): a hub declares a few hundred route schemas, and compiling all of them (Ajv for
// requests, fast-json-stringify for responses) cost ~1.5 CPU-s of every start, and of every hub a test starts.
// Each schema is now compiled on the first request that needs it, once per process: schemas with the same
// JSON share one compiled function, whichever hub or route declared them. A schema that does not compile is
// still refused before any request is served: `checkRouteSchemas` compiles every route's schemas (tests).

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv;
}

type Validate = ((data: unknown, ctx?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Serialize = (data: unknown) => string;

/** The process's compilers and their compiled functions, keyed by the schema's JSON (a TypeBox schema's symbols play no part). */
const compiled = {
  strict: undefined as Ajv | undefined,
  coercing: undefined as Ajv | undefined,
  validators: new Map<string, ValidateFunction>(),
  serializers: new Map<string, Serialize>(),
};

function compileValidator(schema: unknown, body: boolean): ValidateFunction {
  const key = `${body ? 'b' : 'c'}${JSON.stringify(schema)}`;
  let fn = compiled.validators.get(key);
  if (!fn) {
    const ajv = body ? (compiled.strict ??= makeAjv(false)) : (compiled.coercing ??= makeAjv(true));
    fn = ajv.compile(schema as object);
    compiled.validators.set(key, fn);
  }
  return fn;
}

function compileSerializer(schema: unknown): Serialize {
  const key = JSON.stringify(schema);
  let fn = compiled.serializers.get(key);
  if (!fn) {
    fn = fastJsonStringify(schema as Parameters<typeof fastJsonStringify>[0]) as Serialize;
    compiled.serializers.set(key, fn);
  }
  return fn;
}

/**
 * Bodies are validated exactly as sent (a number is not a string); query strings and path parameters
 * arrive as text and are coerced to the schema's types. Compiled on first use, once per process.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart }) => {
    const body = httpPart === 'body';
    let fn: ValidateFunction | undefined;
    // Fastify passes the parent (the request) when the function has a schemaEnv, so Ajv may coerce a root value.
    const lazy: Validate = (data, ctx) => {
      fn ??= compileValidator(schema, body);
      const ok = fn(data, ctx as never);
      lazy.errors = fn.errors;
      return ok;
    };
    lazy.schemaEnv = true;
    return lazy as never;
  };
}

/** Response bodies are serialised by fast-json-stringify from their schema (as Fastify does), compiled on first use. */
export function serializerCompiler(): FastifySerializerCompiler<unknown> {
  return ({ schema }) => {
    let fn: Serialize | undefined;
    return (data: unknown) => (fn ??= compileSerializer(schema))(data);
  };
}

/** A route as the `onRoute` hook sees it, with the schemas `checkRouteSchemas` compiles. */
export interface RouteSchemas {
  readonly method: string | string[];
  readonly url: string;
  readonly schema?: { body?: unknown; querystring?: unknown; params?: unknown; headers?: unknown; response?: Record<string, unknown> };
}

const declared = new WeakMap<object, RouteSchemas[]>();

/** Records every route the server declares from now on, for `routeSchemasOf` (call before registering routes). */
export function collectRouteSchemas(server: FastifyInstance): void {
  const routes: RouteSchemas[] = [];
  declared.set(server, routes);
  server.addHook('onRoute', (r) => void routes.push({ method: r.method, url: r.url, schema: r.schema as RouteSchemas['schema'] }));
}

/** The routes a server built by `buildServer` declared, with their schemas. */
export function routeSchemasOf(server: FastifyInstance): readonly RouteSchemas[] {
  return declared.get(server) ?? [];
}

/**
 * Compiles every schema of the routes now (what a lazily compiled hub would otherwise meet on a first
 * request), throwing an error that names the route and the part whose schema does not compile.
 * @example checkRouteSchemas(routeSchemasOf(await buildServer(app)))
 */
export function checkRouteSchemas(routes: readonly RouteSchemas[]): number {
  let n = 0;
  for (const r of routes) {
    const s = r.schema;
    if (!s) continue;
    const parts: [string, unknown][] = [['body', s.body], ['querystring', s.querystring], ['params', s.params], ['headers', s.headers]];
    for (const [part, schema] of parts) {
      if (schema === undefined) continue;
      const content = part === 'body' && schema && typeof schema === 'object' ? (schema as { content?: Record<string, { schema: unknown }> }).content : undefined;
      for (const one of content ? Object.values(content).map((c) => c.schema) : [schema]) {
        try {
          compileValidator(one, part === 'body');
          n++;
        } catch (err) {
          throw new Error(`${String(r.method)} ${r.url}: the ${part} schema does not compile: ${(err as Error).message}`, { cause: err });
        }
      }
    }
    for (const [status, schema] of Object.entries(s.response ?? {})) {
      const content = schema && typeof schema === 'object' ? (schema as { content?: Record<string, { schema: unknown }> }).content : undefined;
      for (const one of content ? Object.values(content).map((c) => c.schema) : [schema]) {
        try {
          compileSerializer(one);
          n++;
        } catch (err) {
          throw new Error(`${String(r.method)} ${r.url}: the ${status} response schema does not compile: ${(err as Error).message}`, { cause: err });
        }
      }
    }
  }
  return n;
}
