/** passport-azure-ad's BearerStrategy as the bench configures it (the package ships no types). */
declare module 'passport-azure-ad' {
  import type { Request } from 'express';
  import type { Strategy } from 'passport';

  export interface BearerStrategyOptions {
    /** Must be an https URL. */
    identityMetadata: string;
    clientID: string;
    audience?: string | string[];
    validateIssuer?: boolean;
    issuer?: string | string[];
    isB2C?: boolean;
    policyName?: string;
    /** Accepted delegated scopes (`scp`): any one. */
    scope?: string[];
    passReqToCallback?: false;
    loggingLevel?: 'info' | 'warn' | 'error';
    loggingNoPII?: boolean;
    clockSkew?: number;
  }

  export type VerifyDone = (error: Error | null, user?: unknown, info?: unknown) => void;

  export class BearerStrategy implements Strategy {
    constructor(
      options: BearerStrategyOptions,
      verify: (token: Record<string, unknown>, done: VerifyDone) => void,
    );
    name: string;
    authenticate(req: Request, options?: object): void;
  }
}
