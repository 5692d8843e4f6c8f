import { ConfigurationError } from './errors.ts';
import type { Gatehouse } from './gatehouse-api.ts';
import { secureUrl } from './keys/url-policy.ts';
import { isIssuerTemplate } from './tenants.ts';

/** What the resource says about itself beyond what the gatehouse already knows (its issuers). */
export interface ResourceMetadataOptions {
  /** The resource identifier (RFC 9728 §2): an https URL without fragment, e.g. `https://api.example.com/mcp`. */
  resource: string;
  /** `scopes_supported`: the scopes a client may ask for to call this resource. */
  scopesSupported?: readonly string[];
  /** `authorization_servers`, when they are not the trusted issuers (the default). */
  authorizationServers?: readonly string[];
  /** `resource_name`: human-readable, for consent screens. */
  resourceName?: string;
  /** `resource_documentation`: a page for developers. */
  resourceDocumentation?: string;
  /**
   * `tls_client_certificate_bound_access_tokens` (RFC 9728 §2, RFC 8705): say so when this server
   * asks clients for TLS certificates (Node's `requestCert`, or a proxy forwarding them), so that
   * certificate-bound tokens can reach it. Gatehouse checks such tokens whatever this says.
   * @default false
   */
  certificateBoundTokens?: boolean;
}

/** RFC 9728 §2 protected-resource metadata, as served. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers?: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ['header'];
  resource_name?: string;
  resource_documentation?: string;
  dpop_signing_alg_values_supported?: string[];
  dpop_bound_access_tokens_required?: boolean;
  tls_client_certificate_bound_access_tokens?: boolean;
}

/** The sender-constraint members of RFC 9728 §2 that a document carries. */
export type SenderConstraintMetadata = Pick<
  ProtectedResourceMetadata,
  | 'dpop_signing_alg_values_supported'
  | 'dpop_bound_access_tokens_required'
  | 'tls_client_certificate_bound_access_tokens'
>;

/**
 * What the document says about DPoP and certificate-bound tokens. DPoP is described as the
 * challenges describe it: where they name the DPoP scheme (`dpop: 'required'`, or `advertise`), the
 * document lists the proof algorithms, and `required` says DPoP-bound tokens are required; in the
 * default `allowed` mode both stay as quiet as the challenges, for Bearer-only clients.
 */
export function senderConstraintMetadata(
  gatehouse: Pick<Gatehouse, 'options'>,
  certificateBoundTokens = false,
): SenderConstraintMetadata {
  const { dpop } = gatehouse.options;
  const spoken = dpop.mode === 'required' || (dpop.mode === 'allowed' && dpop.advertise);
  return {
    ...(spoken ? { dpop_signing_alg_values_supported: [...dpop.algorithms] } : {}),
    ...(dpop.mode === 'required' ? { dpop_bound_access_tokens_required: true } : {}),
    ...(certificateBoundTokens ? { tls_client_certificate_bound_access_tokens: true } : {}),
  };
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

function resourceUrl(resource: string): URL {
  const url = secureUrl(resource, 'resource');
  if (url.hash !== '' || resource.includes('#'))
    throw new ConfigurationError('resource', 'must not have a fragment (RFC 9728 §2)');
  return url;
}

/**
 * Where the metadata of `resource` lives: the well-known suffix goes between the host and the
 * path (RFC 9728 §3.1), so `https://api.example.com/mcp` is described at
 * `https://api.example.com/.well-known/oauth-protected-resource/mcp`.
 */
export function resourceMetadataUrl(resource: string): string {
  const url = resourceUrl(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}${WELL_KNOWN}${path}${url.search}`;
}

/** The path a server mounts the metadata document at, for `resource`. */
export function resourceMetadataPath(resource: string): string {
  return new URL(resourceMetadataUrl(resource)).pathname;
}

/**
 * The issuers this gatehouse trusts, as authorization server identifiers: each configured issuer,
 * or the one its metadata document named once loaded. A `{tenantid}` template names no one
 * server and is left out.
 */
function trustedIssuers(gatehouse: Gatehouse): string[] {
  const found: string[] = [];
  for (const issuer of gatehouse.options.issuers) {
    const id = issuer.source.issuer ?? gatehouse.issuerMetadata(issuer.name)?.issuer;
    if (id !== undefined && !isIssuerTemplate(id) && !found.includes(id)) found.push(id);
  }
  return found;
}

function strings(value: readonly string[] | undefined, path: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || s.length === 0))
    throw new ConfigurationError(path, 'must be an array of non-empty strings');
  return [...value];
}

/** Checks the options once and returns a builder of the document (issuers may load later). */
export function resourceMetadataBuilder(
  gatehouse: Gatehouse,
  options: ResourceMetadataOptions,
): () => ProtectedResourceMetadata {
  resourceUrl(options.resource);
  const scopes = strings(options.scopesSupported, 'scopesSupported');
  const servers = strings(options.authorizationServers, 'authorizationServers');
  const documentation =
    options.resourceDocumentation === undefined
      ? undefined
      : secureUrl(options.resourceDocumentation, 'resourceDocumentation').href;
  if (options.certificateBoundTokens !== undefined && typeof options.certificateBoundTokens !== 'boolean')
    throw new ConfigurationError('certificateBoundTokens', 'must be true or false');
  const constraints = senderConstraintMetadata(gatehouse, options.certificateBoundTokens);
  // Written as configured: clients compare `resource` with the URL they called (RFC 9728 §3.3).
  const id = options.resource;
  return () => {
    const authorizationServers = servers ?? trustedIssuers(gatehouse);
    return {
      resource: id,
      ...(authorizationServers.length > 0 ? { authorization_servers: authorizationServers } : {}),
      ...(scopes ? { scopes_supported: scopes } : {}),
      // Gatehouse reads tokens from the Authorization header only (RFC 6750 §2.1).
      bearer_methods_supported: ['header'],
      ...(options.resourceName ? { resource_name: options.resourceName } : {}),
      ...(documentation ? { resource_documentation: documentation } : {}),
      ...constraints,
    };
  };
}

/** The protected-resource metadata document for `gatehouse` (RFC 9728 §2). */
export function protectedResourceMetadata(
  gatehouse: Gatehouse,
  options: ResourceMetadataOptions,
): ProtectedResourceMetadata {
  return resourceMetadataBuilder(gatehouse, options)();
}

/** Headers of the metadata answer: public JSON any origin may read (it carries no credentials). */
export const RESOURCE_METADATA_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'public, max-age=300',
  'access-control-allow-origin': '*',
});
