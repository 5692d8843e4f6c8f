import type { IssuedToken, KoaContextWithOIDC, Middleware, StructuredJwt } from 'oidc-provider';
import type { ApiResource, TranslateParams } from '../api-resource.ts';
import type { Routes } from '../routes.ts';

/** The token shapes the dev IdP can speak; one per IdP instance. */
export type ProfileName = 'entra' | 'b2c' | 'auth0' | 'keycloak';

export const PROFILE_NAMES: readonly ProfileName[] = ['entra', 'b2c', 'auth0', 'keycloak'];

export type ShapeAccessToken = (
  ctx: KoaContextWithOIDC,
  token: IssuedToken,
  jwt: StructuredJwt,
) => Promise<void> | void;

/**
 * One issuer with its own endpoints: one oidc-provider instance, served under `mount` (a path
 * prefix of the origin, '' for the root). A profile has one (Auth0, Keycloak) or several (one per
 * B2C policy; Entra's root issuer and its tenant-shaped one).
 */
export interface Authority {
  /** Short stable id: names its cookies and its store files. */
  readonly id: string;
  readonly issuer: string;
  readonly mount: string;
  /** Where clients find the discovery document (absolute URL). */
  readonly metadataUrl: string;
  readonly routes: Routes;
  readonly api: ApiResource;
  /** Client ids this authority knows (a subset of the seeded clients). */
  readonly clients: readonly string[];
  /** Shown on the login page, e.g. the B2C policy. */
  readonly label?: string;
  /** A resource to use when the request names none (see resource.ts). */
  readonly defaultResource: 'client-credentials' | 'always';
  readonly translate: TranslateParams;
  readonly shapeAccessToken: ShapeAccessToken;
  /** Extra oidc-provider middleware (e.g. B2C's `?p=` discovery documents). */
  readonly middleware?: readonly Middleware[];
}

/** Where a request goes: the authority, and the path (and query) that authority sees. */
export interface Route {
  readonly authority: Authority;
  /** Path plus query inside the authority's mount, starting with '/'. */
  readonly inner: string;
}

export interface Profile {
  readonly name: ProfileName;
  /** The issuer `DevIdp.issuer` reports (its first authority's). */
  readonly authorities: readonly Authority[];
  /** Maps a request path to an authority; undefined: not this profile's. */
  route(url: URL): Route | undefined;
}
