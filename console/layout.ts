import type { Principal } from '../api/auth';
import { html, type Html } from './html';

export interface PageContext {
  principal?: Principal;
  csrf?: string;
}

/** The hidden CSRF field every state-changing form carries. */
export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" />`;
}

/**
 * The page shell. Scripts and styles are files under /console/assets (no inline script or style), so a strict
 * Content-Security-Policy of 'self' holds; `live` makes console.js refresh the page's [data-live] regions.
 */
export function page(ctx: PageContext, o: { title: string; body: Html; live?: boolean; notice?: { kind: 'error' | 'ok'; text: string } }): string {
  const p = ctx.principal;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Lifeboat</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body${o.live ? html` data-live-page="1"` : ''}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Lifeboat</a>
  ${
    p
      ? html`<nav aria-label="Main"><a href="/">Runs</a> <a href="/console/runbooks">Runbooks</a> <a href="/console/schedules">Schedules</a></nav>
          <form class="signout" method="post" action="/console/signout">
            ${csrfField(ctx)}<span class="who" title="roles: ${p.roles.join(', ') || 'none'}">${p.subject}</span> <button type="submit">Sign out</button>
          </form>`
      : ''
  }
</header>
<main id="main" tabindex="-1">
${o.notice ? html`<div class="notice notice-${o.notice.kind}" role="${o.notice.kind === 'error' ? 'alert' : 'status'}"><strong>${o.notice.kind === 'error' ? 'Refused: ' : ''}</strong>${o.notice.text}</div>` : ''}
${o.body}
</main>
</body>
</html>
`.text;
}
