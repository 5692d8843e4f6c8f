// Microsoft's MSAL Node daemon tutorial (client credentials): App/auth.js. The tutorial's text shows only its MSAL
// code, the five lines marked "tutorial" below (verbatim; `new msal.ConfidentialClientApplication(msalConfig)`
// is printed twice in the tutorial, once here). msalConfig and tokenRequest are not printed: the tutorial says
// they are filled from App/.env, whose placeholders it names. Here they are that configuration, for the
// dev IdP (https mode, profile entra):
//   Enter_the_Application_Id_Here         -> process.env.CLIENT_ID      (todo-daemon)
//   Enter_the_Client_Secret_Here          -> process.env.CLIENT_SECRET
//   Enter_the_Tenant_Subdomain_Here       -> process.env.AUTHORITY      (`${issuer}/${DEV_TENANT_ID}`, Entra's URL layout)
//   Enter_the_Web_Api_Application_Id_Here -> process.env.SCOPE          ('api://todo/.default')
//   knownAuthorities: the authority's host (not in the tutorial: MSAL trusts a non-Microsoft host only when
//   told, instead of asking login.microsoftonline.com for instance discovery)
// The last line (module.exports, for index.cjs) is not printed in the tutorial either.
// Run with NODE_EXTRA_CA_CERTS=<dev IdP data dir>/ca.pem (MSAL refuses http authorities).
const msal = require('@azure/msal-node'); // tutorial

const msalConfig = {
  auth: {
    clientId: process.env.CLIENT_ID,
    authority: process.env.AUTHORITY,
    clientSecret: process.env.CLIENT_SECRET,
    knownAuthorities: [new URL(process.env.AUTHORITY).host],
  },
};

const tokenRequest = {
  scopes: [process.env.SCOPE],
};

const cca = new msal.ConfidentialClientApplication(msalConfig); // tutorial

async function getToken(tokenRequest) { // tutorial
    return await cca.acquireTokenByClientCredential(tokenRequest); // tutorial
} // tutorial

module.exports = { getToken, tokenRequest };
