// Microsoft's tutorial "Azure AD B2C: Secure a web API by using Node.js", its server.js: the tutorial's JavaScript
// blocks for server.js, in the tutorial's order (config.js beside it is its config block; the "typical
// pattern" createObject block illustrates restify routes and is not part of the file), run with
// restify 12 and passport 0.7 against the dev IdP's b2c profile. The tutorial was written for restify 4
// and passport 0.3, and as printed it runs on no restify at all: its routes name getTask, removeTask
// and removeAll, which it never defines (ReferenceError at start-up). Every line is the tutorial's
// (including `var config = require('./config');` twice, as the tutorial adds it twice) except these,
// each marked in place:
//   require: var mongoose = require('mongoose/') -> require('./mongoose-in-memory.cjs') (no MongoDB
//            server here; that file says what it stands in for)
//   require: require('passport-azure-ad').BearerStrategy -> require('gatehouse-auth/passport').BearerStrategy
//   added:   `isB2C: true,` in options: the tutorial's options name policyName without it, which
//            passport-azure-ad 3+ silently ignores and gatehouse-auth/passport refuses at start-up
//   added:   restify.RestError = require('restify-errors').RestError; (util.inherits(..., restify.RestError)
//            throws at start-up on restify 5+, which moved RestError to restify-errors)
//   changed: restify.requestLogger, throttle, acceptParser, dateParser, queryParser, gzipResponse,
//            bodyParser, authorizationParser -> restify.plugins.<same> (8 lines; moved in restify 5)
//   removed: server.use(passport.session()) (passport 0.6+ fails every request without a session store)
//   removed: the second `server.get('/api/tasks', ...)` (restify 7+ refuses a route registered twice),
//            the two getTask routes, the three removeTask routes and the removeAll route (undefined
//            functions): 7 registrations, 24 lines, commented out in place
'use strict';
/**
* Module dependencies.
*/
var fs = require('fs');
var path = require('path');
var util = require('util');
var assert = require('assert-plus');
var mongoose = require('./mongoose-in-memory.cjs'); // was: require('mongoose/')
var bunyan = require('bunyan');
var restify = require('restify');
var config = require('./config');
var passport = require('passport');
var OIDCBearerStrategy = require('gatehouse-auth/passport').BearerStrategy; // was: require('passport-azure-ad').BearerStrategy

var config = require('./config');

// We pass these options in to the ODICBearerStrategy.

var options = {
    // The URL of the metadata document for your app. We put the keys for token validation from the URL found in the jwks_uri tag of the in the metadata.
    identityMetadata: config.creds.identityMetadata,
    clientID: config.creds.clientID,
    tenantName: config.creds.tenantName,
    isB2C: true, // added: policyName needs it (passport-azure-ad 3+ ignores policyName without it; gatehouse-auth refuses)
    policyName: config.creds.policyName,
    validateIssuer: config.creds.validateIssuer,
    audience: config.creds.audience,
    passReqToCallback: config.creds.passReqToCallback

};

// array to hold logged in users and the current logged in user (owner)
var users = [];
var owner = null;

// Our logger
var log = bunyan.createLogger({
    name: 'Microsoft Azure Active Directory Sample'
});

// MongoDB setup
// Setup some configuration
var serverPort = process.env.PORT || 3000; // Note we are hosting our API on port 3000
var serverURI = (process.env.PORT) ? config.creds.mongoose_auth_mongohq : config.creds.mongoose_auth_local;

// Connect to MongoDB
global.db = mongoose.connect(serverURI);
var Schema = mongoose.Schema;
log.info('MongoDB Schema loaded');

// Here we create a schema to store our tasks and users. Pretty simple schema for now.
var TaskSchema = new Schema({
    owner: String,
    Text: String,
    completed: Boolean,
    date: Date
});

// Use the schema to register a model
mongoose.model('Task', TaskSchema);
var Task = mongoose.model('Task');

/**
 *
 * APIs for our REST Task server
 */

// Create a task

function createTask(req, res, next) {

    // Resitify currently has a bug which doesn't allow you to set default headers
    // This headers comply with CORS and allow us to mongodbServer our response to any origin

    res.header("Access-Control-Allow-Origin", "*");
    res.header("Access-Control-Allow-Headers", "X-Requested-With");

    // Create a new task model, fill it up and save it to Mongodb
    var _task = new Task();

    if (!req.params.Text) {
        req.log.warn({
            params: req.params
        }, 'createTodo: missing task');
        next(new MissingTaskError());
        return;
    }

    _task.owner = owner;
    _task.Text = req.params.Text;
    _task.date = new Date();

    _task.save(function(err) {
        if (err) {
            req.log.warn(err, 'createTask: unable to save');
            next(err);
        } else {
            res.send(201, _task);

        }
    });

    return next();

}

/// Simple returns the list of TODOs that were loaded.

function listTasks(req, res, next) {
    // Resitify currently has a bug which doesn't allow you to set default headers
    // This headers comply with CORS and allow us to mongodbServer our response to any origin

    res.header("Access-Control-Allow-Origin", "*");
    res.header("Access-Control-Allow-Headers", "X-Requested-With");

    log.info("listTasks was called for: ", owner);

    Task.find({
        owner: owner
    }).limit(20).sort('date').exec(function(err, data) {

        if (err)
            return next(err);

        if (data.length > 0) {
            log.info(data);
        }

        if (!data.length) {
            log.warn(err, "There is no tasks in the database. Add one!");
        }

        if (!owner) {
            log.warn(err, "You did not pass an owner when listing tasks.");
        } else {

            res.json(data);

        }
    });

    return next();
}

///--- Errors for communicating something interesting back to the client
restify.RestError = require('restify-errors').RestError; // added: restify 5+ moved RestError to restify-errors
function MissingTaskError() {
restify.RestError.call(this, {
statusCode: 409,
restCode: 'MissingTask',
message: '"task" is a required parameter',
constructorOpt: MissingTaskError
});
this.name = 'MissingTaskError';
}
util.inherits(MissingTaskError, restify.RestError);
function TaskExistsError(owner) {
assert.string(owner, 'owner');
restify.RestError.call(this, {
statusCode: 409,
restCode: 'TaskExists',
message: owner + ' already exists',
constructorOpt: TaskExistsError
});
this.name = 'TaskExistsError';
}
util.inherits(TaskExistsError, restify.RestError);
function TaskNotFoundError(owner) {
assert.string(owner, 'owner');
restify.RestError.call(this, {
statusCode: 404,
restCode: 'TaskNotFound',
message: owner + ' was not found',
constructorOpt: TaskNotFoundError
});
this.name = 'TaskNotFoundError';
}
util.inherits(TaskNotFoundError, restify.RestError);


/**
 * Our Server
 */


var server = restify.createServer({
    name: "Microsoft Azure Active Directroy TODO Server",
    version: "2.0.1"
});

// Ensure we don't drop data on uploads
server.pre(restify.pre.pause());

// Clean up sloppy paths like //todo//////1//
server.pre(restify.pre.sanitizePath());

// Handles annoying user agents (curl)
server.pre(restify.pre.userAgentConnection());

// Set a per request bunyan logger (with requestid filled in)
server.use(restify.plugins.requestLogger()); // was: restify.requestLogger() (restify 5+ moved plugins to restify.plugins; so the 7 lines below)

// Allow 5 requests/second by IP, and burst to 10
server.use(restify.plugins.throttle({
    burst: 10,
    rate: 5,
    ip: true,
}));

// Use the common stuff you probably want
server.use(restify.plugins.acceptParser(server.acceptable));
server.use(restify.plugins.dateParser());
server.use(restify.plugins.queryParser());
server.use(restify.plugins.gzipResponse());
server.use(restify.plugins.bodyParser({
    mapParams: true
})); // Allows for JSON mapping to REST
server.use(restify.plugins.authorizationParser()); // Looks for authorization headers

// Let's start using Passport.js

server.use(passport.initialize()); // Starts passport
// server.use(passport.session()); // Provides session support   <- removed: passport 0.6+ fails every request without a session store

server.get('/api/tasks', passport.authenticate('oauth-bearer', {
    session: false
}), listTasks);
// removed: registers GET /api/tasks a second time, which restify 7+ refuses:
// server.get('/api/tasks', passport.authenticate('oauth-bearer', {
//     session: false
// }), listTasks);
// removed: getTask is not defined in the tutorial (it is in its "complete" branch):
// server.get('/api/tasks/:owner', passport.authenticate('oauth-bearer', {
//     session: false
// }), getTask);
// removed: getTask is not defined in the tutorial (it is in its "complete" branch):
// server.head('/api/tasks/:owner', passport.authenticate('oauth-bearer', {
//     session: false
// }), getTask);
server.post('/api/tasks/:owner/:task', passport.authenticate('oauth-bearer', {
    session: false
}), createTask);
server.post('/api/tasks', passport.authenticate('oauth-bearer', {
    session: false
}), createTask);
// removed: removeTask is not defined in the tutorial (it is in its "complete" branch):
// server.del('/api/tasks/:owner/:task', passport.authenticate('oauth-bearer', {
//     session: false
// }), removeTask);
// removed: removeTask is not defined in the tutorial (it is in its "complete" branch):
// server.del('/api/tasks/:owner', passport.authenticate('oauth-bearer', {
//     session: false
// }), removeTask);
// removed: removeTask is not defined in the tutorial (it is in its "complete" branch):
// server.del('/api/tasks', passport.authenticate('oauth-bearer', {
//     session: false
// }), removeTask);
// removed: removeAll is not defined in the tutorial (it is in its "complete" branch):
// server.del('/api/tasks', passport.authenticate('oauth-bearer', {
//     session: false
// }), removeAll, function respond(req, res, next) {
//     res.send(204);
//     next();
// });


// Register a default '/' handler

server.get('/', function root(req, res, next) {
    var routes = [
        'GET     /',
        'POST    /api/tasks/:owner/:task',
        'POST    /api/tasks (for JSON body)',
        'GET     /api/tasks',
        'PUT     /api/tasks/:owner',
        'GET     /api/tasks/:owner',
        'DELETE  /api/tasks/:owner/:task'
    ];
    res.send(200, routes);
    next();
});


server.listen(serverPort, function() {

    var consoleMessage = '\n Microsoft Azure Active Directory Tutorial';
    consoleMessage += '\n +++++++++++++++++++++++++++++++++++++++++++++++++++++';
    consoleMessage += '\n %s server is listening at %s';
    consoleMessage += '\n Open your browser to %s/api/tasks\n';
    consoleMessage += '+++++++++++++++++++++++++++++++++++++++++++++++++++++ \n';
    consoleMessage += '\n !!! why not try a $curl -isS %s | json to get some ideas? \n';
    consoleMessage += '+++++++++++++++++++++++++++++++++++++++++++++++++++++ \n\n';

    //log.info(consoleMessage, server.name, server.url, server.url, server.url);

});

var findById = function(id, fn) {
    for (var i = 0, len = users.length; i < len; i++) {
        var user = users[i];
        if (user.oid === id) {
            log.info('Found user: ', user);
            return fn(null, user);
        }
    }
    return fn(null, null);
};


var oidcStrategy = new OIDCBearerStrategy(options,
    function(token, done) {
        log.info('verifying the user');
        log.info(token, 'was the token retreived');
        findById(token.sub, function(err, user) {
            if (err) {
                return done(err);
            }
            if (!user) {
                // "Auto-registration"
                log.info('User was added automatically as they were new. Their sub is: ', token.oid);
                users.push(token);
                owner = token.oid;
                return done(null, token);
            }
            owner = token.sub;
            return done(null, user, token);
        });
    }
);

passport.use(oidcStrategy);
