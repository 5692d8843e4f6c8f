/**
 * `verify(token)` without a request (RFC 9449 §7.2, RFC 8705 §3): a sender-constrained token is
 * only as good as the proof of its sender, which a raw token lacks. Refused the way the request
 * path refuses such a token sent without its proof or certificate, so a stolen bound token is not
 * accepted by an integration that forgot the binding.
 */
import type { Principal } from '../principal.ts';
import { boundThumbprint } from './binding.ts';
import { CertificateBindingError, certificateThumbprint } from './certificate.ts';
import { DpopTokenError } from './errors.ts';

/** Throws for a DPoP-bound or certificate-bound principal; returns it otherwise. */
export function refuseUnprovenSender(principal: Principal): Principal {
  if (boundThumbprint(principal) !== undefined) {
    throw new DpopTokenError('ERR_DPOP_BOUND_TOKEN_AS_BEARER', {
      description: 'A DPoP-bound token must be sent with the DPoP scheme and a proof',
      detail: "token with cnf.jkt passed to verify(), which checks no proof (senderConstrained: 'refuse')",
    });
  }
  if (certificateThumbprint(principal) !== undefined) {
    throw new CertificateBindingError({
      description: 'The access token is bound to a client certificate, and none was presented',
      detail:
        "token with cnf.x5t#S256 passed to verify(), which sees no certificate (senderConstrained: 'refuse')",
    });
  }
  return principal;
}
