import { decodeJwt, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { GatehouseError } from './errors.ts';
import type { Gatehouse } from './gatehouse.ts';
import { audienceHint, issuerHint } from './hints.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Explanation {
  header: ProtectedHeaderParameters | undefined;
  claims: JWTPayload | undefined;
  checks: Check[];
  valid: boolean;
  /** The code the API would answer with, when invalid. */
  code: string | undefined;
}

function decode<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

function when(seconds: number): string {
  const date = new Date(seconds * 1000);
  // A time beyond the Date range (exp: 1e308) is shown as a number, not a crash.
  return Number.isNaN(date.getTime()) ? `${seconds} s after the epoch` : date.toISOString();
}

/**
 * Runs each check on its own, so one failure does not hide the next, then the real verification
 * for the verdict. What a person reaches for first when a provider's token is refused.
 */
export async function explain(gatehouse: Gatehouse, token: string, nowMs = Date.now()): Promise<Explanation> {
  const header = decode(() => decodeProtectedHeader(token));
  const claims = decode(() => decodeJwt(token));
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const { options } = gatehouse;
  add(
    'format',
    header !== undefined && claims !== undefined,
    header && claims ? 'three base64url segments, JSON header and claims' : 'not a decodable JWT',
  );
  if (header) {
    const alg = String(header.alg);
    add(
      'algorithm',
      (options.algorithms as readonly string[]).includes(alg),
      `alg ${alg}; accepted: ${options.algorithms.join(', ')}`,
    );
    add(
      'type',
      header.typ === undefined ||
        (typeof header.typ === 'string' && /^(application\/)?(at\+)?jwt$/i.test(header.typ)),
      `typ ${header.typ === undefined ? '(none)' : JSON.stringify(header.typ)}`,
    );
  }
  // The issuer this token would be routed to (the only one, or the one its unverified iss names).
  const validator = await (claims && gatehouse.issuers.length > 1
    ? gatehouse.route(claims)
    : Promise.resolve(gatehouse.issuers[0]!)
  ).catch((e: unknown) => e as Error);
  if (claims) {
    const now = Math.floor(nowMs / 1000);
    if (validator instanceof Error) {
      add('issuer', false, validator instanceof GatehouseError ? validator.detail : validator.message);
    } else {
      let issuer: string | undefined;
      let problem: string | undefined;
      try {
        issuer = validator.expectedIssuer(await validator.trustedIssuer(), claims);
      } catch (e) {
        problem = e instanceof GatehouseError ? e.detail : String(e);
      }
      const ok = issuer !== undefined && claims.iss === issuer;
      const hint = issuer !== undefined && !ok ? issuerHint(claims, issuer) : '';
      add(
        'issuer',
        ok,
        problem ?? `iss ${JSON.stringify(claims.iss)}; trusted: ${JSON.stringify(issuer)}${hint}`,
      );
      const { audience, audienceClaim } = validator.config;
      const value = claims[audienceClaim];
      const aud = (Array.isArray(value) ? value : [value]).filter((a): a is string => typeof a === 'string');
      const audOk = aud.some((a) => audience.includes(a));
      add(
        'audience',
        audOk,
        `${audienceClaim} ${JSON.stringify(value) ?? 'absent'}; accepted: ${audience.join(', ')}${audOk ? '' : audienceHint(claims)}`,
      );
      // The issuer's own requirements (a B2C user flow, say), which otherwise surface only in the verdict.
      if (validator.config.validate && typeof header?.alg === 'string') {
        const failure = validator.config.validate(claims, { ...header, alg: header.alg });
        add('requirements', failure === undefined, failure ?? "the issuer's own checks pass");
      }
    }
    const tol = options.clockTolerance;
    if (typeof claims.exp !== 'number')
      add('expiry', false, 'no exp claim: tokens without expiry are refused');
    else if (claims.exp + tol <= now)
      add('expiry', false, `expired ${now - claims.exp} s ago at ${when(claims.exp)} (tolerance ${tol} s)`);
    else add('expiry', true, `expires in ${claims.exp - now} s at ${when(claims.exp)}`);
    if (typeof claims.nbf === 'number' && claims.nbf - tol > now)
      add('not before', false, `not valid for another ${claims.nbf - now} s`);
    else
      add('not before', true, claims.nbf === undefined ? 'no nbf claim' : `valid since ${when(claims.nbf)}`);
    add(
      'subject',
      typeof (claims.oid ?? claims.sub) === 'string',
      `oid ${JSON.stringify(claims.oid)}, sub ${JSON.stringify(claims.sub)}`,
    );
  }
  if (header && !(validator instanceof Error)) {
    const keyCheck = await validator.keys
      .candidates({
        alg: String(header.alg),
        ...(header.kid ? { kid: header.kid } : {}),
        ...(typeof header.x5t === 'string' ? { x5t: header.x5t } : {}),
      })
      .then(
        (found: { keys: readonly unknown[] }) => ({
          ok: true,
          detail: `${found.keys.length} matching key(s) in the issuer's key set`,
        }),
        (e: unknown) => ({ ok: false, detail: e instanceof GatehouseError ? e.detail : String(e) }),
      );
    add('signing key', keyCheck.ok, keyCheck.detail);
  }
  const verdict = await gatehouse.verify(token).then(
    () => undefined,
    (e: unknown) =>
      e instanceof GatehouseError
        ? e
        : new GatehouseError('ERR_TOKEN_MALFORMED', 401, 'invalid_token', { description: String(e) }),
  );
  add(
    'verification',
    verdict === undefined,
    verdict === undefined ? 'signature and claims verified' : `${verdict.code}: ${verdict.detail}`,
  );
  return { header, claims, checks, valid: verdict === undefined, code: verdict?.code };
}
