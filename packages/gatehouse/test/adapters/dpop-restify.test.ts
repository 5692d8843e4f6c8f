import { runDpopBehaviour } from './dpop-behaviour.ts';
import { restifyServer } from './servers-restify.ts';

runDpopBehaviour('restify', restifyServer);
