/**
 * The API's delegated scopes and app permissions, and the two rules built from them
 * (DESIGN.md, "Authorization"). Matching is exact and case-sensitive (the library's).
 */
import { type Requirement, requireScopeOrAppPermission } from 'gatehouse-auth';

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
