/**
 * The to-do API's tokens from the shared in-process test issuer (gatehouse-test-support/issuer):
 * real RS256 tokens for `api://todo`, shaped as Entra shapes a user's (`scp`) and an app's
 * (`roles`, `idtyp: app`). Gatehouse verifies them exactly as it verifies the dev IdP's.
 */
import { TestIssuer as SharedTestIssuer } from 'gatehouse-test-support/issuer';
import type { JWTPayload } from 'jose';

export interface TestIssuer {
  issuer: string;
  /** A user token (`scp`), `oid` = `user`, aud `api://todo`. */
  userToken(user: string, scopes?: string, extra?: JWTPayload): Promise<string>;
  /** An app token (`roles`, `idtyp: app`). */
  appToken(roles?: string[], extra?: JWTPayload): Promise<string>;
  sign(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

const TENANT = '11111111-2222-3333-4444-555555555555';

export async function startTestIssuer(): Promise<TestIssuer> {
  const shared = await SharedTestIssuer.start(['RS256'], { audience: 'api://todo' });
  const issuer = shared.url;

  /** Signs `claims` over defaults (iss, aud api://todo, iat, exp in 10 minutes); claims win. */
  const sign = (claims: JWTPayload): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return shared.signClaims({ iss: issuer, aud: shared.audience, iat: now, exp: now + 600, ...claims });
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
    close: () => shared.close(),
  };
}
