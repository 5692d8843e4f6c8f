import { runDpopBehaviour } from './dpop-behaviour.ts';
import { runDpopNonceBehaviour } from './dpop-nonce-behaviour.ts';
import { restifyServer } from './servers-restify.ts';

runDpopBehaviour('restify', restifyServer);
runDpopNonceBehaviour('restify', restifyServer);
