/**
 * Random mutations of compact JWS tokens, as data (so fast-check prints readable counterexamples
 * and shrinks them), and the rule that decides whether a mutation changed what was signed.
 */
import fc from 'fast-check';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

type Segment = 0 | 1 | 2;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type Mutation =
  | { kind: 'replace'; segment: Segment; at: number; char: string }
  | { kind: 'insert'; segment: Segment; at: number; text: string }
  | { kind: 'delete'; segment: Segment; at: number; count: number }
  | { kind: 'bitflip'; segment: Segment; byte: number; bit: number }
  | { kind: 'case'; segment: Segment; at: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'swap'; order: [Segment, Segment, Segment] }
  | {
      kind: 'dots';
      variant: 'double-first' | 'double-second' | 'leading' | 'trailing' | 'extra-segment' | 'drop-dot';
    }
  | { kind: 'header'; set: Record<string, Json>; remove: string[] }
  | { kind: 'payload'; set: Record<string, Json>; remove: string[] }
  | { kind: 'reencode'; segment: 0 | 1; style: 'spaced' | 'padded' | 'base64' | 'reordered' }
  | { kind: 'signature-from'; donor: number };

// --- arbitraries ------------------------------------------------------------------------------

const segmentArb = fc.constantFrom<Segment>(0, 1, 2);
const position = fc.nat({ max: 2000 });
const charArb = fc.oneof(
  fc.constantFrom(...B64URL),
  fc.constantFrom(
    '.',
    '=',
    '+',
    '/',
    ' ',
    '\t',
    '\n',
    '%',
    '"',
    '\\',
    '\u0000',
    '\u00a0',
    '\u2028',
    '\ufeff',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const json: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
const headerNames = fc.constantFrom(
  'alg',
  'kid',
  'typ',
  'crit',
  'jwk',
  'jku',
  'x5u',
  'x5c',
  'x5t',
  'b64',
  'zip',
  'cty',
  'enc',
);
const headerValue = (name: string): fc.Arbitrary<Json> => {
  switch (name) {
    case 'alg':
      return fc.oneof(
        fc.constantFrom(
          'none',
          'None',
          'NONE',
          'HS256',
          'HS512',
          'RS256',
          'RS384',
          'RS512',
          'PS256',
          'ES256',
          'ES384',
        ),
        fc.constantFrom('ES512', 'EdDSA', 'Ed25519', 'rs256', '', 'dir', 'RSA-OAEP'),
        json,
      );
    case 'typ':
      return fc.oneof(fc.constantFrom('JWT', 'at+jwt', 'application/at+jwt', 'id+jwt', 'JOSE', ''), json);
    case 'crit':
      return fc.oneof(
        fc.constant<Json>(['b64']),
        fc.constant<Json>(['exp']),
        fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
        json,
      );
    case 'b64':
      return fc.oneof(fc.constant(false), json);
    case 'jwk':
      return fc.oneof(
        fc.constant({ kty: 'RSA', n: 'AQAB', e: 'AQAB' }),
        fc.constant({ kty: 'oct', k: 'c2VjcmV0' }),
        fc.constant({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }),
        json,
      );
    case 'jku':
    case 'x5u':
      return fc.oneof(
        fc.constant('http://127.0.0.1:1/jwks'),
        fc.constant('https://attacker.example/jwks'),
        json,
      );
    case 'x5c':
      return fc.oneof(fc.constant<Json>(['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA']), json);
    default:
      return fc.oneof(fc.string({ maxLength: 40 }), json);
  }
};
const headerChange = headerNames.chain((name) => headerValue(name).map((value) => [name, value] as const));
const claimNames = fc.constantFrom(
  'iss',
  'aud',
  'exp',
  'nbf',
  'iat',
  'sub',
  'oid',
  'tid',
  'scp',
  'roles',
  'idtyp',
  'azp',
  'x',
);
const claimValue = fc.oneof(
  json,
  fc.constantFrom('api://test', 'api://other', 'ToDoList.ReadWrite admin', 'app', 'https://evil.example'),
  fc.integer({ min: 0, max: 4_102_444_800 }),
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), segment: segmentArb, at: position, char: charArb }),
  fc.record({
    kind: fc.constant('insert' as const),
    segment: segmentArb,
    at: position,
    text: fc.oneof(charArb, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 })),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    segment: segmentArb,
    at: position,
    count: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    kind: fc.constant('bitflip' as const),
    segment: segmentArb,
    byte: position,
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ kind: fc.constant('case' as const), segment: segmentArb, at: position }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('swap' as const),
    order: fc.constantFrom<[Segment, Segment, Segment]>(
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
      [0, 0, 2],
      [0, 1, 1],
    ),
  }),
  fc.record({
    kind: fc.constant('dots' as const),
    variant: fc.constantFrom(
      'double-first',
      'double-second',
      'leading',
      'trailing',
      'extra-segment',
      'drop-dot',
    ),
  }),
  fc.record({
    kind: fc.constant('header' as const),
    set: fc.array(headerChange, { maxLength: 3 }).map((pairs) => Object.fromEntries(pairs)),
    remove: fc.subarray(['alg', 'kid', 'typ']),
  }),
  fc.record({
    kind: fc.constant('payload' as const),
    set: fc
      .array(fc.tuple(claimNames, claimValue), { maxLength: 3 })
      .map((pairs) => Object.fromEntries(pairs)),
    remove: fc.subarray(['exp', 'aud', 'iss', 'sub', 'oid', 'scp']),
  }),
  fc.record({
    kind: fc.constant('reencode' as const),
    segment: fc.constantFrom<0 | 1>(0, 1),
    style: fc.constantFrom('spaced', 'padded', 'base64', 'reordered'),
  }),
  fc.record({ kind: fc.constant('signature-from' as const), donor: fc.nat({ max: 100 }) }),
);

/** One to three mutations applied in turn. */
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

// --- applying them ----------------------------------------------------------------------------

function splice(text: string, at: number, remove: number, insert: string): string {
  const i = text.length === 0 ? 0 : at % (text.length + 1);
  return text.slice(0, i) + insert + text.slice(i + remove);
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Applies one mutation; `donors` are other genuine tokens whose signatures may be transplanted. */
export function applyMutation(token: string, mutation: Mutation, donors: readonly string[]): string {
  const parts = token.split('.');
  const withPart = (index: number, value: string): string => {
    const copy = [...parts];
    while (copy.length <= index) copy.push('');
    copy[index] = value;
    return copy.join('.');
  };
  const part = (index: number): string => parts[index] ?? '';
  switch (mutation.kind) {
    case 'replace': {
      const seg = part(mutation.segment);
      if (seg.length === 0) return withPart(mutation.segment, mutation.char);
      return withPart(mutation.segment, splice(seg, mutation.at % seg.length, 1, mutation.char));
    }
    case 'insert':
      return withPart(mutation.segment, splice(part(mutation.segment), mutation.at, 0, mutation.text));
    case 'delete':
      return withPart(mutation.segment, splice(part(mutation.segment), mutation.at, mutation.count, ''));
    case 'bitflip': {
      const bytes = Buffer.from(part(mutation.segment), 'base64url');
      if (bytes.length === 0) return withPart(mutation.segment, 'AA');
      const i = mutation.byte % bytes.length;
      bytes[i] = bytes[i]! ^ (1 << mutation.bit);
      return withPart(mutation.segment, bytes.toString('base64url'));
    }
    case 'case': {
      const seg = part(mutation.segment);
      if (seg.length === 0) return token;
      const i = mutation.at % seg.length;
      const c = seg[i]!;
      const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      return withPart(mutation.segment, splice(seg, i, 1, flipped));
    }
    case 'truncate':
      return token.slice(0, mutation.at % (token.length + 1));
    case 'swap':
      return mutation.order.map((i) => part(i)).join('.');
    case 'dots':
      switch (mutation.variant) {
        case 'double-first':
          return token.replace('.', '..');
        case 'double-second':
          return `${part(0)}.${part(1)}..${parts.slice(2).join('.')}`;
        case 'leading':
          return `.${token}`;
        case 'trailing':
          return `${token}.`;
        case 'extra-segment':
          return `${token}.${part(2)}`;
        case 'drop-dot':
          return token.replace('.', '');
      }
      return token;
    case 'header':
    case 'payload': {
      const index = mutation.kind === 'header' ? 0 : 1;
      const decoded = decodeJson(part(index)) ?? {};
      for (const name of mutation.remove) delete decoded[name];
      return withPart(index, encodeJson({ ...decoded, ...mutation.set }));
    }
    case 'reencode': {
      const decoded = decodeJson(part(mutation.segment));
      if (!decoded) return token;
      const text = JSON.stringify(decoded);
      switch (mutation.style) {
        case 'spaced':
          return withPart(
            mutation.segment,
            Buffer.from(JSON.stringify(decoded, null, 1)).toString('base64url'),
          );
        case 'padded':
          return withPart(mutation.segment, Buffer.from(text).toString('base64'));
        case 'base64':
          return withPart(mutation.segment, Buffer.from(text).toString('base64').replace(/=+$/, ''));
        case 'reordered': {
          const reversed = Object.fromEntries(Object.entries(decoded).reverse());
          return withPart(mutation.segment, encodeJson(reversed));
        }
      }
      return token;
    }
    case 'signature-from': {
      const donor = donors.length === 0 ? undefined : donors[mutation.donor % donors.length];
      return donor === undefined ? token : withPart(2, donor.split('.')[2] ?? '');
    }
  }
}

export function applyMutations(
  token: string,
  mutations: readonly Mutation[],
  donors: readonly string[],
): string {
  return mutations.reduce((current, mutation) => applyMutation(current, mutation, donors), token);
}

// --- deciding what a mutation changed ---------------------------------------------------------

/** Strict base64url (RFC 7515 §2: no padding, no whitespace, URL alphabet only), or undefined. */
export function strictDecode(segment: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(segment) || segment.length % 4 === 1) return undefined;
  return Buffer.from(segment, 'base64url');
}

/** What WHATWG `atob` (and so jose without `Uint8Array.fromBase64`) makes of a base64url segment. */
export function forgivingDecode(segment: string): Buffer | undefined {
  let s = segment.replace(/[\t\n\f\r ]/g, '');
  if (s.length % 4 === 0) s = s.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return undefined;
  return Buffer.from(s, 'base64url');
}

export type Change =
  /** Same signing input, same signature bytes: the JWS is unchanged (e.g. different padding bits). */
  | 'none'
  /** Same signing input and signature bytes, but the signature is not strict base64url (whitespace, `=`). */
  | 'non-canonical-signature'
  /** Something that was signed, or the signature itself, is different. */
  | 'changed';

/**
 * The signature covers the header and payload segments as transmitted (RFC 7515 §5.2), so any
 * change to their text must be refused. The signature segment is compared by decoded bytes.
 */
export function changeOf(original: string, mutated: string): Change {
  const a = original.split('.');
  const b = mutated.split('.');
  if (b.length !== 3 || a[0] !== b[0] || a[1] !== b[1]) return 'changed';
  const expected = strictDecode(a[2]!)!;
  const strict = strictDecode(b[2]!);
  if (strict) return strict.equals(expected) ? 'none' : 'changed';
  const forgiving = forgivingDecode(b[2]!);
  return forgiving?.equals(expected) ? 'non-canonical-signature' : 'changed';
}
