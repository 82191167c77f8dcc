import { describe, expect, it } from 'vitest';
import { MAX_RENDERED_CHARS, renderAnsi, renderSource, renderUntrusted } from '../../src/server/web/render-feedback.ts';

describe('rendering grader-written text', () => {
  it('escapes plain text', () => {
    expect(renderUntrusted('<b>x</b> & "y"', 'text')).toContain('&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;');
  });

  it('sanitizes HTML: no scripts, handlers, styles, frames or javascript: links', () => {
    const html = renderUntrusted(
      '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">a</a><a href="https://ok.example/">b</a><p style="color:red" onclick="x()">p</p><iframe src="//e"></iframe>',
      'html',
    );
    expect(html).not.toMatch(/<script|<img|<iframe|onerror=|onclick=|style=|javascript:/i);
    expect(html).toContain('<a href="https://ok.example/" rel="noopener noreferrer nofollow">b</a>');
    expect(html).toContain('<p>p</p>');
  });

  it('renders Markdown without raw HTML or script links', () => {
    const html = renderUntrusted('# Title\n\n**bold** [x](javascript:alert(1)) <script>alert(2)</script>', 'markdown');
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).not.toMatch(/<script|href="javascript:/i);
  });

  it('turns colours into classes and drops every other escape sequence', () => {
    const html = renderAnsi('\u001b[31mred\u001b[0m \u001b]0;window title\u0007\u001b]8;;https://e.example\u001b\\link\u001b]8;;\u001b\\ \u001b[2Jdone\u0007\u0008');
    expect(html).toContain('<span class="ansi-red-fg">red</span>');
    expect(html).not.toContain('window title');
    // eslint-disable-next-line no-control-regex
    expect(html).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(html).toContain('link');
    expect(html).toContain('done');
    expect(renderAnsi('<script>')).toBe('&lt;script&gt;');
  });

  it('cuts very long text with a note', () => {
    const html = renderUntrusted('x'.repeat(MAX_RENDERED_CHARS + 5), 'text');
    expect(html).toContain('(5 more characters not shown)');
  });

  it('highlights known source files and escapes the rest', () => {
    expect(renderSource('main.py', 'def f(): return "<x>"')).toContain('hljs-keyword');
    expect(renderSource('notes.unknown', '<b>')).not.toContain('<b>');
    // Control characters shown as their pictures, never raw.
    const shown = renderSource('main.py', 'print("\u001b[31mred\u001b[0m")\u0000\tx\n');
    // eslint-disable-next-line no-control-regex
    expect(shown).not.toMatch(/[\u0000\u001b]/);
    expect(shown).toContain('\u241b[31mred\u241b[0m');
    expect(shown).toContain('\u2400\tx');
  });
});
