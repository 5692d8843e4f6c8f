import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, type Gatehouse } from '../../src/index.ts';
import { type RawReply, type RunningServer, rawExchange } from '../adapters/http-client.ts';
import { nodeHttpServer } from '../adapters/servers.ts';
import { applyMutations, changeOf, mutationsArb } from './mutations.ts';

/** Header value characters: anything but CR and LF (which would end the header, not fill it). */
const valueChar = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
    fc.constantFrom(' ', '\t', ',', '.', '=', '"', '\\', '\u0000', '\u007f', '\u00a0', '\u00ff'),
  )
  .filter((c) => !/[\r\n]/.test(c));
const anyValue = fc.string({ unit: valueChar, maxLength: 120 });
const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Bearer,', 'DPoP', '');

describe('node:http adapter: random Authorization headers (property-based)', () => {
  let issuer: TestIssuer;
  let gatehouse: Gatehouse;
  let server: RunningServer;
  let token: string;
  const donors: string[] = [];

  before(async () => {
    issuer = await TestIssuer.start(['RS256', 'ES256', 'EdDSA']);
    gatehouse = createGatehouse({ issuer: issuer.url, audience: issuer.audience });
    server = await nodeHttpServer(gatehouse);
    token = await issuer.sign({}, { alg: 'ES256' });
    donors.push(
      await issuer.sign({ scp: 'admin' }, { alg: 'ES256' }),
      await issuer.sign({}, { alg: 'RS256' }),
    );
    const ok = await rawExchange(
      server.url,
      `GET /read HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(ok.status, 200, 'the unmutated token is accepted');
  });
  after(async () => {
    await server?.close();
    gatehouse?.close();
    await issuer?.close();
  });

  /** Sends one request with this Authorization value (bytes as UTF-8), once or twice. */
  async function exchange(path: string, value: string, twice: boolean): Promise<RawReply> {
    const line = Buffer.concat([
      Buffer.from('Authorization: '),
      Buffer.from(value, 'utf8'),
      Buffer.from('\r\n'),
    ]);
    const request = Buffer.concat([
      Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n`),
      line,
      twice ? line : Buffer.alloc(0),
      Buffer.from('Connection: close\r\n\r\n'),
    ]);
    const reply = await rawExchange(server.url, request);
    assert.ok(reply.status !== undefined, `no HTTP answer (${reply.error}) for ${JSON.stringify(value)}`);
    return reply;
  }

  const value = fc.oneof(
    anyValue,
    fc.tuple(scheme, fc.constantFrom(' ', '  ', '\t'), anyValue).map((p) => p.join('')),
    fc.tuple(scheme, mutationsArb).map(([s, ms]) => ({ scheme: s, mutations: ms })),
  );

  it('never answers 200 or 5xx, and always answers', async () => {
    const seen = new Map<number | undefined, number>();
    const twice = fc.oneof(
      { weight: 1, arbitrary: fc.constant(true) },
      { weight: 5, arbitrary: fc.constant(false) },
    );
    await fc.assert(
      fc.asyncProperty(
        value,
        fc.constantFrom('/read', '/write', '/claim'),
        twice,
        async (generated, path, twice) => {
          let header: string;
          if (typeof generated === 'string') header = generated;
          else {
            const mutated = applyMutations(token, generated.mutations, donors);
            // A mutation that leaves the signed bytes alone is the same token; it may pass.
            fc.pre(changeOf(token, mutated) !== 'none' || twice);
            header = `${generated.scheme} ${mutated}`;
          }
          const reply = await exchange(path, header, twice);
          const status = reply.status!;
          seen.set(status, (seen.get(status) ?? 0) + 1);
          assert.ok(status !== 200 && status < 500, `${status} for ${JSON.stringify(header)}`);
          // A refusal by gatehouse (rather than by the HTTP parser) always carries its challenge, and
          // with DPoP allowed (the default) it offers Bearer too: after the DPoP one when the request
          // used the DPoP scheme (RFC 9449 §7.1), first otherwise.
          if (status === 401 || status === 403) {
            const dpopRequest = /^dpop([ \t]|$)/i.test(header.replace(/^[ \t]+|[ \t]+$/g, ''));
            assert.match(
              reply.raw,
              dpopRequest
                ? /\r\nwww-authenticate: DPoP realm="api"[^\r\n]*, Bearer realm="api"/i
                : /\r\nwww-authenticate: Bearer realm="api"/i,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
    // Most cases reach gatehouse rather than stopping at the HTTP parser.
    assert.ok((seen.get(401) ?? 0) > 100, `401s: ${seen.get(401)}; statuses ${JSON.stringify([...seen])}`);
    // The server is still serving.
    assert.equal((await exchange('/read', `Bearer ${token}`, false)).status, 200);
  });
});
