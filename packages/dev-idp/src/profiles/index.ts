import { auth0Profile } from './auth0.ts';
import { b2cProfile } from './b2c.ts';
import { entraProfile } from './entra.ts';
import { keycloakProfile } from './keycloak.ts';
import type { Profile, ProfileName } from './types.ts';

const builders: Record<ProfileName, (origin: string) => Profile> = {
  entra: entraProfile,
  b2c: b2cProfile,
  auth0: auth0Profile,
  keycloak: keycloakProfile,
};

/** The profile's authorities for an IdP serving at `origin` (scheme, host and port; no path). */
export function buildProfile(name: ProfileName, origin: string): Profile {
  return builders[name](origin);
}
