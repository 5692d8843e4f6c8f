// Seed 003 (MSAL Node daemon, client credentials): App/auth.js. The seed's text shows its MSAL code
// (the three lines marked "seed") and says its configuration comes from App/.env; msalConfig and
// tokenRequest below are that configuration, filled for the dev IdP (https mode, profile entra):
//   config: auth.clientId     'Enter_the_Application_Id_Here'          -> process.env.CLIENT_ID
//   config: auth.clientSecret 'Enter_the_Client_Secret_Here'           -> process.env.CLIENT_SECRET
//   config: auth.authority    'https://Enter_the_Tenant_Subdomain_Here.ciamlogin.com/' -> process.env.AUTHORITY
//           (`${issuer}/${DEV_TENANT_ID}`, Entra's URL layout)
//   config: auth.knownAuthorities [host of the authority] (added: MSAL trusts a non-Microsoft host
//           only when told, instead of asking login.microsoftonline.com for instance discovery)
//   config: tokenRequest.scopes ['api://Enter_the_Web_Api_Application_Id_Here/.default'] -> [process.env.SCOPE]
// Run with NODE_EXTRA_CA_CERTS=<dev IdP data dir>/ca.pem (MSAL refuses http authorities).
const msal = require('@azure/msal-node'); // seed

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

const cca = new msal.ConfidentialClientApplication(msalConfig); // seed

async function getToken(tokenRequest) { // seed
    return await cca.acquireTokenByClientCredential(tokenRequest); // seed
} // seed

module.exports = { getToken, tokenRequest };
