import { html } from '../html';
import { page } from '../layout';

/** The sign-in form: an API token, pasted once; the console keeps a session instead of the token. */
export function signInPage(o: { next: string; error?: string }): string {
  return page(
    {},
    {
      title: 'Sign in',
      notice: o.error ? { kind: 'error', text: o.error } : undefined,
      body: html`<section class="signin">
        <h1>Sign in to the Lifeboat console</h1>
        <form method="post" action="/console/signin">
          <input type="hidden" name="next" value="${o.next}" />
          <label for="token">API token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus spellcheck="false" />
          <p class="muted small">
            A token from <code>lifeboat token create</code> (the embedded default's admin token is in <code>.lifeboat/admin-token</code>). The console keeps a session for 12 hours,
            never the token; revoking the token ends the session.
          </p>
          <button type="submit" class="primary">Sign in</button>
        </form>
      </section>`,
    },
  );
}

/**
 * Shown to a browser without a session. The session cookie is SameSite=Strict, so a link followed from a mail or
 * chat client arrives without it even when the person is signed in; this page moves on to the sign-in page by a
 * same-site navigation (meta refresh, no script), which does carry the cookie, and sign-in sends signed-in people
 * straight back to `to`.
 */
export function interstitialPage(to: string): string {
  const target = `/console/signin?next=${encodeURIComponent(to)}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${html`${target}`.text}"><title>Sign in · Lifeboat</title><link rel="stylesheet" href="/console/assets/console.css"></head><body><main id="main"><p>Opening the Lifeboat console… <a href="${html`${target}`.text}">Continue to sign-in</a>.</p></main></body></html>`;
}
