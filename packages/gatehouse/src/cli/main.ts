#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { explainBinding } from '../core/dpop/explain-binding.ts';
import { GatehouseError } from '../core/errors.ts';
import { explain } from '../core/explain.ts';
import { createGatehouse } from '../core/gatehouse.ts';
import type { GatehouseOptions } from '../core/options.ts';
import { printable, printableJson } from '../core/printable.ts';
import { b2cPolicy, policyMismatch } from '../providers/b2c.ts';
import { BINDING_OPTIONS, BINDING_USAGE, bindingEvidence } from './binding-evidence.ts';

const USAGE = `usage: gatehouse-auth explain <token | -> [--issuer URL | --metadata-url URL | --jwks-uri URL --issuer URL]
                         [--audience A[,B]] [--clock-tolerance S] [--provider b2c --policy NAME] [--json]
Configuration falls back to the API's environment: AUTH_ISSUER, AUTH_METADATA_URL, AUTH_JWKS_URI, AUTH_AUDIENCE.
--provider b2c --policy B2C_1_signupsignin: the token must come through that user flow (tfp/acr).
${BINDING_USAGE}
Prints the decoded header and claims and each check with its reason. Exit 0 valid, 1 invalid, 2 usage.`;

function fail(message: string): never {
  process.stderr.write(`gatehouse: ${printable(message)}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      issuer: { type: 'string' },
      'metadata-url': { type: 'string' },
      'jwks-uri': { type: 'string' },
      audience: { type: 'string' },
      'clock-tolerance': { type: 'string' },
      provider: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...BINDING_OPTIONS,
    },
  });
  if (values.help || positionals[0] !== 'explain') {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const raw =
    positionals[1] === '-' || positionals[1] === undefined ? readFileSync(0, 'utf8') : positionals[1];
  const token = raw.trim().replace(/^bearer\s+/i, '');
  if (!token) fail('no token given');
  const env = process.env;
  const issuer = values.issuer ?? env.AUTH_ISSUER;
  const metadataUrl = values['metadata-url'] ?? env.AUTH_METADATA_URL;
  const jwksUri = values['jwks-uri'] ?? env.AUTH_JWKS_URI;
  const audience = (values.audience ?? env.AUTH_AUDIENCE ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (audience.length === 0) fail('give --audience or AUTH_AUDIENCE');
  const { provider, policy } = values;
  if (provider !== undefined && provider !== 'b2c' && provider !== 'oidc')
    fail('--provider: b2c or oidc (other presets need options explain does not take)');
  if (policy !== undefined && provider !== 'b2c') fail('--policy needs --provider b2c');
  if (provider === 'b2c' && !policy)
    fail('--provider b2c needs --policy <user flow>, e.g. B2C_1_signupsignin');
  const options: GatehouseOptions = {
    audience,
    ...(issuer ? { issuer } : {}),
    ...(metadataUrl ? { metadataUrl } : {}),
    ...(jwksUri ? { jwksUri } : {}),
    ...(policy
      ? { claims: { policy: b2cPolicy }, validate: (claims) => policyMismatch(claims, policy) }
      : {}),
    ...(values['clock-tolerance'] ? { clockTolerance: Number(values['clock-tolerance']) } : {}),
    keys: { cooldown: 0 },
  };
  let evidence: ReturnType<typeof bindingEvidence>;
  try {
    evidence = bindingEvidence(values);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  let gatehouse: ReturnType<typeof createGatehouse>;
  try {
    gatehouse = createGatehouse(options);
  } catch (error) {
    fail(error instanceof GatehouseError ? error.description : String(error));
  }
  const result = await explain(gatehouse, token);
  // Sender-constrained tokens: the proof and certificate checks the API would also run.
  const { dpop, clockTolerance } = gatehouse.options;
  const proofPolicy = { algorithms: dpop.algorithms, iatWindow: dpop.iatWindow, clockTolerance };
  const binding = await explainBinding(token, result.claims, evidence, proofPolicy);
  result.checks.push(...binding.checks);
  if (result.valid && binding.failure) Object.assign(result, { valid: false, code: binding.failure.code });
  if (values.json) {
    process.stdout.write(`${printableJson(result, 2)}\n`);
  } else {
    const out: string[] = [];
    out.push(
      'header:',
      printableJson(result.header ?? null, 2),
      'claims:',
      printableJson(result.claims ?? null, 2),
      'checks:',
    );
    for (const check of result.checks)
      out.push(`  ${check.ok ? 'PASS' : 'FAIL'}  ${check.name.padEnd(12)} ${printable(check.detail)}`);
    // Every line above escapes token text, so this is the only line that can begin with `verdict:`.
    out.push(result.valid ? 'verdict: VALID' : `verdict: INVALID (${printable(String(result.code))})`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
  return result.valid ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => fail(error instanceof Error ? error.message : String(error)),
);
