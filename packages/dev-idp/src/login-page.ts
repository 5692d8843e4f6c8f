import { DEV_USERS } from './accounts.ts';

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

// No scripts, nothing loaded from elsewhere: it must work offline and under a strict CSP.
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

const style = `body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-weight:400}label{display:block;margin:1rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1.5rem}.error{color:#a00}.note{color:#666;font-size:.9rem}
form.cancel button{background:none;border:none;color:#06c;padding:0;cursor:pointer}`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Gatehouse dev IdP</title><style>${style}</style></head>
<body><main>${body}</main></body></html>`;
}

export interface LoginPageInput {
  uid: string;
  clientId: string;
  login?: string;
  error?: string;
  /** Where the interaction is served, as the browser sees it. @default '/interaction' */
  base?: string;
  /** What the user signs in through, e.g. a B2C policy. */
  label?: string | undefined;
}

export function loginPage({
  uid,
  clientId,
  login = '',
  error,
  base = '/interaction',
  label,
}: LoginPageInput): string {
  const action = `${base}/${encodeURIComponent(uid)}`;
  const users = DEV_USERS.map((user) => `<option value="${escapeHtml(user.username)}">`).join('');
  return page(
    'Sign in',
    `<h1>Sign in</h1>
<p>to <strong>${escapeHtml(clientId)}</strong> on the development identity provider${label ? ` (${escapeHtml(label)})` : ''}.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${action}/login" autocomplete="off">
<label for="login">User name</label>
<input id="login" name="login" list="users" required autofocus value="${escapeHtml(login)}">
<datalist id="users">${users}</datalist>
<label for="password">Password</label>
<input id="password" name="password" type="password" placeholder="any, or none">
<button type="submit">Sign in</button>
</form>
<form class="cancel" method="post" action="${action}/abort"><button type="submit">Cancel</button></form>
<p class="note">Development only: users ${DEV_USERS.map((user) => escapeHtml(user.username)).join(', ')};
any password is accepted.</p>`,
  );
}
