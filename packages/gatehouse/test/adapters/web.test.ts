import { runAdapterBehaviour } from './behaviour.ts';
import { webServer } from './servers.ts';

runAdapterBehaviour('Web Request (Hono)', webServer);
