// A TypeScript consumer: compiled by `tsc --strict` (module nodenext, skipLibCheck off) against the
// published .d.ts files, then run as a node:http server.
import { createServer } from 'node:http';
import {
  createGatehouse,
  type GatehouseError,
  type GatehouseOptions,
  isGatehouseError,
  type Principal,
  requireAppPermissions,
} from 'gatehouse-auth';
import { protect } from 'gatehouse-auth/node';
import { entra } from 'gatehouse-auth/providers';

const issuer = process.env.ISSUER;
const audience = process.env.AUDIENCE;
if (!issuer || !audience) throw new Error('set ISSUER and AUDIENCE');

const options: GatehouseOptions = { issuer, audience: [audience] };
const gh = createGatehouse(options);
gh.start();

// A provider preset is given to createGatehouse as it is, as the README shows.
const preset: GatehouseOptions = entra({
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  clientId: '11111111-2222-3333-4444-555555555555',
});
void preset;

function describeError(error: unknown): string {
  if (isGatehouseError(error)) {
    const typed: GatehouseError = error;
    return `${typed.code}: ${typed.status}`;
  }
  return 'not a Gatehouse error';
}
void describeError;

const handler = protect(
  gh,
  { require: [requireAppPermissions(['ToDoList.ReadWrite.All'])] },
  (_req, res, principal: Principal | null) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ hello: principal?.subject ?? null }));
  },
);
createServer(handler).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
