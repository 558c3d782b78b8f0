import MarkdownIt from 'markdown-it';

/**
 * Markdown for user notes, safe to insert as HTML: raw HTML is escaped (`html: false`), markdown-it's
 * own link check drops `javascript:`, `vbscript:`, `file:` and non-image `data:` URLs, images are off
 * (no pixels fetched from elsewhere; the page's CSP would refuse them anyway), and every link opens
 * with `rel="noopener noreferrer nofollow"`. The same output on the server and in the browser.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false }).disable('image');

const defaultLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
  tokens[idx]!.attrSet('target', '_blank');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** `source` (Markdown) as HTML in which nothing can run. */
export function renderMarkdown(source: string): string {
  return markdown.render(source);
}
