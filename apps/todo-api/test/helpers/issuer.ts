/**
 * A minimal OpenID issuer for in-process tests: a real HTTP server on loopback serving discovery
 * and a JWKS, and real RS256 tokens signed with jose. Only the network edge is local; Gatehouse
 * verifies these tokens exactly as it verifies the dev IdP's.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';

export interface TestIssuer {
  issuer: string;
  /** A user token (`scp`), `oid` = `user`, aud `api://todo`. */
  userToken(user: string, scopes?: string, extra?: JWTPayload): Promise<string>;
  /** An app token (`roles`, `idtyp: app`). */
  appToken(roles?: string[], extra?: JWTPayload): Promise<string>;
  sign(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

export const TENANT = '11111111-2222-3333-4444-555555555555';

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? {
            issuer,
            jwks_uri: `${issuer}/jwks`,
            authorization_endpoint: `${issuer}/auth`,
            token_endpoint: `${issuer}/token`,
          }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? {}));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** Signs `claims` over defaults (iss, aud api://todo, iat, exp in 10 minutes); claims win. */
  const sign = (claims: JWTPayload): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: issuer, aud: 'api://todo', iat: now, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'at+jwt' })
      .sign(privateKey);
  };

  return {
    issuer,
    sign,
    userToken: (user, scopes = 'ToDoList.Read ToDoList.ReadWrite', extra = {}) =>
      sign({
        sub: `sub-${user}`,
        oid: user,
        tid: TENANT,
        azp: 'todo-web',
        ver: '2.0',
        scp: scopes,
        ...extra,
      }),
    appToken: (roles = ['ToDoList.Read.All', 'ToDoList.ReadWrite.All'], extra = {}) =>
      sign({ sub: 'daemon', oid: 'daemon', tid: TENANT, azp: 'todo-daemon', idtyp: 'app', roles, ...extra }),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
