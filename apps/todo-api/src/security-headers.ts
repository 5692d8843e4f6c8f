/**
 * Security headers on every answer, through @fastify/helmet. The API serves JSON, which never
 * needs to load anything, so its CSP allows nothing; the docs page (Swagger UI) gets its own,
 * which lets it load its assets and exchange the sign-in code at the issuer's token endpoint.
 */
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance, onRouteHookHandler } from 'fastify';
import type { Gatehouse } from 'gatehouse-auth';

type HelmetRouteOptions = Omit<FastifyHelmetOptions, 'global'>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Per-route settings @fastify/helmet reads (its `helmet` route option ends up here). */
    helmet?: HelmetRouteOptions;
  }
}

const HSTS = { maxAge: 31536000, includeSubDomains: false } as const;

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    xFrameOptions: { action: 'deny' },
    // This host only: the API cannot know what else runs under its parent domain.
    strictTransportSecurity: HSTS,
  });
}

/** The origin of the issuer's token endpoint, read per response: metadata loads after start-up. */
function tokenEndpointOrigin(gatehouse: Gatehouse): string {
  const value = gatehouse.issuerMetadata()?.token_endpoint;
  if (typeof value !== 'string') return "'self'";
  try {
    return new URL(value).origin;
  } catch {
    return "'self'";
  }
}

/** Helmet settings for the docs page, its assets and its sign-in redirect. */
export function docsHelmet(gatehouse: Gatehouse): HelmetRouteOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        // Swagger UI draws its icons as data: images.
        imgSrc: ["'self'", 'data:'],
        // The authorization code is exchanged for a token by the page itself (PKCE, public client).
        connectSrc: ["'self'", () => tokenEndpointOrigin(gatehouse)],
      },
    },
    // The sign-in runs in a popup at the issuer, whose redirect page hands the code back through
    // `window.opener`; `same-origin` would cut that link, so the docs pages opt out of COOP.
    crossOriginOpenerPolicy: false,
  };
}

/**
 * onRoute hook for the docs context: its routes take no options of ours, so set them here, in
 * `config`, because helmet's own onRoute hook (at the root) has already run by then.
 */
export function docsRoutes(gatehouse: Gatehouse): onRouteHookHandler {
  const settings = docsHelmet(gatehouse);
  return (routeOptions) => {
    routeOptions.config = { ...routeOptions.config, helmet: settings };
  };
}
