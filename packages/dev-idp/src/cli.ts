#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DevIdpError } from './errors.ts';
import type { ProfileName } from './profiles/types.ts';
import { startDevIdp } from './server.ts';

const usage =
  'usage: gatehouse-dev-idp [--profile entra|b2c|auth0|keycloak] [--port 3001] [--host 127.0.0.1] [--issuer URL] [--data-dir DIR]\n' +
  '                         [--api-port 3000] [--web-port 3002] [--https]';

function portOf(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      issuer: { type: 'string' },
      'data-dir': { type: 'string' },
      'api-port': { type: 'string' },
      'web-port': { type: 'string' },
      https: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const idp = await startDevIdp({
    // Checked by startDevIdp, which names the valid profiles.
    profile: values.profile as ProfileName | undefined,
    port: portOf(values.port),
    host: values.host,
    issuer: values.issuer,
    dataDir: values['data-dir'],
    apiPort: portOf(values['api-port']),
    webPort: portOf(values['web-port']),
    https: values.https ?? false,
    logger: console,
  });
  console.log(`dev-idp: issuer ${idp.issuer} (development only; users alice and bob)`);
  if (idp.profile !== 'entra') {
    for (const authority of idp.authorities)
      console.log(`dev-idp: ${authority.id}: ${authority.metadataUrl}`);
  }
  if (idp.caFile) console.log(`dev-idp: clients trust it with NODE_EXTRA_CA_CERTS=${idp.caFile}`);

  const shutdown = () => {
    // A second signal, or a close that hangs, must not keep the process alive.
    setTimeout(() => process.exit(1), 5000).unref();
    idp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0] ?? '';
  // DevIdpError messages already say where they come from.
  console.error(error instanceof DevIdpError ? line : `dev-idp: ${line}`);
  process.exit(1);
});
