/**
 * Every fenced code block of every README (and docs/*.md) is checked, by its language:
 *
 * - TypeScript and JavaScript are type-checked against the built packages with the repository's
 *   strict settings; fragments name what they assume with `<!-- context: ... -->` above them
 *   (test/readme/contexts.ts). Whole server programs are run against a real dev IdP: 401 without a
 *   token, 200 with one. A program that starts a dev IdP of its own runs to its end.
 * - Shell and console commands name scripts, bins, files, flags and environment variables that exist;
 *   `--help` forms and `gatehouse-auth explain` are run.
 * - JSON parses, and a token example labelled `(getUserToken ...)` / `(getAppToken)` has exactly the
 *   claims of such a token from the dev IdP; PromQL names series the to-do API exports; a diff's
 *   added lines are in a file next to the README (the file it describes); a listing marked
 *   `<!-- files: dir -->` names files that exist; output marked `<!-- prints: file -->` is lines that
 *   program prints; a block marked `<!-- checked-by: test -->` is compared by that test (the
 *   challenges of test/readme-challenges.test.ts and test/readme-todo-api-answers.test.ts).
 * - Anything else is marked `<!-- not-run: reason -->`, and the reasons are printed.
 *
 * READMEs are found by glob, so a new or moved README is covered without a change here. The run
 * ends with a tally per README ("ran" blocks were also type-checked or command-checked): a run
 * that checked nothing would show it.
 */
import assert from 'node:assert/strict';
import { globSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DEV_DAEMON_OPAQUE_SECRET,
  DEV_INTROSPECTION_SECRET,
  type DevIdp,
  getAppToken,
  getUserToken,
  type ProfileName,
  startDevIdp,
} from 'gatehouse-dev-idp';
import { checkCommand } from './readme/commands.ts';
import { CONTEXTS } from './readme/contexts.ts';
import { parseJsonBlock } from './readme/json.ts';
import { type CodeBlock, codeBlocks, documentationFiles, where } from './readme/markdown.ts';
import { endsByItself, runToEnd, serverProgram, startServer, writeServer } from './readme/programs.ts';
import { type RepoFacts, readRepoFacts } from './readme/repo-facts.ts';
import { shellCommands } from './readme/shell.ts';
import {
  type BlockDiagnostics,
  makeScratch,
  SCRIPT_LANGS,
  type Scratch,
  typeCheck,
} from './readme/typecheck.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const SHELL = new Set(['sh', 'bash', 'shell', 'console']);
const JSON_LANGS = new Set(['json', 'jsonc']);
const OTHER_CHECKED = new Set(['dotenv', 'promql', 'diff']);
const AUDIENCE = 'api://todo';

type Treatment =
  | 'ran'
  | 'type-checked'
  | 'commands checked'
  | 'parsed'
  | 'compared with a real token'
  | 'files checked'
  | 'output checked'
  | 'checked by its own test'
  | 'checked'
  | 'not-run';

const blocks: CodeBlock[] = documentationFiles(root).flatMap((file) => codeBlocks(root, file));
const treatment = new Map<CodeBlock, Treatment>();
const ran = (block: CodeBlock) => treatment.set(block, 'ran');

function treatmentOf(block: CodeBlock): Treatment {
  if (block.notRun !== undefined) return 'not-run';
  if (block.lang in SCRIPT_LANGS) return 'type-checked';
  if (SHELL.has(block.lang)) return 'commands checked';
  if (JSON_LANGS.has(block.lang)) return 'parsed';
  if (block.files !== undefined) return 'files checked';
  if (block.prints !== undefined) return 'output checked';
  if (block.checkedBy !== undefined) return 'checked by its own test';
  return 'checked';
}
for (const block of blocks) treatment.set(block, treatmentOf(block));

const scripts = blocks.filter((b) => b.lang in SCRIPT_LANGS && b.notRun === undefined);
const shells = blocks.filter((b) => SHELL.has(b.lang) && b.notRun === undefined);

describe('README code blocks', () => {
  let scratch: Scratch;
  let facts: RepoFacts;
  let idp: DevIdp;
  let userToken: string;
  let typeErrors: Map<CodeBlock, BlockDiagnostics>;

  before(async () => {
    scratch = makeScratch(root);
    facts = readRepoFacts(root);
    typeErrors = new Map(typeCheck(root, scratch, scripts).map((d) => [d.block, d]));
    idp = await startDevIdp({ port: 0, dataDir: join(scratch.dir, 'dev-idp'), logger: quiet });
    userToken = (await getUserToken({ issuer: idp.issuer, user: 'alice' })).accessToken;
  });
  after(async () => {
    await idp?.close();
    scratch?.remove();
  });

  it('every block has a language this test checks, or a marker saying how else it is checked, or why not', () => {
    const checked = new Set([...Object.keys(SCRIPT_LANGS), ...SHELL, ...JSON_LANGS, ...OTHER_CHECKED]);
    const unchecked = blocks.filter(
      (b) =>
        b.notRun === undefined &&
        b.files === undefined &&
        b.prints === undefined &&
        b.checkedBy === undefined &&
        !checked.has(b.lang),
    );
    assert.deepEqual(
      unchecked.map((b) => `${where(b)} \`\`\`${b.lang}`),
      [],
      'give these blocks a checked language, or a files / prints / checked-by / not-run marker (test/readme/markdown.ts)',
    );
    for (const block of blocks) {
      for (const name of block.contexts)
        assert.ok(name in CONTEXTS, `${where(block)}: unknown context "${name}"`);
      if (block.notRun !== undefined)
        assert.notEqual(block.notRun, '', `${where(block)}: not-run needs a reason`);
    }
  });

  describe('TypeScript and JavaScript: type-checked against the built packages (strict)', () => {
    for (const block of scripts) {
      const label = block.contexts.length > 0 ? ` (context: ${block.contexts.join(', ')})` : '';
      it(`${where(block)} ${block.lang}${label}`, () => {
        assert.deepEqual(typeErrors.get(block)?.errors, []);
      });
    }
  });

  describe('server programs: 401 without a token, 200 with a dev IdP token', () => {
    for (const [i, block] of blocks.entries()) {
      const program = serverProgram(block);
      if (!program) continue;
      it(`${where(block)}: ${program.routes.map((r) => `${r.method} ${r.path}`).join(', ')}`, async () => {
        const file = writeServer(scratch.dir, `server-${i}`, block, program, {
          issuer: idp.issuer,
          audience: AUDIENCE,
        });
        const server = await startServer(file, scratch.dir);
        try {
          for (const route of program.routes.filter((r) => r.method === 'GET')) {
            const url = `http://127.0.0.1:${server.port}${route.path}`;
            const anonymous = await fetch(url);
            if (route.isPublic) {
              assert.equal(anonymous.status, 200, `${route.path} is public`);
              continue;
            }
            assert.equal(anonymous.status, 401, `${route.path} without a token`);
            assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer realm="api"/);
            const signedIn = await fetch(url, { headers: { authorization: `Bearer ${userToken}` } });
            assert.equal(signedIn.status, 200, `${route.path} with alice's token`);
          }
        } finally {
          server.stop();
        }
        ran(block);
      });
    }
  });

  describe('programs that end by themselves: exit 0', () => {
    for (const [i, block] of blocks.entries()) {
      if (!endsByItself(block)) continue;
      it(`${where(block)}`, async () => {
        const dir = join(scratch.dir, `program-${i}`);
        mkdirSync(dir);
        const file = join(dir, `program${SCRIPT_LANGS[block.lang]}`);
        writeFileSync(file, block.code);
        const { code, output } = await runToEnd(file, dir);
        assert.equal(code, 0, output);
        ran(block);
      });
    }
  });

  describe('shell and console: scripts, bins, files, flags and variables exist', () => {
    for (const block of shells) {
      it(`${where(block)} ${block.lang}`, () => {
        const commands = shellCommands(block);
        assert.ok(commands.length > 0, 'a shell block without a command');
        assert.deepEqual(
          commands.flatMap((command) =>
            checkCommand(facts, command).map((p) => `line ${command.line}: ${p}`),
          ),
          [],
        );
        assert.deepEqual(devIdpIssuerMismatches(block), []);
        // `--help` forms were run while reading each CLI's flags (and had to exit 0).
        if (commands.some((c) => c.argv.includes('--help'))) ran(block);
      });
    }
  });

  describe('gatehouse-auth explain, as the README shows it', () => {
    for (const block of shells) {
      const command = shellCommands(block).find((c) => c.argv[0] === 'npx' && c.argv[1] === 'gatehouse-auth');
      if (!command) continue;
      it(`${where(block)}: the same headings and checks, for a real dev IdP token`, async () => {
        const bin = facts.bins.get('gatehouse-auth')!;
        // The token goes in on stdin (`-`), so it is in no command line.
        const run = await runToEnd(bin.entry, root, {
          args: ['explain', '-'],
          input: userToken,
          env: { ...process.env, AUTH_ISSUER: idp.issuer, AUTH_AUDIENCE: AUDIENCE },
        });
        assert.equal(run.code, 0, run.output);
        const shown = block.code.split('\n').filter((line) => !line.startsWith('$ '));
        const labels = (lines: string[]) =>
          lines
            .map((line) => /^(\w+):|^\s+(?:PASS|FAIL|WARN|SKIP)\s+(\S+(?: key)?)/.exec(line))
            .flatMap((m) => (m ? [m[1] ?? m[2]!] : []));
        const actual = new Set(labels(run.stdout.split('\n')));
        for (const label of labels(shown))
          assert.ok(actual.has(label), `"${label}" is not in explain's output`);
        assert.match(run.stdout, /^verdict: VALID/m);
        ran(block);
      });
    }
  });

  describe('JSON: parses', () => {
    for (const block of blocks.filter((b) => JSON_LANGS.has(b.lang) && b.notRun === undefined)) {
      it(`${where(block)} ${block.lang}`, () => {
        assert.doesNotThrow(() => parseJsonBlock(block.lang, block.code));
      });
    }
  });

  describe('token examples: the claims a dev IdP token really carries', () => {
    // A jsonc block whose first line says `(getUserToken, ...)` or `(getAppToken)`, with `profile x`
    // for a profile other than entra, shows such a token.
    const LABEL = /^\/\/.*\((getUserToken|getAppToken)\b[^)]*?(?:profile (\w+))?\)/;
    const others = new Map<string, DevIdp>();
    after(() => Promise.all([...others.values()].map((other) => other.close())));

    for (const block of blocks.filter((b) => b.lang === 'jsonc' && b.notRun === undefined)) {
      const [, helper, profile = 'entra'] = LABEL.exec(block.code) ?? [];
      if (helper === undefined) continue;
      it(`${where(block)}: the claims of a token from ${helper}, profile ${profile}`, async () => {
        let issuer = idp;
        if (profile !== 'entra') {
          issuer =
            others.get(profile) ??
            (await startDevIdp({
              profile: profile as ProfileName,
              port: 0,
              dataDir: join(scratch.dir, `dev-idp-${profile}`),
              logger: quiet,
            }));
          others.set(profile, issuer);
        }
        const token =
          helper === 'getUserToken'
            ? (await getUserToken({ metadataUrl: issuer.metadataUrl, user: 'alice' })).accessToken
            : (await getAppToken({ metadataUrl: issuer.metadataUrl })).accessToken;
        const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as object;
        const shown = parseJsonBlock(block.lang, block.code) as object;
        assert.deepEqual(Object.keys(shown).sort(), Object.keys(claims).sort());
        treatment.set(block, 'compared with a real token');
      });
    }
  });

  describe('introspection examples: the members the dev IdP answers with', () => {
    for (const block of blocks.filter(
      (b) => b.lang === 'jsonc' && /^\/\/ POST \/token\/introspection/.test(b.code),
    )) {
      it(`${where(block)}: the members of an answer about todo-daemon-opaque's token`, async () => {
        const opaque = await getAppToken({
          issuer: idp.issuer,
          clientId: 'todo-daemon-opaque',
          clientSecret: DEV_DAEMON_OPAQUE_SECRET,
        });
        const answer = await fetch(`${idp.issuer}/token/introspection`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`todo-api-introspect:${DEV_INTROSPECTION_SECRET}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ token: opaque.accessToken, token_type_hint: 'access_token' }),
        });
        assert.equal(answer.status, 200);
        const members = (await answer.json()) as object;
        const shown = parseJsonBlock(block.lang, block.code) as object;
        assert.deepEqual(Object.keys(shown).sort(), Object.keys(members).sort());
        treatment.set(block, 'compared with a real token');
      });
    }
  });

  describe('file listings: every file listed exists', () => {
    for (const block of blocks.filter((b) => b.files !== undefined && b.notRun === undefined)) {
      it(`${where(block)} (files of ${block.files})`, () => {
        const entries = block.code
          .split('\n')
          .filter((line) => line.trim() !== '')
          .flatMap((line) =>
            line
              .trim()
              .split(/\s{2,}/)[0]!
              .split(/,\s*/),
          );
        assert.ok(entries.length > 0);
        assert.deepEqual(
          entries.filter((entry) => globSync(entry, { cwd: join(root, block.files!) }).length === 0),
          [],
        );
      });
    }
  });

  describe('printed output: every line is one the program prints', () => {
    for (const block of blocks.filter((b) => b.prints !== undefined && b.notRun === undefined)) {
      it(`${where(block)} (printed by ${block.prints})`, () => {
        const source = readFileSync(join(root, block.prints!), 'utf8');
        // Each string literal of the program, as a pattern: its `${...}` parts may print anything.
        const printed = [...source.matchAll(/'([^'\n]*)'|`([^`]*)`/g)].map((m) => {
          const parts = (m[1] ?? m[2]!)
            .split(/\$\{[^}]*\}/)
            .map((part) => part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'));
          return new RegExp(`^${parts.join('.*')}$`);
        });
        const lines = block.code.split('\n').filter((line) => line.trim() !== '');
        assert.ok(lines.length > 0);
        assert.deepEqual(
          lines.filter((line) => !printed.some((pattern) => pattern.test(line))),
          [],
        );
      });
    }
  });

  describe('blocks another test asserts: that test exists and reads this README', () => {
    for (const block of blocks.filter((b) => b.checkedBy !== undefined && b.notRun === undefined)) {
      it(`${where(block)} (checked by ${block.checkedBy})`, () => {
        assert.ok(readFileSync(join(root, block.checkedBy!), 'utf8').includes(block.file));
      });
    }
  });

  describe('other languages', () => {
    for (const block of blocks.filter((b) => b.lang === 'dotenv' && b.notRun === undefined)) {
      it(`${where(block)} dotenv: every variable is one the code reads`, () => {
        const names = block.code.split('\n').flatMap((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1] ?? []);
        assert.ok(names.length > 0);
        assert.deepEqual(
          names.filter((name) => !facts.readsEnv(name)),
          [],
        );
      });
    }
    for (const block of blocks.filter((b) => b.lang === 'promql' && b.notRun === undefined)) {
      it(`${where(block)} promql: every series is one the to-do API exports`, () => {
        const source = sourceOf(join(root, 'apps/todo-api/src'), true);
        const series = new Set(
          [...block.code.matchAll(/\bgatehouse_\w+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')),
        );
        assert.ok(series.size > 0);
        assert.deepEqual(
          [...series].filter((name) => !source.includes(`'${name}'`) && !source.includes(`"${name}"`)),
          [],
        );
      });
    }
    for (const block of blocks.filter((b) => b.lang === 'diff' && b.notRun === undefined)) {
      it(`${where(block)} diff: every added line is in a file beside the README`, () => {
        const beside = sourceOf(dirname(join(root, block.file)));
        const lines = block.code.split('\n');
        const added = lines.filter((l) => /^\+(?!\+\+)/.test(l)).map((l) => l.slice(1).trim());
        assert.ok(added.length > 0);
        assert.deepEqual(
          added.filter((line) => !beside.includes(line)),
          [],
        );
      });
    }
  });

  it('prints what was done with each README’s blocks', (t) => {
    const byFile = Map.groupBy(blocks, (b) => b.file);
    for (const [file, fileBlocks] of byFile) {
      const counts = Map.groupBy(fileBlocks, (b) => treatment.get(b)!);
      t.diagnostic(
        `${file}: ${fileBlocks.length} blocks: ${[...counts].map(([k, v]) => `${v.length} ${k}`).join(', ')}`,
      );
    }
    for (const block of blocks.filter((b) => b.notRun !== undefined))
      t.diagnostic(`not-run ${where(block)}: ${block.notRun}`);
    const totals = Map.groupBy(blocks, (b) => treatment.get(b)!);
    t.diagnostic(
      `all: ${blocks.length} blocks: ${[...totals].map(([k, v]) => `${v.length} ${k}`).join(', ')}` +
        ` (${totals.get('not-run')?.length ?? 0} not-run)`,
    );
    assert.ok((totals.get('ran')?.length ?? 0) >= 3, 'fewer than 3 blocks ran');
    assert.ok((totals.get('type-checked')?.length ?? 0) >= 20, 'fewer than 20 blocks were type-checked');
  });
});

const quiet = { info: () => {}, warn: () => {}, error: (line: string) => console.error(line) };

/** The text of every file in `dir` (and below it, with `recursive`). */
function sourceOf(dir: string, recursive = false): string {
  return readdirSync(dir, { recursive })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');
}

/**
 * A block that starts the dev IdP on a port without `--issuer` gets the issuer `http://localhost:<port>`;
 * naming the same port as `127.0.0.1` elsewhere in the block trusts an issuer no token carries.
 */
function devIdpIssuerMismatches(block: CodeBlock): string[] {
  const ports = shellCommands(block)
    .filter(
      (c) => /gatehouse-dev-idp|dev-idp\/src\/cli\.ts/.test(c.argv.join(' ')) && !c.argv.includes('--issuer'),
    )
    .flatMap((c) => (c.argv.includes('--https') ? [] : [c.argv[c.argv.indexOf('--port') + 1] ?? '3001']));
  return ports.flatMap((port) =>
    block.code.includes(`http://127.0.0.1:${port}`)
      ? [`${where(block)}: the dev IdP on :${port} is http://localhost:${port}, not http://127.0.0.1:${port}`]
      : [],
  );
}
