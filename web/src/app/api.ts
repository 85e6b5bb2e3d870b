/** An error the hub answered with: its stable code, message and HTTP status. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let csrfToken = '';

/** Remembers the session's CSRF token, sent on every write. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Listeners told when the hub says the session has ended (401). */
const onUnauthorized = new Set<() => void>();
/** Registers a listener for ended sessions; returns its remover. */
export function whenUnauthorized(fn: () => void): () => void {
  onUnauthorized.add(fn);
  return () => onUnauthorized.delete(fn);
}

/** Options of one API call. */
export interface CallOptions {
  readonly method?: string;
  readonly json?: unknown;
  readonly body?: BodyInit;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Do not tell the app a 401 ended the session (the sign-in calls themselves). */
  readonly quiet401?: boolean;
}

/**
 * Calls the hub's HTTP API with the session cookie (and the CSRF token on writes); answers parsed JSON.
 * @example const me = await api<{ user_id: string }>('/api/v1/me')
 */
export async function api<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const method = opts.method ?? (opts.json !== undefined || opts.body !== undefined ? 'POST' : 'GET');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken;
  let body: BodyInit | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'text/plain; charset=utf-8';
  const res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    if (res.status === 401 && !opts.quiet401) for (const fn of onUnauthorized) fn();
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText, err?.details ?? null);
  }
  return data as T;
}

/** Builds a query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** A list page as every list endpoint answers it. */
export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}
