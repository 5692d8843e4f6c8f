/**
 * The command line: `todo <command> [arguments] [options]`, plus the form of Microsoft's MSAL Node
 * daemon tutorial
 * (`node . --op getToDos`) as aliases. Parsing only; nothing here talks to a server.
 */
import { parseArgs } from 'node:util';
import type { ConfigFlags } from './config.ts';
import { usageError } from './errors.ts';

export const USAGE = `usage: todo <command> [options]

commands:
  list [--owner OID]                   list to-do items (an app sees everyone's; --owner filters)
  show <id>                            show one item
  add "text" --owner OID [--due DATE]  create an item for a user (DATE: YYYY-MM-DD)
  done <id>                            mark an item completed
  rm <id>                              delete an item
  token [--raw]                        show the claims of the daemon's access token (--raw: the token)

options:
  --json                 machine-readable output
  --authority URL        identity provider: issuer or metadata URL  (TODO_AUTHORITY, AUTH_ISSUER)
  --client-id ID         this daemon's client id                     (TODO_CLIENT_ID)
  --private-key FILE     PEM private key: private_key_jwt            (TODO_PRIVATE_KEY)
  --certificate FILE     its certificate (x5t#S256 header, Entra)    (TODO_CERTIFICATE)
  --api-url URL          the to-do API                               (TODO_API_URL)
  --scope SCOPE          scope to request                            (TODO_SCOPE)
  --dpop                 DPoP-bound token (RFC 9449), a proof per call (TODO_DPOP=1)
  --tls-cert FILE        TLS client certificate (PEM): mutual TLS with   (TODO_TLS_CERT)
                         the IdP and the API, certificate-bound token (RFC 8705)
  --tls-key FILE         its private key (PEM)                       (TODO_TLS_KEY)
  the client secret comes only from TODO_CLIENT_SECRET (environment or .env), never from a flag

MSAL daemon tutorial aliases: --op getToDos | getToDo --id ID | postToDo --text T --owner OID | deleteToDo --id ID

exit codes: 0 ok, 1 error, 2 usage/configuration, 3 authentication failed, 4 forbidden,
            5 not found, 6 API or identity provider unreachable`;

export type Command =
  | { name: 'help' }
  | { name: 'list'; owner: string | undefined }
  | { name: 'show'; id: string }
  | { name: 'add'; text: string; owner: string; due: string | undefined }
  | { name: 'done'; id: string }
  | { name: 'rm'; id: string }
  | { name: 'token'; raw: boolean };

export interface CommandLine {
  command: Command;
  json: boolean;
  flags: ConfigFlags;
}

const options = {
  json: { type: 'boolean' },
  raw: { type: 'boolean' },
  owner: { type: 'string' },
  due: { type: 'string' },
  op: { type: 'string' },
  id: { type: 'string' },
  text: { type: 'string' },
  authority: { type: 'string' },
  'client-id': { type: 'string' },
  'private-key': { type: 'string' },
  certificate: { type: 'string' },
  'api-url': { type: 'string' },
  scope: { type: 'string' },
  dpop: { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof options;

// Options every command accepts; the rest belong to particular commands.
const GLOBAL: readonly OptionName[] = [
  'json',
  'authority',
  'client-id',
  'private-key',
  'certificate',
  'api-url',
  'scope',
  'dpop',
  'tls-cert',
  'tls-key',
  'help',
  'op',
];
const OWN: Record<Exclude<Command['name'], 'help'>, readonly OptionName[]> = {
  list: ['owner'],
  show: ['id'],
  add: ['owner', 'due', 'text'],
  done: ['id'],
  rm: ['id'],
  token: ['raw'],
};

const ALIASES: Record<string, Exclude<Command['name'], 'help'>> = {
  list: 'list',
  ls: 'list',
  show: 'show',
  get: 'show',
  add: 'add',
  done: 'done',
  complete: 'done',
  rm: 'rm',
  delete: 'rm',
  token: 'token',
};

const SEED_OPS: Record<string, Exclude<Command['name'], 'help'>> = {
  getToDos: 'list',
  getToDo: 'show',
  postToDo: 'add',
  deleteToDo: 'rm',
};

/** A calendar date as YYYY-MM-DD (2030-02-30 is refused, not rolled over into March). */
export function isDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

// The API's ids: 22 base64url characters, so one in 32 starts with "-" and looks like an option.
const ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Puts every positional argument after `--`, so that `todo rm -T9MRK5pZfFtDrqcDkIJeA` removes that
 * item instead of failing on an unknown option `-T`. A token is an option when it is a known one
 * (or looks like one and is not an id: parseArgs then names it as unknown); options that take a
 * value take the next token with them.
 */
export function separate(argv: readonly string[]): string[] {
  const optionTokens: string[] = [];
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] ?? '';
    if (token === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    const name = token.startsWith('--') ? token.slice(2).split('=')[0] : token === '-h' ? 'help' : undefined;
    const known = name !== undefined && Object.hasOwn(options, name);
    if (!known && (!token.startsWith('-') || token === '-' || ID.test(token))) {
      positionals.push(token);
      continue;
    }
    const spec = known ? options[name as OptionName] : undefined;
    if (spec?.type === 'string' && !token.includes('=') && index + 1 < argv.length) {
      // As `--name=value`: parseArgs refuses a separate value that starts with "-" (an id may).
      optionTokens.push(`--${name}=${argv[++index] ?? ''}`);
    } else {
      optionTokens.push(token);
    }
  }
  return [...optionTokens, '--', ...positionals];
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: separate(argv), options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages name the offending option; keep the first sentence.
    const message = error instanceof Error ? error.message.split(/(?<=\.)\s/)[0] : String(error);
    throw usageError(`${message}; see todo --help`);
  }
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const { values, positionals } = parse(argv);
  const flags: ConfigFlags = {
    authority: values.authority,
    clientId: values['client-id'],
    privateKey: values['private-key'],
    certificate: values.certificate,
    apiUrl: values['api-url'],
    scope: values.scope,
    dpop: values.dpop,
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
  };
  const json = values.json ?? false;
  if (values.help || positionals[0] === 'help') return { command: { name: 'help' }, json, flags };

  let name: Exclude<Command['name'], 'help'> | undefined;
  let rest: string[];
  if (values.op !== undefined) {
    name = SEED_OPS[values.op];
    if (!name) throw usageError(`--op ${values.op} is unknown; one of: ${Object.keys(SEED_OPS).join(', ')}`);
    rest = positionals;
  } else {
    const [word, ...others] = positionals;
    if (word === undefined) throw usageError('no command given; see todo --help');
    name = ALIASES[word];
    if (!name) throw usageError(`unknown command "${word}"; see todo --help`);
    rest = others;
  }

  const allowed = new Set<string>([...GLOBAL, ...OWN[name]]);
  for (const given of Object.keys(values)) {
    if (!allowed.has(given)) throw usageError(`--${given} is not an option of "${name}"; see todo --help`);
  }

  const single = (what: string, fromFlag: string | undefined): string => {
    const value = fromFlag ?? rest[0];
    if (rest.length > (fromFlag === undefined ? 1 : 0))
      throw usageError(`"${name}" takes one ${what}; quote text with spaces`);
    if (value === undefined || value.trim() === '') throw usageError(`"${name}" needs a ${what}`);
    return value;
  };

  switch (name) {
    case 'list':
      if (rest.length > 0) throw usageError(`"list" takes no arguments (got "${rest[0]}")`);
      return { command: { name, owner: values.owner }, json, flags };
    case 'show':
    case 'done':
    case 'rm':
      return { command: { name, id: single('to-do id', values.id) }, json, flags };
    case 'token':
      if (rest.length > 0) throw usageError(`"token" takes no arguments (got "${rest[0]}")`);
      return { command: { name, raw: values.raw ?? false }, json, flags };
    case 'add': {
      const text = single('text', values.text);
      const owner = values.owner?.trim();
      if (!owner) {
        throw usageError(
          '"add" needs --owner OID: an app creates items on behalf of a user (their oid or sub)',
        );
      }
      if (values.due !== undefined && !isDate(values.due)) {
        throw usageError(`--due must be a date as YYYY-MM-DD (got "${values.due}")`);
      }
      return { command: { name, text, owner, due: values.due }, json, flags };
    }
  }
}
