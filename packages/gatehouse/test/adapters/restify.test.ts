import { runAdapterBehaviour } from './behaviour.ts';
import { restifyServer } from './servers.ts';

runAdapterBehaviour('restify', restifyServer);
