import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/** One request the receiver got, with whether its signature checked out against the shared secret. */
export interface ReceivedHook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: unknown;
  signatureValid: boolean;
  answered: number;
}

/**
 * A local webhook receiver that verifies X-Lifeboat-Signature the way the docs tell users to (independently of
 * Lifeboat's own code) and answers with the next status from `statuses` (then 200).
 */
export async function startReceiver(secret: string, statuses: number[] = []) {
  const received: ReceivedHook[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(req.headers['x-lifeboat-timestamp'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
      const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
      const answered = statuses.shift() ?? 200;
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      received.push({ path: req.url ?? '', headers: req.headers, body, json, signatureValid: fresh && req.headers['x-lifeboat-signature'] === expected, answered });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
