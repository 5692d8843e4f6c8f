/**
 * Where one trusted issuer's keys come from. A leaf module: the options (which resolve it) and the
 * key sets (which fetch from it) both need it, and neither should import the other for a type.
 */
export type IssuerSource =
  | { kind: 'discovery'; metadataUrl: string; issuer: string }
  | { kind: 'metadata'; metadataUrl: string; issuer: string | undefined }
  | { kind: 'jwks'; jwksUri: string; issuer: string };
