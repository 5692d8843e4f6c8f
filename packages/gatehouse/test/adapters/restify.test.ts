import { runAdapterBehaviour } from './behaviour.ts';
import { restifyServer } from './servers-restify.ts';

runAdapterBehaviour('restify', restifyServer);
