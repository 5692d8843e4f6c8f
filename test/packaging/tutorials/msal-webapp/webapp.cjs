// Microsoft's MSAL Node web app tutorial (sign in, acquire a token, call an API): the tutorial's text is its
// overview and holds no code, so this follows the steps it lists with MSAL Node's
// ConfidentialClientApplication and the authorization code flow: the app builds the sign-in URL
// (getAuthCodeUrl), the user signs in, the app redeems the code (acquireTokenByCode) for an access
// token with the API's scopes, and calls the API with "Authorization: Bearer <token>".
// Not a browser: the dev IdP's `signIn` plays the user's browser on its login form and returns the
// URL the IdP redirects back to (where the web app's /auth/redirect route would read the code).
// Configuration (the values its .env/authConfig would hold): CLIENT_ID, CLIENT_SECRET, AUTHORITY
// (`${issuer}/${DEV_TENANT_ID}`), knownAuthorities (its host), REDIRECT_URI, SCOPES (space-separated).
// Run with NODE_EXTRA_CA_CERTS=<dev IdP data dir>/ca.pem. Prints one JSON line (never a token).
const msal = require('@azure/msal-node');
const { signIn } = require('gatehouse-dev-idp');

const msalConfig = {
  auth: {
    clientId: process.env.CLIENT_ID,
    authority: process.env.AUTHORITY,
    clientSecret: process.env.CLIENT_SECRET,
    knownAuthorities: [new URL(process.env.AUTHORITY).host],
  },
};
const scopes = process.env.SCOPES.split(' ');
const redirectUri = process.env.REDIRECT_URI;

const cca = new msal.ConfidentialClientApplication(msalConfig);
const cryptoProvider = new msal.CryptoProvider();

async function main() {
  // GET /auth/signin: PKCE codes and state, then redirect the browser to the authorization URL.
  const { verifier, challenge } = await cryptoProvider.generatePkceCodes();
  const state = cryptoProvider.createNewGuid();
  const authCodeUrl = await cca.getAuthCodeUrl({
    scopes,
    redirectUri,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    state,
  });
  const redirectedTo = await signIn(authCodeUrl, { user: process.env.SIGN_IN_USER, redirectUri });
  // GET /auth/redirect: check the state, redeem the code.
  if (redirectedTo.searchParams.get('state') !== state) throw new Error('state mismatch');
  const tokenResponse = await cca.acquireTokenByCode({
    code: redirectedTo.searchParams.get('code'),
    scopes,
    redirectUri,
    codeVerifier: verifier,
  });
  // Call API: the access token as a bearer token.
  const response = await fetch(process.env.API_URL, {
    method: process.env.API_METHOD || 'GET',
    headers: { Authorization: `Bearer ${tokenResponse.accessToken}`, 'Content-Type': 'application/json' },
    body: process.env.API_METHOD === 'POST' ? JSON.stringify({ description: 'from the web app' }) : undefined,
  });
  console.log(
    JSON.stringify({
      username: tokenResponse.account.username,
      scopes: tokenResponse.scopes,
      status: response.status,
      body: await response.text(),
    }),
  );
}

main().catch((error) => {
  console.log(
    JSON.stringify({ error: error.errorCode || error.name, message: String(error.message).split('\n')[0] }),
  );
  process.exitCode = 1;
});
