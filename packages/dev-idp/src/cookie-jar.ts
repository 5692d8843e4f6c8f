/**
 * The least a browser does with cookies for one site: keep what Set-Cookie says, drop what it
 * expires, send everything back. Paths are ignored (sending a cookie to more paths is harmless here).
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      if (this.#expires(attributes)) this.#cookies.delete(name);
      else this.#cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  #expires(attributes: string[]): boolean {
    for (const attribute of attributes) {
      const [key = '', value = ''] = attribute.split('=').map((part) => part.trim());
      if (key.toLowerCase() === 'max-age' && Number(value) <= 0) return true;
      if (key.toLowerCase() === 'expires' && Date.parse(value) <= Date.now()) return true;
    }
    return false;
  }

  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}
