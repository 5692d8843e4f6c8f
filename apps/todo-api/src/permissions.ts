/**
 * The API's delegated scopes and app permissions, and the two rules built from them, read and
 * write: a user's token must carry one of the rule's delegated scopes (`scp`), an app's token one
 * of its application permissions (`roles`). Matching is exact and case-sensitive (the library's).
 */
import {
  type Requirement,
  requireAuthContext,
  requireAuthentication,
  requireScopeOrAppPermission,
} from 'gatehouse-auth';
import type { StepUpConfig } from './config.ts';

export const SCOPES = {
  read: 'ToDoList.Read',
  readWrite: 'ToDoList.ReadWrite',
} as const;

export const APP_PERMISSIONS = {
  readAll: 'ToDoList.Read.All',
  readWriteAll: 'ToDoList.ReadWrite.All',
} as const;

export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [SCOPES.read]: 'Read your to-do items',
  [SCOPES.readWrite]: 'Read and change your to-do items',
};

/** Read: any of the two scopes or the two app permissions. */
export const canRead: Requirement = requireScopeOrAppPermission({
  scopes: [SCOPES.read, SCOPES.readWrite],
  appPermissions: [APP_PERMISSIONS.readAll, APP_PERMISSIONS.readWriteAll],
});

/** Write: `ToDoList.ReadWrite` for users, `ToDoList.ReadWrite.All` for apps. */
export const canWrite: Requirement = requireScopeOrAppPermission({
  scopes: [SCOPES.readWrite],
  appPermissions: [APP_PERMISSIONS.readWriteAll],
});

/**
 * RFC 9470 step-up for users (`STEP_UP_ACR` / `STEP_UP_MAX_AGE`): a user's token must show the
 * sign-in `stepUp` asks for, else 401 `insufficient_user_authentication` names it. Apps pass:
 * a client-credentials token records no user sign-in (no `acr`, no `auth_time`), and no sign-in
 * could ever give it one, so demanding it would only lock daemons out of deleting.
 */
export function userStepUp(stepUp: StepUpConfig): Requirement {
  const users = requireAuthentication(stepUp);
  return {
    description: `${users.description} (users only)`,
    check: (principal) => (principal.isApp ? undefined : users.check(principal)),
  };
}

/**
 * Microsoft Entra authentication context for users (`STEP_UP_AUTH_CONTEXT`): the token must list
 * the context in `acrs`. A client that declared the `cp1` capability (`xms_cc`) is answered with a
 * claims challenge (401 `insufficient_claims`) it can turn into a new sign-in; others get a 403.
 * Apps pass, for the reason `userStepUp` gives.
 */
export function userAuthContext(id: string): Requirement {
  const users = requireAuthContext(id);
  return {
    description: `${users.description} (users only)`,
    check: (principal) => (principal.isApp ? undefined : users.check(principal)),
  };
}
