import type { RequestHandler } from 'express';

/**
 * The little of the `cors` package this API needs (the package is not installed here): an exact
 * allow-list of origins, never `*`. A browser may read answers only for those origins, and a
 * preflight from any other origin is refused (403). No cookies are involved — the SPA sends its
 * token in the Authorization header — so `Access-Control-Allow-Credentials` is never sent.
 */
export interface CorsOptions {
  /** Allowed origins, exactly as browsers send them: `https://app.example.com`, `http://localhost:5173`. */
  origins: readonly string[];
  /** @default ['GET', 'POST'] */
  methods?: readonly string[];
  /** @default ['Authorization', 'Content-Type'] */
  allowedHeaders?: readonly string[];
  /** Preflight cache, seconds. @default 600 */
  maxAge?: number;
}

function checkOrigin(origin: string): string {
  const url = URL.parse(origin);
  if (!url || origin === '*' || url.origin !== origin) {
    throw new TypeError(`cors: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path)`);
  }
  return origin;
}

export function cors(options: CorsOptions): RequestHandler {
  const origins = new Set(options.origins.map(checkOrigin));
  const methods = (options.methods ?? ['GET', 'POST']).join(', ');
  const allowedHeaders = (options.allowedHeaders ?? ['Authorization', 'Content-Type']).join(', ');
  const maxAge = String(options.maxAge ?? 600);
  return (req, res, next) => {
    // The answer depends on Origin, so caches must keep one per origin.
    res.vary('Origin');
    const origin = req.headers.origin;
    const allowed = origin !== undefined && origins.has(origin);
    if (allowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      // So the SPA can read why a request was refused.
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    }
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!preflight) return next();
    if (!allowed) {
      res.status(403).end();
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', methods);
    res.setHeader('Access-Control-Allow-Headers', allowedHeaders);
    res.setHeader('Access-Control-Max-Age', maxAge);
    res.status(204).end();
  };
}

/**
 * What the tutorial's `cors()` (no arguments) becomes here: the origins listed in CORS_ORIGINS
 * (comma-separated) instead of any origin.
 */
export function corsFromEnvironment(): RequestHandler {
  const origins = (process.env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  return cors({ origins });
}
