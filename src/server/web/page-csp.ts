/**
 * The content security policy of web pages: scripts and styles only from our own hashed files
 * (no inline script, no inline style, no eval), images from ourselves (and data: URLs that
 * sanitized Markdown cannot produce anyway), connections (the live status) to ourselves, forms
 * only to ourselves, no framing, no plugins, no <base>. The JSON API keeps its "nothing" policy.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');
