// TAXII 2.1 section 1.6.8 / 3.1: the media types and how requests are matched against them.

/** The TAXII 2.1 media type every response of this server carries. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
/** The STIX 2.1 media type of the objects a collection holds. */
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

interface MediaRange {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

function parseRange(text: string): MediaRange | null {
  const [head, ...rest] = text.split(';');
  const type = (head ?? '').trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+*-]+\/[a-z0-9!#$&^_.+*-]+$/.test(type)) return null;
  const params = new Map<string, string>();
  let q = 1;
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const name = p.slice(0, eq).trim().toLowerCase();
    const value = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (name === 'q') q = Number.isFinite(Number(value)) ? Number(value) : 0;
    else params.set(name, value);
  }
  return { type, params, q };
}

// application/taxii+json without a version means "the latest this server speaks", i.e. 2.1.
function isTaxii21(r: MediaRange): boolean {
  if (r.type !== 'application/taxii+json') return false;
  const v = r.params.get('version');
  return v === undefined || v === '2.1';
}

/**
 * Whether an Accept header lets the server answer with TAXII 2.1 JSON (absent: yes; wildcards: yes).
 * @example acceptsTaxii('application/taxii+json;version=2.1') // true
 */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  for (const part of accept.split(',')) {
    const r = parseRange(part);
    if (!r || r.q <= 0) continue;
    if (r.type === '*/*' || r.type === 'application/*' || isTaxii21(r)) return true;
  }
  return false;
}

/**
 * Whether a request's Content-Type is the TAXII 2.1 media type (version 2.1 or no version).
 * @example isTaxiiContentType('application/taxii+json; version=2.1') // true
 */
export function isTaxiiContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const r = parseRange(contentType);
  return r !== null && isTaxii21(r);
}
