/** `gatehouse-node` with DPoP required: every request carries a bound token and a fresh proof. */
import type { StartServer } from '../lib/protocol.ts';
import { start as startBearer } from './gatehouse-node.ts';

export const start: StartServer = (config) => startBearer({ ...config, dpop: true });
