/**
 * `gatehouse-auth/passport`: passport-azure-ad's `BearerStrategy`, rebuilt on Gatehouse so that
 * code written for it runs with only its require line changed.
 */
export {
  BearerStrategy,
  BearerStrategyError,
  type VerifyCallback,
  type VerifyCallbackWithRequest,
  type VerifyDone,
} from './bearer-strategy.ts';
export type { BearerStrategyOptions } from './options.ts';
