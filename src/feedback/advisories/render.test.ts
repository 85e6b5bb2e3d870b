import { describe, expect, it } from 'vitest';
import { pageLanguage } from './language.ts';
import { renderMarkdown } from './markdown.render.ts';
import { atomFeed } from './atom.feed.ts';
import type { AdvisoryOut } from './advisories.service.ts';

describe('page language', () => {
  it('follows ?lang, then the browser’s preference by q-value, then Japanese', () => {
    expect(pageLanguage('en', 'ja')).toBe('en');
    expect(pageLanguage(undefined, 'ja-JP,ja;q=0.9,en;q=0.8')).toBe('ja');
    expect(pageLanguage(undefined, 'en-US,en;q=0.9,ja;q=0.8')).toBe('en');
    expect(pageLanguage(undefined, 'ja;q=0.5,en;q=0.6')).toBe('en');
    expect(pageLanguage(undefined, 'fr-FR,fr;q=0.9')).toBe('en');
    expect(pageLanguage(undefined, undefined)).toBe('ja');
    expect(pageLanguage('xx', '*;q=0')).toBe('ja');
    expect(pageLanguage(undefined, 'en;q=abc,ja')).toBe('ja');
  });
});

describe('advisory Markdown', () => {
  it('renders Markdown and escapes raw HTML, dropping unsafe links', () => {
    expect(renderMarkdown('**注意**')).toBe('<p><strong>注意</strong></p>\n');
    expect(renderMarkdown('<iframe src="x"></iframe>')).not.toContain('<iframe');
    expect(renderMarkdown('[x](javascript:alert(1))')).toBe('<p>x</p>\n');
    expect(renderMarkdown('[x](data:text/html,hi)')).toBe('<p>x</p>\n');
    expect(renderMarkdown('![a](http://img.example/a.png)')).toBe('<p><a href="http://img.example/a.png" rel="nofollow noopener noreferrer">a</a></p>\n');
    expect(renderMarkdown('[x](https://a.example/?q="><script>)')).not.toContain('<script>');
  });
});

describe('Atom', () => {
  it('escapes titles and content, and is well-formed for an empty feed', () => {
    const a: AdvisoryOut = { id: '00000000-0000-4000-8000-000000000001', status: 'published', title: { ja: '', en: 'A & B <C>' }, body: { ja: '', en: '<b>x</b>' }, object_ids: [], report_id: null, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-02T00:00:00.000Z', published_at: '2026-01-02T00:00:00.000Z' };
    const xml = atomFeed('https://hub.example', [a], new Date('2026-01-03T00:00:00Z'));
    expect(xml).toContain('<title>A &amp; B &lt;C&gt;</title>');
    expect(xml).not.toContain('<b>x</b>');
    expect(xml.match(/<entry /g)).toHaveLength(1);
    expect(atomFeed('https://hub.example', [], new Date('2026-01-03T00:00:00Z'))).toContain('<updated>2026-01-03T00:00:00.000Z</updated>');
  });
});
