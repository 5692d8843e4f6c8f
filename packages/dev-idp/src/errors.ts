/** Stable codes: callers switch on `code`, the message is for people. */
export type DevIdpErrorCode =
  | 'ERR_DEV_IDP_PRODUCTION'
  | 'ERR_DEV_IDP_OPTION'
  | 'ERR_DEV_IDP_DATA'
  | 'ERR_DEV_IDP_DISCOVERY'
  | 'ERR_DEV_IDP_TOKEN_REQUEST'
  | 'ERR_DEV_IDP_SIGN_IN'
  | 'ERR_DEV_IDP_HTTPS';

export interface DevIdpErrorDetails {
  /** HTTP status the identity provider answered with, when it answered. */
  status?: number;
  /** OAuth 2.0 `error` code from the identity provider's answer (e.g. `invalid_client`). */
  error?: string;
  cause?: unknown;
}

export class DevIdpError extends Error {
  readonly code: DevIdpErrorCode;
  readonly status: number | undefined;
  readonly error: string | undefined;

  constructor(code: DevIdpErrorCode, message: string, details: DevIdpErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DevIdpError';
    this.code = code;
    this.status = details.status;
    this.error = details.error;
  }
}
