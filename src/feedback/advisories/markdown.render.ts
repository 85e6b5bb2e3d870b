import { Marked, type Tokens } from 'marked';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const SAFE_HREF = /^(?:https?:|mailto:|#|\/(?!\/))/i;

// Raw HTML in an advisory is shown as text, links only to http(s), mail and the page itself, and
// images become links: a public page must not run or load anything an author's text smuggles in.
const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    link(this: { parser: { parseInline(t: Tokens.Generic[]): string } }, { href, title, tokens }: Tokens.Link): string {
      const inner = this.parser.parseInline(tokens);
      if (!SAFE_HREF.test(href.trim())) return inner;
      return `<a href="${escapeHtml(href.trim())}" rel="nofollow noopener noreferrer"${title ? ` title="${escapeHtml(title)}"` : ''}>${inner}</a>`;
    },
    image({ href, text }: Tokens.Image): string {
      if (!SAFE_HREF.test(href.trim())) return escapeHtml(text);
      return `<a href="${escapeHtml(href.trim())}" rel="nofollow noopener noreferrer">${escapeHtml(text || href)}</a>`;
    },
  },
});

/**
 * Advisory Markdown as safe HTML: GitHub-flavoured Markdown, raw HTML escaped, unsafe links dropped.
 * @example renderMarkdown('**注意** <script>x</script>') // '<p><strong>注意</strong> &lt;script&gt;x&lt;/script&gt;</p>\n'
 */
export function renderMarkdown(md: string): string {
  return marked.parse(md) as string;
}
