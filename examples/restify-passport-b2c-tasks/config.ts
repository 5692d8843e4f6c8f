// The tutorial's config.js, read from the environment instead of edited in place (so nothing secret is
// committed, as the tutorial itself warns).
function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(
      `restify-passport-b2c-tasks: set ${name} (see examples/restify-passport-b2c-tasks/README.md)`,
    );
    process.exit(1);
  }
  return value;
}

const clientID = required('CLIENT_ID');

export const creds = {
  // The client ID of this web API.
  clientID,
  // The task store (SQLite) instead of mongoose_auth_local: a file, or ':memory:' (the default).
  database: process.env.DATABASE ?? ':memory:',
  // Who the tokens must be for. The tutorial's comment says "the Client ID of the application that is
  // calling your API" — that is wrong: it is this API's own client ID, so that is the default.
  audience: process.env.AUDIENCE ?? clientID,
  // The B2C user flow's metadata document, e.g. https://contoso.b2clogin.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=B2C_1_signupsignin1
  identityMetadata: required('IDENTITY_METADATA'),
  tenantName: process.env.TENANT_NAME,
  // The policy whose tokens are accepted (e.g. B2C_1_signupsignin1).
  policyName: required('POLICY_NAME'),
  validateIssuer: true,
  passReqToCallback: false,
};
