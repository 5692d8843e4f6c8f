// A CommonJS TypeScript module: `import` compiles to `require()` of the ES module build (TypeScript
// 5.8+ with module nodenext types Node's require(esm)).
import { createGatehouse, requireScopes } from 'gatehouse-auth';
import { authenticate } from 'gatehouse-auth/express';
import { expressjwt } from 'gatehouse-auth/express-jwt';
import { gatehouse } from 'gatehouse-auth/fastify';
import { BearerStrategy } from 'gatehouse-auth/passport';
import { auth0, b2c, keycloak } from 'gatehouse-auth/providers';
import { protect as protectRequest } from 'gatehouse-auth/web';

export const loaded: readonly unknown[] = [
  createGatehouse,
  requireScopes,
  gatehouse,
  authenticate,
  BearerStrategy,
  expressjwt,
  auth0,
  b2c,
  keycloak,
  protectRequest,
];
