/** What every route needs, built once by buildApp. */
import type { TodoApi } from './api-client.ts';
import type { Config } from './config.ts';
import type { CookieJar } from './cookies.ts';
import type { Oidc } from './oidc.ts';
import type { RevokedSessions } from './revoked-sessions.ts';
import type { SessionCodec } from './session.ts';

export interface AppContext {
  config: Config;
  codec: SessionCodec;
  oidc: Oidc;
  api: TodoApi;
  cookies: CookieJar;
  /** Sessions signed out on this instance; their cookies are refused even if copied before. */
  revoked: RevokedSessions;
  /** Milliseconds since the epoch; injected by tests. */
  now: () => number;
}
