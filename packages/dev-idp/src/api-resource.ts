/**
 * The protected API an authority issues access tokens for, and how a request naming it is
 * translated. A leaf module: the profiles, the resource server settings and the Entra scope
 * translation all depend on these types, so they live below all three.
 */

/** The protected API an authority issues access tokens for. */
export interface ApiResource {
  /** RFC 8707 resource indicator (an absolute URI) the requests name. */
  readonly indicator: string;
  /** Delegated scopes a client may request for it. */
  readonly scopes: readonly string[];
  /**
   * How clients name the API's scopes when the provider wants them prefixed (Entra, B2C:
   * `${prefix}${scope}`); such requests are translated into `resource` + bare scopes.
   */
  readonly scopePrefix?: string;
}

/** The endpoint whose request parameters are being translated. */
export type Endpoint = 'authorization' | 'token';

/**
 * What a request translation did: `prefixed` (scopes were named with the API's prefix; the token
 * response names them back that way), `changed`, or `unchanged`.
 */
export type Translation = 'prefixed' | 'changed' | 'unchanged';

/** Rewrites an authorization or token request's parameters into what oidc-provider understands. */
export type TranslateParams = (params: URLSearchParams, endpoint: Endpoint) => Translation;
