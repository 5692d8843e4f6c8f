/**
 * The page shell: skip link, site header (with who is signed in and a sign-out form), main, footer.
 * No script anywhere; the stylesheet is the only other resource.
 */
import { CSRF_FIELD } from '../csrf.ts';
import { html, type SafeHtml } from './html.ts';

export interface Viewer {
  userName: string;
  csrf: string;
}

export interface PageInput {
  title: string;
  body: SafeHtml;
  /** The signed-in user, when there is one: the header then offers to sign out. */
  viewer?: Viewer | undefined;
}

export function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrf}">`;
}

function account(viewer: Viewer | undefined): SafeHtml | undefined {
  if (!viewer) return undefined;
  return html`<div class="account">
<span>Signed in as <strong>${viewer.userName}</strong></span>
<form method="post" action="/auth/logout">${csrfField(viewer.csrf)}<button type="submit">Sign out</button></form>
</div>`;
}

export function layout({ title, body, viewer }: PageInput): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Gatehouse To-do</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header class="site"><div class="bar">
<p class="brand"><a href="/">Gatehouse To-do</a></p>
${account(viewer)}
</div></header>
<main id="main" tabindex="-1">
${body}
</main>
<footer>Gatehouse To-do · signs you in with OpenID Connect and calls the to-do API on your behalf</footer>
</body>
</html>
`.value;
}
