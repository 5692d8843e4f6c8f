// The server.js of Auth0's "Mobile + API: Node.js Implementation for the API" exactly as the tutorial assembles it (sections 1 to 4), running on Gatehouse.
// Only the lines marked "require:" and "config:" differ from the tutorial; every other line is the
// tutorial's own, bugs included (GET /timesheets reads req.body and answers 201).
// server.ts beside it is the same API done properly: entries stored, listed, CORS per origin.
const express = require('express');
const app = express();
const jwt = require('gatehouse-auth/express-jwt').jwt; // require: was require('express-jwt') (v6)
const jwksRsa = require('gatehouse-auth/express-jwt'); // require: was require('jwks-rsa')
const cors = require('./cors.ts').corsFromEnvironment; // require: was require('cors'): any origin; here CORS_ORIGINS
const bodyParser = require('body-parser');
const jwtAuthz = require('gatehouse-auth/express-jwt').jwtAuthz; // require: was require('express-jwt-authz')

// Enable CORS
app.use(cors());

// Enable the use of request body parsing middleware
app.use(bodyParser.json());
app.use(bodyParser.urlencoded({
  extended: true
}));

// Create middleware for checking the JWT
const checkJwt = jwt({
  // Dynamically provide a signing key based on the kid in the header and the singing keys provided by the JWKS endpoint
  secret: jwksRsa.expressJwtSecret({
    cache: true,
    rateLimit: true,
    jwksRequestsPerMinute: 5,
    jwksUri: `${process.env.AUTH_ISSUER}.well-known/jwks.json` // config: was `https://${account.namespace}/.well-known/jwks.json`
  }),

  // Validate the audience and the issuer
  audience: process.env.AUTH_AUDIENCE, // config: was '{YOUR_API_IDENTIFIER}'
  issuer: process.env.AUTH_ISSUER, // config: was 'https://${account.namespace}/'
  algorithms: [ 'RS256' ]
});

// create timesheets API endpoint
app.post('/timesheets', checkJwt, jwtAuthz(['create:timesheets']), function(req, res){
  var timesheet = req.body;

  // Save the timesheet to the database...

  //send the response
  res.status(201).send(timesheet);
})

app.get('/timesheets', checkJwt, jwtAuthz(['read:timesheets']), function(req, res) {
  var timesheet = req.body;

  // Associate the timesheet entry with the current user
  var userId = req.user['https://api.exampleco.com/email'];
  timesheet.user_id = userId;

  // Save the timesheet to the database...

  //send the response
  res.status(201).send(timesheet);
});

// Launch the API Server at localhost:8080
app.listen(process.env.PORT || 8080); // config: was app.listen(8080)
