/**
 * Express + passport + passport-azure-ad's BearerStrategy. It accepts only an https
 * identityMetadata URL, so it reads the bench issuer's https discovery document (a self-signed
 * certificate this process trusts through NODE_EXTRA_CA_CERTS); the tokens are the same.
 */
import { createServer } from 'node:http';
import express from 'express';
import passport from 'passport';
import { BearerStrategy } from 'passport-azure-ad';
import type { StartServer } from '../lib/protocol.ts';
import { ITEMS, listen, PATH } from './common.ts';

export const start: StartServer = async (config) => {
  if (!config.httpsMetadataUrl) throw new Error('passport-azure-ad needs an https identityMetadata URL');
  passport.use(
    new BearerStrategy(
      {
        identityMetadata: config.httpsMetadataUrl,
        clientID: 'bench-client',
        audience: config.audience,
        validateIssuer: true,
        issuer: config.issuer,
        isB2C: false,
        scope: [config.scope],
        passReqToCallback: false,
        loggingLevel: 'error',
        loggingNoPII: true,
      },
      (token, done) => done(null, token, token),
    ),
  );
  const app = express();
  app.use(passport.initialize());
  app.get(PATH, passport.authenticate('oauth-bearer', { session: false }), (_req, res) => {
    res.json(ITEMS);
  });
  return listen(createServer(app));
};
