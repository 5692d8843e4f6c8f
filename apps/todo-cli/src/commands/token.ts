import { CliError, EXIT, printable } from '../errors.ts';
import type { CommandContext } from './context.ts';

/** The payload of a JWT, decoded but NOT verified: for reading, never for trusting. */
export function decodeClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function expiry(claims: Record<string, unknown>): string {
  if (typeof claims.exp !== 'number') return '';
  const minutes = Math.round((claims.exp * 1000 - Date.now()) / 60_000);
  return `, expires ${new Date(claims.exp * 1000).toISOString().slice(0, 16).replace('T', ' ')}Z (in ${minutes} min)`;
}

function confirmation(claims: Record<string, unknown>, member: string): string | undefined {
  const cnf = claims.cnf;
  if (typeof cnf !== 'object' || cnf === null || !(member in cnf)) return undefined;
  const value: unknown = (cnf as Record<string, unknown>)[member];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether the token is sender-constrained: DPoP's `cnf.jkt` (RFC 9449 §6.1), a TLS client
 * certificate's `cnf["x5t#S256"]` (RFC 8705 §3.1), or a Bearer token.
 */
export function binding(claims: Record<string, unknown>, ctx: Pick<CommandContext, 'dpop' | 'mtls'>): string {
  const jkt = confirmation(claims, 'jkt');
  const x5t = confirmation(claims, 'x5t#S256');
  const lines: string[] = [];
  if (jkt !== undefined) {
    const ours = ctx.dpop?.thumbprint === jkt ? ", this run's key" : '';
    lines.push(
      `Bound to: DPoP key cnf.jkt ${printable(jkt)}${ours} (RFC 9449; sent with a proof of that key)`,
    );
  }
  // A token may be bound both ways (a DPoP proof and a client certificate at the token request).
  if (x5t !== undefined) {
    const ours = ctx.mtls?.thumbprint === x5t ? ", this run's --tls-cert" : '';
    lines.push(
      `Bound to: TLS client certificate cnf.x5t#S256 ${printable(x5t)}${ours} (RFC 8705; usable only over mutual TLS with it)`,
    );
  }
  return lines.length > 0
    ? lines.join('\n')
    : 'Bound to: nothing (a Bearer token: whoever holds it can use it)';
}

/** Shows what the daemon's token says (claims), so permissions can be checked without leaking it. */
export async function token(ctx: CommandContext, args: { raw: boolean }): Promise<void> {
  const accessToken = await ctx.tokens.getToken();
  if (args.raw) {
    // Asked for explicitly: the one place the CLI prints a token.
    ctx.out(accessToken);
    return;
  }
  const claims = decodeClaims(accessToken);
  if (!claims) {
    throw new CliError(
      'the access token is not a JWT (an opaque token has no claims to show); use --raw to print it',
      EXIT.error,
    );
  }
  const body = printable(JSON.stringify(claims, null, 2));
  if (ctx.json) {
    ctx.out(body);
    return;
  }
  ctx.out(
    `Access token of ${printable(ctx.config.clientId)} for ${printable(ctx.config.scope)}${expiry(claims)}\n` +
      `${binding(claims, ctx)}\n` +
      `Claims (decoded here, not verified; the API verifies them):\n${body}`,
  );
}
