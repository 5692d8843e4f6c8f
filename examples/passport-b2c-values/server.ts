// Microsoft's tutorial "Secure a Node.js web API by using Azure Active Directory B2C", as it is written,
// with passport-azure-ad's BearerStrategy replaced by Gatehouse's. Differences from the tutorial, each
// marked below: the import line; configuration from the environment instead of literals; morgan
// (not installed) left out; TypeScript annotations; and the optional MFA check without its bug.
import express from 'express';
// var BearerStrategy = require('passport-azure-ad').BearerStrategy;
import { BearerStrategy, type VerifyDone } from 'gatehouse-auth/passport';
import type { JWTPayload } from 'jose';
import passport from 'passport';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`passport-b2c-values: set ${name} (see examples/passport-b2c-values/README.md)`);
    process.exit(1);
  }
  return value;
}

// The tutorial's literals, from the environment: the user flow's metadata URL and the API's application ID.
var identityMetadata = required('IDENTITY_METADATA');
var clientID = required('CLIENT_ID');
// Section 6 of the tutorial: when set, /api/values also requires a token from this policy (e.g. B2C_1_mfa).
var requiredPolicy = process.env.REQUIRED_POLICY;

// Initializing express.js
var app = express();
// app.use(morgan('dev'));  -- morgan is not installed here; request logging left out.

// Set CORS, so the REST API can be called from different domain
// (`*` is safe here: the credential is the Authorization header a caller must hold, never a cookie,
// and Access-Control-Allow-Credentials is not sent.)
app.use(function (_req, res, next) {
  res.header('Access-Control-Allow-Origin', '*');
  res.header('Access-Control-Allow-Headers', 'Authorization, Origin, X-Requested-With, Content-Type, Accept');
  next();
});

// Authentication with passport options
var options = {
  identityMetadata: identityMetadata,
  clientID: clientID,
  validateIssuer: true,
  loggingLevel: 'info' as const,
  passReqToCallback: false,
};

// Initialize the passport-azure-ad
var bearerStrategy = new BearerStrategy(options, function (token: JWTPayload, done: VerifyDone) {
  // Send user info using the second argument
  done(null, {}, token);
});

app.use(passport.initialize());
passport.use(bearerStrategy);

if (!requiredPolicy) {
  // api/values GET endpoint, protected with oauth bearer token
  app.get('/api/values', passport.authenticate('oauth-bearer', { session: false }), function (_req, res) {
    res.status(200).json(['value1', 'value2']);
  });
} else {
  // 6. [Optional] Add authorization: only tokens of the MFA policy (`tfp`) may read the values.
  app.get('/api/values', passport.authenticate('oauth-bearer', { session: false }), function (req, res) {
    var claims = req.authInfo as JWTPayload;
    if (claims['tfp'] !== requiredPolicy) {
      // The tutorial has no `return` here: after this 403 it went on to `res.status(200).json(...)`,
      // which Express refuses (ERR_HTTP_HEADERS_SENT) after logging the error — the caller got the
      // 403, the server an exception on every such request. Returning ends the request here.
      return res.status(403).json({ error: 'insufficient permissions' });
    }
    res.status(200).json(['value1', 'value2']);
  });
}

var port = process.env.PORT || 5000;
app.listen(port, function () {
  console.log('Listening on port ' + port);
});
