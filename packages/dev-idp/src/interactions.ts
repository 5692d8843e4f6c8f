import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionDetails, Provider } from 'oidc-provider';
import { findUserByName } from './accounts.ts';
import { acrFor, amrFor } from './acr.ts';
import { isFormRequest, readBody } from './body.ts';
import { requestedAuthContexts } from './client-capabilities.ts';
import { loginPage, PAGE_HEADERS, page } from './login-page.ts';
import type { Authority } from './profiles/types.ts';

const FORM_LIMIT = 8 * 1024;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const patterns = new WeakMap<Authority, RegExp>();

function patternOf(authority: Authority): RegExp {
  let pattern = patterns.get(authority);
  if (!pattern) {
    pattern = new RegExp(
      `^${escapeRegExp(authority.routes.interaction)}/([A-Za-z0-9_-]+)(?:/(login|abort))?$`,
    );
    patterns.set(authority, pattern);
  }
  return pattern;
}

/** What the login page says and where its forms post. */
interface PageContext {
  /** The interaction URL as the browser sees it: `${mount}${routes.interaction}`. */
  base: string;
  label: string | undefined;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, PAGE_HEADERS);
  res.end(html);
}

function expired(res: ServerResponse): void {
  const body =
    '<h1>This sign-in has expired</h1><p>It took too long, or cookies are blocked. Start again.</p>';
  send(res, 400, page('Sign-in expired', body));
}

/** Every seeded client is first-party, pre-consented as an Entra admin would: grant what it asked. */
async function consent(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  details: InteractionDetails,
) {
  const accountId = details.session?.accountId;
  if (!accountId) return expired(res);
  const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function login(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  details: InteractionDetails,
  where: PageContext,
) {
  const body = isFormRequest(req) ? await readBody(req, FORM_LIMIT) : undefined;
  const name = new URLSearchParams(body?.toString('utf8') ?? '').get('login') ?? '';
  const user = findUserByName(name);
  if (!user) {
    const clientId = String(details.params.client_id);
    return send(
      res,
      401,
      loginPage({ ...where, uid: details.uid, clientId, login: name, error: 'No such user.' }),
    );
  }
  // An Entra authentication context asked for in the `claims` request is met the way the dev IdP
  // meets acr_values=mfa: the stronger sign-in.
  const acr =
    requestedAuthContexts(details.params.claims).length > 0 ? 'mfa' : acrFor(details.params.acr_values);
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.sub, acr, amr: amrFor(acr) } },
    { mergeWithLastSubmission: false },
  );
}

/**
 * Serves the authority's `/interaction/...` (`pathname` is inside its mount): the login form (GET),
 * its submission (POST .../login) and cancel (POST .../abort). Returns false for any other path.
 */
export async function handleInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  authority: Authority,
): Promise<boolean> {
  const match = patternOf(authority).exec(pathname);
  if (!match) return false;
  const [, uid, action] = match;

  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    expired(res);
    return true;
  }
  // The cookie names the interaction; a URL naming another one is a stale tab or a forged link.
  if (details.uid !== uid) {
    expired(res);
    return true;
  }

  const where: PageContext = {
    base: `${authority.mount}${authority.routes.interaction}`,
    label: authority.label,
  };
  const prompt = details.prompt.name;
  if (req.method === 'GET' && !action && prompt === 'login') {
    send(res, 200, loginPage({ ...where, uid: details.uid, clientId: String(details.params.client_id) }));
  } else if (req.method === 'GET' && !action && prompt === 'consent') {
    await consent(provider, req, res, details);
  } else if (req.method === 'POST' && action === 'login' && prompt === 'login') {
    await login(provider, req, res, details, where);
  } else if (req.method === 'POST' && action === 'abort') {
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  } else {
    send(res, 405, page('Not allowed', '<h1>Not allowed</h1>'));
  }
  return true;
}
