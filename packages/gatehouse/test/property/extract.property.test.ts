import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { extractBearerToken, GatehouseError, MAX_TOKEN_LENGTH, type RequestLike } from '../../src/index.ts';

const RUNS = { numRuns: 500 };
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** What extractBearerToken may do: return a string or undefined, or throw a 400/401 GatehouseError. */
function outcome(request: RequestLike): { token: string | undefined } | { error: GatehouseError } {
  try {
    return { token: extractBearerToken(request) };
  } catch (error) {
    assert.ok(error instanceof GatehouseError, `threw a non-GatehouseError: ${String(error)}`);
    if (error.status === 400) {
      assert.equal(error.code, 'ERR_REQUEST_INVALID');
      assert.equal(error.bearerError, 'invalid_request');
    } else {
      assert.equal(error.status, 401, `unexpected status ${error.status}`);
      assert.equal(error.code, 'ERR_TOKEN_MALFORMED');
      assert.equal(error.bearerError, 'invalid_token');
    }
    return { error };
  }
}

// --- arbitraries ------------------------------------------------------------------------------

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(' ', '\t', ',', '.', 'a', 'B', '=', '-', '_', '\u00a0'), maxLength: 30 }),
);
const segment = (minLength: number) =>
  fc.string({ unit: fc.constantFrom(...B64URL), minLength, maxLength: 60 });
const jwtShaped = fc.tuple(segment(1), segment(1), segment(1)).map((parts) => parts.join('.'));
/** "bearer" in any casing. */
const bearerScheme = fc
  .array(fc.boolean(), { minLength: 6, maxLength: 6 })
  .map((upper) => [...'bearer'].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
const ows = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 4 });
const spaces = fc.string({ unit: fc.constant(' '), minLength: 1, maxLength: 4 });
const authorizationValue = fc.oneof(
  anyText,
  fc.tuple(ows, bearerScheme, spaces, fc.oneof(jwtShaped, anyText), ows).map((p) => p.join('')),
  fc
    .tuple(fc.constantFrom('Basic', 'Digest', 'Token', 'Bearer_', 'Bearerx', 'DPoP'), spaces, jwtShaped)
    .map((p) => p.join('')),
);
const headerName = fc.oneof(
  fc.constantFrom('authorization', 'Authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn'),
  fc.constantFrom('host', 'x-authorization', 'authorization-x', 'proxy-authorization', 'cookie'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
);

/** Every request shape the core accepts: Node headers, plain objects, Web Headers, rawHeaders. */
const anyRequest: fc.Arbitrary<RequestLike> = fc.oneof(
  fc.record({
    headers: fc.record({ authorization: fc.oneof(authorizationValue, fc.array(authorizationValue)) }),
  }),
  fc.record({
    headers: fc.record({ Authorization: fc.oneof(authorizationValue, fc.array(authorizationValue)) }),
  }),
  fc.record({
    headers: fc.dictionary(headerName, fc.oneof(authorizationValue, fc.array(authorizationValue))),
  }),
  fc.record({
    headers: fc.constant({}),
    rawHeaders: fc.array(fc.oneof(headerName, authorizationValue), { maxLength: 8 }),
  }),
  fc.array(fc.tuple(headerName, authorizationValue), { maxLength: 4 }).map((pairs) => {
    const headers = new Headers();
    for (const [name, value] of pairs) {
      try {
        headers.append(name, value);
      } catch {
        // Not a legal header name or value: a Web Request could not carry it either.
      }
    }
    return { headers };
  }),
);

function authorizationValuesOf(request: RequestLike): string[] {
  const values: string[] = [];
  if (request.rawHeaders) {
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) values.push(request.rawHeaders[i + 1]!);
    return values;
  }
  const { headers } = request;
  if (headers instanceof Headers) return [...headers.values()];
  for (const value of Object.values(headers)) {
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) values.push(...value);
  }
  return values;
}

// --- properties -------------------------------------------------------------------------------

describe('extractBearerToken (property-based)', () => {
  it('never throws anything but a 400/401 GatehouseError; a token it returns was sent, trimmed and bounded', () => {
    fc.assert(
      fc.property(anyRequest, (request) => {
        const result = outcome(request);
        if (!('token' in result) || result.token === undefined) return;
        const { token } = result;
        // Whether it is a well-formed JWT is verify's to judge (after the cache); here it is the
        // non-empty credential of the Bearer slot, without surrounding SP/HTAB and no comma.
        assert.ok(token.length > 0 && token.length <= MAX_TOKEN_LENGTH);
        assert.doesNotMatch(token, /^[ \t]|[ \t]$|,/);
        assert.ok(
          authorizationValuesOf(request).some((value) => value.includes(token)),
          'the token is part of an Authorization value',
        );
      }),
      RUNS,
    );
  });

  it('never returns a token for another scheme', () => {
    const otherScheme = fc
      .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 })
      .filter((s) => !/[\s]/.test(s) && s.toLowerCase() !== 'bearer');
    fc.assert(
      fc.property(
        ows,
        otherScheme,
        fc.oneof(
          fc.constant(''),
          fc.tuple(spaces, fc.oneof(jwtShaped, anyText)).map((p) => p.join('')),
        ),
        (lead, scheme, rest) => {
          const value = `${lead}${scheme}${rest}`;
          for (const request of [
            { headers: { authorization: value } },
            { headers: {}, rawHeaders: ['Authorization', value] },
          ]) {
            const result = outcome(request);
            if ('error' in result)
              assert.equal(result.error.status, 400, 'only a comma makes it a malformed request');
            else assert.equal(result.token, undefined);
          }
        },
      ),
      RUNS,
    );
  });

  it('returns exactly the token of "Bearer <jwt>" in any scheme casing and surrounding whitespace', () => {
    const shape = fc.constantFrom('object', 'Object', 'array', 'raw', 'web');
    fc.assert(
      fc.property(
        ows,
        bearerScheme,
        spaces,
        jwtShaped,
        ows,
        shape,
        fc.array(fc.tuple(fc.constantFrom('host', 'accept', 'x-token', 'cookie'), anyText), { maxLength: 3 }),
        (lead, scheme, gap, token, trail, form, others) => {
          const value = `${lead}${scheme}${gap}${token}${trail}`;
          let request: RequestLike;
          if (form === 'object') request = { headers: { authorization: value } };
          else if (form === 'Object') request = { headers: { Authorization: value } };
          else if (form === 'array') request = { headers: { authorization: [value] } };
          else if (form === 'raw') {
            request = {
              headers: {},
              rawHeaders: [...others.flat(), 'Authorization', value, ...others.flat()],
            };
          } else request = { headers: new Headers({ authorization: value }) };
          assert.equal(extractBearerToken(request), token);
        },
      ),
      RUNS,
    );
  });

  it('two or more Authorization headers are always 400 invalid_request, whatever they hold', () => {
    const authName = fc.constantFrom('authorization', 'Authorization', 'AUTHORIZATION');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(authName, authorizationValue), { minLength: 2, maxLength: 4 }),
        fc.boolean(),
        (pairs, asArray) => {
          const request: RequestLike = asArray
            ? { headers: { authorization: pairs.map(([, v]) => v) } }
            : { headers: { authorization: pairs[0]![1] }, rawHeaders: pairs.flat() };
          const result = outcome(request);
          assert.ok('error' in result && result.error.status === 400, 'refused as a malformed request');
        },
      ),
      RUNS,
    );
  });

  it('a scheme is delimited by HTTP whitespace only (SP, HTAB), not by other Unicode spaces', () => {
    const unicodeSpace = fc.constantFrom('\u00a0', '\u2028', '\ufeff', '\u3000', '\v', '\f');
    fc.assert(
      fc.property(unicodeSpace, jwtShaped, (space, token) => {
        assert.equal(
          extractBearerToken({ headers: { authorization: `${space}Bearer ${token}` } }),
          undefined,
        );
      }),
      { numRuns: 50 },
    );
  });
});
