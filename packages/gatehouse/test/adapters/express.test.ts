import { runAdapterBehaviour } from './behaviour.ts';
import { expressAuthorizeServer, expressServer } from './servers.ts';

runAdapterBehaviour('Express', expressServer);
runAdapterBehaviour('Express (authenticate + authorize middleware)', expressAuthorizeServer);
