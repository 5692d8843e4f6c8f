/** How `authenticate` treats a request; a leaf module, so the DPoP gate and the façade share it without a cycle. */
export interface AuthenticateOptions {
  /** Let a request without a token through as anonymous (`null`). A bad token is still refused. */
  optional?: boolean;
}
