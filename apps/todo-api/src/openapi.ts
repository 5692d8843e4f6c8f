/**
 * The OpenAPI document (from the routes' schemas, via @fastify/swagger) and the interactive page
 * at `/docs` (@fastify/swagger-ui), whose Authorize button signs in through the issuer with the
 * authorization code flow and PKCE. The issuer's endpoints come from its metadata document once
 * Gatehouse has loaded it; until then the document points at OpenID Connect discovery instead.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { discoveryUrl, type Gatehouse } from 'gatehouse-auth';
import { publicRoutes } from 'gatehouse-auth/fastify';
import type { OpenAPIV3 } from 'openapi-types';
import type { Config } from './config.ts';
import { SCOPE_DESCRIPTIONS } from './permissions.ts';
import { docsHelmet, docsRoutes } from './security-headers.ts';

/** Public client registered for the docs page (the dev IdP knows it). */
export const DOCS_CLIENT_ID = 'todo-docs';
export const DOCS_PREFIX = '/docs';
/**
 * The sign-in redirect URI the docs page uses, as registered for `todo-docs` at the dev IdP.
 * @fastify/swagger-ui would send `/docs/static/oauth2-redirect.html`; `REDIRECT_SCRIPT` points
 * Swagger UI here instead, and this route forwards to the static page (query and fragment kept).
 */
export const DOCS_REDIRECT_PATH = `${DOCS_PREFIX}/oauth2-redirect.html`;

const REDIRECT_SCRIPT = `(function () {
  var bundle = window.SwaggerUIBundle;
  if (typeof bundle !== 'function') return;
  var redirect = new URL(${JSON.stringify(DOCS_REDIRECT_PATH)}, window.location.href).href;
  window.SwaggerUIBundle = Object.assign(function (config) {
    return bundle(Object.assign({}, config, { oauth2RedirectUrl: redirect }));
  }, bundle);
})();
`;

type Document = Record<string, unknown> & { components?: Record<string, unknown> };

function openIdConnectUrl(config: Config): string | undefined {
  if (config.auth.metadataUrl) return config.auth.metadataUrl;
  if (config.auth.issuer) return discoveryUrl(config.auth.issuer);
  return undefined;
}

function endpoint(metadata: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = metadata?.[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The `oauth2` security scheme, with the issuer's endpoints when they are known. */
export function securityScheme(config: Config, gatehouse: Gatehouse): OpenAPIV3.SecuritySchemeObject {
  const metadata = gatehouse.issuerMetadata();
  const authorizationUrl = endpoint(metadata, 'authorization_endpoint');
  const tokenUrl = endpoint(metadata, 'token_endpoint');
  if (authorizationUrl && tokenUrl) {
    return {
      type: 'oauth2',
      description: 'OAuth 2.0 authorization code flow with PKCE against the configured issuer',
      flows: { authorizationCode: { authorizationUrl, tokenUrl, scopes: SCOPE_DESCRIPTIONS } },
    };
  }
  return {
    type: 'openIdConnect',
    description: 'The issuer metadata is not loaded yet; sign-in endpoints come from discovery',
    openIdConnectUrl: openIdConnectUrl(config) ?? '',
  };
}

/** The document with the current security scheme; the cached original is left untouched. */
export function withSecurity(document: Document, config: Config, gatehouse: Gatehouse): Document {
  const components = { ...(document.components ?? {}) };
  components.securitySchemes = { oauth2: securityScheme(config, gatehouse) };
  return { ...document, components };
}

export async function registerOpenApi(
  app: FastifyInstance,
  config: Config,
  gatehouse: Gatehouse,
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'To-do API',
        version: '0.1.0',
        description:
          'The Gatehouse reference API. Users see and change their own items (scopes ToDoList.Read, ' +
          'ToDoList.ReadWrite); applications see every item (app permissions ToDoList.Read.All, ' +
          'ToDoList.ReadWrite.All). Errors are RFC 9457 problem details.',
      },
      tags: [
        { name: 'todos', description: 'To-do items' },
        { name: 'meta', description: 'Service metadata' },
      ],
      components: { securitySchemes: { oauth2: securityScheme(config, gatehouse) } },
    },
    hideUntagged: true,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  // The docs page and its assets come from @fastify/swagger-ui, whose routes take no config of
  // ours: this context opens every route registered in it to anyone.
  await app.register(async (docs) => {
    docs.addHook('onRoute', publicRoutes);
    docs.addHook('onRoute', docsRoutes(gatehouse));
    await docs.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      initOAuth: {
        clientId: DOCS_CLIENT_ID,
        usePkceWithAuthorizationCodeGrant: true,
        scopes: Object.keys(SCOPE_DESCRIPTIONS),
        appName: 'To-do API docs',
      },
      uiConfig: { persistAuthorization: false, deepLinking: true },
      theme: { js: [{ filename: 'oauth2-redirect-url.js', content: REDIRECT_SCRIPT }] },
      transformSpecification: (document) => withSecurity(document as Document, config, gatehouse),
    });
  });
  const hidden = {
    config: { gatehouse: { public: true }, helmet: docsHelmet(gatehouse) },
    schema: { hide: true },
  } as const;
  app.get(DOCS_REDIRECT_PATH, hidden, async (request, reply) => {
    const q = request.url.indexOf('?');
    return reply.redirect(
      `${DOCS_PREFIX}/static/oauth2-redirect.html${q === -1 ? '' : request.url.slice(q)}`,
      302,
    );
  });
}
