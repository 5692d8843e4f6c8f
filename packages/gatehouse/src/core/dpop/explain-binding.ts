/**
 * Why a sender-constrained token would be refused with this proof or this client certificate:
 * every check of RFC 9449 §4.3 and §7.1 (DPoP) and RFC 8705 §3 (certificates), each reported on its
 * own with PASS or FAIL. Each runs the very predicate the gate runs (proof.ts, binding.ts,
 * certificate.ts), so explain can never disagree with the API about why.
 */
import { decodeJwt, type JWTPayload } from 'jose';
import { GatehouseError } from '../errors.ts';
import { boundThumbprint, dpopBindingFailure } from './binding.ts';
import { certificateBindingFailure, certificateDerThumbprint, certificateThumbprint } from './certificate.ts';
import {
  checkProofAth,
  checkProofMethod,
  checkProofSignature,
  checkProofType,
  checkProofUri,
  type ParsedProof,
  type ProofPolicy,
  parseProof,
  proofAlgorithm,
  proofClaims,
  proofIat,
  proofJti,
  proofKey,
  proofKeyThumbprint,
} from './proof.ts';
import { proofPublicJwk } from './proof-key.ts';
import { htuOf } from './request.ts';

export interface BindingCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface BindingEvidence {
  /** The `DPoP` header sent with the token, and the request it was sent with. */
  dpop?: { proof: string; method: string; url: URL };
  /** The client certificate of the TLS connection (DER), or `null` for a connection without one. */
  certificate?: Buffer | null;
}

export interface BindingExplanation {
  checks: BindingCheck[];
  /** The first refusal, as the API would answer it; undefined when every check passed. */
  failure: GatehouseError | undefined;
}

interface Recorder {
  checks: BindingCheck[];
  failure: GatehouseError | undefined;
}

function record<T>(into: Recorder, name: string, run: () => T, passed: (value: T) => string): T | undefined {
  try {
    const value = run();
    into.checks.push({ name, ok: true, detail: passed(value) });
    return value;
  } catch (error) {
    const refusal = error instanceof GatehouseError ? error : undefined;
    into.checks.push({ name, ok: false, detail: refusal?.detail ?? String(error) });
    into.failure ??= refusal;
    return undefined;
  }
}

/** The proof's claims unverified, so the claim checks still say something when the signature fails. */
function unverifiedClaims(proof: string): Record<string, unknown> | undefined {
  try {
    return decodeJwt(proof);
  } catch {
    return undefined;
  }
}

function explainDpop(
  into: Recorder,
  token: string,
  tokenClaims: JWTPayload,
  evidence: NonNullable<BindingEvidence['dpop']>,
  policy: ProofPolicy,
  nowMs: number,
): void {
  const { proof } = evidence;
  const parsed = record<ParsedProof>(
    into,
    'dpop format',
    () => parseProof(proof),
    () => 'a compact JWS with a JSON header',
  );
  if (parsed === undefined) return;
  const { header } = parsed;
  record(
    into,
    'dpop typ',
    () => checkProofType(header),
    () => 'typ "dpop+jwt"',
  );
  const alg = record(
    into,
    'dpop alg',
    () => proofAlgorithm(header, policy.algorithms),
    (value) => `alg ${value}; accepted: ${policy.algorithms.join(', ')}`,
  );
  const jwk = record(
    into,
    'dpop jwk',
    () => proofPublicJwk(header),
    (key) => `a public ${String(key.kty)} key, no private members`,
  );
  let claims: Record<string, unknown> | undefined;
  if (alg !== undefined && jwk !== undefined) {
    const signed = record(
      into,
      'dpop signature',
      () => {
        checkProofSignature(parsed, alg, proofKey(parsed, alg));
        return true;
      },
      () => "verifies with the header's jwk",
    );
    if (signed)
      claims = record(
        into,
        'dpop claims',
        () => proofClaims(parsed),
        () => 'a JSON object',
      );
  }
  const unverified = claims === undefined;
  claims ??= unverifiedClaims(proof);
  if (claims !== undefined) {
    const read = claims;
    const note = unverified ? ' (claims read without a verified signature)' : '';
    record(
      into,
      'dpop jti',
      () => proofJti(read),
      () => `present${note}`,
    );
    record(
      into,
      'dpop htm',
      () => checkProofMethod(read, evidence.method),
      () => `htm ${evidence.method}${note}`,
    );
    const htu = htuOf(evidence.url);
    record(
      into,
      'dpop htu',
      () => checkProofUri(read, htu),
      () => `htu ${htu}${note}`,
    );
    record(
      into,
      'dpop iat',
      () => proofIat(read, nowMs, policy),
      (iat) =>
        `issued ${Math.round(nowMs / 1000 - iat)} s ago (window ${policy.iatWindow} s, tolerance ${policy.clockTolerance} s)${note}`,
    );
    record(
      into,
      'dpop ath',
      () => checkProofAth(read, token),
      () => `the hash of this access token${note}`,
    );
  }
  if (jwk !== undefined) {
    const proofJkt = proofKeyThumbprint(jwk) ?? 'none (the key does not import)';
    const jkt = boundThumbprint({ claims: tokenClaims });
    record(
      into,
      'dpop jkt',
      () => {
        const failure = dpopBindingFailure(jkt, proofJkt);
        if (failure) throw failure;
      },
      () => `cnf.jkt ${String(jkt)} is the proof key's thumbprint`,
    );
    const last = into.checks.at(-1);
    if (last && !last.ok)
      last.detail += `; cnf.jkt ${JSON.stringify(jkt) ?? 'absent'}, proof key ${proofJkt}`;
  }
}

function explainCertificate(into: Recorder, tokenClaims: JWTPayload, der: Buffer | null): void {
  const expected = certificateThumbprint({ claims: tokenClaims });
  const presented = der === null ? 'none' : certificateDerThumbprint(der);
  if (expected === undefined) {
    into.checks.push({
      name: 'mtls x5t#S256',
      ok: true,
      detail: `the token has no cnf.x5t#S256: it is not certificate-bound (certificate ${presented})`,
    });
    return;
  }
  record(
    into,
    'mtls x5t#S256',
    () => {
      const failure = certificateBindingFailure(expected, der ?? undefined);
      if (failure) throw failure;
    },
    () => `the certificate's SHA-256 thumbprint ${presented} is cnf.x5t#S256`,
  );
  const last = into.checks.at(-1);
  if (last && !last.ok) last.detail += `; cnf.x5t#S256 ${JSON.stringify(expected)}, certificate ${presented}`;
}

/**
 * The binding checks for `token` (whose decoded claims are `tokenClaims`) with the evidence given;
 * evidence not given is not checked. The token's own signature and claims are explain's business.
 */
export async function explainBinding(
  token: string,
  tokenClaims: JWTPayload | undefined,
  evidence: BindingEvidence,
  policy: ProofPolicy,
  nowMs = Date.now(),
): Promise<BindingExplanation> {
  const into: Recorder = { checks: [], failure: undefined };
  const claims = tokenClaims ?? {};
  if (evidence.dpop) explainDpop(into, token, claims, evidence.dpop, policy, nowMs);
  if (evidence.certificate !== undefined) explainCertificate(into, claims, evidence.certificate);
  return into;
}
