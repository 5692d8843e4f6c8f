// oidc-provider ships no type declarations and @types/oidc-provider is not installed, so this
// declares only the part of its surface that dev-idp uses (checked against oidc-provider 9.x).
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { JWK } from 'jose';

  export type UnknownObject = Record<string, unknown>;

  export interface AdapterPayload extends UnknownObject {
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata extends UnknownObject {
    client_id: string;
    client_secret?: string;
    client_name?: string;
    application_type?: 'web' | 'native';
    grant_types?: string[];
    response_types?: string[];
    redirect_uris?: string[];
    post_logout_redirect_uris?: string[];
    token_endpoint_auth_method?: string;
    token_endpoint_auth_signing_alg?: string;
    jwks?: { keys: JWK[] };
  }

  export interface Client {
    readonly clientId: string;
    readonly clientAuthMethod: string;
    readonly applicationType: string;
    readonly redirectUris?: string[];
    grantTypeAllowed(grantType: string): boolean;
  }

  export interface AccountClaims extends UnknownObject {
    sub: string;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string): AccountClaims | Promise<AccountClaims>;
  }

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  export interface ResourceServer {
    readonly scope?: string;
    readonly audience?: string;
    readonly accessTokenFormat?: 'opaque' | 'jwt';
    identifier(): string;
  }

  /** AccessToken or ClientCredentials model instance handed to the JWT customizer. */
  export interface IssuedToken {
    readonly kind: string;
    readonly accountId?: string;
    readonly clientId?: string;
    readonly scope?: string;
    readonly client?: Client;
    readonly resourceServer?: ResourceServer;
    readonly aud?: string | string[];
    readonly iat?: number;
    readonly exp?: number;
    readonly jti?: string;
  }

  export interface StructuredJwt {
    header?: UnknownObject;
    payload: UnknownObject;
  }

  /** What a grant was issued from: its scope names the OpenID Connect scopes too. */
  export interface GrantSource {
    readonly scope?: string;
    /** The sign-in the grant came from: its authentication context class and time (seconds). */
    readonly acr?: string;
    readonly amr?: string[];
    readonly authTime?: number;
    /** The OpenID Connect `claims` request of the authorization (parsed), with the claimsParameter feature. */
    readonly claims?: UnknownObject;
  }

  export interface OIDCContext {
    readonly route?: string;
    readonly params?: UnknownObject;
    readonly client?: Client;
    readonly entities?: {
      readonly AuthorizationCode?: GrantSource;
      readonly RefreshToken?: GrantSource;
    };
  }

  export interface KoaContextWithOIDC {
    readonly oidc: OIDCContext;
    readonly req: IncomingMessage;
    readonly path: string;
    status: number;
    type: string;
    body: unknown;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export interface PromptDetails {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  }

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: PromptDetails };
    params: UnknownObject;
    session?: { accountId: string; uid: string };
    grantId?: string;
    returnTo: string;
  }

  export interface InteractionResults {
    login?: { accountId: string; acr?: string; amr?: string[] };
    consent?: { grantId: string };
    error?: string;
    error_description?: string;
  }

  export class Grant {
    constructor(init: { accountId: string; clientId: string });
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(indicator: string, scope: string): void;
    save(): Promise<string>;
    static find(id: string): Promise<Grant | undefined>;
  }

  export interface CookiesConfiguration {
    keys: string[];
    names?: { session?: string; interaction?: string; resume?: string };
  }

  export type TtlFunction = (ctx: KoaContextWithOIDC, token: unknown, client: Client) => number;

  export interface Configuration {
    adapter?: (name: string) => Adapter;
    clients?: ClientMetadata[];
    jwks?: { keys: JWK[] };
    cookies?: CookiesConfiguration;
    findAccount?: (ctx: KoaContextWithOIDC, sub: string) => Promise<Account | undefined>;
    claims?: Record<string, string[]>;
    scopes?: string[];
    acrValues?: string[];
    clientBasedCORS?: (ctx: KoaContextWithOIDC, origin: string, client: Client) => boolean;
    clientAuthMethods?: string[];
    discovery?: UnknownObject;
    interactions?: { url: (ctx: KoaContextWithOIDC, interaction: { uid: string }) => string };
    routes?: Record<string, string>;
    responseTypes?: string[];
    features?: UnknownObject;
    formats?: {
      customizers?: {
        jwt?: (ctx: KoaContextWithOIDC, token: IssuedToken, jwt: StructuredJwt) => Promise<void> | void;
      };
    };
    /** Claims stored with an opaque token (and added to a JWT one); introspection returns them. */
    extraTokenClaims?: (ctx: KoaContextWithOIDC, token: IssuedToken) => Promise<UnknownObject | undefined>;
    issueRefreshToken?: (ctx: KoaContextWithOIDC, client: Client, code: unknown) => Promise<boolean>;
    renderError?: (ctx: KoaContextWithOIDC, out: Record<string, string>, error: Error) => void;
    ttl?: Record<string, number | TtlFunction>;
  }

  export class OIDCProviderError extends Error {
    readonly status: number;
    readonly error: string;
    readonly error_description?: string;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => OIDCProviderError;
  };

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    readonly Grant: typeof Grant;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    on(event: 'server_error', listener: (ctx: KoaContextWithOIDC, error: Error) => void): this;
    on(event: 'grant.success', listener: (ctx: KoaContextWithOIDC) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
  }

  export default Provider;
}
