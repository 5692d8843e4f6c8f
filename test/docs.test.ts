/**
 * The repository's own documentation stays true: commands the root README tells a newcomer to run
 * exist, relative links (and their #anchors) lead somewhere, and `npm run docs` documents every
 * public entry point of gatehouse-auth. Running TypeDoc itself takes ~15-20 s on the CI machine, too
 * slow for the unit suite, so only its configuration is checked here.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const PAGES = ['README.md', 'docs/security.md', 'docs/migrating.md', 'docs/performance.md'];

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

/** Links written as `[text](target)`, outside code blocks, that are not URLs. */
function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`(?!\])/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('root README commands', () => {
  const readme = read('README.md');

  it('every `npm run X` it mentions is a script of the root package.json', () => {
    const named = [...readme.matchAll(/npm run (?:-s |--silent )?([\w:-]+)/g)].map((m) => m[1]!);
    assert.ok(named.length >= 5, `found only ${named.length} npm run commands`);
    for (const name of new Set(named)) assert.ok(name in scripts, `npm run ${name}: no such script`);
  });

  it('`npm start` and `npm test` are scripts too', () => {
    assert.match(readme, /npm start/);
    assert.match(readme, /npm test/);
    assert.ok('start' in scripts && 'test' in scripts);
  });
});

describe('relative links in the root README and docs/', () => {
  for (const page of PAGES) {
    it(`${page}: every relative link resolves to a file, and an #anchor to a heading`, () => {
      const links = relativeLinks(read(page));
      assert.ok(links.length > 0, `${page} has no relative links`);
      for (const link of links) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? join(root, page) : resolve(dirname(join(root, page)), path);
        assert.ok(existsSync(target), `${page}: ${link} leads nowhere`);
        if (anchor === undefined || anchor === '') continue;
        const file = statSync(target).isDirectory() ? join(target, 'README.md') : target;
        assert.ok(anchors(readFileSync(file, 'utf8')).has(anchor), `${page}: ${link}: no such heading`);
      }
    });
  }
});

describe('npm run docs (TypeDoc)', () => {
  const config = JSON.parse(read('typedoc.json')) as { entryPoints: string[]; out: string };

  it('has one entry point per public subpath of gatehouse-auth', () => {
    const pkg = JSON.parse(read('packages/gatehouse/package.json')) as {
      exports: Record<string, string | { types: string }>;
    };
    const fromExports = Object.values(pkg.exports)
      .filter((target) => typeof target !== 'string')
      .map(
        (target) =>
          `packages/gatehouse/${target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')}`,
      );
    assert.deepEqual([...config.entryPoints].sort(), fromExports.sort());
    assert.ok(read('.gitignore').split('\n').includes(`${config.out}/`), 'the output folder is git-ignored');
  });
});
