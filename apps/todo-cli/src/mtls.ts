/**
 * Mutual TLS (RFC 8705): the TLS client certificate this process presents, to the identity
 * provider's token endpoint (which binds the token to it, `cnf["x5t#S256"]`, and may authenticate
 * the client by it) and to the API (which accepts that token only over a connection presenting the
 * same certificate). Node's global fetch cannot present a client certificate without an extra
 * package, so this is a small fetch over node:https, for the few requests the CLI makes.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { usageError } from './errors.ts';
import { readPem } from './keys.ts';

export interface ClientCertificate {
  /** PEM. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
  /** SHA-256 thumbprint, base64url: what a token bound to it carries as `cnf["x5t#S256"]` (§3.1). */
  readonly thumbprint: string;
}

/** Reads the certificate and its key, and checks they belong together before anything is sent. */
export async function loadClientCertificate(certFile: string, keyFile: string): Promise<ClientCertificate> {
  const [certPem, keyPem] = await Promise.all([
    readPem(certFile, 'TLS client certificate'),
    readPem(keyFile, 'TLS client key'),
  ]);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw usageError(`TLS client certificate: ${certFile} is not a PEM certificate`);
  }
  let matches: boolean;
  try {
    const spki = createPublicKey(createPrivateKey(keyPem)).export({ format: 'der', type: 'spki' });
    matches = spki.equals(cert.publicKey.export({ format: 'der', type: 'spki' }));
  } catch {
    throw usageError(
      `TLS client key: ${keyFile} is not a PEM private key (encrypted keys are not supported)`,
    );
  }
  if (!matches) throw usageError(`TLS client key: ${keyFile} is not the key of ${certFile}`);
  return {
    cert: certPem,
    key: keyPem,
    thumbprint: createHash('sha256').update(cert.raw).digest('base64url'),
  };
}

/** The part of fetch's `RequestInit` the CLI uses (and openid-client's `customFetch` passes). */
export interface MtlsRequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: string | URLSearchParams | ArrayBuffer | ArrayBufferView | ReadableStream | null;
  redirect?: RequestRedirect;
  signal?: AbortSignal | null;
}

export type MtlsFetch = (input: string | URL, init?: MtlsRequestInit) => Promise<Response>;

async function bodyOf(body: MtlsRequestInit['body'], headers: Headers): Promise<string | Buffer | undefined> {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type'))
      headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return body.toString();
  }
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof ReadableStream) return Buffer.from(await new Response(body).arrayBuffer());
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function responseHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

/** Statuses whose Response may not have a body (Fetch standard). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A fetch that presents `certificate` in every TLS handshake. https only (a certificate cannot be
 * presented over plain http); redirects are never followed, as the CLI's own requests ask.
 */
export function mtlsFetch(certificate: ClientCertificate): MtlsFetch {
  return async (input, init = {}) => {
    const url = new URL(input);
    if (url.protocol !== 'https:')
      throw new TypeError(`mutual TLS needs an https URL, not ${url.protocol}//${url.host}`);
    const headers = new Headers(init.headers);
    const body = await bodyOf(init.body, headers);
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(headers.entries()),
          cert: certificate.cert,
          key: certificate.key,
          // Each call its own connection: no pooled socket outlives the command.
          agent: false,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (init.redirect === 'error' && status >= 300 && status < 400) {
            res.resume();
            reject(
              new TypeError('fetch failed', { cause: new Error(`redirect to ${res.headers.location}`) }),
            );
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve(
              new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), {
                status,
                statusText: res.statusMessage ?? '',
                headers: responseHeaders(res.headers),
              }),
            ),
          );
        },
      );
      // As fetch does: a network failure is `TypeError: fetch failed` with the system error as cause.
      req.on('error', (error) =>
        reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })),
      );
      req.end(body);
    });
  };
}
