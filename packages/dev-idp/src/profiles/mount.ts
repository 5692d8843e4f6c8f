import type { IncomingMessage } from 'node:http';
import type { Authority, Route } from './types.ts';

/** The URL each request arrived with, before it was rewritten for the authority serving it. */
export const requestedUrls = new WeakMap<IncomingMessage, URL>();

const MICROSOFT_DISCOVERY = '/v2.0/.well-known/openid-configuration';

/** The rest of `pathname` below `mount` (case-insensitive, as Microsoft's hosts are), or undefined. */
export function below(pathname: string, mount: string): string | undefined {
  if (mount === '') return pathname;
  const head = pathname.slice(0, mount.length);
  if (head.toLowerCase() !== mount.toLowerCase()) return undefined;
  const rest = pathname.slice(mount.length);
  if (rest === '') return '/';
  return rest.startsWith('/') ? rest : undefined;
}

/**
 * The route for `rest` (a path below the authority's mount): Microsoft's
 * `{tenant|policy}/v2.0/.well-known/openid-configuration` is served as the provider's own
 * discovery document; `drop` names query parameters the provider must not see (`p`).
 */
export function routeTo(authority: Authority, rest: string, url: URL, drop: readonly string[] = []): Route {
  const path = rest.toLowerCase() === MICROSOFT_DISCOVERY ? '/.well-known/openid-configuration' : rest;
  const query = new URLSearchParams(url.searchParams);
  for (const name of drop) query.delete(name);
  const search = query.size > 0 ? `?${query}` : '';
  return { authority, inner: `${path}${search}` };
}
