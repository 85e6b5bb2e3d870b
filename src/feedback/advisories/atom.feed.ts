import type { AdvisoryOut } from './advisories.service.ts';
import { escapeHtml, renderMarkdown } from './markdown.render.ts';

/**
 * Published advisories as an Atom 1.0 feed (RFC 4287): one entry per advisory and language it is
 * written in, its HTML content escaped into the feed, links absolute on the given base.
 * @example atomFeed('https://hub.example', advisories, new Date())
 */
export function atomFeed(base: string, items: readonly AdvisoryOut[], now: Date): string {
  const x = escapeHtml;
  const updated = items.reduce((m, a) => (a.updated_at > m ? a.updated_at : m), items[0]?.updated_at ?? now.toISOString());
  const entries = items.flatMap((a) =>
    (['ja', 'en'] as const)
      .filter((lang) => a.title[lang] || a.body[lang])
      .map((lang) => {
        const title = a.title[lang] || a.title[lang === 'ja' ? 'en' : 'ja'];
        const link = `${base}/advisories/${a.id}?lang=${lang}`;
        return `  <entry xml:lang="${lang}">
    <id>urn:kessetsu:advisory:${x(a.id)}:${lang}</id>
    <title>${x(title)}</title>
    <link rel="alternate" type="text/html" hreflang="${lang}" href="${x(link)}"/>
    <published>${x(a.published_at ?? a.created_at)}</published>
    <updated>${x(a.updated_at)}</updated>
    <content type="html">${x(renderMarkdown(a.body[lang]))}</content>
  </entry>`;
      }),
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>urn:kessetsu:advisories</id>
  <title>Kessetsu advisories / 注意喚起</title>
  <link rel="self" type="application/atom+xml" href="${x(`${base}/advisories.atom`)}"/>
  <link rel="alternate" type="text/html" href="${x(`${base}/advisories`)}"/>
  <author><name>Kessetsu hub</name></author>
  <updated>${x(updated)}</updated>
${entries.join('\n')}
</feed>
`;
}
