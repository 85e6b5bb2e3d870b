import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** A string restricted to some values, typed as their union. */
export function StringEnum<const T extends readonly string[]>(values: T, opts: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });
}

/** A timestamp: Date in code, RFC 3339 string on the wire. */
export const DateTime = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
/** A timestamp that may be absent. */
export const NullableDateTime = Type.Unsafe<Date | string | null>({ type: ['string', 'null'], format: 'date-time' });
/** A string that may be null. */
export const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });

/** The error body every endpoint may answer. */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Unknown(),
    }),
  },
  { $id: 'Error' },
);

/** A UUID path parameter. */
export const Uuid = Type.String({ format: 'uuid' });

/** List responses: items and an opaque cursor to the next page. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), next: Type.Union([Type.String(), Type.Null()]) });
}

/** Any JSON body, serialised as it is (documented by summary and description). */
export const AnyJson = Type.Unknown();

/** Success bodies that are free-form JSON: 200 and 201. */
export const okAny = { 200: AnyJson, 201: AnyJson } as const;

/** Common error responses, for the OpenAPI document. */
export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
} as const;

/** Cursor and limit query parameters of list endpoints. */
export const PageQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

/** Encodes a cursor value as an opaque token. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Decodes a cursor token, or throws a 400 naming the parameter. */
export function decodeCursor<T>(token: string | undefined, check: (v: unknown) => v is T): T | undefined {
  if (token === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (check(v)) return v;
  } catch {
    // fall through to the error below
  }
  throw Object.assign(new Error('cursor: not a cursor this endpoint issued'), { statusCode: 400 });
}
