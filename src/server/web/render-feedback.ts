/**
 * Grader-written text is untrusted: it reaches students' browsers only through here. Plain text
 * is escaped; Markdown is rendered with raw HTML disabled and the result sanitized anyway; HTML
 * feedback is sanitized to a small allow-list (no scripts, no event handlers, no styles, only
 * http(s)/mailto links); terminal colours become classes (never raw escape codes, never inline
 * styles, which the CSP refuses). Very long text is cut so a page stays usable.
 */
import { AnsiUp } from 'ansi_up';
import { createRequire } from 'node:module';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { Html } from '@kitajs/html';
import type { FeedbackFormat } from '../../grader/grade-result.ts';

/**
 * highlight.js, loaded without its type declarations: they pull the DOM library into every file's
 * types (`/// <reference lib="dom">`), which breaks Node's fetch and stream types elsewhere.
 */
interface Highlighter {
  getLanguage(name: string): object | undefined;
  highlight(code: string, options: { language: string; ignoreIllegals: boolean }): { value: string };
}
const hljs = createRequire(import.meta.url)('highlight.js') as Highlighter;

/** Characters shown of one text; the rest is summed up (feedback may be 1 MiB). */
export const MAX_RENDERED_CHARS = 200_000;

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'kbd', 'samp', 'em', 'strong', 'b', 'i', 'u', 's',
    'del', 'ins', 'sub', 'sup', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption',
    'a', 'span', 'div', 'details', 'summary',
  ],
  allowedAttributes: { a: ['href', 'title'], th: ['colspan', 'rowspan', 'scope'], td: ['colspan', 'rowspan'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
  // Links leave gradebox without telling the other site where from, and cannot reach back.
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow' }) },
};
SANITIZE.allowedAttributes = { ...SANITIZE.allowedAttributes, a: ['href', 'title', 'rel'] };

function cut(text: string): { text: string; omitted: number } {
  return text.length <= MAX_RENDERED_CHARS ? { text, omitted: 0 } : { text: text.slice(0, MAX_RENDERED_CHARS), omitted: text.length - MAX_RENDERED_CHARS };
}

function omittedNote(omitted: number): string {
  return omitted === 0 ? '' : `<p class="muted">(${omitted.toLocaleString('en')} more characters not shown)</p>`;
}

/** Safe HTML for one piece of grader-written text. */
export function renderUntrusted(text: string, format: FeedbackFormat): string {
  const { text: shown, omitted } = cut(text);
  switch (format) {
    case 'markdown':
      return `<div class="feedback">${sanitizeHtml(markdown.render(shown), SANITIZE)}</div>${omittedNote(omitted)}`;
    case 'html':
      return `<div class="feedback">${sanitizeHtml(shown, SANITIZE)}</div>${omittedNote(omitted)}`;
    case 'ansi':
      return `<pre class="feedback" tabindex="0">${renderAnsi(shown)}</pre>${omittedNote(omitted)}`;
    case 'text':
    default:
      // Plain text may still hold escape codes (a test's output): colour them rather than show them raw.
      return `<pre class="feedback" tabindex="0">${renderAnsi(shown)}</pre>${omittedNote(omitted)}`;
  }
}

/** Terminal text as escaped HTML with colour classes; other escape sequences are dropped. */
export function renderAnsi(text: string): string {
  const ansi = new AnsiUp();
  ansi.use_classes = true;
  ansi.escape_html = true;
  // ansi_up leaves links (OSC 8) out unless told; keep them out: a link in a test's output is text.
  // Operating-system commands (window titles, hyperlinks, clipboard: ESC ] … BEL or ESC \) are
  // not ansi_up's business: drop them whole, or their text would be left behind.
  // eslint-disable-next-line no-control-regex
  const html = ansi.ansi_to_html(text.replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, ''));
  // Anything ansi_up did not understand (cursor moves, OSC titles) must not reach the page raw.
  // eslint-disable-next-line no-control-regex
  return html.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/** A source file, highlighted by its extension when highlight.js knows it, escaped otherwise. */
export function renderSource(path: string, content: string): string {
  const { text, omitted } = cut(content);
  const ext = path.includes('.') ? path.slice(path.lastIndexOf('.') + 1).toLowerCase() : '';
  const language = ext !== '' && hljs.getLanguage(ext) ? ext : undefined;
  // highlight.js escapes the text it wraps in spans.
  const body = language ? hljs.highlight(text, { language, ignoreIllegals: true }).value : Html.escapeHtml(text);
  return `<pre tabindex="0"><code class="hljs">${showControls(body)}</code></pre>${omittedNote(omitted)}`;
}

/**
 * Control characters in a student's file (an escape sequence, a NUL) become their visible Unicode
 * pictures (␛, ␀): a file is shown as it is, not interpreted, and a raw control byte would show
 * nothing. Tabs and line ends stay. Safe on highlighted HTML: tags and entities hold none.
 */
function showControls(html: string): string {
  // eslint-disable-next-line no-control-regex
  return html.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
}
