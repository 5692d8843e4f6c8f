/**
 * What a fragment assumes, by name. A README block that uses names it does not declare (an Express
 * `app`, a Gatehouse `gh`) says so with `<!-- context: name, ... -->` above it; the preludes named
 * are put before the block when it is type-checked, and nothing else is: a name no prelude gives is
 * a type error, so a fragment cannot lean on more than its marker says.
 *
 * Preludes import what a reader's file would import and `declare` the rest: they describe the
 * surroundings of the reader's code, so fragments are type-checked, never run. A prelude name that
 * the block declares too is a collision the type check reports.
 */
interface Context {
  /** One line for whoever reads the marker and wonders what it stands for. */
  readonly says: string;
  readonly code: string;
}

export const CONTEXTS: Readonly<Record<string, Context>> = {
  'express-app': {
    says: 'an Express application `app` and a route handler `handler`',
    code: `declare const app: import('express').Express;
declare const handler: import('express').RequestHandler;
`,
  },
  'fastify-app': {
    says: 'a Fastify instance `app` and a route handler `handler`',
    code: `declare const app: import('fastify').FastifyInstance;
declare const handler: import('fastify').RouteHandlerMethod;
`,
  },
  'hono-app': {
    says: 'a Hono application `app`',
    code: `declare const app: import('hono').Hono;
`,
  },
  gatehouse: {
    says: 'a Gatehouse `gh` and the requirement builders, as the blocks above create and import them',
    code: `import { requireAuthentication, requireScopes } from 'gatehouse-auth';
declare const gh: import('gatehouse-auth').Gatehouse;
`,
  },
  'issuer-config': {
    says: 'the API\u2019s configuration: `issuer` and `audience` strings',
    code: `declare const issuer: string;
declare const audience: string;
`,
  },
  'in-handler': {
    says: 'inside a route handler: the request\u2019s `principal`',
    code: `declare const principal: import('gatehouse-auth').Principal;
`,
  },
  'node-http': {
    says: '`createServer` from node:http',
    code: `import { createServer } from 'node:http';
`,
  },
  'swagger-ui': {
    says: 'the `@fastify/swagger-ui` plugin as `swaggerUi`',
    code: `import swaggerUi from '@fastify/swagger-ui';
`,
  },
  passport: {
    says: 'passport, and passport-azure-ad\u2019s `options` object',
    code: `import passport from 'passport';
declare const options: import('gatehouse-auth/passport').BearerStrategyOptions;
`,
  },
  'prom-counter': {
    says: 'a Prometheus counter `refusals` (prom-client\u2019s `Counter`)',
    code: `declare const refusals: { inc(labels: Record<string, string>): void };
`,
  },
  msal: {
    says: 'MSAL Node\u2019s `ConfidentialClientApplication`',
    code: `import { ConfidentialClientApplication } from '@azure/msal-node';
`,
  },
  'dev-idp': {
    says: 'the dev IdP\u2019s exports, as the first block of its README imports them',
    code: `import { getAppToken, getUserToken, startDevIdp } from 'gatehouse-dev-idp';
`,
  },
  'running-dev-idp': {
    says: 'a running dev IdP `idp`, and `claimsFromHeader`, the `claims` of an API\u2019s challenge',
    code: `declare const idp: import('gatehouse-dev-idp').DevIdp;
declare const claimsFromHeader: string;
`,
  },
};

/** `declare const x: T;` as JavaScript can say it: a JSDoc cast of nothing to `T`. */
function asJavaScript(code: string): string {
  return code.replace(
    /^declare const (\w+): (.+);$/gm,
    (_, name: string, type: string) =>
      `const ${name} = /** @type {${type}} */ (/** @type {unknown} */ (undefined));`,
  );
}

export function contextPrelude(names: readonly string[], javascript: boolean): string {
  return names
    .map((name) => {
      const context = CONTEXTS[name];
      if (!context) throw new Error(`unknown context "${name}"; known: ${Object.keys(CONTEXTS).join(', ')}`);
      return javascript ? asJavaScript(context.code) : context.code;
    })
    .join('');
}
