/** What every route needs, built once by buildApp. */
import type { TodoApi } from './api-client.ts';
import type { Config } from './config.ts';
import type { CookieJar } from './cookies.ts';
import type { Oidc } from './oidc.ts';
import type { SessionCodec } from './session.ts';

export interface AppContext {
  config: Config;
  codec: SessionCodec;
  oidc: Oidc;
  api: TodoApi;
  cookies: CookieJar;
  /** Milliseconds since the epoch; injected by tests. */
  now: () => number;
}
