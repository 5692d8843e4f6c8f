/** Why a remote document could not be had; kept for `/ready` details and the log. */
export class FetchFailure extends Error {
  readonly url: string;
  constructor(url: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'FetchFailure';
    this.url = url;
  }
}

export interface FetchJsonOptions {
  /** Milliseconds before the request is abandoned. */
  timeout: number;
  /** Bytes; metadata and key sets are small, a huge answer is an attack or a mistake. */
  maxBytes: number;
  /** Replaceable for tests of the transport only. */
  fetch?: typeof fetch;
}

/** Why a request got no answer: its deadline, or the network's own reason. */
function requestFailure(cause: unknown, timeout: number): string {
  return cause instanceof Error && cause.name === 'TimeoutError'
    ? `timed out after ${timeout} ms`
    : `request failed (${describe(cause)})`;
}

/** GETs a JSON object over http(s) with a hard deadline, refusing redirects and oversized bodies. */
export async function fetchJsonObject(
  url: string,
  options: FetchJsonOptions,
): Promise<Record<string, unknown>> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: { accept: 'application/json' },
      // A redirect could take us to a host the URL policy never saw.
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeout),
    });
  } catch (cause) {
    throw new FetchFailure(url, `GET ${url}: ${requestFailure(cause, options.timeout)}`, cause);
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw new FetchFailure(url, `GET ${url}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > options.maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new FetchFailure(url, `GET ${url}: body of ${declared} bytes exceeds ${options.maxBytes}`);
  }
  let text: string;
  try {
    text = await readLimited(response, options.maxBytes);
  } catch (cause) {
    throw new FetchFailure(url, `GET ${url}: ${describe(cause)}`, cause);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new FetchFailure(url, `GET ${url}: body is not JSON`, cause);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FetchFailure(url, `GET ${url}: body is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** What a form POST answered: the status, and the body when it was a JSON object. */
export interface FormPostAnswer {
  status: number;
  /** The parsed body; undefined when it was empty, not JSON, or not an object. */
  body: Record<string, unknown> | undefined;
}

/**
 * POSTs an `application/x-www-form-urlencoded` body (RFC 7662 §2.1 introspection requests) with
 * the same rules as `fetchJsonObject`: a hard deadline, no redirects, a bounded answer. Any
 * status comes back for the caller to judge; only a transport failure throws `FetchFailure`.
 * Neither the body nor the headers ever appear in an error: they carry tokens and credentials.
 */
export async function postForm(
  url: string,
  form: URLSearchParams,
  headers: Record<string, string>,
  options: FetchJsonOptions,
): Promise<FormPostAnswer> {
  const doFetch = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      },
      body: form.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeout),
    });
  } catch (cause) {
    throw new FetchFailure(url, `POST ${url}: ${requestFailure(cause, options.timeout)}`);
  }
  let text: string;
  try {
    const declared = Number(response.headers.get('content-length'));
    if (declared > options.maxBytes) throw new Error(`body of ${declared} bytes exceeds ${options.maxBytes}`);
    text = await readLimited(response, options.maxBytes);
  } catch (cause) {
    await response.body?.cancel().catch(() => {});
    throw new FetchFailure(url, `POST ${url}: HTTP ${response.status}, ${describe(cause)}`);
  }
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`body exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
    return `${cause.message}${inner}`;
  }
  return String(cause);
}
