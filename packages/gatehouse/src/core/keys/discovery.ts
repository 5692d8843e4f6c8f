import { FetchFailure, type FetchJsonOptions, fetchJsonObject } from './fetch-json.ts';
import { isAcceptableRemoteUrl } from './url-policy.ts';

/** The parts of an OpenID Provider / RFC 8414 metadata document that token validation needs. */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly [member: string]: unknown;
}

/**
 * Where an issuer publishes its metadata (OIDC Discovery §4): the issuer without a trailing slash,
 * plus `/.well-known/openid-configuration`. The one place this URL is built; public for apps that
 * advertise it (an OpenAPI `openIdConnectUrl`).
 */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Fetches and checks a metadata document. When the issuer is known beforehand (discovery by
 * issuer), the document must name exactly that issuer (OIDC Discovery §4.3), or an attacker
 * who controls the document could substitute theirs.
 */
export async function fetchMetadata(
  url: string,
  expectedIssuer: string | undefined,
  options: FetchJsonOptions,
): Promise<IssuerMetadata> {
  const document = await fetchJsonObject(url, options);
  const { issuer, jwks_uri } = document;
  if (typeof issuer !== 'string' || issuer.length === 0) {
    throw new FetchFailure(url, `metadata at ${url} has no "issuer"`);
  }
  if (expectedIssuer !== undefined && issuer !== expectedIssuer) {
    throw new FetchFailure(url, `metadata at ${url} names issuer "${issuer}", expected "${expectedIssuer}"`);
  }
  if (typeof jwks_uri !== 'string' || !isAcceptableRemoteUrl(jwks_uri)) {
    throw new FetchFailure(url, `metadata at ${url} has no usable https "jwks_uri"`);
  }
  return { ...document, issuer, jwks_uri };
}
