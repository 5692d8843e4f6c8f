#!/usr/bin/env node
/**
 * `todo`: the to-do daemon of Microsoft's Node.js daemon tutorial for Entra External ID. It authenticates as itself (client credentials), then calls
 * the to-do API. Expected failures print one line on stderr and exit with a code that says what
 * went wrong (see errors.ts and the README); only a bug prints more, and only with TODO_DEBUG=1.
 */
import { createApiClient } from './api.ts';
import { type CommandLine, parseCommandLine, USAGE } from './args.ts';
import { createTokenProvider } from './auth.ts';
import { add } from './commands/add.ts';
import type { CommandContext } from './commands/context.ts';
import { done } from './commands/done.ts';
import { list } from './commands/list.ts';
import { rm } from './commands/rm.ts';
import { show } from './commands/show.ts';
import { token } from './commands/token.ts';
import { readDotEnv, resolveConfig } from './config.ts';
import { createDpopKey } from './dpop.ts';
import { CliError, EXIT, type ExitCode, printable } from './errors.ts';
import { loadClientCertificate, mtlsFetch } from './mtls.ts';

async function execute(commandLine: CommandLine): Promise<void> {
  const { command } = commandLine;
  if (command.name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const cwd = process.cwd();
  const config = resolveConfig({ flags: commandLine.flags, env: process.env, dotenv: readDotEnv(cwd), cwd });
  // DPoP (RFC 9449): one key for this run, in memory only; the token is bound to it.
  const dpop = config.dpop ? await createDpopKey() : undefined;
  // Mutual TLS (RFC 8705): the same certificate for the token request and every API call.
  const mtls = config.tls ? await loadClientCertificate(config.tls.certFile, config.tls.keyFile) : undefined;
  const tokens = createTokenProvider(config, { dpop, ...(mtls ? { mtls } : {}) });
  const ctx: CommandContext = {
    api: createApiClient({
      baseUrl: config.apiUrl,
      tokens,
      clientId: config.clientId,
      dpop,
      ...(mtls ? { fetch: mtlsFetch(mtls) } : {}),
    }),
    tokens,
    config,
    dpop,
    mtls,
    json: commandLine.json,
    out: (text) => process.stdout.write(`${text}\n`),
  };
  switch (command.name) {
    case 'list':
      return list(ctx, command);
    case 'show':
      return show(ctx, command);
    case 'add':
      return add(ctx, command);
    case 'done':
      return done(ctx, command);
    case 'rm':
      return rm(ctx, command);
    case 'token':
      return token(ctx, command);
  }
}

export async function main(argv: readonly string[]): Promise<ExitCode> {
  try {
    await execute(parseCommandLine(argv));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`todo: ${printable(error.message)}\n`);
      if (error.exitCode === EXIT.usage && /no command given/.test(error.message)) {
        process.stderr.write(`${USAGE}\n`);
      }
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`todo: unexpected error: ${printable(message)} (TODO_DEBUG=1 shows details)\n`);
    if (process.env.TODO_DEBUG === '1') console.error(error);
    return EXIT.error;
  }
}

// `todo list | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
