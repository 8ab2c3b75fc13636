import { esc } from './html-text.js';
import { IMAGE_SCRIPT } from './image-script.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_CSS } from './page-style.js';

/** A whole page: the shell every end-user page shares (head, style, the one script). */
export function pageHtml(title: string, body: string, { script = false } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<main>
${body}
</main>
${script ? `<script>${PAGE_SCRIPT}${IMAGE_SCRIPT}</script>` : ''}
</body>
</html>
`;
}

/** A page that says why it cannot show the form (401, 413, 429 …), and what to do. */
export function problemPageHtml(heading: string, message: string, hint?: string): string {
  return pageHtml(
    heading,
    `<section class="problem" role="alert"><h1>${esc(heading)}</h1><p>${esc(message)}</p>${
      hint ? `<p class="meta">${esc(hint)}</p>` : ''
    }</section>`,
  );
}

/**
 * What a share link answers: the cookie is set, and this page moves on to the page without the
 * token. A page-initiated move (not a 3xx) so that the `SameSite=Strict` cookie is sent even
 * when the link was opened from another site (a chat, an e-mail).
 */
export function openingPageHtml(target: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0; url=${esc(target)}"><title>Opening…</title></head>
<body><p>Opening the page… <a href="${esc(target)}">continue</a></p></body></html>
`;
}
