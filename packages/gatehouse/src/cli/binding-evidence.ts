/**
 * `gatehouse-auth explain` flags for sender-constrained tokens: the DPoP proof and the request it
 * came with (`--dpop-proof`, `--method`, `--url`), and the TLS client certificate (`--client-cert`).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BindingEvidence } from '../core/dpop/explain-binding.ts';

export const BINDING_OPTIONS = {
  'dpop-proof': { type: 'string' },
  method: { type: 'string' },
  url: { type: 'string' },
  'client-cert': { type: 'string' },
} as const;

export const BINDING_USAGE = `--dpop-proof PROOF --url URL [--method GET]: check the DPoP proof sent with the token (RFC 9449).
--client-cert FILE: check the TLS client certificate (PEM or DER; 'none' for a connection without one) (RFC 8705).`;

export interface BindingFlags {
  'dpop-proof'?: string | undefined;
  method?: string | undefined;
  url?: string | undefined;
  'client-cert'?: string | undefined;
}

/** The evidence the flags name; throws an Error whose message is the usage problem. */
export function bindingEvidence(flags: BindingFlags): BindingEvidence {
  const evidence: BindingEvidence = {};
  const proof = flags['dpop-proof']?.trim();
  if (proof === undefined) {
    if (flags.url !== undefined || flags.method !== undefined)
      throw new Error('--url and --method describe the request of a --dpop-proof');
  } else {
    if (flags.url === undefined) throw new Error('--dpop-proof needs --url, the URL the request was sent to');
    let url: URL;
    try {
      url = new URL(flags.url);
    } catch {
      throw new Error('--url must be an absolute URL');
    }
    evidence.dpop = { proof, method: flags.method ?? 'GET', url };
  }
  const file = flags['client-cert'];
  if (file !== undefined) evidence.certificate = file === 'none' ? null : readCertificate(file);
  return evidence;
}

function readCertificate(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    throw new Error(`--client-cert: cannot read ${file} (${code})`);
  }
  try {
    return new X509Certificate(bytes).raw;
  } catch {
    throw new Error(`--client-cert: ${file} is not a PEM or DER certificate`);
  }
}
