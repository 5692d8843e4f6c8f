// Auth0's tutorial "Mobile + API: Node.js Implementation for the API": the timesheets API,
// moved line for line from express-jwt + jwks-rsa + express-jwt-authz to gatehouse-auth/express-jwt.
// Other differences from the tutorial are marked below and listed in README.md: configuration from the
// environment; CORS for the configured SPA origins only (the tutorial's cors() answered `*`); entries
// saved for real (SQLite); and GET /timesheets lists the user's entries (the tutorial's GET was a copy
// of its POST).
import bodyParser from 'body-parser';
import express from 'express';
import { ForbiddenError } from 'gatehouse-auth';
import { sendError } from 'gatehouse-auth/express';
// const jwt = require('express-jwt');
// const jwksRsa = require('jwks-rsa');
// const jwtAuthz = require('express-jwt-authz');
import { expressJwtSecret, jwt, jwtAuthz } from 'gatehouse-auth/express-jwt';
import type { JWTPayload } from 'jose';
import { cors } from './cors.ts';
import { openTimesheetStore, type Timesheet } from './store.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(
      `express-jwt-auth0-timesheets: set ${name} (see examples/express-jwt-auth0-timesheets/README.md)`,
    );
    process.exit(1);
  }
  return value;
}

// The tutorial's `https://${account.namespace}/`: the Auth0 tenant's issuer, with its trailing slash.
const issuer = required('AUTH_ISSUER').replace(/\/*$/, '/');
const audience = required('AUTH_AUDIENCE');
const db = openTimesheetStore(process.env.DATA_DIR ?? './data/express-jwt-auth0-timesheets');
const corsOrigins = (process.env.CORS_ORIGINS ?? '')
  .split(',')
  .map((o) => o.trim())
  .filter(Boolean);

const app = express();

// Enable CORS — for the SPA's origins only (CORS_ORIGINS); the tutorial's cors() allowed any origin.
app.use(cors({ origins: corsOrigins }));

// Enable the use of request body parsing middleware
app.use(bodyParser.json());
app.use(
  bodyParser.urlencoded({
    extended: true,
  }),
);

// Create middleware for checking the JWT
const checkJwt = jwt({
  // Dynamically provide a signing key based on the kid in the header and the singing keys provided by the JWKS endpoint
  secret: expressJwtSecret({
    cache: true,
    rateLimit: true,
    jwksRequestsPerMinute: 5,
    jwksUri: `${issuer}.well-known/jwks.json`,
  }),

  // Validate the audience and the issuer
  audience: audience, //replace with your API's audience, available at Dashboard > APIs
  issuer: issuer,
  algorithms: ['RS256'],
});

// The user the entries belong to: the email the tutorial's Auth0 rule adds to the access token, on
// req.user where the tutorial's express-jwt 6 `jwt(...)` puts the claims.
// (Typed here as the claims they are: passport's types, loaded in this repository, declare req.user too.)
function userIdOf(req: express.Request, res: express.Response): string | undefined {
  const userId = (req.user as JWTPayload | undefined)?.['https://api.exampleco.com/email'];
  if (typeof userId === 'string' && userId) return userId;
  // A token without it (an M2M app's) names no user whose timesheets these could be.
  sendError(
    res,
    new ForbiddenError({
      description: 'The token names no user (no https://api.exampleco.com/email claim)',
      claim: 'https://api.exampleco.com/email',
    }),
  );
  return undefined;
}

// create timesheets API endpoint
app.post('/timesheets', checkJwt, jwtAuthz(['create:timesheets']), function (req, res) {
  var timesheet = req.body;
  if (typeof timesheet !== 'object' || timesheet === null || Array.isArray(timesheet)) {
    res.status(400).json({ message: 'the body must be a JSON object: one timesheet entry' });
    return;
  }

  // Associate the timesheet entry with the current user
  var userId = userIdOf(req, res);
  if (!userId) return;
  timesheet.user_id = userId;

  // Save the timesheet to the database...
  var saved: Timesheet = db.save(userId, timesheet);

  //send the response
  res.status(201).send(saved);
});

// The tutorial's GET /timesheets read req.body and answered 201, a copy of the POST handler: this one
// lists the current user's entries.
app.get('/timesheets', checkJwt, jwtAuthz(['read:timesheets']), function (req, res) {
  var userId = userIdOf(req, res);
  if (!userId) return;
  res.status(200).send(db.list(userId));
});

// launch the API Server at localhost:8080
app.listen(Number(process.env.PORT || 8080), function () {
  console.log(
    `timesheets API on port ${process.env.PORT || 8080}; CORS for ${corsOrigins.join(', ') || 'no origin'}`,
  );
});
