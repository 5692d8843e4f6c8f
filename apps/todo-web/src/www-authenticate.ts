/**
 * A strict reader for `WWW-Authenticate` (RFC 9110 §11.6.1), and the RFC 9470 step-up challenge
 * the to-do API sends when a user's sign-in is too weak or too old. The header comes from another
 * server: anything outside the grammar makes the whole header unreadable (`undefined`), so a
 * malformed or hostile answer is treated like a plain 401 and never half-understood.
 */

/** One challenge: the scheme in lower case, its parameters by lower-case name, or a token68. */
export interface Challenge {
  scheme: string;
  params: ReadonlyMap<string, string>;
  token68?: string;
}

/** What a step-up challenge asks the next sign-in for (RFC 9470 §3). */
export interface StepUp {
  /** `acr_values`, in the order the API prefers them; may be empty. */
  acrValues: string[];
  /** `max_age` in seconds, when the API named one. */
  maxAge?: number;
}

/** Longer headers are refused unread: ours are a few hundred characters. */
export const MAX_HEADER_LENGTH = 4096;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

class Reader {
  position = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  get done(): boolean {
    return this.position >= this.text.length;
  }
  peek(): string {
    return this.text[this.position] ?? '';
  }
  /** Optional whitespace (OWS / BWS): spaces and tabs. */
  skipSpace(): number {
    const start = this.position;
    while (this.peek() === ' ' || this.peek() === '\t') this.position++;
    return this.position - start;
  }
  token(): string | undefined {
    const start = this.position;
    while (!this.done && TCHAR.test(this.peek())) this.position++;
    return this.position > start ? this.text.slice(start, this.position) : undefined;
  }
  /** A quoted-string without its quotes and with quoted-pairs resolved; obs-text is refused. */
  quoted(): string | undefined {
    if (this.peek() !== '"') return undefined;
    this.position++;
    let value = '';
    while (!this.done) {
      const c = this.peek();
      this.position++;
      if (c === '"') return value;
      if (c === '\\') {
        const escaped = this.peek();
        if (!/^[\t\x20-\x7e]$/.test(escaped)) return undefined;
        this.position++;
        value += escaped;
      } else if (/^[\t\x20\x21\x23-\x5b\x5d-\x7e]$/.test(c)) {
        value += c;
      } else {
        return undefined;
      }
    }
    return undefined; // no closing quote
  }
  /** Skips empty list elements (`, ,`), which RFC 9110 §5.6.1 tells recipients to accept. */
  skipCommas(): boolean {
    let any = false;
    for (;;) {
      this.skipSpace();
      if (this.peek() !== ',') return any;
      this.position++;
      any = true;
    }
  }
}

/** Every challenge in the header, or `undefined` when any part of it breaks the grammar. */
export function parseChallenges(header: string): Challenge[] | undefined {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  const r = new Reader(header);
  const challenges: Challenge[] = [];
  r.skipCommas();
  while (!r.done) {
    const scheme = r.token();
    if (scheme === undefined) return undefined;
    const params = new Map<string, string>();
    let token68: string | undefined;
    const spaced = r.skipSpace() > 0;
    if (spaced && !r.done && r.peek() !== ',') {
      if (startsParam(r)) {
        if (!readParams(r, params)) return undefined;
      } else {
        // A token68 (`Basic dXNlcg==`): runs to the next comma or the end.
        const rest = r.text.slice(r.position);
        const end = rest.indexOf(',');
        const candidate = (end === -1 ? rest : rest.slice(0, end)).trimEnd();
        if (!TOKEN68.test(candidate)) return undefined;
        token68 = candidate;
        r.position += candidate.length;
      }
    }
    challenges.push({ scheme: scheme.toLowerCase(), params, ...(token68 === undefined ? {} : { token68 }) });
    r.skipSpace();
    if (r.done) break;
    if (!r.skipCommas()) return undefined;
  }
  return challenges;
}

/**
 * Whether an auth-param (`name BWS = BWS value`) starts here, rather than a token68 whose padding
 * also uses `=` (`abc=` or `abc==`): a parameter's `=` is followed by a token or a quoted string.
 * Looks ahead only.
 */
function startsParam(r: Reader): boolean {
  const start = r.position;
  const name = r.token();
  r.skipSpace();
  let param = false;
  if (name !== undefined && r.peek() === '=') {
    r.position++;
    r.skipSpace();
    param = r.peek() === '"' || TCHAR.test(r.peek());
  }
  r.position = start;
  return param;
}

/**
 * Reads `name=value` pairs until the next challenge's scheme or the end. A repeated name makes
 * the challenge unreadable: RFC 9110 forbids it, and picking either value would be a guess.
 */
function readParams(r: Reader, params: Map<string, string>): boolean {
  for (;;) {
    const start = r.position;
    const name = r.token();
    if (name === undefined) return false;
    r.skipSpace();
    if (r.peek() !== '=') {
      r.position = start;
      return false;
    }
    r.position++;
    r.skipSpace();
    const value = r.peek() === '"' ? r.quoted() : r.token();
    if (value === undefined) return false;
    const key = name.toLowerCase();
    if (params.has(key)) return false;
    params.set(key, value);
    r.skipSpace();
    if (r.done) return true;
    const afterValue = r.position;
    if (!r.skipCommas()) return false;
    if (r.done) return true;
    // After a comma comes another parameter or another challenge's scheme.
    if (!startsParam(r)) {
      r.position = afterValue;
      return true;
    }
  }
}

const ACR_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

/**
 * The step-up the header asks for: a `Bearer` challenge with
 * `error="insufficient_user_authentication"` and well-formed `acr_values` (space-separated) and/or
 * `max_age` (whole seconds). `undefined` for anything else, or anything malformed.
 */
export function stepUpChallenge(header: string | null): StepUp | undefined {
  if (header === null) return undefined;
  const bearer = parseChallenges(header)?.filter((c) => c.scheme === 'bearer');
  if (bearer?.length !== 1) return undefined;
  const { params } = bearer[0] as Challenge;
  if (params.get('error') !== 'insufficient_user_authentication') return undefined;
  const acr = params.get('acr_values');
  const maxAge = params.get('max_age');
  if (acr === undefined && maxAge === undefined) return undefined;
  const acrValues = acr === undefined ? [] : acr.split(' ');
  if (acrValues.length > 16 || acrValues.some((a) => !ACR_VALUE.test(a))) return undefined;
  if (maxAge !== undefined && !/^\d{1,9}$/.test(maxAge)) return undefined;
  return { acrValues, ...(maxAge === undefined ? {} : { maxAge: Number(maxAge) }) };
}
