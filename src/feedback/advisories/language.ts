import type { Lang } from '../outbox/mail.templates.ts';

/**
 * The language of a public page: `?lang=` when given, else the first of Japanese or English the
 * browser's Accept-Language prefers (by q-value), else Japanese — the center's own language.
 * @example pageLanguage(undefined, 'en-US,en;q=0.9,ja;q=0.8') // 'en'
 */
export function pageLanguage(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query === 'ja' || query === 'en') return query;
  if (!acceptLanguage) return 'ja';
  const prefs = acceptLanguage
    .split(',')
    .slice(0, 50)
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      // A malformed weight ("q=abc") disqualifies the range rather than promoting it to 1.
      const q = params.map((p) => /^\s*q=(.*)$/.exec(p)?.[1]?.trim()).find((x) => x !== undefined);
      return { tag: (tag ?? '').trim().toLowerCase(), q: q === undefined ? 1 : /^[01](\.\d{0,3})?$/.test(q) ? Number(q) : Number.NaN, i };
    })
    .filter((p) => p.q > 0 && Number.isFinite(p.q))
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const p of prefs) {
    if (p.tag === 'ja' || p.tag.startsWith('ja-')) return 'ja';
    if (p.tag === 'en' || p.tag.startsWith('en-')) return 'en';
  }
  return prefs.length ? 'en' : 'ja';
}
