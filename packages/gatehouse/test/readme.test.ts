import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Gatehouse } from '../src/index.ts';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const section = readme.slice(readme.indexOf('## Use with your provider'), readme.indexOf('## Migrating'));
const snippets = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = fileURLToPath(new URL('./.readme-snippets/', import.meta.url));

describe('README: every "Use with your provider" snippet runs as written', () => {
  mkdirSync(dir, { recursive: true });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has one snippet per provider', () => {
    assert.equal(snippets.length, 10);
  });

  for (const [i, code] of snippets.entries()) {
    const name = /from 'gatehouse\/providers'/.test(code)
      ? (/import \{ ([^}]+) \}/.exec(code.split('\n')[1] ?? '')?.[1] ?? 'preset')
      : 'oidc';
    it(`snippet ${i + 1} (${name}) builds a gatehouse with https issuers`, async () => {
      const file = `${dir}snippet-${i}.ts`;
      writeFileSync(file, `${code}\nexport default gh;\n`);
      const { default: gh } = (await import(pathToFileURL(file).href)) as { default: Gatehouse };
      assert.ok(gh.options.issuers.length >= 1);
      for (const issuer of gh.options.issuers) {
        const url = issuer.source.kind === 'jwks' ? issuer.source.jwksUri : issuer.source.metadataUrl;
        assert.match(url, /^https:\/\//);
      }
      gh.close();
    });
  }
});
