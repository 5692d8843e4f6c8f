import type { Account, AccountClaims } from 'oidc-provider';

/** The development tenant: every token this IdP issues carries it as `tid`. */
export const DEV_TENANT_ID = '3f2b8c1e-7d4a-4e6b-9a51-0d8e2f6c4b17';

export interface DevUser {
  /** What you type on the login form. */
  readonly username: string;
  /** Subject: opaque, like Entra's; the account id inside oidc-provider. */
  readonly sub: string;
  /** Object id: the stable GUID the to-do API stores as the owner. */
  readonly oid: string;
  readonly name: string;
  readonly email: string;
}

// Fixed values so that to-dos created yesterday still belong to alice after a restart or a fresh clone.
export const DEV_USERS: readonly DevUser[] = [
  {
    username: 'alice',
    sub: 'xq3L9vTz1aR0cW4mN8bKpE2sYhU6dGfJ5oQiVnA7lCk',
    oid: '5b1d7e2a-4c3f-4a8e-b6d2-9f0e1a2b3c4d',
    name: 'Alice Example',
    email: 'alice@example.com',
  },
  {
    username: 'bob',
    sub: 'Pm8Rz2kWq5Lx0Bv7Nc4Ty1Hs9Jd3Fg6Ua2Ei8Ko5Yw',
    oid: '9c2e4f6a-8b1d-4c3e-a5f7-0d2b4e6f8a1c',
    name: 'Bob Example',
    email: 'bob@example.com',
  },
];

export function findUserByName(username: string): DevUser | undefined {
  const wanted = username.trim().toLowerCase();
  return DEV_USERS.find((user) => user.username === wanted);
}

export function findUserBySub(sub: string): DevUser | undefined {
  return DEV_USERS.find((user) => user.sub === sub);
}

function claimsOf(user: DevUser): AccountClaims {
  return {
    sub: user.sub,
    oid: user.oid,
    tid: DEV_TENANT_ID,
    name: user.name,
    preferred_username: user.email,
    email: user.email,
    email_verified: true,
  };
}

/** oidc-provider's findAccount: only the seeded users exist. */
export async function findAccount(_ctx: unknown, sub: string): Promise<Account | undefined> {
  const user = findUserBySub(sub);
  if (!user) return undefined;
  return { accountId: user.sub, claims: () => claimsOf(user) };
}
