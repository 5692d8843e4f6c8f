/** `express-oauth2-jwt-bearer` with DPoP required (`dpop: { enabled: true, required: true }`). */
import type { StartServer } from '../lib/protocol.ts';
import { start as startBearer } from './express-oauth2-jwt-bearer.ts';

export const start: StartServer = (config) => startBearer({ ...config, dpop: true });
