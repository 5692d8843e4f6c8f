// The config.js of Microsoft's tutorial "Azure AD B2C: Secure a web API by using Node.js". Only configuration values differ from the tutorial (marked "was:"); the tutorial's
// text is not valid JavaScript as printed: its clientID and policyName lines lack the comma after
// them, and the placeholders are not values (the two commas are the only other change).
// Don't commit this file to your public repos. This config is for first-run
exports.creds = {
clientID: process.env.CLIENT_ID, // was: <your client ID for this Web API you created in the portal>   (no comma)
mongoose_auth_local: 'mongodb://localhost/tasklist', // Your mongo auth uri goes here
audience: process.env.AUDIENCE, // was: '<your audience URI>', // the Client ID of the application that is calling your API, usually a web API or native client
identityMetadata: process.env.IDENTITY_METADATA, // was: 'https://login.microsoftonline.com/<tenant name>/.well-known/openid-configuration', // Make sure you add the B2C tenant name in the <tenant name> area
tenantName: process.env.TENANT_NAME, // was: '<tenant name>',
policyName: process.env.POLICY_NAME, // was: 'b2c_1_<sign in policy name>' (no comma) // This is the policy you'll want to validate against in B2C. Usually this is your Sign-in policy (as users sign in to this API)
passReqToCallback: false // This is a node.js construct that lets you pass the req all the way back to any upstream caller. We turn this off as there is no upstream caller.
};
