/** How `verify(token)` treats a token; a leaf module, so the façade and its interface share it without a cycle. */
export interface VerifyOptions {
  /**
   * A raw token comes without the request that would prove its sender: a DPoP-bound token
   * (`cnf.jkt`) has no proof and a certificate-bound one (`cnf["x5t#S256"]`) no client certificate
   * to check. By default (`'refuse'`) such a token is refused, as `authenticate` refuses it without
   * its proof or certificate. `'caller-checks'` returns its principal: only for code that checks
   * the binding itself (against `principal.claims.cnf`) before trusting the token.
   * @default 'refuse'
   */
  senderConstrained?: 'refuse' | 'caller-checks';
}
