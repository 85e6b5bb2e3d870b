import type { FastifyInstance } from 'fastify';

// lowerCamel: a lower-case start, then an upper-case letter. STIX, TAXII and our API are snake_case;
// hash names (SHA-256), header names (Content-Type) and MISP model names (Attribute) start upper-case.
const CAMEL = /^[a-z][a-z0-9]*[A-Z]/;
// Objects whose keys are the user's data, not field names: a CSV import's column headers as written.
const DATA_KEYED = [/\.summary\.columns$/];

/** Paths of every lowerCamel key in a JSON value, e.g. `$.items[0].createdAt`. */
export function camelCaseKeys(value: unknown, path = '$', out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v, i) => camelCaseKeys(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (CAMEL.test(k) && !DATA_KEYED.some((re) => re.test(path))) out.push(`${path}.${k}`);
      camelCaseKeys(v, `${path}.${k}`, out);
    }
  return out;
}

/** Paths of lowerCamel property names declared in the schemas of an OpenAPI (or JSON Schema) document. */
export function camelCaseSchemaProperties(doc: unknown, path = '$', out: string[] = []): string[] {
  if (Array.isArray(doc)) doc.forEach((v, i) => camelCaseSchemaProperties(v, `${path}[${i}]`, out));
  else if (doc !== null && typeof doc === 'object')
    for (const [k, v] of Object.entries(doc)) {
      if (k === 'properties' && v !== null && typeof v === 'object') for (const name of Object.keys(v)) if (CAMEL.test(name)) out.push(`${path}.properties.${name}`);
      camelCaseSchemaProperties(v, `${path}.${k}`, out);
    }
  return out;
}

/**
 * Watches every JSON body the server sends and records lowerCamel keys (JSON field names of the API are
 * snake_case); `check()` throws naming the first few.
 */
export function watchCasing(server: FastifyInstance): { check(): void } {
  const found: string[] = [];
  server.addHook('onSend', async (req, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
    if (text === null || !/json/.test(type) || /ndjson/.test(type)) return payload;
    try {
      const body: unknown = JSON.parse(text);
      const url = req.url.split('?')[0]!;
      for (const p of url === '/api/openapi.json' ? camelCaseSchemaProperties(body) : camelCaseKeys(body)) found.push(`${req.method} ${url}: ${p}`);
    } catch {
      // not JSON after all: nothing to check
    }
    return payload;
  });
  return {
    check() {
      if (found.length) throw new Error(`API answered camelCase JSON field names (use snake_case): ${[...new Set(found)].slice(0, 10).join('; ')}`);
    },
  };
}
