import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TestIssuer } from 'gatehouse-test-support/issuer';
import { isAcceptableRemoteUrl, secureUrl } from '../../../src/core/keys/url-policy.ts';
import {
  ConfigurationError,
  createGatehouse,
  GatehouseError,
  type KeySetSnapshot,
} from '../../../src/index.ts';

/** Plain http to any of these may leave the machine: a name DNS answers, or not loopback at all. */
const OFF_LOOPBACK = [
  'http://evil.localhost',
  'http://app.localhost:3001/x',
  'http://localhost.evil.example',
  'http://localhost.',
  'http://127.0.0.1.nip.io',
  'http://127.0.0.1.evil.com',
  'http://[::ffff:127.0.0.1]',
  'http://[::ffff:7f00:1]:8080',
  'http://[::2]',
  'http://[fe80::1]',
  'http://0.0.0.0',
  'http://128.0.0.1',
  'http://10.0.0.1',
  'http://idp.example.com',
  'https://user:pass@idp.example.com',
  'http://user@127.0.0.1',
  'ftp://127.0.0.1',
  'file:///etc/passwd',
  'not a url',
];

/** Literal loopback addresses (in any spelling the URL parser canonicalises) and exactly `localhost`. */
const LOOPBACK = [
  'http://localhost',
  'http://LOCALHOST:3001/realms/x',
  'http://127.0.0.1:1',
  'http://127.1.2.3',
  'http://127.255.255.255',
  'http://127.1',
  'http://0x7f000001',
  'http://[::1]',
  'http://[::1]:8080/jwks',
  'http://[0:0:0:0:0:0:0:1]',
];

const HTTPS = [
  'https://anything',
  'https://evil.localhost',
  'https://10.0.0.1/jwks',
  'https://[::ffff:7f00:1]',
];

describe('URL policy: plain http only to literal loopback addresses and exactly localhost', () => {
  it('plain http to a *.localhost name or a look-alike is refused everywhere a URL is checked', () => {
    for (const url of OFF_LOOPBACK) {
      assert.equal(isAcceptableRemoteUrl(url), false, url);
      assert.throws(() => secureUrl(url, 'issuer'), ConfigurationError, url);
    }
  });

  it('literal loopback addresses, exactly localhost, and any https URL are accepted', () => {
    for (const url of [...LOOPBACK, ...HTTPS]) {
      assert.equal(isAcceptableRemoteUrl(url), true, url);
      assert.doesNotThrow(() => secureUrl(url, 'issuer'), url);
    }
  });

  it('the issuer, metadataUrl and jwksUri options all go through the one rule', () => {
    const refused = (options: Record<string, unknown>, path: RegExp) =>
      assert.throws(
        () => createGatehouse({ audience: 'api://x', ...options }),
        (e: unknown) => e instanceof ConfigurationError && path.test(e.message),
      );
    for (const url of ['http://evil.localhost', 'http://localhost.evil.example', 'http://127.0.0.1.nip.io']) {
      refused({ issuer: url }, /issuer must be an https URL/);
      refused({ metadataUrl: `${url}/.well-known/openid-configuration` }, /metadataUrl must be an https URL/);
      refused({ issuer: 'https://idp.example', jwksUri: `${url}/jwks` }, /jwksUri must be an https URL/);
    }
    createGatehouse({ audience: 'a', issuer: 'http://127.1.2.3' });
    createGatehouse({ audience: 'a', issuer: 'https://idp.example', jwksUri: 'http://[::1]:9/jwks' });
  });

  describe('a jwks_uri learnt from metadata or a snapshot', () => {
    let server: Server;
    let base = '';
    let jwksUri = '';
    const requests: string[] = [];
    let signer: TestIssuer;
    before(async () => {
      signer = await TestIssuer.start(['RS256']);
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ issuer: base, jwks_uri: jwksUri }));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.close();
      await signer.close();
    });

    it('a metadata document pointing plain http at a *.localhost name is refused: 503, no key fetch', async () => {
      for (const bad of [
        'http://evil.localhost/jwks',
        'http://localhost.evil.example/jwks',
        'http://127.0.0.1.nip.io/jwks',
      ]) {
        jwksUri = bad;
        requests.length = 0;
        const gh = createGatehouse({ issuer: base, audience: 'api://x', keys: { cooldown: 0 } });
        const error = await gh.verify(await signer.sign({ iss: base })).catch((e: unknown) => e);
        assert.ok(error instanceof GatehouseError, String(error));
        assert.equal(error.status, 503, bad);
        assert.match(gh.status().lastError ?? '', /no usable https "jwks_uri"/);
        assert.deepEqual(requests, ['/.well-known/openid-configuration'], 'only the metadata was fetched');
        gh.close();
      }
    });

    it('a snapshot whose jwksUri is plain http off loopback is refused at construction', async () => {
      const snapshot: KeySetSnapshot = {
        version: 1,
        source: 'https://idp.example/jwks',
        issuer: 'https://idp.example',
        jwksUri: 'http://evil.localhost/jwks',
        fetchedAt: Date.now(),
        jwks: { keys: [] },
      };
      const options = { audience: 'a', issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks' };
      assert.throws(
        () => createGatehouse({ ...options, snapshot }),
        (e: unknown) =>
          e instanceof ConfigurationError && /snapshot\[0\]\.jwksUri must be an https URL/.test(e.message),
      );
    });
  });
});
