/**
 * `npm run token -- --user alice [--scope "ToDoList.Read"]` or `npm run token -- --app`:
 * gets an access token from the running dev IdP (IDP_URL, else http://localhost:PORT+1, the
 * same place `npm start` puts it) and prints it alone on the last line of stdout.
 */
import { parseArgs } from 'node:util';
import { DevIdpError, getAppToken, getUserToken } from 'gatehouse-dev-idp';

const USAGE = 'usage: npm run token -- --user <name> [--scope "ToDoList.Read ToDoList.ReadWrite"] | --app';

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(1);
}

function issuerUrl(): string {
  const explicit = process.env.IDP_URL?.trim();
  if (explicit) {
    if (!URL.canParse(explicit)) fail(`IDP_URL must be a URL (got ${JSON.stringify(explicit)})`);
    return explicit.replace(/\/+$/, '');
  }
  const raw = process.env.PORT?.trim() || '3000';
  if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65533)
    fail(`PORT must be an integer from 1 to 65533 (got ${JSON.stringify(raw)})`);
  return `http://localhost:${Number(raw) + 1}`;
}

function readArgs(): { user?: string; scope?: string; app: boolean } {
  try {
    const { values } = parseArgs({
      options: {
        user: { type: 'string' },
        scope: { type: 'string' },
        app: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stderr.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (values.app === (values.user !== undefined))
      fail(`give exactly one of --user <name> or --app\n${USAGE}`);
    if (values.app && values.scope !== undefined) fail('--scope applies to --user only');
    return {
      app: values.app,
      ...(values.user === undefined ? {} : { user: values.user }),
      ...(values.scope === undefined ? {} : { scope: values.scope }),
    };
  } catch (error) {
    if (error instanceof TypeError) fail(`${error.message}\n${USAGE}`);
    throw error;
  }
}

async function main(): Promise<void> {
  const args = readArgs();
  const issuer = issuerUrl();
  try {
    const tokens = args.app
      ? await getAppToken({ issuer })
      : await getUserToken({ issuer, user: args.user ?? '', ...(args.scope ? { scope: args.scope } : {}) });
    process.stdout.write(`${tokens.accessToken}\n`);
  } catch (error) {
    if (
      error instanceof DevIdpError &&
      error.code === 'ERR_DEV_IDP_DISCOVERY' &&
      error.status === undefined
    ) {
      fail(`no dev IdP answers at ${issuer} (is \`npm start\` running? set PORT or IDP_URL to find it)`);
    }
    fail((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'failed');
  }
}

void main();
