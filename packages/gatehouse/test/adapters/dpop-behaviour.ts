/**
 * DPoP (RFC 9449) over real HTTP, run unchanged against every adapter: each proof check is shown
 * with a proof that fails that check alone (the stable code names which one), and the challenge
 * headers are compared whole.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { createGatehouse, type Gatehouse, type ProblemDetails, type ReplayStore } from '../../src/index.ts';
import { type DpopKey, makeDpopKey, makeProof, type ProofInit } from '../helpers/dpop.ts';
import { header, type Reply, type RunningServer, send } from './http-client.ts';
import type { MakeServer } from './servers.ts';

const ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519';
const SUBJECT = '00000000-0000-0000-0000-0000000000a1';

function refused(reply: Reply, status: number, code: string): ProblemDetails {
  assert.equal(reply.status, status, `expected ${status}, got ${reply.status}: ${reply.text}`);
  assert.equal(header(reply, 'cache-control'), 'no-store');
  const body = JSON.parse(reply.text) as ProblemDetails;
  assert.equal(body.code, code, reply.text);
  return body;
}

function proofChallenge(description: string): string {
  return `DPoP realm="api", error="invalid_dpop_proof", error_description="${description}", algs="${ALGS}", Bearer realm="api"`;
}

function ok(reply: Reply): void {
  assert.equal(reply.status, 200, reply.text);
  assert.equal((JSON.parse(reply.text) as { subject: string }).subject, SUBJECT);
}

/** Neither the challenge nor the body may echo the token or the proof. */
function noLeak(reply: Reply, ...secrets: string[]): void {
  const surface = `${header(reply, 'www-authenticate') ?? ''}\n${reply.text}`;
  for (const secret of secrets)
    for (const piece of secret.split('.'))
      if (piece.length >= 8) assert.ok(!surface.includes(piece), `the answer echoes token or proof text`);
}

class FailingStore implements ReplayStore {
  seen(): Promise<boolean> {
    return Promise.reject(new Error('connection refused'));
  }
}

export function runDpopBehaviour(name: string, makeServer: MakeServer): void {
  describe(`${name} adapter: DPoP (RFC 9449) over real HTTP`, () => {
    let issuer: TestIssuer;
    const gatehouses: Gatehouse[] = [];
    const servers: RunningServer[] = [];
    let allowed: string;
    let required: string;
    let off: string;
    let failing: string;
    let nonced: string;
    let client: DpopKey;
    let attacker: DpopKey;
    let bound: string;

    async function serve(options: Parameters<typeof createGatehouse>[0]): Promise<string> {
      const gatehouse = createGatehouse(options);
      gatehouse.start();
      gatehouses.push(gatehouse);
      const server = await makeServer(gatehouse);
      servers.push(server);
      return server.url;
    }

    /** GET `path` with `Authorization: DPoP <token>` and a proof made for it (overridable). */
    async function dpopGet(
      base: string,
      path: string,
      token: string,
      init: Partial<ProofInit> & { key?: DpopKey; proof?: string | string[] } = {},
    ): Promise<Reply> {
      const proof =
        init.proof ??
        (await makeProof(init.key ?? client, { method: 'GET', url: `${base}${path}`, token, ...init }));
      return send(base, path, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
    }

    before(async () => {
      issuer = await TestIssuer.start(['RS256']);
      client = await makeDpopKey('ES256');
      attacker = await makeDpopKey('ES256');
      const base = { issuer: issuer.url, audience: issuer.audience };
      allowed = await serve(base);
      required = await serve({ ...base, dpop: 'required' });
      off = await serve({ ...base, dpop: 'off' });
      failing = await serve({ ...base, dpop: { mode: 'allowed', replayStore: new FailingStore() } });
      nonced = await serve({
        ...base,
        dpop: { nonce: { secret: 'test nonce secret, thirty-two characters or more' } },
      });
      bound = await issuer.sign({ cnf: { jkt: client.jkt } });
    });
    after(async () => {
      for (const server of servers) await server.close();
      for (const gatehouse of gatehouses) gatehouse.close();
      await issuer?.close();
    });

    describe('a bound token with a valid proof', () => {
      it('is accepted, and each request needs its own proof: the token cache never skips the proof', async () => {
        ok(await dpopGet(allowed, '/read', bound));
        ok(await dpopGet(allowed, '/read', bound)); // token now from the cache, fresh proof checked
        const reply = await dpopGet(allowed, '/read', bound, { claims: { htm: 'POST' } });
        refused(reply, 401, 'ERR_DPOP_PROOF_METHOD');
      });

      it('POST with a proof for POST, query ignored in htu (RFC 9449 §4.3 check 9), EdDSA proof keys too', async () => {
        const ed = await makeDpopKey('EdDSA');
        const edBound = await issuer.sign({ cnf: { jkt: ed.jkt } });
        const proof = await makeProof(ed, { method: 'POST', url: `${allowed}/read`, token: edBound });
        ok(
          await send(allowed, '/read?x=1', {
            method: 'POST',
            headers: { authorization: `dpop ${edBound}`, dpop: proof },
          }),
        );
      });

      it('in required mode too', async () => {
        ok(await dpopGet(required, '/read', bound));
      });
    });

    describe('each proof check, failed alone: 401 invalid_dpop_proof', () => {
      it('no DPoP header with the DPoP scheme (§7.1)', async () => {
        const reply = await send(allowed, '/read', { headers: { authorization: `DPoP ${bound}` } });
        refused(reply, 401, 'ERR_DPOP_PROOF_MISSING');
        assert.equal(
          header(reply, 'www-authenticate'),
          proofChallenge('A DPoP proof is required with the DPoP scheme'),
        );
      });

      it('two DPoP headers (§4.3 check 1)', async () => {
        const one = await makeProof(client, { method: 'GET', url: `${allowed}/read`, token: bound });
        const two = await makeProof(client, { method: 'GET', url: `${allowed}/read`, token: bound });
        const reply = await send(allowed, '/read', {
          headers: { authorization: `DPoP ${bound}`, dpop: [one, two] },
        });
        refused(reply, 401, 'ERR_DPOP_PROOF_MULTIPLE');
        assert.equal(header(reply, 'www-authenticate'), proofChallenge('Send exactly one DPoP header'));
      });

      it('not a compact JWS (§4.3 check 2)', async () => {
        const reply = await dpopGet(allowed, '/read', bound, { proof: 'not-a-jws' });
        refused(reply, 401, 'ERR_DPOP_PROOF_MALFORMED');
        assert.equal(header(reply, 'www-authenticate'), proofChallenge('The DPoP proof is malformed'));
      });

      it('typ other than dpop+jwt (§4.3 check 4)', async () => {
        const reply = await dpopGet(allowed, '/read', bound, { header: { typ: 'JWT' } });
        refused(reply, 401, 'ERR_DPOP_PROOF_TYPE');
        assert.equal(
          header(reply, 'www-authenticate'),
          proofChallenge('The DPoP proof must have typ dpop+jwt'),
        );
      });

      it('a symmetric alg (HS256), with the right public jwk (§4.3 check 5)', async () => {
        const reply = await dpopGet(allowed, '/read', bound, {
          header: { alg: 'HS256' },
          signWith: randomBytes(32),
        });
        refused(reply, 401, 'ERR_DPOP_PROOF_ALGORITHM');
        assert.equal(
          header(reply, 'www-authenticate'),
          proofChallenge('The DPoP proof algorithm is not supported'),
        );
      });

      it('alg none is refused the same way (§4.3 check 5)', async () => {
        const good = await makeProof(client, { method: 'GET', url: `${allowed}/read`, token: bound });
        const [, payload] = good.split('.');
        const head = Buffer.from(
          JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: client.publicJwk }),
        ).toString('base64url');
        const reply = await dpopGet(allowed, '/read', bound, { proof: `${head}.${payload}.AAAA` });
        refused(reply, 401, 'ERR_DPOP_PROOF_ALGORITHM');
      });

      it('a jwk with its private key (§4.3 check 7), signed correctly with it', async () => {
        const reply = await dpopGet(allowed, '/read', bound, { header: { jwk: client.privateJwk } });
        refused(reply, 401, 'ERR_DPOP_PROOF_KEY');
        assert.equal(
          header(reply, 'www-authenticate'),
          proofChallenge('The DPoP proof key must not contain private key material'),
        );
      });

      it('no jwk in the header (§4.3 check 7)', async () => {
        const reply = await dpopGet(allowed, '/read', bound, { header: { jwk: undefined } });
        refused(reply, 401, 'ERR_DPOP_PROOF_KEY');
      });

      it('a signature by another key than the header jwk (§4.3 check 6)', async () => {
        const reply = await dpopGet(allowed, '/read', bound, { signWith: attacker.privateKey });
        refused(reply, 401, 'ERR_DPOP_PROOF_SIGNATURE');
        assert.equal(
          header(reply, 'www-authenticate'),
          proofChallenge('The DPoP proof signature is invalid'),
        );
      });

      it('htm other than the request method (§4.3 check 8)', async () => {
        const reply = await dpopGet(allowed, '/read', bound, { claims: { htm: 'POST' } });
        refused(reply, 401, 'ERR_DPOP_PROOF_METHOD');
        assert.equal(
          header(reply, 'www-authenticate'),
          proofChallenge('The DPoP proof htu does not match the request URI').replace(
            'htu does not match the request URI',
            'htm does not match the request method',
          ),
        );
      });

      it('htu for another path, and for another host (§4.3 check 9)', async () => {
        const path = await dpopGet(allowed, '/read', bound, { claims: { htu: `${allowed}/write` } });
        refused(path, 401, 'ERR_DPOP_PROOF_URI');
        assert.equal(
          header(path, 'www-authenticate'),
          proofChallenge('The DPoP proof htu does not match the request URI'),
        );
        const host = await dpopGet(allowed, '/read', bound, {
          claims: { htu: 'https://api.example.com/read' },
        });
        refused(host, 401, 'ERR_DPOP_PROOF_URI');
      });

      it('iat too old, in the future, or absent (§4.3 check 11)', async () => {
        const now = Math.floor(Date.now() / 1000);
        for (const iat of [now - 60 - 60 - 5, now + 60 + 5, undefined]) {
          const reply = await dpopGet(allowed, '/read', bound, { claims: { iat } });
          refused(reply, 401, 'ERR_DPOP_PROOF_IAT');
        }
        // Inside the window (60 s) plus the clock tolerance (60 s): accepted.
        ok(await dpopGet(allowed, '/read', bound, { claims: { iat: now - 100 } }));
      });

      it('no jti (§4.2, §4.3 check 3)', async () => {
        const reply = await dpopGet(allowed, '/read', bound, { claims: { jti: undefined } });
        refused(reply, 401, 'ERR_DPOP_PROOF_JTI');
        assert.equal(header(reply, 'www-authenticate'), proofChallenge('The DPoP proof must have a jti'));
      });

      it('ath of another token (§4.3 check 12)', async () => {
        const other = await issuer.sign({ cnf: { jkt: client.jkt }, sub: 'someone-else' });
        const proof = await makeProof(client, { method: 'GET', url: `${allowed}/read`, token: other });
        const reply = await dpopGet(allowed, '/read', bound, { proof });
        refused(reply, 401, 'ERR_DPOP_PROOF_ATH');
        assert.equal(
          header(reply, 'www-authenticate'),
          proofChallenge('The DPoP proof ath does not match the access token'),
        );
        noLeak(reply, bound, proof);
      });

      it('a replayed proof (§11.1): accepted once, refused after', async () => {
        const proof = await makeProof(client, { method: 'GET', url: `${allowed}/read`, token: bound });
        ok(await dpopGet(allowed, '/read', bound, { proof }));
        const reply = await dpopGet(allowed, '/read', bound, { proof });
        refused(reply, 401, 'ERR_DPOP_PROOF_REPLAY');
        assert.equal(header(reply, 'www-authenticate'), proofChallenge('The DPoP proof was already used'));
      });
    });

    describe('what an attacker sends around the proof', () => {
      it('a bound token as Bearer is refused even with a valid DPoP header beside it (§7.2)', async () => {
        const proof = await makeProof(client, { method: 'GET', url: `${allowed}/read`, token: bound });
        const reply = await send(allowed, '/read', {
          headers: { authorization: `Bearer ${bound}`, dpop: proof },
        });
        refused(reply, 401, 'ERR_DPOP_BOUND_TOKEN_AS_BEARER');
      });

      it('two proofs in one DPoP header, comma-joined as a proxy would join two headers (§4.3 check 1)', async () => {
        const one = await makeProof(client, { method: 'GET', url: `${allowed}/read`, token: bound });
        const two = await makeProof(client, { method: 'GET', url: `${allowed}/read`, token: bound });
        refused(
          await dpopGet(allowed, '/read', bound, { proof: `${one}, ${two}` }),
          401,
          'ERR_DPOP_PROOF_MULTIPLE',
        );
      });

      it('X-Forwarded-Host and -Proto name no URI: without publicUrl, htu is the Host the request came to', async () => {
        const forwarded = 'https://api.example.com';
        const proof = await makeProof(client, { method: 'GET', url: `${forwarded}/read`, token: bound });
        const reply = await send(allowed, '/read', {
          headers: {
            authorization: `DPoP ${bound}`,
            dpop: proof,
            'x-forwarded-host': 'api.example.com',
            'x-forwarded-proto': 'https',
            forwarded: 'host=api.example.com;proto=https',
          },
        });
        refused(reply, 401, 'ERR_DPOP_PROOF_URI');
      });

      it('the DPoP scheme with no token is invalid_token; more than one space before the token is fine', async () => {
        const empty = await send(allowed, '/read', { headers: { authorization: 'DPoP ' } });
        refused(empty, 401, 'ERR_TOKEN_MALFORMED');
        const proof = await makeProof(client, { method: 'GET', url: `${allowed}/read`, token: bound });
        ok(await send(allowed, '/read', { headers: { authorization: `DPoP   ${bound}`, dpop: proof } }));
      });

      it("a jti is recorded per key (§11.1): another client's proof with the same jti burns nothing", async () => {
        const jti = `shared-${randomBytes(8).toString('hex')}`;
        const attackerToken = await issuer.sign({ cnf: { jkt: attacker.jkt } });
        ok(await dpopGet(allowed, '/read', attackerToken, { key: attacker, claims: { jti } }));
        ok(await dpopGet(allowed, '/read', bound, { claims: { jti } }));
        refused(await dpopGet(allowed, '/read', bound, { claims: { jti } }), 401, 'ERR_DPOP_PROOF_REPLAY');
      });

      it('a token whose cnf.jkt is not the thumbprint string (a number, a list) is refused as a token (§6.1)', async () => {
        for (const jkt of [42, [client.jkt], { value: client.jkt }]) {
          const token = await issuer.sign({ cnf: { jkt } });
          const reply = await dpopGet(allowed, '/read', token);
          refused(reply, 401, 'ERR_TOKEN_CLAIM');
          assert.match(reply.headers['www-authenticate'] ?? '', /^DPoP .*error="invalid_token"/);
        }
      });
    });

    describe('authorization after DPoP (§7.1)', () => {
      it('a bound token without the scope: 403 insufficient_scope in a DPoP challenge', async () => {
        const readOnly = await issuer.sign({ cnf: { jkt: client.jkt }, scp: 'ToDoList.Read' });
        const reply = await dpopGet(allowed, '/write', readOnly);
        refused(reply, 403, 'ERR_INSUFFICIENT_SCOPE');
        assert.equal(
          header(reply, 'www-authenticate'),
          `DPoP realm="api", error="insufficient_scope", error_description="The token does not grant the required scope or permission", scope="ToDoList.ReadWrite", algs="${ALGS}", Bearer realm="api"`,
        );
      });
    });

    describe('server nonces (§9)', () => {
      it('a proof without the nonce gets use_dpop_nonce and a DPoP-Nonce; the retry with it passes', async () => {
        const first = await dpopGet(nonced, '/read', bound);
        refused(first, 401, 'ERR_DPOP_NONCE');
        assert.equal(
          header(first, 'www-authenticate'),
          `DPoP realm="api", error="use_dpop_nonce", error_description="Use the DPoP nonce the server provided", algs="${ALGS}", Bearer realm="api"`,
        );
        const nonce = header(first, 'dpop-nonce');
        assert.match(nonce ?? '', /^[0-9a-z]+\.[A-Za-z0-9_-]{24}$/);
        ok(await dpopGet(nonced, '/read', bound, { claims: { nonce } }));
      });

      it('a forged nonce is refused the same way', async () => {
        const forged = `${(header(await dpopGet(nonced, '/read', bound), 'dpop-nonce') ?? '').split('.')[0]}.${'A'.repeat(24)}`;
        refused(await dpopGet(nonced, '/read', bound, { claims: { nonce: forged } }), 401, 'ERR_DPOP_NONCE');
      });
    });

    describe('the binding of the token (§7.1): 401 invalid_token', () => {
      it("a stolen bound token with the attacker's own valid proof", async () => {
        const reply = await dpopGet(allowed, '/read', bound, { key: attacker });
        refused(reply, 401, 'ERR_DPOP_BINDING');
        assert.equal(
          header(reply, 'www-authenticate'),
          `DPoP realm="api", error="invalid_token", error_description="The access token is not bound to the DPoP proof key", algs="${ALGS}", Bearer realm="api"`,
        );
        noLeak(reply, bound);
      });

      it('an unbound token (no cnf.jkt) with the DPoP scheme and a valid proof', async () => {
        const reply = await dpopGet(allowed, '/read', await issuer.sign());
        refused(reply, 401, 'ERR_DPOP_BINDING');
      });

      it('an invalid token with a valid proof is invalid_token in a DPoP challenge', async () => {
        const expired = await issuer.sign({
          cnf: { jkt: client.jkt },
          exp: Math.floor(Date.now() / 1000) - 3600,
        });
        const reply = await dpopGet(allowed, '/read', expired);
        refused(reply, 401, 'ERR_TOKEN_EXPIRED');
        assert.match(header(reply, 'www-authenticate') ?? '', /^DPoP realm="api", error="invalid_token", /);
      });
    });

    describe('a DPoP-bound token sent as Bearer (§7.2) is refused in every mode', () => {
      for (const mode of ['allowed', 'off'] as const) {
        it(`dpop: ${mode}, also once the token is in the verified-token cache`, async () => {
          const base = mode === 'allowed' ? allowed : off;
          if (mode === 'allowed') ok(await dpopGet(base, '/read', bound)); // cached now
          for (let i = 0; i < 2; i++) {
            const reply = await send(base, '/read', { headers: { authorization: `Bearer ${bound}` } });
            refused(reply, 401, 'ERR_DPOP_BOUND_TOKEN_AS_BEARER');
            const description = 'A DPoP-bound token must be sent with the DPoP scheme and a proof';
            assert.equal(
              header(reply, 'www-authenticate'),
              mode === 'off'
                ? `Bearer realm="api", error="invalid_token", error_description="${description}"`
                : `Bearer realm="api", error="invalid_token", error_description="${description}", DPoP realm="api", algs="${ALGS}"`,
            );
          }
        });
      }

      it('dpop: required', async () => {
        const reply = await send(required, '/read', { headers: { authorization: `Bearer ${bound}` } });
        refused(reply, 401, 'ERR_DPOP_REQUIRED');
      });
    });

    describe('modes and challenges', () => {
      it('allowed (the default): Bearer clients get the RFC 6750 answers they always had', async () => {
        ok(await send(allowed, '/read', { headers: { authorization: `Bearer ${await issuer.sign()}` } }));
        const reply = await send(allowed, '/read');
        refused(reply, 401, 'ERR_TOKEN_MISSING');
        assert.equal(header(reply, 'www-authenticate'), 'Bearer realm="api"');
      });

      it('required: an unbound Bearer token is refused, no token gets a DPoP challenge', async () => {
        const bearer = await send(required, '/read', {
          headers: { authorization: `Bearer ${await issuer.sign()}` },
        });
        refused(bearer, 401, 'ERR_DPOP_REQUIRED');
        assert.equal(
          header(bearer, 'www-authenticate'),
          `DPoP realm="api", error="invalid_token", error_description="This resource requires a DPoP-bound token and a DPoP proof", algs="${ALGS}"`,
        );
        const none = await send(required, '/read');
        refused(none, 401, 'ERR_TOKEN_MISSING');
        assert.equal(header(none, 'www-authenticate'), `DPoP realm="api", algs="${ALGS}"`);
        const proofless = await send(required, '/read', { headers: { authorization: `DPoP ${bound}` } });
        assert.equal(
          header(proofless, 'www-authenticate'),
          `DPoP realm="api", error="invalid_dpop_proof", error_description="A DPoP proof is required with the DPoP scheme", algs="${ALGS}"`,
        );
        const anonymous = await send(required, '/optional');
        assert.equal(anonymous.status, 200, anonymous.text);
        assert.deepEqual(JSON.parse(anonymous.text), { anonymous: true });
      });

      it('off: the DPoP scheme counts as no credential, unbound Bearer tokens pass', async () => {
        const reply = await dpopGet(off, '/read', bound);
        refused(reply, 401, 'ERR_TOKEN_MISSING');
        assert.equal(header(reply, 'www-authenticate'), 'Bearer realm="api"');
        ok(await send(off, '/read', { headers: { authorization: `Bearer ${await issuer.sign()}` } }));
      });

      it('a replay store that fails: 503 + Retry-After, never accepted (fail closed)', async () => {
        const reply = await dpopGet(failing, '/read', bound);
        refused(reply, 503, 'ERR_DPOP_REPLAY_UNAVAILABLE');
        assert.equal(header(reply, 'retry-after'), '5');
        assert.equal(header(reply, 'www-authenticate'), undefined);
      });
    });
  });
}
