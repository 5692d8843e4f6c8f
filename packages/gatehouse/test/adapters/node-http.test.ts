import { runAdapterBehaviour } from './behaviour.ts';
import { nodeHttpServer } from './servers.ts';

runAdapterBehaviour('node:http', nodeHttpServer);
