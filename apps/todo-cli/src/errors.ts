/**
 * Exit codes and the one error type the CLI reports without a stack trace. Scripts switch on the
 * exit code, people read the message; both are part of the CLI's contract (see README).
 */
export const EXIT = {
  ok: 0,
  /** The API or the identity provider answered with an error not listed below; anything unexpected. */
  error: 1,
  /** Bad command line or configuration: nothing was sent. */
  usage: 2,
  /** The identity provider refused this client (wrong secret or key), or the API refused its token. */
  auth: 3,
  /** The API says this client lacks the permission (403). */
  forbidden: 4,
  /** No such to-do item, or one this client may not see (404). */
  notFound: 5,
  /** The API or the identity provider could not be reached, or is unavailable (503). */
  unreachable: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An expected failure: one line on stderr, no stack, and a meaningful exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

// Errors whose code says the peer's certificate was not trusted or did not match.
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

export interface NetworkFailure {
  /** `ECONNREFUSED`, `ENOTFOUND`, `TIMEOUT`, a TLS code such as `UNABLE_TO_VERIFY_LEAF_SIGNATURE`... */
  code: string;
  /** The server answered but its certificate is not trusted (or names another host). */
  tls: boolean;
}

/**
 * Recognises a failure to talk to a server at all (as opposed to an answer we did not like):
 * fetch's `TypeError: fetch failed` with a system or TLS error somewhere down its `cause` chain,
 * or a timeout.
 */
export function networkFailure(error: unknown): NetworkFailure | undefined {
  let current: unknown = error;
  let sawFetchFailure = false;
  let innermost = 'network error';
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current.name === 'TimeoutError' || current.name === 'AbortError') {
      return { code: 'TIMEOUT', tls: false };
    }
    const code = 'code' in current && typeof current.code === 'string' ? current.code : undefined;
    if (code && TLS_CODE.test(code)) return { code, tls: true };
    if (code && /^E[A-Z]+$|^UND_ERR_/.test(code)) return { code, tls: false };
    if (current instanceof TypeError && current.message === 'fetch failed') sawFetchFailure = true;
    else if (sawFetchFailure && current.message) innermost = current.message;
    current = current.cause;
  }
  // e.g. fetch's "bad port" for the ports browsers never connect to.
  return sawFetchFailure ? { code: printable(innermost), tls: false } : undefined;
}

/**
 * Text that came from a server or a file, made safe to print on a terminal: control characters
 * (escape sequences could rewrite the screen or the title bar) become U+FFFD.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}
