import type { ApiClient } from '../api.ts';
import type { TokenProvider } from '../auth.ts';
import type { Config } from '../config.ts';
import type { DpopKey } from '../dpop.ts';
import type { ClientCertificate } from '../mtls.ts';

/** What every command gets: the API, the token source, the settings, and where output goes. */
export interface CommandContext {
  api: ApiClient;
  tokens: TokenProvider;
  config: Config;
  /** `--dpop`: this run's DPoP key, which the token is bound to. */
  dpop?: DpopKey | undefined;
  /** `--tls-cert`: the TLS client certificate this run presents, which the token is bound to. */
  mtls?: ClientCertificate | undefined;
  /** `--json`: machine-readable output instead of tables and sentences. */
  json: boolean;
  out(text: string): void;
}

export const TODOS = 'api/todos';

export function itemPath(id: string): string {
  return `${TODOS}/${encodeURIComponent(id)}`;
}

export function notFound(id: string): string {
  return `no to-do item ${id} (or none this client may see); list them with: todo list`;
}
