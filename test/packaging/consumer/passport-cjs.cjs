// A CommonJS server written for passport-azure-ad's BearerStrategy, with only the require line changed.
const express = require('express');
const passport = require('passport');
// const BearerStrategy = require('passport-azure-ad').BearerStrategy;
const { BearerStrategy } = require('gatehouse-auth/passport');

const options = {
  identityMetadata: process.env.METADATA_URL,
  clientID: process.env.AUDIENCE,
  validateIssuer: true,
  loggingLevel: 'warn',
  passReqToCallback: false,
};
passport.use(new BearerStrategy(options, (token, done) => done(null, {}, token)));

const app = express();
app.use(passport.initialize());
app.get('/hello', passport.authenticate('oauth-bearer', { session: false }), (req, res) => {
  const roles = req.authInfo.roles || [];
  if (!roles.includes('ToDoList.ReadWrite.All'))
    return res.status(403).json({ error: 'insufficient permissions' });
  res.json({ hello: req.authInfo.sub });
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
