// Microsoft's tutorial "Secure a Node.js web API by using Azure AD B2C", section 3's app.js, run against the
// dev IdP's b2c profile. Every line is the tutorial's except these three (the tutorial's line numbers; marked "was:"):
//   line 4  require: require('passport-azure-ad').BearerStrategy -> require('gatehouse-auth/passport').BearerStrategy
//   line 7  config:  identityMetadata "https://sunflowersdemo.b2clogin.com/...?p=B2C_1_susi_v2" -> process.env.IDENTITY_METADATA
//   line 8  config:  clientID "0239a9cc-309c-4d41-87f1-31288feb2e82" -> process.env.CLIENT_ID
var express = require("express");
var morgan = require("morgan");
var passport = require("passport");
var BearerStrategy = require('gatehouse-auth/passport').BearerStrategy; // was: require('passport-azure-ad').BearerStrategy

// TODO: Update the OpenId Connect metadata endpoint URI, and application ID
var identityMetadata = process.env.IDENTITY_METADATA; // was: "https://sunflowersdemo.b2clogin.com/sunflowersdemo.onmicrosoft.com/v2.0/.well-known/openid-configuration?p=B2C_1_susi_v2"
var clientID = process.env.CLIENT_ID; // was: "0239a9cc-309c-4d41-87f1-31288feb2e82"

// Initializing express.js
var app = express();
app.use(morgan('dev'));

// Set CORS, so the REST API can be called from different domain 
app.use(function (req, res, next) {
    res.header("Access-Control-Allow-Origin", "*");
    res.header("Access-Control-Allow-Headers", "Authorization, Origin, X-Requested-With, Content-Type, Accept");
    next();
});

// Authentication with passport options
var options = {
    identityMetadata: identityMetadata,
    clientID: clientID,
    validateIssuer: true,
    loggingLevel: 'info',
    passReqToCallback: false
};

// Initialize the passport-azure-ad
var bearerStrategy = new BearerStrategy(options,
    function (token, done) {
        // Send user info using the second argument
        done(null, {}, token);
    }
);

app.use(passport.initialize());
passport.use(bearerStrategy);


// api/values GET endpoint, protected with oauth bearer token
app.get("/api/values",
    passport.authenticate('oauth-bearer', {session: false}),
    function (req, res) {
        res.status(200).json(["Value1", "Value2"]);
    }
);


var port = process.env.PORT || 5000;
app.listen(port, function () {
    console.log("Listening on port " + port);
});
