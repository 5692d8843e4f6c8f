/**
 * A forwarding proxy in front of the API that keeps the last request's Authorization and DPoP
 * headers, so that a test can replay or steal what the CLI sent. The API knows itself by the
 * proxy's URL (PUBLIC_URL), the `htu` the CLI's proofs name.
 */
import { createServer } from 'node:http';

export interface Captured {
  method: string;
  path: string;
  authorization: string;
  dpop: string;
}

/** An answer the proxy passed back: its status and any `DPoP-Nonce` (RFC 9449 §8.1). */
export interface Answered {
  status: number;
  nonce: string | null;
}

export interface CapturingProxy {
  url: string;
  /** The last request forwarded, if any. */
  last(): Captured | undefined;
  /** The answers since the last call, oldest first (the call empties the list). */
  takeAnswers(): Answered[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` and forwards every request to `apiUrl` as it came. */
export async function startCapturingProxy(apiUrl: string, port: number): Promise<CapturingProxy> {
  let last: Captured | undefined;
  let answers: Answered[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'dpop', 'content-type', 'accept']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    last = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      authorization: headers.authorization ?? '',
      dpop: headers.dpop ?? '',
    };
    const answer = await fetch(`${apiUrl}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    answers.push({ status: answer.status, nonce: answer.headers.get('dpop-nonce') });
    const out: Record<string, string> = {};
    for (const name of ['content-type', 'www-authenticate', 'location', 'link', 'dpop-nonce']) {
      const value = answer.headers.get(name);
      if (value !== null) out[name] = value;
    }
    res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${port}`,
    last: () => last,
    takeAnswers: () => {
      const taken = answers;
      answers = [];
      return taken;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
