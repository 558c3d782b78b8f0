import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders Markdown, with links that open safely', () => {
    expect(renderMarkdown('# Plan\n\n**bold** [paper](https://example.com/p)')).toBe(
      '<h1>Plan</h1>\n<p><strong>bold</strong> <a href="https://example.com/p" rel="noopener noreferrer nofollow" target="_blank">paper</a></p>\n',
    );
  });

  it('escapes raw HTML and drops unsafe links and images', () => {
    const html = renderMarkdown('<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) [d](data:text/html,hi) [v](vbscript:x) ![i](https://tracker.example/p.png)');
    expect(html).not.toMatch(/<(script|img)/);
    expect(html).not.toMatch(/href="(javascript|data|vbscript):/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('[x](javascript:alert(1))');
  });
});
