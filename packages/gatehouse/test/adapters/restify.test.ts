import { runAdapterBehaviour } from './behaviour.ts';
import { runPassportBehaviour } from './passport-behaviour.ts';
import { passportRestifyServer, restifyServer } from './servers-restify.ts';

runAdapterBehaviour('restify', restifyServer);
runPassportBehaviour('restify', passportRestifyServer);
