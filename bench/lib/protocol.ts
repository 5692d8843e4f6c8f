/** What the orchestrator tells a server process, and what it answers (over the IPC channel). */
import type { Claims } from './jwt.ts';

export interface ServerConfig {
  /** The `iss` of every token; discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  metadataUrl: string;
  jwksUri: string;
  /** The same discovery document over https (passport-azure-ad); absent when none could be served. */
  httpsMetadataUrl: string | undefined;
  audience: string;
  /** The delegated scope every protected route requires. */
  scope: string;
  /** Gatehouse's verified-token cache (`cache: { enabled }`); peers keep their own defaults. */
  cache: boolean;
  /**
   * DPoP required (RFC 9449): tokens come with the DPoP scheme and a proof. Set by the `*-dpop`
   * server modules, never by the orchestrator: a row is one module.
   */
  dpop?: boolean;
  /** The to-do API cases: where its SQLite file goes, and whose items to seed. */
  todo?: TodoConfig;
}

export interface TodoConfig {
  dbPath: string;
  /** The claims of the bench token (its caller owns the seeded items). */
  claims: Claims;
  items: number;
}

export interface Started {
  port: number;
  close(): Promise<void>;
}

export type StartServer = (config: ServerConfig) => Promise<Started>;

/** `memory`: collect garbage first when the process has `--expose-gc`; `resetPeak` starts a new peak. */
export type ToServer = { type: 'cpu' } | { type: 'close' } | { type: 'memory'; resetPeak: boolean };

export interface MemoryReport {
  type: 'memory';
  collected: boolean;
  rss: number;
  /** Highest RSS sampled (every 20 ms) since the last reset. */
  peakRss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  spaces: { name: string; committed: number; used: number }[];
}

export type FromServer =
  | { type: 'listening'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'cpu'; user: number; system: number; rss: number }
  | MemoryReport;
