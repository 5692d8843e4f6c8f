/**
 * The option table is the one home of every default and bound: the README's tables are generated
 * from it, and the interfaces' doc comments (what editors show) must say what it says. These tests
 * read the TypeScript source of the interfaces, so a comment that drifts fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { flatten, literal, markedTables, README, withTables } from '../../../../scripts/options-table.ts';
import { isRow, type OptionRow, type OptionTable } from '../../src/core/option-rules.ts';
import {
  CACHE_OPTIONS,
  DPOP_OPTIONS,
  INTROSPECTION_OPTIONS,
  ISSUER_OPTIONS,
  MTLS_OPTIONS,
  SHARED_OPTIONS,
} from '../../src/core/option-table.ts';

/** One documented member of an options interface, nested type literals flattened (`keys.timeout`). */
interface Member {
  path: string;
  /** The whole doc comment, tags included. */
  comment: string;
  /** The `@default` tag's text, when it has one. */
  defaultTag: string | undefined;
  /** The members of an inline object type (`keys?: { timeout?: number }`), when it is one. */
  children: Member[] | undefined;
  /** The object holding it has a `@default` of its own, which says this member's default too. */
  inParentDefault?: boolean;
}

function membersOf(node: readonly ts.TypeElement[], source: ts.SourceFile): Member[] {
  return node.filter(ts.isPropertySignature).map((property) => {
    const docs = ts.getJSDocCommentsAndTags(property).filter(ts.isJSDoc);
    const tag = ts.getJSDocTags(property).find((t) => t.tagName.text === 'default');
    const text = (comment: ts.JSDoc['comment']) =>
      typeof comment === 'string' ? comment : ts.getTextOfJSDocComment(comment);
    return {
      path: property.name.getText(source),
      comment: docs.map((doc) => doc.getText(source)).join('\n'),
      defaultTag: tag === undefined ? undefined : (text(tag.comment) ?? '').replace(/\s+/g, ' ').trim(),
      children:
        property.type !== undefined && ts.isTypeLiteralNode(property.type)
          ? membersOf(property.type.members, source)
          : undefined,
    };
  });
}

function interfaceMembers(file: string, name: string): Member[] {
  const path = fileURLToPath(new URL(`../../src/core/${file}`, import.meta.url));
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
  );
  assert.ok(found, `${file} declares ${name}`);
  return membersOf(found.members, source);
}

/** Each options interface and the part of the table that describes it. */
const INTERFACES: [file: string, name: string, table: OptionTable][] = [
  ['options.ts', 'IssuerOptions', ISSUER_OPTIONS],
  ['options.ts', 'SharedOptions', SHARED_OPTIONS],
  ['dpop/options.ts', 'DpopOptions', DPOP_OPTIONS],
  ['introspection/options.ts', 'IntrospectionOptions', INTROSPECTION_OPTIONS],
  ['dpop/certificate.ts', 'MtlsOptions', MTLS_OPTIONS],
];

/** Pairs each member with its table entry, walking inline object types into nested tables. */
type Entry = OptionRow | OptionTable | undefined;

function pairs(members: Member[], table: OptionTable, prefix = ''): [Member, Entry][] {
  return members.flatMap((member): [Member, Entry][] => {
    const entry = table[member.path];
    const named = { ...member, path: `${prefix}${member.path}` };
    const nested =
      entry !== undefined && member.children !== undefined && !isRow(entry)
        ? pairs(
            member.children.map((child) => ({ ...child, inParentDefault: member.defaultTag !== undefined })),
            entry,
            `${named.path}.`,
          )
        : [];
    return [[named, entry], ...nested];
  });
}

/** What a value default looks like in a `@default` tag: `60`, `'api'`, `{ strict: false }`. */
function expectedTag(entry: OptionRow | OptionTable): string | undefined {
  if (isRow(entry)) {
    const value = entry.default;
    return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean'
      ? literal(value)
      : undefined;
  }
  const parts = Object.entries(entry).flatMap(([name, child]) => {
    const tag = expectedTag(child);
    return tag === undefined ? [] : [`${name}: ${tag}`];
  });
  return parts.length === 0 ? undefined : `{ ${parts.join(', ')} }`;
}

describe('option table: the one home of defaults and bounds', () => {
  for (const [file, name, table] of INTERFACES) {
    const members = pairs(interfaceMembers(file, name), table);

    it(`${name}: every member has a row, and every row a member`, () => {
      const missing = members.filter(([, entry]) => entry === undefined).map(([m]) => m.path);
      assert.deepEqual(missing, [], `${name} members with no row in the option table`);
      const declared = new Set(members.map(([m]) => m.path));
      // Rows under an option typed by another interface (`mtls.*`) are checked with that interface.
      const inline = new Set(members.filter(([m]) => m.children !== undefined).map(([m]) => m.path));
      const rows = flatten(table)
        .map(([path]) => path)
        .filter((path) => !path.includes('.') || inline.has(path.slice(0, path.lastIndexOf('.'))));
      for (const path of rows) assert.ok(declared.has(path), `${name} has no member for the row ${path}`);
    });

    it(`${name}: each @default says the table's default value`, () => {
      for (const [member, entry] of members) {
        const expected = entry === undefined ? undefined : expectedTag(entry);
        if (expected === undefined || member.inParentDefault) continue;
        // An object option's members carry their own tags; a tag on the object must agree with them.
        if (member.defaultTag === undefined && entry !== undefined && !isRow(entry)) continue;
        assert.ok(member.defaultTag !== undefined, `${name}.${member.path} lacks @default ${expected}`);
        assert.ok(
          member.defaultTag === expected || member.defaultTag.startsWith(`${expected} `),
          `${name}.${member.path}: @default ${member.defaultTag}, but the table says ${expected}`,
        );
      }
    });

    it(`${name}: bounds written in comments are the table's`, () => {
      for (const [member, entry] of members) {
        if (entry === undefined || !isRow(entry)) continue;
        for (const [, min, max] of member.comment.matchAll(/\((\d+) to (\d+)\)/g)) {
          assert.equal(entry.kind, 'number', `${member.path} has bounds in its comment`);
          if (entry.kind === 'number')
            assert.deepEqual([Number(min), Number(max)], [entry.min, entry.max], member.path);
        }
        for (const [, max] of member.comment.matchAll(/at most (\d+)[.;,)]/g)) {
          assert.ok(entry.kind === 'number' && entry.max === Number(max), `${member.path}: at most ${max}`);
        }
      }
    });
  }

  it('a default named only in a comment (dpop: the mode) is the one the README shows', () => {
    for (const [file, name, table] of INTERFACES) {
      for (const [member, entry] of pairs(interfaceMembers(file, name), table)) {
        const quoted = /^'[^']*'/.exec(member.defaultTag ?? '')?.[0];
        if (quoted === undefined || entry === undefined || !isRow(entry) || entry.default !== undefined)
          continue;
        assert.equal(entry.shown, `\`${quoted}\``, `${name}.${member.path}`);
      }
    }
  });

  it("the token cache's own @default tags agree with cache.*", () => {
    const members = interfaceMembers('token-cache.ts', 'TokenCacheOptions');
    for (const member of members) {
      const row = CACHE_OPTIONS[member.path as keyof typeof CACHE_OPTIONS];
      assert.ok(row, `cache.${member.path} is in the table`);
      assert.ok(member.defaultTag?.startsWith(literal(row.default)), `cache.${member.path}`);
    }
  });
});

describe('README options tables', () => {
  const readme = readFileSync(README, 'utf8');

  it('are the ones the option table generates (npm run docs:options)', () => {
    assert.equal(withTables(readme), readme, 'stale: run npm run docs:options');
  });

  it('are three: every option, dpop.*, introspection.*', () => {
    assert.deepEqual(markedTables(readme).sort(), ['dpop', 'introspection', 'options']);
  });

  it('list every top-level option, nested ones by their dotted paths', () => {
    const section = readme.slice(readme.indexOf('## Options'), readme.indexOf('## What is verified'));
    const listed = [...section.matchAll(/^\| `([\w.]+)`/gm)].map((m) => m[1]!);
    const topLevel = [...Object.keys(ISSUER_OPTIONS), ...Object.keys(SHARED_OPTIONS)];
    for (const name of topLevel)
      assert.ok(
        listed.some((path) => path === name || path.startsWith(`${name}.`)),
        `${name} is missing`,
      );
    for (const path of ['keys.timeout', 'cache.maxBytes', 'tokenType.strict', 'mtls.certificateHeader'])
      assert.ok(listed.includes(path), path);
  });
});
