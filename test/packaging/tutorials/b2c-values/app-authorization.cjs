// Microsoft's tutorial "Secure a Node.js web API by using Azure AD B2C", section 3's app.js with its
// /api/values route replaced by section 6's ("[Optional] Add authorization": the `tfp` policy
// check), run against the dev IdP's b2c profile. Every line is the tutorial's except these four
// (section 3's line numbers, then section 6's; marked "was:"):
//   section 3 line 4  require: require('passport-azure-ad').BearerStrategy -> require('gatehouse-auth/passport').BearerStrategy
//   section 3 line 7  config:  identityMetadata "https://sunflowersdemo.b2clogin.com/...?p=B2C_1_susi_v2" -> process.env.IDENTITY_METADATA
//   section 3 line 8  config:  clientID "0239a9cc-309c-4d41-87f1-31288feb2e82" -> process.env.CLIENT_ID
//   section 6 line 5  config:  the policy name "B2C_1_susi_with_MFA" -> process.env.REQUIRED_POLICY
// Kept as the tutorial writes it: after answering 403 the handler goes on to res.status(200).json(...),
// which throws ERR_HTTP_HEADERS_SENT (Express logs it); the caller has already received the 403.
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


app.get("/api/values",
    passport.authenticate('oauth-bearer', {session: false}),
    function (req, res) {
        var claims = req.authInfo;
        if (claims['tfp'] != process.env.REQUIRED_POLICY) { // was: "B2C_1_susi_with_MFA"
            res.status(403).json({'error': 'insufficient permissions'});
        }
        res.status(200).json(["Value1", "Value2"]);
    }
);


var port = process.env.PORT || 5000;
app.listen(port, function () {
    console.log("Listening on port " + port);
});
