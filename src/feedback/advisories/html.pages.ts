import type { Lang } from '../outbox/mail.templates.ts';
import type { AdvisoryOut } from './advisories.service.ts';
import { escapeHtml, renderMarkdown } from './markdown.render.ts';

/** A linked object as the public sees it (TLP:CLEAR only). */
export interface PublicObject {
  readonly id: string;
  readonly type: string;
  readonly label: string;
}

const T = {
  ja: { site: 'Kessetsu 注意喚起', list: '注意喚起一覧', published: '公開日', none: '公開中の注意喚起はありません。', objects: '関連する指標・情報', other: 'English', back: '一覧に戻る', feeds: 'フィード' },
  en: { site: 'Kessetsu advisories', list: 'Advisories', published: 'Published', none: 'No advisories have been published.', objects: 'Related indicators and objects', other: '日本語', back: 'All advisories', feeds: 'Feeds' },
} as const;

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#222}a{color:#0645ad}header,footer{font-size:.9rem;color:#555}code,pre{background:#f4f4f4}pre{padding:.5rem;overflow:auto}li{margin:.2rem 0}';

/** The title and body of an advisory in a language, falling back to the other when missing. */
export function inLanguage(a: AdvisoryOut, lang: Lang): { title: string; body: string; lang: Lang } {
  const other: Lang = lang === 'ja' ? 'en' : 'ja';
  const title = a.title[lang] || a.title[other];
  const body = a.body[lang] || a.body[other];
  return { title, body, lang: a.title[lang] || a.body[lang] ? lang : other };
}

function page(lang: Lang, title: string, main: string, switchHref: string): string {
  const t = T[lang];
  return `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<link rel="alternate" type="application/atom+xml" href="/advisories.atom" title="${t.site}"><style>${STYLE}</style></head>
<body><header><a href="/advisories?lang=${lang}">${t.site}</a> · <a href="${escapeHtml(switchHref)}" hreflang="${lang === 'ja' ? 'en' : 'ja'}">${t.other}</a></header>
<main>${main}</main>
<footer>${t.feeds}: <a href="/advisories.atom">Atom</a> · <a href="/advisories.json">JSON</a></footer></body></html>
`;
}

function date(iso: string | null, lang: Lang): string {
  if (!iso) return '';
  return new Date(iso).toLocaleDateString(lang === 'ja' ? 'ja-JP' : 'en-GB', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'Asia/Tokyo' });
}

/**
 * The public list of published advisories, server-rendered (no JavaScript), all text escaped.
 * @example advisoryListPage('ja', advisories)
 */
export function advisoryListPage(lang: Lang, items: readonly AdvisoryOut[]): string {
  const t = T[lang];
  const rows = items.map((a) => {
    const x = inLanguage(a, lang);
    return `<li><a href="/advisories/${escapeHtml(a.id)}?lang=${lang}" lang="${x.lang}">${escapeHtml(x.title)}</a> <small>${t.published} <time datetime="${escapeHtml(a.published_at ?? '')}">${escapeHtml(date(a.published_at, lang))}</time></small></li>`;
  });
  const main = `<h1>${t.list}</h1>${rows.length ? `<ul>${rows.join('\n')}</ul>` : `<p>${t.none}</p>`}`;
  return page(lang, t.site, main, `/advisories?lang=${lang === 'ja' ? 'en' : 'ja'}`);
}

/** One advisory as a public page: its Markdown rendered safely, its TLP:CLEAR objects listed. */
export function advisoryPage(lang: Lang, a: AdvisoryOut, objects: readonly PublicObject[]): string {
  const t = T[lang];
  const x = inLanguage(a, lang);
  const list = objects.length ? `<h2>${t.objects}</h2><ul>${objects.map((o) => `<li><code>${escapeHtml(o.type)}</code> ${escapeHtml(o.label)}</li>`).join('\n')}</ul>` : '';
  const main = `<article lang="${x.lang}"><h1>${escapeHtml(x.title)}</h1><p><small>${t.published} <time datetime="${escapeHtml(a.published_at ?? '')}">${escapeHtml(date(a.published_at, lang))}</time></small></p>
${renderMarkdown(x.body)}</article>${list}<p><a href="/advisories?lang=${lang}">${t.back}</a></p>`;
  return page(lang, `${x.title} — ${t.site}`, main, `/advisories/${a.id}?lang=${lang === 'ja' ? 'en' : 'ja'}`);
}
