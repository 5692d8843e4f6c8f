// Auth0's tutorial "Mobile + API: Node.js Implementation for the API": server.js as sections 1 to 4
// assemble it: section 1's file, section 2's checkJwt and POST route, section 3's jwtAuthz on it,
// section 4's GET route; every line is the tutorial's (bugs included: GET /timesheets reads req.body and
// answers 201; section 2's issuer is a single-quoted '${...}' string) except these seven (marked "was:"):
//   require: const jwt = require('express-jwt');            -> require('gatehouse-auth/express-jwt').jwt
//   require: const jwksRsa = require('jwks-rsa');           -> require('gatehouse-auth/express-jwt')
//   require: const jwtAuthz = require('express-jwt-authz'); -> require('gatehouse-auth/express-jwt').jwtAuthz
//   config:  jwksUri `https://${account.namespace}/.well-known/jwks.json` -> `${process.env.AUTH_ISSUER}.well-known/jwks.json`
//   config:  audience '{YOUR_API_IDENTIFIER}'              -> process.env.AUTH_AUDIENCE
//   config:  issuer 'https://${account.namespace}/'         -> process.env.AUTH_ISSUER
//   config:  app.listen(8080)                               -> app.listen(process.env.PORT || 8080)
const express = require('express');
const app = express();
const jwt = require('gatehouse-auth/express-jwt').jwt; // was: require('express-jwt') (v6)
const jwksRsa = require('gatehouse-auth/express-jwt'); // was: require('jwks-rsa')
const cors = require('cors');
const bodyParser = require('body-parser');
const jwtAuthz = require('gatehouse-auth/express-jwt').jwtAuthz; // was: require('express-jwt-authz')

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
    jwksUri: `${process.env.AUTH_ISSUER}.well-known/jwks.json` // was: `https://${account.namespace}/.well-known/jwks.json`
  }),

  // Validate the audience and the issuer
  audience: process.env.AUTH_AUDIENCE, // was: '{YOUR_API_IDENTIFIER}'
  issuer: process.env.AUTH_ISSUER, // was: 'https://${account.namespace}/'
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
app.listen(process.env.PORT || 8080); // was: app.listen(8080)
